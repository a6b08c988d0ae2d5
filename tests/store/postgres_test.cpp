// The PostgreSQL store beyond the conformance suite (which runs against it
// through support/stores.hpp): seat races across real processes through the
// Engine, concurrent migration, lost connections, an abrupt server stop in
// the middle of a join storm, timeouts, URIs and passwords.
//
// Each TEST_CASE gets this process's own throwaway server (support/postgres.hpp)
// and a fresh database. The seat race is repeated 20 times (each repetition
// is 800 joins from 8 processes; about half a second).
#include "support/fixtures.hpp"
#include "support/postgres.hpp"
#include "support/stores.hpp"
#include "store/postgres/postgres_schema.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace lc_test;

namespace {

int count(const std::string& uri, const std::string& sql) { return std::stoi(postgres::query(uri, sql)); }

// An engine on a fresh PostgreSQL database, with an enrolled course.
struct PgWorld {
    std::string uri = postgres::fresh_database();
    std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>(t0());
    std::unique_ptr<Engine> engine;

    explicit PgWorld(int students) {
        engine = std::make_unique<Engine>(config());
        engine->enroll(course, instructor.user_id, Role::instructor);
        for (int i = 0; i < students; ++i) engine->enroll(course, student(i).user_id, Role::student);
    }

    EngineConfig config() const {
        EngineConfig c;
        c.database = uri;
        c.clock = clock;
        c.calendar.feed_secret = std::string(32, 'f');
        return c;
    }

    Session live(int capacity) {
        SessionDraft d;
        d.title = "Q&A";
        d.starts_at = clock->now() + 1h;
        d.ends_at = d.starts_at + 1h;
        d.max_participants = capacity;
        auto s = engine->create_session(instructor, course, d);
        clock->set(s.starts_at);
        return engine->start_session(instructor, s.id);
    }
};

// `processes` forked processes, each with its own Engine on the database,
// each joining its own `per_process` students `joins_each` times. Exit code
// of a racer: 0 when every refusal was session_full, 3 on another error.
void race(const PgWorld& w, const Session& s, int processes, int per_process, int joins_each) {
    std::vector<pid_t> pids;
    for (int p = 0; p < processes; ++p) {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int code = 0;
            try {
                Engine engine(w.config());
                for (int k = 0; k < joins_each; ++k)
                    for (int i = 0; i < per_process; ++i) {
                        try {
                            engine.join(student(p * per_process + i), s.id);
                        } catch (const Error& e) {
                            if (e.reason() != "session_full" || e.code() != ErrorCode::session_full) code = 3;
                        }
                    }
            } catch (...) {
                code = 4;
            }
            ::_exit(code);
        }
        pids.push_back(pid);
    }
    for (auto pid : pids) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
}

