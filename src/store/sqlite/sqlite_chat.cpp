// The SQLite store's chat.
#include "store/sqlite/sqlite_rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <livecourse/error.hpp>

#include "store/outbox_cursor.hpp"

namespace livecourse::sqlite {

ChatMessage SqliteStore::insert_chat(const ChatMessage& m) {
    auto key = parse_id(m.session_id);
    if (!key) throw Error::not_found("session");
    return write([&](Connection& c) {
        std::optional<std::int64_t> reply;
        if (m.reply_to) {
            reply = parse_id(*m.reply_to);
            bool ok = false;
            if (reply) {
                Use q(c, "SELECT 1 FROM chat WHERE id = ?1 AND session_id = ?2 AND type = 'question'");
                q->bind(1, static_cast<std::int64_t>(*reply));
                q->bind(2, static_cast<std::int64_t>(*key));
                ok = q->executeStep();
            }
            if (!ok) throw store_detail::no_such_question();
        }
        Use q(c, "INSERT INTO chat (session_id, user_id, type, body, reply_to, created_at) VALUES (?1, ?2, ?3, "
                 "?4, ?5, ?6)");
        q->bind(1, static_cast<std::int64_t>(*key));
        q->bind(2, m.user_id);
        q->bind(3, std::string(to_string(m.type)));
        q->bind(4, m.body);
        if (reply) q->bind(5, static_cast<std::int64_t>(*reply));
        else q->bind(5);
        q->bind(6, static_cast<std::int64_t>(secs(m.created_at)));
        q->exec();
        ChatMessage out = m;
        out.id = std::to_string(c.db().getLastInsertRowid());
        return out;
    });
}

ChatPage SqliteStore::list_chat(std::string_view session_id, std::optional<std::string_view> after, int limit) {
    auto key = parse_id(session_id);
    if (!key) return {};
    std::int64_t from = after ? store_detail::parse_id_cursor(*after) : 0;
    return read([&](Connection& c) {
        Use q(c, "SELECT id, user_id, type, body, reply_to, created_at FROM chat WHERE session_id = ?1 AND id > "
                 "?2 ORDER BY id LIMIT ?3");
        q->bind(1, static_cast<std::int64_t>(*key));
        q->bind(2, static_cast<std::int64_t>(from));
        q->bind(3, limit + 1);
        ChatPage page;
        while (q->executeStep()) {
            ChatMessage m;
            m.id = std::to_string(q->getColumn(0).getInt64());
            m.session_id = std::string(session_id);
            m.user_id = q->getColumn(1).getString();
            m.type = parse_chat_type(q->getColumn(2).getString()).value_or(ChatType::text);
            m.body = q->getColumn(3).getString();
            if (!q->getColumn(4).isNull()) m.reply_to = std::to_string(q->getColumn(4).getInt64());
            m.created_at = at(q->getColumn(5).getInt64());
            page.messages.push_back(std::move(m));
        }
        page.next_cursor = store_detail::cut_page(page.messages, limit, [](const ChatMessage& m) { return m.id; });
        return page;
    });
}

}  // namespace livecourse::sqlite
