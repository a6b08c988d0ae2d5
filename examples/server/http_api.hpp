// The REST routes of the reference server and their mapping onto the
// library's JSON API.
//
// Every route is one row of a table: its method and path (path parameters
// written ":sessionId"), the JsonApi operation it calls, who may call it and
// what it answers on success. A handler only assembles the operation's
// request object (path parameters, query parameters and body fields side by
// side, plus "actor" from the verified bearer token) and turns the result, or
// the library's Error, into an HTTP response. The same table drives
// `--list-routes`, which the OpenAPI check compares with docs/openapi.yaml.
//
// Thread-safety: handle() runs on the HTTP server's threads concurrently; it
// shares only the (thread-safe) JsonApi, verifier and the log's mutex.
#pragma once

#include "http_server.hpp"
#include "server_config.hpp"

#include <livecourse/jitsi.hpp>
#include <livecourse/json_api.hpp>

#include <string>
#include <vector>

namespace lcserver {

// video_events: the static event_sync secret (LIVECOURSE_VIDEO_EVENTS_SECRET)
// as the bearer token; bearer_or_video_events: either that secret or an LMS
// bearer token.
enum class Auth { none, bearer, admin, video_events, bearer_or_video_events };

// What a route does beyond "call the operation and answer its JSON".
enum class RouteKind {
    operation,    // the operation's JSON result, as is
    roster_put,   // roster_enroll, after user_put when the body carries a profile
    feed_url,     // feed_token_get / feed_token_rotate for the bearer, answered as {"url"}
    ical_feed,    // calendar_feed_by_token, answered as text/calendar
    health,       // a store round trip, answered as {"status": "ok"}
    jitsi_event,  // presence_jitsi_event: the kind from the path, the raw body, the bearer secret
    jaas_webhook, // presence_jaas_webhook: the raw body and X-Jaas-Signature; 404 unless configured
};

struct QueryParam {
    std::string name;
    bool integer = false;
};

struct Route {
    std::string method;     // "GET", "POST", "PATCH", "PUT", "DELETE"
    std::string path;       // "/api/live-sessions/:sessionId/join"
    std::string operation;  // JsonApi operation name
    Auth auth = Auth::bearer;
    RouteKind kind = RouteKind::operation;
    bool body = false;      // reads a JSON object body
    int success_status = 200;
    std::vector<QueryParam> query;
};

const std::vector<Route>& routes();

// "/api/live-sessions/{sessionId}/join": the OpenAPI spelling of a path.
std::string openapi_path(const std::string& path);

struct Segment;

class HttpApi {
public:
    HttpApi(const ServerConfig& config, livecourse::JsonApi& api);
    ~HttpApi();
    HttpApi(const HttpApi&) = delete;
    HttpApi& operator=(const HttpApi&) = delete;

    // The transport's three callbacks (http_server.hpp): the answer to a
    // request, the answer to a request the transport refuses (the API's
    // error shape), and the access log line (JSON on stderr).
    http::Response handle(http::Request& request) const;
    http::Response error_page(const http::Request& request, int status, std::string_view code,
                              std::string_view message) const;
    void access_log(const http::Request& request, const http::Response& response) const;

private:
    struct CompiledRoute {
        const Route* route;
        std::vector<Segment> segments;
    };

    livecourse::Actor authenticate(const http::Request& req, bool& admin) const;
    // `params`: the route's path parameters as sent (decoded here).
    http::Response dispatch(const Route& route, const std::vector<std::pair<std::string, std::string>>& params,
                            const http::Request& req) const;

    const ServerConfig& config_;
    livecourse::JsonApi& api_;
    livecourse::jitsi::TokenVerifier verifier_;
    std::vector<CompiledRoute> compiled_;
};

// One structured line on stderr (JSON), serialised so lines never interleave.
void log_event(const std::string& event, const std::string& message);

}  // namespace lcserver
