// The server's answers: the HTTP status of each library ErrorCode, JSON
// bodies, and errors in the API's one shape
// ({"error": {"code", "category", "message", "field"}}), whether the
// library refused (an Error) or the server itself did.
//
// Security: the detail of a storage or internal error (an SQLite message, a
// bug) goes to the log, never to the client; a 401 carries
// `WWW-Authenticate: Bearer`.
//
// Thread-safety: plain functions of their arguments (the log line they may
// write is serialised by the log).
#pragma once

#include "http_server.hpp"

#include <livecourse/error.hpp>

#include <boost/json/value.hpp>

#include <string>
#include <string_view>

namespace lcserver {

// `body` as JSON, not to be cached.
http::Response json_response(int status, const boost::json::value& body);

// An operation's result; an acknowledged but ignored video-server report
// ({"status": "ignored", "reason"}) is logged with the code "ignored:<reason>".
http::Response result_response(int status, const boost::json::value& result);

// An iCalendar text, cacheable for a minute by the calendar app alone.
http::Response calendar_response(std::string text);

// text/csv (RFC 4180, UTF-8, a header row), downloaded as a file.
http::Response csv_response(std::string text);

// An attendance result as CSV, the state (provisional or final) on every row
// so that an import sees it:
//  - attendance_outcomes_get: one row per student with its verdict, seconds,
//    times and reasons (";"-separated);
//  - course_attendance_get: one row per student, one column per session (its
//    verdict, headed by the session's start and id), then the counts, the
//    seconds and the rate.
std::string csv_text(std::string_view operation, const boost::json::object& result);

// An error the server itself answers (not one of the library's): same shape.
http::Response server_error(int status, std::string_view code, std::string_view category, std::string_view message);

// The library's Error `e` with the status of its code, from the route
// (pattern) `route`.
http::Response error_response(const livecourse::Error& e, const std::string& route);

// The library's Error `e` as is, with `status` instead of its code's.
http::Response error_response(int status, const livecourse::Error& e);

}  // namespace lcserver
