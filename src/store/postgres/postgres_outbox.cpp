// The PostgreSQL store's notification outbox: plans written in the
// transaction of the change that causes them, leased claims (FOR UPDATE SKIP
// LOCKED), acknowledgements, lists.
#include "store/postgres/postgres_rows.hpp"
#include "store/postgres/postgres_store.hpp"

#include "store/enrollment_reminders.hpp"
#include "store/outbox_cursor.hpp"

#include <algorithm>
#include <limits>

namespace livecourse::pg {

namespace {

// Every statement of this file; each is prepared once per connection.
namespace sql {
// clang-format off
// Writers that plan for a course serialise on it (a transaction-scoped
// advisory lock keyed by the course), so that a session created or moved
// while someone enrolls is seen by one of the two: READ COMMITTED alone
// would let each miss the other's uncommitted row.
const Statement lock_course{"lc_ntf_lock_course", R"sql(
SELECT pg_advisory_xact_lock(1818455668, hashtext($1::text))
)sql"};
// 1 key prefix, 2 user, 3 kind, 4 course, 5 session, 6 title, 7 starts_at,
// 8 ends_at, 9 timezone, 10 cancel_reason, 11 created_at, 12 due_at,
// 13 except, 14 reminded_only, 15 now.
const Statement plan_for_user{"lc_ntf_plan_for_user", R"sql(
INSERT INTO notifications (idempotency_key, kind, user_id, course_id, session_id, title, starts_at, ends_at,
                           timezone, cancel_reason, created_at, due_at, available_at)
SELECT $1::text || $2::text, $3::text, $2::text, $4::text, $5::bigint, $6::text, to_timestamp($7::bigint),
       to_timestamp($8::bigint), $9::text, $10::text, to_timestamp($11::bigint), to_timestamp($12::bigint),
       to_timestamp($12::bigint)
 WHERE $2::text <> $13::text
   AND (NOT $14::boolean OR EXISTS (SELECT 1 FROM notifications r
                                     WHERE r.session_id = $5::bigint AND r.user_id = $2::text
                                       AND r.kind IN ('reminder_24h', 'reminder_1h')
                                       AND r.due_at <= to_timestamp($15::bigint)))
ON CONFLICT (idempotency_key) DO NOTHING
)sql"};
// The same for every member of the course in the built-in roster: 1 key
// prefix, 2 kind, 3 course, 4 session, 5 title, 6 starts_at, 7 ends_at,
// 8 timezone, 9 cancel_reason, 10 created_at, 11 due_at, 12 except,
// 13 reminded_only, 14 now.
const Statement plan_for_members{"lc_ntf_plan_for_members", R"sql(
INSERT INTO notifications (idempotency_key, kind, user_id, course_id, session_id, title, starts_at, ends_at,
                           timezone, cancel_reason, created_at, due_at, available_at)
SELECT $1::text || e.user_id, $2::text, e.user_id, $3::text, $4::bigint, $5::text, to_timestamp($6::bigint),
       to_timestamp($7::bigint), $8::text, $9::text, to_timestamp($10::bigint), to_timestamp($11::bigint),
       to_timestamp($11::bigint)
  FROM enrollments e
 WHERE e.course_id = $3::text AND e.user_id <> $12::text
   AND (NOT $13::boolean OR EXISTS (SELECT 1 FROM notifications r
                                     WHERE r.session_id = $4::bigint AND r.user_id = e.user_id
                                       AND r.kind IN ('reminder_24h', 'reminder_1h')
                                       AND r.due_at <= to_timestamp($14::bigint)))
ON CONFLICT (idempotency_key) DO NOTHING
)sql"};
const Statement drop_not_yet_due{"lc_ntf_drop_not_yet_due", R"sql(
DELETE FROM notifications
 WHERE session_id = $1 AND kind IN ('reminder_24h', 'reminder_1h') AND state = 'pending'
   AND due_at > to_timestamp($2::bigint)
)sql"};
const Statement drop_undelivered{"lc_ntf_drop_undelivered", R"sql(
DELETE FROM notifications WHERE session_id = $1 AND kind IN ('reminder_24h', 'reminder_1h') AND state = 'pending'
)sql"};
const Statement drop_user_pending{"lc_ntf_drop_user_pending", R"sql(
DELETE FROM notifications WHERE user_id = $1 AND course_id = $2 AND state = 'pending'
)sql"};
// The course's sessions that may still be reminded of, in the order their
// reminders take their ids.
const Statement scheduled_of_course{"lc_ntf_scheduled_of_course", "SELECT " SESSION_COLUMNS R"sql(
  FROM sessions
 WHERE course_id = $1 AND status = 'scheduled' AND instructor_id <> $2 AND starts_at >= to_timestamp($3::bigint)
 ORDER BY starts_at, id
)sql"};
const Statement expire_exhausted{"lc_ntf_expire_exhausted", R"sql(
UPDATE notifications
   SET state = 'dead', last_error = 'the lease of the last attempt expired without an acknowledgement'
 WHERE id IN (SELECT id FROM notifications
               WHERE state = 'pending' AND available_at <= to_timestamp($1::bigint) AND attempts >= $2
                 FOR UPDATE SKIP LOCKED)
)sql"};
// SKIP LOCKED: concurrent claimers pass over each other's rows instead of
// queueing behind them; a row whose lease another claimer just took is
// re-checked on its newest version and no longer qualifies.
const Statement claim{"lc_ntf_claim", R"sql(
UPDATE notifications n
   SET attempts = n.attempts + 1, available_at = to_timestamp($2::bigint), leased_until = to_timestamp($2::bigint)
  FROM (SELECT id AS claimed_id FROM notifications
         WHERE state = 'pending' AND available_at <= to_timestamp($1::bigint) AND attempts < $4
         ORDER BY available_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) c
 WHERE n.id = c.claimed_id
RETURNING )sql" NOTIFICATION_COLUMNS};
const Statement ack{"lc_ntf_ack", R"sql(
UPDATE notifications SET state = 'delivered', delivered_at = to_timestamp($2::bigint)
 WHERE id = ANY ($1::bigint[]) AND state IN ('pending', 'dead') AND attempts > 0
RETURNING id
)sql"};
const Statement fail{"lc_ntf_fail", R"sql(
UPDATE notifications
   SET state = CASE WHEN attempts >= $3 THEN 'dead' ELSE 'pending' END, available_at = to_timestamp($2::bigint),
       leased_until = NULL, last_error = $4
 WHERE id = $1 AND state = 'pending' AND leased_until IS NOT NULL AND ($5::integer IS NULL OR attempts = $5::integer)
RETURNING )sql" NOTIFICATION_COLUMNS};
const Statement retry{"lc_ntf_retry", R"sql(
UPDATE notifications
   SET state = 'pending', attempts = 0, available_at = to_timestamp($2::bigint), leased_until = NULL, last_error = NULL
 WHERE id = $1 AND state = 'dead'
RETURNING )sql" NOTIFICATION_COLUMNS};
const Statement find{"lc_ntf_find", "SELECT " NOTIFICATION_COLUMNS " FROM notifications WHERE id = $1"};
const Statement in_state{"lc_ntf_in_state", "SELECT " NOTIFICATION_COLUMNS R"sql(
  FROM notifications WHERE state = $1 AND id > $2 ORDER BY id LIMIT $3
)sql"};
const Statement user_list{"lc_ntf_user_list", "SELECT " NOTIFICATION_COLUMNS R"sql(
  FROM notifications
 WHERE user_id = $1 AND due_at <= to_timestamp($2::bigint) AND (due_at, id) < (to_timestamp($3::bigint), $4::bigint)
 ORDER BY due_at DESC, id DESC LIMIT $5
)sql"};
const Statement marker{"lc_ntf_marker", R"sql(
SELECT extract(epoch FROM due_at)::bigint, notification_id FROM notification_reads WHERE user_id = $1
)sql"};
const Statement unread{"lc_ntf_unread", R"sql(
SELECT COUNT(*) FROM notifications
 WHERE user_id = $1 AND due_at <= to_timestamp($2::bigint) AND (due_at, id) > (to_timestamp($3::bigint), $4::bigint)
)sql"};
const Statement due_of_own{"lc_ntf_due_of_own", R"sql(
SELECT extract(epoch FROM due_at)::bigint FROM notifications
 WHERE id = $1 AND user_id = $2 AND due_at <= to_timestamp($3::bigint)
)sql"};
const Statement move_marker{"lc_ntf_move_marker", R"sql(
INSERT INTO notification_reads (user_id, due_at, notification_id) VALUES ($1, to_timestamp($2::bigint), $3)
ON CONFLICT (user_id) DO UPDATE SET due_at = EXCLUDED.due_at, notification_id = EXCLUDED.notification_id
 WHERE (EXCLUDED.due_at, EXCLUDED.notification_id) > (notification_reads.due_at, notification_reads.notification_id)
)sql"};
// clang-format on
}  // namespace sql

void add_planned(Connection& c, const NotificationPlan& plan, const PlannedNotification& n, bool reminded_only) {
    auto session = parse_id(n.session_id).value_or(0);
    // Both statements take the same parameters; the per-user one also takes
    // the recipient, second.
    auto params = [&](const std::string* user) {
        Params p;
        p.text(n.key_prefix);
        if (user) p.text(*user);
        p.text(to_string(n.kind))
            .text(n.course_id)
            .integer(session)
            .text(n.title)
            .integer(secs(n.starts_at))
            .integer(secs(n.ends_at))
            .text(n.timezone)
            .optional(n.cancel_reason)
            .integer(secs(n.created_at))
            .integer(secs(n.due_at))
            .text(plan.recipients.except)
            .boolean(reminded_only)
            .integer(secs(plan.now));
        return p;
    };
    if (plan.recipients.users) {
        for (const auto& user : *plan.recipients.users) c.exec(sql::plan_for_user, params(&user));
    } else {
        c.exec(sql::plan_for_members, params(nullptr));
    }
}

// The user's read marker as (due seconds, id), (-1, 0) when none.
std::pair<std::int64_t, std::int64_t> marker_of(Connection& c, std::string_view user) {
    auto r = c.exec(sql::marker, Params().text(user));
    if (!r.rows()) return {-1, 0};
    return {r.integer(0, 0), r.integer(0, 1)};
}

ReadMarker read_marker(Connection& c, std::string_view user, Instant now) {
    auto [due, id] = marker_of(c, user);
    ReadMarker m;
    if (due >= 0) m.read_up_to = std::to_string(id);
    m.unread_count = c.exec(sql::unread, Params().text(user).integer(secs(now)).integer(due).integer(id))
                         .integer(0, 0);
    return m;
}

}  // namespace

void lock_course(Connection& c, std::string_view course) { c.exec(sql::lock_course, Params().text(course)); }

// Inside the caller's transaction, after lock_course.
void apply_plan(Connection& c, const NotificationPlan& plan) {
    if (plan.drop != ReminderDrop::none)
        for (const auto& session : plan.drop_sessions) {
            auto key = parse_id(session).value_or(0);
            if (plan.drop == ReminderDrop::not_yet_due)
                c.exec(sql::drop_not_yet_due, Params().integer(key).integer(secs(plan.now)));
            else
                c.exec(sql::drop_undelivered, Params().integer(key));
        }
    for (const auto& n : plan.notify) add_planned(c, plan, n, false);
    for (const auto& n : plan.notify_reminded) add_planned(c, plan, n, true);
}

void plan_enrollment(Connection& c, std::string_view course, std::string_view user, Role role, Instant now) {
    if (role == Role::none) {
        c.exec(sql::drop_user_pending, Params().text(user).text(course));
        return;
    }
    auto scheduled =
        read_sessions(c.exec(sql::scheduled_of_course, Params().text(course).text(user).integer(secs(now))));
    apply_plan(c, store_detail::enrollment_reminders(scheduled, user, now));
}

std::vector<Notification> PostgresStore::claim_notifications(Instant now, int limit, Seconds lease, int max_attempts) {
    return run("claim notifications", [&](Connection& c) {
        c.exec(sql::expire_exhausted, Params().integer(secs(now)).integer(max_attempts));
        auto out = read_notifications(c.exec(
            sql::claim,
            Params().integer(secs(now)).integer(secs(now + lease)).integer(limit).integer(max_attempts)));
        store_detail::sort_claimed(out);
        return out;
    });
}

std::vector<std::string> PostgresStore::ack_notifications(const std::vector<std::string>& ids, Instant now) {
    auto keys = store_detail::parse_ids(ids);
    if (keys.empty()) return {};
    return run("acknowledge notifications", [&](Connection& c) {
        auto r = c.exec(sql::ack, Params().text(bigint_array(keys)).integer(secs(now)));
        std::vector<std::int64_t> acked;
        for (int i = 0; i < r.rows(); ++i) acked.push_back(r.integer(i, 0));
        std::vector<std::string> out;
        for (auto k : keys)  // in the caller's order
            if (std::find(acked.begin(), acked.end(), k) != acked.end()) out.push_back(std::to_string(k));
        return out;
    });
}

std::optional<Notification> PostgresStore::fail_notification(std::string_view id, std::optional<int> attempt,
                                                             Instant now, Seconds retry_in, int max_attempts,
                                                             std::string_view error) {
    auto key = parse_id(id);
    if (!key) return std::nullopt;
    return run("record a failed attempt", [&](Connection& c) -> std::optional<Notification> {
        Params p;
        p.integer(*key).integer(secs(now + retry_in)).integer(max_attempts).text(error);
        if (attempt) p.integer(*attempt);
        else p.null();
        auto r = c.exec(sql::fail, p);
        if (!r.rows()) return std::nullopt;
        return read_notification(r, 0);
    });
}

std::optional<Notification> PostgresStore::retry_notification(std::string_view id, Instant now) {
    auto key = parse_id(id);
    if (!key) return std::nullopt;
    return run("retry a notification", [&](Connection& c) -> std::optional<Notification> {
        auto r = c.exec(sql::retry, Params().integer(*key).integer(secs(now)));
        if (!r.rows()) return std::nullopt;
        return read_notification(r, 0);
    });
}

std::optional<Notification> PostgresStore::find_notification(std::string_view id) {
    auto key = parse_id(id);
    if (!key) return std::nullopt;
    return run("read a notification", [&](Connection& c) -> std::optional<Notification> {
        auto r = c.exec(sql::find, Params().integer(*key));
        if (!r.rows()) return std::nullopt;
        return read_notification(r, 0);
    });
}

NotificationPage PostgresStore::notifications_in_state(NotificationState state, std::optional<std::string_view> cursor,
                                                       int limit) {
    std::int64_t after = cursor ? store_detail::parse_id_cursor(*cursor) : 0;
    return run("list notifications", [&](Connection& c) {
        NotificationPage page;
        page.notifications = read_notifications(
            c.exec(sql::in_state, Params().text(to_string(state)).integer(after).integer(limit + 1)));
        page.next_cursor =
            store_detail::cut_page(page.notifications, limit, [](const Notification& n) { return n.id; });
        return page;
    });
}

InAppNotifications PostgresStore::user_notifications(std::string_view user, Instant now,
                                                     std::optional<std::string_view> cursor, int limit) {
    std::pair<std::int64_t, std::int64_t> before{secs(now) + 1, std::numeric_limits<std::int64_t>::max()};
    if (cursor) before = store_detail::parse_due_cursor(*cursor);
    return run("list notifications", [&](Connection& c) {
        InAppNotifications out;
        auto marker = read_marker(c, user, now);
        out.read_up_to = marker.read_up_to;
        out.unread_count = marker.unread_count;
        auto read_to = marker_of(c, user);
        out.notifications = read_notifications(c.exec(
            sql::user_list,
            Params().text(user).integer(secs(now)).integer(before.first).integer(before.second).integer(limit + 1)));
        store_detail::finish_user_page(out, limit, read_to);
        return out;
    });
}

std::optional<ReadMarker> PostgresStore::mark_notifications_read(std::string_view user, std::string_view up_to,
                                                                 Instant now) {
    auto key = parse_id(up_to);
    if (!key) return std::nullopt;
    return transaction("mark notifications read", [&](Connection& c) -> std::optional<ReadMarker> {
        auto r = c.exec(sql::due_of_own, Params().integer(*key).text(user).integer(secs(now)));
        if (!r.rows()) return std::nullopt;
        // Forward only: a stale page marking an older one read never
        // unreads the newer ones.
        c.exec(sql::move_marker, Params().text(user).integer(r.integer(0, 0)).integer(*key));
        return read_marker(c, user, now);
    });
}

}  // namespace livecourse::pg
