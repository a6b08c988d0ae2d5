// The PostgreSQL store: several application servers on one database.
//
// Every operation takes a connection from a small pool, runs prepared
// statements with bound parameters, and is one statement (autocommit) where
// one statement can do it, else one short READ COMMITTED transaction.
// Exactness never rests on the in-process pool: it rests on row locks and
// constraints inside the database, so it holds across processes and servers.
//  - Seat admission is one round trip: the server-side function
//    livecourse_admit() (see postgres_schema.hpp) locks the session row, then
//    checks status and seats, inserts the participant, bumps the counter and
//    opens the presence interval. Admissions that arrive together are
//    batched: callers queue in the process (the write group of
//    write_group.hpp, its leader/follower queue and futex wake-ups), and the
//    leader sends the whole group, sorted by session id, as one call of
//    livecourse_admit_batch(): one transaction and one WAL flush for the
//    group, where each admission to a session used to hold the session row
//    until its own flush. A statement that fails for a reason of its own
//    (not a lost connection, not a timeout) is sent again one request at a
//    time, so that one bad request fails alone.
//  - replace_session is a compare-and-swap (UPDATE ... WHERE revision = $n,
//    which re-checks the revision on the newest row version after waiting for
//    a concurrent writer); ending or cancelling closes the open intervals in
//    the same transaction, in a second statement whose fresh snapshot sees any
//    admission committed while it waited for the row lock.
//  - A lost connection is closed and replaced; while the server is down,
//    calls fail at once with ErrorCode::storage and recover when it is back.
#include "store/postgres/postgres_store.hpp"

#include "store/postgres/postgres_connection.hpp"
#include "store/postgres/postgres_schema.hpp"
#include "store/postgres/postgres_uri.hpp"
#include "store/outbox_cursor.hpp"
#include "store/rows.hpp"
#include "store/write_group.hpp"

#include <livecourse/error.hpp>
#include <livecourse/store.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <span>
#include <utility>

