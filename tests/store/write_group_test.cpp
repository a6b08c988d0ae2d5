// Group commit (src/store/write_group.hpp) on a real SQLite database: many
// threads' operations share transactions, each keeps its own result, and a
// failing operation leaves no trace and does not disturb its neighbours.
#include "store/write_group.hpp"
#include "support/fixtures.hpp"

#include <SQLiteCpp/Database.h>

#include <chrono>
#include <thread>

using namespace lc_test;
using livecourse::store_detail::WriteGroup;

namespace {

struct Fixture {
    TempDir dir;
    SQLite::Database db{dir.file("group.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    std::atomic<int> commits{0};
    WriteGroup group{transaction()};

    Fixture() {
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL UNIQUE)");
    }

    WriteGroup::Transaction transaction() {
        WriteGroup::Transaction t;
        t.begin = [this] { db.exec("BEGIN IMMEDIATE"); };
        t.commit = [this] {
            db.exec("COMMIT");
            ++commits;
        };
        t.rollback = [this] {
            try {
                db.exec("ROLLBACK");
            } catch (...) {
            }
        };
        t.savepoint = [this] { db.exec("SAVEPOINT op"); };
        t.release = [this] { db.exec("RELEASE op"); };
        t.rollback_to = [this] { db.exec("ROLLBACK TO op; RELEASE op"); };
        t.translate = [](std::exception_ptr e) { return e; };
        return t;
    }

    int count(const std::string& where = "1") {
        return db.execAndGet("SELECT COUNT(*) FROM t WHERE " + where).getInt();
    }
};

}  // namespace

TEST_CASE("group commit: concurrent writers share commits and each gets its own outcome", "[store][groupcommit][concurrency]") {
    Fixture f;
    constexpr int threads = 32, per_thread = 50;
    std::atomic<int> ok{0}, failed{0}, wrong_error{0};
    std::vector<std::thread> pool;
    for (int k = 0; k < threads; ++k)
        pool.emplace_back([&, k] {
            for (int i = 0; i < per_thread; ++i) {
                int owner = k * per_thread + i;
                try {
                    f.group.run([&] {
                        f.db.exec("INSERT INTO t (owner) VALUES (" + std::to_string(owner) + ")");
                        // Every fifth operation fails after writing: its row must vanish.
                        if (owner % 5 == 0) throw std::runtime_error("refused");
                    });
                    ++ok;
                } catch (const std::runtime_error& e) {
                    // Catch2's assertions are not thread-safe: count, check after.
                    if (std::string(e.what()) != "refused") ++wrong_error;
                    ++failed;
                }
            }
        });
    for (auto& t : pool) t.join();
    CHECK(wrong_error == 0);
    CHECK(ok == threads * per_thread * 4 / 5);
    CHECK(failed == threads * per_thread / 5);
    CHECK(f.count() == ok);
    CHECK(f.count("owner % 5 = 0") == 0);
    auto c = f.group.counters();
    CHECK(c.operations == std::uint64_t(threads * per_thread));
    // Writers really were grouped: fewer transactions than operations.
    CHECK(c.groups < c.operations);
    CHECK(f.commits <= int(c.groups));
}

// The leader's operation below waits until a second writer has queued, so
// the second one arrives while the group runs: the cases are deterministic.
TEST_CASE("group commit: a writer arriving while a group runs joins its transaction", "[store][groupcommit]") {
    Fixture f;
    std::thread late;
    f.group.run([&] {
        late = std::thread([&] { f.group.run([&] { f.db.exec("INSERT INTO t (owner) VALUES (2)"); }); });
        while (!f.group.writers_waiting()) std::this_thread::yield();
        f.db.exec("INSERT INTO t (owner) VALUES (1)");
    });
    late.join();
    CHECK(f.count() == 2);
    auto c = f.group.counters();
    CHECK(c.groups == 1);
    CHECK(c.operations == 2);
    CHECK(f.commits == 1);
}

TEST_CASE("group commit: a lone operation that fails is rolled back without the writers that arrived meanwhile", "[store][groupcommit]") {
    Fixture f;
    std::thread late;
    bool late_ok = false;
    CHECK_THROWS_WITH(f.group.run([&] {
        late = std::thread([&] {
            f.group.run([&] { f.db.exec("INSERT INTO t (owner) VALUES (2)"); });
            late_ok = true;
        });
        while (!f.group.writers_waiting()) std::this_thread::yield();
        // Ran without a savepoint (it was alone when its group began): its
        // write must go with the whole transaction, and the late writer
        // must get a transaction of its own.
        f.db.exec("INSERT INTO t (owner) VALUES (1)");
        throw std::runtime_error("refused");
    }), "refused");
    late.join();
    CHECK(late_ok);
    CHECK(f.count() == 1);
    CHECK(f.count("owner = 2") == 1);
    CHECK(f.group.counters().groups == 2);
}

TEST_CASE("group commit: a group never exceeds its bound", "[store][groupcommit]") {
    Fixture f;
    WriteGroup group(f.transaction(), 2);
    std::vector<std::thread> late;
    std::atomic<int> queued{0};
    group.run([&] {
        for (int i = 0; i < 3; ++i)
            late.emplace_back([&, i] {
                ++queued;
                group.run([&] { f.db.exec("INSERT INTO t (owner) VALUES (" + std::to_string(10 + i) + ")"); });
            });
        while (queued < 3 || !group.writers_waiting()) std::this_thread::yield();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let all three queue
        f.db.exec("INSERT INTO t (owner) VALUES (1)");
    });
    for (auto& t : late) t.join();
    CHECK(f.count() == 4);
    auto c = group.counters();
    CHECK(c.operations == 4);
    CHECK(c.groups >= 2);  // at most two operations per transaction
    CHECK(f.commits >= 2);
}

TEST_CASE("group commit: a failed commit fails every operation of its group", "[store][groupcommit]") {
    Fixture f;
    bool fail_commit = true;
    auto t = f.transaction();
    t.commit = [&] {
        if (fail_commit) throw std::runtime_error("disk full");
        f.db.exec("COMMIT");
    };
    WriteGroup group(t);
    CHECK_THROWS_WITH(group.run([&] { f.db.exec("INSERT INTO t (owner) VALUES (1)"); }), "disk full");
    CHECK(f.count() == 0);
    fail_commit = false;
    CHECK_NOTHROW(group.run([&] { f.db.exec("INSERT INTO t (owner) VALUES (2)"); }));
    CHECK(f.count() == 1);
}

TEST_CASE("group commit: 32 threads of one engine take exactly the seats there are", "[store][groupcommit][concurrency]") {
    World w(640);
    auto s = w.live(50);
    std::atomic<int> ok{0}, full{0}, other{0};
    std::vector<std::thread> pool;
    for (int k = 0; k < 32; ++k)
        pool.emplace_back([&, k] {
            for (int i = k; i < 640; i += 32) {
                try {
                    w.engine->join(student(i), s.id);
                    w.engine->join(student(i), s.id);  // a second tab: same seat
                    ++ok;
                } catch (const Error& e) {
                    (e.reason() == "session_full" ? full : other)++;
                }
            }
        });
    for (auto& t : pool) t.join();
    CHECK(ok == 50);
    CHECK(full == 590);
    CHECK(other == 0);
    auto rows = w.engine->attendance(instructor, s.id);
    CHECK(rows.size() == 50);
    for (const auto& r : rows) CHECK(r.joins == 2);
}
