// The server's log: one JSON line per event on stderr, for each request
// answered or refused (the access log) and for start, configuration notes,
// notification deliveries and shutdown.
//
// Security: tokens and secrets are never logged. The calendar feed's path,
// whose last segment is a credential, is logged as
// "/api/calendar/feed/[redacted]"; the method and path a client sends are
// logged bounded; the JSON writer escapes U+2028, U+2029 and U+0085, so no
// input can start a line.
//
// Thread-safety: any thread may log; each line is written whole under one
// mutex, so lines from concurrent requests never interleave.
#pragma once

#include "http_server.hpp"

#include <string>
#include <string_view>

namespace lcserver {

// The access log line of one request (the transport's AccessLog callback).
void log_request(const http::Request& request, const http::Response& response);

// A request that failed on the server's side (the database, a bug): the
// detail the client is not shown.
void log_request_failed(const std::string& route, std::string_view category, std::string_view message);

// One structured line of an event other than a request.
void log_event(const std::string& event, const std::string& message);

// A client's method as it may be logged or echoed: bounded.
std::string loggable_method(const std::string& method);

}  // namespace lcserver
