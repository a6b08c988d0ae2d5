// Every refusal of the verifier, each next to the acceptance it is the edge of.
#include "jitsi/jitsi_test_support.hpp"

#include <catch2/catch.hpp>

using namespace jitsi_test;
using livecourse::ErrorCode;
using livecourse::Instant;

namespace {

constexpr std::int64_t iat = 1709301600;
const std::string good_header = R"({"alg":"HS256","typ":"JWT"})";

std::string claims_json(std::int64_t nbf = iat - 10, std::int64_t exp = iat + 3600, const std::string& room = "room-1") {
    return R"({"aud":"jitsi","iss":"livecourse","sub":"meet.example.com","room":")" + room + R"(","iat":)" +
           std::to_string(iat) + R"(,"nbf":)" + std::to_string(nbf) + R"(,"exp":)" + std::to_string(exp) +
           R"(,"context":{"user":{"id":"u-1","name":"N","moderator":true}}})";
}

lj::VerifyOptions options(Instant now = t0) {
    lj::VerifyOptions o = lj::verify_options_for(self_hosted_config(), now, std::string("room-1"));
    return o;
}

const lj::TokenVerifier& verifier() {
    static const lj::TokenVerifier v = lj::TokenVerifier::hs256(secret32);
    return v;
}

std::string refusal(std::string_view token, const lj::VerifyOptions& o = options(), const lj::TokenVerifier& v = verifier()) {
    try {
        v.verify(token, o);
    } catch (const livecourse::Error& e) {
        CHECK(e.code() == ErrorCode::unauthenticated);
        // A token, or any part of one, never ends up in a message.
        CHECK(std::string(e.what()).find("eyJ") == std::string::npos);
        return e.reason();
    }
    return "accepted";
}

}  // namespace

TEST_CASE("a well-formed token is accepted and described", "[jitsi][verify]") {
    const std::string token = hs256_token(good_header, claims_json(), secret32);
    const auto v = verifier().verify(token, options());
    CHECK(v.subject_user_id == "u-1");
    CHECK(v.room == "room-1");
    CHECK(v.moderator);
    CHECK(v.expires_at == t0 + 1h);
    CHECK(v.header.at("typ").as_string() == "JWT");
    CHECK(v.claims.at("iss").as_string() == "livecourse");

    // Without a context, the user is the subject.
    const std::string bare = hs256_token(good_header, R"({"iss":"livecourse","sub":"someone","exp":)" + std::to_string(iat + 60) + "}", secret32);
    lj::VerifyOptions o;
    o.now = t0;
    const auto b = verifier().verify(bare, o);
    CHECK(b.subject_user_id == "someone");
    CHECK_FALSE(b.moderator);
}

TEST_CASE("time: expired exactly at exp, not valid one second before nbf, no leeway", "[jitsi][verify]") {
    const std::string token = hs256_token(good_header, claims_json(iat - 10, iat + 3600), secret32);
    CHECK(refusal(token, options(t0 + 3599s)) == "accepted");
    CHECK(refusal(token, options(t0 + 3600s)) == "token_expired");
    CHECK(refusal(token, options(t0 + 7200s)) == "token_expired");
    CHECK(refusal(token, options(t0 - 10s)) == "accepted");
    CHECK(refusal(token, options(t0 - 11s)) == "token_not_yet_valid");

    const std::string future = hs256_token(good_header, claims_json(iat + 1, iat + 3600), secret32);
    CHECK(refusal(future, options(t0)) == "token_not_yet_valid");
    CHECK(refusal(future, options(t0 + 1s)) == "accepted");
}

TEST_CASE("max_lifetime bounds exp from now and from iat", "[jitsi][verify]") {
    auto bounded = [](Instant now) {
        auto o = options(now);
        o.max_lifetime = std::chrono::seconds(3600);
        return o;
    };
    // iat = t0, exp = t0 + 1 h: exactly the maximum.
    CHECK(refusal(hs256_token(good_header, claims_json(iat - 10, iat + 3600), secret32), bounded(t0)) == "accepted");
    // One second more, seen at its iat or later: refused either way.
    const std::string long_lived = hs256_token(good_header, claims_json(iat - 10, iat + 3601), secret32);
    CHECK(refusal(long_lived, bounded(t0)) == "invalid_token");
    CHECK(refusal(long_lived, bounded(t0 + 60s)) == "invalid_token");  // exp - now is fine, exp - iat is not
    CHECK(refusal(long_lived, options(t0)) == "accepted");             // unbounded unless asked
    // Without iat, exp is bounded from now: year 9999 is refused.
    const std::string forever = hs256_token(
        good_header, R"({"aud":"jitsi","iss":"livecourse","sub":"meet.example.com","room":"room-1","exp":253402300799})",
        secret32);
    CHECK(refusal(forever, bounded(t0)) == "invalid_token");
    CHECK(refusal(forever, options(t0)) == "accepted");
}

