#include "http_api.hpp"

#include "access_log.hpp"
#include "responses.hpp"

#include <livecourse/error.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace lcserver {

using boost::json::object;
using livecourse::Error;
using livecourse::ErrorCode;

namespace {

// Where Jitsi's event_sync module posts: ${api_prefix}/events/<kind>, with
// api_prefix = https://<lms>/api/jitsi.
const std::string jitsi_events_prefix = "/api/jitsi/events/";

// Routes a video server calls: a malformed or oversized body is 400 there
// (never 422 or 413), and nothing they answer depends on whether a room exists.
bool is_video_server_route(const Route& r) { return r.kind == RouteKind::jitsi_event || r.kind == RouteKind::jaas_webhook; }

object parse_body(const std::string& body) {
    auto first = body.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec) throw BadRequest{"invalid_json", "the request body is not valid JSON: " + ec.message()};
    if (!v.is_object()) throw BadRequest{"invalid_json", "the request body must be a JSON object"};
    return std::move(v.as_object());
}

}  // namespace

HttpApi::HttpApi(const ServerConfig& config, livecourse::JsonApi& api) : config_(config), api_(api), auth_(config) {}

http::Response HttpApi::error_page(const http::Request& req, int status, std::string_view code,
                                   std::string_view message) const {
    // A video server is told 400 for any body it should not have sent.
    bool video_server = req.path.rfind(jitsi_events_prefix, 0) == 0 || req.path == "/api/jaas/webhook";
    if (video_server && status == 413) status = 400;
    std::string_view category = status >= 500 ? "internal" : "invalid_argument";
    return server_error(status, code, category, message);
}

http::Response HttpApi::handle(http::Request& req) const {
    RouteMatch found = routes_.find(req.method, req.path);
    if (!found.route) {
        if (found.allow.empty()) return server_error(404, "not_found", "not_found", "no such endpoint");
        auto res = server_error(405, "method_not_allowed", "invalid_argument",
                                fmt::format("{} is not allowed here; allowed: {}", loggable_method(req.method),
                                            found.allow));
        res.headers.push_back({"Allow", found.allow});
        return res;
    }
    const Route& route = *found.route;
    http::Response res;
    std::string user;  // the verified bearer's, for the access log: set once authenticated
    try {
        res = dispatch(route, found.params, req, user);
    } catch (const BadRequest& e) {
        res = server_error(400, e.code, "invalid_argument", e.message);
    } catch (const Error& e) {
        if (is_video_server_route(route) && e.code() == ErrorCode::invalid_argument)
            res = error_response(400, e);
        else
            res = error_response(e, route.path);
    } catch (const std::exception& e) {
        res = error_response(Error(ErrorCode::internal, e.what()), route.path);
    } catch (...) {
        res = error_response(Error(ErrorCode::internal, "unknown exception"), route.path);
    }
    res.log_route = route.path;
    res.log_user = std::move(user);
    return res;
}

http::Response HttpApi::dispatch(const Route& route, const PathParams& params, const http::Request& req,
                                 std::string& user) const {
    Caller caller = auth_.authenticate(route, req);
    if (caller.bearer) user = caller.actor.user_id;
    object request = route.body ? parse_body(req.body) : object{};
    add_query_fields(route, req.query, request);
    add_path_fields(params, request);
    name_caller(caller, request);
    switch (route.kind) {
    case RouteKind::operation: return call_operation(route, request);
    case RouteKind::roster_put: return put_roster(route, request);
    case RouteKind::feed_url: return feed_url(route, caller);
    case RouteKind::ical_feed: return ical_feed(route, request);
    case RouteKind::csv: return csv(route, request);
    case RouteKind::health: return health(route);
    case RouteKind::jitsi_event: return jitsi_event(route, caller, req);
    case RouteKind::jaas_webhook: return jaas_webhook(route, req);
    }
    throw Error(ErrorCode::internal, "unhandled route kind");
}

http::Response HttpApi::call_operation(const Route& route, const object& request) const {
    auto result = api_.call(route.operation, request);
    auto res = result_response(route.success_status, result);
    if (route.operation == "session_create" && result.is_object())
        if (auto* id = result.as_object().if_contains("id"); id && id->is_string())
            res.headers.push_back({"Location", "/api/live-sessions/" + std::string(id->get_string())});
    return res;
}

http::Response HttpApi::put_roster(const Route& route, const object& request) const {
    // A profile pushed with the enrollment names the user in calendars
    // (ORGANIZER) and Jitsi; the role is what matters.
    if (request.contains("name") || request.contains("email") || request.contains("avatar")) {
        object profile{{"user_id", request.at("user_id")}};
        for (const char* k : {"name", "email", "avatar"})
            if (auto* v = request.if_contains(k)) profile[k] = *v;
        api_.call("user_put", profile);
    }
    return json_response(route.success_status, api_.call(route.operation, request));
}

http::Response HttpApi::feed_url(const Route& route, const Caller& caller) const {
    // A feed URL is a capability: it is built only from the configured
    // public URL (in --demo, the listen address), never from the request's
    // Host header.
    if (config_.public_url.empty())
        return server_error(503, "not_configured", "internal",
                            "calendar feed URLs need LIVECOURSE_PUBLIC_URL (the server's public https:// address)");
    auto result = api_.call(route.operation, object{{"user_id", caller.actor.user_id}});
    const auto* token = result.is_object() ? result.as_object().if_contains("token") : nullptr;
    if (!token || !token->is_string()) throw Error(ErrorCode::internal, "feed token operation returned no token");
    return json_response(
        200, object{{"url", config_.public_url + "/api/calendar/feed/" + std::string(token->get_string()) + ".ics"}});
}

http::Response HttpApi::ical_feed(const Route& route, const object& request) const {
    auto result = api_.call(route.operation, request);
    if (!result.is_string()) throw Error(ErrorCode::internal, "the feed operation returned no text");
    return calendar_response(std::string(result.get_string()));
}

http::Response HttpApi::csv(const Route& route, const object& request) const {
    auto result = api_.call(route.operation, request);
    if (!result.is_object()) throw Error(ErrorCode::internal, "the attendance operation returned no object");
    return csv_response(csv_text(route.operation, result.as_object()));
}

http::Response HttpApi::health(const Route& route) const {
    // A read through the engine to its store: answers 503 when the database
    // is unusable.
    api_.call(route.operation, object{{"course_id", "healthz"}, {"user_id", "healthz"}});
    return json_response(200, object{{"status", "ok"}, {"version", LIVECOURSE_SERVER_VERSION}});
}

http::Response HttpApi::jitsi_event(const Route& route, const Caller& caller, const http::Request& req) const {
    object call{{"secret", caller.secret}, {"kind", route.path.substr(jitsi_events_prefix.size())}, {"body", req.body}};
    return result_response(route.success_status, api_.call(route.operation, call));
}

http::Response HttpApi::jaas_webhook(const Route& route, const http::Request& req) const {
    // Active only when JAAS_WEBHOOK_SECRET is set, whatever the token mode
    // (operators migrate between self-hosted and JaaS).
    if (config_.engine.presence.jaas_webhook_secret.empty())
        return server_error(404, "not_found", "not_found", "no such endpoint");
    object call{{"body", req.body}, {"signature", std::string(req.header("X-Jaas-Signature"))}};
    return result_response(route.success_status, api_.call(route.operation, call));
}

}  // namespace lcserver
