// The REST routes of the reference server, and how a request's path and
// query are read against them.
//
// Every route is one row of a table: its method and path (path parameters
// written ":sessionId"), the JsonApi operation it calls (by the operation's
// exact name), who may call it and what it answers on success. The same
// table drives `--list-routes`, which the OpenAPI check compares with
// docs/openapi.yaml.
//
// Path parameters and query parameters become fields of the operation's
// request under the JSON vocabulary's names (":sessionId" is "session_id");
// both are percent-decoded, and only the query parameters a route declares
// are read.
//
// Thread-safety: the table is built once and never changes; a RouteTable is
// immutable after construction, so any number of threads may share it.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <utility>
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
    csv,          // attendance_outcomes_get or course_attendance_get, answered as text/csv (a gradebook import)
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

// What `--list-routes` prints: "METHOD /path/{param} operation" per route,
// one a line, with "-" for the health check (which calls no operation of
// its own).
std::string route_list();

// A malformed request (before any operation runs): 400.
struct BadRequest {
    std::string code;
    std::string message;
};

// A route's path parameters as (request field name, value as sent, not
// decoded), in the order of the path.
using PathParams = std::vector<std::pair<std::string, std::string>>;

struct RouteMatch {
    const Route* route = nullptr;  // null when no route has this method and path
    PathParams params;             // the found route's parameters
    std::string allow;             // otherwise, the methods the path has ("": no such path)
};

class RouteTable {
public:
    RouteTable();
    ~RouteTable();
    RouteTable(const RouteTable&) = delete;
    RouteTable& operator=(const RouteTable&) = delete;

    // The first route with this method and path (`path` not decoded).
    RouteMatch find(std::string_view method, std::string_view path) const;

private:
    struct Compiled;
    std::vector<Compiled> compiled_;
};

// Sets the query parameters `route` declares that `query` (the target after
// '?', not decoded) carries: the first of a repeated name wins; an integer
// parameter that is not one is Error(invalid_argument), bad
// percent-encoding BadRequest.
void add_query_fields(const Route& route, std::string_view query, boost::json::object& request);

// Sets the path parameters, percent-decoded (BadRequest when malformed).
void add_path_fields(const PathParams& params, boost::json::object& request);

}  // namespace lcserver
