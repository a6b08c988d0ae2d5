// Chat: the messages of a live session, of three kinds: plain text, a
// question, and an answer naming the question it answers.
//
// Thread-safety: values.
#pragma once

#include <livecourse/clock.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livecourse {

enum class ChatType { text, question, answer };
std::string_view to_string(ChatType t) noexcept;
std::optional<ChatType> parse_chat_type(std::string_view s) noexcept;

struct ChatMessage {
    std::string id;
    std::string session_id;
    std::string user_id;
    ChatType type = ChatType::text;
    std::string body;
    std::optional<std::string> reply_to;
    Instant created_at{};
};

// Oldest first; pass `next_cursor` back to get the following page.
struct ChatPage {
    std::vector<ChatMessage> messages;
    std::optional<std::string> next_cursor;
};

}  // namespace livecourse
