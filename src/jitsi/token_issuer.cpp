// Minting Jitsi tokens: the claims text is written straight into one string
// in a fixed order, the constant parts (header, aud/iss/sub) are prepared
// once per issuer, and the key is prepared once too, so a token costs little
// more than its signature.
#include "jitsi/config_rules.hpp"
#include "jitsi/json_text.hpp"
#include "jitsi/rsa_key.hpp"

#include "livecourse/error.hpp"
#include "livecourse/hmac.hpp"
#include "livecourse/jitsi.hpp"

#include <algorithm>

namespace livecourse::jitsi {

struct TokenIssuer::Impl {
    Mode mode = Mode::public_server;
    std::chrono::seconds nbf_skew{0};
    std::chrono::seconds cap{0};
    std::string header_b64;    // base64url of the header JSON, then '.'
    std::string claims_prefix; // {"aud":..,"iss":..,"sub":..,"room":
    std::optional<HmacSha256Key> hmac;
    detail::PkeyPtr rsa;
};

namespace {

std::int64_t unix_seconds(Instant t) { return t.time_since_epoch().count(); }

// JaaS documents moderator and feature flags as the strings "true"/"false";
// self-hosted prosody (mod_token_affiliation) and jitsi-meet read JSON
// booleans (and also accept the strings). Each mode gets what its
// documentation specifies.
void append_flag(std::string& out, bool value, bool as_string) {
    if (as_string) out += value ? "\"true\"" : "\"false\"";
    else out += value ? "true" : "false";
}

}  // namespace

TokenIssuer::TokenIssuer(const Config& config) {
    validate(config);
    auto impl = std::make_shared<Impl>();
    impl->mode = config.mode;
    impl->nbf_skew = config.not_before_skew;
    impl->cap = config.token_cap;
    if (config.mode != Mode::public_server) {
        std::string header;
        if (config.mode == Mode::self_hosted) {
            header = R"({"alg":"HS256","typ":"JWT"})";
            impl->hmac.emplace(config.app_secret);
        } else {
            header = R"({"alg":"RS256","kid":)";
            detail::append_json_string(header, detail::jaas_kid(config));
            header += R"(,"typ":"JWT"})";
            impl->rsa = detail::load_rsa_private_key(config.jaas_private_key_pem, "jitsi.jaas_private_key_pem");
        }
        impl->header_b64 = base64url_encode(header);
        impl->header_b64 += '.';

        std::string& p = impl->claims_prefix;
        p = R"({"aud":)";
        detail::append_json_string(p, config.mode == Mode::jaas ? std::string(detail::jaas_audience) : config.audience);
        p += R"(,"iss":)";
        detail::append_json_string(p, token_issuer_claim(config));
        p += R"(,"sub":)";
        detail::append_json_string(p, token_subject_claim(config));
        p += R"(,"room":)";
    }
    impl_ = std::move(impl);
}

TokenIssuer::~TokenIssuer() = default;
TokenIssuer::TokenIssuer(const TokenIssuer&) = default;
TokenIssuer& TokenIssuer::operator=(const TokenIssuer&) = default;
TokenIssuer::TokenIssuer(TokenIssuer&&) noexcept = default;
TokenIssuer& TokenIssuer::operator=(TokenIssuer&&) noexcept = default;

bool TokenIssuer::issues_tokens() const noexcept { return impl_->mode != Mode::public_server; }

std::optional<std::string> TokenIssuer::mint(const TokenRequest& r) const {
    const Impl& im = *impl_;
    if (im.mode == Mode::public_server) return std::nullopt;

    // "*" would open every room of the deployment; rooms are always named.
    detail::check_room(r.room, "room");
    if (r.user_id.empty()) throw Error::invalid("user_id", "a token needs the user's id");
    if (r.expires_at <= r.issued_at) throw Error::invalid("expires_at", "a token must expire after it is issued");
    // The cap is a security bound, so it holds whatever the caller computed.
    const Instant exp = std::min(r.expires_at, r.issued_at + im.cap);
    const bool strings = im.mode == Mode::jaas;

    // One buffer per thread, reused: the claims text is only an intermediate.
    thread_local std::string claims;
    claims.clear();
    claims += im.claims_prefix;
    // Checked above to be [a-z0-9._~-] once lower-cased: nothing to escape.
    claims += '"';
    const std::size_t room_at = claims.size();
    claims += r.room;
    for (std::size_t i = room_at; i < claims.size(); ++i) claims[i] = detail::ascii_lower(claims[i]);
    claims += '"';
    claims += R"(,"iat":)";
    detail::append_json_int(claims, unix_seconds(r.issued_at));
    // Jitsi allows no clock leeway: a server whose clock is a little behind
    // ours must not see the token as not yet valid.
    claims += R"(,"nbf":)";
    detail::append_json_int(claims, unix_seconds(r.issued_at - im.nbf_skew));
    claims += R"(,"exp":)";
    detail::append_json_int(claims, unix_seconds(exp));
    claims += R"(,"context":{"user":{"id":)";
    detail::append_json_string(claims, r.user_id);
    claims += R"(,"name":)";
    detail::append_json_string(claims, r.name);
    if (!r.email.empty()) {
        claims += R"(,"email":)";
        detail::append_json_string(claims, r.email);
    }
    if (!r.avatar.empty()) {
        claims += R"(,"avatar":)";
        detail::append_json_string(claims, r.avatar);
    }
    claims += R"(,"moderator":)";
    append_flag(claims, r.moderator, strings);
    // Every flag is written, true or false: jitsi-meet treats a feature
    // missing from a present `features` object as disabled, and explicit
    // values leave nothing to a deployment's defaults.
    claims += R"(},"features":{"livestreaming":)";
    append_flag(claims, r.features.livestreaming, strings);
    claims += R"(,"outbound-call":)";
    append_flag(claims, r.features.outbound_call, strings);
    claims += R"(,"recording":)";
    append_flag(claims, r.features.recording, strings);
    claims += R"(,"screen-sharing":)";
    append_flag(claims, r.features.screen_sharing, strings);
    claims += R"(,"transcription":)";
    append_flag(claims, r.features.transcription, strings);
    claims += "}}}";

    std::string token;
    token.reserve(im.header_b64.size() + (claims.size() + 2) / 3 * 4 + 1 + 344);
    token += im.header_b64;
    base64url_append(token, claims);
    if (im.hmac) {
        const auto mac = im.hmac->sign(token);
        token += '.';
        base64url_append(token, std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
    } else {
        const std::string sig = detail::rs256_sign(im.rsa.get(), token);
        token += '.';
        base64url_append(token, sig);
    }
    if (claims.capacity() > 64 * 1024) std::string().swap(claims);  // an outsized name must not pin memory
    return token;
}

}  // namespace livecourse::jitsi
