// Attendance an LMS can grade: a policy, and one verdict per student.
//
// The ledger (attendance.hpp) says how long someone was in the room; a
// gradebook needs a verdict. `judge_attendance` turns a student's presence
// into one: `present`, `late`, `left_early` or `absent`, with the seconds
// counted, the seconds required and every reason that applied. It is a pure
// function of the policy, the class's times and the intervals, so the same
// presence gives the same verdict whatever order (or how many times) the
// intervals were reported in: overlapping and repeated intervals are merged
// first.
//
// The rules:
// - The counting window is the time the class was held (actual start to
//   actual end, or to now while live), within its scheduled time, and, unless
//   `count_before_instructor`, from the instructor's first arrival (if the
//   instructor was never seen, from the start: the instructor may have
//   joined the video room without the library seeing it). Time in a lobby is
//   never presence: only intervals in the room are given here.
// - The reference time is the length of the counting window; a class that
//   ended early or started late does not make its students absent. Counted
//   seconds are the student's merged presence within the window, so they
//   never exceed the reference time, which never exceeds the scheduled time.
// - Required seconds: `minimum_share` of the reference time, rounded up.
// - Late: the first counted presence began more than `late_after` after the
//   window opened. Left early: the last counted presence ended more than
//   `early_leave_before` before the window closed.
// - The verdict: `absent` if the student was never in the window
//   (`never_joined`) or counted less than required (`below_minimum`);
//   otherwise `late` before `left_early` before `present`. Reasons list
//   everything that applied (an absent student who also came late has both).
//
// Thread-safety: pure functions over values.
#pragma once

#include <livecourse/attendance.hpp>
#include <livecourse/clock.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livecourse {

struct AttendancePolicy {
    double minimum_share = 0.6;          // of the reference time, 0 to 1
    Seconds late_after{600};             // later than this after the window opened: late
    Seconds early_leave_before{600};     // earlier than this before the window closed: left early
    bool count_before_instructor = false;

    // Throws Error(invalid_argument) naming the field, after `prefix`
    // ("minimum_share", "late_after_seconds", "early_leave_before_seconds";
    // the engine's configuration names them "attendance.minimum_share", ...).
    void validate(std::string_view prefix = "") const;
};

enum class AttendanceOutcome { present, late, left_early, absent };
std::string_view to_string(AttendanceOutcome o) noexcept;
std::optional<AttendanceOutcome> parse_attendance_outcome(std::string_view s) noexcept;

enum class AttendanceReason { never_joined, below_minimum, joined_late, left_early };
std::string_view to_string(AttendanceReason r) noexcept;

// When the class was planned and when it was held. `held_end` is the actual
// end, or now while the session is live.
struct ClassTimes {
    Instant scheduled_start{};
    Instant scheduled_end{};
    Instant held_start{};
    Instant held_end{};
};

struct AttendanceVerdict {
    AttendanceOutcome outcome = AttendanceOutcome::absent;
    std::int64_t counted_seconds = 0;
    std::int64_t required_seconds = 0;
    std::int64_t reference_seconds = 0;
    std::optional<Instant> first_counted_at;  // the first counted presence began
    std::optional<Instant> last_counted_at;   // the last counted presence ended
    std::vector<AttendanceReason> reasons;    // in the enum's order
};

// A host's decision on one student's verdict, which wins over the computed
// one (the student was there by phone; a medical excuse), with its reason and
// who decided. `outcome` nullopt: a decision withdrawn (only in the log).
struct AttendanceOverride {
    std::string session_id;
    std::string user_id;
    std::optional<AttendanceOutcome> outcome;
    std::string reason;
    std::string decided_by;
    Instant decided_at{};
};

// The window's opening under the policy: [start, end) of the time counted.
// `instructor` holds the instructor's (and moderators') intervals, any order.
struct CountingWindow {
    Instant start{};
    Instant end{};
};
CountingWindow counting_window(const AttendancePolicy& policy, const ClassTimes& times,
                               const std::vector<PresenceInterval>& instructor);

// One student's verdict. `student` holds that student's intervals (any order,
// duplicates and overlaps allowed; an open interval lasts to `held_end`).
AttendanceVerdict judge_attendance(const AttendancePolicy& policy, const ClassTimes& times,
                                   const std::vector<PresenceInterval>& student,
                                   const std::vector<PresenceInterval>& instructor);

}  // namespace livecourse
