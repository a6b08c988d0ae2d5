// The SQLite store's shared machinery: opening (file mode, schema, handoff,
// WAL hook), the group-commit transaction of the writer, the checkpointer that
// bounds the WAL, and the pool of read connections.
#include "store/sqlite/sqlite_store.hpp"

#include <livecourse/error.hpp>
#include <livecourse/no_wait.hpp>

#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace livecourse::sqlite {

namespace {

// SQLite creates a new database file 0644 (less the umask), and its -wal,
// -shm and -journal files take the database file's mode: room passwords,
// feed salts, e-mails and chat would be readable by every local user. So a
// database that does not exist yet is created here first, 0600 from the
// start (no moment with a wider mode). One that exists keeps the mode its
// creator gave it (a host that shares it with a group chose so).
void create_private_database_file(const std::string& path) {
    if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    // EEXIST: it exists (perhaps another process's, created a moment ago);
    // any other failure is SQLite's to report, opening it next.
    if (fd >= 0) ::close(fd);
}

}  // namespace

SqliteStore::SqliteStore(const SqliteOptions& o) : options_(o), group_(group_transaction()) {
    try {
        create_private_database_file(o.path);
        writer_ = std::make_unique<Connection>(o.path, o.busy_timeout_ms, true);
        migrate();
        // Named after SQLite's own resolved file name, as its -wal and
        // -shm files are: every path to the database finds the same one.
        const char* file = sqlite3_db_filename(writer_->db().getHandle(), "main");
        if (o.handoff && file) handoff_ = store_detail::WriteHandoff::open(file);
        writer_->use_handoff(handoff_.get());
        // Checkpoints run off the write path: the writer only counts WAL
        // pages (this hook replaces SQLite's automatic checkpoint) and a
        // background thread checkpoints.
        sqlite3_wal_hook(writer_->db().getHandle(), &SqliteStore::on_wal_commit, this);
        // When a write restarts the WAL after a complete checkpoint, a
        // file grown past the WAL bound (a reader held it) is cut back.
        // Not below: cutting and regrowing the file on every restart
        // costs the writers block allocations.
        auto page_size = writer_->db().execAndGet("PRAGMA page_size").getInt64();
        writer_->db().exec(
            fmt::format("PRAGMA journal_size_limit = {}", std::int64_t(options_.wal_limit_pages) * page_size));
        checkpointer_ = std::thread([this] { checkpoint_loop(); });
    } catch (const SQLite::Exception& e) {
        throw Error::storage(fmt::format("cannot open the database: {}", e.what()));
    }
}

SqliteStore::~SqliteStore() {
    {
        std::lock_guard lock(checkpoint_mutex_);
        stopping_ = true;
    }
    checkpoint_cv_.notify_one();
    if (checkpointer_.joinable()) checkpointer_.join();
}

store_detail::WriteGroup::Transaction SqliteStore::group_transaction() {
    store_detail::WriteGroup::Transaction t;
    // Transaction control runs as cached prepared statements too: they
    // are on every write's path, several times per group.
    auto exec = [this](const char* sql) {
        return [this, sql] {
            Use q(*writer_, sql);
            q->exec();
        };
    };
    auto quiet = [exec](const char* sql) {
        return [run = exec(sql)] {
            try {
                run();
            } catch (...) {
            }
        };
    };
    // Around each transaction, the lock is handed fairly between the
    // processes that write to the file (store/write_handoff.hpp).
    // A caller that may not wait (NoWait) begins only if the lock is free at
    // once and no other process is owed its turn.
    t.begin = [this, begin = exec("BEGIN IMMEDIATE")] {
        bool may_wait = !NoWait::active();
        if (handoff_ && handoff_->before_begin(may_wait) && !may_wait)
            throw Error::would_block("another process's turn at the write lock");
        writer_->waited();
        try {
            begin();
        } catch (const SQLite::Exception& e) {
            if (!may_wait && (e.getErrorCode() & 0xff) == SQLITE_BUSY) throw Error::would_block("the write lock");
            throw;
        }
        if (handoff_) handoff_->acquired(writer_->waited());
    };
    t.commit = [this, commit = exec("COMMIT")] {
        commit();
        if (handoff_) handoff_->released();
    };
    t.rollback = [this, rollback = quiet("ROLLBACK")] {
        rollback();
        if (handoff_) handoff_->released();
    };
    t.savepoint = exec("SAVEPOINT op");
    t.release = exec("RELEASE op");
    t.rollback_to = [rollback = quiet("ROLLBACK TO op"), release = quiet("RELEASE op")] {
        rollback();
        release();
    };
    t.translate = [](std::exception_ptr e) -> std::exception_ptr {
        try {
            std::rethrow_exception(e);
        } catch (const SQLite::Exception& x) {
            return std::make_exception_ptr(
                Error::storage(fmt::format("database write failed: {}", x.getErrorStr())));
        } catch (...) {
            return std::current_exception();
        }
    };
    return t;
}

