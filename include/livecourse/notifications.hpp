// Notifications: what users must be told later ("your class starts in an
// hour", "it is live now", "it moved", "it was cancelled", "the recording is
// up"), kept in a durable outbox and handed to the host like a queue.
//
// Planning is pure: `NotificationPlanner` turns one change of a session (its
// value before and after) into a `NotificationPlan`, which the store writes in
// the same transaction as the change itself, so no notification is lost and
// none exists for a change that was rolled back. A plan names its recipients
// either explicitly (a host roster that lists members) or as "every member of
// the course in the built-in roster", which the store reads inside that
// transaction, so a concurrent enrollment is never missed.
//
// Rules (docs/notifications.md):
//  - creating or editing a scheduled session plans `reminder_24h` and
//    `reminder_1h` for every member of the course (students, moderators and
//    instructors) except the acting user. A reminder whose time has already
//    passed when it is planned is not sent late: a session created 2 hours
//    ahead gets the 1 h reminder only, one created 30 minutes ahead none;
//  - an edit drops the reminders not yet due and plans them again from the
//    new values; if the times changed, `session_rescheduled` goes to each
//    recipient already reminded (one of their reminders of the session was
//    due by then);
//  - start: `session_live`; cancel: `session_cancelled` (with the reason) and
//    the undelivered reminders dropped; a recording URL appearing:
//    `recording_available`. Start, end and cancel drop undelivered reminders;
//  - enrolling in the built-in roster plans the not-yet-due reminders of the
//    course's scheduled sessions; unenrolling drops every undelivered
//    notification of the user in that course.
// Each notification has an idempotency key, stable across retries and unique
// per planned event (`kind:session:discriminator:user`): planning the same
// event twice is a no-op, and a host can deduplicate on it.
//
// Consumption (Engine::claim_notifications and friends): a claim leases due
// notifications to one consumer; an ack marks them delivered; a failure or an
// expired lease makes them claimable again, with backoff, until
// `max_attempts` attempts have failed and the notification is parked `dead`.
//
// Thread-safety: values and pure functions.
#pragma once

#include <livecourse/clock.hpp>
#include <livecourse/session.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livecourse {

enum class NotificationKind {
    reminder_24h,
    reminder_1h,
    session_live,
    session_cancelled,
    session_rescheduled,
    recording_available,
};
std::string_view to_string(NotificationKind k) noexcept;
std::optional<NotificationKind> parse_notification_kind(std::string_view s) noexcept;
constexpr bool is_reminder(NotificationKind k) noexcept {
    return k == NotificationKind::reminder_24h || k == NotificationKind::reminder_1h;
}

// pending: waiting to be claimed, or claimed and not yet acknowledged;
// delivered: acknowledged; dead: parked after max_attempts failed attempts.
enum class NotificationState { pending, delivered, dead };
std::string_view to_string(NotificationState s) noexcept;
std::optional<NotificationState> parse_notification_state(std::string_view s) noexcept;

struct Notification {
    std::string id;  // stable; the webhook-id of every delivery attempt
    NotificationKind kind = NotificationKind::reminder_1h;
    std::string user_id;
    std::string course_id;
    std::string session_id;
    // The session as it was when the notification was planned.
    std::string title;
    Instant starts_at{};
    Instant ends_at{};
    std::string timezone = "UTC";
    std::string join_url;  // filled by the engine (CalendarConfig::join_url_pattern)
    std::optional<std::string> cancel_reason;
    Instant created_at{};
    Instant due_at{};
    int attempts = 0;  // claims so far
    std::string idempotency_key;
    NotificationState state = NotificationState::pending;
    // When a pending notification may next be claimed: due_at, then the end
    // of a lease, then the end of a backoff.
    Instant next_attempt_at{};
    std::optional<Instant> delivered_at;
    std::optional<std::string> last_error;
    bool read = false;  // in-app lists only: at or before the user's read marker
};

// A page of notifications; pass `next_cursor` back for the next one.
struct NotificationPage {
    std::vector<Notification> notifications;
    std::optional<std::string> next_cursor;
};

// A user's in-app list: due notifications, newest first, with the read marker.
struct InAppNotifications {
    std::vector<Notification> notifications;
    std::optional<std::string> next_cursor;
    std::optional<std::string> read_up_to;  // id of the newest notification marked read
    std::int64_t unread_count = 0;          // due notifications after the marker
};

struct ReadMarker {
    std::optional<std::string> read_up_to;
    std::int64_t unread_count = 0;
};

// ------------------------------------------------------------------ planning

struct ReminderRule {
    NotificationKind kind;
    Seconds before;  // due this long before the session starts
};
inline constexpr std::array<ReminderRule, 2> reminder_rules = {{
    {NotificationKind::reminder_24h, Seconds(24 * 3600)},
    {NotificationKind::reminder_1h, Seconds(3600)},
}};

// One notification to send to each recipient of a plan. The store makes the
// per-user copies; the idempotency key of a copy is key_prefix + user_id.
struct PlannedNotification {
    NotificationKind kind = NotificationKind::reminder_1h;
    std::string course_id;
    std::string session_id;
    std::string title;
    Instant starts_at{};
    Instant ends_at{};
    std::string timezone = "UTC";
    std::optional<std::string> cancel_reason;
    Instant created_at{};
    Instant due_at{};
    std::string key_prefix;
};

// The idempotency key's prefix: "<kind>:<session_id>:<discriminator>:".
std::string notification_key_prefix(NotificationKind kind, std::string_view session_id,
                                    std::string_view discriminator);

struct Recipients {
    // nullopt: every member of the course (any role) in the built-in roster,
    // read by the store inside the write transaction.
    std::optional<std::vector<std::string>> users;
    std::string except;  // the acting user, never told of their own action
};

// Which reminders of `Session` a change removes before planning anew.
enum class ReminderDrop {
    none,
    not_yet_due,  // due after `now`: an edit plans them again
    undelivered,  // every pending one: start, end, cancel
};

struct NotificationPlan {
    Recipients recipients;
    Instant now{};
    ReminderDrop drop = ReminderDrop::none;
    std::vector<std::string> drop_sessions;  // whose reminders `drop` applies to
    std::vector<PlannedNotification> notify;  // to every recipient
    // Only to recipients already reminded of the notification's session (one
    // of their reminders of it was due by `now`), judged after the drop.
    std::vector<PlannedNotification> notify_reminded;

    bool empty() const noexcept {
        return (drop == ReminderDrop::none || drop_sessions.empty()) && notify.empty() && notify_reminded.empty();
    }
};

class NotificationPlanner {
public:
    // The reminders of a scheduled session that are not yet due at `now`.
    static std::vector<PlannedNotification> reminders(const Session& s, Instant now);
    // A new session (or each occurrence of a new series).
    static NotificationPlan created(const std::vector<Session>& sessions, Instant now, Recipients recipients);
    // One change of a session, from `before` to `after` (same id).
    static NotificationPlan changed(const Session& before, const Session& after, Instant now,
                                    Recipients recipients);
    // How long a notification waits after its `attempts`-th failed attempt
    // when the consumer names no delay: d = min(first_retry * 2^(attempts-1),
    // max_retry) (first_retry for attempts < 1), then a point in [ceil(d/2),
    // d] picked by `jitter` (any 32-bit value; the engine draws it from the
    // CSPRNG) so that consumers failing together spread out; at least 1 s.
    static Seconds retry_delay(int attempts, Seconds first_retry, Seconds max_retry, std::uint32_t jitter) noexcept;
};

}  // namespace livecourse
