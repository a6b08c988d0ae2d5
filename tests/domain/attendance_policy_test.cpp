#include <livecourse/attendance_policy.hpp>
#include <livecourse/error.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

using namespace livecourse;
using namespace std::chrono_literals;

namespace {
Instant T(int minutes) { return Instant(Seconds(1'800'000'000)) + std::chrono::minutes(minutes); }
PresenceInterval iv(int from, std::optional<int> to) {
    PresenceInterval i;
    i.user_id = "u";
    i.joined_at = T(from);
    if (to) i.left_at = T(*to);
    return i;
}
// A class scheduled 0..90 and held 0..90.
ClassTimes on_time() { return {T(0), T(90), T(0), T(90)}; }
std::vector<AttendanceReason> R(std::initializer_list<AttendanceReason> r) { return r; }
}  // namespace

TEST_CASE("attendance verdicts on hand-computed cases", "[domain][attendance_policy]") {
    AttendancePolicy p;  // 60%, late after 10 min, early leave 10 min before the end
    const std::vector<PresenceInterval> prof = {iv(0, 90)};
    using O = AttendanceOutcome;
    using A = AttendanceReason;
    struct Case {
        const char* what;
        std::vector<PresenceInterval> student;
        O outcome;
        std::int64_t counted_minutes;
        std::vector<AttendanceReason> reasons;
    };
    const std::vector<Case> cases = {
        {"the whole class", {iv(0, 90)}, O::present, 90, {}},
        {"never came", {}, O::absent, 0, R({A::never_joined})},
        {"only before the class", {iv(-30, -5)}, O::absent, 0, R({A::never_joined})},
        {"ten minutes late is not late", {iv(10, 90)}, O::present, 80, {}},
        {"eleven minutes late", {iv(11, 90)}, O::late, 79, R({A::joined_late})},
        {"left eleven minutes early", {iv(0, 79)}, O::left_early, 79, R({A::left_early})},
        {"late and left early: late wins", {iv(15, 75)}, O::late, 60, R({A::joined_late, A::left_early})},
        {"54 of 90 minutes is 60%", {iv(0, 30), iv(60, 84)}, O::present, 54, {}},
        {"53 of 90 minutes is below 60%", {iv(0, 30), iv(67, 90)}, O::absent, 53, R({A::below_minimum})},
        {"two tabs count once", {iv(0, 60), iv(30, 90)}, O::present, 90, {}},
        {"an open connection lasts to the end", {iv(5, std::nullopt)}, O::present, 85, {}},
        {"time after the schedule does not count", {iv(0, 120)}, O::present, 90, {}},
    };
    for (const auto& c : cases) {
        INFO(c.what);
        auto v = judge_attendance(p, on_time(), c.student, prof);
        CHECK(v.outcome == c.outcome);
        CHECK(v.counted_seconds == c.counted_minutes * 60);
        CHECK(v.required_seconds == 54 * 60);
        CHECK(v.reference_seconds == 90 * 60);
        CHECK(v.reasons == c.reasons);
    }
}

TEST_CASE("attendance counts from the instructor's arrival unless the policy says otherwise",
          "[domain][attendance_policy]") {
    AttendancePolicy p;
    // The instructor arrives 20 minutes in: the window is 20..90 (70 min),
    // 60% of it is 42 min.
    const std::vector<PresenceInterval> prof = {iv(20, 90)};
    auto v = judge_attendance(p, on_time(), {iv(0, 90)}, prof);
    CHECK(v.outcome == AttendanceOutcome::present);
    CHECK(v.counted_seconds == 70 * 60);
    CHECK(v.reference_seconds == 70 * 60);
    CHECK(v.required_seconds == 42 * 60);
    CHECK(*v.first_counted_at == T(20));
    // Arriving 25 minutes in is 5 minutes after the instructor: not late.
    CHECK(judge_attendance(p, on_time(), {iv(25, 90)}, prof).outcome == AttendanceOutcome::present);

    p.count_before_instructor = true;
    v = judge_attendance(p, on_time(), {iv(25, 90)}, prof);
    CHECK(v.outcome == AttendanceOutcome::late);
    CHECK(v.reference_seconds == 90 * 60);

    // An instructor never seen: counted from the start.
    p.count_before_instructor = false;
    CHECK(counting_window(p, on_time(), {}).start == T(0));
}

TEST_CASE("a class held shorter than planned does not make its students absent", "[domain][attendance_policy]") {
    AttendancePolicy p;
    // Scheduled 0..90, started 15 minutes late, ended at 60: window 15..60.
    ClassTimes times{T(0), T(90), T(15), T(60)};
    auto v = judge_attendance(p, times, {iv(15, 60)}, {iv(15, 60)});
    CHECK(v.outcome == AttendanceOutcome::present);
    CHECK(v.reference_seconds == 45 * 60);
    CHECK(v.required_seconds == 27 * 60);
    // While live (held_end = now = 30), an open interval counts up to now.
    ClassTimes live{T(0), T(90), T(0), T(30)};
    v = judge_attendance(p, live, {iv(0, std::nullopt)}, {iv(0, std::nullopt)});
    CHECK(v.counted_seconds == 30 * 60);
    CHECK(v.outcome == AttendanceOutcome::present);
}

TEST_CASE("the share is rounded up to the second", "[domain][attendance_policy]") {
    AttendancePolicy p;
    p.minimum_share = 0.5;
    ClassTimes times{T(0), T(0) + 61s, T(0), T(0) + 61s};
    auto v = judge_attendance(p, times, {}, {});
    CHECK(v.required_seconds == 31);
}

TEST_CASE("an attendance policy out of range is refused naming its field", "[domain][attendance_policy]") {
    auto field_of = [](AttendancePolicy p) {
        try {
            p.validate();
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::invalid_argument);
            return std::string(e.field());
        }
        return std::string();
    };
    AttendancePolicy p;
    CHECK(field_of(p).empty());
    p.minimum_share = 1.5;
    CHECK(field_of(p) == "minimum_share");
    p = {};
    p.minimum_share = std::nan("");
    CHECK(field_of(p) == "minimum_share");
    p = {};
    p.late_after = -1s;
    CHECK(field_of(p) == "late_after_seconds");
    p = {};
    p.early_leave_before = -1s;
    CHECK(field_of(p) == "early_leave_before_seconds");
    try {
        p.validate("attendance.");
        FAIL("a negative early_leave_before was accepted");
    } catch (const Error& e) {
        CHECK(std::string(e.field()) == "attendance.early_leave_before_seconds");
    }
}

TEST_CASE("property: a verdict depends on neither the order nor repeats of the intervals",
          "[domain][attendance_policy][property]") {
    std::mt19937 rng(20261203);
    auto minute = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int round = 0; round < 2000; ++round) {
        AttendancePolicy p;
        p.minimum_share = minute(0, 100) / 100.0;
        p.late_after = std::chrono::minutes(minute(0, 30));
        p.early_leave_before = std::chrono::minutes(minute(0, 30));
        p.count_before_instructor = minute(0, 1) == 1;
        int start = minute(-20, 20), length = minute(0, 120);
        int held_start = start + minute(-10, 30), held_end = held_start + minute(0, 150);
        ClassTimes times{T(start), T(start + length), T(held_start), T(held_end)};
        auto random_intervals = [&](int n) {
            std::vector<PresenceInterval> out;
            for (int i = 0; i < n; ++i) {
                int from = minute(start - 30, start + length + 30);
                out.push_back(minute(0, 9) == 0 ? iv(from, std::nullopt) : iv(from, from + minute(0, 60)));
            }
            return out;
        };
        auto student = random_intervals(minute(0, 6));
        auto prof = random_intervals(minute(0, 3));
        auto v = judge_attendance(p, times, student, prof);

        auto shuffled = student;
        shuffled.insert(shuffled.end(), student.begin(), student.end());  // every report twice
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        auto prof_shuffled = prof;
        std::reverse(prof_shuffled.begin(), prof_shuffled.end());
        auto w = judge_attendance(p, times, shuffled, prof_shuffled);
        REQUIRE(v.outcome == w.outcome);
        REQUIRE(v.counted_seconds == w.counted_seconds);
        REQUIRE(v.reasons == w.reasons);
        REQUIRE(v.first_counted_at == w.first_counted_at);

        REQUIRE(v.counted_seconds >= 0);
        REQUIRE(v.counted_seconds <= v.reference_seconds);
        REQUIRE(v.reference_seconds <= std::int64_t(length) * 60);
        REQUIRE(v.required_seconds <= v.reference_seconds);
        REQUIRE((v.outcome == AttendanceOutcome::absent) ==
                (v.counted_seconds == 0 || v.counted_seconds < v.required_seconds ||
                 std::count(v.reasons.begin(), v.reasons.end(), AttendanceReason::never_joined) > 0));
    }
}
