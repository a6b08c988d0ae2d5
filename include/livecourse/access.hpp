// Access policy: who may do what to a session, as a value (allowed, or the
// stable reason code of the refusal) rather than an exception thrown from deep
// inside, so that callers can test and report decisions uniformly.
//
// The seed's checks: an authenticated actor, enrolled in the course, a seat
// free (decided atomically by the store, not here), a session neither
// cancelled nor ended. Only the course's instructor or a moderator may
// create, start, end, cancel or edit sessions and read attendance.
//
// The Jitsi room name is a key: on a public server whoever knows it enters
// the room. It goes to an admitted participant in the join result, and to
// the course's staff when they read or manage one session; never through
// listings, calendars, feeds or notifications, which reach every member,
// including those refused a seat.
//
// Thread-safety: pure functions.
#pragma once

#include <livecourse/roster.hpp>
#include <livecourse/session.hpp>

#include <string_view>

namespace livecourse {

struct AccessDecision {
    bool allowed = false;
    std::string_view reason;  // empty when allowed
    explicit operator bool() const noexcept { return allowed; }
};

class AccessPolicy {
public:
    // See a session, its listing and its calendar entry: any member of the course.
    static AccessDecision view(Role role) noexcept;
    // Create, edit, start, end, cancel; read attendance and statistics.
    static AccessDecision manage(Role role) noexcept;
    // Join (take a seat) in a session of the given status, and fetch a token
    // for it: a member, while the status machine (status_machine.hpp) allows
    // the action; refused with its reason otherwise.
    static AccessDecision join(Role role, SessionStatus status) noexcept;
    static AccessDecision token(Role role, SessionStatus status) noexcept;
    // Take part in what a session's admitted participants share (a token,
    // the chat): its staff, who need no seat, or a user join admitted.
    static AccessDecision take_part(Role role, bool admitted) noexcept;
    // Read the room name in a session (not in a join result): staff only, in
    // every Jitsi mode.
    static AccessDecision see_room(Role role) noexcept;
};

// Throws Error(forbidden or conflict) carrying the decision's reason.
void enforce(const AccessDecision& decision, std::string_view action);

}  // namespace livecourse
