// The PostgreSQL store's calendar feed salts.
#include "store/postgres/postgres_rows.hpp"
#include "store/postgres/postgres_store.hpp"

namespace livecourse::pg {

namespace {

// Every statement of this file; each is prepared once per connection.
namespace sql {
// clang-format off
const Statement feed_salt{"lc_feed_salt", R"sql(
SELECT salt FROM feed_salts WHERE user_id = $1
)sql"};
const Statement set_feed_salt{"lc_set_feed_salt", R"sql(
INSERT INTO feed_salts (user_id, salt) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET salt = EXCLUDED.salt
)sql"};
// clang-format on
}  // namespace sql

}  // namespace

std::optional<std::string> PostgresStore::feed_salt(std::string_view user) {
    return run("read a feed salt", [&](Connection& c) -> std::optional<std::string> {
        auto r = c.exec(sql::feed_salt, Params().text(user));
        if (!r.rows()) return std::nullopt;
        return r.text(0, 0);
    });
}

void PostgresStore::set_feed_salt(std::string_view user, std::string_view salt) {
    run("save a feed salt", [&](Connection& c) { c.exec(sql::set_feed_salt, Params().text(user).text(salt)); });
}

}  // namespace livecourse::pg
