#include "responses.hpp"

#include "access_log.hpp"

#include <livecourse/csv.hpp>
#include <livecourse/json_api.hpp>

#include <boost/json.hpp>

namespace lcserver {

using boost::json::object;
using boost::json::value;
using livecourse::Error;
using livecourse::ErrorCode;

namespace {

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

}  // namespace

http::Response json_response(int status, const value& body) {
    http::Response res;
    res.status = status;
    res.headers.push_back({"Cache-Control", "no-store"});
    res.content_type = "application/json; charset=utf-8";
    res.body = livecourse::to_json_text(body);
    return res;
}

http::Response result_response(int status, const value& result) {
    auto res = json_response(status, result);
    if (!result.is_object()) return res;
    const auto* ack = result.as_object().if_contains("status");
    const auto* reason = result.as_object().if_contains("reason");
    if (ack && ack->is_string() && ack->get_string() == "ignored" && reason && reason->is_string())
        res.log_code = "ignored:" + std::string(reason->get_string());
    return res;
}

http::Response calendar_response(std::string text) {
    http::Response res;
    res.headers.push_back({"Cache-Control", "private, max-age=60"});
    res.content_type = "text/calendar; charset=utf-8";
    res.body = std::move(text);
    return res;
}

http::Response csv_response(std::string text) {
    http::Response res;
    res.headers.push_back({"Cache-Control", "private, no-store"});
    res.headers.push_back({"Content-Disposition", "attachment; filename=\"attendance.csv\""});
    res.content_type = "text/csv; charset=utf-8; header=present";
    res.body = std::move(text);
    return res;
}

namespace {

namespace csv = livecourse::csv;

std::string text_of(const boost::json::value& v) { return v.is_string() ? csv::text_field(v.get_string()) : std::string(); }

std::string number_of(const boost::json::value& v) {
    if (v.is_int64()) return csv::number_field(v.get_int64());
    if (v.is_double()) return csv::number_field(v.get_double());
    return std::string();
}

std::string outcomes_csv_text(const object& outcomes) {
    std::string out;
    csv::append_record(out, {"session_id", "user_id", "outcome", "counted_seconds", "required_seconds",
                             "reference_seconds", "first_counted_at", "last_counted_at", "reasons", "state"});
    const auto& session = outcomes.at("session_id");
    const auto& state = outcomes.at("state");
    for (const auto& row_value : outcomes.at("outcomes").as_array()) {
        const auto& row = row_value.as_object();
        std::string reasons;
        for (const auto& r : row.at("reasons").as_array()) {
            if (!reasons.empty()) reasons += ';';
            reasons += r.as_string();
        }
        csv::append_record(out, {text_of(session), text_of(row.at("user_id")), text_of(row.at("outcome")),
                                 number_of(row.at("counted_seconds")), number_of(row.at("required_seconds")),
                                 number_of(row.at("reference_seconds")), text_of(row.at("first_counted_at")),
                                 text_of(row.at("last_counted_at")), csv::text_field(reasons), text_of(state)});
    }
    return out;
}

std::string course_csv_text(const object& report) {
    std::vector<std::string> header{"course_id", "user_id"};
    for (const auto& column : report.at("sessions").as_array()) {
        const auto& c = column.as_object();
        // "2026-03-07T14:00:00Z #12": sortable, and unique even for two
        // sessions at one time.
        std::string name = std::string(c.at("starts_at").as_string()) + " #" + std::string(c.at("session_id").as_string());
        header.push_back(csv::text_field(name));
    }
    for (const char* name : {"present", "late", "left_early", "absent", "counted_seconds", "attendance_rate", "state"})
        header.emplace_back(name);
    std::string out;
    csv::append_record(out, header);
    const auto& course = report.at("course_id");
    const auto& state = report.at("state");
    for (const auto& row_value : report.at("students").as_array()) {
        const auto& row = row_value.as_object();
        std::vector<std::string> fields{text_of(course), text_of(row.at("user_id"))};
        for (const auto& cell : row.at("outcomes").as_array()) fields.push_back(text_of(cell.at("outcome")));
        for (const char* name : {"present", "late", "left_early", "absent", "counted_seconds", "attendance_rate"})
            fields.push_back(number_of(row.at(name)));
        fields.push_back(text_of(state));
        csv::append_record(out, fields);
    }
    return out;
}

}  // namespace

std::string csv_text(std::string_view operation, const object& result) {
    if (operation == "course_attendance_get") return course_csv_text(result);
    return outcomes_csv_text(result);
}

http::Response server_error(int status, std::string_view code, std::string_view category, std::string_view message) {
    object error{{"code", code}, {"category", category}, {"message", message}, {"field", nullptr}};
    auto res = json_response(status, object{{"error", std::move(error)}});
    res.log_code = std::string(code);
    return res;
}

http::Response error_response(int status, const Error& e) {
    auto res = json_response(status, livecourse::error_to_json(e));
    res.log_code = std::string(e.most_specific_code());
    return res;
}

http::Response error_response(const Error& e, const std::string& route) {
    if (e.code() == ErrorCode::storage || e.code() == ErrorCode::internal) {
        // The detail (an SQLite message, a bug) goes to the log, not the client.
        log_request_failed(route, livecourse::to_string(e.code()), e.what());
        Error shown = e.code() == ErrorCode::storage
                          ? Error(ErrorCode::storage, "the database is unavailable; try again later")
                          : Error(ErrorCode::internal, "internal error");
        return error_response(http_status(shown.code()), shown);
    }
    auto res = error_response(http_status(e.code()), e);
    if (e.code() == ErrorCode::unauthenticated) res.headers.push_back({"WWW-Authenticate", "Bearer"});
    return res;
}

}  // namespace lcserver
