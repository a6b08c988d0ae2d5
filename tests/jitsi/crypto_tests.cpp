// HMAC-SHA256, base64/base64url and constant-time comparison, against the
// RFCs' own vectors, and the RFC 7515 appendix A.1 JWS example end to end.
#include "jitsi/jitsi_test_support.hpp"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using namespace jitsi_test;
using livecourse::base64_decode;
using livecourse::base64_encode;
using livecourse::base64url_decode;
using livecourse::base64url_encode;

namespace {

std::string hex(std::string_view bytes) {
    static constexpr char d[] = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        out += d[static_cast<unsigned char>(c) >> 4];
        out += d[static_cast<unsigned char>(c) & 0xF];
    }
    return out;
}

std::string repeat(unsigned char c, std::size_t n) { return std::string(n, static_cast<char>(c)); }

}  // namespace

TEST_CASE("HMAC-SHA256 reproduces the RFC 4231 test vectors", "[jitsi][crypto]") {
    std::string key4;
    for (int i = 1; i <= 25; ++i) key4 += static_cast<char>(i);
    struct Vector { std::string key, data, mac; };
    const std::vector<Vector> vectors = {
        {repeat(0x0b, 20), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {repeat(0xaa, 20), repeat(0xdd, 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {key4, repeat(0xcd, 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {repeat(0xaa, 131), "Test Using Larger Than Block-Size Key - Hash Key First",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {repeat(0xaa, 131),
         "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be "
         "hashed before being used by the HMAC algorithm.",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
        // Empty key and message (a value every HMAC library agrees on).
        {"", "", "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"},
    };
    for (const auto& v : vectors) {
        CAPTURE(v.mac);
        CHECK(hex(livecourse::hmac_sha256(v.key, v.data)) == v.mac);
        const livecourse::HmacSha256Key keyed(v.key);
        CHECK(hex(keyed.sign_to_string(v.data)) == v.mac);
        // Reusing the prepared key must not carry state between messages.
        CHECK(hex(keyed.sign_to_string(v.data)) == v.mac);
    }
}

TEST_CASE("A prepared HMAC key signs correctly from many threads at once", "[jitsi][crypto]") {
    const livecourse::HmacSha256Key key(secret32);
    std::vector<std::string> expected;
    for (int i = 0; i < 200; ++i) expected.push_back(livecourse::hmac_sha256(secret32, "message " + std::to_string(i)));
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int round = 0; round < 10; ++round)
                for (int i = 0; i < 200; ++i)
                    if (key.sign_to_string("message " + std::to_string(i)) != expected[static_cast<std::size_t>(i)]) ++mismatches[static_cast<std::size_t>(t)];
        });
    }
    for (auto& th : threads) th.join();
    for (const int m : mismatches) CHECK(m == 0);
}

TEST_CASE("constant_time_equal compares contents and lengths", "[jitsi][crypto]") {
    CHECK(livecourse::constant_time_equal("", ""));
    CHECK(livecourse::constant_time_equal("abc", "abc"));
    CHECK_FALSE(livecourse::constant_time_equal("abc", "abd"));
    CHECK_FALSE(livecourse::constant_time_equal("abc", "ab"));
    CHECK_FALSE(livecourse::constant_time_equal("", "a"));
    CHECK(livecourse::constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
    CHECK_FALSE(livecourse::constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST_CASE("base64url and base64 follow RFC 4648 and refuse every non-canonical form", "[jitsi][crypto]") {
    const std::vector<std::pair<std::string, std::string>> rfc = {
        {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [plain, url] : rfc) {
        CHECK(base64url_encode(plain) == url);
        CHECK(base64url_decode(url) == plain);
    }
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_decode("Zg==") == std::string("f"));
    CHECK(base64_decode("Zm8=") == std::string("fo"));

    // The URL alphabet: 0xfb 0xff is "+/8=" in base64.
    CHECK(base64url_encode("\xfb\xff") == "-_8");
    CHECK(base64_encode("\xfb\xff") == "+/8=");
    CHECK(base64url_decode("-_8") == std::string("\xfb\xff"));

    for (const char* bad : {"Zg=", "Zg==", "Zm9v=", "Z", "Zh", "Zm9vYh", "Zm+v", "Zm/v", "Zm9v\n", " Zm9v", "Zm 9v", "Zm9v.", "é"}) {
        CAPTURE(bad);
        CHECK_FALSE(base64url_decode(bad).has_value());
    }
    for (const char* bad : {"Zg", "Zg=", "Zh==", "Zm9=", "====", "Z===", "Zm-v", "Zm_v", "Zg==Zg=="}) {
        CAPTURE(bad);
        CHECK_FALSE(base64_decode(bad).has_value());
    }

    // Round trip of every byte value and every length remainder.
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (std::size_t n = 0; n <= all.size(); n += 37) {
        const std::string s = all.substr(0, n);
        CHECK(base64url_decode(base64url_encode(s)) == s);
        CHECK(base64_decode(base64_encode(s)) == s);
    }
}

TEST_CASE("RFC 7515 appendix A.1: the HS256 example signs and verifies", "[jitsi][crypto]") {
    // The JWK "k" of the example, its signing input and its signature.
    const auto key = base64url_decode(
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
    REQUIRE(key.has_value());
    const std::string header = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
    const std::string payload =
        "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
    const std::string signature = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

    // The segments decode to the example's exact JSON text (with its CRLFs).
    CHECK(base64url_decode(header) == std::string("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"));
    CHECK(base64url_decode(payload) ==
          std::string("{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"));

    const std::string input = header + "." + payload;
    CHECK(base64url_encode(livecourse::hmac_sha256(*key, input)) == signature);

    const std::string token = input + "." + signature;
    const auto verifier = lj::TokenVerifier::hs256(*key);
    lj::VerifyOptions opt;
    opt.expected_issuer = "joe";
    opt.now = livecourse::Instant(std::chrono::seconds(1300819379));
    const auto v = verifier.verify(token, opt);
    CHECK(v.claims.at("iss").as_string() == "joe");
    CHECK(v.claims.at("http://example.com/is_root").as_bool());
    CHECK(v.expires_at == livecourse::Instant(std::chrono::seconds(1300819380)));
    CHECK(v.subject_user_id.empty());

    // At exp exactly, it has expired: Jitsi allows no leeway.
    opt.now = livecourse::Instant(std::chrono::seconds(1300819380));
    const auto e = error_from([&] { verifier.verify(token, opt); });
    CHECK(e.code() == livecourse::ErrorCode::unauthenticated);
    CHECK(e.reason() == "token_expired");

    // Another key, or another issuer, is refused.
    opt.now = livecourse::Instant(std::chrono::seconds(1300819379));
    CHECK(error_from([&] { lj::TokenVerifier::hs256(secret32).verify(token, opt); }).reason() == "invalid_token");
    opt.expected_issuer = "jane";
    CHECK(error_from([&] { verifier.verify(token, opt); }).reason() == "invalid_token");
}
