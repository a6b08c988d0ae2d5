// A course's attendance over a date range (Engine::course_attendance): one
// column per session held in the range, one row per student, each cell the
// session's own verdict; hand-computed on a manual clock under the default
// policy (60% of the window, late after 10 min, leaving early before the
// last 10 min).
#include "support/fixtures.hpp"

#include <livecourse/json_api.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <functional>

using namespace lc_test;
namespace json = boost::json;

namespace {

using O = AttendanceOutcome;

struct Course {
    World w{5};
    Engine& e = *w.engine;
    Instant range_start = w.clock->now();
    Session a, b;

    // A one-hour class that starts at `at`, with the instructor in from its
    // start; `students` run their joins and leaves, then it ends on time.
    Session held(Instant at, const std::function<void(const Session&)>& students) {
        w.clock->set(at - 2h);
        auto d = w.draft();
        d.starts_at = at;
        d.ends_at = at + 1h;
        auto s = e.create_session(instructor, course, d);
        w.clock->set(at);
        s = e.start_session(instructor, s.id);
        e.join(instructor, s.id);
        students(s);
        w.clock->set(at + 1h);
        return e.end_session(instructor, s.id).session;
    }

    Course() {
        Instant day1 = range_start + 24h;
        a = held(day1, [&](const Session& s) {
            e.join(student(0), s.id);  // the whole hour: present
            w.clock->set(day1 + 15min);
            e.join(student(1), s.id);  // 45 min from 15 min in: late
            e.join(student(3), s.id);  // 15 min only: absent, below the minimum
            w.clock->set(day1 + 30min);
            e.leave(student(3), s.id);
            // stu-2 and stu-4 never come.
        });
        Instant day2 = range_start + 48h;
        b = held(day2, [&](const Session& s) {
            e.join(student(1), s.id);  // present
            e.join(student(2), s.id);  // leaves 45 min in: left early
            e.join(student(3), s.id);  // present
            w.clock->set(day2 + 45min);
            e.leave(student(2), s.id);
        });
        // Not columns: a session cancelled, one still scheduled, one held
        // after the range.
        w.clock->set(range_start + 50h);
        auto d = w.draft();
        d.starts_at = range_start + 72h;
        d.ends_at = d.starts_at + 1h;
        auto cancelled = e.create_session(instructor, course, d);
        e.cancel_session(instructor, cancelled.id, "ill");
        d.starts_at = range_start + 96h;
        d.ends_at = d.starts_at + 1h;
        e.create_session(instructor, course, d);
        held(range_start + 10 * 24h, [&](const Session& s) { e.join(student(4), s.id); });
    }
};

}  // namespace

TEST_CASE("course attendance: one column per session held, one row per enrolled student", "[attendance][course]") {
    Course c;
    auto& e = c.e;
    auto report = e.course_attendance(instructor, course, c.range_start, c.range_start + 7 * 24h);
    CHECK(report.course_id == course);
    CHECK(report.from == c.range_start);
    CHECK(report.to == c.range_start + 7 * 24h);
    REQUIRE(report.sessions.size() == 2);
    CHECK(report.sessions[0].session_id == c.a.id);
    CHECK(report.sessions[0].starts_at == c.range_start + 24h);
    CHECK(report.sessions[0].status == SessionStatus::ended);
    CHECK(report.sessions[1].session_id == c.b.id);
    REQUIRE(report.students.size() == 5);  // every enrolled student, stu-4 with no join in the range too

    struct Want {
        std::vector<std::pair<O, std::int64_t>> cells;
        int present, late, left_early, absent;
        std::int64_t seconds;
        double rate;
    };
    const std::vector<Want> want = {
        {{{O::present, 3600}, {O::absent, 0}}, 1, 0, 0, 1, 3600, 0.5},
        {{{O::late, 2700}, {O::present, 3600}}, 1, 1, 0, 0, 6300, 1.0},
        {{{O::absent, 0}, {O::left_early, 2700}}, 0, 0, 1, 1, 2700, 0.5},
        {{{O::absent, 900}, {O::present, 3600}}, 1, 0, 0, 1, 4500, 0.5},
        {{{O::absent, 0}, {O::absent, 0}}, 0, 0, 0, 2, 0, 0.0},
    };
    for (std::size_t i = 0; i < want.size(); ++i) {
        const auto& row = report.students[i];
        INFO("student " << row.user_id);
        CHECK(row.user_id == student(static_cast<int>(i)).user_id);
        REQUIRE(row.cells.size() == 2);
        for (std::size_t k = 0; k < 2; ++k) {
            CHECK(row.cells[k].outcome == want[i].cells[k].first);
            CHECK(row.cells[k].counted_seconds == want[i].cells[k].second);
        }
        CHECK(row.present == want[i].present);
        CHECK(row.late == want[i].late);
        CHECK(row.left_early == want[i].left_early);
        CHECK(row.absent == want[i].absent);
        CHECK(row.counted_seconds == want[i].seconds);
        REQUIRE(row.attendance_rate);
        CHECK(*row.attendance_rate == Approx(want[i].rate));
    }

    // Each cell is exactly the session's own verdict.
    for (std::size_t k = 0; k < report.sessions.size(); ++k) {
        auto own = e.attendance_outcomes(instructor, report.sessions[k].session_id);
        for (const auto& st : own.students) {
            auto row = std::find_if(report.students.begin(), report.students.end(),
                                    [&](const auto& r) { return r.user_id == st.user_id; });
            REQUIRE(row != report.students.end());
            CHECK(row->cells[k].outcome == st.verdict.outcome);
            CHECK(row->cells[k].counted_seconds == st.verdict.counted_seconds);
        }
    }
}

