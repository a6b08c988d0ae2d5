// The SQLite store's notification outbox: plans written in the transaction
// of the change that causes them, leased claims, acknowledgements, lists.
#include "store/sqlite/sqlite_rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include "store/enrollment_reminders.hpp"
#include "store/outbox_cursor.hpp"

#include <limits>

namespace livecourse::sqlite {

namespace {

// A plan's copies for one recipient, or (user empty) for every member of the
// course in the built-in roster; `reminded_only` keeps the recipients already
// reminded of the session. Parameters: 1 key prefix, 2 user, 3 kind,
// 4 course, 5 session, 6 title, 7 starts_at, 8 ends_at, 9 timezone,
// 10 cancel_reason, 11 created_at, 12 due_at, 13 except, 14 reminded_only,
// 15 now.
// clang-format off
const char* const plan_for_user_sql = R"sql(
INSERT INTO notifications (idempotency_key, kind, user_id, course_id, session_id, title, starts_at, ends_at,
                           timezone, cancel_reason, created_at, due_at, available_at)
SELECT ?1 || ?2, ?3, ?2, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12
 WHERE ?2 <> ?13
   AND (?14 = 0 OR EXISTS (SELECT 1 FROM notifications r
                            WHERE r.session_id = ?5 AND r.user_id = ?2
                              AND r.kind IN ('reminder_24h', 'reminder_1h') AND r.due_at <= ?15))
ON CONFLICT (idempotency_key) DO NOTHING
)sql";
const char* const plan_for_members_sql = R"sql(
INSERT INTO notifications (idempotency_key, kind, user_id, course_id, session_id, title, starts_at, ends_at,
                           timezone, cancel_reason, created_at, due_at, available_at)
SELECT ?1 || e.user_id, ?3, e.user_id, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12
  FROM enrollments e
 WHERE e.course_id = ?4 AND e.user_id <> ?13
   AND (?14 = 0 OR EXISTS (SELECT 1 FROM notifications r
                            WHERE r.session_id = ?5 AND r.user_id = e.user_id
                              AND r.kind IN ('reminder_24h', 'reminder_1h') AND r.due_at <= ?15))
ON CONFLICT (idempotency_key) DO NOTHING
)sql";
const char* const scheduled_of_course_sql = "SELECT " SESSION_COLUMNS R"sql(
  FROM sessions
 WHERE course_id = ?1 AND status = 'scheduled' AND instructor_id <> ?2 AND starts_at >= ?3
 ORDER BY starts_at, id
)sql";
const char* const drop_not_yet_due_sql = R"sql(
DELETE FROM notifications
 WHERE session_id = ?1 AND kind IN ('reminder_24h', 'reminder_1h') AND state = 'pending' AND due_at > ?2
)sql";
const char* const drop_undelivered_sql = R"sql(
DELETE FROM notifications WHERE session_id = ?1 AND kind IN ('reminder_24h', 'reminder_1h') AND state = 'pending'
)sql";
const char* const expire_exhausted_sql = R"sql(
UPDATE notifications
   SET state = 'dead', last_error = 'the lease of the last attempt expired without an acknowledgement'
 WHERE state = 'pending' AND available_at <= ?1 AND attempts >= ?2
)sql";
const char* const claim_sql = R"sql(
UPDATE notifications SET attempts = attempts + 1, available_at = ?2, leased_until = ?2
 WHERE id IN (SELECT id FROM notifications WHERE state = 'pending' AND available_at <= ?1
               ORDER BY available_at, id LIMIT ?3)
RETURNING )sql" NOTIFICATION_COLUMNS;
const char* const ack_sql = R"sql(
UPDATE notifications SET state = 'delivered', delivered_at = ?2
 WHERE id = ?1 AND state IN ('pending', 'dead') AND attempts > 0
)sql";
const char* const fail_sql = R"sql(
UPDATE notifications
   SET state = CASE WHEN attempts >= ?3 THEN 'dead' ELSE 'pending' END, available_at = ?2, leased_until = NULL,
       last_error = ?4
 WHERE id = ?1 AND state = 'pending' AND leased_until IS NOT NULL AND (?5 IS NULL OR attempts = ?5)
