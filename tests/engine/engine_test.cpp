#include "support/fixtures.hpp"
#include "support/spawn.hpp"

#include <livecourse/status_machine.hpp>

#include <sqlite3.h>

#include <thread>

using namespace lc_test;

TEST_CASE("the seed's Q&A use case, end to end", "[engine][usecase]") {
    World w(3);
    auto& e = *w.engine;
    auto s = w.scheduled();
    CHECK(s.status == SessionStatus::scheduled);
    CHECK(s.revision == 1);
    CHECK_FALSE(s.jitsi_room_name.empty());
    CHECK(s.jitsi_server_url == "https://meet.jit.si");

    // Students see it listed and in their calendar.
    CHECK(e.list_sessions(student(0), course, SessionFilter::upcoming).size() == 1);
    auto events = e.calendar_events(student(1), {w.clock->now(), w.clock->now() + 24h, {}});
    REQUIRE(events.size() == 1);
    CHECK(events[0].join_url == "/courses/course-1/live-sessions/" + s.id + "/join");

    w.clock->set(s.starts_at + 2min);
    s = e.start_session(instructor, s.id);
    CHECK(s.status == SessionStatus::live);
    CHECK(s.actual_start_at == s.starts_at + 2min);
    CHECK(s.revision == 2);

    auto host = e.join(instructor, s.id);
    CHECK(host.jitsi_join_url.find(s.jitsi_room_name) != std::string::npos);
    for (int i = 0; i < 3; ++i) e.join(student(i), s.id);
    auto tok = e.token(student(0), s.id);
    CHECK_FALSE(tok.jwt);  // public meet.jit.si issues no token
    CHECK(tok.expires_at > w.clock->now());

    auto q = e.post_chat(student(0), s.id, ChatType::question, "Qui nomme le conseil ?", std::nullopt);
    auto a = e.post_chat(instructor, s.id, ChatType::answer, "L'assemblée générale.", q.id);
    CHECK(a.reply_to == q.id);

    w.clock->advance(10min);
    CHECK(e.leave(student(2), s.id));
    w.clock->advance(50min);
    auto end = e.end_session(instructor, s.id, "https://rec.example.edu/1.mp4");
    CHECK(end.session.status == SessionStatus::ended);
    CHECK(end.session.actual_end_at == s.starts_at + 62min);
    CHECK(end.session.recording_url == "https://rec.example.edu/1.mp4");
    const auto& st = end.statistics;
    CHECK(st.actual_duration_seconds == 3600);
    CHECK(st.participants_count == 4);
    CHECK(st.students_count == 3);
    CHECK(st.enrolled_count == 3);
    CHECK(st.attendance_rate == Approx(1.0));
    CHECK(st.median_presence_seconds == Approx(3600));
    CHECK(st.average_presence_seconds == Approx((3600 * 3 + 600) / 4.0));
    CHECK(st.peak_concurrent == 4);
    CHECK(st.recording_url == "https://rec.example.edu/1.mp4");
    CHECK(e.list_sessions(student(0), course, SessionFilter::past).size() == 1);
    auto rows = e.attendance(moderator, s.id);
    REQUIRE(rows.size() == 4);
}

TEST_CASE("engine: every state x action through the engine obeys the table", "[engine][status]") {
    auto action_names = {SessionAction::edit, SessionAction::start, SessionAction::end, SessionAction::cancel,
                         SessionAction::join};
    for (auto from : all_session_statuses) {
        for (auto action : action_names) {
            World w(1);
            auto& e = *w.engine;
            auto s = w.scheduled();
            w.clock->set(s.starts_at);
            if (from == SessionStatus::live || from == SessionStatus::ended) s = e.start_session(instructor, s.id);
            if (from == SessionStatus::ended) s = e.end_session(instructor, s.id).session;
            if (from == SessionStatus::cancelled) s = e.cancel_session(instructor, s.id, "ill");
            REQUIRE(s.status == from);
            INFO(to_string(from) << " x " << to_string(action));
            bool allowed = next_status(from, action).has_value();
            auto act = [&] {
                switch (action) {
                case SessionAction::edit: {
                    SessionPatch p;
                    p.title = "new";
                    e.update_session(instructor, s.id, p);
                    break;
                }
                case SessionAction::start: e.start_session(instructor, s.id); break;
                case SessionAction::end: e.end_session(instructor, s.id); break;
                case SessionAction::cancel: e.cancel_session(instructor, s.id, ""); break;
                default: e.join(student(0), s.id); break;
                }
            };
            if (allowed) {
                CHECK_NOTHROW(act());
            } else {
                auto err = error_of(act);
                // Status refusals of joining are access refusals (403); of a
                // transition, conflicts (409). Both name the status.
                CHECK((err.code() == (action == SessionAction::join ? ErrorCode::forbidden : ErrorCode::conflict)));
                CHECK_FALSE(err.reason().empty());
                CHECK(e.get_session(instructor, s.id).revision == s.revision);  // nothing written
            }
        }
    }
}

