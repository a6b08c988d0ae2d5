#include <livecourse/access.hpp>
#include <livecourse/error.hpp>

#include <fmt/format.h>

namespace livecourse {

AccessDecision AccessPolicy::view(Role role) noexcept {
    if (role == Role::none) return {false, reason::not_enrolled};
    return {true, {}};
}

AccessDecision AccessPolicy::manage(Role role) noexcept {
    if (role == Role::none) return {false, reason::not_enrolled};
    if (!is_staff(role)) return {false, reason::forbidden};
    return {true, {}};
}

AccessDecision AccessPolicy::join(Role role, SessionStatus status) noexcept {
    if (role == Role::none) return {false, reason::not_enrolled};
    switch (status) {
    case SessionStatus::live: return {true, {}};
    case SessionStatus::scheduled: return {false, reason::not_live};
    case SessionStatus::ended: return {false, reason::session_ended};
    case SessionStatus::cancelled: return {false, reason::session_cancelled};
    }
    return {false, reason::forbidden};
}

AccessDecision AccessPolicy::see_room(Role role) noexcept {
    // The same rule as managing: whoever runs the class may read its room;
    // a student gets it from the join that admitted them, and only then.
    return manage(role);
}

void enforce(const AccessDecision& d, std::string_view action) {
    if (d.allowed) return;
    // Every access refusal is a `forbidden`, including the seed's status checks
    // on joining (ended, cancelled, not yet live); the reason tells them apart.
    throw Error(ErrorCode::forbidden, fmt::format("not allowed to {}: {}", action, d.reason), std::string(d.reason));
}

}  // namespace livecourse
