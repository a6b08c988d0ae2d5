// The SQLite store's checkpoints run off the write path: a background thread
// checkpoints the WAL (passively while writes flow), writers bound the WAL
// themselves if that thread cannot keep up, and once writes pause the data
// reaches the database file and the WAL file is emptied, without any
// further write.
#include "support/fixtures.hpp"

#include <livecourse/store.hpp>

#include <sqlite3.h>

#include <chrono>
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

}  // namespace

TEST_CASE("sqlite: writers bound the WAL when the checkpointer does not run", "[store][sqlite][checkpoint]") {
    TempDir dir;
    SqliteOptions o;
    o.path = dir.file("bounded.db");
    o.checkpoint_pages = 1000000;  // the background thread is never asked to run while writes flow
    o.wal_limit_pages = 64;
    auto store = open_sqlite_store(o);
    std::uintmax_t largest = 0;
    for (int i = 0; i < 3000; ++i) {
        store->set_enrollment("c", "user-" + std::to_string(i) + std::string(200, 'x'), Role::student);
        largest = std::max(largest, size_of(o.path + "-wal"));
    }
    CHECK(store->count_enrolled_students("c") == 3000);
    // About 64 pages plus the commit that crossed the bound (the schema's
    // first commit is the largest), 4 KiB each; unbounded, these 3,000
    // commits leave thousands of pages in the WAL.
    CHECK(largest < std::uintmax_t(160 * (4096 + 24) + 32));
}

TEST_CASE("sqlite: once writes pause, the WAL reaches the database file", "[store][sqlite][checkpoint]") {
    TempDir dir;
    SqliteOptions o;
    o.path = dir.file("idle.db");
    auto store = open_sqlite_store(o);  // checkpoint_pages 1000: these writes stay below it
    for (int i = 0; i < 50; ++i) store->set_enrollment("c", "u" + std::to_string(i), Role::student);
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
