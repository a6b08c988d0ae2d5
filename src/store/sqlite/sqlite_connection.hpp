// One SQLite connection with its prepared statements, and the small pieces the
// SQLite store builds its transactions from.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

namespace livecourse::store_detail {
class WriteHandoff;
}

namespace livecourse::sqlite {

class Connection {
public:
    Connection(const std::string& path, int busy_timeout_ms, bool writer);

    // The statement for `sql`, prepared on first use and reused afterwards.
    // `sql` must be a string literal: its address is the cache key.
    SQLite::Statement& prepare(const char* sql);
    SQLite::Database& db() { return db_; }

    // Replaces SQLite's default busy handler (which sleeps 1, 2, 5, 10 ms and
    // more, so that two processes on one file stall each other for 100 ms
    // and longer) with one that retries quickly and fairly: yields first,
    // then short sleeps with capped exponential backoff and jitter, giving up
    // after `timeout_ms` in all.
    void use_fair_busy_handler(int timeout_ms);
    // A checkpoint that takes only the locks free at this moment: SQLITE_BUSY
    // instead of waiting (the busy handler is off for its duration).
    int checkpoint_without_waiting(int mode, int* log = nullptr, int* done = nullptr);

    // The writer connection: while it waits for the write lock, its busy
    // handler announces so to the other processes and sleeps until one of
    // them releases the lock (see store/write_handoff.hpp).
    void use_handoff(store_detail::WriteHandoff* handoff) { busy_.handoff = handoff; }
    // Whether the busy handler ran since the last call.
    bool waited() { return std::exchange(busy_.waited, false); }

    struct BusyState {
        int timeout_ms = 0;
        store_detail::WriteHandoff* handoff = nullptr;
        bool waited = false;
    };

private:
    SQLite::Database db_;
    BusyState busy_;
    std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
};

// Resets a cached statement when the use of it ends, whatever happens.
class Use {
public:
    Use(Connection& c, const char* sql) : stmt_(c.prepare(sql)) {}
    ~Use() {
        try {
            stmt_.reset();
            stmt_.clearBindings();
        } catch (...) {
        }
    }
    SQLite::Statement* operator->() { return &stmt_; }
    SQLite::Statement& operator*() { return stmt_; }

private:
    SQLite::Statement& stmt_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back unless committed. IMMEDIATE takes
// the write lock up front, so that two processes reading then writing cannot
// both decide on the same free seat.
class WriteTransaction {
public:
    explicit WriteTransaction(Connection& c) : c_(c) { c_.db().exec("BEGIN IMMEDIATE"); }
    ~WriteTransaction() {
        if (!done_) {
            try {
                c_.db().exec("ROLLBACK");
            } catch (...) {
            }
        }
    }
    void commit() {
        c_.db().exec("COMMIT");
        done_ = true;
    }

private:
    Connection& c_;
    bool done_ = false;
};

// BEGIN ... COMMIT on a read connection: the reads between see one snapshot
// (a deferred transaction takes it at its first read and holds it, in WAL
// mode, whatever writers commit meanwhile). Ended either way.
class ReadTransaction {
public:
    explicit ReadTransaction(Connection& c) : c_(c) { c_.db().exec("BEGIN"); }
    ~ReadTransaction() {
        try {
            c_.db().exec("COMMIT");
        } catch (...) {
        }
    }

private:
    Connection& c_;
};

}  // namespace livecourse::sqlite
