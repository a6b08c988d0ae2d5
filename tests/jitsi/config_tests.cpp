// Configuration of the three deployments: what validate() refuses (and under
// which field), and what each mode derives from it.
#include "jitsi/jitsi_test_support.hpp"

#include <catch2/catch.hpp>

#include <functional>

using namespace jitsi_test;
using livecourse::ErrorCode;

namespace {

std::string refused_field(const lj::Config& c) {
    try {
        lj::validate(c);
    } catch (const livecourse::Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
        return e.field();
    }
    return "(accepted)";
}

std::string encrypted_rsa_pem() {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    char pass[] = "correct horse";
    REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), pass, sizeof pass - 1, nullptr, nullptr) == 1);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string ec_pem() {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

TEST_CASE("validate accepts the defaults and a complete configuration of each mode", "[jitsi][config]") {
    CHECK(refused_field(lj::Config{}) == "(accepted)");
    CHECK(refused_field(self_hosted_config()) == "(accepted)");
    CHECK(refused_field(jaas_config()) == "(accepted)");
    auto pkcs1 = jaas_config();
    pkcs1.jaas_private_key_pem = generate_rsa_pem(2048, true);
    REQUIRE(pkcs1.jaas_private_key_pem.find("BEGIN RSA PRIVATE KEY") != std::string::npos);
    CHECK(refused_field(pkcs1) == "(accepted)");
}

TEST_CASE("validate refuses secrets shorter than 32 bytes", "[jitsi][config]") {
    auto c = self_hosted_config();
    c.app_secret = std::string(31, 's');
    CHECK(refused_field(c) == "jitsi.app_secret");
    c.app_secret = "";
    CHECK(refused_field(c) == "jitsi.app_secret");
    c.app_secret = std::string(32, 's');
    CHECK(refused_field(c) == "(accepted)");
    // The issuer and the verifier hold the same line.
    c.app_secret = std::string(31, 's');
    CHECK(error_from([&] { lj::TokenIssuer issuer(c); }).field() == "jitsi.app_secret");
    CHECK(error_from([] { lj::TokenVerifier::hs256(std::string(31, 's')); }).code() == ErrorCode::invalid_argument);
    // Public mode signs nothing, so it needs no secret.
    lj::Config pub;
    pub.app_secret = "short";
    CHECK(refused_field(pub) == "(accepted)");
}

TEST_CASE("validate refuses a token mode without its identity", "[jitsi][config]") {
    auto c = self_hosted_config();
    c.app_id = "";
    CHECK(refused_field(c) == "jitsi.app_id");
    c.app_id = "has space";
    CHECK(refused_field(c) == "jitsi.app_id");
    c = self_hosted_config();
    c.audience = "";
    CHECK(refused_field(c) == "jitsi.audience");

    auto j = jaas_config();
    j.app_id = "";
    CHECK(refused_field(j) == "jitsi.app_id");
    j.app_id = "1fc542a3e4414a44b2611668195e2bfe";  // without the vpaas-magic-cookie- prefix
    CHECK(refused_field(j) == "jitsi.app_id");
    j.app_id = "vpaas-magic-cookie-";
    CHECK(refused_field(j) == "jitsi.app_id");
    j = jaas_config();
    j.jaas_key_id = "";
    CHECK(refused_field(j) == "jitsi.jaas_key_id");
    j.jaas_key_id = "a/b";
    CHECK(refused_field(j) == "jitsi.jaas_key_id");
    j = jaas_config();
    j.tenant = "acme";
    CHECK(refused_field(j) == "jitsi.tenant");
    j = jaas_config();
    j.audience = "other";
    CHECK(refused_field(j) == "jitsi.audience");
    j = jaas_config();
    j.subject = "meet.example.com";
    CHECK(refused_field(j) == "jitsi.subject");
}

TEST_CASE("validate refuses unusable JaaS private keys", "[jitsi][config]") {
    auto j = jaas_config();
    for (const std::string& pem : {std::string(), std::string("not a key"),
                                   std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
                                   generate_rsa_pem(1024), encrypted_rsa_pem(), ec_pem()}) {
        j.jaas_private_key_pem = pem;
        CAPTURE(pem.substr(0, 40));
        CHECK(refused_field(j) == "jitsi.jaas_private_key_pem");
    }
    // A public key is not a signing key.
    j.jaas_private_key_pem = lj::rsa_public_key_pem(shared_rsa_pem());
    CHECK(refused_field(j) == "jitsi.jaas_private_key_pem");
}

TEST_CASE("validate refuses server URLs that are not scheme and host", "[jitsi][config]") {
    auto c = self_hosted_config();
    for (const char* bad : {"", "meet.example.com", "ftp://meet.example.com", "https://", "https://meet.example.com/path",
                            "https://meet.example.com/tenant/", "https://user@meet.example.com", "https://meet.example.com?x=1",
                            "https://meet.example.com#x", "https://meet.example.com:0", "https://meet.example.com:99999",
                            "https://meet.example.com:", "https://meet.example.com:8a", "https://-meet.example.com",
                            "https://meet..example.com", "https://meet_example.com", "https://meet.example.com\\x",
                            "https://meet example.com", "http://meet.example.com"}) {
        CAPTURE(bad);
        c.server_url = bad;
        CHECK(refused_field(c) == "jitsi.server_url");
    }
    for (const char* good : {"https://meet.example.com", "https://meet.example.com/", "HTTPS://Meet.Example.COM",
                             "https://meet.example.com:8443", "http://localhost:8000", "http://127.0.0.1:8080/"}) {
        CAPTURE(good);
        c.server_url = good;
        CHECK(refused_field(c) == "(accepted)");
    }
    c.server_url = "HTTPS://Meet.Example.COM:8443/";
    CHECK(lj::server_base_url(c) == "https://meet.example.com:8443");
    CHECK(lj::server_domain(c) == "meet.example.com:8443");
    CHECK(lj::token_subject_claim(c) == "meet.example.com");  // the XMPP domain has no port
}

TEST_CASE("validate refuses bad tenants, prefixes, durations and UI numbers", "[jitsi][config]") {
    const auto check = [](const std::function<void(lj::Config&)>& change, const std::string& field) {
        auto c = self_hosted_config();
        change(c);
        CHECK(refused_field(c) == field);
    };
    check([](auto& c) { c.tenant = "Acme"; }, "jitsi.tenant");
    check([](auto& c) { c.tenant = "a/b"; }, "jitsi.tenant");
    check([](auto& c) { c.tenant = ".hidden"; }, "jitsi.tenant");
    check([](auto& c) { c.tenant = "acme-2_x"; }, "(accepted)");
    check([](auto& c) { c.room_prefix = ""; }, "jitsi.room_prefix");
    check([](auto& c) { c.room_prefix = "---"; }, "jitsi.room_prefix");
    check([](auto& c) { c.room_prefix = "a-very-long-prefix"; }, "jitsi.room_prefix");
    check([](auto& c) { c.room_prefix = "MDSC"; }, "(accepted)");
    check([](auto& c) { c.token_grace = -1s; }, "jitsi.token_grace");
    check([](auto& c) { c.token_grace = 0s; }, "(accepted)");
    check([](auto& c) { c.token_cap = 0s; }, "jitsi.token_cap");
    check([](auto& c) { c.token_cap = std::chrono::hours(24 * 8); }, "jitsi.token_cap");
    check([](auto& c) { c.not_before_skew = -1s; }, "jitsi.not_before_skew");
    check([](auto& c) { c.not_before_skew = 2h; }, "jitsi.not_before_skew");
    check([](auto& c) { c.resolution = 0; }, "jitsi.resolution");
    check([](auto& c) { c.resolution = 4320; }, "jitsi.resolution");
    check([](auto& c) { c.channel_last_n = -2; }, "jitsi.channel_last_n");
    check([](auto& c) { c.channel_last_n = -1; }, "(accepted)");
}

TEST_CASE("each mode derives its issuer, subject, server and room path", "[jitsi][config]") {
    lj::Config pub;
    CHECK(lj::server_base_url(pub) == "https://meet.jit.si");
    CHECK(lj::room_path(pub, "Room-1") == "room-1");

    auto self = self_hosted_config();
    CHECK(lj::token_issuer_claim(self) == "livecourse");
    CHECK(lj::token_subject_claim(self) == "meet.example.com");
    CHECK(lj::room_path(self, "room-1") == "room-1");
    self.tenant = "acme";
    CHECK(lj::token_subject_claim(self) == "acme");
    CHECK(lj::room_path(self, "room-1") == "acme/room-1");
    self.subject = "meet.internal";
    CHECK(lj::token_subject_claim(self) == "meet.internal");

    auto jaas = jaas_config();
    CHECK(lj::server_base_url(jaas) == "https://8x8.vc");  // the public default means 8x8.vc in JaaS mode
    jaas.server_url = "";
    CHECK(lj::server_base_url(jaas) == "https://8x8.vc");
    CHECK(lj::token_issuer_claim(jaas) == "chat");
    CHECK(lj::token_subject_claim(jaas) == jaas_app_id);
    CHECK(lj::room_path(jaas, "room-1") == jaas_app_id + "/room-1");

    CHECK(lj::to_string(lj::Mode::self_hosted) == "self_hosted");
    CHECK(lj::parse_mode("jaas") == lj::Mode::jaas);
    CHECK(lj::parse_mode("public") == lj::Mode::public_server);
    CHECK(lj::parse_mode("public_server") == lj::Mode::public_server);
    CHECK_FALSE(lj::parse_mode("JaaS").has_value());
}