TEST_CASE("exp and nbf must be integers, and exp must be there", "[jitsi][verify]") {
    const auto with = [](const std::string& times) {
        return hs256_token(good_header,
                           R"({"aud":"jitsi","iss":"livecourse","sub":"meet.example.com","room":"room-1",)" + times + "}",
                           secret32);
    };
    CHECK(refusal(with(R"("exp":1709305200)")) == "accepted");
    CHECK(refusal(with(R"("exp":"1709305200")")) == "invalid_token");
    CHECK(refusal(with(R"("exp":1709305200.0)")) == "invalid_token");
    CHECK(refusal(with(R"("exp":1.7093052e9)")) == "invalid_token");
    CHECK(refusal(with(R"("exp":null)")) == "invalid_token");
    CHECK(refusal(with(R"("exp":true)")) == "invalid_token");
    CHECK(refusal(with(R"("nbf":1709300000)")) == "invalid_token");  // no exp at all
    CHECK(refusal(with(R"("exp":1709305200,"nbf":"1709300000")")) == "invalid_token");
    CHECK(refusal(with(R"("exp":1709305200,"nbf":1709300000.5)")) == "invalid_token");
}

TEST_CASE("claims: wrong room, audience, issuer or subject are refused", "[jitsi][verify]") {
    const std::string token = hs256_token(good_header, claims_json(), secret32);
    auto o = options();
    o.expected_room = "room-2";
    CHECK(refusal(token, o) == "invalid_token");
    o.expected_room = "ROOM-1";  // Jitsi compares lower-cased
    CHECK(refusal(token, o) == "accepted");
    o = options();
    o.expected_audience = "other";
    CHECK(refusal(token, o) == "invalid_token");
    o = options();
    o.expected_issuer = "someone-else";
    CHECK(refusal(token, o) == "invalid_token");
    o = options();
    o.expected_sub = "evil.example.com";
    CHECK(refusal(token, o) == "invalid_token");

    // Upper-case room claims and the "*" wildcard, as Jitsi reads them.
    CHECK(refusal(hs256_token(good_header, claims_json(iat - 10, iat + 3600, "Room-1"), secret32)) == "accepted");
    CHECK(refusal(hs256_token(good_header, claims_json(iat - 10, iat + 3600, "*"), secret32)) == "accepted");

    // Missing claims cannot satisfy an expectation.
    const std::string empty = hs256_token(good_header, R"({"exp":)" + std::to_string(iat + 60) + "}", secret32);
    CHECK(refusal(empty) == "invalid_token");
    // aud may be an array that contains the audience (RFC 7519), not one that does not.
    const auto aud = [](const std::string& a) {
        return hs256_token(good_header, R"({"aud":)" + a + R"(,"iss":"livecourse","sub":"meet.example.com","room":"room-1","exp":)" +
                                            std::to_string(iat + 60) + "}", secret32);
    };
    CHECK(refusal(aud(R"(["x","jitsi"])")) == "accepted");
    CHECK(refusal(aud(R"(["x"])")) == "invalid_token");
    CHECK(refusal(aud("1")) == "invalid_token");
}

TEST_CASE("header: alg none, algorithm confusion, typ and crit are refused", "[jitsi][verify]") {
    const std::string claims = claims_json();
    const std::string unsigned_input = livecourse::base64url_encode(R"({"alg":"none","typ":"JWT"})") + "." +
                                       livecourse::base64url_encode(claims);
    CHECK(refusal(unsigned_input + ".") == "invalid_token");
    CHECK(refusal(unsigned_input + ".c2ln") == "invalid_token");
    CHECK(refusal(hs256_token(R"({"alg":"none","typ":"JWT"})", claims, secret32)) == "invalid_token");
    CHECK(refusal(hs256_token(R"({"alg":"HS512","typ":"JWT"})", claims, secret32)) == "invalid_token");
    CHECK(refusal(hs256_token(R"({"alg":"hs256","typ":"JWT"})", claims, secret32)) == "invalid_token");

    CHECK(refusal(hs256_token(R"({"alg":"HS256"})", claims, secret32)) == "invalid_token");
    CHECK(refusal(hs256_token(R"({"alg":"HS256","typ":"jwt"})", claims, secret32)) == "invalid_token");
    CHECK(refusal(hs256_token(R"({"alg":"HS256","typ":"JWS"})", claims, secret32)) == "invalid_token");
    CHECK(refusal(hs256_token(R"({"alg":"HS256","typ":["JWT"]})", claims, secret32)) == "invalid_token");
    CHECK(refusal(hs256_token(R"({"alg":"HS256","typ":"JWT","crit":["exp"]})", claims, secret32)) == "invalid_token");
    CHECK(refusal(hs256_token(R"(["HS256"])", claims, secret32)) == "invalid_token");
    CHECK(refusal(hs256_token(R"({"alg":"HS256","typ":"JWT")", claims, secret32)) == "invalid_token");

    // Algorithm confusion: an RS256 verifier given an HS256 token whose HMAC
    // key is the (public) RSA key must not fall back to HMAC.
    const std::string public_pem = lj::rsa_public_key_pem(shared_rsa_pem());
    const auto rs = lj::TokenVerifier::rs256(public_pem);
    const std::string forged = hs256_token(good_header, claims, public_pem);
    CHECK(refusal(forged, options(), rs) == "invalid_token");
    // And the other way round: an HS256 verifier refuses RS256 tokens.
    const auto jaas = jaas_config();
    auto r = request();
    r.room = "room-1";
    const std::string rs_token = *lj::TokenIssuer(jaas).mint(r);
    CHECK(refusal(rs_token, options()) == "invalid_token");
    CHECK(refusal(rs_token, lj::verify_options_for(jaas, t0, std::string("room-1")), rs) == "accepted");
}