namespace livecourse {

namespace {

using pg::Connection;
using pg::Failure;
using pg::Params;
using pg::Result;
using pg::Statement;
using store_detail::at;
using store_detail::parse_id;
using store_detail::secs;

#define EPOCH(col) "extract(epoch FROM " col ")::bigint"
#define TS(n) "to_timestamp($" #n "::bigint)"

#define SESSION_COLUMNS                                                                                            \
    "id, course_id, instructor_id, title, description, " EPOCH("starts_at") ", " EPOCH("ends_at") ", timezone, "  \
    "max_participants, recording_enabled, room_name, server_url, room_password, status, " EPOCH(                  \
        "actual_start_at") ", " EPOCH("actual_end_at") ", recording_url, cancel_reason, series_id, revision, " EPOCH( \
        "created_at") ", " EPOCH("updated_at")

// Every statement the store runs; each is prepared once per connection.
namespace sql {
const Statement delete_enrollment{"lc_delete_enrollment",
                                  "DELETE FROM enrollments WHERE course_id = $1 AND user_id = $2"};
const Statement upsert_enrollment{"lc_upsert_enrollment",
                                  "INSERT INTO enrollments (course_id, user_id, role) VALUES ($1, $2, $3) "
                                  "ON CONFLICT (course_id, user_id) DO UPDATE SET role = EXCLUDED.role"};
const Statement enrollment_role{"lc_enrollment_role",
                                "SELECT role FROM enrollments WHERE course_id = $1 AND user_id = $2"};
const Statement enrollments_of{"lc_enrollments_of",
                               "SELECT course_id, role FROM enrollments WHERE user_id = $1 ORDER BY course_id"};
const Statement count_students{"lc_count_students",
                               "SELECT COUNT(*) FROM enrollments WHERE course_id = $1 AND role = 'student'"};
const Statement upsert_user{"lc_upsert_user",
                            "INSERT INTO users (id, name, email, avatar) VALUES ($1, $2, $3, $4) ON CONFLICT (id) "
                            "DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, avatar = EXCLUDED.avatar"};
const Statement find_user{"lc_find_user", "SELECT id, name, email, avatar FROM users WHERE id = $1"};

const Statement next_session_id{"lc_next_session_id", "SELECT nextval(pg_get_serial_sequence('sessions', 'id'))"};
const Statement next_series_id{"lc_next_series_id", "SELECT nextval(pg_get_serial_sequence('series', 'id'))"};
// Parameters 1..21 follow SESSION_COLUMNS from course_id on; 22 is the id.
const Statement insert_session{
    "lc_insert_session",
    "INSERT INTO sessions (course_id, instructor_id, title, description, starts_at, ends_at, timezone, "
    "max_participants, recording_enabled, room_name, server_url, room_password, status, actual_start_at, "
    "actual_end_at, recording_url, cancel_reason, series_id, revision, created_at, updated_at, id) VALUES ($1, $2, "
    "$3, $4, " TS(5) ", " TS(6) ", $7, $8, $9, $10, $11, $12, $13, " TS(14) ", " TS(15) ", $16, $17, $18, $19, " TS(
        20) ", " TS(21) ", $22)"};
const Statement find_session{"lc_find_session", "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = $1"};
const Statement find_session_by_room{"lc_find_session_by_room",
                                     "SELECT " SESSION_COLUMNS " FROM sessions WHERE room_name = $1"};
// Returns the new status, so that the caller knows whether to close intervals.
const Statement replace_session{
    "lc_replace_session",
    "UPDATE sessions SET course_id = $1, instructor_id = $2, title = $3, description = $4, starts_at = " TS(
        5) ", ends_at = " TS(6) ", timezone = $7, max_participants = $8, recording_enabled = $9, room_name = $10, "
                               "server_url = $11, room_password = $12, status = $13, actual_start_at = " TS(
                                   14) ", actual_end_at = " TS(15) ", recording_url = $16, cancel_reason = $17, "
                                                                   "series_id = $18, revision = $19, created_at = " TS(
                                                                       20) ", updated_at = " TS(21) " WHERE id = $22 "
                                                                                                    "AND revision = $23"};
const Statement close_all_presence{"lc_close_all_presence",
                                   "UPDATE presence SET left_at = GREATEST(joined_at, " TS(
                                       2) ") WHERE session_id = $1 AND left_at IS NULL"};
const Statement list_all{"lc_list_all",
                         "SELECT " SESSION_COLUMNS " FROM sessions WHERE course_id = $1 ORDER BY starts_at, id"};
const Statement list_upcoming{"lc_list_upcoming", "SELECT " SESSION_COLUMNS
                                                  " FROM sessions WHERE course_id = $1 AND status = 'scheduled' "
                                                  "ORDER BY starts_at, id"};
const Statement list_live{"lc_list_live", "SELECT " SESSION_COLUMNS
                                          " FROM sessions WHERE course_id = $1 AND status = 'live' ORDER BY "
                                          "starts_at, id"};
const Statement list_past{"lc_list_past", "SELECT " SESSION_COLUMNS
                                          " FROM sessions WHERE course_id = $1 AND status IN ('ended', 'cancelled') "
                                          "ORDER BY starts_at DESC, id DESC"};
// One index range scan per course on (course_id, starts_at); a session lasts
// at most a day, so one overlapping [from, to) started at most a day before.
const Statement sessions_in_range{
    "lc_sessions_in_range",
    "SELECT " SESSION_COLUMNS " FROM sessions WHERE course_id = ANY ($1::text[]) AND starts_at >= " TS(
        2) " AND starts_at < " TS(3) " AND ends_at > " TS(4) " AND ($5::text IS NULL OR status = $5::text) "
                                     "ORDER BY starts_at, array_position($1::text[], course_id), id"};

const Statement insert_series{"lc_insert_series",
                              "INSERT INTO series (id, course_id, instructor_id, rule, created_at) VALUES ($1, $2, "
                              "$3, $4, " TS(5) ")"};
const Statement find_series{"lc_find_series", "SELECT id, course_id, instructor_id, rule, " EPOCH(
                                                  "created_at") " FROM series WHERE id = $1"};
const Statement series_sessions{"lc_series_sessions", "SELECT " SESSION_COLUMNS
                                                      " FROM sessions WHERE series_id = $1 ORDER BY starts_at, id"};

// Parallel arrays, one element per request: session ids, users, roles
// (NULL: read the built-in roster), courses, times; then the roles that take
// a seat.
const Statement admit_batch{"lc_admit_batch",
                            "SELECT out_index, out_outcome, out_status, out_seats, out_role FROM "
                            "livecourse_admit_batch($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], "
                            "$6::text[])"};
// SKIP LOCKED: two leaves of the same user at once (two tabs) close two
// different intervals, as they would one after the other, instead of both
// picking the newest and the second finding nothing.
const Statement close_presence{
    "lc_close_presence",
    "UPDATE presence SET left_at = GREATEST(joined_at, " TS(
        3) ") WHERE id = (SELECT id FROM presence WHERE session_id = $1 AND user_id = $2 AND left_at IS NULL AND "
           "source = 'client' ORDER BY joined_at DESC, id DESC LIMIT 1 FOR UPDATE SKIP LOCKED)"};
const Statement find_participant{"lc_find_participant",
                                 "SELECT user_id, role, " EPOCH("admitted_at") " FROM participants WHERE session_id "
                                                                               "= $1 AND user_id = $2"};
const Statement participants{"lc_participants", "SELECT user_id, role, " EPOCH(
                                                    "admitted_at") " FROM participants WHERE session_id = $1 ORDER "
                                                                   "BY user_id"};
const Statement presence{"lc_presence", "SELECT user_id, " EPOCH("joined_at") ", " EPOCH(
                                            "left_at") ", source FROM presence WHERE session_id = $1 ORDER BY id"};

// The reply_to check and the insert are one statement: questions are never
// deleted, so a question seen by the statement stays one.
const Statement insert_chat{
    "lc_insert_chat",
    "INSERT INTO chat (session_id, user_id, type, body, reply_to, created_at) SELECT $1::bigint, $2, $3, $4, "
    "$5::bigint, " TS(6) " WHERE $5::bigint IS NULL OR EXISTS (SELECT 1 FROM chat q WHERE q.id = $5::bigint AND "
                         "q.session_id = $1::bigint AND q.type = 'question') RETURNING id"};
const Statement list_chat{"lc_list_chat", "SELECT id, user_id, type, body, reply_to, " EPOCH(
                                              "created_at") " FROM chat WHERE session_id = $1 AND id > $2 ORDER BY "
                                                            "id LIMIT $3"};

const Statement feed_salt{"lc_feed_salt", "SELECT salt FROM feed_salts WHERE user_id = $1"};
const Statement set_feed_salt{"lc_set_feed_salt",
                              "INSERT INTO feed_salts (user_id, salt) VALUES ($1, $2) ON CONFLICT (user_id) DO "
                              "UPDATE SET salt = EXCLUDED.salt"};
const Statement schema_version{"lc_schema_version", "SELECT COALESCE(MAX(version), 0) FROM livecourse_schema"};
const Statement record_version{"lc_record_version", "INSERT INTO livecourse_schema (version) VALUES ($1)"};
}  // namespace sql

std::optional<Instant> opt_time(const Result& r, int row, int col) {
    if (r.null(row, col)) return std::nullopt;
    return at(r.integer(row, col));
}

Session read_session(const Result& r, int i) {
    Session s;
    s.id = r.text(i, 0);
    s.course_id = r.text(i, 1);
    s.instructor_id = r.text(i, 2);
    s.title = r.text(i, 3);
    s.description = r.text(i, 4);
    s.starts_at = at(r.integer(i, 5));
    s.ends_at = at(r.integer(i, 6));
    s.timezone = r.text(i, 7);
    s.max_participants = static_cast<int>(r.integer(i, 8));
    s.recording_enabled = r.boolean(i, 9);
    s.jitsi_room_name = r.text(i, 10);
    s.jitsi_server_url = r.text(i, 11);
    s.room_password = r.opt_text(i, 12);
    s.status = parse_session_status(r.view(i, 13)).value_or(SessionStatus::scheduled);
    s.actual_start_at = opt_time(r, i, 14);
    s.actual_end_at = opt_time(r, i, 15);
    s.recording_url = r.opt_text(i, 16);
    s.cancel_reason = r.opt_text(i, 17);
    s.series_id = r.opt_text(i, 18);
    s.revision = r.integer(i, 19);
    s.created_at = at(r.integer(i, 20));
    s.updated_at = at(r.integer(i, 21));
    return s;
}

std::vector<Session> read_sessions(const Result& r) {
    std::vector<Session> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_session(r, i));
    return out;
}

Params& session_fields(Params& p, const Session& s) {
    auto opt_secs = [](const std::optional<Instant>& t) {
        return t ? std::optional<std::int64_t>(secs(*t)) : std::nullopt;
    };
    std::optional<std::int64_t> series;
    if (s.series_id) series = parse_id(*s.series_id).value_or(0);
    return p.text(s.course_id)
        .text(s.instructor_id)
        .text(s.title)
        .text(s.description)
        .integer(secs(s.starts_at))
        .integer(secs(s.ends_at))
        .text(s.timezone)
        .integer(s.max_participants)
        .boolean(s.recording_enabled)
        .text(s.jitsi_room_name)
        .text(s.jitsi_server_url)
        .optional(s.room_password)
        .text(to_string(s.status))
        .optional(opt_secs(s.actual_start_at))
        .optional(opt_secs(s.actual_end_at))
        .optional(s.recording_url)
        .optional(s.cancel_reason)
        .optional(series)
        .integer(s.revision)
        .integer(secs(s.created_at))
        .integer(secs(s.updated_at));
}

// Appends `v` to a PostgreSQL array literal as one quoted element.
void append_element(std::string& out, std::string_view v) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
}

// A PostgreSQL array literal of text values: {"a","b\"c"}.
std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (const auto& v : values) append_element(out, v);
    out += '}';
    return out;
}

bool room_name_clash(const Failure& f) {
    return f.sqlstate() == "23505" && f.constraint() == "sessions_room_name_unique";
}

// ------------------------------------------------------ notification outbox
#define NTF_COLUMNS(p)                                                                                           \
    p "id, " p "kind, " p "user_id, " p "course_id, " p "session_id, " p "title, " EPOCH(p "starts_at") ", " EPOCH( \
        p "ends_at") ", " p "timezone, " p "cancel_reason, " EPOCH(p "created_at") ", " EPOCH(p "due_at") ", " p       \
                     "attempts, " p "idempotency_key, " p "state, " EPOCH(p "available_at") ", " EPOCH(               \
                         p "delivered_at") ", " p "last_error"
