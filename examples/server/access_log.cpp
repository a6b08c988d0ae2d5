#include "access_log.hpp"

#include <livecourse/clock.hpp>
#include <livecourse/json_api.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <chrono>
#include <mutex>
#include <unistd.h>

namespace lcserver {

using boost::json::object;
using boost::json::value;

namespace {

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

}  // namespace

std::string loggable_method(const std::string& method) {
    if (method.size() > 16) return method.substr(0, 16) + "...";
    return method;
}

void log_request(const http::Request& req, const http::Response& res) {
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

void log_request_failed(const std::string& route, std::string_view category, std::string_view message) {
    write_line(object{{"ts", now_text()},
                      {"level", "error"},
                      {"event", "request_failed"},
                      {"route", route},
                      {"category", category},
                      {"message", message}});
}

void log_event(const std::string& event, const std::string& message) {
    write_line(object{{"ts", now_text()}, {"level", "info"}, {"event", event}, {"message", message}});
}

}  // namespace lcserver
