// The reminders an enrollment plans, the same for both wings: each wing reads
// the course's scheduled sessions inside its write transaction and writes the
// plan this returns, as any other plan.
//
// Thread-safety: a pure function.
#pragma once

#include <livecourse/clock.hpp>
#include <livecourse/notifications.hpp>
#include <livecourse/session.hpp>

#include <string_view>
#include <vector>

namespace livecourse::store_detail {

// For `user`, just enrolled: rule by rule of reminder_rules, the reminders
// of the `scheduled` sessions (the course's, not led by the user) still due
// at or after `now`. NotificationPlanner::reminders makes each, so its
// idempotency key is the one the session's own planning gives the same
// reminder of the same start: whichever plans it first, one copy is stored.
NotificationPlan enrollment_reminders(const std::vector<Session>& scheduled, std::string_view user, Instant now);

}  // namespace livecourse::store_detail
