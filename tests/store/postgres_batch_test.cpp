// Batched seat admission on PostgreSQL (postgres_admission.cpp, migration 4 of
// postgres_schema.hpp): admissions queued in one process go to the database
// as one statement, one transaction and one WAL flush for the group. These
// tests show that groups form under concurrency, that a request failing
// inside a group fails alone, that each request of a mixed group gets the
// outcome it would get alone, that seats stay exact across two stores (two
// servers) and 16 threads each, and that a database at the previous schema
// version migrates.
#include "support/fixtures.hpp"
#include "support/postgres.hpp"
#include "support/stores.hpp"
#include "store/postgres/postgres_schema.hpp"
#include "store/postgres/postgres_store.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace lc_test;

namespace {

int count(const std::string& uri, const std::string& sql) { return std::stoi(postgres::query(uri, sql)); }

pg::AdmissionCounters counters_of(const Store& store) {
    auto c = pg::admission_counters(store);
    REQUIRE(c);
    return *c;
}

Session live_session(Store& store, const std::string& course_id, int seats, const std::string& suffix = "") {
    auto s = new_session(store, course_id, t0(), suffix);
    s.max_participants = seats;
    s.status = SessionStatus::live;
    store.insert_session(s, NotificationPlan{});
    return s;
}

// Another client holding a session row locked, as a long transaction would:
// admissions to that session queue behind it until release().
class RowLock {
public:
    RowLock(const std::string& uri, const std::string& session_id) : c_(PQconnectdb(uri.c_str())) {
        REQUIRE(PQstatus(c_) == CONNECTION_OK);
        exec("BEGIN");
        exec("SELECT 1 FROM sessions WHERE id = " + session_id + " FOR UPDATE");
    }
    ~RowLock() {
        release();
        PQfinish(c_);
    }
    void release() {
        if (open_) exec("ROLLBACK");
        open_ = false;
    }

private:
    void exec(const std::string& sql) {
        PGresult* r = PQexec(c_, sql.c_str());
        auto st = PQresultStatus(r);
        PQclear(r);
        REQUIRE((st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK));
    }
    PGconn* c_;
    bool open_ = true;
};

// Waits until `n` backends wait for a lock (at most 10 s).
void wait_for_lock_waiters(const std::string& uri, int n) {
    auto until = std::chrono::steady_clock::now() + 10s;
    while (count(uri, "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") < n) {
        REQUIRE(std::chrono::steady_clock::now() < until);
        std::this_thread::sleep_for(5ms);
    }
}

}  // namespace

