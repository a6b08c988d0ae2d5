// A throwaway PostgreSQL 15 server for the tests, with no manual step.
//
// Each test process that needs PostgreSQL starts its own server at first use
// (catch_discover_tests runs every TEST_CASE as its own process, in parallel):
// its data directory is a copy of a template cluster, listening only on a Unix
// socket in a fresh temporary directory, with fsync off. The template is made
// once by `initdb` under a file lock in /tmp keyed by the test binary's path
// (so by build directory) and reused by every later process: a copy and a
// start take ~0.3 s where initdb takes ~1.5-2 s. Per-process servers rather
// than one shared server, because the fault tests stop and restart theirs.
//
// The server runs as the unprivileged `postgres` system user when the tests
// run as root (PostgreSQL refuses root). It is stopped (`pg_ctl stop -m
// immediate`) and its directory deleted when the process exits, whether the
// tests passed, failed, crashed or were killed: a small guardian process in
// its own session waits for the test process's end (EOF on a pipe) and then
// cleans up; an atexit handler waits for it, so a normal exit leaves nothing.
//
// If the server cannot be started, every call throws std::runtime_error with
// the reason and the server's log: the suite fails loudly, it never skips.
#pragma once

#include <string>

namespace lc_test::postgres {

// A fresh, empty database on this process's server (started on first use);
// returns its URI, e.g. postgresql://postgres@/t_3?host=/tmp/lc-pg-XXXX.
std::string fresh_database();

// The server's Unix socket directory.
const std::string& socket_dir();

// Stops the server abruptly (pg_ctl stop -m immediate), as a crash would.
void stop_server();
// Starts it again on the same data directory and socket.
void start_server();

// Runs `sql` on the database `uri` names and returns the first column of the
// first row ("" if none). Throws std::runtime_error on failure. For test
// assertions only.
std::string query(const std::string& uri, const std::string& sql);

}  // namespace lc_test::postgres