RETURNING )sql" NOTIFICATION_COLUMNS;
const char* const retry_sql = R"sql(
UPDATE notifications SET state = 'pending', attempts = 0, available_at = ?2, leased_until = NULL, last_error = NULL
 WHERE id = ?1 AND state = 'dead'
RETURNING )sql" NOTIFICATION_COLUMNS;
const char* const in_state_sql = "SELECT " NOTIFICATION_COLUMNS R"sql(
  FROM notifications WHERE state = ?1 AND id > ?2 ORDER BY id LIMIT ?3
)sql";
const char* const user_list_sql = "SELECT " NOTIFICATION_COLUMNS R"sql(
  FROM notifications WHERE user_id = ?1 AND due_at <= ?2 AND (due_at, id) < (?3, ?4)
 ORDER BY due_at DESC, id DESC LIMIT ?5
)sql";
const char* const unread_sql = R"sql(
SELECT COUNT(*) FROM notifications WHERE user_id = ?1 AND due_at <= ?2 AND (due_at, id) > (?3, ?4)
)sql";
const char* const move_marker_sql = R"sql(
INSERT INTO notification_reads (user_id, due_at, notification_id) VALUES (?1, ?2, ?3)
ON CONFLICT (user_id) DO UPDATE SET due_at = excluded.due_at, notification_id = excluded.notification_id
 WHERE (excluded.due_at, excluded.notification_id) > (notification_reads.due_at, notification_reads.notification_id)
)sql";
// clang-format on

void add_planned(Connection& c, const NotificationPlan& plan, const PlannedNotification& n, bool reminded_only) {
    auto run = [&](const char* sql, const std::string* user) {
        Use q(c, sql);
        q->bind(1, n.key_prefix);
        if (user) q->bind(2, *user);
        q->bind(3, std::string(to_string(n.kind)));
        q->bind(4, n.course_id);
        q->bind(5, static_cast<std::int64_t>(parse_id(n.session_id).value_or(0)));
        q->bind(6, n.title);
        q->bind(7, static_cast<std::int64_t>(secs(n.starts_at)));
        q->bind(8, static_cast<std::int64_t>(secs(n.ends_at)));
        q->bind(9, n.timezone);
        bind_opt(*q, 10, n.cancel_reason);
        q->bind(11, static_cast<std::int64_t>(secs(n.created_at)));
        q->bind(12, static_cast<std::int64_t>(secs(n.due_at)));
        q->bind(13, plan.recipients.except);
        q->bind(14, reminded_only ? 1 : 0);
        q->bind(15, static_cast<std::int64_t>(secs(plan.now)));
        q->exec();
    };
    if (plan.recipients.users) {
        for (const auto& user : *plan.recipients.users) run(plan_for_user_sql, &user);
    } else {
        run(plan_for_members_sql, nullptr);
    }
}

// The read marker of a user and the number of due notifications after it.
ReadMarker read_marker(Connection& c, std::string_view user, Instant now) {
    ReadMarker m;
    std::int64_t due = -1, id = 0;
    {
        Use q(c, "SELECT due_at, notification_id FROM notification_reads WHERE user_id = ?1");
        q->bind(1, std::string(user));
        if (q->executeStep()) {
            due = q->getColumn(0).getInt64();
            id = q->getColumn(1).getInt64();
            m.read_up_to = std::to_string(id);
        }
    }
    Use q(c, unread_sql);
    q->bind(1, std::string(user));
    q->bind(2, static_cast<std::int64_t>(secs(now)));
    q->bind(3, static_cast<std::int64_t>(due));
    q->bind(4, static_cast<std::int64_t>(id));
    q->executeStep();
    m.unread_count = q->getColumn(0).getInt64();
    return m;
}

}  // namespace