// One scenario through the whole Engine, written down as a transcript of
// everything observable except random room names: SQLite and PostgreSQL must
// write the same transcript.
std::vector<std::string> scenario(Engine& e, ManualClock& clock) {
    std::vector<std::string> out;
    auto t = [](Instant i) { return std::to_string(i.time_since_epoch().count()); };
    auto line = [&](const Session& s) {
        out.push_back(s.id + " " + std::string(to_string(s.status)) + " r" + std::to_string(s.revision) + " " +
                      t(s.starts_at) + "-" + t(s.ends_at) + " " + s.title + " " + s.timezone + " cap" +
                      std::to_string(s.max_participants) + " start=" + (s.actual_start_at ? t(*s.actual_start_at) : "-") +
                      " end=" + (s.actual_end_at ? t(*s.actual_end_at) : "-") + " rec=" + s.recording_url.value_or("-") +
                      " why=" + s.cancel_reason.value_or("-") + " series=" + s.series_id.value_or("-"));
    };
    e.enroll(course, instructor.user_id, Role::instructor);
    e.enroll(course, moderator.user_id, Role::moderator);
    for (int i = 0; i < 6; ++i) e.enroll(course, student(i).user_id, Role::student);
    e.unenroll(course, student(5).user_id);

    SessionDraft d;
    d.title = "Gouvernance";
    d.description = "Q&A";
    d.starts_at = clock.now() + 1h;
    d.ends_at = d.starts_at + 1h;
    d.timezone = "Europe/Paris";
    d.max_participants = 3;
    auto a = e.create_session(instructor, course, d);
    line(a);
    SessionPatch patch;
    patch.title = "Gouvernance (2)";
    patch.expected_revision = a.revision;
    line(e.update_session(instructor, a.id, patch));
    auto b = e.create_session(instructor, course, d);
    line(e.cancel_session(instructor, b.id, "instructor ill"));

    SeriesDraft sd;
    sd.session.title = "Weekly";
    sd.session.max_participants = 10;
    sd.rule.timezone = "Europe/Paris";
    sd.rule.first_date = date::year{2026} / 3 / 20;
    sd.rule.start_time = std::chrono::hours(10);
    sd.rule.duration = std::chrono::minutes(90);
    sd.rule.weekdays = {date::Tuesday, date::Thursday};
    sd.rule.count = 5;
    auto series = e.create_series(instructor, course, sd);
    out.push_back("series " + series.series.id + " " + std::to_string(series.sessions.size()));
    for (auto& s : series.sessions) line(s);
    for (auto& s : e.cancel_series(instructor, series.series.id, series.sessions[2].starts_at, "holidays")) line(s);

    clock.set(a.starts_at);
    line(e.start_session(instructor, a.id));
    for (int i = 0; i < 5; ++i) {
        try {
            out.push_back("join " + std::to_string(i) + " " + std::to_string(e.join(student(i), a.id).rejoined));
        } catch (const Error& err) {
            out.push_back("join " + std::to_string(i) + " " + std::string(err.most_specific_code()));
        }
        clock.advance(1min);
    }
    e.join(moderator, a.id);
    e.join(student(0), a.id);  // a second tab
    clock.advance(10min);
    for (int i = 0; i < 3; ++i) out.push_back("leave " + std::to_string(e.leave(student(0), a.id)));
    auto q = e.post_chat(student(1), a.id, ChatType::question, "pourquoi ?", std::nullopt);
    e.post_chat(student(2), a.id, ChatType::text, "bonjour", std::nullopt);
    e.post_chat(instructor, a.id, ChatType::answer, "parce que", q.id);
    for (std::optional<std::string> cursor;;) {
        auto page = e.list_chat(student(1), a.id, cursor, 2);
        for (auto& m : page.messages)
            out.push_back("chat " + m.id + " " + m.user_id + " " + std::string(to_string(m.type)) + " " + m.body +
                          " re=" + m.reply_to.value_or("-") + " " + t(m.created_at));
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
    }
    clock.advance(20min);
    auto ended = e.end_session(instructor, a.id, "https://rec.example/1");
    line(ended.session);
    auto st = ended.statistics;
    out.push_back(fmt::format("stats {} {} {} {} {} {} {} {}", st.actual_duration_seconds, st.participants_count,
                              st.students_count, st.enrolled_count.value_or(-1), st.attendance_rate.value_or(-1),
                              st.average_presence_seconds, st.median_presence_seconds, st.peak_concurrent));
    for (auto& r : e.attendance(instructor, a.id))
        out.push_back(fmt::format("row {} {} {} {} {} {} {}", r.user_id, to_string(r.role), r.present_seconds, r.joins,
                                  r.first_join_at ? t(*r.first_join_at) : "-", r.last_leave_at ? t(*r.last_leave_at) : "-",
                                  r.is_present));
    for (auto f : {SessionFilter::all, SessionFilter::upcoming, SessionFilter::live, SessionFilter::past}) {
        std::string ids = "list";
        for (auto& s : e.list_sessions(student(0), course, f)) ids += " " + s.id;
        out.push_back(ids);
    }
    CalendarQuery cq{clock.now() - 48h, clock.now() + 60 * 24h, std::nullopt};
    for (auto& ev : e.calendar_events(student(0), cq)) out.push_back("cal " + ev.session.id);
    out.push_back("salt " + std::to_string(e.feed_token(student(0).user_id) == e.feed_token(student(0).user_id)));
    return out;
}

}  // namespace

TEST_CASE("postgres: the whole engine writes the same transcript on SQLite and PostgreSQL", "[postgres][engine]") {
    TempDir dir;
    auto run = [](const std::string& database) {
        auto clock = std::make_shared<ManualClock>(t0());
        EngineConfig c;
        c.database = database;
        c.clock = clock;
        c.calendar.feed_secret = std::string(32, 'f');
        Engine e(c);
        return scenario(e, *clock);
    };
    auto on_sqlite = run(dir.file("livecourse.db"));
    auto on_postgres = run(postgres::fresh_database());
    REQUIRE(on_sqlite.size() > 30);
    CHECK(on_sqlite == on_postgres);
}

