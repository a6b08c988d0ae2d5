#include "routes.hpp"

#include <livecourse/error.hpp>

#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace lcserver {

using boost::json::object;
using boost::json::value;
using livecourse::Error;

const std::vector<Route>& routes() {
    using K = RouteKind;
    static const std::vector<Route> table = {
        // The seed's five.
        {"POST", "/api/courses/:courseId/live-sessions", "session_create", Auth::bearer, K::operation, true, 201, {}},
        {"POST", "/api/live-sessions/:sessionId/join", "session_join", Auth::bearer, K::operation, true, 200, {}},
        {"POST", "/api/live-sessions/:sessionId/jitsi-token", "token_create", Auth::bearer, K::operation, true, 200, {}},
        {"POST", "/api/live-sessions/:sessionId/start", "session_start", Auth::bearer, K::operation, true, 200, {}},
        {"POST", "/api/live-sessions/:sessionId/end", "session_end", Auth::bearer, K::operation, true, 200, {}},
        // What the seed's pages need.
        {"GET", "/api/courses/:courseId/live-sessions", "session_list", Auth::bearer, K::operation, false, 200, {{"status"}}},
        {"GET", "/api/live-sessions/:sessionId", "session_get", Auth::bearer, K::operation, false, 200, {}},
        {"PATCH", "/api/live-sessions/:sessionId", "session_update", Auth::bearer, K::operation, true, 200, {}},
        {"POST", "/api/live-sessions/:sessionId/cancel", "session_cancel", Auth::bearer, K::operation, true, 200, {}},
        {"POST", "/api/live-sessions/:sessionId/leave", "session_leave", Auth::bearer, K::operation, true, 200, {}},
        {"GET", "/api/live-sessions/:sessionId/attendance", "attendance_get", Auth::bearer, K::operation, false, 200, {}},
        {"GET", "/api/live-sessions/:sessionId/stats", "statistics_get", Auth::bearer, K::operation, false, 200, {}},
        {"GET", "/api/live-sessions/:sessionId/attendance/outcomes", "attendance_outcomes_get", Auth::bearer,
         K::operation, false, 200, {}},
        {"GET", "/api/live-sessions/:sessionId/attendance/outcomes.csv", "attendance_outcomes_get", Auth::bearer,
         K::csv, false, 200, {}},
        {"PUT", "/api/live-sessions/:sessionId/attendance/outcomes/:userId", "attendance_override_set", Auth::bearer,
         K::operation, true, 200, {}},
        {"GET", "/api/live-sessions/:sessionId/attendance/decisions", "attendance_override_log", Auth::bearer,
         K::operation, false, 200, {}},
        {"GET", "/api/courses/:courseId/attendance", "course_attendance_get", Auth::bearer, K::operation, false, 200,
         {{"from"}, {"to"}}},
        {"GET", "/api/courses/:courseId/attendance.csv", "course_attendance_get", Auth::bearer, K::csv, false, 200,
         {{"from"}, {"to"}}},
        {"GET", "/api/live-sessions/:sessionId/presence", "presence_roster_get", Auth::bearer, K::operation, false,
         200, {}},
        {"POST", "/api/live-sessions/:sessionId/chat", "chat_post", Auth::bearer, K::operation, true, 201, {}},
        {"GET", "/api/live-sessions/:sessionId/chat", "chat_list", Auth::bearer, K::operation, false, 200,
         {{"cursor"}, {"limit", true}}},
        {"POST", "/api/courses/:courseId/live-series", "series_create", Auth::bearer, K::operation, true, 201, {}},
        {"POST", "/api/live-series/:seriesId/cancel", "series_cancel", Auth::bearer, K::operation, true, 200, {}},
        {"GET", "/api/calendar/events", "calendar_query", Auth::bearer, K::operation, false, 200,
         {{"start"}, {"end"}, {"status"}}},
        {"GET", "/api/calendar/feed-url", "feed_token_get", Auth::bearer, K::feed_url, false, 200, {}},
        {"POST", "/api/calendar/feed-url", "feed_token_rotate", Auth::bearer, K::feed_url, true, 200, {}},
        {"GET", "/api/calendar/feed/:token.ics", "calendar_feed_by_token", Auth::none, K::ical_feed, false, 200, {}},
        // Roster sync pushed by the LMS.
        {"PUT", "/api/courses/:courseId/roster/:userId", "roster_enroll", Auth::admin, K::roster_put, true, 200, {}},
        {"GET", "/api/courses/:courseId/roster/:userId", "roster_get_role", Auth::admin, K::operation, false, 200, {}},
        {"DELETE", "/api/courses/:courseId/roster/:userId", "roster_unenroll", Auth::admin, K::operation, false, 200, {}},
        {"GET", "/healthz", "roster_get_role", Auth::none, K::health, false, 200, {}},
        // Presence the video server reports (docs/presence.md): Jitsi's
        // event_sync module posts to ${api_prefix}/events/..., with
        // api_prefix = https://<lms>/api/jitsi; JaaS to its webhook endpoint.
        // Their bodies are read by the operation, after the secret or the
        // signature has been checked.
        {"POST", "/api/jitsi/events/room/created", "presence_jitsi_event", Auth::video_events, K::jitsi_event, false, 200, {}},
        {"POST", "/api/jitsi/events/room/destroyed", "presence_jitsi_event", Auth::video_events, K::jitsi_event, false, 200, {}},
        {"POST", "/api/jitsi/events/occupant/joined", "presence_jitsi_event", Auth::video_events, K::jitsi_event, false, 200, {}},
        {"POST", "/api/jitsi/events/occupant/left", "presence_jitsi_event", Auth::video_events, K::jitsi_event, false, 200, {}},
        {"POST", "/api/jaas/webhook", "presence_jaas_webhook", Auth::none, K::jaas_webhook, false, 200, {}},
        // A room census the host took (e.g. from mod_muc_size's GET /room).
        {"POST", "/api/jitsi/census", "presence_room_census", Auth::video_events, K::operation, true, 200, {}},
        {"POST", "/api/live-sessions/:sessionId/heartbeat", "presence_heartbeat", Auth::bearer, K::operation, true, 200, {}},
        {"POST", "/api/live-sessions/:sessionId/recording", "recording_set", Auth::bearer_or_video_events, K::operation, true, 200, {}},
        // Notifications (docs/notifications.md): the bearer's in-app list and
        // read marker; the operator's dead letters.
        {"GET", "/api/notifications", "notification_list", Auth::bearer, K::operation, false, 200,
         {{"cursor"}, {"limit", true}}},
        {"POST", "/api/notifications/read", "notification_mark_read", Auth::bearer, K::operation, true, 200, {}},
        {"GET", "/api/admin/notifications", "notification_dead_list", Auth::admin, K::operation, false, 200,
         {{"state"}, {"cursor"}, {"limit", true}}},
        {"POST", "/api/admin/notifications/:id/retry", "notification_retry", Auth::admin, K::operation, true, 200, {}},
    };
    return table;
}

