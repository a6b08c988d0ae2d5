// The PostgreSQL store's options, and opening it.
//
// Thread-safety: open_postgres_store may be called from any thread; the store
// it returns is safe from many threads at once (store.hpp).
#pragma once

#include <memory>
#include <string>

namespace livecourse {

class Store;

struct PostgresOptions {
    // `postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]`
    // with libpq's parameters (host=/socket/dir, sslmode, connect_timeout, ...)
    // plus livecourse's own `pool_size` and `statement_timeout_ms`, which
    // override the fields below and are removed before libpq sees the URI.
    std::string uri;
    int pool_size = 8;                  // connections per store (per process)
    int statement_timeout_ms = 5000;    // 0 disables; lock waits count too
};

// Several application servers on one PostgreSQL database: a small connection
// pool, the schema migrated forward on open under an advisory lock, the same
// guarantees as SQLite across every process and server. The URI's password
// never appears in an error message. See docs/deploy.md.
std::unique_ptr<Store> open_postgres_store(const PostgresOptions& options);

}  // namespace livecourse