TEST_CASE("postgres: 8 processes x 100 joiners take exactly 50 seats in each of 20 rounds",
          "[postgres][concurrency][processes]") {
    PgWorld w(800);
    for (int round = 0; round < 20; ++round) {
        INFO("round " << round);
        auto s = w.live(50);
        race(w, s, 8, 100, 1);
        CHECK(count(w.uri, "SELECT COUNT(*) FROM participants WHERE session_id = " + s.id) == 50);
        CHECK(count(w.uri, "SELECT seats_taken FROM sessions WHERE id = " + s.id) == 50);
        CHECK(count(w.uri, "SELECT COUNT(*) FROM presence WHERE session_id = " + s.id) == 50);
    }
}

TEST_CASE("postgres: a rejoin storm keeps exactly one seat per admitted student",
          "[postgres][concurrency][processes]") {
    PgWorld w(800);
    auto s = w.live(50);
    race(w, s, 8, 100, 3);
    CHECK(count(w.uri, "SELECT COUNT(*) FROM participants WHERE session_id = " + s.id) == 50);
    CHECK(count(w.uri, "SELECT seats_taken FROM sessions WHERE id = " + s.id) == 50);
    // Every admitted student has three connections (one per pass); nobody else has any.
    CHECK(count(w.uri, "SELECT COUNT(*) FROM presence WHERE session_id = " + s.id) == 150);
    CHECK(count(w.uri, "SELECT COUNT(*) FROM presence p WHERE session_id = " + s.id +
                           " AND NOT EXISTS (SELECT 1 FROM participants q WHERE q.session_id = p.session_id AND "
                           "q.user_id = p.user_id)") == 0);
}

TEST_CASE("postgres: three engines opening an empty database at once migrate it once",
          "[postgres][concurrency][processes]") {
    for (int round = 0; round < 3; ++round) {
        auto uri = postgres::fresh_database();
        // Three processes (as three servers would be) released at one instant.
        auto go = std::chrono::steady_clock::now() + 300ms;
        std::vector<pid_t> pids;
        for (int p = 0; p < 3; ++p) {
            pid_t pid = ::fork();
            REQUIRE(pid >= 0);
            if (pid == 0) {
                int code = 0;
                try {
                    std::this_thread::sleep_until(go);
                    EngineConfig c;
                    c.database = uri;
                    Engine engine(c);
                    engine.enroll("c", "u" + std::to_string(p), Role::student);
                } catch (...) {
                    code = 4;
                }
                ::_exit(code);
            }
            pids.push_back(pid);
        }
        for (auto pid : pids) {
            int status = 0;
            ::waitpid(pid, &status, 0);
            CHECK(WIFEXITED(status));
            CHECK(WEXITSTATUS(status) == 0);
        }
        // One row per migration, each applied once.
        CHECK(count(uri, "SELECT COUNT(*) FROM livecourse_schema") == livecourse::pg::schema_version);
        CHECK(count(uri, "SELECT COUNT(*) FROM pg_proc WHERE proname = 'livecourse_admit'") == 1);
        CHECK(count(uri, "SELECT COUNT(*) FROM enrollments") == 3);
    }
}