#define NTF_REMINDER_KINDS "('reminder_24h', 'reminder_1h')"

namespace sql_outbox {
// Writers that plan for a course serialise on it (a transaction-scoped
// advisory lock keyed by the course), so that a session created or moved
// while someone enrolls is seen by one of the two: READ COMMITTED alone
// would let each miss the other's uncommitted row.
const Statement lock_course{"lc_ntf_lock_course", "SELECT pg_advisory_xact_lock(1818455668, hashtext($1::text))"};
// 1 key prefix, 2 user, 3 kind, 4 course, 5 session, 6 title, 7 starts_at,
// 8 ends_at, 9 timezone, 10 cancel_reason, 11 created_at, 12 due_at,
// 13 except, 14 reminded_only, 15 now.
const Statement plan_for_user{
    "lc_ntf_plan_for_user",
    "INSERT INTO notifications (idempotency_key, kind, user_id, course_id, session_id, title, starts_at, ends_at, "
    "timezone, cancel_reason, created_at, due_at, available_at) SELECT $1::text || $2::text, $3::text, $2::text, "
    "$4::text, $5::bigint, $6::text, " TS(7) ", " TS(8) ", $9::text, $10::text, " TS(11) ", " TS(12) ", " TS(
        12) " WHERE $2::text <> $13::text AND (NOT $14::boolean OR EXISTS (SELECT 1 FROM notifications r WHERE "
            "r.session_id = $5::bigint AND r.user_id = $2::text AND r.kind IN " NTF_REMINDER_KINDS
            " AND r.due_at <= " TS(15) ")) ON CONFLICT (idempotency_key) DO NOTHING"};
// The same for every member of the course in the built-in roster: 1 key
// prefix, 2 kind, 3 course, 4 session, 5 title, 6 starts_at, 7 ends_at,
// 8 timezone, 9 cancel_reason, 10 created_at, 11 due_at, 12 except,
// 13 reminded_only, 14 now.
const Statement plan_for_members{
    "lc_ntf_plan_for_members",
    "INSERT INTO notifications (idempotency_key, kind, user_id, course_id, session_id, title, starts_at, ends_at, "
    "timezone, cancel_reason, created_at, due_at, available_at) SELECT $1::text || e.user_id, $2::text, e.user_id, "
    "$3::text, $4::bigint, $5::text, " TS(6) ", " TS(7) ", $8::text, $9::text, " TS(10) ", " TS(11) ", " TS(
        11) " FROM enrollments e WHERE e.course_id = $3::text AND e.user_id <> $12::text AND (NOT $13::boolean OR "
            "EXISTS (SELECT 1 FROM notifications r WHERE r.session_id = $4::bigint AND r.user_id = e.user_id AND "
            "r.kind IN " NTF_REMINDER_KINDS " AND r.due_at <= " TS(14) ")) ON CONFLICT (idempotency_key) DO NOTHING"};
const Statement drop_not_yet_due{"lc_ntf_drop_not_yet_due",
                                 "DELETE FROM notifications WHERE session_id = $1 AND kind IN " NTF_REMINDER_KINDS
                                 " AND state = 'pending' AND due_at > " TS(2)};
const Statement drop_undelivered{"lc_ntf_drop_undelivered", "DELETE FROM notifications WHERE session_id = $1 AND "
                                                            "kind IN " NTF_REMINDER_KINDS " AND state = 'pending'"};
const Statement drop_user_pending{"lc_ntf_drop_user_pending",
                                  "DELETE FROM notifications WHERE user_id = $1 AND course_id = $2 AND state = "
                                  "'pending'"};
// 1 kind, 2 user, 3 now, 4 seconds before the start, 5 course.
const Statement plan_enrollment{
    "lc_ntf_plan_enrollment",
    "INSERT INTO notifications (idempotency_key, kind, user_id, course_id, session_id, title, starts_at, ends_at, "
    "timezone, cancel_reason, created_at, due_at, available_at) SELECT $1::text || ':' || s.id || ':' || " EPOCH(
        "s.starts_at") " || ':' || $2::text, $1::text, $2::text, s.course_id, s.id, s.title, s.starts_at, s.ends_at, "
                       "s.timezone, NULL, " TS(3) ", s.starts_at - $4::bigint * interval '1 second', s.starts_at - "
                                              "$4::bigint * interval '1 second' FROM sessions s WHERE s.course_id = "
                                              "$5::text AND s.status = 'scheduled' AND s.starts_at - $4::bigint * "
                                              "interval '1 second' >= " TS(3) " AND s.instructor_id <> $2::text ON "
                                                                              "CONFLICT (idempotency_key) DO NOTHING"};
const Statement expire_exhausted{
    "lc_ntf_expire_exhausted",
    "UPDATE notifications SET state = 'dead', last_error = 'the lease of the last attempt expired without an "
    "acknowledgement' WHERE id IN (SELECT id FROM notifications WHERE state = 'pending' AND available_at <= " TS(
        1) " AND attempts >= $2 FOR UPDATE SKIP LOCKED)"};
// SKIP LOCKED: concurrent claimers pass over each other's rows instead of
// queueing behind them; a row whose lease another claimer just took is
// re-checked on its newest version and no longer qualifies.
const Statement claim{"lc_ntf_claim",
                      "UPDATE notifications n SET attempts = n.attempts + 1, available_at = " TS(
                          2) ", leased_until = " TS(2) " FROM (SELECT id FROM notifications WHERE state = 'pending' AND available_at <= " TS(
                          1) " AND attempts < $4 ORDER BY available_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) c WHERE "
                             "n.id = c.id RETURNING " NTF_COLUMNS("n.")};
const Statement ack{"lc_ntf_ack", "UPDATE notifications SET state = 'delivered', delivered_at = " TS(
                                      2) " WHERE id = ANY ($1::bigint[]) AND state IN ('pending', 'dead') AND "
                                         "attempts > 0 RETURNING id"};
const Statement fail{"lc_ntf_fail",
                     "UPDATE notifications SET state = CASE WHEN attempts >= $3 THEN 'dead' ELSE 'pending' END, "
                     "available_at = " TS(2) ", leased_until = NULL, last_error = $4 WHERE id = $1 AND state = 'pending' "
                                             "AND leased_until IS NOT NULL AND ($5::integer IS NULL OR attempts = $5::integer) RETURNING " NTF_COLUMNS(
                                                 "")};
const Statement retry{"lc_ntf_retry", "UPDATE notifications SET state = 'pending', attempts = 0, available_at = " TS(
                                          2) ", leased_until = NULL, last_error = NULL WHERE id = $1 AND state = 'dead' RETURNING " NTF_COLUMNS("")};
const Statement find{"lc_ntf_find", "SELECT " NTF_COLUMNS("") " FROM notifications WHERE id = $1"};
const Statement in_state{"lc_ntf_in_state", "SELECT " NTF_COLUMNS("") " FROM notifications WHERE state = $1 AND id > "
                                                                      "$2 ORDER BY id LIMIT $3"};
const Statement user_list{"lc_ntf_user_list",
                          "SELECT " NTF_COLUMNS("") " FROM notifications WHERE user_id = $1 AND due_at <= " TS(
                              2) " AND (due_at, id) < (" TS(3) ", $4::bigint) ORDER BY due_at DESC, id DESC LIMIT $5"};
const Statement marker{"lc_ntf_marker", "SELECT " EPOCH("due_at") ", notification_id FROM notification_reads WHERE "
                                                                 "user_id = $1"};
const Statement unread{"lc_ntf_unread", "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND due_at <= " TS(
                                            2) " AND (due_at, id) > (" TS(3) ", $4::bigint)"};
const Statement due_of_own{"lc_ntf_due_of_own", "SELECT " EPOCH("due_at") " FROM notifications WHERE id = $1 AND "
                                                                         "user_id = $2 AND due_at <= " TS(3)};
const Statement move_marker{
    "lc_ntf_move_marker",
    "INSERT INTO notification_reads (user_id, due_at, notification_id) VALUES ($1, " TS(2) ", $3) ON CONFLICT "
                                                                                          "(user_id) DO UPDATE SET "
                                                                                          "due_at = EXCLUDED.due_at, "
                                                                                          "notification_id = "
                                                                                          "EXCLUDED.notification_id "
                                                                                          "WHERE (EXCLUDED.due_at, "
                                                                                          "EXCLUDED.notification_id) "
                                                                                          "> (notification_reads.due_"
                                                                                          "at, notification_reads."
                                                                                          "notification_id)"};
}  // namespace sql_outbox

