#include "http_api.hpp"

#include <livecourse/clock.hpp>
#include <livecourse/error.hpp>
#include <livecourse/json_api.hpp>
#include <livecourse/video_events.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unistd.h>

namespace lcserver {

using boost::json::object;
using boost::json::value;
using livecourse::Error;
using livecourse::ErrorCode;

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

namespace {

// ---------------------------------------------------------------- paths
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

// A malformed request (before any operation runs): 400.
struct BadRequest {
    std::string code;
    std::string message;
};

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
           std::vector<std::pair<std::string, std::string>>& params) {
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

// ------------------------------------------------------------ access log
std::mutex log_mutex;

std::string now_text() {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    auto s = livecourse::format_rfc3339(std::chrono::floor<std::chrono::seconds>(now));
    // "...:00Z" -> "...:00.123Z"
    return s.substr(0, s.size() - 1) + fmt::format(".{:03}Z", ms);
}

void write_line(const object& line) {
    std::string text = livecourse::to_json_text(line);
    text += '\n';
    std::lock_guard lock(log_mutex);
    // One write per line: lines from concurrent requests never interleave.
    std::size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(STDERR_FILENO, text.data() + off, text.size() - off);
        if (n <= 0) break;
        off += static_cast<std::size_t>(n);
    }
}

// Paths that carry a secret (calendar feed tokens) are never logged as sent;
// what a client sends is logged bounded.
std::string loggable_path(const std::string& path) {
    static const std::string feed = "/api/calendar/feed/";
    if (path.rfind(feed, 0) == 0) return feed + "[redacted]";
    if (path.size() > 256) return path.substr(0, 256) + "...";
    return path;
}

std::string loggable_method(const std::string& method) {
    if (method.size() > 16) return method.substr(0, 16) + "...";
    return method;
}

// ---------------------------------------------------------------- errors
int http_status(ErrorCode code) {
    switch (code) {
    case ErrorCode::invalid_argument: return 422;
    case ErrorCode::not_found: return 404;
    case ErrorCode::forbidden: return 403;
    case ErrorCode::conflict: return 409;
    case ErrorCode::session_full: return 403;  // an access refusal: "no seat for you now"
    case ErrorCode::storage: return 503;
    case ErrorCode::unauthenticated: return 401;
    case ErrorCode::internal: return 500;
    default: return 500;  // host_callback and categories added later: the server's own failure
    }
    return 500;
}

http::Response json_response(int status, const value& body) {
    http::Response res;
    res.status = status;
    res.headers.push_back({"Cache-Control", "no-store"});
    res.content_type = "application/json; charset=utf-8";
    res.body = livecourse::to_json_text(body);
    return res;
}

// An error the server itself answers (not one of the library's): same shape.
http::Response server_error(int status, std::string_view code, std::string_view category, std::string_view message) {
    object error{{"code", code}, {"category", category}, {"message", message}, {"field", nullptr}};
    auto res = json_response(status, object{{"error", std::move(error)}});
    res.log_code = std::string(code);
    return res;
}

http::Response error_response(const Error& e, const std::string& route) {
    if (e.code() == ErrorCode::storage || e.code() == ErrorCode::internal) {
        // The detail (an SQLite message, a bug) goes to the log, not the client.
        write_line(object{{"ts", now_text()},
                          {"level", "error"},
                          {"event", "request_failed"},
                          {"route", route},
                          {"category", livecourse::to_string(e.code())},
                          {"message", e.what()}});
        Error shown = e.code() == ErrorCode::storage
                          ? Error(ErrorCode::storage, "the database is unavailable; try again later")
                          : Error(ErrorCode::internal, "internal error");
        auto res = json_response(http_status(shown.code()), livecourse::error_to_json(shown));
        res.log_code = std::string(shown.most_specific_code());
        return res;
    }
    auto res = json_response(http_status(e.code()), livecourse::error_to_json(e));
    res.log_code = std::string(e.most_specific_code());
    if (e.code() == ErrorCode::unauthenticated) res.headers.push_back({"WWW-Authenticate", "Bearer"});
    return res;
}

object parse_body(const std::string& body) {
    auto first = body.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    boost::system::error_code ec;
    value v = boost::json::parse(body, ec);
    if (ec) throw BadRequest{"invalid_json", "the request body is not valid JSON: " + ec.message()};
    if (!v.is_object()) throw BadRequest{"invalid_json", "the request body must be a JSON object"};
    return std::move(v.as_object());
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

// Routes a video server calls: a malformed or oversized body is 400 there
// (never 422 or 413), and nothing they answer depends on whether a room exists.
bool is_video_server_route(const Route& r) { return r.kind == RouteKind::jitsi_event || r.kind == RouteKind::jaas_webhook; }

// The access log's code for an acknowledged but ignored report.
void note_ack(const value& result, http::Response& res) {
    if (!result.is_object()) return;
    const auto* status = result.as_object().if_contains("status");
    const auto* reason = result.as_object().if_contains("reason");
    if (status && status->is_string() && status->get_string() == "ignored" && reason && reason->is_string())
        res.log_code = "ignored:" + std::string(reason->get_string());
}

}  // namespace

std::string openapi_path(const std::string& path) {
    std::string out;
    walk_path(
        path, [&](const std::string& lit) { out += lit; }, [&](const std::string& name) { out += "{" + name + "}"; });
    return out;
}

void log_event(const std::string& event, const std::string& message) {
    write_line(object{{"ts", now_text()}, {"level", "info"}, {"event", event}, {"message", message}});
}

HttpApi::HttpApi(const ServerConfig& config, livecourse::JsonApi& api)
    : config_(config), api_(api), verifier_(livecourse::jitsi::TokenVerifier::hs256(config.api_secret)) {
    for (const auto& r : routes()) compiled_.push_back(CompiledRoute{&r, compile(r.path)});
}

HttpApi::~HttpApi() = default;

// The bearer's identity, from a token the LMS signed with the API secret.
livecourse::Actor HttpApi::authenticate(const http::Request& req, bool& admin) const {
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

http::Response HttpApi::error_page(const http::Request& req, int status, std::string_view code,
                                   std::string_view message) const {
    // A video server is told 400 for any body it should not have sent.
    bool video_server = req.path.rfind("/api/jitsi/events/", 0) == 0 || req.path == "/api/jaas/webhook";
    if (video_server && status == 413) status = 400;
    std::string_view category = status >= 500 ? "internal" : "invalid_argument";
    return server_error(status, code, category, message);
}

http::Response HttpApi::handle(http::Request& req) const {
    std::vector<std::string_view> segments = split_segments(req.path);
    const CompiledRoute* found = nullptr;
    std::string allow;
    std::vector<std::pair<std::string, std::string>> params;
    for (const auto& c : compiled_) {
        params.clear();
        if (!match(c.segments, segments, params)) continue;
        if (c.route->method == req.method) {
            found = &c;
            break;
        }
        if (allow.find(c.route->method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + c.route->method;
    }
    if (!found) {
        if (allow.empty()) return server_error(404, "not_found", "not_found", "no such endpoint");
        auto res = server_error(405, "method_not_allowed", "invalid_argument",
                                fmt::format("{} is not allowed here; allowed: {}", loggable_method(req.method), allow));
        res.headers.push_back({"Allow", allow});
        return res;
    }
    const Route& route = *found->route;
    http::Response res;
    try {
        res = dispatch(route, params, req);
    } catch (const BadRequest& e) {
        res = server_error(400, e.code, "invalid_argument", e.message);
    } catch (const Error& e) {
        if (is_video_server_route(route) && e.code() == ErrorCode::invalid_argument) {
            res = json_response(400, livecourse::error_to_json(e));
            res.log_code = std::string(e.most_specific_code());
        } else {
            res = error_response(e, route.path);
        }
    } catch (const std::exception& e) {
        res = error_response(Error(ErrorCode::internal, e.what()), route.path);
    } catch (...) {
        res = error_response(Error(ErrorCode::internal, "unknown exception"), route.path);
    }
    res.log_route = route.path;
    return res;
}

http::Response HttpApi::dispatch(const Route& route, const std::vector<std::pair<std::string, std::string>>& params,
                                 const http::Request& req) const {
    http::Response res;
    livecourse::Actor actor;
    bool admin = false;
    // The event_sync secret, when the route accepts it and it is the one
    // presented (compared in constant time); else an LMS token.
    std::string presented_secret;
    bool secret_mode = false;
    if (route.auth == Auth::video_events || route.auth == Auth::bearer_or_video_events) {
        presented_secret = std::string(livecourse::jitsi::bearer_token(req.header("Authorization")));
        secret_mode = route.auth == Auth::video_events ||
                      livecourse::jitsi::video_events_secret_matches(presented_secret,
                                                                     config_.engine.presence.video_events_secret);
    }
    if (route.auth != Auth::none && !secret_mode) {
        actor = authenticate(req, admin);
        res.log_user = actor.user_id;
        if (route.auth == Auth::admin && !admin)
            throw Error::forbidden(livecourse::reason::forbidden,
                                   "this route (roster changes, the notification admin) needs a bearer token "
                                   "with the claim \"admin\": true");
    }
    object body = route.body ? parse_body(req.body) : object{};
    // Who calls is the server's to say, never the body's: an "actor" or a
    // "secret" in a body is dropped, whatever the route.
    body.erase("actor");
    body.erase("secret");
    object request = body;
    if (!route.query.empty()) {
        auto query = parse_query(req.query);
        for (const auto& q : route.query)
            for (const auto& [name, text] : query)
                if (name == q.name) {
                    request[q.name] = query_value(q, text);
                    break;
                }
    }
    for (const auto& [name, raw] : params) request[name] = decode(raw, false);
    if (secret_mode) request["secret"] = presented_secret;
    if (route.auth != Auth::none && !secret_mode)
        request["actor"] =
            object{{"user_id", actor.user_id}, {"name", actor.name}, {"email", actor.email}, {"avatar", actor.avatar}};

    switch (route.kind) {
    case RouteKind::jitsi_event: {
        static const std::string prefix = "/api/jitsi/events/";
        object call{{"secret", presented_secret}, {"kind", route.path.substr(prefix.size())}, {"body", req.body}};
        value result = api_.call(route.operation, call);
        auto out = json_response(route.success_status, result);
        note_ack(result, out);
        return out;
    }
    case RouteKind::jaas_webhook: {
        // Active only when JAAS_WEBHOOK_SECRET is set, whatever the token
        // mode (operators migrate between self-hosted and JaaS).
        if (config_.engine.presence.jaas_webhook_secret.empty())
            return server_error(404, "not_found", "not_found", "no such endpoint");
        object call{{"body", req.body}, {"signature", std::string(req.header("X-Jaas-Signature"))}};
        value result = api_.call(route.operation, call);
        auto out = json_response(route.success_status, result);
        note_ack(result, out);
        return out;
    }
    case RouteKind::operation: {
        value result = api_.call(route.operation, request);
        auto out = json_response(route.success_status, result);
        note_ack(result, out);
        if (route.operation == "session_create" && result.is_object())
            if (auto* id = result.as_object().if_contains("id"); id && id->is_string())
                out.headers.push_back({"Location", "/api/live-sessions/" + std::string(id->get_string())});
        return out;
    }
    case RouteKind::roster_put: {
        // A profile pushed with the enrollment names the user in calendars
        // (ORGANIZER) and Jitsi; the role is what matters.
        if (body.contains("name") || body.contains("email") || body.contains("avatar")) {
            object profile{{"user_id", request["user_id"]}};
            for (const char* k : {"name", "email", "avatar"})
                if (auto* v = body.if_contains(k)) profile[k] = *v;
            api_.call("user_put", profile);
        }
        return json_response(route.success_status, api_.call(route.operation, request));
    }
    case RouteKind::feed_url: {
        // A feed URL is a capability: it is built only from the configured
        // public URL (in --demo, the listen address), never from the
        // request's Host header.
        if (config_.public_url.empty())
            return server_error(503, "not_configured", "internal",
                                "calendar feed URLs need LIVECOURSE_PUBLIC_URL (the server's public https:// address)");
        value result = api_.call(route.operation, object{{"user_id", actor.user_id}});
        const auto* token = result.is_object() ? result.as_object().if_contains("token") : nullptr;
        if (!token || !token->is_string()) throw Error(ErrorCode::internal, "feed token operation returned no token");
        return json_response(
            200, object{{"url", config_.public_url + "/api/calendar/feed/" + std::string(token->get_string()) + ".ics"}});
    }
    case RouteKind::ical_feed: {
        value result = api_.call(route.operation, request);
        if (!result.is_string()) throw Error(ErrorCode::internal, "the feed operation returned no text");
        http::Response out;
        out.headers.push_back({"Cache-Control", "private, max-age=60"});
        out.content_type = "text/calendar; charset=utf-8";
        out.body = std::string(result.get_string());
        return out;
    }
    case RouteKind::health: {
        // A read through the engine to its store: answers 503 when the
        // database is unusable.
        api_.call(route.operation, object{{"course_id", "healthz"}, {"user_id", "healthz"}});
        return json_response(200, object{{"status", "ok"}, {"version", LIVECOURSE_SERVER_VERSION}});
    }
    }
    throw Error(ErrorCode::internal, "unhandled route kind");
}

void HttpApi::access_log(const http::Request& req, const http::Response& res) const {
    object line{{"ts", now_text()},
                {"level", res.status >= 500 ? "error" : "info"},
                {"event", "request"},
                {"method", loggable_method(req.method)},
                {"path", loggable_path(req.path)},
                {"route", res.log_route.empty() ? value(nullptr) : value(res.log_route)},
                {"status", res.status},
                {"bytes", res.body.size()},
                {"remote", req.remote}};
    if (req.received != std::chrono::steady_clock::time_point{})
        line["duration_us"] =
            std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - req.received).count();
    if (!res.log_user.empty()) line["user"] = res.log_user;
    if (!res.log_code.empty()) line["code"] = res.log_code;
    write_line(line);
}

}  // namespace lcserver