TEST_CASE("postgres: the server stopped in the middle of a join storm and restarted: the same engine goes on",
          "[postgres][faults]") {
    constexpr int students = 6000;
    PgWorld w(students);
    auto s = w.live(students);

    std::atomic<int> next{0}, acked{0}, storage_errors{0}, other_errors{0};
    std::atomic<bool> done{false};
    std::atomic<long long> slowest_failure_ms{0};
    std::mutex acked_mutex;
    std::vector<std::string> acked_users;
    std::vector<std::thread> joiners;
    for (int t = 0; t < 4; ++t)
        joiners.emplace_back([&] {
            // A student whose join failed tries again (as a client would), so
            // that a long outage on a loaded machine cannot use up the
            // students before the server is back.
            int i = next++;
            while (!done) {
                if (i >= students) return;
                auto started = std::chrono::steady_clock::now();
                try {
                    w.engine->join(student(i), s.id);
                    {
                        std::lock_guard lock(acked_mutex);
                        acked_users.push_back(student(i).user_id);
                    }
                    ++acked;
                    i = next++;
                } catch (const Error& e) {
                    (e.code() == ErrorCode::storage ? storage_errors : other_errors)++;
                    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                                    started)
                                  .count();
                    long long prev = slowest_failure_ms;
                    while (ms > prev && !slowest_failure_ms.compare_exchange_weak(prev, ms)) {
                    }
                    std::this_thread::sleep_for(2ms);
                }
            }
        });
    auto wait_for = [&](auto&& pred) {
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (!pred() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
        return pred();
    };

    REQUIRE(wait_for([&] { return acked >= 300; }));
    postgres::stop_server();
    // While it is down, calls fail fast with `storage`.
    int acked_at_stop = acked;
    REQUIRE(wait_for([&] { return storage_errors >= 20; }));
    std::this_thread::sleep_for(300ms);
    postgres::start_server();
    // ... and the same engine recovers by itself.
    REQUIRE(wait_for([&] { return acked >= acked_at_stop + 300; }));
    done = true;
    for (auto& t : joiners) t.join();

    CHECK(other_errors == 0);
    CHECK(storage_errors >= 20);
    CHECK(slowest_failure_ms < 2000);
    // Every acknowledged join is in the database, seat and presence included,
    // and nothing is half-written: counters agree with the rows.
    std::set<std::string> in_db;
    {
        PGconn* c = PQconnectdb(w.uri.c_str());
        REQUIRE(PQstatus(c) == CONNECTION_OK);
        PGresult* r = PQexec(c, ("SELECT user_id FROM participants WHERE session_id = " + s.id).c_str());
        REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
        for (int i = 0; i < PQntuples(r); ++i) in_db.insert(PQgetvalue(r, i, 0));
        PQclear(r);
        PQfinish(c);
    }
    int missing = 0;
    for (const auto& u : acked_users) missing += in_db.count(u) ? 0 : 1;
    CHECK(missing == 0);
    CHECK(in_db.size() >= acked_users.size());
    CHECK(count(w.uri, "SELECT seats_taken FROM sessions WHERE id = " + s.id) == static_cast<int>(in_db.size()));
    CHECK(count(w.uri, "SELECT COUNT(*) FROM participants p WHERE session_id = " + s.id +
                           " AND NOT EXISTS (SELECT 1 FROM presence q WHERE q.session_id = p.session_id AND "
                           "q.user_id = p.user_id)") == 0);
    CHECK(count(w.uri, "SELECT COUNT(*) FROM presence WHERE session_id = " + s.id) == static_cast<int>(in_db.size()));
    // And it goes on as before.
    CHECK_FALSE(w.engine->join(student(students - 1), s.id).jitsi_join_url.empty());
}

TEST_CASE("postgres: a connection the server closed is replaced without an error", "[postgres][faults]") {
    auto uri = postgres::fresh_database();
    auto store = open_postgres_store({uri, 4, 5000});
    store->set_enrollment("c", "u", Role::student, after_every_session());
    // Kill every connection of the store, and wait until they are gone.
    postgres::query(uri, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
                         "'livecourse' AND pid <> pg_backend_pid()");
    for (int i = 0; i < 500; ++i) {
        if (count(uri, "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'livecourse'") == 0) break;
        std::this_thread::sleep_for(10ms);
    }
    CHECK(store->enrollment_role("c", "u") == Role::student);
    CHECK(count(uri, "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'livecourse'") >= 1);
}

TEST_CASE("postgres: a statement waiting on a lock times out with `storage`", "[postgres][faults]") {
    auto uri = postgres::fresh_database();
    auto store = open_store(uri + "&statement_timeout_ms=300&pool_size=2");
    auto s = new_session(*store, "c", t0());
    s.max_participants = 5;
    s.status = SessionStatus::live;
    store->insert_session(s, NotificationPlan{});

    // Another client holds the session row locked.
    PGconn* holder = PQconnectdb(uri.c_str());
    REQUIRE(PQstatus(holder) == CONNECTION_OK);
    PQclear(PQexec(holder, "BEGIN"));
    PGresult* r = PQexec(holder, ("SELECT 1 FROM sessions WHERE id = " + s.id + " FOR UPDATE").c_str());
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);

    auto started = std::chrono::steady_clock::now();
    auto e = error_of([&] { store->admit({s.id, "u1", Role::student, {}, t0()}); });
    auto waited = std::chrono::steady_clock::now() - started;
    CHECK(e.code() == ErrorCode::storage);
    CHECK(std::string(e.what()).find("timed out") != std::string::npos);
    CHECK(waited >= 250ms);
    CHECK(waited < 3s);

    PQclear(PQexec(holder, "ROLLBACK"));
    PQfinish(holder);
    CHECK(store->admit({s.id, "u1", Role::student, {}, t0()}).outcome == AdmitOutcome::admitted);
}

