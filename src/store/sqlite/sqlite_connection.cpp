#include "store/sqlite/sqlite_connection.hpp"

#include <sqlite3.h>

#include <livecourse/no_wait.hpp>

#include "store/write_handoff.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>

namespace livecourse::sqlite {

Connection::Connection(const std::string& path, int busy_timeout_ms, bool writer)
    : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX) {
    use_fair_busy_handler(busy_timeout_ms);
    db_.exec("PRAGMA foreign_keys = ON");
    db_.exec("PRAGMA synchronous = NORMAL");
    if (writer) db_.exec("PRAGMA journal_mode = WAL");
}

namespace {
int fair_busy_handler(void* context, int attempt) {
    using namespace std::chrono;
    thread_local steady_clock::time_point first;
    thread_local int sleeps = 0;
    thread_local std::minstd_rand jitter(std::random_device{}());
    if (NoWait::active()) return 0;  // the caller may not wait: SQLITE_BUSY at once
    auto& busy = *static_cast<Connection::BusyState*>(context);
    busy.waited = true;
    auto now = steady_clock::now();
    if (attempt == 0) {
        first = now;
        sleeps = 0;
    }
    if (now - first >= milliseconds(busy.timeout_ms)) return 0;
    // Short sleeps, 20 us doubling to 500 us, with up to 50% jitter so that
    // waiting processes do not retry in lockstep.
    auto backoff = [&] {
        auto base = std::min<long>(500, 20L << std::min(sleeps++, 5));
        return microseconds(base / 2 + long(jitter() % std::uint32_t(base / 2 + 1)));
    };
    // The lock is usually held for one group's transaction (tens to
    // hundreds of microseconds) and free for a moment between two: poll for
    // that moment first (pause 0: yield), then back off.
    auto pause = now - first < microseconds(200) ? microseconds(0) : backoff();
    if (busy.handoff) {
        // Announced, this writer is woken when the holder releases the lock
        // (and once it has waited a while, the holder lets it take the lock
        // before beginning again); the backoff only matters for a holder
        // that does not take part.
        busy.handoff->wait_for_release(pause, duration_cast<microseconds>(now - first));
    } else if (pause.count() == 0) {
        std::this_thread::yield();
    } else {
        std::this_thread::sleep_for(pause);
    }
    return 1;
}
}  // namespace

void Connection::use_fair_busy_handler(int timeout_ms) {
    busy_.timeout_ms = timeout_ms;
    sqlite3_busy_handler(db_.getHandle(), fair_busy_handler, &busy_);
}

int Connection::checkpoint_without_waiting(int mode, int* log, int* done) {
    sqlite3* db = db_.getHandle();
    sqlite3_busy_handler(db, nullptr, nullptr);
    int rc = sqlite3_wal_checkpoint_v2(db, nullptr, mode, log, done);
    sqlite3_busy_handler(db, fair_busy_handler, &busy_);
    return rc;
}

SQLite::Statement& Connection::prepare(const char* sql) {
    auto& slot = statements_[sql];
    if (!slot) slot = std::make_unique<SQLite::Statement>(db_, sql);
    return *slot;
}

}  // namespace livecourse::sqlite