TEST_CASE("engine: access checks carry stable reasons", "[engine][access]") {
    World w(2);
    auto& e = *w.engine;
    auto s = w.scheduled(1);
    CHECK(error_of([&] { e.create_session(student(0), course, w.draft()); }).reason() == "forbidden");
    CHECK(error_of([&] { e.create_session(outsider, course, w.draft()); }).reason() == "not_enrolled");
    CHECK(error_of([&] { e.start_session(student(0), s.id); }).reason() == "forbidden");
    CHECK(error_of([&] { e.get_session(outsider, s.id); }).reason() == "not_enrolled");
    CHECK(error_of([&] { e.join(student(0), s.id); }).reason() == "not_live");
    CHECK(error_of([&] { e.join(Actor{}, s.id); }).code() == ErrorCode::unauthenticated);
    CHECK(error_of([&] { e.get_session(student(0), "12345"); }).code() == ErrorCode::not_found);
    CHECK(error_of([&] { e.get_session(student(0), "x' OR 1=1 --"); }).code() == ErrorCode::not_found);
    w.clock->set(s.starts_at);
    e.start_session(moderator, s.id);
    CHECK(error_of([&] { e.join(outsider, s.id); }).reason() == "not_enrolled");
    CHECK(e.attendance(moderator, s.id).empty());  // the refused join left nothing
    CHECK(error_of([&] { e.token(student(0), s.id); }).reason() == "not_participant");
    CHECK(error_of([&] { e.post_chat(student(0), s.id, ChatType::text, "hi", std::nullopt); }).reason() ==
          "not_participant");
    e.join(student(0), s.id);
    auto full = error_of([&] { e.join(student(1), s.id); });
    CHECK(full.code() == ErrorCode::session_full);
    CHECK(full.reason() == "session_full");
    CHECK_NOTHROW(e.join(instructor, s.id));  // staff never count against the limit
    CHECK_NOTHROW(e.join(moderator, s.id));
    CHECK(e.join(student(0), s.id).rejoined);  // a second tab keeps the seat
    CHECK(error_of([&] { e.attendance(student(0), s.id); }).reason() == "forbidden");
    e.end_session(instructor, s.id);
    CHECK(error_of([&] { e.join(student(0), s.id); }).reason() == "session_ended");
    auto c = w.scheduled();
    e.cancel_session(instructor, c.id, "sick");
    CHECK(error_of([&] { e.join(student(0), c.id); }).reason() == "session_cancelled");
    CHECK(e.get_session(student(0), c.id).cancel_reason == "sick");
}

