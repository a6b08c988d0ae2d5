// The stable spellings of the library's enumerations. These strings are the
// JSON vocabulary; changing one breaks every host.
#include <livecourse/attendance.hpp>
#include <livecourse/chat.hpp>
#include <livecourse/error.hpp>
#include <livecourse/roster.hpp>
#include <livecourse/session.hpp>
#include <livecourse/status_machine.hpp>

namespace livecourse {

std::string_view to_string(ErrorCode code) noexcept {
    switch (code) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::forbidden: return "forbidden";
    case ErrorCode::conflict: return "conflict";
    case ErrorCode::session_full: return "session_full";
    case ErrorCode::storage: return "storage";
    case ErrorCode::unauthenticated: return "unauthenticated";
    case ErrorCode::internal: return "internal";
    case ErrorCode::host_callback: return "host_callback";
    case ErrorCode::would_block: return "would_block";
    }
    return "internal";
}

std::string_view to_string(SessionStatus s) noexcept {
    switch (s) {
    case SessionStatus::scheduled: return "scheduled";
    case SessionStatus::live: return "live";
    case SessionStatus::ended: return "ended";
    case SessionStatus::cancelled: return "cancelled";
    }
    return "scheduled";
}

std::optional<SessionStatus> parse_session_status(std::string_view s) noexcept {
    for (auto st : all_session_statuses)
        if (to_string(st) == s) return st;
    return std::nullopt;
}

std::optional<SessionFilter> parse_session_filter(std::string_view s) noexcept {
    if (s == "all" || s.empty()) return SessionFilter::all;
    if (s == "upcoming") return SessionFilter::upcoming;
    if (s == "live") return SessionFilter::live;
    if (s == "past") return SessionFilter::past;
    return std::nullopt;
}

std::string_view to_string(SessionAction a) noexcept {
    switch (a) {
    case SessionAction::edit: return "edit";
    case SessionAction::start: return "start";
    case SessionAction::end: return "end";
    case SessionAction::cancel: return "cancel";
    case SessionAction::join: return "join";
    case SessionAction::token: return "token";
    case SessionAction::chat: return "chat";
    }
    return "edit";
}

std::string_view to_string(Role r) noexcept {
    switch (r) {
    case Role::none: return "none";
    case Role::student: return "student";
    case Role::moderator: return "moderator";
    case Role::instructor: return "instructor";
    }
    return "none";
}

std::optional<Role> parse_role(std::string_view s) noexcept {
    for (auto r : {Role::none, Role::student, Role::moderator, Role::instructor})
        if (to_string(r) == s) return r;
    return std::nullopt;
}

std::string_view to_string(PresenceSource s) noexcept {
    switch (s) {
    case PresenceSource::client: return "client";
    case PresenceSource::heartbeat: return "heartbeat";
    case PresenceSource::video_server: return "video_server";
    }
    return "client";
}

std::optional<PresenceSource> parse_presence_source(std::string_view s) noexcept {
    for (auto src : {PresenceSource::client, PresenceSource::heartbeat, PresenceSource::video_server})
        if (to_string(src) == s) return src;
    return std::nullopt;
}

std::string_view to_string(ChatType t) noexcept {
    switch (t) {
    case ChatType::text: return "text";
    case ChatType::question: return "question";
    case ChatType::answer: return "answer";
    }
    return "text";
}

std::optional<ChatType> parse_chat_type(std::string_view s) noexcept {
    for (auto t : {ChatType::text, ChatType::question, ChatType::answer})
        if (to_string(t) == s) return t;
    return std::nullopt;
}

}  // namespace livecourse
