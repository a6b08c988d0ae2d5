#include <livecourse/error.hpp>
#include <livecourse/status_machine.hpp>

#include <fmt/format.h>

namespace livecourse {

namespace {
// The single source of truth: rows are statuses, columns actions, in the
// order of all_session_statuses / all_session_actions. `stay` marks actions
// that are allowed but leave the status unchanged; `no` refuses.
enum Cell { no, stay, to_live, to_ended, to_cancelled };

constexpr Cell table[4][7] = {
    //             edit   start     end       cancel        join  token  chat
    /*scheduled*/ {stay, to_live, no,       to_cancelled, no,   no,    no},
    /*live*/      {no,   no,      to_ended, to_cancelled, stay, stay,  stay},
    /*ended*/     {no,   no,      no,       no,           no,   no,    no},
    /*cancelled*/ {no,   no,      no,       no,           no,   no,    no},
};
}  // namespace

std::optional<SessionStatus> next_status(SessionStatus from, SessionAction action) noexcept {
    switch (table[static_cast<int>(from)][static_cast<int>(action)]) {
    case no: return std::nullopt;
    case stay: return from;
    case to_live: return SessionStatus::live;
    case to_ended: return SessionStatus::ended;
    case to_cancelled: return SessionStatus::cancelled;
    }
    return std::nullopt;
}

std::string_view refusal_reason(SessionStatus from) noexcept {
    switch (from) {
    case SessionStatus::ended: return reason::session_ended;
    case SessionStatus::cancelled: return reason::session_cancelled;
    case SessionStatus::scheduled: return reason::not_live;
    case SessionStatus::live: return reason::not_scheduled;
    }
    return reason::invalid_transition;
}

SessionStatus require_transition(SessionStatus from, SessionAction action) {
    if (auto next = next_status(from, action)) return *next;
    throw Error(ErrorCode::conflict,
                fmt::format("cannot {} a session that is {}", to_string(action), to_string(from)),
                std::string(refusal_reason(from)), "status");
}

}  // namespace livecourse
