// Interop with an independent JWT implementation run for real: PyJWT
// (Debian's python3-jwt with python3-cryptography) through verify_jwt.py.
// Our tokens must verify there, tampered ones must not, and tokens PyJWT
// signs must verify here.
#include "jitsi/jitsi_test_support.hpp"

#include <catch2/catch.hpp>

using namespace jitsi_test;
using livecourse::Instant;

namespace {

Instant now_instant() { return Instant(std::chrono::seconds(unix_now())); }

lj::TokenRequest live_request() {
    auto r = request("lc-course-physique-session-3-abcdefghijklmnopqrst");
    r.name = "José «Jo» Müller \"😀\"";
    r.moderator = true;
    r.features.recording = true;
    r.features.screen_sharing = true;
    r.issued_at = now_instant();
    r.expires_at = r.issued_at + 1h;
    return r;
}

CommandResult python_verify(const TempDir& dir, const std::string& alg, const std::string& key, const std::string& token,
                            const std::string& audience, const std::string& issuer, const std::string& subject) {
    const auto key_file = dir.write("key", key);
    const auto token_file = dir.write("token", token);
    return run(python_checker() + " verify --alg " + alg + " --key " + quote(key_file.string()) + " --token " +
               quote(token_file.string()) + " --audience " + quote(audience) + " --issuer " + quote(issuer) +
               " --subject " + quote(subject));
}

std::string python_sign(const TempDir& dir, const std::string& alg, const std::string& key, const std::string& claims,
                        const std::string& kid = {}) {
    const auto key_file = dir.write("sign-key", key);
    const auto claims_file = dir.write("claims.json", claims);
    const auto r = run(python_checker() + " sign --alg " + alg + " --key " + quote(key_file.string()) + " --claims " +
                       quote(claims_file.string()) + (kid.empty() ? "" : " --kid " + quote(kid)));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::string token = r.output;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    return token;
}

std::string tamper_payload(const std::string& token, const std::string& from, const std::string& to) {
    std::string payload = decoded_segment(token, 1);
    const std::size_t at = payload.find(from);
    REQUIRE(at != std::string::npos);
    payload.replace(at, from.size(), to);
    return segment(token, 0) + "." + livecourse::base64url_encode(payload) + "." + segment(token, 2);
}

}  // namespace

TEST_CASE("PyJWT verifies self-hosted HS256 tokens and rejects tampered ones", "[jitsi][interop]") {
    TempDir dir;
    const auto config = self_hosted_config();
    const auto r = live_request();
    const std::string token = *lj::TokenIssuer(config).mint(r);

    const auto ok = python_verify(dir, "HS256", config.app_secret, token, "jitsi", "livecourse", "meet.example.com");
    INFO(ok.output);
    REQUIRE(ok.exit_code == 0);
    const auto seen = boost::json::parse(ok.output).as_object();
    CHECK(seen.at("header").as_object() == boost::json::parse(R"({"alg":"HS256","typ":"JWT"})").as_object());
    const auto& claims = seen.at("claims").as_object();
    CHECK(claims.at("room").as_string() == r.room);
    CHECK(claims.at("iat").as_int64() == r.issued_at.time_since_epoch().count());
    CHECK(claims.at("nbf").as_int64() == r.issued_at.time_since_epoch().count() - 10);
    CHECK(claims.at("exp").as_int64() == r.expires_at.time_since_epoch().count());
    const auto& user = claims.at("context").at("user").as_object();
    CHECK(user.at("name").as_string() == r.name);
    CHECK(user.at("id").as_string() == "u-42");
    CHECK(user.at("moderator").as_bool());
    CHECK(claims.at("context").at("features").at("recording").as_bool());

    // Tampered payload: a participant rewriting the room they may enter.
    const auto bad = python_verify(dir, "HS256", config.app_secret, tamper_payload(token, r.room, "other-room"), "jitsi",
                                   "livecourse", "meet.example.com");
    CHECK(bad.exit_code == 3);
    CHECK(bad.output.find("REJECTED InvalidSignatureError") != std::string::npos);
    // Another secret, a wrong audience and a wrong issuer are rejected by PyJWT too.
    CHECK(python_verify(dir, "HS256", std::string(32, 'x'), token, "jitsi", "livecourse", "meet.example.com").exit_code == 3);
    CHECK(python_verify(dir, "HS256", config.app_secret, token, "other", "livecourse", "meet.example.com").exit_code == 3);
    CHECK(python_verify(dir, "HS256", config.app_secret, token, "jitsi", "chat", "meet.example.com").exit_code == 3);
}