// The plan of notifications.hpp, inside the caller's write transaction.
void apply_plan(Connection& c, const NotificationPlan& plan) {
    if (plan.drop != ReminderDrop::none) {
        for (const auto& session : plan.drop_sessions) {
            bool due_only = plan.drop == ReminderDrop::not_yet_due;
            Use q(c, due_only ? drop_not_yet_due_sql : drop_undelivered_sql);
            q->bind(1, static_cast<std::int64_t>(parse_id(session).value_or(0)));
            if (due_only) q->bind(2, static_cast<std::int64_t>(secs(plan.now)));
            q->exec();
        }
    }
    for (const auto& n : plan.notify) add_planned(c, plan, n, false);
    for (const auto& n : plan.notify_reminded) add_planned(c, plan, n, true);
}

// The outbox side of an enrollment change (Store::set_enrollment with `now`).
void plan_enrollment(Connection& c, std::string_view course, std::string_view user, Role role, Instant now) {
    if (role == Role::none) {
        Use q(c, "DELETE FROM notifications WHERE user_id = ?1 AND course_id = ?2 AND state = 'pending'");
        q->bind(1, std::string(user));
        q->bind(2, std::string(course));
        q->exec();
        return;
    }
    // The course's sessions that may still be reminded of, in the order
    // their reminders take their ids.
    std::vector<Session> scheduled;
    {
        Use q(c, scheduled_of_course_sql);
        q->bind(1, std::string(course));
        q->bind(2, std::string(user));
        q->bind(3, static_cast<std::int64_t>(secs(now)));
        while (q->executeStep()) scheduled.push_back(read_session(*q));
    }
    apply_plan(c, store_detail::enrollment_reminders(scheduled, user, now));
}

std::vector<Notification> SqliteStore::claim_notifications(Instant now, int limit, Seconds lease, int max_attempts) {
    return write([&](Connection& c) {
        {
            // Leases that ended on the last allowed attempt: parked, not claimed.
            Use q(c, expire_exhausted_sql);
            q->bind(1, static_cast<std::int64_t>(secs(now)));
            q->bind(2, max_attempts);
            q->exec();
        }
        // Inside the write transaction: no other claim, in any process,
        // runs between the choice of rows and their lease.
        Use q(c, claim_sql);
        q->bind(1, static_cast<std::int64_t>(secs(now)));
        q->bind(2, static_cast<std::int64_t>(secs(now + lease)));
        q->bind(3, limit);
        std::vector<Notification> out;
        while (q->executeStep()) out.push_back(read_notification(*q));
        store_detail::sort_claimed(out);
        return out;
    });
}

std::vector<std::string> SqliteStore::ack_notifications(const std::vector<std::string>& ids, Instant now) {
    auto keys = store_detail::parse_ids(ids);
    if (keys.empty()) return {};
    return write([&](Connection& c) {
        std::vector<std::string> acked;
        Use q(c, ack_sql);
        for (auto k : keys) {
            q->reset();
            q->bind(1, static_cast<std::int64_t>(k));
            q->bind(2, static_cast<std::int64_t>(secs(now)));
            if (q->exec() == 1) acked.push_back(std::to_string(k));
        }
        return acked;
    });
}

std::optional<Notification> SqliteStore::fail_notification(std::string_view id, std::optional<int> attempt, Instant now,
                                                           Seconds retry_in, int max_attempts,
                                                           std::string_view error) {
    auto key = parse_id(id);
    if (!key) return std::nullopt;
    return write([&](Connection& c) -> std::optional<Notification> {
        Use q(c, fail_sql);
        q->bind(1, static_cast<std::int64_t>(*key));
        q->bind(2, static_cast<std::int64_t>(secs(now + retry_in)));
        q->bind(3, max_attempts);
        q->bind(4, std::string(error));
        if (attempt) q->bind(5, *attempt);
        else q->bind(5);
        if (!q->executeStep()) return std::nullopt;
        auto n = read_notification(*q);
        while (q->executeStep()) {
        }
        return n;
    });
}

