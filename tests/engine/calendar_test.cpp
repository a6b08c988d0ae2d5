#include "support/fixtures.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <fstream>
#include <memory>
#include <set>

using namespace lc_test;

namespace {

SeriesDraft tuesdays(int count) {
    SeriesDraft d;
    d.session.title = "Cours 1: Introduction";
    d.session.max_participants = 30;
    d.session.recording_enabled = true;
    d.rule.timezone = "Europe/Paris";
    d.rule.first_date = date::year{2026} / 10 / 1;
    d.rule.start_time = std::chrono::hours(10);
    d.rule.duration = std::chrono::minutes(90);
    d.rule.weekdays = {date::Tuesday};
    d.rule.count = count;
    return d;
}

// Parses a feed with Debian's python3-icalendar (an independent parser).
boost::json::object parse_with_icalendar(const TempDir& dir, const std::string& ics) {
    auto path = dir.file("feed.ics");
    std::ofstream(path, std::ios::binary) << ics;
    std::string cmd = std::string(LIVECOURSE_SYSTEM_PYTHON) + " " + LIVECOURSE_TEST_DATA_DIR + "/ical/parse_ics.py " + path;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
    REQUIRE(pipe);
    std::string out;
    char buf[4096];
    while (auto n = std::fread(buf, 1, sizeof buf, pipe.get())) out.append(buf, n);
    return boost::json::parse(out).as_object();
}

const boost::json::object& event_with_uid(const boost::json::object& parsed, const std::string& uid) {
    for (const auto& e : parsed.at("events").as_array())
        if (e.as_object().at("uid").as_string() == uid) return e.as_object();
    FAIL("no event " << uid);
    return parsed;
}

}  // namespace

TEST_CASE("calendar: a weekly series keeps 10:00 Paris time across the October change", "[engine][calendar][series]") {
    World w(2);
    w.clock->set(date::sys_days{date::year{2026} / 9 / 1});
    auto r = w.engine->create_series(instructor, course, tuesdays(8));
    REQUIRE(r.sessions.size() == 8);
    for (const auto& s : r.sessions) {
        CHECK(s.series_id == r.series.id);
        CHECK(s.timezone == "Europe/Paris");
        CHECK(s.ends_at - s.starts_at == std::chrono::minutes(90));
        auto day = date::floor<date::days>(s.starts_at);
        auto utc_hour = std::chrono::duration_cast<std::chrono::hours>(s.starts_at - day).count();
        // Summer time (UTC+2) until Sunday 25 October 2026, then UTC+1.
        CHECK(utc_hour == (s.starts_at < date::sys_days{date::year{2026} / 10 / 25} ? 8 : 9));
    }
    // Each occurrence is a session of its own: own id, own room.
    std::set<std::string> rooms;
    for (const auto& s : r.sessions) rooms.insert(s.jitsi_room_name);
    CHECK(rooms.size() == 8);
    auto invalid = tuesdays(8);
    invalid.rule.timezone = "Nowhere/Special";
    CHECK(error_of([&] { w.engine->create_series(instructor, course, invalid); }).field() == "timezone");
    CHECK(error_of([&] { w.engine->create_series(student(0), course, tuesdays(2)); }).reason() == "forbidden");
}

TEST_CASE("calendar: cancelling or moving one occurrence, then the rest of a series", "[engine][calendar][series]") {
    World w(2);
    w.clock->set(date::sys_days{date::year{2026} / 9 / 1});
    auto r = w.engine->create_series(instructor, course, tuesdays(6));
    auto& e = *w.engine;
    e.cancel_session(instructor, r.sessions[1].id, "Jour férié");
    SessionPatch move;
    move.starts_at = r.sessions[2].starts_at + 24h;
    move.ends_at = r.sessions[2].ends_at + 24h;
    auto moved = e.update_session(instructor, r.sessions[2].id, move);
    CHECK(moved.series_id == r.series.id);
    auto cancelled = e.cancel_series(instructor, r.series.id, r.sessions[4].starts_at, "Fin du module");
    CHECK(cancelled.size() == 2);
    std::vector<SessionStatus> statuses;
    for (const auto& s : w.engine->list_sessions(student(0), course, SessionFilter::all)) statuses.push_back(s.status);
    using S = SessionStatus;
    CHECK(statuses == std::vector<S>{S::scheduled, S::cancelled, S::scheduled, S::scheduled, S::cancelled, S::cancelled});
    CHECK(error_of([&] { e.cancel_series(instructor, "424242", w.clock->now(), ""); }).code() == ErrorCode::not_found);
}

