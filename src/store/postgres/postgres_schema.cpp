// The PostgreSQL store's schema: the migrations of postgres_schema.hpp,
// applied once by whichever server opens the store first.
#include "store/postgres/postgres_schema.hpp"
#include "store/postgres/postgres_store.hpp"

namespace livecourse::pg {

namespace {

// Every statement of this file; each is prepared once per connection.
namespace sql {
// clang-format off
const Statement schema_version{"lc_schema_version", R"sql(
SELECT COALESCE(MAX(version), 0) FROM livecourse_schema
)sql"};
const Statement record_version{"lc_record_version", R"sql(
INSERT INTO livecourse_schema (version) VALUES ($1)
)sql"};
// clang-format on
}  // namespace sql

}  // namespace

// Inside the transaction `transaction()` opened: under the advisory lock,
// read the version, apply what is missing, record it.
void PostgresStore::migrate(Connection& c) {
    // A later migration may take longer than an operation is allowed to,
    // and the servers queued on the lock wait as long as it runs.
    c.exec_simple("SET LOCAL statement_timeout = 0");
    c.exec_simple(pg::migration_lock_sql);
    c.exec_simple("CREATE TABLE IF NOT EXISTS livecourse_schema (version integer PRIMARY KEY, "
                  "applied_at timestamptz NOT NULL DEFAULT now())");
    auto version = static_cast<int>(c.exec(sql::schema_version).integer(0, 0));
    if (version > pg::schema_version)
        throw Error::storage(fmt::format("the database schema (version {}) is newer than this library ({})",
                                         version, pg::schema_version));
    for (int v = version; v < pg::schema_version; ++v) {
        c.exec_simple(pg::migrations[v]);
        c.exec(sql::record_version, Params().integer(v + 1));
    }
}

}  // namespace livecourse::pg