std::optional<Notification> SqliteStore::retry_notification(std::string_view id, Instant now) {
    auto key = parse_id(id);
    if (!key) return std::nullopt;
    return write([&](Connection& c) -> std::optional<Notification> {
        Use q(c, retry_sql);
        q->bind(1, static_cast<std::int64_t>(*key));
        q->bind(2, static_cast<std::int64_t>(secs(now)));
        if (!q->executeStep()) return std::nullopt;
        auto n = read_notification(*q);
        while (q->executeStep()) {
        }
        return n;
    });
}

std::optional<Notification> SqliteStore::find_notification(std::string_view id) {
    auto key = parse_id(id);
    if (!key) return std::nullopt;
    return read([&](Connection& c) -> std::optional<Notification> {
        Use q(c, "SELECT " NOTIFICATION_COLUMNS " FROM notifications WHERE id = ?1");
        q->bind(1, static_cast<std::int64_t>(*key));
        if (!q->executeStep()) return std::nullopt;
        return read_notification(*q);
    });
}

NotificationPage SqliteStore::notifications_in_state(NotificationState state, std::optional<std::string_view> cursor,
                                                     int limit) {
    std::int64_t after = cursor ? store_detail::parse_id_cursor(*cursor) : 0;
    return read([&](Connection& c) {
        Use q(c, in_state_sql);
        q->bind(1, std::string(to_string(state)));
        q->bind(2, static_cast<std::int64_t>(after));
        q->bind(3, limit + 1);
        NotificationPage page;
        while (q->executeStep()) page.notifications.push_back(read_notification(*q));
        page.next_cursor =
            store_detail::cut_page(page.notifications, limit, [](const Notification& n) { return n.id; });
        return page;
    });
}

InAppNotifications SqliteStore::user_notifications(std::string_view user, Instant now,
                                                   std::optional<std::string_view> cursor, int limit) {
    std::pair<std::int64_t, std::int64_t> before{secs(now) + 1, 0};
    if (cursor) before = store_detail::parse_due_cursor(*cursor);
    return read([&](Connection& c) {
        InAppNotifications out;
        auto marker = read_marker(c, user, now);
        out.read_up_to = marker.read_up_to;
        out.unread_count = marker.unread_count;
        std::pair<std::int64_t, std::int64_t> read_to{-1, 0};
        if (marker.read_up_to) {
            Use m(c, "SELECT due_at, notification_id FROM notification_reads WHERE user_id = ?1");
            m->bind(1, std::string(user));
            if (m->executeStep()) read_to = {m->getColumn(0).getInt64(), m->getColumn(1).getInt64()};
        }
        Use q(c, user_list_sql);
        q->bind(1, std::string(user));
        q->bind(2, static_cast<std::int64_t>(secs(now)));
        q->bind(3, static_cast<std::int64_t>(before.first));
        q->bind(4, static_cast<std::int64_t>(cursor ? before.second : std::numeric_limits<std::int64_t>::max()));
        q->bind(5, limit + 1);
        while (q->executeStep()) out.notifications.push_back(read_notification(*q));
        store_detail::finish_user_page(out, limit, read_to);
        return out;
    });
}

std::optional<ReadMarker> SqliteStore::mark_notifications_read(std::string_view user, std::string_view up_to,
                                                               Instant now) {
    auto key = parse_id(up_to);
    if (!key) return std::nullopt;
    return write([&](Connection& c) -> std::optional<ReadMarker> {
        std::int64_t due = 0;
        {
            Use q(c, "SELECT due_at FROM notifications WHERE id = ?1 AND user_id = ?2 AND due_at <= ?3");
            q->bind(1, static_cast<std::int64_t>(*key));
            q->bind(2, std::string(user));
            q->bind(3, static_cast<std::int64_t>(secs(now)));
            if (!q->executeStep()) return std::nullopt;
            due = q->getColumn(0).getInt64();
        }
        {
            // Forward only: a stale page marking an older notification
            // read never unreads the newer ones.
            Use q(c, move_marker_sql);
            q->bind(1, std::string(user));
            q->bind(2, static_cast<std::int64_t>(due));
            q->bind(3, static_cast<std::int64_t>(*key));
            q->exec();
        }
        return read_marker(c, user, now);
    });
}

}  // namespace livecourse::sqlite
