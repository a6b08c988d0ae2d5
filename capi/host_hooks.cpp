#include "host_hooks.hpp"

#include <livecourse/error.hpp>

#include <fmt/format.h>

#include <new>
#include <string>

namespace livecourse::capi {

static_assert(int(Role::none) == LC_ROLE_NONE && int(Role::student) == LC_ROLE_STUDENT &&
                  int(Role::moderator) == LC_ROLE_MODERATOR && int(Role::instructor) == LC_ROLE_INSTRUCTOR,
              "lc_role values are the Role values");

namespace {
[[noreturn]] void callback_failed(std::string message) {
    throw Error(ErrorCode::host_callback, std::move(message));
}

// What the courses sink gathers. The sink is called from the host's C code,
// so nothing may be thrown through it: failures are recorded and raised once
// the host's callback has returned.
struct CourseSink {
    std::vector<Enrollment> courses;
    bool out_of_memory = false;
    std::string invalid;  // why an entry was refused, empty if none was
};

extern "C" void collect_course(void* context, const char* course_id, lc_role role) {
    auto* sink = static_cast<CourseSink*>(context);
    if (!sink || !sink->invalid.empty() || sink->out_of_memory) return;
    try {
        if (!course_id || !*course_id) {
            sink->invalid = "the host's courses_of callback gave a NULL or empty course id";
        } else if (int(role) < LC_ROLE_NONE || int(role) > LC_ROLE_INSTRUCTOR) {
            sink->invalid = fmt::format("the host's courses_of callback gave an unknown role ({})", int(role));
        } else {
            sink->courses.push_back({course_id, Role(int(role))});
        }
    } catch (...) {
        sink->out_of_memory = true;
    }
}
}  // namespace

Role HostRoster::role_of(std::string_view course_id, std::string_view user_id) {
    const std::string course(course_id), user(user_id);  // NUL-terminated for C
    int r = host_.role_of(host_.user_data, course.c_str(), user.c_str());
    if (r < 0) callback_failed(fmt::format("the host's role_of callback failed (returned {})", r));
    if (r > LC_ROLE_INSTRUCTOR) callback_failed(fmt::format("the host's role_of callback returned an unknown role ({})", r));
    return Role(r);
}

std::vector<Enrollment> HostRoster::courses_of(std::string_view user_id) {
    // Without the hook the host has not told us any course: no calendar entries.
    if (!host_.courses_of) return {};
    const std::string user(user_id);
    CourseSink sink;
    int r = host_.courses_of(host_.user_data, user.c_str(), collect_course, &sink);
    if (sink.out_of_memory) throw std::bad_alloc();
    if (r < 0) callback_failed(fmt::format("the host's courses_of callback failed (returned {})", r));
    if (!sink.invalid.empty()) callback_failed(std::move(sink.invalid));
    return std::move(sink.courses);
}

std::optional<std::int64_t> HostRoster::count_students(std::string_view course_id) {
    if (!host_.count_students) return std::nullopt;
    const std::string course(course_id);
    std::int64_t n = host_.count_students(host_.user_data, course.c_str());
    if (n < 0) return std::nullopt;  // "unknown", as the header defines it
    return n;
}

Instant HostClock::now() const {
    std::int64_t t = now_(user_data_);
    // 9999-12-31T23:59:59Z: what RFC 3339 (and every calendar) can write.
    if (t < 0 || t > 253402300799)
        callback_failed(fmt::format("the host's now callback returned {}, outside 1970..9999", t));
    return Instant(Seconds(t));
}

}  // namespace livecourse::capi
