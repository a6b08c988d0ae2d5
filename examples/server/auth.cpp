#include "auth.hpp"

#include <livecourse/clock.hpp>
#include <livecourse/error.hpp>
#include <livecourse/video_events.hpp>

#include <cctype>
#include <string_view>

namespace lcserver {

using boost::json::object;
using livecourse::Error;
using livecourse::ErrorCode;

namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
            return false;
    return true;
}

Error unauthenticated(std::string_view reason, std::string message) {
    return Error(ErrorCode::unauthenticated, std::move(message), std::string(reason));
}

}  // namespace

Authenticator::Authenticator(const ServerConfig& config)
    : config_(config), verifier_(livecourse::jitsi::TokenVerifier::hs256(config.api_secret)) {}

Caller Authenticator::authenticate(const Route& route, const http::Request& req) const {
    Caller caller;
    // The event_sync secret, when the route accepts it and it is the one
    // presented (compared in constant time); else an LMS token.
    if (route.auth == Auth::video_events || route.auth == Auth::bearer_or_video_events) {
        caller.secret = std::string(livecourse::jitsi::bearer_token(req.header("Authorization")));
        caller.video_events = route.auth == Auth::video_events ||
                              livecourse::jitsi::video_events_secret_matches(caller.secret,
                                                                             config_.engine.presence.video_events_secret);
    }
    if (route.auth != Auth::none && !caller.video_events) {
        bool admin = false;
        caller.actor = verify_bearer(req, admin);
        caller.bearer = true;
        if (route.auth == Auth::admin && !admin)
            throw Error::forbidden(livecourse::reason::forbidden,
                                   "this route (roster changes, the notification admin) needs a bearer token "
                                   "with the claim \"admin\": true");
    }
    return caller;
}

// The bearer's identity, from a token the LMS signed with the API secret.
livecourse::Actor Authenticator::verify_bearer(const http::Request& req, bool& admin) const {
    std::string_view header = req.header("Authorization");
    if (header.empty())
        throw unauthenticated(livecourse::reason::unauthenticated,
                              "missing bearer token: send Authorization: Bearer <token>");
    if (!iequals_prefix(header, "Bearer "))
        throw unauthenticated(livecourse::reason::invalid_token, "the Authorization header must be \"Bearer <token>\"");
    std::string_view token = header.substr(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    livecourse::jitsi::VerifyOptions options;
    options.now = livecourse::SystemClock().now();
    options.expected_issuer = config_.api_issuer;
    options.expected_audience = config_.api_audience;
    options.max_lifetime = config_.api_token_max_lifetime;
    auto verified = verifier_.verify(token, options);
    const auto& claims = verified.claims;
    auto text_claim = [&](const char* name) -> std::string {
        auto it = claims.find(name);
        return it != claims.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
    };
    livecourse::Actor actor;
    actor.user_id = text_claim("sub");
    if (actor.user_id.empty())
        throw unauthenticated(livecourse::reason::invalid_token, "the bearer token names no user (claim \"sub\")");
    actor.name = text_claim("name");
    actor.email = text_claim("email");
    actor.avatar = text_claim("avatar");
    auto it = claims.find("admin");
    admin = it != claims.end() && it->value().is_bool() && it->value().get_bool();
    return actor;
}

void name_caller(const Caller& caller, object& request) {
    request.erase("actor");
    request.erase("secret");
    if (caller.video_events) request["secret"] = caller.secret;
    if (caller.bearer)
        request["actor"] = object{{"user_id", caller.actor.user_id},
                                  {"name", caller.actor.name},
                                  {"email", caller.actor.email},
                                  {"avatar", caller.actor.avatar}};
}

}  // namespace lcserver
