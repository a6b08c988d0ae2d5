// The SQLite store's checkpoints run off the write path: a background thread
// checkpoints the WAL (passively while writes flow), writers bound the WAL
// themselves if that thread cannot keep up, and once writes pause the data
// reaches the database file and the WAL file is emptied, without any
// further write.
#include "support/fixtures.hpp"

#include <livecourse/store.hpp>

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <unistd.h>
#include <filesystem>
#include <thread>

using namespace lc_test;

namespace {

std::uintmax_t size_of(const std::string& path) {
    std::error_code ec;
    auto n = std::filesystem::file_size(path, ec);
    return ec ? 0 : n;
}

// Enrollments counted in a copy of the main database file alone (no WAL):
// what checkpoints have carried into it.
int enrollments_in_main_file(const TempDir& dir, const std::string& db) {
    auto copy = dir.file("copy.db");
    std::filesystem::copy_file(db, copy, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::remove(copy + "-wal");
    std::filesystem::remove(copy + "-shm");
    sqlite3* raw = nullptr;
    int n = -1;
    if (sqlite3_open_v2(copy.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(raw, "SELECT COUNT(*) FROM enrollments", -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(raw);
    return n;
}

// Another process's checkpoint, as SQLite sees it: a write lock on the
// checkpoint byte of the -shm file (byte 120 + 1 in SQLite's WAL-index lock
// layout). An open-file-description lock conflicts with SQLite's own record
// locks even inside this process, so every checkpoint here meets it.
class CheckpointLock {
public:
    explicit CheckpointLock(const std::string& db) : fd_(::open((db + "-shm").c_str(), O_RDWR | O_CLOEXEC)) {
        REQUIRE(fd_ >= 0);
        REQUIRE(set(F_WRLCK));
    }
    ~CheckpointLock() {
        release();
        ::close(fd_);
    }
    void release() {
        if (held_.exchange(false)) set(F_UNLCK);
    }
    bool held() const { return held_; }

private:
    bool set(short type) {
        struct flock l {};
        l.l_type = type;
        l.l_whence = SEEK_SET;
        l.l_start = 121;
        l.l_len = 1;
        return ::fcntl(fd_, F_OFD_SETLKW, &l) == 0;
    }
    int fd_;
    std::atomic<bool> held_{true};
};

// A reader of its own connection that keeps a read transaction open.
class Reader {
public:
    explicit Reader(const std::string& db) { REQUIRE(sqlite3_open_v2(db.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK); }
    ~Reader() { sqlite3_close(db_); }
    // The snapshot is taken by the SELECT. False if either statement failed.
    bool begin() { return exec("BEGIN") && exec("SELECT COUNT(*) FROM enrollments"); }
    bool end() { return exec("COMMIT"); }

private:
    bool exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK; }
    sqlite3* db_ = nullptr;
};

std::string user(int i) { return "user-" + std::to_string(i) + std::string(200, 'x'); }

// About 64 pages plus the commit that crossed the bound (the schema's first
// commit is the largest), 4 KiB each; unbounded, 3,000 of these commits
// leave thousands of pages in the WAL.
constexpr std::uintmax_t bounded_wal_bytes = 160 * (4096 + 24) + 32;

SqliteOptions bounded_options(const TempDir& dir) {
    SqliteOptions o;
    o.path = dir.file("bounded.db");
    o.checkpoint_pages = 1000000;  // the background thread is never asked to run while writes flow
    o.wal_limit_pages = 64;
    return o;
}

}  // namespace

TEST_CASE("sqlite: writers bound the WAL when the checkpointer does not run", "[store][sqlite][checkpoint]") {
    TempDir dir;
    auto o = bounded_options(dir);
    auto store = open_sqlite_store(o);
    std::uintmax_t largest = 0;
    for (int i = 0; i < 3000; ++i) {
        store->set_enrollment("c", user(i), Role::student, after_every_session());
        largest = std::max(largest, size_of(o.path + "-wal"));
    }
    CHECK(store->count_enrolled_students("c") == 3000);
    CHECK(largest < bounded_wal_bytes);
}

// The checkpoint lock is held by someone else (this process's checkpointer
// thread, or another process's) just when a writer crosses the bound: a
// passive checkpoint gives up at once, so the writer must wait for the lock
// rather than write on. The lock is let go once the writes stop making
// progress (the writer waits), or after the last write (it did not).
TEST_CASE("sqlite: a writer past the WAL bound waits for another checkpoint to finish", "[store][sqlite][checkpoint]") {
    TempDir dir;
    auto o = bounded_options(dir);
    auto store = open_sqlite_store(o);
    store->set_enrollment("c", user(-1), Role::student, after_every_session());
    constexpr int writes = 3000;
    std::atomic<int> written{0};
    std::atomic<bool> writer_waited{false};
    std::uintmax_t largest = 0;
    {
        CheckpointLock other(o.path);
        std::thread releaser([&] {
            int last = -1;
            auto still_since = std::chrono::steady_clock::now();
            while (other.held()) {
                std::this_thread::sleep_for(5ms);
                int now = written.load();
                if (now == writes) break;
                if (now != last) {
                    last = now;
                    still_since = std::chrono::steady_clock::now();
                } else if (std::chrono::steady_clock::now() - still_since > 200ms) {
                    writer_waited = true;
                    break;
                }
            }
            other.release();
        });
        for (int i = 0; i < writes; ++i) {
            store->set_enrollment("c", user(i), Role::student, after_every_session());
            largest = std::max(largest, size_of(o.path + "-wal"));
            written = i + 1;
        }
        releaser.join();
    }
    CHECK(writer_waited);
    CHECK(largest < bounded_wal_bytes);
    CHECK(store->count_enrolled_students("c") == writes + 1);
}

// Short readers that overlap, so that one of them always holds a snapshot
// in the WAL: a passive checkpoint can never copy the last frames, nor can
// the WAL start over; the writer past the bound waits for them instead.
TEST_CASE("sqlite: writers bound the WAL while readers come and go", "[store][sqlite][checkpoint]") {
    TempDir dir;
    auto o = bounded_options(dir);
    auto store = open_sqlite_store(o);
    store->set_enrollment("c", user(-1), Role::student, after_every_session());
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0}, snapshots{0};
    Reader a(o.path), b(o.path);
    std::thread readers([&] {
        Reader* open = &a;
        Reader* next = &b;
        if (!open->begin()) ++failures;
        while (!stop) {
            if (!next->begin()) ++failures;
            std::this_thread::sleep_for(1ms);
            if (!open->end()) ++failures;
            std::swap(open, next);
            ++snapshots;
        }
        if (!open->end()) ++failures;
    });
    std::uintmax_t largest = 0;
    for (int i = 0; i < 3000; ++i) {
        store->set_enrollment("c", user(i), Role::student, after_every_session());
        largest = std::max(largest, size_of(o.path + "-wal"));
    }
    stop = true;
    readers.join();
    CHECK(failures == 0);
    CHECK(snapshots > 10);
    CHECK(largest < bounded_wal_bytes);
}

// The documented exception: a reader that keeps one snapshot longer than
// the busy timeout. Writes are not refused; the WAL grows past the bound
// while it reads (the writer waits for it once per `wal_limit_pages` of
// growth), and once it ends the next write starts the WAL over, cut back.
TEST_CASE("sqlite: a reader holding a snapshot past the busy timeout lets the WAL grow until it ends", "[store][sqlite][checkpoint]") {
    TempDir dir;
    auto o = bounded_options(dir);
    o.busy_timeout_ms = 200;
    auto store = open_sqlite_store(o);
    store->set_enrollment("c", user(-1), Role::student, after_every_session());
    {
        Reader forever(o.path);
        REQUIRE(forever.begin());
        for (int i = 0; i < 200; ++i) store->set_enrollment("c", user(i), Role::student, after_every_session());
        CHECK(size_of(o.path + "-wal") > bounded_wal_bytes);
        REQUIRE(forever.end());
    }
    std::uintmax_t largest_after = 0;
    for (int i = 200; i < 600; ++i) {
        store->set_enrollment("c", user(i), Role::student, after_every_session());
        if (i >= 260) largest_after = std::max(largest_after, size_of(o.path + "-wal"));
    }
    CHECK(largest_after < bounded_wal_bytes);
    CHECK(store->count_enrolled_students("c") == 601);
}

TEST_CASE("sqlite: once writes pause, the WAL reaches the database file", "[store][sqlite][checkpoint]") {
    TempDir dir;
    SqliteOptions o;
    o.path = dir.file("idle.db");
    auto store = open_sqlite_store(o);  // checkpoint_pages 1000: these writes stay below it
    for (int i = 0; i < 50; ++i)
        store->set_enrollment("c", "u" + std::to_string(i), Role::student, after_every_session());
    CHECK(enrollments_in_main_file(dir, o.path) < 50);  // still in the WAL
    // The checkpointer notices the pause within about half a second.
    int seen = 0;
    for (int attempt = 0; attempt < 100 && seen != 50; ++attempt) {
        std::this_thread::sleep_for(100ms);
        seen = enrollments_in_main_file(dir, o.path);
    }
    CHECK(seen == 50);
    // And the WAL file is emptied (a TRUNCATE checkpoint, once all is copied).
    for (int attempt = 0; attempt < 100 && size_of(o.path + "-wal") != 0; ++attempt) std::this_thread::sleep_for(100ms);
    CHECK(size_of(o.path + "-wal") == 0);
    CHECK(store->count_enrolled_students("c") == 50);
}