TEST_CASE("calendar: events query by range, course membership and status", "[engine][calendar]") {
    World w(1);
    auto& e = *w.engine;
    e.enroll("other-course", "prof2", Role::instructor);
    auto mine = w.scheduled();
    SessionDraft other = w.draft();
    e.create_session(Actor{"prof2", "", "", ""}, "other-course", other);
    auto far = w.draft();
    far.starts_at += std::chrono::days(40);
    far.ends_at += std::chrono::days(40);
    e.create_session(instructor, course, far);

    auto events = e.calendar_events(student(0), {w.clock->now(), w.clock->now() + std::chrono::days(7), {}});
    REQUIRE(events.size() == 1);
    CHECK(events[0].session.id == mine.id);
    CHECK(e.calendar_events(student(0), {w.clock->now(), w.clock->now() + std::chrono::days(60), {}}).size() == 2);
    CHECK(e.calendar_events(outsider, {w.clock->now(), w.clock->now() + std::chrono::days(60), {}}).empty());
    CHECK(e.calendar_events(student(0), {w.clock->now(), w.clock->now() + std::chrono::days(60), SessionStatus::live})
              .empty());
    // [start, end) is half-open: a session ending exactly at `start` is not in it.
    CHECK(e.calendar_events(student(0), {mine.ends_at, mine.ends_at + 1h, {}}).empty());
    CHECK(error_of([&] { e.calendar_events(student(0), {w.clock->now(), w.clock->now(), {}}); }).field() == "end");
}

TEST_CASE("calendar: the feed parses in python icalendar and follows every change", "[engine][calendar][ical]") {
    World w(1);
    auto& e = *w.engine;
    auto d = w.draft();
    d.title = "Révision; avant l'examen, partie \\1";
    d.description = "Line one\r\nSUMMARY:injected\nLine three";
    d.room_password = true;
    auto s = e.create_session(instructor, course, d);
    REQUIRE(s.room_password);
    auto uid = "session-" + s.id + "@livecourse";

    auto token = e.feed_token(student(0).user_id);
    auto feed = e.ical_feed_by_token(token);
    CHECK(feed.find(*s.room_password) == std::string::npos);
    CHECK(feed.find("\r\nSUMMARY:injected") == std::string::npos);
    TempDir dir;
    auto parsed = parse_with_icalendar(dir, feed);
    CHECK(parsed.at("errors").as_array().empty());
    auto ev = event_with_uid(parsed, uid);
    CHECK(ev.at("summary").as_string() == d.title);
    CHECK(ev.at("dtstart").as_string() == format_rfc3339(s.starts_at));
    CHECK(ev.at("sequence").as_int64() == 0);
    CHECK(ev.at("status").as_string() == "CONFIRMED");

    SessionPatch move;
    move.starts_at = s.starts_at + 2h;
    move.ends_at = s.ends_at + 2h;
    e.update_session(instructor, s.id, move);
    ev = event_with_uid(parse_with_icalendar(dir, e.ical_feed(student(0).user_id)), uid);
    CHECK(ev.at("sequence").as_int64() == 1);
    CHECK(ev.at("dtstart").as_string() == format_rfc3339(s.starts_at + 2h));

    e.cancel_session(instructor, s.id, "Salle indisponible");
    ev = event_with_uid(parse_with_icalendar(dir, e.ical_feed(student(0).user_id)), uid);
    CHECK(ev.at("sequence").as_int64() == 2);
    CHECK(ev.at("status").as_string() == "CANCELLED");
    CHECK(std::string(ev.at("description").as_string()).find("Salle indisponible") != std::string::npos);
}

TEST_CASE("calendar: feed tokens are per user and revocable", "[engine][calendar]") {
    World w(2);
    auto& e = *w.engine;
    auto t0 = e.feed_token(student(0).user_id);
    CHECK(e.feed_token(student(0).user_id) == t0);  // stable until rotated
    CHECK(e.feed_token(student(1).user_id) != t0);
    CHECK_NOTHROW(e.ical_feed_by_token(t0));
    auto t1 = e.rotate_feed_token(student(0).user_id);
    CHECK(t1 != t0);
    CHECK(error_of([&] { e.ical_feed_by_token(t0); }).code() == ErrorCode::unauthenticated);
    CHECK_NOTHROW(e.ical_feed_by_token(t1));
    auto tampered = t1;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    CHECK(error_of([&] { e.ical_feed_by_token(tampered); }).code() == ErrorCode::unauthenticated);
    CHECK(error_of([&] { e.ical_feed_by_token("garbage"); }).code() == ErrorCode::unauthenticated);
    // Another user's id with this user's signature is refused.
    auto forged = t1.substr(0, 0) + "c3R1LTE" + t1.substr(t1.find('.'));
    CHECK(error_of([&] { e.ical_feed_by_token(forged); }).code() == ErrorCode::unauthenticated);
}
