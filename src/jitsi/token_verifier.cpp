// Verifying tokens the way Jitsi's prosody token plugin does, strictly:
// structure, header, signature, then claims. Nothing from the payload is
// trusted before the signature has been checked.
#include "jitsi/config_rules.hpp"
#include "jitsi/rsa_key.hpp"

#include "livecourse/error.hpp"
#include "livecourse/hmac.hpp"
#include "livecourse/jitsi.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdint>

namespace livecourse::jitsi {

struct TokenVerifier::Impl {
    enum class Alg { hs256, rs256 } alg = Alg::hs256;
    std::optional<HmacSha256Key> hmac;
    detail::PkeyPtr rsa;
};

namespace {

// Far above any real token; bounds the work an attacker can ask for.
constexpr std::size_t max_token_size = 16 * 1024;

[[noreturn]] void refuse(std::string message, std::string_view why = reason::invalid_token) {
    throw Error(ErrorCode::unauthenticated, std::move(message), std::string(why));
}

boost::json::object decode_json_object(std::string_view segment, const char* what) {
    const auto bytes = base64url_decode(segment);
    if (!bytes) refuse(std::string("token ") + what + " is not base64url");
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(*bytes, ec);
    if (ec || !v.is_object()) refuse(std::string("token ") + what + " is not a JSON object");
    return std::move(v.as_object());
}

// Jitsi requires exp/nbf to be numbers; we further require integers, the
// only form NumericDate takes in tokens we issue.
std::optional<std::int64_t> integer_claim(const boost::json::object& claims, std::string_view name) {
    const auto* v = claims.if_contains(name);
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(v->as_uint64());
    }
    refuse(std::string("token claim ") + std::string(name) + " is not an integer");
}

const boost::json::string* string_member(const boost::json::object& o, std::string_view name) {
    const auto* v = o.if_contains(name);
    return v && v->is_string() ? &v->as_string() : nullptr;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

bool audience_matches(const boost::json::value* aud, std::string_view expected) {
    if (!aud) return false;
    if (aud->is_string()) return aud->as_string() == expected;
    if (aud->is_array()) {
        const auto& a = aud->as_array();
        return std::any_of(a.begin(), a.end(), [&](const boost::json::value& v) { return v.is_string() && v.as_string() == expected; });
    }
    return false;
}

}  // namespace

TokenVerifier::TokenVerifier(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
TokenVerifier::~TokenVerifier() = default;
TokenVerifier::TokenVerifier(const TokenVerifier&) = default;
TokenVerifier& TokenVerifier::operator=(const TokenVerifier&) = default;
TokenVerifier::TokenVerifier(TokenVerifier&&) noexcept = default;
TokenVerifier& TokenVerifier::operator=(TokenVerifier&&) noexcept = default;

TokenVerifier TokenVerifier::hs256(std::string secret) {
    if (secret.size() < min_secret_bytes) throw Error::invalid("secret", "the HS256 secret must be at least 32 bytes");
    auto impl = std::make_shared<Impl>();
    impl->alg = Impl::Alg::hs256;
    impl->hmac.emplace(secret);
    return TokenVerifier(std::move(impl));
}

TokenVerifier TokenVerifier::rs256(std::string public_key_pem) {
    auto impl = std::make_shared<Impl>();
    impl->alg = Impl::Alg::rs256;
    impl->rsa = detail::load_rsa_public_key(public_key_pem, "public_key_pem");
    return TokenVerifier(std::move(impl));
}

TokenVerifier TokenVerifier::for_config(const Config& config) {
    validate(config);
    switch (config.mode) {
    case Mode::self_hosted: return hs256(config.app_secret);
    case Mode::jaas: return rs256(config.jaas_private_key_pem);
    case Mode::public_server: break;
    }
    throw Error::invalid("jitsi.mode", "public_server mode issues no tokens to verify");
}

VerifiedToken TokenVerifier::verify(std::string_view token, const VerifyOptions& opt) const {
    const Impl& im = *impl_;
    if (token.size() > max_token_size) refuse("token too large");

    // Exactly three non-empty segments: an unsigned "alg: none" token (empty
    // third segment) never gets as far as its header.
    const std::size_t d1 = token.find('.');
    const std::size_t d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
    if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
        refuse("token must have three dot-separated segments");
    }
    const std::string_view h64 = token.substr(0, d1);
    const std::string_view p64 = token.substr(d1 + 1, d2 - d1 - 1);
    const std::string_view s64 = token.substr(d2 + 1);
    if (h64.empty() || p64.empty() || s64.empty()) refuse("token has an empty segment");

    boost::json::object header = decode_json_object(h64, "header");
    const auto* alg = string_member(header, "alg");
    const std::string_view want = im.alg == Impl::Alg::hs256 ? "HS256" : "RS256";
    // The algorithm is the verifier's, never the token's: an HS256 token
    // presented to an RS256 verifier (whose public key an attacker could use
    // as an HMAC secret) is refused here.
    if (!alg || *alg != want) refuse("token algorithm is not accepted");
    const auto* typ = string_member(header, "typ");
    if (!typ || *typ != "JWT") refuse("token header typ must be \"JWT\"");
    if (header.contains("crit")) refuse("token header has critical extensions");
    if (im.alg == Impl::Alg::rs256) {
        const auto* kid = string_member(header, "kid");
        if (!kid || kid->empty()) refuse("RS256 token without kid");
        if (opt.expected_kid && *kid != *opt.expected_kid) refuse("token kid is not the expected key");
    }

    const auto sig = base64url_decode(s64);
    if (!sig) refuse("token signature is not base64url");
    const std::string_view signing_input = token.substr(0, d2);
    bool ok = false;
    if (im.hmac) {
        const auto mac = im.hmac->sign(signing_input);
        ok = constant_time_equal(*sig, std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
    } else {
        ok = detail::rs256_verify(im.rsa.get(), signing_input, *sig);
    }
    if (!ok) refuse("token signature does not verify");

    boost::json::object claims = decode_json_object(p64, "payload");
    const auto exp = integer_claim(claims, "exp");
    const auto nbf = integer_claim(claims, "nbf");
    if (!exp) refuse("token has no exp");
    const std::int64_t now = opt.now.time_since_epoch().count();
    if (now >= *exp) refuse("token has expired", reason::token_expired);
    if (nbf && now < *nbf) refuse("token is not valid yet", reason::token_not_yet_valid);
    if (opt.max_lifetime) {
        // A token minted to live (nearly) forever is refused, however it
        // was obtained: its exp may be at most the maximum from now and,
        // when it says when it was issued, from then.
        const std::int64_t max = opt.max_lifetime->count();
        const auto iat = integer_claim(claims, "iat");
        if (*exp - now > max || (iat && *exp - *iat > max))
            refuse("token lifetime exceeds the " + std::to_string(max) + " s accepted");
    }

    if (!opt.expected_issuer.empty()) {
        const auto* iss = string_member(claims, "iss");
        if (!iss || *iss != opt.expected_issuer) refuse("token issuer is not accepted");
    }
    if (!opt.expected_audience.empty() && !audience_matches(claims.if_contains("aud"), opt.expected_audience)) {
        refuse("token audience is not accepted");
    }
    if (opt.expected_sub) {
        const auto* sub = string_member(claims, "sub");
        if (!sub || *sub != *opt.expected_sub) refuse("token subject is not accepted");
    }
    const auto* room = string_member(claims, "room");
    if (opt.expected_room) {
        // Jitsi lower-cases the room claim before comparing; "*" is any room.
        if (!room || (*room != "*" && lower(*room) != lower(*opt.expected_room))) refuse("token is for another room");
    }

    VerifiedToken out;
    out.expires_at = Instant(std::chrono::seconds(*exp));
    if (room) out.room = std::string(*room);
    const boost::json::object* user = nullptr;
    if (const auto* ctx = claims.if_contains("context"); ctx && ctx->is_object()) {
        if (const auto* u = ctx->as_object().if_contains("user"); u && u->is_object()) user = &u->as_object();
    }
    if (user) {
        if (const auto* id = string_member(*user, "id")) out.subject_user_id = std::string(*id);
        if (const auto* m = user->if_contains("moderator")) {
            out.moderator = (m->is_bool() && m->as_bool()) || (m->is_string() && m->as_string() == "true");
        }
    }
    if (out.subject_user_id.empty()) {
        if (const auto* sub = string_member(claims, "sub")) out.subject_user_id = std::string(*sub);
    }
    out.header = std::move(header);
    out.claims = std::move(claims);
    return out;
}

}  // namespace livecourse::jitsi