TEST_CASE("postgres: a small pool serves many threads exactly", "[postgres][concurrency]") {
    auto uri = postgres::fresh_database();
    auto store = open_postgres_store({uri, 2, 5000});
    auto s = new_session(*store, "c", t0());
    s.max_participants = 40;
    s.status = SessionStatus::live;
    store->insert_session(s, NotificationPlan{});
    std::atomic<int> admitted{0}, full{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 16; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                auto r = store->admit({s.id, "u" + std::to_string(t * 10 + i), Role::student, {}, t0()});
                (r.outcome == AdmitOutcome::admitted ? admitted : full)++;
            }
        });
    for (auto& th : threads) th.join();
    CHECK(admitted == 40);
    CHECK(full == 120);
    CHECK(count(uri, "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'livecourse'") <= 2);
}

TEST_CASE("postgres: URIs select the backend and their options stay out of libpq", "[postgres]") {
    auto uri = postgres::fresh_database();  // postgresql://postgres@/t_N?host=DIR
    // Both schemes, livecourse's own options taken from the query string.
    auto other = "postgres://" + uri.substr(std::string("postgresql://").size());
    CHECK_NOTHROW(open_store(uri + "&pool_size=3&statement_timeout_ms=1000")->allocate_session_id());
    CHECK_NOTHROW(open_store(other)->allocate_session_id());
    // A file path is still SQLite.
    TempDir dir;
    CHECK_NOTHROW(open_store(dir.file("x.db"))->allocate_session_id());
    CHECK(std::filesystem::exists(dir.file("x.db")));
}

TEST_CASE("postgres: bad options are invalid_argument and the password never appears in an error",
          "[postgres]") {
    auto uri = postgres::fresh_database();
    auto e = error_of([&] { open_store(uri + "&pool_size=0"); });
    CHECK(e.code() == ErrorCode::invalid_argument);
    CHECK(e.field() == "database");
    e = error_of([&] { open_store(uri + "&statement_timeout_ms=soon"); });
    CHECK(e.code() == ErrorCode::invalid_argument);

    const std::string secret = "Sup3r-S3cret-Pa55";
    // Nobody listens there: the connection fails, with the host in the message.
    auto dead = "postgresql://alice:" + secret + "@/db?host=/nonexistent-livecourse-dir";
    e = error_of([&] { open_store(dead); });
    CHECK(e.code() == ErrorCode::storage);
    CHECK(std::string(e.what()).find(secret) == std::string::npos);
    CHECK(std::string(e.what()).find("alice") != std::string::npos);
    e = error_of([&] { open_store("postgresql:///db?host=/nonexistent-livecourse-dir&password=" + secret); });
    CHECK(e.code() == ErrorCode::storage);
    CHECK(std::string(e.what()).find(secret) == std::string::npos);
    // Percent-encoded in the URI, and echoed back by the server in an error.
    auto encoded = "postgresql://postgres:Sup3r%2DS3cret%2DPa55@/" + secret + "?host=" + postgres::socket_dir();
    e = error_of([&] { open_store(encoded); });  // database "<secret>" does not exist
    CHECK(e.code() == ErrorCode::storage);
    CHECK(std::string(e.what()).find(secret) == std::string::npos);
}

TEST_CASE("postgres: ids of any form other than the store's name nothing", "[postgres]") {
    auto store = open_postgres_store({postgres::fresh_database()});
    for (auto id : {"", "0", "007", "-1", "1e3", "99999999999999999999", "12345678901234567890123", " 1", "1;",
                    "x'||'"}) {
        INFO(id);
        CHECK_FALSE(store->find_session(id));
        CHECK_FALSE(store->find_series(id));
        CHECK(store->participants(id).empty());
        CHECK(store->admit({id, "u", Role::student, {}, t0()}).outcome == AdmitOutcome::not_live);
        CHECK_FALSE(store->close_presence(id, "u", t0()));
    }
    CHECK_FALSE(store->find_session("999999999999999999"));  // well-formed, names nothing
}
