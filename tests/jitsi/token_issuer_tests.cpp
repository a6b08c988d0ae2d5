// What the issuer writes: header, every claim rule, expiry policy, roles and
// features, for self-hosted (HS256) and JaaS (RS256).
#include "jitsi/jitsi_test_support.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace jitsi_test;
using livecourse::ErrorCode;
using livecourse::Instant;

TEST_CASE("public mode issues no token", "[jitsi][token]") {
    const lj::TokenIssuer issuer(lj::Config{});
    CHECK_FALSE(issuer.issues_tokens());
    CHECK_FALSE(issuer.mint(request()).has_value());
    CHECK(error_from([] { lj::TokenVerifier::for_config(lj::Config{}); }).code() == ErrorCode::invalid_argument);
}

TEST_CASE("self-hosted tokens: exact header, compact claims in a stable order", "[jitsi][token]") {
    const lj::TokenIssuer issuer(self_hosted_config());
    REQUIRE(issuer.issues_tokens());
    const std::string token = *issuer.mint(request());

    CHECK(std::count(token.begin(), token.end(), '.') == 2);
    CHECK(token.find('=') == std::string::npos);  // base64url, no padding
    CHECK(decoded_segment(token, 0) == R"({"alg":"HS256","typ":"JWT"})");
    CHECK(decoded_segment(token, 1) ==
          R"({"aud":"jitsi","iss":"livecourse","sub":"meet.example.com","room":"lc-course-c1-session-1-abcdefghijklmnopqrst",)"
          R"("iat":1709301600,"nbf":1709301590,"exp":1709308800,)"
          R"("context":{"user":{"id":"u-42","name":"Ada Lovelace","email":"ada@example.com","moderator":false},)"
          R"("features":{"livestreaming":false,"outbound-call":false,"recording":false,"screen-sharing":false,"transcription":false}}})");
    // The signature is HMAC-SHA256 over the first two segments with the app secret.
    const std::string input = token.substr(0, token.rfind('.'));
    CHECK(segment(token, 2) == livecourse::base64url_encode(livecourse::hmac_sha256(secret32, input)));
    // Same request, same token: nothing random, nothing clock-dependent inside.
    CHECK(*issuer.mint(request()) == token);
}

TEST_CASE("JaaS tokens: RS256 with kid, iss chat, sub AppID, string flags", "[jitsi][token]") {
    const auto config = jaas_config();
    const lj::TokenIssuer issuer(config);
    auto r = request();
    r.moderator = true;
    r.avatar = "https://example.com/a.png";
    r.features.recording = true;
    const std::string token = *issuer.mint(r);
    CHECK(decoded_segment(token, 0) == R"({"alg":"RS256","kid":")" + jaas_app_id + R"(/4f4910","typ":"JWT"})");
    CHECK(decoded_segment(token, 1) ==
          R"({"aud":"jitsi","iss":"chat","sub":")" + jaas_app_id + R"(","room":"lc-course-c1-session-1-abcdefghijklmnopqrst",)"
          R"("iat":1709301600,"nbf":1709301590,"exp":1709308800,)"
          R"("context":{"user":{"id":"u-42","name":"Ada Lovelace","email":"ada@example.com","avatar":"https://example.com/a.png","moderator":"true"},)"
          R"("features":{"livestreaming":"false","outbound-call":"false","recording":"true","screen-sharing":"false","transcription":"false"}}})");
    CHECK(livecourse::base64url_decode(segment(token, 2))->size() == 256);  // RSA-2048

    const auto v = lj::TokenVerifier::for_config(config).verify(token, lj::verify_options_for(config, t0, r.room));
    CHECK(v.moderator);
    CHECK(v.subject_user_id == "u-42");
    CHECK(v.header.at("kid").as_string() == jaas_app_id + "/4f4910");
}