TEST_CASE("course attendance: provisional until every session settled, then final", "[attendance][course]") {
    Course c;
    auto& e = c.e;
    Instant to = c.range_start + 7 * 24h;
    // The clock is at the end of the last class held (day 10), long after the
    // range's two: settled.
    auto report = e.course_attendance(instructor, course, c.range_start, to);
    CHECK(report.is_final);
    CHECK(report.sessions[0].is_final);
    // The class just ended on day 10 is within its settle time.
    auto later = e.course_attendance(instructor, course, c.range_start, c.range_start + 11 * 24h);
    REQUIRE(later.sessions.size() == 3);
    CHECK_FALSE(later.sessions[2].is_final);
    CHECK_FALSE(later.is_final);
    c.w.clock->set(c.w.clock->now() + EngineConfig{}.attendance_settle);
    CHECK(e.course_attendance(instructor, course, c.range_start, c.range_start + 11 * 24h).is_final);

    // A range with no class held: rows for the roster, no rate.
    auto empty = e.course_attendance(instructor, course, c.range_start - 30 * 24h, c.range_start);
    CHECK(empty.sessions.empty());
    REQUIRE(empty.students.size() == 5);
    CHECK_FALSE(empty.students[0].attendance_rate);
    CHECK(empty.students[0].cells.empty());
}

TEST_CASE("course attendance: staff only, and bad ranges name the field", "[attendance][course]") {
    World w(2);
    auto& e = *w.engine;
    Instant from = w.clock->now();
    CHECK(e.course_attendance(moderator, course, from, from + 24h).students.size() == 2);
    CHECK(error_of([&] { e.course_attendance(student(0), course, from, from + 24h); }).code() ==
          ErrorCode::forbidden);
    CHECK(error_of([&] { e.course_attendance(outsider, course, from, from + 24h); }).code() == ErrorCode::forbidden);
    CHECK(error_of([&] { e.course_attendance(instructor, "other-course", from, from + 24h); }).code() ==
          ErrorCode::forbidden);
    auto to_error = error_of([&] { e.course_attendance(instructor, course, from, from); });
    CHECK(to_error.code() == ErrorCode::invalid_argument);
    CHECK(to_error.field() == "to");
    CHECK(error_of([&] { e.course_attendance(instructor, course, from, from + 401 * 24h); }).field() == "to");
    CHECK(error_of([&] { e.course_attendance(instructor, "", from, from + 24h); }).field() == "course_id");
}