Notification read_notification(const Result& r, int i) {
    Notification n;
    n.id = r.text(i, 0);
    n.kind = parse_notification_kind(r.view(i, 1)).value_or(NotificationKind::reminder_1h);
    n.user_id = r.text(i, 2);
    n.course_id = r.text(i, 3);
    n.session_id = r.text(i, 4);
    n.title = r.text(i, 5);
    n.starts_at = at(r.integer(i, 6));
    n.ends_at = at(r.integer(i, 7));
    n.timezone = r.text(i, 8);
    n.cancel_reason = r.opt_text(i, 9);
    n.created_at = at(r.integer(i, 10));
    n.due_at = at(r.integer(i, 11));
    n.attempts = static_cast<int>(r.integer(i, 12));
    n.idempotency_key = r.text(i, 13);
    n.state = parse_notification_state(r.view(i, 14)).value_or(NotificationState::pending);
    n.next_attempt_at = at(r.integer(i, 15));
    n.delivered_at = opt_time(r, i, 16);
    n.last_error = r.opt_text(i, 17);
    return n;
}

std::vector<Notification> read_notifications(const Result& r) {
    std::vector<Notification> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_notification(r, i));
    return out;
}

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
        for (const auto& user : *plan.recipients.users) c.exec(sql_outbox::plan_for_user, params(&user));
    } else {
        c.exec(sql_outbox::plan_for_members, params(nullptr));
    }
}

// Inside the caller's transaction, after lock_course.
void apply_plan(Connection& c, const NotificationPlan& plan) {
    if (plan.drop != ReminderDrop::none)
        for (const auto& session : plan.drop_sessions) {
            auto key = parse_id(session).value_or(0);
            if (plan.drop == ReminderDrop::not_yet_due)
                c.exec(sql_outbox::drop_not_yet_due, Params().integer(key).integer(secs(plan.now)));
            else
                c.exec(sql_outbox::drop_undelivered, Params().integer(key));
        }
    for (const auto& n : plan.notify) add_planned(c, plan, n, false);
    for (const auto& n : plan.notify_reminded) add_planned(c, plan, n, true);
}

std::string bigint_array(const std::vector<std::int64_t>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(values[i]);
    }
    return out + "}";
}

// The user's read marker as (due seconds, id), (-1, 0) when none.
std::pair<std::int64_t, std::int64_t> marker_of(Connection& c, std::string_view user) {
    auto r = c.exec(sql_outbox::marker, Params().text(user));
    if (!r.rows()) return {-1, 0};
    return {r.integer(0, 0), r.integer(0, 1)};
}

ReadMarker read_marker(Connection& c, std::string_view user, Instant now) {
    auto [due, id] = marker_of(c, user);
    ReadMarker m;
    if (due >= 0) m.read_up_to = std::to_string(id);
    m.unread_count = c.exec(sql_outbox::unread, Params().text(user).integer(secs(now)).integer(due).integer(id))
                         .integer(0, 0);
    return m;
}

// The presence statements (video-server points, heartbeats).
namespace presence_sql {
const Statement insert_delivery{"lc_insert_video_delivery",
                                "INSERT INTO video_deliveries (delivery_key, session_id, received_at) VALUES ($1, $2, " TS(
                                    3) ") ON CONFLICT (delivery_key) DO NOTHING"};
// All the points of one report in one statement (parallel arrays).
const Statement insert_points{
    "lc_insert_video_points",
    "INSERT INTO video_points (session_id, scope, connection, kind, at, user_id) SELECT $1::bigint, p.scope, "
    "p.connection, p.kind, to_timestamp(p.at), p.user_id FROM unnest($2::text[], $3::text[], $4::text[], "
    "$5::bigint[], $6::text[]) AS p (scope, connection, kind, at, user_id) ON CONFLICT DO NOTHING"};
const Statement video_points{"lc_video_points", "SELECT scope, connection, kind, " EPOCH(
                                                    "at") ", user_id FROM video_points WHERE session_id = $1"};
const Statement close_stale_heartbeat{
    "lc_close_stale_heartbeat",
    "UPDATE heartbeats SET left_at = last_seen_at WHERE session_id = $1 AND user_id = $2 AND left_at IS NULL AND "
    "$3::bigint - " EPOCH("last_seen_at") " > $4::bigint"};
// RETURNING xmax = 0: true when the row was inserted rather than updated.
const Statement upsert_heartbeat{
    "lc_upsert_heartbeat",
    "INSERT INTO heartbeats (session_id, user_id, joined_at, last_seen_at) VALUES ($1, $2, " TS(3) ", " TS(
        3) ") ON CONFLICT (session_id, user_id) WHERE left_at IS NULL DO UPDATE SET last_seen_at = "
           "GREATEST(heartbeats.last_seen_at, EXCLUDED.last_seen_at) RETURNING (xmax = 0)"};
const Statement close_heartbeat{"lc_close_heartbeat",
                                "UPDATE heartbeats SET left_at = GREATEST(joined_at, " TS(
                                    3) ") WHERE session_id = $1 AND user_id = $2 AND left_at IS NULL"};
const Statement heartbeat_intervals{"lc_heartbeat_intervals",
                                    "SELECT user_id, " EPOCH("joined_at") ", " EPOCH("last_seen_at") ", " EPOCH(
                                        "left_at") " FROM heartbeats WHERE session_id = $1 ORDER BY id"};
}  // namespace presence_sql

class PostgresStore final : public Store {
public:
    explicit PostgresStore(const PostgresOptions& o)
        : pool_(pg::Target{o.uri, redact_database_location(o.uri), pg::Secrets(o.uri), o.statement_timeout_ms}, o.pool_size) {
        transaction("migrate the schema", [&](Connection& c) { migrate(c); });
    }

    // ---------------------------------------------------------------- roster
    Role enrollment_role(std::string_view course, std::string_view user) override {
        return run("read an enrollment", [&](Connection& c) {
            auto r = c.exec(sql::enrollment_role, Params().text(course).text(user));
            return r.rows() ? parse_role(r.view(0, 0)).value_or(Role::none) : Role::none;
        });
    }

