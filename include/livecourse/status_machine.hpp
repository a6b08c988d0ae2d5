// The session status machine: one explicit table of which action is allowed
// in which status and where it leads.
//
//   scheduled --start--> live --end--> ended
//   scheduled --cancel--> cancelled
//   live --cancel--> cancelled   (an instructor abandons a class that went
//                                 wrong; attendance is closed as for `end`)
//   scheduled --edit--> scheduled
//
// Joining, leaving, fetching a token and chatting are not transitions but are
// only meaningful while live; the table answers those too so that every
// status x action pair has exactly one answer.
//
// Thread-safety: pure functions.
#pragma once

#include <livecourse/session.hpp>

#include <optional>
#include <string_view>

namespace livecourse {

enum class SessionAction { edit, start, end, cancel, join, token, chat };

inline constexpr SessionAction all_session_actions[] = {
    SessionAction::edit, SessionAction::start, SessionAction::end, SessionAction::cancel,
    SessionAction::join, SessionAction::token, SessionAction::chat};
inline constexpr SessionStatus all_session_statuses[] = {
    SessionStatus::scheduled, SessionStatus::live, SessionStatus::ended, SessionStatus::cancelled};

std::string_view to_string(SessionAction a) noexcept;

// The status after `action` in `from`, or nullopt if the action is refused.
std::optional<SessionStatus> next_status(SessionStatus from, SessionAction action) noexcept;

// The reason an action refused in `from` carries, the most useful one for a
// caller: `session_ended`, `session_cancelled`, `not_live` (a join before
// start) or `not_scheduled` (an edit after start).
std::string_view refusal_reason(SessionStatus from) noexcept;

// Throws Error(conflict) naming the current status, with refusal_reason(from),
// when refused.
SessionStatus require_transition(SessionStatus from, SessionAction action);

}  // namespace livecourse
