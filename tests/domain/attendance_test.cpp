#include <livecourse/attendance.hpp>

#include <catch2/catch.hpp>

using namespace livecourse;
using namespace std::chrono_literals;

namespace {
Instant T(int minutes) { return Instant(Seconds(1'800'000'000)) + std::chrono::minutes(minutes); }
PresenceInterval iv(std::string user, int from, std::optional<int> to, PresenceSource src = PresenceSource::client) {
    PresenceInterval i;
    i.user_id = std::move(user);
    i.joined_at = T(from);
    if (to) i.left_at = T(*to);
    i.source = src;
    return i;
}
const AttendanceRow& row(const AttendanceReport& r, const std::string& user) {
    for (const auto& x : r.rows)
        if (x.user_id == user) return x;
    FAIL("no row for " << user);
    return r.rows.front();
}
}  // namespace

TEST_CASE("statistics on a hand-computed example", "[domain][attendance]") {
    // Session runs from T(0) to T(60).
    std::vector<Participant> ps = {{"prof", Role::instructor, T(0)},
                                   {"a", Role::student, T(0)},
                                   {"b", Role::student, T(5)},
                                   {"c", Role::student, T(10)}};
    std::vector<PresenceInterval> ivs = {
        iv("prof", 0, 60),
        iv("a", 0, 30), iv("a", 20, 50),   // two tabs overlapping 20..30: counts once -> 50 min
        iv("b", 5, 15), iv("b", 40, std::nullopt),  // reconnect; never left -> closed at end: 10 + 20 = 30 min
        iv("c", 10, 10),                   // zero-length connection
    };
    auto r = AttendanceLedger::compute("s1", ps, ivs, T(0), T(60), false, 4);
    CHECK(row(r, "prof").present_seconds == 3600);
    CHECK(row(r, "a").present_seconds == 50 * 60);
    CHECK(row(r, "a").joins == 2);
    CHECK(row(r, "a").first_join_at == T(0));
    CHECK(row(r, "a").last_leave_at == T(50));
    CHECK(row(r, "b").present_seconds == 30 * 60);
    CHECK(row(r, "b").last_leave_at == T(60));
    CHECK_FALSE(row(r, "b").is_present);
    CHECK(row(r, "c").present_seconds == 0);
    const auto& st = r.statistics;
    CHECK(st.actual_duration_seconds == 3600);
    CHECK(st.participants_count == 3);  // prof, a, b (c was never present for a second)
    CHECK(st.students_count == 2);
    CHECK(st.enrolled_count == 4);
    CHECK(st.attendance_rate == Approx(0.5));
    CHECK(st.average_presence_seconds == Approx((3600 + 3000 + 1800) / 3.0));
    CHECK(st.median_presence_seconds == Approx(3000));
    // 0..5 prof+a, 5..15 prof+a+b = 3, 40..50 prof+a+b = 3.
    CHECK(st.peak_concurrent == 3);
}

TEST_CASE("presence is clipped to the session's actual start and end", "[domain][attendance]") {
    std::vector<Participant> ps = {{"a", Role::student, T(0)}};
    auto r = AttendanceLedger::compute("s", ps, {iv("a", -10, 70)}, T(0), T(60), false, std::nullopt);
    CHECK(r.rows[0].present_seconds == 3600);
    CHECK(r.rows[0].first_join_at == T(0));
    CHECK(r.rows[0].last_leave_at == T(60));
    CHECK_FALSE(r.statistics.attendance_rate);
}

TEST_CASE("while live an open connection counts up to now and marks the participant present",
          "[domain][attendance]") {
    std::vector<Participant> ps = {{"a", Role::student, T(0)}, {"b", Role::student, T(0)}};
    auto r = AttendanceLedger::compute("s", ps, {iv("a", 0, std::nullopt), iv("b", 0, 10)}, T(0), T(25), true, 2);
    CHECK(row(r, "a").is_present);
    CHECK_FALSE(row(r, "a").last_leave_at);
    CHECK(row(r, "a").present_seconds == 25 * 60);
    CHECK_FALSE(row(r, "b").is_present);
    CHECK(r.statistics.peak_concurrent == 2);
}

TEST_CASE("touching intervals of one user merge, back-to-back users do not overlap", "[domain][attendance]") {
    std::vector<Participant> ps = {{"a", Role::student, T(0)}, {"b", Role::student, T(0)}};
    auto r = AttendanceLedger::compute("s", ps, {iv("a", 0, 10), iv("a", 10, 20), iv("b", 20, 30)}, T(0), T(30),
                                       false, 2);
    CHECK(row(r, "a").present_seconds == 1200);
    CHECK(r.statistics.peak_concurrent == 1);  // a leaves at 20 as b joins at 20
}

TEST_CASE("once the video server reports, client intervals no longer count", "[domain][attendance]") {
    std::vector<Participant> ps = {{"a", Role::student, T(0)}};
    auto r = AttendanceLedger::compute(
        "s", ps, {iv("a", 0, std::nullopt), iv("a", 5, 15, PresenceSource::video_server)}, T(0), T(60), false, 1);
    CHECK(r.rows[0].present_seconds == 600);
    CHECK(r.rows[0].source == PresenceSource::video_server);
}

TEST_CASE("an empty session has zero statistics", "[domain][attendance]") {
    auto r = AttendanceLedger::compute("s", {}, {}, T(0), T(60), false, 0);
    CHECK(r.rows.empty());
    CHECK(r.statistics.participants_count == 0);
    CHECK(r.statistics.average_presence_seconds == 0);
    CHECK(r.statistics.peak_concurrent == 0);
    CHECK_FALSE(r.statistics.attendance_rate);
}