// WAL hook of the writer connection, called after each commit with the
// number of pages in the WAL.
int SqliteStore::on_wal_commit(void* self_ptr, sqlite3* db, const char* name, int pages) {
    auto* self = static_cast<SqliteStore*>(self_ptr);
    self->wal_pages_.store(pages, std::memory_order_relaxed);
    self->commits_.fetch_add(1, std::memory_order_relaxed);
    // A commit that may not wait leaves the bound to the next writer and the
    // checkpointer.
    if (pages >= self->options_.wal_limit_pages && !NoWait::active()) {
        self->bound_wal(db, name, pages);
    } else if (pages >= self->options_.checkpoint_pages) {
        self->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
}

// The checkpointer is not keeping up (readers, another checkpoint, a
// stalled thread): the writer that crossed the bound does not write on
// until the WAL can start over. A RESTART checkpoint copies every frame
// and, once no reader is left in the WAL, starts it over, so the next
// write begins again at its first frame. Each attempt takes only the
// locks that are free at that moment (no busy handler) and is retried
// until the busy timeout:
// - another checkpoint holding the checkpoint lock (this process's
//   checkpointer, another process's) makes SQLite answer BUSY at once; a
//   single PASSIVE attempt gave up there, which is how the WAL grew
//   tenfold past its bound while the checkpointer thread synced;
// - a busy handler would wait for the one reader slot it saw behind,
//   while readers that overlap keep joining that slot: it starves for the
//   whole timeout. A new attempt reads the readers' marks afresh, and
//   readers that begin after everything was copied read the database
//   file only, so the ones in the WAL drain.
// A reader that holds one snapshot past the busy timeout keeps the WAL
// from starting over: writers go on (they are never refused for it), the
// WAL grows past the bound until that reader ends, and the next writer
// waits again only once the WAL has grown by another `wal_limit_pages`.
void SqliteStore::bound_wal(sqlite3* db, const char* name, int pages) {
    using namespace std::chrono;
    if (pages < bound_missed_at_) bound_missed_at_ = 0;  // the WAL started over since
    if (bound_missed_at_ > 0 && pages < bound_missed_at_ + options_.wal_limit_pages) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        return;
    }
    auto deadline = steady_clock::now() + milliseconds(options_.busy_timeout_ms);
    auto pause = microseconds(50);
    for (;;) {
        int rc = writer_->checkpoint_without_waiting(SQLITE_CHECKPOINT_RESTART);
        if (rc == SQLITE_OK) {
            bound_missed_at_ = 0;
            wal_pages_.store(0, std::memory_order_relaxed);
            break;
        }
        if (rc != SQLITE_BUSY) break;
        if (steady_clock::now() >= deadline) {
            bound_missed_at_ = pages;
            break;
        }
        std::this_thread::sleep_for(pause);
        pause = std::min<microseconds>(pause * 2, milliseconds(1));
    }
}

// Passive checkpoints while writes flow: one whenever the WAL passes
// `checkpoint_pages`. Once this process's writes pause (no commit for a
// whole round of 500 ms), a passive one copies what is left, and then a
// TRUNCATE one empties the WAL file: with nothing left to copy or sync
// it holds the writer lock only to truncate, and it runs without a busy
// handler, so it never waits for (nor makes wait) another process that
// is writing; it is retried on a later pause instead.
void SqliteStore::checkpoint_loop() {
    std::unique_ptr<Connection> conn;
    // The commit count when the WAL was last emptied; none yet (the WAL
    // may hold the migrations or another process's frames).
    auto settled_at = std::numeric_limits<std::uint64_t>::max();
    std::unique_lock lock(checkpoint_mutex_);
    auto seen = commits_.load(std::memory_order_relaxed);
    while (!stopping_) {
        bool busy = checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(500), [&] {
            return stopping_ || wal_pages_.load(std::memory_order_relaxed) >= options_.checkpoint_pages;
        });
        if (stopping_) break;
        auto commits = commits_.load(std::memory_order_relaxed);
        bool paused = !busy && commits == seen;
        seen = commits;
        if (!busy && (!paused || commits == settled_at)) continue;
        lock.unlock();
        try {
            if (!conn) conn = std::make_unique<Connection>(options_.path, options_.busy_timeout_ms, false);
            sqlite3* db = conn->db().getHandle();
            int log = 0, done = 0;
            int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
            bool complete = rc == SQLITE_OK && log == done;
            if (complete) wal_pages_.store(0, std::memory_order_relaxed);
            if (complete && paused) {
                rc = conn->checkpoint_without_waiting(SQLITE_CHECKPOINT_TRUNCATE);
                if (rc == SQLITE_OK) settled_at = commits;
            }
        } catch (...) {
            conn.reset();  // retried on the next round
        }
        lock.lock();
    }
}

std::unique_ptr<Connection> SqliteStore::checkout() {
    std::unique_lock lock(pool_mutex_);
    if (NoWait::active() && idle_.empty() && open_readers_ >= options_.read_connections)
        throw Error::would_block("a free read connection");
    pool_cv_.wait(lock, [&] { return !idle_.empty() || open_readers_ < options_.read_connections; });
    if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
    }
    ++open_readers_;
    lock.unlock();
    try {
        return std::make_unique<Connection>(options_.path, options_.busy_timeout_ms, false);
    } catch (const SQLite::Exception& e) {
        std::lock_guard relock(pool_mutex_);
        --open_readers_;
        pool_cv_.notify_one();
        throw Error::storage(fmt::format("cannot open a read connection: {}", e.getErrorStr()));
    }
}

void SqliteStore::checkin(std::unique_ptr<Connection> c) {
    if (!c) return;
    std::lock_guard lock(pool_mutex_);
    idle_.push_back(std::move(c));
    pool_cv_.notify_one();
}

}  // namespace livecourse::sqlite

namespace livecourse {

std::unique_ptr<Store> open_sqlite_store(const SqliteOptions& options) {
    if (options.path.empty()) throw Error::invalid("database", "database: a file path is required");
    return std::make_unique<sqlite::SqliteStore>(options);
}

}  // namespace livecourse