// One segment of a route's path: literal text, or a parameter with an
// optional literal suffix (":token.ics").
struct Segment {
    std::string literal;  // the whole segment, or the parameter's suffix
    std::string param;    // request field name; empty for a literal segment
};

struct RouteTable::Compiled {
    const Route* route;
    std::vector<Segment> segments;
};

namespace {

// "courseId" -> "course_id": the JSON vocabulary's spelling.
std::string field_name(const std::string& param) {
    std::string out;
    for (char ch : param) {
        if (std::isupper(static_cast<unsigned char>(ch))) {
            out += '_';
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        } else {
            out += ch;
        }
    }
    return out;
}

// Walks a path pattern: literal text and ":name" parameters, where a name is
// letters and digits (so ":token.ics" is the parameter "token" then ".ics").
template <class Literal, class Param> void walk_path(const std::string& path, Literal&& literal, Param&& param) {
    std::size_t i = 0;
    while (i < path.size()) {
        if (path[i] == ':') {
            std::size_t j = i + 1;
            while (j < path.size() && std::isalnum(static_cast<unsigned char>(path[j]))) ++j;
            param(path.substr(i + 1, j - i - 1));
            i = j;
        } else {
            std::size_t j = path.find(':', i);
            if (j == std::string::npos) j = path.size();
            literal(path.substr(i, j - i));
            i = j;
        }
    }
}

std::vector<std::string_view> split_segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t i = 1;  // past the leading '/'
    while (true) {
        auto j = path.find('/', i);
        out.push_back(path.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i));
        if (j == std::string_view::npos) break;
        i = j + 1;
    }
    return out;
}