TEST_CASE("claim rules: room lower-cased, nbf skew, sub, cap, omitted optional fields", "[jitsi][token]") {
    auto config = self_hosted_config();
    config.not_before_skew = 30s;
    config.token_cap = 1h;
    config.tenant = "acme";
    const lj::TokenIssuer issuer(config);
    auto r = request("LC-Course-ABC-Session-2-XYZ");
    r.email.clear();
    r.expires_at = t0 + 5h;  // beyond the cap: clamped to it
    const auto claims = claims_of(*issuer.mint(r));
    CHECK(claims.at("room").as_string() == "lc-course-abc-session-2-xyz");
    CHECK(claims.at("sub").as_string() == "acme");
    CHECK(claims.at("iat").as_int64() == 1709301600);
    CHECK(claims.at("nbf").as_int64() == 1709301600 - 30);
    CHECK(claims.at("exp").as_int64() == 1709301600 + 3600);
    CHECK(claims.at("exp").is_int64());
    const auto& user = claims.at("context").at("user").as_object();
    CHECK_FALSE(user.contains("email"));
    CHECK_FALSE(user.contains("avatar"));
    CHECK(user.at("moderator").is_bool());
    CHECK(claims.at("aud").is_string());
}

TEST_CASE("mint refuses requests Jitsi would misread or that would open every room", "[jitsi][token]") {
    const lj::TokenIssuer issuer(self_hosted_config());
    const auto refused = [&](lj::TokenRequest r) {
        return error_from([&] { issuer.mint(r); });
    };
    for (const char* room : {"*", "", "a/b", "room@conference.example.com", "room name", "room?x", "room#x", "ro%6Fm", "é"}) {
        CAPTURE(room);
        const auto e = refused(request(room));
        CHECK(e.code() == ErrorCode::invalid_argument);
        CHECK(e.field() == "room");
    }
    CHECK(refused(request(std::string(201, 'a'))).field() == "room");
    auto r = request();
    r.user_id.clear();
    CHECK(refused(r).field() == "user_id");
    r = request();
    r.expires_at = r.issued_at;
    CHECK(refused(r).field() == "expires_at");
}

