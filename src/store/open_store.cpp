#include "store/postgres/postgres_uri.hpp"

#include <livecourse/store.hpp>

namespace livecourse {

std::unique_ptr<Store> open_store(std::string_view database) {
    if (pg::is_postgres_uri(database)) {
        PostgresOptions options;
        options.uri = std::string(database);
        pg::take_uri_options(options);  // ?pool_size=...&statement_timeout_ms=... → fields
        return open_postgres_store(options);
    }
    SqliteOptions options;
    options.path = std::string(database);
    return open_sqlite_store(options);
}

}  // namespace livecourse