std::vector<Segment> compile(const std::string& path) {
    std::vector<Segment> out;
    for (auto part : split_segments(path)) {
        Segment seg;
        walk_path(
            std::string(part), [&](const std::string& lit) { seg.literal += lit; },
            [&](const std::string& name) { seg.param = field_name(name); });
        out.push_back(std::move(seg));
    }
    return out;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Percent-decoding of a path segment or a query component ('+' is a space
// in a query).
std::string decode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            int hi = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
            int lo = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
            if (hi < 0 || lo < 0) throw BadRequest{"bad_request", "malformed percent-encoding in the request target"};
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

// Matches a request path's segments against a route's, appending the
// parameters (as sent, not decoded) to `params`.
bool match(const std::vector<Segment>& pattern, const std::vector<std::string_view>& segments,
           PathParams& params) {
    if (pattern.size() != segments.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const auto& p = pattern[i];
        auto s = segments[i];
        if (p.param.empty()) {
            if (s != p.literal) return false;
            continue;
        }
        if (s.size() <= p.literal.size() || s.substr(s.size() - p.literal.size()) != p.literal) return false;
        params.emplace_back(p.param, std::string(s.substr(0, s.size() - p.literal.size())));
    }
    return true;
}

value query_value(const QueryParam& p, const std::string& text) {
    if (!p.integer) return value(text);
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE)
        throw Error::invalid(p.name, fmt::format("{}: must be an integer", p.name));
    return value(v);
}

// The query's parameters, decoded; the first of a repeated name wins.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t i = 0;
    while (i <= query.size() && !query.empty()) {
        auto j = query.find('&', i);
        auto part = query.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
        if (!part.empty()) {
            auto eq = part.find('=');
            out.emplace_back(decode(part.substr(0, eq), true),
                             eq == std::string_view::npos ? std::string() : decode(part.substr(eq + 1), true));
        }
        if (j == std::string_view::npos) break;
        i = j + 1;
    }
    return out;
}

}  // namespace

std::string openapi_path(const std::string& path) {
    std::string out;
    walk_path(
        path, [&](const std::string& lit) { out += lit; }, [&](const std::string& name) { out += "{" + name + "}"; });
    return out;
}

std::string route_list() {
    std::string out;
    for (const auto& r : routes())
        out += fmt::format("{} {} {}\n", r.method, openapi_path(r.path),
                           r.kind == RouteKind::health ? "-" : r.operation);
    return out;
}

RouteTable::RouteTable() {
    for (const auto& r : routes()) compiled_.push_back(Compiled{&r, compile(r.path)});
}

RouteTable::~RouteTable() = default;

RouteMatch RouteTable::find(std::string_view method, std::string_view path) const {
    std::vector<std::string_view> segments = split_segments(path);
    RouteMatch found;
    for (const auto& c : compiled_) {
        found.params.clear();
        if (!match(c.segments, segments, found.params)) continue;
        if (c.route->method == method) {
            found.route = c.route;
            return found;
        }
        if (found.allow.find(c.route->method) == std::string::npos)
            found.allow += (found.allow.empty() ? "" : ", ") + c.route->method;
    }
    found.params.clear();
    return found;
}

void add_query_fields(const Route& route, std::string_view query, object& request) {
    if (route.query.empty()) return;
    auto sent = parse_query(query);
    for (const auto& q : route.query)
        for (const auto& [name, text] : sent)
            if (name == q.name) {
                request[q.name] = query_value(q, text);
                break;
            }
}

void add_path_fields(const PathParams& params, object& request) {
    for (const auto& [name, raw] : params) request[name] = decode(raw, false);
}

}  // namespace lcserver
