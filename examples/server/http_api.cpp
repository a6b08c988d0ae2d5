#include "http_api.hpp"

#include <livecourse/clock.hpp>
#include <livecourse/error.hpp>
#include <livecourse/video_events.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <httplib.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <regex>
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

namespace {

// ---------------------------------------------------------------- paths
struct CompiledPath {
    std::string regex;
    std::vector<std::string> params;  // request field names, in capture order
};

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

std::string regex_escape(const std::string& s) {
    static const std::string special = R"(\^$.|?*+()[]{})";
    std::string out;
    for (char ch : s) {
        if (special.find(ch) != std::string::npos) out += '\\';
        out += ch;
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

CompiledPath compile(const std::string& path) {
    CompiledPath c;
    walk_path(
        path, [&](const std::string& lit) { c.regex += regex_escape(lit); },
        [&](const std::string& name) {
            c.regex += "([^/]+?)";
            c.params.push_back(field_name(name));
        });
    return c;
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
    std::string text = boost::json::serialize(line);
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

// What a handler learns about its request, for the access log line that the
// HTTP library writes after the response (on the same worker thread).
struct RequestContext {
    bool started = false;
    std::chrono::steady_clock::time_point start;
    std::string route;
    std::string user;
    std::string code;
};
thread_local RequestContext context;

// Paths that carry a secret (calendar feed tokens) are never logged as sent.
std::string loggable_path(const std::string& path) {
    static const std::string feed = "/api/calendar/feed/";
    if (path.rfind(feed, 0) == 0) return feed + "[redacted]";
    if (path.size() > 256) return path.substr(0, 256) + "...";
    return path;
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

void send_json(httplib::Response& res, int status, const value& body) {
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    res.set_content(boost::json::serialize(body), "application/json; charset=utf-8");
}

// An error the server itself answers (not one of the library's): same shape.
void send_server_error(httplib::Response& res, int status, std::string_view code, std::string_view category,
                       std::string_view message) {
    context.code = std::string(code);
    object error{{"code", code}, {"category", category}, {"message", message}, {"field", nullptr}};
    send_json(res, status, object{{"error", std::move(error)}});
}

void send_error(httplib::Response& res, const Error& e) {
    if (e.code() == ErrorCode::storage || e.code() == ErrorCode::internal) {
        // The detail (an SQLite message, a bug) goes to the log, not the client.
        write_line(object{{"ts", now_text()},
                          {"level", "error"},
                          {"event", "request_failed"},
                          {"route", context.route},
                          {"category", livecourse::to_string(e.code())},
                          {"message", e.what()}});
        Error shown = e.code() == ErrorCode::storage
                          ? Error(ErrorCode::storage, "the database is unavailable; try again later")
                          : Error(ErrorCode::internal, "internal error");
        context.code = std::string(shown.most_specific_code());
        send_json(res, http_status(shown.code()), livecourse::error_to_json(shown));
        return;
    }
    context.code = std::string(e.most_specific_code());
    if (e.code() == ErrorCode::unauthenticated) res.set_header("WWW-Authenticate", "Bearer");
    send_json(res, http_status(e.code()), livecourse::error_to_json(e));
}

// A malformed request body: 400, before any operation runs.
struct BadRequest {
    std::string message;
};

object parse_body(const std::string& body) {
    auto first = body.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    boost::system::error_code ec;
    value v = boost::json::parse(body, ec);
    if (ec) throw BadRequest{"the request body is not valid JSON: " + ec.message()};
    if (!v.is_object()) throw BadRequest{"the request body must be a JSON object"};
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
bool is_video_server_path(const std::string& path) {
    return path.rfind("/api/jitsi/events/", 0) == 0 || path == "/api/jaas/webhook";
}

// The access log's code for an acknowledged but ignored report.
void note_ack(const value& result) {
    if (!result.is_object()) return;
    const auto* status = result.as_object().if_contains("status");
    const auto* reason = result.as_object().if_contains("reason");
    if (status && status->is_string() && status->get_string() == "ignored" && reason && reason->is_string())
        context.code = "ignored:" + std::string(reason->get_string());
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
    : config_(config), api_(api), verifier_(livecourse::jitsi::TokenVerifier::hs256(config.api_secret)) {}

void HttpApi::install(httplib::Server& server) {
    struct Compiled {
        const Route* route;
        CompiledPath path;
        std::regex regex;
    };
    auto compiled = std::make_shared<std::vector<Compiled>>();
    for (const auto& r : routes()) {
        auto p = compile(r.path);
        std::regex re(p.regex);
        compiled->push_back({&r, std::move(p), std::move(re)});
    }

    // The bearer's identity, from a token the LMS signed with the API secret.
    auto authenticate = [this](const httplib::Request& req, bool& admin) {
        std::string header = req.get_header_value("Authorization");
        if (header.empty())
            throw unauthenticated(livecourse::reason::unauthenticated,
                                  "missing bearer token: send Authorization: Bearer <token>");
        if (!iequals_prefix(header, "Bearer "))
            throw unauthenticated(livecourse::reason::invalid_token, "the Authorization header must be \"Bearer <token>\"");
        std::string_view token = std::string_view(header).substr(7);
        while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
        while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
        livecourse::jitsi::VerifyOptions options;
        options.now = livecourse::SystemClock().now();
        options.expected_issuer = config_.api_issuer;
        options.expected_audience = config_.api_audience;
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
    };

    // `body_text` is the request body as read (empty without one).
    auto handle = [this, authenticate](const Route& route, const CompiledPath& path, const httplib::Request& req,
                                       const std::string& body_text, httplib::Response& res) {
        context.route = route.path;
        try {
            livecourse::Actor actor;
            bool admin = false;
            // The event_sync secret, when the route accepts it and it is the
            // one presented (compared in constant time); else an LMS token.
            std::string presented_secret;
            bool secret_mode = false;
            if (route.auth == Auth::video_events || route.auth == Auth::bearer_or_video_events) {
                presented_secret = std::string(livecourse::jitsi::bearer_token(req.get_header_value("Authorization")));
                secret_mode = route.auth == Auth::video_events ||
                              livecourse::jitsi::video_events_secret_matches(
                                  presented_secret, config_.engine.presence.video_events_secret);
            }
            if (route.auth != Auth::none && !secret_mode) {
                actor = authenticate(req, admin);
                context.user = actor.user_id;
                if (route.auth == Auth::admin && !admin)
                    throw Error::forbidden(livecourse::reason::forbidden,
                                           "this route (roster changes, the notification admin) needs a bearer token "
                                           "with the claim \"admin\": true");
            }
            object body = route.body ? parse_body(body_text) : object{};
            object request = body;
            for (const auto& q : route.query)
                if (req.has_param(q.name)) request[q.name] = query_value(q, req.get_param_value(q.name));
            for (std::size_t i = 0; i < path.params.size() && i + 1 < req.matches.size(); ++i)
                request[path.params[i]] = req.matches[i + 1].str();
            if (secret_mode) request["secret"] = presented_secret;
            if (route.auth != Auth::none && !secret_mode)
                request["actor"] = object{{"user_id", actor.user_id},
                                          {"name", actor.name},
                                          {"email", actor.email},
                                          {"avatar", actor.avatar}};

            switch (route.kind) {
            case RouteKind::jitsi_event: {
                static const std::string prefix = "/api/jitsi/events/";
                object call{{"secret", presented_secret},
                            {"kind", route.path.substr(prefix.size())},
                            {"body", body_text}};
                value result = api_.call(route.operation, call);
                note_ack(result);
                send_json(res, route.success_status, result);
                break;
            }
            case RouteKind::jaas_webhook: {
                // Active only when JAAS_WEBHOOK_SECRET is set, whatever the
                // token mode (operators migrate between self-hosted and JaaS).
                if (config_.engine.presence.jaas_webhook_secret.empty()) {
                    send_server_error(res, 404, "not_found", "not_found", "no such endpoint");
                    break;
                }
                object call{{"body", body_text}, {"signature", req.get_header_value("X-Jaas-Signature")}};
                value result = api_.call(route.operation, call);
                note_ack(result);
                send_json(res, route.success_status, result);
                break;
            }
            case RouteKind::operation: {
                value result = api_.call(route.operation, request);
                note_ack(result);
                if (route.operation == "session_create" && result.is_object())
                    if (auto* id = result.as_object().if_contains("id"); id && id->is_string())
                        res.set_header("Location", "/api/live-sessions/" + std::string(id->get_string()));
                send_json(res, route.success_status, result);
                break;
            }
            case RouteKind::roster_put: {
                // A profile pushed with the enrollment names the user in
                // calendars (ORGANIZER) and Jitsi; the role is what matters.
                if (body.contains("name") || body.contains("email") || body.contains("avatar")) {
                    object profile{{"user_id", request["user_id"]}};
                    for (const char* k : {"name", "email", "avatar"})
                        if (auto* v = body.if_contains(k)) profile[k] = *v;
                    api_.call("user_put", profile);
                }
                send_json(res, route.success_status, api_.call(route.operation, request));
                break;
            }
            case RouteKind::feed_url: {
                value result = api_.call(route.operation, object{{"user_id", actor.user_id}});
                const auto* token = result.is_object() ? result.as_object().if_contains("token") : nullptr;
                if (!token || !token->is_string()) throw Error(ErrorCode::internal, "feed token operation returned no token");
                std::string base = config_.public_url;
                if (base.empty()) {
                    std::string host = req.get_header_value("Host");
                    if (host.empty()) host = fmt::format("{}:{}", config_.listen_host, config_.listen_port);
                    base = "http://" + host;
                }
                send_json(res, 200,
                          object{{"url", base + "/api/calendar/feed/" + std::string(token->get_string()) + ".ics"}});
                break;
            }
            case RouteKind::ical_feed: {
                value result = api_.call(route.operation, request);
                if (!result.is_string()) throw Error(ErrorCode::internal, "the feed operation returned no text");
                res.status = 200;
                res.set_header("Cache-Control", "private, max-age=60");
                res.set_content(std::string(result.get_string()), "text/calendar; charset=utf-8");
                break;
            }
            case RouteKind::health: {
                // A read through the engine to its store: answers 503 when the
                // database is unusable.
                api_.call(route.operation, object{{"course_id", "healthz"}, {"user_id", "healthz"}});
                send_json(res, 200, object{{"status", "ok"}, {"version", LIVECOURSE_SERVER_VERSION}});
                break;
            }
            }
        } catch (const BadRequest& e) {
            send_server_error(res, 400, "invalid_json", "invalid_argument", e.message);
        } catch (const Error& e) {
            if (is_video_server_route(route) && e.code() == ErrorCode::invalid_argument) {
                context.code = std::string(e.most_specific_code());
                send_json(res, 400, livecourse::error_to_json(e));
                return;
            }
            send_error(res, e);
        } catch (const std::exception& e) {
            send_error(res, Error(ErrorCode::internal, e.what()));
        } catch (...) {
            send_error(res, Error(ErrorCode::internal, "unknown exception"));
        }
    };

    // No route for this path and method: 405 with Allow when the path exists.
    auto unrouted = [compiled](const httplib::Request& req, httplib::Response& res) {
        std::string allow;
        for (const auto& c : *compiled)
            if (std::regex_match(req.path, c.regex) && allow.find(c.route->method) == std::string::npos)
                allow += (allow.empty() ? "" : ", ") + c.route->method;
        if (!allow.empty()) {
            res.set_header("Allow", allow);
            send_server_error(res, 405, "method_not_allowed", "invalid_argument",
                              fmt::format("{} is not allowed here; allowed: {}", req.method, allow));
        } else {
            send_server_error(res, 404, "not_found", "not_found", "no such endpoint");
        }
    };

    // Requests that may carry a body are read here rather than by the HTTP
    // library, which (0.11) waits for the connection to close when a POST
    // has neither Content-Length nor chunked encoding, as `curl -X POST`
    // sends it: such a request has no body. A body is always drained (even
    // where it is ignored) so that the next request on the connection parses.
    auto max_body = config_.max_body_bytes;
    auto read_body = [max_body](const httplib::Request& req, httplib::Response& res,
                                const httplib::ContentReader& reader, std::string& body) {
        std::string te = req.get_header_value("Transfer-Encoding");
        bool chunked = te.find("chunked") != std::string::npos;
        if (!req.has_header("Content-Length") && !chunked) return true;
        // An oversized chunked body is drained (up to a bound) rather than
        // cut, so that the connection stays in step for its next request.
        bool too_large = false;
        std::size_t drained = 0;
        bool ok = reader([&](const char* data, std::size_t n) {
            if (!too_large && body.size() + n <= max_body) {
                body.append(data, n);
                return true;
            }
            too_large = true;
            body.clear();
            drained += n;
            return drained <= 4 * max_body;
        });
        if (too_large) ok = false;
        if (ok) return true;
        if (too_large || res.status == 413)
            send_server_error(res, 413, "payload_too_large", "invalid_argument",
                              fmt::format("the request body exceeds {} bytes", max_body));
        else
            send_server_error(res, 400, "bad_request", "invalid_argument", "the request body could not be read");
        res.set_header("Connection", "close");
        return false;
    };

    for (const auto& c : *compiled) {
        const Route& route = *c.route;  // the static table outlives the server
        const CompiledPath path = c.path;
        if (route.method == "GET") {
            server.Get(path.regex, [handle, &route, path](const httplib::Request& req, httplib::Response& res) {
                handle(route, path, req, req.body, res);
            });
            continue;
        }
        httplib::Server::HandlerWithContentReader h = [handle, read_body, &route, path](
                                                          const httplib::Request& req, httplib::Response& res,
                                                          const httplib::ContentReader& reader) {
            std::string body;
            context.route = route.path;
            if (read_body(req, res, reader, body)) handle(route, path, req, body, res);
            else if (is_video_server_route(route) && res.status == 413) res.status = 400;
        };
        if (route.method == "POST") server.Post(path.regex, h);
        else if (route.method == "PATCH") server.Patch(path.regex, h);
        else if (route.method == "PUT") server.Put(path.regex, h);
        else if (route.method == "DELETE") server.Delete(path.regex, h);
    }
    // Catch-alls so that an unknown path answers at once, body drained.
    httplib::Server::HandlerWithContentReader other = [read_body, unrouted](const httplib::Request& req,
                                                                            httplib::Response& res,
                                                                            const httplib::ContentReader& reader) {
        std::string body;
        if (read_body(req, res, reader, body)) unrouted(req, res);
    };
    server.Post(".*", other);
    server.Patch(".*", other);
    server.Put(".*", other);
    server.Delete(".*", other);

    server.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
        context = RequestContext{};
        context.started = true;
        context.start = std::chrono::steady_clock::now();
        return httplib::Server::HandlerResponse::Unhandled;
    });

    // Errors the HTTP layer decides (no route, body too large, bad request
    // line) get the same JSON error shape as the library's.
    server.set_error_handler(httplib::Server::HandlerWithResponse([unrouted, max_body](const httplib::Request& req,
                                                                                      httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        switch (res.status) {
        case 404: unrouted(req, res); break;
        case 413:
            send_server_error(res, is_video_server_path(req.path) ? 400 : 413, "payload_too_large", "invalid_argument",
                              fmt::format("the request body exceeds {} bytes", max_body));
            break;
        case 400: send_server_error(res, 400, "bad_request", "invalid_argument", "malformed HTTP request"); break;
        default:
            send_server_error(res, res.status, res.status >= 500 ? "internal" : "bad_request",
                              res.status >= 500 ? "internal" : "invalid_argument",
                              fmt::format("HTTP status {}", res.status));
        }
        return httplib::Server::HandlerResponse::Handled;
    }));

    // The HTTP library's own safety net, should anything escape a handler.
    server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        send_error(res, Error(ErrorCode::internal, "exception escaped a handler"));
    });

    server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        object line{{"ts", now_text()},
                    {"level", res.status >= 500 ? "error" : "info"},
                    {"event", "request"},
                    {"method", req.method},
                    {"path", loggable_path(req.path)},
                    {"route", context.route.empty() ? value(nullptr) : value(context.route)},
                    {"status", res.status},
                    {"bytes", res.body.size()},
                    {"remote", req.remote_addr}};
        if (context.started)
            line["duration_us"] = std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::steady_clock::now() - context.start)
                                      .count();
        if (!context.user.empty()) line["user"] = context.user;
        if (!context.code.empty()) line["code"] = context.code;
        write_line(line);
        context = RequestContext{};
    });
}

}  // namespace lcserver