TEST_CASE("RS256 needs a kid, and the expected one when asked", "[jitsi][verify]") {
    const auto jaas = jaas_config();
    const auto rs = lj::TokenVerifier::for_config(jaas);
    auto r = request();
    const std::string token = *lj::TokenIssuer(jaas).mint(r);
    auto o = lj::verify_options_for(jaas, t0, r.room);
    CHECK(refusal(token, o, rs) == "accepted");
    o.expected_kid = jaas_app_id + "/other";
    CHECK(refusal(token, o, rs) == "invalid_token");

    // The right key, but a header without kid: Jitsi needs the kid to find
    // the key, so such a token is refused even though its signature is good.
    const std::string header = R"({"alg":"RS256","typ":"JWT"})";
    const std::string input = livecourse::base64url_encode(header) + "." + segment(token, 1);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(shared_rsa_pem().data(), static_cast<int>(shared_rsa_pem().size())), BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    REQUIRE(key);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1);
    std::string sig(256, '\0');
    std::size_t len = sig.size();
    REQUIRE(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1);
    const std::string no_kid = input + "." + livecourse::base64url_encode(sig.substr(0, len));
    o.expected_kid.reset();
    CHECK(refusal(no_kid, o, rs) == "invalid_token");
}

TEST_CASE("signature and payload tampering are refused", "[jitsi][verify]") {
    const std::string token = hs256_token(good_header, claims_json(), secret32);
    REQUIRE(refusal(token) == "accepted");

    // Payload changed (someone passing as another user), signature kept.
    std::string impersonating = claims_json();
    impersonating.replace(impersonating.find("\"u-1\""), 5, "\"u-2\"");
    REQUIRE(impersonating != claims_json());
    const std::string tampered = segment(token, 0) + "." + livecourse::base64url_encode(impersonating) + "." + segment(token, 2);
    CHECK(refusal(tampered) == "invalid_token");

    // One flipped signature character, a truncated and an empty signature.
    std::string flipped = token;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    CHECK(refusal(flipped) == "invalid_token");
    CHECK(refusal(token.substr(0, token.size() - 1)) == "invalid_token");
    // Another secret.
    CHECK(refusal(hs256_token(good_header, claims_json(), std::string(32, 'k'))) == "invalid_token");
    // The header changed (re-encoded with a space), signature kept.
    const std::string respaced = livecourse::base64url_encode(R"({"alg":"HS256", "typ":"JWT"})") + token.substr(token.find('.'));
    CHECK(refusal(respaced) == "invalid_token");
    // RS256 payload tampering too.
    const auto jaas = jaas_config();
    const std::string rs_token = *lj::TokenIssuer(jaas).mint(request());
    const std::string rs_tampered = segment(rs_token, 0) + "." + livecourse::base64url_encode(R"({"room":"*"})") + "." + segment(rs_token, 2);
    CHECK(refusal(rs_tampered, lj::verify_options_for(jaas, t0), lj::TokenVerifier::for_config(jaas)) == "invalid_token");
}

TEST_CASE("structure: exactly three non-empty base64url segments", "[jitsi][verify]") {
    const std::string token = hs256_token(good_header, claims_json(), secret32);
    const std::string h = segment(token, 0), p = segment(token, 1), s = segment(token, 2);
    for (const std::string& bad : {std::string(), std::string("."), std::string(".."), h + "." + p, h + "." + p + "." + s + "." + s,
                                   "." + p + "." + s, h + ".." + s, h + "." + p + ".", h + "." + p + "." + s + ".",
                                   h + "=." + p + "." + s, h + "." + p + "." + s + "=", h + "." + p + "+." + s,
                                   " " + token, token + "\n", std::string("not a token"), std::string(20000, 'a')}) {
        CAPTURE(bad.substr(0, 60));
        CHECK(refusal(bad) == "invalid_token");
    }
    // A payload that is not JSON, or not an object, under a valid signature.
    CHECK(refusal(hs256_token(good_header, "not json", secret32)) == "invalid_token");
    CHECK(refusal(hs256_token(good_header, "[1,2]", secret32)) == "invalid_token");
}
