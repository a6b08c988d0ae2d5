// The reference server's request handler: the REST routes (routes.hpp)
// mapped onto the library's JSON API.
//
// A request is matched against the route table, its caller authenticated
// (auth.hpp), and one request object assembled for the route's JsonApi
// operation: path parameters, query parameters and body fields side by
// side, plus "actor" from the verified bearer token. The operation's result,
// or the library's Error, becomes the HTTP response (responses.hpp).
//
// Thread-safety: handle() and error_page() run on the HTTP server's threads
// concurrently; they share only the (thread-safe) JsonApi, the immutable
// route table and authenticator, and the log's mutex.
#pragma once

#include "auth.hpp"
#include "http_server.hpp"
#include "routes.hpp"
#include "server_config.hpp"

#include <livecourse/json_api.hpp>

#include <string_view>

namespace lcserver {

class HttpApi {
public:
    HttpApi(const ServerConfig& config, livecourse::JsonApi& api);
    HttpApi(const HttpApi&) = delete;
    HttpApi& operator=(const HttpApi&) = delete;

    // Two of the transport's callbacks (http_server.hpp; the third is
    // log_request, access_log.hpp): the answer to a request, and the answer
    // to a request the transport refuses (the API's error shape).
    http::Response handle(http::Request& request) const;
    http::Response error_page(const http::Request& request, int status, std::string_view code,
                              std::string_view message) const;

private:
    // `user` is set to the verified bearer's id as soon as the request is
    // authenticated, so that the access log names it on errors too.
    http::Response dispatch(const Route& route, const PathParams& params, const http::Request& req,
                            std::string& user) const;

    // One per RouteKind.
    http::Response call_operation(const Route& route, const boost::json::object& request) const;
    http::Response put_roster(const Route& route, const boost::json::object& request) const;
    http::Response feed_url(const Route& route, const Caller& caller) const;
    http::Response ical_feed(const Route& route, const boost::json::object& request) const;
    http::Response csv(const Route& route, const boost::json::object& request) const;
    http::Response health(const Route& route) const;
    http::Response jitsi_event(const Route& route, const Caller& caller, const http::Request& req) const;
    http::Response jaas_webhook(const Route& route, const http::Request& req) const;

    const ServerConfig& config_;
    livecourse::JsonApi& api_;
    RouteTable routes_;
    Authenticator auth_;
};

}  // namespace lcserver