TEST_CASE("PyJWT verifies JaaS RS256 tokens (PKCS#8 and PKCS#1 keys) and rejects tampered ones", "[jitsi][interop]") {
    TempDir dir;
    for (const bool pkcs1 : {false, true}) {
        CAPTURE(pkcs1);
        auto config = jaas_config();
        config.jaas_private_key_pem = generate_rsa_pem(2048, pkcs1);
        const std::string public_pem = lj::rsa_public_key_pem(config.jaas_private_key_pem);
        const auto r = live_request();
        const std::string token = *lj::TokenIssuer(config).mint(r);

        const auto ok = python_verify(dir, "RS256", public_pem, token, "jitsi", "chat", jaas_app_id);
        INFO(ok.output);
        REQUIRE(ok.exit_code == 0);
        const auto seen = boost::json::parse(ok.output).as_object();
        CHECK(seen.at("header").at("kid").as_string() == jaas_app_id + "/4f4910");
        CHECK(seen.at("header").at("typ").as_string() == "JWT");
        const auto& claims = seen.at("claims").as_object();
        CHECK(claims.at("sub").as_string() == jaas_app_id);
        CHECK(claims.at("context").at("user").at("moderator").as_string() == "true");
        CHECK(claims.at("context").at("features").at("recording").as_string() == "true");
        CHECK(claims.at("context").at("user").at("name").as_string() == r.name);

        const auto bad = python_verify(dir, "RS256", public_pem, tamper_payload(token, "\"moderator\":\"true\"", "\"moderator\":\"TRUE\""),
                                       "jitsi", "chat", jaas_app_id);
        CHECK(bad.exit_code == 3);
        CHECK(bad.output.find("REJECTED InvalidSignatureError") != std::string::npos);
        // A different key pair does not verify it.
        const std::string other_public = lj::rsa_public_key_pem(generate_rsa_pem());
        CHECK(python_verify(dir, "RS256", other_public, token, "jitsi", "chat", jaas_app_id).exit_code == 3);
    }
}

TEST_CASE("our verifier accepts tokens PyJWT signs, and applies its rules to them", "[jitsi][interop]") {
    TempDir dir;
    const auto config = self_hosted_config();
    const std::int64_t now = unix_now();
    const std::string claims = R"({"aud":"jitsi","iss":"livecourse","sub":"meet.example.com","room":"Room-1","iat":)" +
                               std::to_string(now) + R"(,"nbf":)" + std::to_string(now - 10) + R"(,"exp":)" +
                               std::to_string(now + 600) + R"(,"context":{"user":{"id":"py-1","name":"Zoë","moderator":true}}})";
    const std::string hs = python_sign(dir, "HS256", config.app_secret, claims);
    const auto verifier = lj::TokenVerifier::for_config(config);
    const auto v = verifier.verify(hs, lj::verify_options_for(config, now_instant(), std::string("room-1")));
    CHECK(v.subject_user_id == "py-1");
    CHECK(v.moderator);
    CHECK(v.claims.at("context").at("user").at("name").as_string() == "Zoë");

    // Expired per PyJWT's own clock values: refused here with the precise reason.
    const auto later = Instant(std::chrono::seconds(now + 600));
    CHECK(error_from([&] { verifier.verify(hs, lj::verify_options_for(config, later)); }).reason() == "token_expired");
    // Signed by PyJWT with another secret: refused.
    const std::string other = python_sign(dir, "HS256", std::string(40, 'o'), claims);
    CHECK(error_from([&] { verifier.verify(other, lj::verify_options_for(config, now_instant())); }).reason() == "invalid_token");

    // RS256 with the JaaS kid, signed by PyJWT with our private key.
    const auto jaas = jaas_config();
    const std::string jaas_claims = R"({"aud":"jitsi","iss":"chat","sub":")" + jaas_app_id + R"(","room":"room-1","exp":)" +
                                    std::to_string(now + 600) + R"(,"nbf":)" + std::to_string(now - 10) +
                                    R"(,"context":{"user":{"id":"py-2","moderator":"true"}}})";
    const std::string rs = python_sign(dir, "RS256", jaas.jaas_private_key_pem, jaas_claims, jaas_app_id + "/4f4910");
    const auto rv = lj::TokenVerifier::rs256(lj::rsa_public_key_pem(jaas.jaas_private_key_pem))
                        .verify(rs, lj::verify_options_for(jaas, now_instant(), std::string("room-1")));
    CHECK(rv.subject_user_id == "py-2");
    CHECK(rv.moderator);
    // PyJWT's HS256 token is refused by the RS256 verifier (no algorithm confusion).
    CHECK(error_from([&] { lj::TokenVerifier::for_config(jaas).verify(hs, lj::verify_options_for(jaas, now_instant())); }).reason() ==
          "invalid_token");
}
