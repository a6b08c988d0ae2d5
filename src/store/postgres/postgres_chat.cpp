// The PostgreSQL store's chat.
#include "store/postgres/postgres_rows.hpp"
#include "store/postgres/postgres_store.hpp"

#include "store/outbox_cursor.hpp"

namespace livecourse::pg {

namespace {

// Every statement of this file; each is prepared once per connection.
namespace sql {
// clang-format off
// The reply_to check and the insert are one statement: questions are never
// deleted, so a question seen by the statement stays one.
const Statement insert_chat{"lc_insert_chat", R"sql(
INSERT INTO chat (session_id, user_id, type, body, reply_to, created_at)
SELECT $1::bigint, $2, $3, $4, $5::bigint, to_timestamp($6::bigint)
 WHERE $5::bigint IS NULL
    OR EXISTS (SELECT 1 FROM chat q WHERE q.id = $5::bigint AND q.session_id = $1::bigint AND q.type = 'question')
RETURNING id
)sql"};
const Statement list_chat{"lc_list_chat", R"sql(
SELECT id, user_id, type, body, reply_to, extract(epoch FROM created_at)::bigint
  FROM chat WHERE session_id = $1 AND id > $2 ORDER BY id LIMIT $3
)sql"};
// clang-format on
}  // namespace sql

}  // namespace

ChatMessage PostgresStore::insert_chat(const ChatMessage& m) {
    auto key = parse_id(m.session_id);
    if (!key) throw Error::not_found("session");
    std::optional<std::int64_t> reply;
    if (m.reply_to) {
        reply = parse_id(*m.reply_to);
        if (!reply) throw store_detail::no_such_question();
    }
    return run("insert a chat message", [&](Connection& c) {
        Result r = [&] {
            try {
                return c.exec(sql::insert_chat, Params()
                                                    .integer(*key)
                                                    .text(m.user_id)
                                                    .text(to_string(m.type))
                                                    .text(m.body)
                                                    .optional(reply)
                                                    .integer(secs(m.created_at)));
            } catch (const Failure& f) {
                if (f.sqlstate() == "23503") throw Error::not_found("session");
                throw;
            }
        }();
        if (!r.rows()) throw store_detail::no_such_question();
        ChatMessage out = m;
        out.id = r.text(0, 0);
        return out;
    });
}

ChatPage PostgresStore::list_chat(std::string_view session_id, std::optional<std::string_view> after, int limit) {
    auto key = parse_id(session_id);
    if (!key) return {};
    std::int64_t from = after ? store_detail::parse_id_cursor(*after) : 0;
    return run("list chat messages", [&](Connection& c) {
        auto r = c.exec(sql::list_chat, Params().integer(*key).integer(from).integer(limit + 1));
        ChatPage page;
        for (int i = 0; i < r.rows(); ++i) {
            ChatMessage m;
            m.id = r.text(i, 0);
            m.session_id = std::string(session_id);
            m.user_id = r.text(i, 1);
            m.type = parse_chat_type(r.view(i, 2)).value_or(ChatType::text);
            m.body = r.text(i, 3);
            m.reply_to = r.opt_text(i, 4);
            m.created_at = at(r.integer(i, 5));
            page.messages.push_back(std::move(m));
        }
        page.next_cursor = store_detail::cut_page(page.messages, limit, [](const ChatMessage& m) { return m.id; });
        return page;
    });
}

}  // namespace livecourse::pg
