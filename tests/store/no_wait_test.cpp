// Calls that may not wait (livecourse/no_wait.hpp): under a NoWait, a call
// that would have to wait answers would_block at once and has changed
// nothing; a call that need not wait runs as usual; once it has written, the
// rest of the call may wait again.
#include "store/write_group.hpp"
#include "support/stores.hpp"

#include <livecourse/no_wait.hpp>

#include <SQLiteCpp/Database.h>

#include <thread>

using namespace lc_test;
using livecourse::store_detail::WriteGroup;

namespace {

// Another connection to the same file holds the write lock while it lives.
struct WriteLockHolder {
    SQLite::Database db;
    explicit WriteLockHolder(const std::string& file) : db(file, SQLite::OPEN_READWRITE) {
        db.exec("BEGIN IMMEDIATE");
    }
    void release() { db.exec("COMMIT"); }
};

WriteGroup::Transaction counting_transaction(SQLite::Database& db) {
    WriteGroup::Transaction t;
    t.begin = [&db] { db.exec("BEGIN IMMEDIATE"); };
    t.commit = [&db] { db.exec("COMMIT"); };
    t.rollback = [&db] {
        try {
            db.exec("ROLLBACK");
        } catch (...) {
        }
    };
    t.savepoint = [&db] { db.exec("SAVEPOINT op"); };
    t.release = [&db] { db.exec("RELEASE op"); };
    t.rollback_to = [&db] { db.exec("ROLLBACK TO op; RELEASE op"); };
    t.translate = [](std::exception_ptr e) { return e; };
    return t;
}

}  // namespace

TEST_CASE("no wait: a NoWait covers its thread, nests, and is cleared by a committed write", "[store][nowait]") {
    CHECK_FALSE(NoWait::active());
    {
        NoWait outer;
        CHECK(NoWait::active());
        {
            NoWait inner;
            CHECK(NoWait::active());
        }
        CHECK(NoWait::active());
        bool other_thread = true;
        std::thread([&] { other_thread = NoWait::active(); }).join();
        CHECK_FALSE(other_thread);
        NoWait::wrote();
        CHECK_FALSE(NoWait::active());
    }
    CHECK_FALSE(NoWait::active());
}

TEST_CASE("no wait: a writer busy in the group makes a NoWait writer fail at once with nothing run",
          "[store][nowait][groupcommit][concurrency]") {
    TempDir dir;
    SQLite::Database db{dir.file("group.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    WriteGroup group{counting_transaction(db)};

    std::atomic<bool> inside{false}, go_on{false};
    std::thread busy([&] {
        group.run([&] {
            inside = true;
            while (!go_on) std::this_thread::yield();
            db.exec("INSERT INTO t (id) VALUES (1)");
        });
    });
    while (!inside) std::this_thread::yield();
    bool ran = false;
    {
        NoWait no_wait;
        auto e = error_of([&] { group.run([&] { ran = true; }); });
        CHECK(e.code() == ErrorCode::would_block);
        CHECK(NoWait::active());  // nothing was written: the call still may not wait
    }
    CHECK_FALSE(ran);
    go_on = true;
    busy.join();

    // The group is idle now: the same call leads a group of its own at once.
    NoWait no_wait;
    group.run([&] { db.exec("INSERT INTO t (id) VALUES (2)"); });
    CHECK_FALSE(NoWait::active());
    CHECK(db.execAndGet("SELECT COUNT(*) FROM t").getInt() == 2);
    CHECK(group.counters().groups == 2);
}

TEST_CASE("no wait: a NoWait operation that fails is rolled back and still may not wait", "[store][nowait][groupcommit]") {
    TempDir dir;
    SQLite::Database db{dir.file("group.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
    WriteGroup group{counting_transaction(db)};
    NoWait no_wait;
    CHECK_THROWS_WITH(group.run([&] {
        db.exec("INSERT INTO t (id) VALUES (1)");
        throw std::runtime_error("refused");
    }), "refused");
    CHECK(NoWait::active());
    CHECK(db.execAndGet("SELECT COUNT(*) FROM t").getInt() == 0);
}

TEST_CASE("no wait: SQLite admission while another connection holds the write lock is would_block and writes nothing",
          "[store][nowait][sqlite]") {
    TempDir dir;
    auto file = dir.file("store.db");
    auto store = std::shared_ptr<Store>(open_sqlite_store({file}));
    auto s = new_session(*store, "c1", t0());
    s.status = SessionStatus::live;
    s.actual_start_at = t0();
    store->insert_session(s, NotificationPlan{});

    WriteLockHolder holder(file);
    {
        NoWait no_wait;
        auto e = error_of([&] { store->admit({s.id, "u1", Role::student, {}, t0()}); });
        CHECK(e.code() == ErrorCode::would_block);
        CHECK_THAT(e.what(), Catch::Contains("nothing was changed"));
        // Reads need no lock in WAL mode: they answer under a NoWait.
        CHECK(store->find_session(s.id));
        CHECK(store->participants(s.id).empty());
    }
    // Without a NoWait the same call waits for the lock and gets it.
    std::thread releaser([&] {
        std::this_thread::sleep_for(50ms);
        holder.release();
    });
    CHECK(store->admit({s.id, "u1", Role::student, {}, t0()}).outcome == AdmitOutcome::admitted);
    releaser.join();
    NoWait no_wait;
    CHECK(store->admit({s.id, "u2", Role::student, {}, t0()}).outcome == AdmitOutcome::admitted);
    CHECK_FALSE(NoWait::active());
    CHECK(store->participants(s.id).size() == 2);
    CHECK(store->presence(s.id).size() == 2);
}

TEST_CASE("no wait: the engine's join under a NoWait is would_block while the file is locked, then admits",
          "[store][nowait][engine]") {
    World w;
    auto s = w.live();
    {
        WriteLockHolder holder(w.dir.file("livecourse.db"));
        NoWait no_wait;
        CHECK(error_of([&] { w.engine->join(student(0), s.id); }).code() == ErrorCode::would_block);
        holder.release();
    }
    NoWait no_wait;
    auto joined = w.engine->join(student(0), s.id);
    CHECK_FALSE(joined.rejoined);  // the refused call took no seat
    CHECK(w.engine->statistics(instructor, s.id).students_count == 1);
}

TEST_CASE("no wait: every PostgreSQL call is would_block", "[store][nowait][postgres]") {
    auto backend = backends().at(1);
    TempDir dir;
    auto store = backend.open(dir);
    auto s = new_session(*store, "c1", t0());
    store->insert_session(s, NotificationPlan{});
    NoWait no_wait;
    CHECK(error_of([&] { store->find_session(s.id); }).code() == ErrorCode::would_block);
    CHECK(error_of([&] { store->admit({s.id, "u1", Role::student, {}, t0()}); }).code() == ErrorCode::would_block);
}
