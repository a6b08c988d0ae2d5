// Who calls a route, from its Authorization header, as its Auth column says.
//
// Security: an LMS bearer token is verified by the library's verifier with
// Jitsi's strict rules (typ "JWT", HS256 only, no leeway on exp and nbf),
// and must be for this API: its issuer, its audience and at most the
// configured lifetime, so neither a Jitsi token nor one minted to last
// forever is accepted. The admin routes need the claim "admin": true. The
// event_sync secret is compared in constant time. Who calls is the server's
// to say, never the body's: the caller's fields of an operation's request
// are written here only.
//
// Thread-safety: an Authenticator is immutable after construction and its
// verifier thread-safe; authenticate() runs on the HTTP server's threads
// concurrently.
#pragma once

#include "http_server.hpp"
#include "routes.hpp"
#include "server_config.hpp"

#include <livecourse/jitsi.hpp>
#include <livecourse/user.hpp>

#include <boost/json/object.hpp>

#include <string>

namespace lcserver {

struct Caller {
    // An LMS bearer token was verified: `actor` is who calls (its sub,
    // name, email and avatar).
    bool bearer = false;
    livecourse::Actor actor;
    // The route accepts the event_sync secret and it is the one presented
    // (on Auth::video_events routes, whatever was presented: the operation
    // checks it).
    bool video_events = false;
    // The event_sync secret as presented, on routes that accept it.
    std::string secret;
};

class Authenticator {
public:
    explicit Authenticator(const ServerConfig& config);

    // The caller of `route`; throws Error(unauthenticated) for a missing or
    // bad bearer token, Error(forbidden) for an admin route without the
    // admin claim.
    Caller authenticate(const Route& route, const http::Request& req) const;

private:
    livecourse::Actor verify_bearer(const http::Request& req, bool& admin) const;

    const ServerConfig& config_;
    livecourse::jitsi::TokenVerifier verifier_;
};

// Replaces any "actor" or "secret" in `request` (a body's, whatever the
// route) with the caller's own.
void name_caller(const Caller& caller, boost::json::object& request);

}  // namespace lcserver