TEST_CASE("engine: every invalid input is refused naming its field, and nothing is written", "[engine][validation]") {
    World w(1);
    auto& e = *w.engine;
    auto check = [&](std::string field, auto mutate) {
        auto d = w.draft();
        mutate(d);
        auto err = error_of([&] { e.create_session(instructor, course, d); });
        CHECK(err.code() == ErrorCode::invalid_argument);
        CHECK(err.field() == field);
        CHECK(e.list_sessions(instructor, course, SessionFilter::all).empty());
    };
    check("title", [](SessionDraft& d) { d.title = ""; });
    check("title", [](SessionDraft& d) { d.title = "   "; });
    check("title", [](SessionDraft& d) { d.title = std::string(201, 'x'); });
    check("title", [](SessionDraft& d) { d.title = "bad \xff utf8"; });
    check("title", [](SessionDraft& d) { d.title = "over\xc0\xaflong"; });
    check("title", [](SessionDraft& d) { d.title = "line\r\nbreak"; });
    check("title", [](SessionDraft& d) { d.title = std::string("nul\0byte", 8); });
    check("description", [](SessionDraft& d) { d.description = std::string(10001, 'x'); });
    check("ends_at", [](SessionDraft& d) { d.ends_at = d.starts_at; });
    check("ends_at", [](SessionDraft& d) { d.ends_at = d.starts_at + 25h; });
    check("starts_at", [](SessionDraft& d) { d.starts_at = Instant(Seconds(0)); });
    check("timezone", [](SessionDraft& d) { d.timezone = "Mars/Olympus"; });
    check("max_participants", [](SessionDraft& d) { d.max_participants = 0; });
    check("max_participants", [](SessionDraft& d) { d.max_participants = -5; });
    check("max_participants", [](SessionDraft& d) { d.max_participants = 1'000'000; });
    auto bad_course = error_of([&] { e.create_session(instructor, "", w.draft()); });
    CHECK(bad_course.field() == "course_id");

    auto s = w.scheduled();
    SessionPatch p;
    p.ends_at = s.starts_at - 1h;
    CHECK(error_of([&] { e.update_session(instructor, s.id, p); }).field() == "ends_at");
    CHECK(e.get_session(instructor, s.id).revision == 1);
    w.clock->set(s.starts_at);
    e.start_session(instructor, s.id);
    CHECK(error_of([&] { e.end_session(instructor, s.id, "ftp://x"); }).field() == "recording_url");
    CHECK(e.get_session(instructor, s.id).status == SessionStatus::live);
    e.join(student(0), s.id);
    CHECK(error_of([&] { e.post_chat(student(0), s.id, ChatType::text, "", std::nullopt); }).field() == "body");
    CHECK(error_of([&] { e.post_chat(student(0), s.id, ChatType::answer, "x", std::nullopt); }).field() ==
          "reply_to");
    CHECK(error_of([&] { e.post_chat(student(0), s.id, ChatType::text, "x", "1"); }).field() == "reply_to");
    CHECK(error_of([&] { e.list_chat(student(0), s.id, std::nullopt, 0); }).field() == "limit");
}

TEST_CASE("engine: edits while scheduled bump the revision, optimistic edits detect races", "[engine]") {
    World w(1);
    auto& e = *w.engine;
    auto s = w.scheduled();
    SessionPatch p;
    p.title = "Moved";
    p.starts_at = s.starts_at + 24h;
    p.ends_at = s.ends_at + 24h;
    auto moved = e.update_session(instructor, s.id, p);
    CHECK(moved.revision == 2);
    CHECK(moved.starts_at == s.starts_at + 24h);
    SessionPatch stale;
    stale.title = "stale";
    stale.expected_revision = 1;
    CHECK(error_of([&] { e.update_session(instructor, s.id, stale); }).reason() == "revision_mismatch");
}

TEST_CASE("engine: attendance edge cases", "[engine][attendance]") {
    World w(3);
    auto& e = *w.engine;
    auto s = w.live();
    CHECK_FALSE(e.leave(student(0), s.id));  // leave before join: ignored and reported
    e.join(student(0), s.id);
    e.join(student(0), s.id);  // second tab
    w.clock->advance(10min);
    CHECK(e.leave(student(0), s.id));
    e.join(student(1), s.id);  // never leaves
    w.clock->advance(10min);
    CHECK(e.leave(student(0), s.id));
    w.clock->advance(10min);
    auto live_rows = e.attendance(instructor, s.id);
    REQUIRE(live_rows.size() == 2);
    CHECK(live_rows[1].is_present);
    auto end = e.end_session(instructor, s.id);
    auto rows = e.attendance(instructor, s.id);
    CHECK(rows[0].user_id == "stu-0");
    CHECK(rows[0].present_seconds == 1200);  // two tabs overlapping count once
    CHECK(rows[0].joins == 2);
    CHECK(rows[1].present_seconds == 1200);  // closed by end
    CHECK_FALSE(rows[1].is_present);
    CHECK(error_of([&] { e.join(student(2), s.id); }).reason() == "session_ended");
    CHECK_FALSE(e.leave(student(1), s.id));
    CHECK(end.statistics.peak_concurrent == 2);
}

TEST_CASE("engine: a live session cancelled closes attendance", "[engine]") {
    World w(1);
    auto& e = *w.engine;
    auto s = w.live();
    e.join(student(0), s.id);
    w.clock->advance(5min);
    auto c = e.cancel_session(instructor, s.id, "network outage");
    CHECK(c.status == SessionStatus::cancelled);
    CHECK(c.actual_end_at == w.clock->now());
    CHECK(e.attendance(instructor, s.id)[0].present_seconds == 300);
}