TEST_CASE("course attendance: the JSON shape, through the JSON API", "[attendance][course][json]") {
    Course c;
    JsonApi api(c.e);
    json::object req{{"actor", {{"user_id", instructor.user_id}}},
                     {"course_id", course},
                     {"from", format_rfc3339(c.range_start)},
                     {"to", format_rfc3339(c.range_start + 7 * 24h)}};
    auto doc = api.call("course_attendance_get", req).as_object();
    CHECK(doc.at("course_id").as_string() == course);
    CHECK(doc.at("state") == "final");
    CHECK(doc.at("range_starts_at").as_string() == format_rfc3339(c.range_start));
    CHECK(doc.at("range_ends_at").as_string() == format_rfc3339(c.range_start + 7 * 24h));
    const auto& sessions = doc.at("sessions").as_array();
    REQUIRE(sessions.size() == 2);
    CHECK(sessions[0].at("session_id").as_string() == c.a.id);
    CHECK(sessions[0].at("status") == "ended");
    CHECK(sessions[0].at("state") == "final");
    const auto& students = doc.at("students").as_array();
    REQUIRE(students.size() == 5);
    const auto& stu1 = students[1].as_object();
    CHECK(stu1.at("user_id") == "stu-1");
    CHECK(stu1.at("late") == 1);
    CHECK(stu1.at("present") == 1);
    CHECK(stu1.at("counted_seconds") == 6300);
    CHECK(stu1.at("attendance_rate").to_number<double>() == Approx(1.0));
    const auto& cells = stu1.at("outcomes").as_array();
    REQUIRE(cells.size() == 2);
    CHECK(cells[0].at("session_id").as_string() == c.a.id);
    CHECK(cells[0].at("outcome") == "late");
    CHECK(cells[1].at("outcome") == "present");
}

namespace {

// A host roster that answers roles but cannot list a course's members.
class RolesOnly final : public Roster {
public:
    Role role_of(std::string_view, std::string_view user) override {
        if (user == instructor.user_id) return Role::instructor;
        return user.substr(0, 4) == "stu-" ? Role::student : Role::none;
    }
    std::vector<Enrollment> courses_of(std::string_view) override { return {{course, Role::student}}; }
    std::optional<std::int64_t> count_students(std::string_view) override { return std::nullopt; }
};

}  // namespace

TEST_CASE("course attendance: a host roster that cannot list members: the students admitted", "[attendance][course]") {
    EngineConfig config;
    config.roster = std::make_shared<RolesOnly>();
    World w(0, config);
    auto& e = *w.engine;
    Instant from = w.clock->now();
    auto s = w.live();
    e.join(instructor, s.id);
    e.join(student(7), s.id);
    w.clock->set(s.starts_at + 1h);
    e.end_session(instructor, s.id);
    auto report = e.course_attendance(instructor, course, from, from + 24h);
    REQUIRE(report.sessions.size() == 1);
    REQUIRE(report.students.size() == 1);
    CHECK(report.students[0].user_id == "stu-7");
    CHECK(report.students[0].present == 1);
}

