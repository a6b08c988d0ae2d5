#include <livecourse/attendance.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

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

TEST_CASE("in_room: who has a counted connection open, by user id", "[domain][attendance][roster]") {
    std::vector<Participant> ps = {{"prof", Role::instructor, T(0)},
                                   {"b", Role::student, T(0)},
                                   {"a", Role::student, T(0)},
                                   {"gone", Role::student, T(0)}};
    std::vector<PresenceInterval> ivs = {
        iv("prof", 0, std::nullopt),
        iv("a", 0, 10), iv("a", 12, std::nullopt), iv("a", 5, std::nullopt),  // two tabs open, one closed
        iv("b", 3, std::nullopt),
        iv("gone", 0, 20),
        iv("stranger", 0, std::nullopt),  // not a participant
    };
    auto in = AttendanceLedger::in_room(ps, ivs);
    REQUIRE(in.size() == 3);
    CHECK(in[0].user_id == "a");
    CHECK(in[0].role == Role::student);
    CHECK(in[0].connections == 2);
    CHECK(in[0].joined_at == T(5));
    CHECK(in[0].source == PresenceSource::client);
    CHECK(in[1].user_id == "b");
    CHECK(in[1].connections == 1);
    CHECK(in[1].joined_at == T(3));
    CHECK(in[2].user_id == "prof");
    CHECK(in[2].role == Role::instructor);
}

TEST_CASE("in_room counts the sources the report counts", "[domain][attendance][roster]") {
    std::vector<Participant> ps = {{"a", Role::student, T(0)}, {"b", Role::student, T(0)}};
    SECTION("a user whose page sends heartbeats is in by them alone") {
        // a's tab was closed without a leave: the client interval stays open,
        // the heartbeat interval was closed by its timeout.
        auto in = AttendanceLedger::in_room(
            ps, {iv("a", 0, std::nullopt), iv("a", 0, 4, PresenceSource::heartbeat), iv("b", 1, std::nullopt)});
        REQUIRE(in.size() == 1);
        CHECK(in[0].user_id == "b");
    }
    SECTION("once the video server reports, only its connections") {
        auto in = AttendanceLedger::in_room(ps, {iv("a", 0, std::nullopt), iv("b", 1, std::nullopt),
                                                 iv("b", 2, std::nullopt, PresenceSource::video_server)});
        REQUIRE(in.size() == 1);
        CHECK(in[0].user_id == "b");
        CHECK(in[0].source == PresenceSource::video_server);
        CHECK(in[0].joined_at == T(2));
    }
    SECTION("the same users a live report marks present") {
        std::vector<PresenceInterval> ivs = {iv("a", 0, 30), iv("b", 0, std::nullopt, PresenceSource::heartbeat)};
        auto in = AttendanceLedger::in_room(ps, ivs);
        auto report = AttendanceLedger::compute("s", ps, ivs, T(0), T(40), true, 2);
        for (const auto& r : report.rows) {
            bool listed = std::any_of(in.begin(), in.end(), [&](const auto& e) { return e.user_id == r.user_id; });
            CHECK(listed == r.is_present);
        }
    }
}