TEST_CASE("engine: seat race with real threads admits exactly the capacity", "[engine][concurrency]") {
    World w(200);
    auto s = w.live(50);
    std::atomic<int> ok{0}, full{0}, other{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = t; i < 200; i += 8) {
                try {
                    w.engine->join(student(i), s.id);
                    ++ok;
                } catch (const Error& e) {
                    (e.reason() == "session_full" ? full : other)++;
                }
            }
        });
    for (auto& th : threads) th.join();
    CHECK(ok == 50);
    CHECK(full == 150);
    CHECK(other == 0);
    CHECK(w.engine->statistics(instructor, s.id).participants_count == 50);
}

TEST_CASE("engine: seat race with 4 real processes on one database file", "[engine][concurrency][processes]") {
    World w(400);
    auto s = w.live(50);
    std::vector<pid_t> pids;
    for (int p = 0; p < 4; ++p)
        pids.push_back(spawn_child("seat racer", {{"LC_RACE_DB", w.dir.file("livecourse.db")},
                                                  {"LC_RACE_SESSION", s.id},
                                                  {"LC_RACE_NOW", std::to_string(w.clock->now().time_since_epoch().count())},
                                                  {"LC_RACE_FIRST", std::to_string(p * 100)},
                                                  {"LC_RACE_COUNT", "100"},
                                                  {"LC_RACE_JOINS", "1"}}));
    for (auto pid : pids) CHECK(wait_exit_code(pid) == 0);
    auto rows = w.engine->attendance(instructor, s.id);
    CHECK(rows.size() == 50);
    for (const auto& r : rows) CHECK(r.joins == 1);
}

TEST_CASE("engine: the schema is created on an empty file and an existing file reopens", "[engine][store]") {
    TempDir dir;
    auto path = dir.file("reopen.db");
    std::string id;
    {
        EngineConfig c;
        c.database = path;
        Engine e(c);
        e.enroll(course, instructor.user_id, Role::instructor);
        SessionDraft d;
        d.title = "Persisted";
        d.starts_at = e.now() + 1h;
        d.ends_at = d.starts_at + 1h;
        id = e.create_session(instructor, course, d).id;
    }
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        CHECK(sqlite3_column_int(st, 0) >= 1);
        sqlite3_finalize(st);
        sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    EngineConfig c;
    c.database = path;
    Engine e(c);
    CHECK(e.get_session(instructor, id).title == "Persisted");

    // A database from a newer library is refused, not misread.
    {
        sqlite3* db = nullptr;
        sqlite3_open(path.c_str(), &db);
        sqlite3_exec(db, "PRAGMA user_version = 999", nullptr, nullptr, nullptr);
        sqlite3_close(db);
    }
    CHECK(error_of([&] { Engine newer(c); }).code() == ErrorCode::storage);
}

TEST_CASE("engine: chat pagination and ordering", "[engine][chat]") {
    World w(1);
    auto& e = *w.engine;
    auto s = w.live();
    e.join(student(0), s.id);
    for (int i = 0; i < 7; ++i) e.post_chat(student(0), s.id, ChatType::text, "m" + std::to_string(i), std::nullopt);
    std::vector<std::string> bodies;
    std::optional<std::string> cursor;
    do {
        auto page = e.list_chat(instructor, s.id, cursor, 3);
        for (auto& m : page.messages) bodies.push_back(m.body);
        cursor = page.next_cursor;
    } while (cursor);
    CHECK(bodies == std::vector<std::string>{"m0", "m1", "m2", "m3", "m4", "m5", "m6"});
}

TEST_CASE("engine: a session ended by another engine on the same database refuses joins at once",
          "[engine][concurrency]") {
    World w(3);
    auto s = w.live();
    w.engine->join(student(0), s.id);  // this engine now knows the session as live
    EngineConfig c;
    c.database = w.dir.file("livecourse.db");
    c.clock = w.clock;
    Engine other(c);  // another application server
    other.end_session(instructor, s.id);
    CHECK(error_of([&] { w.engine->join(student(1), s.id); }).reason() == "session_ended");
    CHECK(error_of([&] { w.engine->token(student(0), s.id); }).reason() == "session_ended");
    auto c2 = w.live();
    w.engine->join(student(0), c2.id);
    other.cancel_session(instructor, c2.id, "fire drill");
    CHECK(error_of([&] { w.engine->join(student(2), c2.id); }).reason() == "session_cancelled");
}