TEST_CASE("names of any UTF-8 survive as JSON", "[jitsi][token]") {
    const lj::TokenIssuer issuer(self_hosted_config());
    const std::vector<std::pair<std::string, std::string>> names = {
        {"José Müller", "José Müller"},
        {"Say \"hi\" \\ bye", "Say \"hi\" \\ bye"},
        {"tab\tnew\nline\x01\x1f", "tab\tnew\nline\x01\x1f"},
        {"中文 😀 \u2028\u2029", "中文 😀 \u2028\u2029"},
        {"bad \xff\xc3 utf8 \xed\xa0\x80", "bad \xEF\xBF\xBD\xEF\xBF\xBD utf8 \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"},
        {"</script><!--", "</script><!--"},
    };
    for (const auto& [name, expected] : names) {
        auto r = request();
        r.name = name;
        r.user_id = name;  // ids are opaque strings too
        const std::string token = *issuer.mint(r);
        const std::string payload = decoded_segment(token, 1);
        CAPTURE(payload);
        const auto claims = boost::json::parse(payload).as_object();
        CHECK(claims.at("context").at("user").at("name").as_string() == expected);
        CHECK(claims.at("context").at("user").at("id").as_string() == expected);
        // Control characters never appear raw.
        CHECK(std::none_of(payload.begin(), payload.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
    }
}

TEST_CASE("expiry follows the session: scheduled end plus grace, within the cap, after now", "[jitsi][token]") {
    auto c = self_hosted_config();  // grace 15 min, cap 12 h
    const Instant now = t0;
    struct Case { const char* what; Instant end; Instant exp; };
    const std::vector<Case> cases = {
        {"before start", now + 2h, now + 2h + 15min},
        {"live, 30 min left", now + 30min, now + 45min},
        {"live, ends this second", now, now + 15min},
        {"live, scheduled end passed", now - 10min, now + 15min},
        {"long past end", now - 48h, now + 15min},
        {"end + grace exactly at the cap", now + 11h + 45min, now + 12h},
        {"end + grace one second beyond the cap", now + 11h + 45min + 1s, now + 12h},
        {"far future session", now + 24h * 30, now + 12h},
    };
    for (const auto& k : cases) {
        CAPTURE(k.what);
        CHECK(lj::token_expiry(c, now, k.end) == k.exp);
    }
    c.token_grace = 0s;
    CHECK(lj::token_expiry(c, now, now + 1s) == now + 1s);
    CHECK(lj::token_expiry(c, now, now) == now + 1s);       // never at or before issue time
    CHECK(lj::token_expiry(c, now, now - 1h) == now + 1s);
    c.token_cap = 1h;
    c.token_grace = 45min;
    CHECK(lj::token_expiry(c, now, now + 30min) == now + 1h);
}

TEST_CASE("roles map to moderator, and the token says so", "[jitsi][token]") {
    struct Case { const char* role; bool moderator; };
    for (const auto& k : {Case{"instructor", true}, Case{"moderator", true}, Case{"participant", false},
                          Case{"Instructor", false}, Case{"admin", false}, Case{"", false}}) {
        CAPTURE(k.role);
        CHECK(lj::is_moderator_role(k.role) == k.moderator);
    }
    const lj::TokenIssuer self(self_hosted_config());
    const lj::TokenIssuer jaas(jaas_config());
    for (const char* role : {"instructor", "moderator", "participant"}) {
        auto r = request();
        r.moderator = lj::is_moderator_role(role);
        CAPTURE(role);
        const auto self_mod = claims_of(*self.mint(r)).at("context").at("user").at("moderator");
        CHECK(self_mod.is_bool());
        CHECK(self_mod.as_bool() == r.moderator);
        const auto jaas_mod = claims_of(*jaas.mint(r)).at("context").at("user").at("moderator");
        CHECK(jaas_mod.as_string() == (r.moderator ? "true" : "false"));
    }
}

TEST_CASE("features matrix: recording, screen sharing, livestreaming", "[jitsi][token]") {
    const lj::TokenIssuer issuer(self_hosted_config());
    for (const bool live_cfg : {false, true})
        for (const bool moderator : {false, true})
            for (const bool recording : {false, true})
                for (const bool share : {false, true}) {
                    auto c = self_hosted_config();
                    c.livestreaming = live_cfg;
                    const auto f = lj::features_for(c, moderator, recording, share);
                    CAPTURE(live_cfg, moderator, recording, share);
                    CHECK(f.recording == (moderator && recording));
                    CHECK(f.screen_sharing == (moderator || share));
                    CHECK(f.livestreaming == (moderator && live_cfg));
                    CHECK_FALSE(f.transcription);
                    CHECK_FALSE(f.outbound_call);

                    auto r = request();
                    r.moderator = moderator;
                    r.features = f;
                    const auto features = claims_of(*issuer.mint(r)).at("context").at("features").as_object();
                    CHECK(features.size() == 5);
                    CHECK(features.at("recording").as_bool() == f.recording);
                    CHECK(features.at("screen-sharing").as_bool() == f.screen_sharing);
                    CHECK(features.at("livestreaming").as_bool() == f.livestreaming);
                    CHECK(features.at("transcription").as_bool() == false);
                    CHECK(features.at("outbound-call").as_bool() == false);
                }
}

TEST_CASE("one issuer mints from many threads, every token verifies", "[jitsi][token]") {
    const auto config = self_hosted_config();
    const lj::TokenIssuer issuer(config);
    const auto verifier = lj::TokenVerifier::for_config(config);
    std::vector<int> failures(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 500; ++i) {
                auto r = request();
                r.user_id = "u-" + std::to_string(t) + "-" + std::to_string(i);
                try {
                    const auto v = verifier.verify(*issuer.mint(r), lj::verify_options_for(config, t0, r.room));
                    if (v.subject_user_id != r.user_id) ++failures[static_cast<std::size_t>(t)];
                } catch (...) {
                    ++failures[static_cast<std::size_t>(t)];
                }
            }
        });
    }
    for (auto& th : threads) th.join();
    for (const int f : failures) CHECK(f == 0);
}