TEST_CASE("postgres: concurrent admissions to one session share batch statements", "[postgres][batch]") {
    auto uri = postgres::fresh_database();
    auto store = open_store(uri);
    auto s = live_session(*store, "c", 1000);
    const int threads = 16, each = 20;
    std::atomic<int> admitted{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
        ts.emplace_back([&, t] {
            for (int i = 0; i < each; ++i)
                if (store->admit({s.id, fmt::format("u{}-{}", t, i), Role::student, {}, t0()}).outcome ==
                    AdmitOutcome::admitted)
                    ++admitted;
        });
    for (auto& th : ts) th.join();
    REQUIRE(admitted == threads * each);
    auto c = counters_of(*store);
    INFO("groups " << c.groups << ", statements " << c.statements << ", admissions " << c.admissions);
    CHECK(c.admissions == std::uint64_t(threads * each));
    CHECK(c.retried_alone == 0);
    CHECK(c.statements == c.groups);
    CHECK(c.statements < c.admissions);
    // The database's own account: rows written by one transaction share its
    // id (xmin), so fewer transactions than participants wrote them.
    int transactions = count(uri, "SELECT COUNT(DISTINCT xmin::text) FROM participants WHERE session_id = " + s.id);
    INFO("transactions " << transactions);
    CHECK(transactions < threads * each);
    CHECK(transactions == count(uri, "SELECT COUNT(DISTINCT xmin::text) FROM presence WHERE session_id = " + s.id));
    CHECK(count(uri, "SELECT seats_taken FROM sessions WHERE id = " + s.id) == threads * each);
}

TEST_CASE("postgres: a request that fails inside a batch fails alone", "[postgres][batch]") {
    auto uri = postgres::fresh_database();
    auto store = open_store(uri);
    auto s = live_session(*store, "c", 100);
    RowLock lock(uri, s.id);

    // The first admission waits on the row lock inside its own statement;
    // everything after it queues in the process and goes as one batch.
    std::thread first([&] { CHECK(store->admit({s.id, "first", Role::student, {}, t0()}).outcome == AdmitOutcome::admitted); });
    wait_for_lock_waiters(uri, 1);
    std::atomic<int> admitted{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 10; ++i)
        ts.emplace_back([&, i] {
            if (store->admit({s.id, fmt::format("u{}", i), Role::student, {}, t0()}).outcome == AdmitOutcome::admitted)
                ++admitted;
        });
    // A time PostgreSQL cannot represent: its statement fails.
    std::optional<Error> bad;
    std::thread failing([&] {
        bad = error_of([&] { store->admit({s.id, "bad", Role::student, {}, Instant(Seconds(1'000'000'000'000'000))}); });
    });
    std::this_thread::sleep_for(300ms);
    lock.release();
    first.join();
    failing.join();
    for (auto& th : ts) th.join();

    CHECK(admitted == 10);
    REQUIRE(bad);
    CHECK(bad->code() == ErrorCode::storage);
    CHECK(std::string(bad->what()).find("admit a participant") != std::string::npos);
    auto c = counters_of(*store);
    INFO("groups " << c.groups << ", statements " << c.statements << ", retried alone " << c.retried_alone);
    // The batch holding the bad request failed, and its requests (the bad
    // one and at least one other) were retried one by one.
    CHECK(c.retried_alone >= 2);
    CHECK(c.admissions == 12);
    CHECK(count(uri, "SELECT COUNT(*) FROM participants WHERE session_id = " + s.id) == 11);
    CHECK(count(uri, "SELECT COUNT(*) FROM participants WHERE user_id = 'bad'") == 0);
    CHECK(count(uri, "SELECT seats_taken FROM sessions WHERE id = " + s.id) == 11);
    CHECK(count(uri, "SELECT COUNT(*) FROM presence WHERE session_id = " + s.id) == 11);
}

TEST_CASE("postgres: each request of a mixed batch gets the outcome it gets alone", "[postgres][batch]") {
    auto uri = postgres::fresh_database();
    auto store = open_store(uri);
    store->set_enrollment("c", "enrolled", Role::student, after_every_session());
    store->set_enrollment("c", "helper", Role::moderator, after_every_session());
    store->set_enrollment("c", "late", Role::student, after_every_session());
    auto s = live_session(*store, "c", 2);
    auto scheduled = new_session(*store, "c", t0(), "-scheduled");
    store->insert_session(scheduled, NotificationPlan{});
    auto other = live_session(*store, "c", 5, "-other");
    CHECK(store->admit({s.id, "already", Role::student, {}, t0()}).outcome == AdmitOutcome::admitted);

    RowLock lock(uri, s.id);
    std::thread first([&] { store->admit({s.id, "already", Role::student, {}, t0()}); });
    wait_for_lock_waiters(uri, 1);
    struct Case {
        AdmitRequest q;
        AdmitOutcome outcome;
        Role role;
    };
    // Session ids are kept alive by the Session objects above.
    std::string missing = "999999";
    std::vector<Case> cases = {
        {{s.id, "enrolled", Role::none, "c", t0()}, AdmitOutcome::admitted, Role::student},
        {{s.id, "stranger", Role::none, "c", t0()}, AdmitOutcome::not_member, Role::none},
        // The roster is read first, as alone: a non-member of a session
        // that is not live is not_member.
        {{scheduled.id, "stranger", Role::none, "c", t0()}, AdmitOutcome::not_member, Role::none},
        {{scheduled.id, "enrolled", Role::none, "c", t0()}, AdmitOutcome::not_live, Role::student},
        {{missing, "enrolled", Role::student, "c", t0()}, AdmitOutcome::not_live, Role::student},
        {{s.id, "helper", Role::none, "c", t0()}, AdmitOutcome::admitted, Role::moderator},
        {{other.id, "prof", Role::instructor, {}, t0()}, AdmitOutcome::admitted, Role::instructor},
        {{other.id, "enrolled", Role::none, "c", t0()}, AdmitOutcome::admitted, Role::student},
    };
    std::vector<AdmitResult> results(cases.size());
    std::vector<std::thread> ts;
    for (std::size_t i = 0; i < cases.size(); ++i)
        ts.emplace_back([&, i] { results[i] = store->admit(cases[i].q); });
    std::this_thread::sleep_for(300ms);
    lock.release();
    first.join();
    for (auto& th : ts) th.join();
    for (std::size_t i = 0; i < cases.size(); ++i) {
        INFO("case " << i);
        CHECK(results[i].outcome == cases[i].outcome);
        CHECK(results[i].role == cases[i].role);
    }
    CHECK(results[3].status == SessionStatus::scheduled);
    CHECK(results[4].status == SessionStatus::scheduled);
    CHECK(results[4].seats_taken == 0);

    // The session with 2 seats: "already" and "enrolled" hold them (the
    // moderator takes none); the next student is refused.
    auto full = store->admit({s.id, "late", Role::none, "c", t0()});
    CHECK(full.outcome == AdmitOutcome::full);
    CHECK(full.seats_taken == 2);
    CHECK(full.role == Role::student);
    CHECK(count(uri, "SELECT seats_taken FROM sessions WHERE id = " + s.id) == 2);
    CHECK(count(uri, "SELECT seats_taken FROM sessions WHERE id = " + other.id) == 1);
    CHECK(count(uri, "SELECT COUNT(*) FROM participants WHERE session_id = " + scheduled.id) == 0);
    auto c = counters_of(*store);
    INFO("groups " << c.groups << ", admissions " << c.admissions);
    CHECK(c.groups < c.admissions);
}

TEST_CASE("postgres: two stores x 16 threads take exactly the seats of each session", "[postgres][batch][concurrency]") {
    auto uri = postgres::fresh_database();
    // Two stores on one database: two servers, each with its own batches.
    std::shared_ptr<Store> stores[2] = {open_store(uri), open_store(uri)};
    const int per_thread = 24;
    for (int round = 0; round < 3; ++round) {
        const std::string course_id = fmt::format("c{}", round);
        std::vector<Session> sessions;
        const int seats[] = {30, 45, 60};
        for (int k = 0; k < 3; ++k)
            sessions.push_back(live_session(*stores[0], course_id, seats[k], fmt::format("-{}-{}", round, k)));
        // Half the threads give the role, half let the store read the roster.
        for (int t = 0; t < 32; ++t)
            for (int i = 0; i < per_thread; ++i)
                stores[1]->set_enrollment(course_id, fmt::format("u{}-{}", t, i), Role::student, after_every_session());
        std::atomic<int> admitted[3] = {0, 0, 0}, refused{0}, other{0};
        std::vector<std::thread> ts;
        for (int t = 0; t < 32; ++t)
            ts.emplace_back([&, t] {
                Store& store = *stores[t % 2];
                for (int i = 0; i < per_thread; ++i) {
                    int k = (t + i) % 3;
                    auto user = fmt::format("u{}-{}", t, i);
                    auto r = store.admit({sessions[k].id, user, t < 16 ? Role::student : Role::none, course_id, t0()});
                    if (r.outcome == AdmitOutcome::admitted) ++admitted[k];
                    else if (r.outcome == AdmitOutcome::full) ++refused;
                    else ++other;
                }
            });
        for (auto& th : ts) th.join();
        INFO("round " << round);
        CHECK(other == 0);
        for (int k = 0; k < 3; ++k) {
            CHECK(admitted[k] == seats[k]);
            CHECK(count(uri, "SELECT seats_taken FROM sessions WHERE id = " + sessions[k].id) == seats[k]);
            CHECK(count(uri, "SELECT COUNT(*) FROM participants WHERE session_id = " + sessions[k].id) == seats[k]);
            CHECK(count(uri, "SELECT COUNT(*) FROM presence WHERE session_id = " + sessions[k].id) == seats[k]);
        }
        CHECK(refused == 32 * per_thread - (30 + 45 + 60));
    }
    for (auto& store : stores) {
        auto c = counters_of(*store);
        INFO("groups " << c.groups << ", admissions " << c.admissions);
        CHECK(c.admissions == std::uint64_t(3 * 16 * per_thread));
        CHECK(c.groups < c.admissions);
    }
}

TEST_CASE("postgres: a database at the previous schema version migrates to batched admission", "[postgres][batch]") {
    auto uri = postgres::fresh_database();
    const int previous = 3;  // migration 4 added livecourse_admit_batch()
    REQUIRE(previous < pg::schema_version);
    {
        // The schema as a store of the previous version left it, with a
        // session admitted through the previous admission function.
        std::string sql = "BEGIN; CREATE TABLE livecourse_schema (version integer PRIMARY KEY, applied_at timestamptz "
                          "NOT NULL DEFAULT now());";
        for (int v = 0; v < previous; ++v)
            sql += std::string(pg::migrations[v]) + fmt::format(";INSERT INTO livecourse_schema (version) VALUES ({});", v + 1);
        sql += "INSERT INTO sessions (id, course_id, instructor_id, title, description, starts_at, ends_at, timezone, "
               "max_participants, recording_enabled, room_name, server_url, status, revision, created_at, updated_at) "
               "VALUES (1, 'c', 'prof', 't', '', now(), now() + interval '1 hour', 'UTC', 3, false, 'room-1', "
               "'https://meet.jit.si', 'live', 1, now(), now());"
               "SELECT setval(pg_get_serial_sequence('sessions', 'id'), 1);"
               "SELECT * FROM livecourse_admit(1, 'old', 'student', true, now()); COMMIT;";
        postgres::query(uri, sql);
        REQUIRE(count(uri, "SELECT MAX(version) FROM livecourse_schema") == previous);
        REQUIRE(count(uri, "SELECT COUNT(*) FROM pg_proc WHERE proname = 'livecourse_admit_batch'") == 0);
    }
    auto store = open_store(uri);
    CHECK(count(uri, "SELECT MAX(version) FROM livecourse_schema") == pg::schema_version);
    CHECK(count(uri, "SELECT COUNT(*) FROM pg_proc WHERE proname = 'livecourse_admit_batch'") == 1);
    auto r = store->admit({"1", "new", Role::student, {}, t0()});
    CHECK(r.outcome == AdmitOutcome::admitted);
    CHECK(r.seats_taken == 2);
    CHECK(store->admit({"1", "old", Role::student, {}, t0()}).outcome == AdmitOutcome::rejoined);
    // A server still on the previous version, during a rolling upgrade, keeps
    // admitting through the previous function, on the same seats.
    CHECK(postgres::query(uri, "SELECT out_outcome FROM livecourse_admit(1, 'older', 'student', true, now())") ==
          "admitted");
    CHECK(store->admit({"1", "newer", Role::student, {}, t0()}).outcome == AdmitOutcome::full);
    CHECK(count(uri, "SELECT seats_taken FROM sessions WHERE id = 1") == 3);
    // Opening again finds the schema current.
    auto again = open_store(uri);
    CHECK(count(uri, "SELECT COUNT(*) FROM livecourse_schema") == pg::schema_version);
}
