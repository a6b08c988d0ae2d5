// The embedded default store's options, and opening it.
//
// Thread-safety: open_sqlite_store may be called from any thread; the store
// it returns is safe from many threads at once (store.hpp).
#pragma once

#include <memory>
#include <string>

namespace livecourse {

class Store;

struct SqliteOptions {
    // The database file. One that does not exist is created 0600 (it holds
    // room passwords, e-mails and chat; SQLite gives -wal and -shm the same
    // mode); one that exists keeps its mode.
    std::string path;
    int busy_timeout_ms = 10000;
    int read_connections = 4;
    // A background thread checkpoints once the WAL holds this many pages.
    // `wal_limit_pages` bounds the WAL if it cannot keep up: the writer whose
    // commit crosses it waits (up to `busy_timeout_ms`) until the WAL can
    // start over; only a reader holding one snapshot longer than that lets
    // the WAL grow past it, until that reader ends (docs/performance.md).
    int checkpoint_pages = 1000;
    int wal_limit_pages = 20000;
    // Processes writing to one file take turns at SQLite's write lock: a
    // waiting writer is woken when the lock is released and goes first (a
    // few shared words in `<path>-handoff`, next to the database, with its
    // owner and group bits). Off: waiting writers only retry, and one may
    // wait for dozens of another process's transactions. Opening the store
    // fails with `storage` when something other than a regular file of the
    // database's owner sits at that name (a planted symbolic link, say).
    bool handoff = true;
};

// The embedded default: one SQLite file (WAL mode), schema migrated forward on
// open. Several processes may open the same file.
std::unique_ptr<Store> open_sqlite_store(const SqliteOptions& options);

}  // namespace livecourse