TEST_CASE("attendance overrides: a decision wins, is shown as such, is logged and can be withdrawn",
          "[attendance][override]") {
    Course c;
    auto& e = c.e;
    c.w.clock->set(c.w.clock->now() + 1h);
    // stu-3 was below the minimum in the first class; stu-2 never came.
    auto d = e.override_attendance(instructor, c.a.id, student(3).user_id, O::present, "joined by phone");
    CHECK(d.decided_by == instructor.user_id);
    CHECK(d.decided_at == c.w.clock->now());
    e.override_attendance(moderator, c.a.id, student(2).user_id, O::left_early, "excused after the break");
    auto out = e.attendance_outcomes(instructor, c.a.id);
    auto row = [&](const std::string& user) {
        auto it = std::find_if(out.students.begin(), out.students.end(), [&](const auto& s) { return s.user_id == user; });
        REQUIRE(it != out.students.end());
        return *it;
    };
    auto three = row("stu-3");
    CHECK(three.outcome() == O::present);
    CHECK(three.verdict.outcome == O::absent);  // still computed as before
    REQUIRE(three.decision);
    CHECK(three.decision->reason == "joined by phone");
    auto two = row("stu-2");  // never admitted: listed for the decision
    CHECK(two.outcome() == O::left_early);
    CHECK(two.verdict.counted_seconds == 0);
    CHECK_FALSE(row("stu-0").decision);

    // The course report shows the decisions, marked.
    auto report = e.course_attendance(instructor, course, c.range_start, c.range_start + 7 * 24h);
    CHECK(report.students[3].cells[0].outcome == O::present);
    CHECK(report.students[3].cells[0].overridden);
    CHECK(report.students[3].present == 2);
    CHECK(*report.students[3].attendance_rate == Approx(1.0));
    CHECK(report.students[2].cells[0].outcome == O::left_early);
    CHECK_FALSE(report.students[0].cells[0].overridden);

    // Changed, then withdrawn: the computed verdict is back; the log keeps all three.
    c.w.clock->advance(1min);
    e.override_attendance(instructor, c.a.id, "stu-3", O::late, "phone call began late");
    c.w.clock->advance(1min);
    e.override_attendance(instructor, c.a.id, "stu-3", std::nullopt, "the phone log shows 15 minutes");
    out = e.attendance_outcomes(instructor, c.a.id);
    CHECK(row("stu-3").outcome() == O::absent);
    CHECK_FALSE(row("stu-3").decision);
    auto log = e.attendance_override_log(moderator, c.a.id);
    REQUIRE(log.size() == 4);
    CHECK(log[0].user_id == "stu-3");
    CHECK(log[0].outcome == O::present);
    CHECK(log[1].user_id == "stu-2");
    CHECK(log[1].decided_by == moderator.user_id);
    CHECK(log[2].outcome == O::late);
    CHECK_FALSE(log[3].outcome);
    CHECK(log[3].reason == "the phone log shows 15 minutes");

    // Refusals name the field and record nothing.
    CHECK(error_of([&] { e.override_attendance(student(0), c.a.id, "stu-1", O::present, "me"); }).code() ==
          ErrorCode::forbidden);
    CHECK(error_of([&] { e.override_attendance(instructor, c.a.id, "stu-1", O::present, ""); }).field() == "reason");
    CHECK(error_of([&] { e.override_attendance(instructor, c.a.id, moderator.user_id, O::present, "x"); }).field() ==
          "user_id");
    CHECK(error_of([&] { e.override_attendance(instructor, c.a.id, "nobody", O::present, "x"); }).field() == "user_id");
    auto future = e.create_session(instructor, course, c.w.draft());
    CHECK(error_of([&] { e.override_attendance(instructor, future.id, "stu-1", O::present, "x"); }).field() ==
          "session_id");
    CHECK(error_of([&] { e.attendance_override_log(student(0), c.a.id); }).code() == ErrorCode::forbidden);
    CHECK(e.attendance_override_log(instructor, c.a.id).size() == 4);
}

TEST_CASE("attendance overrides: through the JSON API", "[attendance][override][json]") {
    Course c;
    JsonApi api(c.e);
    json::object req{{"actor", {{"user_id", instructor.user_id}}},
                     {"session_id", c.a.id},
                     {"user_id", "stu-3"},
                     {"outcome", "present"},
                     {"reason", "joined by phone"}};
    auto d = api.call("attendance_override_set", req).as_object();
    CHECK(d.at("outcome") == "present");
    CHECK(d.at("decided_by") == "prof");
    json::object read{{"actor", {{"user_id", instructor.user_id}}}, {"session_id", c.a.id}};
    auto out = api.call("attendance_outcomes_get", read).as_object();
    for (const auto& v : out.at("outcomes").as_array()) {
        const auto& row = v.as_object();
        if (row.at("user_id") != "stu-3") {
            CHECK(row.at("decision").is_null());
            continue;
        }
        CHECK(row.at("outcome") == "present");
        CHECK(row.at("computed_outcome") == "absent");
        CHECK(row.at("decision").at("reason") == "joined by phone");
    }
    req["outcome"] = nullptr;
    req["reason"] = "withdrawn";
    CHECK(api.call("attendance_override_set", req).at("outcome").is_null());
    auto log = api.call("attendance_override_log", read).as_object();
    CHECK(log.at("decisions").as_array().size() == 2);
    req["outcome"] = "maybe";
    CHECK(error_of([&] { api.call("attendance_override_set", req); }).field() == "outcome");
    req.erase("outcome");
    CHECK(error_of([&] { api.call("attendance_override_set", req); }).field() == "outcome");
    CHECK(api.call("attendance_override_log", read).at("decisions").as_array().size() == 2);
}
