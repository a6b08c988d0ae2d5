// The PostgreSQL store's shared machinery: opening (pool, schema) and the
// way an operation runs on a pooled connection (postgres_store.hpp).
#include "store/postgres/postgres_store.hpp"

#include "store/postgres/postgres_uri.hpp"

namespace livecourse::pg {

PostgresStore::PostgresStore(const PostgresOptions& o)
    : pool_(pg::Target{o.uri, redact_database_location(o.uri), pg::Secrets(o.uri), o.statement_timeout_ms},
            o.pool_size) {
    transaction("migrate the schema", [&](Connection& c) { migrate(c); });
}

Error PostgresStore::storage_error(const char* what, const Failure& f) {
    if (f.sqlstate() == "57014")
        return Error::storage(fmt::format("cannot {}: the statement timed out ({})", what, f.what()));
    return Error::storage(fmt::format("cannot {}: {}", what, f.what()));
}

std::optional<AdmissionCounters> admission_counters(const Store& store) {
    if (auto* p = dynamic_cast<const PostgresStore*>(&store)) return p->admission_counters();
    return std::nullopt;
}

}  // namespace livecourse::pg

namespace livecourse {

std::unique_ptr<Store> open_postgres_store(const PostgresOptions& options) {
    PostgresOptions o = options;
    pg::take_uri_options(o);  // also validates the URI and the option values
    return std::make_unique<pg::PostgresStore>(o);
}

}  // namespace livecourse
