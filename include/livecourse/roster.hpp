// Roster: what a user is in a course. The LMS owns enrollment; livecourse only
// asks. The default roster lives in the library's own store (enroll, unenroll,
// set role); a host may supply its own implementation (the C ABI exposes it as
// a callback) so that enrollment stays in the LMS's tables.
//
// Thread-safety: implementations must allow concurrent calls.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livecourse {

enum class Role { none, student, moderator, instructor };

std::string_view to_string(Role r) noexcept;
std::optional<Role> parse_role(std::string_view s) noexcept;
// Instructors and moderators run the class: they start, end, edit and cancel,
// are moderators in Jitsi and never count against the student limit.
constexpr bool is_staff(Role r) noexcept { return r == Role::instructor || r == Role::moderator; }
// Only students take one of a session's `max_participants` seats.
constexpr bool takes_seat(Role r) noexcept { return r == Role::student; }

struct Enrollment {
    std::string course_id;
    Role role = Role::none;
};

struct Member {
    std::string user_id;
    Role role = Role::none;
};

class Roster {
public:
    virtual ~Roster() = default;
    virtual Role role_of(std::string_view course_id, std::string_view user_id) = 0;
    // The courses a user belongs to (any role), for calendars.
    virtual std::vector<Enrollment> courses_of(std::string_view user_id) = 0;
    // Students enrolled in a course, for attendance rates; nullopt if unknown.
    virtual std::optional<std::int64_t> count_students(std::string_view course_id) = 0;
    // Every member of a course (any role), the recipients of its
    // notifications. nullopt (the default) when this roster cannot list
    // members: notifications then go to the members of the built-in roster
    // table, which the store reads inside the planning transaction.
    virtual std::optional<std::vector<Member>> members(std::string_view course_id) {
        (void)course_id;
        return std::nullopt;
    }
};

}  // namespace livecourse