    std::vector<Enrollment> enrollments_of(std::string_view user) override {
        return run("read enrollments", [&](Connection& c) {
            auto r = c.exec(sql::enrollments_of, Params().text(user));
            std::vector<Enrollment> out;
            for (int i = 0; i < r.rows(); ++i)
                out.push_back({r.text(i, 0), parse_role(r.view(i, 1)).value_or(Role::none)});
            return out;
        });
    }

    std::int64_t count_enrolled_students(std::string_view course) override {
        return run("count students", [&](Connection& c) {
            return c.exec(sql::count_students, Params().text(course)).integer(0, 0);
        });
    }

    void put_user(const Actor& p) override {
        run("save a user", [&](Connection& c) {
            c.exec(sql::upsert_user, Params().text(p.user_id).text(p.name).text(p.email).text(p.avatar));
        });
    }

    std::optional<Actor> find_user(std::string_view id) override {
        return run("read a user", [&](Connection& c) -> std::optional<Actor> {
            auto r = c.exec(sql::find_user, Params().text(id));
            if (!r.rows()) return std::nullopt;
            return Actor{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3)};
        });
    }

    // -------------------------------------------------------------- sessions
    std::string allocate_session_id() override {
        return run("allocate an id", [&](Connection& c) { return c.exec(sql::next_session_id).text(0, 0); });
    }
    std::string allocate_series_id() override {
        return run("allocate an id", [&](Connection& c) { return c.exec(sql::next_series_id).text(0, 0); });
    }

    std::optional<Session> find_session(std::string_view id) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return run("read a session", [&](Connection& c) -> std::optional<Session> {
            auto r = c.exec(sql::find_session, Params().integer(*key));
            if (!r.rows()) return std::nullopt;
            return read_session(r, 0);
        });
    }

    std::optional<Session> find_session_by_room(std::string_view room) override {
        return run("read a session", [&](Connection& c) -> std::optional<Session> {
            auto r = c.exec(sql::find_session_by_room, Params().text(room));
            if (!r.rows()) return std::nullopt;
            return read_session(r, 0);
        });
    }

    std::vector<Session> list_sessions(std::string_view course, SessionFilter filter) override {
        const Statement* st = &sql::list_all;
        switch (filter) {
        case SessionFilter::all: st = &sql::list_all; break;
        case SessionFilter::upcoming: st = &sql::list_upcoming; break;
        case SessionFilter::live: st = &sql::list_live; break;
        case SessionFilter::past: st = &sql::list_past; break;
        }
        return run("list sessions", [&](Connection& c) { return read_sessions(c.exec(*st, Params().text(course))); });
    }

    std::vector<Session> sessions_in_range(const SessionRange& r) override {
        if (r.course_ids.empty()) return {};
        Params p;
        p.text(text_array(r.course_ids))
            .integer(secs(r.from) - 86400)
            .integer(secs(r.to))
            .integer(secs(r.from));
        if (r.status) p.text(to_string(*r.status));
        else p.null();
        return run("list sessions", [&](Connection& c) { return read_sessions(c.exec(sql::sessions_in_range, p)); });
    }

    // ---------------------------------------------------------------- series
    std::optional<SeriesRecord> find_series(std::string_view id) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return run("read a series", [&](Connection& c) -> std::optional<SeriesRecord> {
            auto r = c.exec(sql::find_series, Params().integer(*key));
            if (!r.rows()) return std::nullopt;
            return SeriesRecord{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3), at(r.integer(0, 4))};
        });
    }

    std::vector<Session> series_sessions(std::string_view id) override {
        auto key = parse_id(id);
        if (!key) return {};
        return run("list a series",
                   [&](Connection& c) { return read_sessions(c.exec(sql::series_sessions, Params().integer(*key))); });
    }

    // ------------------------------------------------------ seats, presence
    AdmitResult admit(const AdmitRequest& q) override {
        auto key = parse_id(q.session_id);
        if (!key) return {};
        PendingAdmission p{&q, *key, {}, {}};
        // The operation only enqueues: the group's statement runs when the
        // leader "commits" (run_admissions), and every request has its own
        // result or error once run() returns.
        admissions_group_.run([this, &p] { group_.push_back(&p); });
        if (p.error) std::rethrow_exception(p.error);
        return p.result;
    }

    pg::AdmissionCounters admission_counters() const {
        auto g = admissions_group_.counters();
        return {g.groups, g.operations, statements_.load(std::memory_order_relaxed),
                retried_alone_.load(std::memory_order_relaxed)};
    }

    bool close_presence(std::string_view session_id, std::string_view user, Instant when) override {
        auto key = parse_id(session_id);
        if (!key) return false;
        return run("close a presence interval", [&](Connection& c) {
            return c.exec(sql::close_presence, Params().integer(*key).text(user).integer(secs(when))).affected() == 1;
        });
    }

    std::optional<Participant> find_participant(std::string_view session_id, std::string_view user) override {
        auto key = parse_id(session_id);
        if (!key) return std::nullopt;
        return run("read a participant", [&](Connection& c) -> std::optional<Participant> {
            auto r = c.exec(sql::find_participant, Params().integer(*key).text(user));
            if (!r.rows()) return std::nullopt;
            return Participant{r.text(0, 0), parse_role(r.view(0, 1)).value_or(Role::student), at(r.integer(0, 2))};
        });
    }

    std::vector<Participant> participants(std::string_view session_id) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        return run("list participants", [&](Connection& c) {
            auto r = c.exec(sql::participants, Params().integer(*key));
            std::vector<Participant> out;
            for (int i = 0; i < r.rows(); ++i)
                out.push_back({r.text(i, 0), parse_role(r.view(i, 1)).value_or(Role::student), at(r.integer(i, 2))});
            return out;
        });
    }

    std::vector<PresenceInterval> presence(std::string_view session_id) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        return run("list presence", [&](Connection& c) {
            auto r = c.exec(sql::presence, Params().integer(*key));
            std::vector<PresenceInterval> out;
            for (int i = 0; i < r.rows(); ++i) {
                PresenceInterval iv;
                iv.user_id = r.text(i, 0);
                iv.joined_at = at(r.integer(i, 1));
                iv.left_at = opt_time(r, i, 2);
                auto src = r.view(i, 3);
                iv.source = parse_presence_source(src).value_or(PresenceSource::client);
                out.push_back(std::move(iv));
            }
            return out;
        });
    }

    // ------------------------------------------------------------------ chat
    ChatMessage insert_chat(const ChatMessage& m) override {
        auto key = parse_id(m.session_id);
        if (!key) throw Error::not_found("session");
        std::optional<std::int64_t> reply;
        if (m.reply_to) {
            reply = parse_id(*m.reply_to);
            if (!reply) throw store_detail::no_such_question();
        }
        return run("insert a chat message", [&](Connection& c) {
            Result r = [&] {
                try {
                    return c.exec(sql::insert_chat, Params()
                                                        .integer(*key)
                                                        .text(m.user_id)
                                                        .text(to_string(m.type))
                                                        .text(m.body)
                                                        .optional(reply)
                                                        .integer(secs(m.created_at)));
                } catch (const Failure& f) {
                    if (f.sqlstate() == "23503") throw Error::not_found("session");
                    throw;
                }
            }();
            if (!r.rows()) throw store_detail::no_such_question();
            ChatMessage out = m;
            out.id = r.text(0, 0);
            return out;
        });
    }

    ChatPage list_chat(std::string_view session_id, std::optional<std::string_view> after, int limit) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        std::int64_t from = after ? store_detail::parse_id_cursor(*after) : 0;
        return run("list chat messages", [&](Connection& c) {
            auto r = c.exec(sql::list_chat, Params().integer(*key).integer(from).integer(limit + 1));
            ChatPage page;
            for (int i = 0; i < r.rows(); ++i) {
                ChatMessage m;
                m.id = r.text(i, 0);
                m.session_id = std::string(session_id);
                m.user_id = r.text(i, 1);
                m.type = parse_chat_type(r.view(i, 2)).value_or(ChatType::text);
                m.body = r.text(i, 3);
                m.reply_to = r.opt_text(i, 4);
                m.created_at = at(r.integer(i, 5));
                page.messages.push_back(std::move(m));
            }
            page.next_cursor = store_detail::cut_page(page.messages, limit, [](const ChatMessage& m) { return m.id; });
            return page;
        });
    }

    // ---------------------------------------------------------- feed salts
    std::optional<std::string> feed_salt(std::string_view user) override {
        return run("read a feed salt", [&](Connection& c) -> std::optional<std::string> {
            auto r = c.exec(sql::feed_salt, Params().text(user));
            if (!r.rows()) return std::nullopt;
            return r.text(0, 0);
        });
    }

    void set_feed_salt(std::string_view user, std::string_view salt) override {
        run("save a feed salt", [&](Connection& c) { c.exec(sql::set_feed_salt, Params().text(user).text(salt)); });
    }

    // --------------------------------------------------- notification outbox
    void insert_session(const Session& s, const NotificationPlan& plan) override {
        if (plan.empty()) return run("insert a session", [&](Connection& c) { insert_session_row(c, s); });
        transaction("insert a session", [&](Connection& c) {
            c.exec(sql_outbox::lock_course, Params().text(s.course_id));
            insert_session_row(c, s);
            apply_plan(c, plan);
        });
    }

    bool replace_session(const Session& s, std::int64_t expected_revision, const NotificationPlan& plan) override {
        auto key = parse_id(s.id);
        if (!key) return false;
        bool closes = s.status == SessionStatus::ended || s.status == SessionStatus::cancelled;
        Params p;
        session_fields(p, s).integer(*key).integer(expected_revision);
        auto update = [&](Connection& c) {
            try {
                return c.exec(sql::replace_session, p).affected() == 1;
            } catch (const Failure& f) {
                if (room_name_clash(f)) throw Error::conflict("room_name_taken", "a session with this room name already exists");
                throw;
            }
        };
        // One statement unless intervals must be closed or notifications planned with it.
        if (!closes && plan.empty()) return run("update a session", update);
        return transaction("update a session", [&](Connection& c) {
            if (!plan.empty()) c.exec(sql_outbox::lock_course, Params().text(s.course_id));
            if (!update(c)) return false;
            if (closes)
                c.exec(sql::close_all_presence,
                       Params().integer(*key).integer(secs(s.actual_end_at.value_or(s.updated_at))));
            apply_plan(c, plan);
            return true;
        });
    }

    void insert_series(const SeriesRecord& series, const std::vector<Session>& occurrences,
                       const NotificationPlan& plan) override {
        transaction("insert a series", [&](Connection& c) {
            if (!plan.empty()) c.exec(sql_outbox::lock_course, Params().text(series.course_id));
            c.exec(sql::insert_series, Params()
                                           .integer(parse_id(series.id).value_or(0))
                                           .text(series.course_id)
                                           .text(series.instructor_id)
                                           .text(series.rule)
                                           .integer(secs(series.created_at)));
            for (const auto& s : occurrences) insert_session_row(c, s);
            apply_plan(c, plan);
        });
    }

    void set_enrollment(std::string_view course, std::string_view user, Role role, Instant now) override {
        transaction("set an enrollment", [&](Connection& c) {
            c.exec(sql_outbox::lock_course, Params().text(course));
            if (role == Role::none) {
                c.exec(sql::delete_enrollment, Params().text(course).text(user));
                c.exec(sql_outbox::drop_user_pending, Params().text(user).text(course));
                return;
            }
            c.exec(sql::upsert_enrollment, Params().text(course).text(user).text(to_string(role)));
            for (const auto& rule : reminder_rules)
                c.exec(sql_outbox::plan_enrollment, Params()
                                                        .text(to_string(rule.kind))
                                                        .text(user)
                                                        .integer(secs(now))
                                                        .integer(rule.before.count())
                                                        .text(course));
        });
    }

    std::vector<Notification> claim_notifications(Instant now, int limit, Seconds lease, int max_attempts) override {
        return run("claim notifications", [&](Connection& c) {
            c.exec(sql_outbox::expire_exhausted, Params().integer(secs(now)).integer(max_attempts));
            auto out = read_notifications(c.exec(
                sql_outbox::claim,
                Params().integer(secs(now)).integer(secs(now + lease)).integer(limit).integer(max_attempts)));
            store_detail::sort_claimed(out);
            return out;
        });
    }

    std::vector<std::string> ack_notifications(const std::vector<std::string>& ids, Instant now) override {
        std::vector<std::int64_t> keys;
        for (const auto& id : ids)
            if (auto k = parse_id(id)) keys.push_back(*k);
        if (keys.empty()) return {};
        return run("acknowledge notifications", [&](Connection& c) {
            auto r = c.exec(sql_outbox::ack, Params().text(bigint_array(keys)).integer(secs(now)));
            std::vector<std::int64_t> acked;
            for (int i = 0; i < r.rows(); ++i) acked.push_back(r.integer(i, 0));
            std::vector<std::string> out;
            for (auto k : keys)  // in the caller's order
                if (std::find(acked.begin(), acked.end(), k) != acked.end()) out.push_back(std::to_string(k));
            return out;
        });
    }

    std::optional<Notification> fail_notification(std::string_view id, std::optional<int> attempt, Instant now,
                                                  Seconds retry_in, int max_attempts,
                                                  std::string_view error) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return run("record a failed attempt", [&](Connection& c) -> std::optional<Notification> {
            Params p;
            p.integer(*key).integer(secs(now + retry_in)).integer(max_attempts).text(error);
            if (attempt) p.integer(*attempt);
            else p.null();
            auto r = c.exec(sql_outbox::fail, p);
            if (!r.rows()) return std::nullopt;
            return read_notification(r, 0);
        });
    }

    std::optional<Notification> retry_notification(std::string_view id, Instant now) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return run("retry a notification", [&](Connection& c) -> std::optional<Notification> {
            auto r = c.exec(sql_outbox::retry, Params().integer(*key).integer(secs(now)));
            if (!r.rows()) return std::nullopt;
            return read_notification(r, 0);
        });
    }

    std::optional<Notification> find_notification(std::string_view id) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return run("read a notification", [&](Connection& c) -> std::optional<Notification> {
            auto r = c.exec(sql_outbox::find, Params().integer(*key));
            if (!r.rows()) return std::nullopt;
            return read_notification(r, 0);
        });
    }

    NotificationPage notifications_in_state(NotificationState state, std::optional<std::string_view> cursor,
                                            int limit) override {
        std::int64_t after = cursor ? store_detail::parse_id_cursor(*cursor) : 0;
        return run("list notifications", [&](Connection& c) {
            NotificationPage page;
            page.notifications = read_notifications(
                c.exec(sql_outbox::in_state, Params().text(to_string(state)).integer(after).integer(limit + 1)));
            page.next_cursor =
                store_detail::cut_page(page.notifications, limit, [](const Notification& n) { return n.id; });
            return page;
        });
    }

    InAppNotifications user_notifications(std::string_view user, Instant now, std::optional<std::string_view> cursor,
                                          int limit) override {
        std::pair<std::int64_t, std::int64_t> before{secs(now) + 1, std::numeric_limits<std::int64_t>::max()};
        if (cursor) before = store_detail::parse_due_cursor(*cursor);
        return run("list notifications", [&](Connection& c) {
            InAppNotifications out;
            auto marker = read_marker(c, user, now);
            out.read_up_to = marker.read_up_to;
            out.unread_count = marker.unread_count;
            auto read_to = marker_of(c, user);
            out.notifications = read_notifications(c.exec(
                sql_outbox::user_list,
                Params().text(user).integer(secs(now)).integer(before.first).integer(before.second).integer(limit + 1)));
            for (auto& n : out.notifications)
                n.read = std::pair<std::int64_t, std::int64_t>{secs(n.due_at), parse_id(n.id).value_or(0)} <= read_to;
            out.next_cursor = store_detail::cut_page(out.notifications, limit, [](const Notification& n) {
                return store_detail::due_cursor(n.due_at, n.id);
            });
            return out;
        });
    }

    std::optional<ReadMarker> mark_notifications_read(std::string_view user, std::string_view up_to,
                                                      Instant now) override {
        auto key = parse_id(up_to);
        if (!key) return std::nullopt;
        return transaction("mark notifications read", [&](Connection& c) -> std::optional<ReadMarker> {
            auto r = c.exec(sql_outbox::due_of_own, Params().integer(*key).text(user).integer(secs(now)));
            if (!r.rows()) return std::nullopt;
            // Forward only: a stale page marking an older one read never
            // unreads the newer ones.
            c.exec(sql_outbox::move_marker, Params().text(user).integer(r.integer(0, 0)).integer(*key));
            return read_marker(c, user, now);
        });
    }

    // ------------------------------------ video-server presence, heartbeats
    std::optional<int> record_video_points(std::string_view session_id, std::optional<std::string_view> delivery_key,
                                           const std::vector<VideoPresencePoint>& points, Instant received) override {
        auto key = parse_id(session_id);
        if (!key) return 0;
        std::vector<std::string> scopes, connections, kinds, users;
        std::string ats = "{";
        for (const auto& p : points) {
            scopes.push_back(p.scope);
            connections.push_back(p.connection);
            kinds.push_back(store_detail::video_point_kind_name(p.kind));
            users.push_back(p.user_id);
            if (ats.size() > 1) ats += ',';
            ats += std::to_string(secs(p.at));
        }
        ats += '}';
        Params insert;
        insert.integer(*key).text(text_array(scopes)).text(text_array(connections)).text(text_array(kinds)).text(ats).text(
            text_array(users));
        auto add = [&](Connection& c) { return static_cast<int>(c.exec(presence_sql::insert_points, insert).affected()); };
        if (!delivery_key) return run("record video presence", add);
        // The key and the points commit together: a delivery whose points
        // were lost with a failed commit is not remembered as seen.
        return transaction("record video presence", [&](Connection& c) -> std::optional<int> {
            auto d = c.exec(presence_sql::insert_delivery,
                            Params().text(*delivery_key).integer(*key).integer(secs(received)));
            if (d.affected() == 0) return std::nullopt;
            return add(c);
        });
    }

    std::vector<VideoPresencePoint> video_points(std::string_view session_id) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        return run("read video presence", [&](Connection& c) {
            auto r = c.exec(presence_sql::video_points, Params().integer(*key));
            std::vector<VideoPresencePoint> out;
            for (int i = 0; i < r.rows(); ++i) {
                VideoPresencePoint p;
                p.scope = r.text(i, 0);
                p.connection = r.text(i, 1);
                p.kind = store_detail::parse_video_point_kind(r.view(i, 2));
                p.at = at(r.integer(i, 3));
                p.user_id = r.text(i, 4);
                out.push_back(std::move(p));
            }
            return out;
        });
    }

    bool record_heartbeat(std::string_view session_id, std::string_view user, Instant when, Seconds timeout) override {
        auto key = parse_id(session_id);
        if (!key) return false;
        // Under READ COMMITTED a concurrent heartbeat of the same user waits
        // on the row the first one closes or inserts, then sees it: the open
        // interval stays unique (the partial index is the upsert's arbiter).
        return transaction("record a heartbeat", [&](Connection& c) {
            c.exec(presence_sql::close_stale_heartbeat,
                   Params().integer(*key).text(user).integer(secs(when)).integer(timeout.count()));
            return c.exec(presence_sql::upsert_heartbeat, Params().integer(*key).text(user).integer(secs(when)))
                .boolean(0, 0);
        });
    }

    bool close_heartbeat(std::string_view session_id, std::string_view user, Instant when) override {
        auto key = parse_id(session_id);
        if (!key) return false;
        return run("close a heartbeat interval", [&](Connection& c) {
            return c.exec(presence_sql::close_heartbeat, Params().integer(*key).text(user).integer(secs(when)))
                       .affected() == 1;
        });
    }

    std::vector<HeartbeatInterval> heartbeat_intervals(std::string_view session_id) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        return run("read heartbeats", [&](Connection& c) {
            auto r = c.exec(presence_sql::heartbeat_intervals, Params().integer(*key));
            std::vector<HeartbeatInterval> out;
            for (int i = 0; i < r.rows(); ++i)
                out.push_back({r.text(i, 0), at(r.integer(i, 1)), at(r.integer(i, 2)), opt_time(r, i, 3)});
            return out;
        });
    }

