#include <livecourse/access.hpp>
#include <livecourse/error.hpp>
#include <livecourse/status_machine.hpp>

#include <fmt/format.h>

namespace livecourse {

namespace {
// A member may do what the status machine allows in this status.
AccessDecision member_during(Role role, SessionStatus status, SessionAction action) noexcept {
    if (role == Role::none) return {false, reason::not_enrolled};
    if (next_status(status, action)) return {true, {}};
    return {false, refusal_reason(status)};
}
}  // namespace

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
    return member_during(role, status, SessionAction::join);
}

AccessDecision AccessPolicy::token(Role role, SessionStatus status) noexcept {
    return member_during(role, status, SessionAction::token);
}

AccessDecision AccessPolicy::take_part(Role role, bool admitted) noexcept {
    if (is_staff(role) || admitted) return {true, {}};
    return {false, reason::not_participant};
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
