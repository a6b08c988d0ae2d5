// The SQLite store's calendar feed salts.
#include "store/sqlite/sqlite_rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace livecourse::sqlite {

std::optional<std::string> SqliteStore::feed_salt(std::string_view user) {
    return read([&](Connection& c) -> std::optional<std::string> {
        Use q(c, "SELECT salt FROM feed_salts WHERE user_id = ?1");
        q->bind(1, std::string(user));
        if (!q->executeStep()) return std::nullopt;
        return q->getColumn(0).getString();
    });
}

void SqliteStore::set_feed_salt(std::string_view user, std::string_view salt) {
    write([&](Connection& c) {
        Use q(c, "INSERT INTO feed_salts (user_id, salt) VALUES (?1, ?2) ON CONFLICT (user_id) DO UPDATE SET "
                 "salt = excluded.salt");
        q->bind(1, std::string(user));
        q->bind(2, std::string(salt));
        q->exec();
    });
}

}  // namespace livecourse::sqlite