private:
    // Inside the transaction `transaction()` opened: under the advisory lock,
    // read the version, apply what is missing, record it.
    static void migrate(Connection& c) {
        // A later migration may take longer than an operation is allowed to,
        // and the servers queued on the lock wait as long as it runs.
        c.exec_simple("SET LOCAL statement_timeout = 0");
        c.exec_simple(pg::migration_lock_sql);
        c.exec_simple("CREATE TABLE IF NOT EXISTS livecourse_schema (version integer PRIMARY KEY, "
                      "applied_at timestamptz NOT NULL DEFAULT now())");
        auto version = static_cast<int>(c.exec(sql::schema_version).integer(0, 0));
        if (version > pg::schema_version)
            throw Error::storage(fmt::format("the database schema (version {}) is newer than this library ({})",
                                             version, pg::schema_version));
        for (int v = version; v < pg::schema_version; ++v) {
            c.exec_simple(pg::migrations[v]);
            c.exec(sql::record_version, Params().integer(v + 1));
        }
    }

    static void insert_session_row(Connection& c, const Session& s) {
        Params p;
        session_fields(p, s).integer(parse_id(s.id).value_or(0));
        try {
            c.exec(sql::insert_session, p);
        } catch (const Failure& f) {
            if (room_name_clash(f)) throw Error::conflict("room_name_taken", "a session with this room name already exists");
            throw;
        }
    }

    static Error storage_error(const char* what, const Failure& f) {
        if (f.sqlstate() == "57014")
            return Error::storage(fmt::format("cannot {}: the statement timed out ({})", what, f.what()));
        return Error::storage(fmt::format("cannot {}: {}", what, f.what()));
    }

    // Runs `body` on a pooled connection, each statement in autocommit.
    template <class F> auto run(const char* what, F&& body) -> decltype(body(std::declval<Connection&>())) {
        try {
            auto lease = pool_.acquire();
            try {
                return body(*lease);
            } catch (const Failure& f) {
                if (f.connection_lost()) lease.discard();
                throw;
            }
        } catch (const Failure& f) {
            throw storage_error(what, f);
        }
    }

    // Runs `body` in one transaction on a pooled connection, rolled back on
    // any exception (an Error from the body included).
    template <class F> auto transaction(const char* what, F&& body) -> decltype(body(std::declval<Connection&>())) {
        return run(what, [&](Connection& c) {
            c.exec_simple("BEGIN");
            try {
                if constexpr (std::is_void_v<decltype(body(c))>) {
                    body(c);
                    c.exec_simple("COMMIT");
                } else {
                    auto result = body(c);
                    c.exec_simple("COMMIT");
                    return result;
                }
            } catch (...) {
                // The lease is dropped if the connection is still in a
                // transaction afterwards, so a failed ROLLBACK leaks nothing.
                if (c.in_transaction()) {
                    try {
                        c.exec_simple("ROLLBACK");
                    } catch (...) {
                    }
                }
                throw;
            }
        });
    }

    // ------------------------------------------------------ batched admission
    // One request waiting in the admission group; lives in its caller's frame
    // until the caller is answered.
    struct PendingAdmission {
        const AdmitRequest* q;
        std::int64_t session;
        AdmitResult result;
        std::exception_ptr error;
    };

    // Groups of at most this many requests per statement: large enough to
    // take a whole rush of one process's threads, small enough that one
    // statement holds session rows for a short time.
    static constexpr std::size_t max_batch = 64;

    store_detail::WriteGroup::Transaction admission_steps() {
        auto nothing = [] {};
        return {
            .begin = [this] { group_.clear(); },
            .commit = [this] { run_admissions(); },
            .rollback = [this] { group_.clear(); },
            .savepoint = nothing,
            .release = nothing,
            .rollback_to = nothing,
            .translate = [](std::exception_ptr e) -> std::exception_ptr {
                try {
                    std::rethrow_exception(e);
                } catch (const Failure& f) {
                    return std::make_exception_ptr(storage_error("admit a participant", f));
                } catch (...) {
                    return std::current_exception();
                }
            },
        };
    }

    // The group leader's "commit": sends the group queued in group_. Throws
    // Failure when every request of the group must fail with it (a lost
    // connection or an unreachable server, a timeout); otherwise each
    // request gets its own result or error.
    void run_admissions() {
        if (group_.empty()) return;
        // Sorted by session (stable: arrivals keep their order within one),
        // so that every batch locks session rows in ascending order.
        std::stable_sort(group_.begin(), group_.end(),
                         [](const PendingAdmission* a, const PendingAdmission* b) { return a->session < b->session; });
        try {
            admit_together(group_);
        } catch (const Failure& f) {
            // A request of its own alone: nothing to separate. A lost
            // connection fails every request the same way, and a timeout
            // (a lock held elsewhere) would be waited out once per request.
            if (group_.size() == 1 || f.connection_lost() || f.sqlstate() == "57014") throw;
            retried_alone_.fetch_add(group_.size(), std::memory_order_relaxed);
            for (auto* p : group_) {
                try {
                    admit_together(std::span<PendingAdmission* const>(&p, 1));
                } catch (const Failure& g) {
                    p->error = std::make_exception_ptr(storage_error("admit a participant", g));
                }
            }
        }
    }

    // One call of livecourse_admit_batch() for `batch`, in its order, on a
    // pooled connection; fills each request's result.
    void admit_together(std::span<PendingAdmission* const> batch) {
        std::string sessions = "{", users = "{", roles = "{", courses = "{", times = "{";
        for (const auto* p : batch) {
            const bool first = sessions.size() == 1;
            if (!first) {
                sessions += ',';
                times += ',';
            }
            sessions += std::to_string(p->session);
            times += std::to_string(secs(p->q->at));
            append_element(users, p->q->user_id);
            if (p->q->role == Role::none) roles += first ? "NULL" : ",NULL";
            else append_element(roles, to_string(p->q->role));
            append_element(courses, p->q->course_id);
        }
        for (auto* a : {&sessions, &users, &roles, &courses, &times}) *a += '}';
        Params params;
        params.text(sessions).text(users).text(roles).text(courses).text(times).text(seat_roles());
        statements_.fetch_add(1, std::memory_order_relaxed);
        auto lease = pool_.acquire();
        Result r = [&] {
            try {
                return lease->exec(sql::admit_batch, params);
            } catch (const Failure& f) {
                if (f.connection_lost()) lease.discard();
                throw;
            }
        }();
        if (r.rows() != static_cast<int>(batch.size()))
            throw Failure("the admission function returned an unexpected number of rows", "", "", false);
        for (int i = 0; i < r.rows(); ++i) {
            auto index = r.integer(i, 0) - 1;
            if (index < 0 || index >= r.rows())
                throw Failure("the admission function returned an unexpected row", "", "", false);
            auto* p = batch[static_cast<std::size_t>(index)];
            AdmitResult out;
            auto outcome = r.view(i, 1);
            if (outcome == "not_member") {
                out.outcome = AdmitOutcome::not_member;
                p->result = out;
                continue;
            }
            out.role = p->q->role != Role::none ? p->q->role : parse_role(r.view(i, 4)).value_or(Role::none);
            out.outcome = outcome == "admitted"   ? AdmitOutcome::admitted
                          : outcome == "rejoined" ? AdmitOutcome::rejoined
                          : outcome == "full"     ? AdmitOutcome::full
                                                  : AdmitOutcome::not_live;
            out.status = parse_session_status(r.view(i, 2)).value_or(SessionStatus::scheduled);
            out.seats_taken = static_cast<int>(r.integer(i, 3));
            p->result = out;
        }
    }

    // The roles that take a seat, as an array literal: the rule is
    // takes_seat() (roster.hpp), and the database function is told it.
    static const std::string& seat_roles() {
        static const std::string roles = [] {
            std::string out = "{";
            for (Role r : {Role::student, Role::moderator, Role::instructor})
                if (takes_seat(r)) append_element(out, to_string(r));
            return out + "}";
        }();
        return roles;
    }

    pg::Pool pool_;
    // Touched only by the admission group's current leader.
    std::vector<PendingAdmission*> group_;
    std::atomic<std::uint64_t> statements_{0}, retried_alone_{0};
    store_detail::WriteGroup admissions_group_{admission_steps(), max_batch};
};

}  // namespace

std::optional<pg::AdmissionCounters> pg::admission_counters(const Store& store) {
    if (auto* p = dynamic_cast<const PostgresStore*>(&store)) return p->admission_counters();
    return std::nullopt;
}

std::unique_ptr<Store> open_postgres_store(const PostgresOptions& options) {
    PostgresOptions o = options;
    pg::take_uri_options(o);  // also validates the URI and the option values
    return std::make_unique<PostgresStore>(o);
}

}  // namespace livecourse
