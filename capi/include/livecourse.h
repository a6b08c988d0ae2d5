/*
 * livecourse.h - the C ABI of livecourse.
 *
 * livecourse lets an LMS backend run live classes on Jitsi Meet: sessions and
 * their status machine, access checks, exact seat admission, attendance,
 * Jitsi tokens and links, chat, calendars and iCal feeds. This header is the
 * stable contract every host and binding (Python, Node, PHP, Go, ...) builds
 * on. It is self-contained C99 and also compiles as C++.
 *
 * Conventions
 * - Every operation returns an lc_status. LC_OK is 0; the other values are
 *   stable and never reused.
 * - Structured inputs and outputs are UTF-8 JSON documents with the same field
 *   names and shapes as the reference server's REST bodies. A request is one
 *   JSON object holding the operation's parameters (path parameters of the
 *   REST route and the fields of its body, side by side) and, for every
 *   operation done on behalf of a user, "actor": {"user_id", "name", "email",
 *   "avatar"} (only user_id is required). Unknown request fields are ignored.
 * - Ownership: the caller owns every string the library returns through a
 *   `char **` out-parameter and releases it with lc_free(). The library never
 *   keeps a pointer the caller gave it beyond the call. Out-parameters are set
 *   to NULL on entry, so they are NULL whenever nothing was returned.
 * - Errors: on failure *error_json (when error_json is not NULL) receives
 *   {"error": {"code", "category", "message", "field"}}: `code` is the most
 *   specific stable code (a reason such as "not_enrolled", "session_full",
 *   "not_live", else the category), `category` the lc_status name in lower
 *   case ("invalid_argument", ...), `field` the offending input field or null.
 *   The same document is also available from lc_last_error() on the calling
 *   thread until that thread's next lc_ call.
 * - NULL pointers, invalid UTF-8 and malformed JSON are reported as
 *   LC_ERR_INVALID_ARGUMENT, never crashes. No exception ever escapes.
 * - Threads: one lc_engine may be used from any number of threads at once.
 *   Several engines, in one process or several, may open the same database.
 * - Times are RFC 3339 UTC strings with "Z" ("2024-03-01T14:00:00Z").
 */
#ifndef LIVECOURSE_H
#define LIVECOURSE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(LC_BUILDING_LIBRARY)
#define LC_API __attribute__((visibility("default")))
#else
#define LC_API
#endif

#define LC_VERSION_MAJOR 0
#define LC_VERSION_MINOR 1
#define LC_VERSION_PATCH 0
#define LC_VERSION_STRING "0.1.0"
/* Bumped whenever a function's signature or a struct's layout changes. */
#define LC_ABI_VERSION 1

typedef enum lc_status {
    LC_OK = 0,
    LC_ERR_INVALID_ARGUMENT = 1, /* bad input; `field` names it */
    LC_ERR_NOT_FOUND = 2,        /* an id names nothing */
    LC_ERR_FORBIDDEN = 3,        /* access refused; `code` says why */
    LC_ERR_CONFLICT = 4,         /* not possible in the session's status, or a concurrent change */
    LC_ERR_FULL = 5,             /* no seat left ("session_full") */
    LC_ERR_STORAGE = 6,          /* the database failed or is unreachable */
    LC_ERR_UNAUTHENTICATED = 7,  /* no actor, or an invalid token */
    LC_ERR_INTERNAL = 8,         /* a bug: please report it */
    LC_ERR_NO_MEMORY = 9,
    LC_ERR_CALLBACK = 10,        /* a host callback reported a failure */
    LC_ERR_WOULD_BLOCK = 11      /* the thread may not wait (lc_thread_no_wait) and the call would have; nothing changed */
} lc_status;

typedef struct lc_engine lc_engine;

/* Roles a host roster reports (values are stable). */
typedef enum lc_role { LC_ROLE_NONE = 0, LC_ROLE_STUDENT = 1, LC_ROLE_MODERATOR = 2, LC_ROLE_INSTRUCTOR = 3 } lc_role;

/* Called by a host's courses callback once per course the user belongs to. */
typedef void (*lc_course_sink)(void *sink_context, const char *course_id, lc_role role);

/*
 * Optional host hooks, read once by lc_engine_open (the struct may be freed
 * afterwards; user_data must outlive the engine). Any hook may be NULL.
 * Hooks may be called from any thread, concurrently.
 * - role_of: the user's role in the course, or a negative value if the host
 *   failed (the operation then fails with LC_ERR_CALLBACK). When set, it
 *   replaces the built-in roster.
 * - courses_of: calls sink(sink_context, course_id, role) for each course of
 *   the user; returns 0, or negative on failure. Needed for calendars when
 *   role_of is set.
 * - count_students: students enrolled in a course, or negative if unknown.
 * - now: the current time in Unix seconds, for hosts' tests.
 */
typedef struct lc_host {
    void *user_data;
    int (*role_of)(void *user_data, const char *course_id, const char *user_id);
    int (*courses_of)(void *user_data, const char *user_id, lc_course_sink sink, void *sink_context);
    int64_t (*count_students)(void *user_data, const char *course_id);
    int64_t (*now)(void *user_data);
} lc_host;

/* "0.1.0": the library's version at run time. Static string; do not free. */
LC_API const char *lc_version(void);
/* LC_ABI_VERSION of the loaded library; bindings compare it at load time. */
LC_API int lc_abi_version(void);
/* Releases a string returned by the library. NULL is ignored. */
LC_API void lc_free(void *p);
/* The last error of the calling thread as JSON, or NULL after a success.
 * Owned by the library; valid until the thread's next lc_ call. */
LC_API const char *lc_last_error(void);
/* The lower-case name of a status ("invalid_argument"); static string. */
LC_API const char *lc_status_name(lc_status status);

/*
 * Opens an engine. config_json:
 * {"database": "./var/livecourse.db",  (required: a SQLite file path, or a postgresql:// URI)
 *  "jitsi": {"mode": "public" | "self_hosted" | "jaas", "server_url", "tenant",
 *            "app_id", "app_secret", "subject", "audience", "jaas_key_id",
 *            "jaas_private_key_pem", "room_prefix", "token_grace_seconds",
 *            "token_cap_seconds", "not_before_skew_seconds", "livestreaming",
 *            "resolution", "channel_last_n", "start_audio_muted"},
 *  "calendar": {"join_url_pattern", "organizer_email", "uid_domain",
 *               "calendar_name", "feed_secret"},
 *  "participants_may_share_screen": false,
 *  "presence": {"video_events_secret" (>= 32 bytes), "jaas_webhook_secret", "jaas_app_id",
 *               "jaas_signature_tolerance_seconds" (300), "presence_timeout_seconds" (90),
 *               "clock_skew_seconds" (60)}}
 * and optionally "notifications": {"max_attempts" (8), "first_retry_seconds" (5),
 *               "max_retry_seconds" (300)} (the outbox; docs/notifications.md).
 * and optionally "attendance": {"minimum_share" (0.6), "late_after_seconds" (600),
 *               "early_leave_before_seconds" (600), "count_before_instructor" (false),
 *               "settle_seconds" (600)} (lc_attendance_outcomes_get's policy).
 * host may be NULL. On success *engine is set; close it with lc_engine_close.
 */
LC_API lc_status lc_engine_open(const char *config_json, const lc_host *host, lc_engine **engine, char **error_json);
/* Closes an engine; NULL is ignored. No call on it may be in flight. */
LC_API void lc_engine_close(lc_engine *engine);

/*
 * For event-loop hosts: with no_wait set (1), each operation called on this
 * thread that would have to wait (for a lock another thread or process holds,
 * a free database connection, the PostgreSQL server) fails at once with
 * LC_ERR_WOULD_BLOCK ("would_block") and changes nothing; run it again on a
 * thread that may wait. A call that has committed a write finishes as usual.
 * Host hooks are still called. 0 restores waiting; the previous setting is
 * returned. The setting belongs to the calling thread only.
 */
LC_API int lc_thread_no_wait(int no_wait);

/*
 * Operations. Each takes (engine, request_json, &response_json, &error_json);
 * error_json may be NULL. Requests and responses:
 *
 * lc_roster_enroll    {"course_id","user_id","role":"student"|"moderator"|"instructor"} -> {"course_id","user_id","role"}
 * lc_roster_unenroll  {"course_id","user_id"} -> {"course_id","user_id","role":"none"}
 * lc_roster_set_role  same as lc_roster_enroll
 * lc_roster_get_role  {"course_id","user_id"} -> {"course_id","user_id","role"}
 * lc_user_put         {"user_id","name","email","avatar"} -> the same
 *
 * lc_session_create   {actor,"course_id","title","description","starts_at","ends_at","timezone",
 *                      "max_participants","recording_enabled","room_password":bool} -> session
 * lc_session_get      {actor,"session_id"} -> session ("jitsi_room_name" is null unless the actor is the
 *                     course's instructor or a moderator: the room name is a key to the room, which a
 *                     student gets from lc_session_join once admitted; listings and calendars carry it
 *                     for nobody)
 * lc_session_list     {actor,"course_id","status":"upcoming"|"live"|"past"|"all"} -> {"sessions":[session...]}
 * lc_session_update   {actor,"session_id", any of title/description/starts_at/ends_at/timezone/
 *                      max_participants/recording_enabled, "revision" (optional, expected)} -> session
 * lc_session_cancel   {actor,"session_id","reason"} -> session
 * lc_session_start    {actor,"session_id"} -> session
 * lc_session_end      {actor,"session_id","recording_url"} -> session + {"statistics": statistics}
 * lc_session_join     {actor,"session_id"} -> {"session_id","jitsi_room_name","jitsi_join_url","jitsi_room_password"}
 * lc_session_leave    {actor,"session_id"} -> {"session_id","left": bool}  (false: there was no open connection)
 * lc_token_create     {actor,"session_id"} -> {"jwt" (null in public mode),"jitsi_join_url","expires_at"}
 * lc_attendance_get   {actor,"session_id"} -> {"session_id","attendance":[row...]}
 * lc_statistics_get   {actor,"session_id"} -> statistics
 * lc_attendance_outcomes_get {actor,"session_id"} -> {"session_id","state":"provisional"|"final","policy",
 *                     "window_starts_at","window_ends_at","outcomes":[outcome...]}: each admitted student's verdict
 *                     ("present"|"late"|"left_early"|"absent") under the engine's attendance policy
 * lc_presence_roster_get {actor,"session_id"} -> {"session_id","status","observed_at","participants":[{"user_id","role",
 *                     "joined_at","source","connections"}...]}: who is in the room now (empty unless live)
 * lc_course_attendance_get {actor,"course_id","from","to"} -> {"course_id","range_starts_at","range_ends_at","state","sessions":[{"session_id",
 *                     "title","starts_at","status","state"}...],"students":[{"user_id","outcomes":[{"session_id",
 *                     "outcome","counted_seconds"}...],"present","late","left_early","absent","counted_seconds",
 *                     "attendance_rate"}...]}: a course's verdicts over [from, to), one column per session held
 * lc_attendance_override_set {actor,"session_id","user_id","outcome" (or null: withdrawn),"reason"} -> {"session_id",
 *                     "user_id","outcome","reason","decided_by","decided_at"}: a host's decision on one verdict (staff)
 * lc_attendance_override_log {actor,"session_id"} -> {"session_id","decisions":[decision...]}: every decision, oldest first
 * lc_chat_post        {actor,"session_id","type":"text"|"question"|"answer","body","reply_to"} -> message
 * lc_chat_list        {actor,"session_id","cursor","limit"} -> {"messages":[message...],"next_cursor"}
 * lc_series_create    {actor,"course_id","title","description","max_participants","recording_enabled",
 *                      "room_password","timezone","first_date":"2026-09-01","start_time":"10:00",
 *                      "duration_minutes":90,"weekdays":["tuesday",...],"interval_weeks":1,
 *                      "count":12 | "until":"2027-06-30"} -> {"series":{"id","course_id","rule"},"sessions":[session...]}
 * lc_series_cancel    {actor,"series_id","from" (RFC 3339, default now),"reason"} -> {"sessions":[cancelled session...]}
 * lc_calendar_query   {actor,"start","end","status"} -> {"events":[event...]}
 *                     (start/end: RFC 3339 or a date "2024-03-01", end exclusive)
 * lc_calendar_feed    {"user_id"} -> the user's calendar as text/calendar (RFC 5545), not JSON
 * lc_calendar_feed_by_token {"token"} -> the same, for the user the token was issued to
 * lc_feed_token_get   {"user_id"} -> {"user_id","token"}
 * lc_feed_token_rotate {"user_id"} -> {"user_id","token"} (every earlier token stops working)
 *
 * Presence the video server reports, heartbeats, recordings (docs/presence.md). Reports that
 * cannot be used are acknowledged, never refused: ack {"status":"recorded"|"ignored","reason"}
 * (reason: "unknown_room", "unknown_user", "never_live", "duplicate", "app_id_mismatch",
 * "clock_skew", "no_attendance_data", "recording_url_already_set", "not_live", "nobody_absent";
 * null when recorded).
 * A wrong secret or signature is LC_ERR_UNAUTHENTICATED ("invalid_secret", "invalid_signature",
 * "stale_signature") and records nothing; a malformed payload LC_ERR_INVALID_ARGUMENT.
 * lc_presence_jitsi_event  {"secret" (the event_sync bearer token),"kind":"room/created"|"room/destroyed"|
 *                           "occupant/joined"|"occupant/left","payload":{...} | "body":"<raw JSON text>"} -> ack
 * lc_presence_jaas_webhook {"body":"<raw body, exactly as received>","signature":"<X-Jaas-Signature>"} -> ack
 * lc_presence_heartbeat    {actor,"session_id"} -> ack + {"session_id"}
 * lc_presence_room_census  {"secret","room","at" (Unix seconds, default now),"match":"email"|"user_id"
 *                           ("email"),"occupants":[{"email"|"user_id"|"id",...}...]} (who is in the
 *                           conference, e.g. mod_muc_size's GET /room lists) -> ack + {"session_id",
 *                           "named","absent","unidentified"}: intervals of users it did not name end at "at"
 * lc_recording_set         {actor | "secret","session_id" (with secret: or the room name),"recording_url"}
 *                          -> ack + {"session": session | null}
 *
 * The notification outbox (docs/notifications.md): reminders 24 h and 1 h before a session,
 * "live now", rescheduled, cancelled and recording notifications, planned in the transaction
 * of the change that causes them. The host claims due ones, delivers them and acknowledges
 * them; nothing is handed to two consumers at once, in any process. No actor: host-level.
 * lc_notification_claim     {"limit" (10),"lease_seconds" (60)} -> {"notifications":[notification...]}
 * lc_notification_ack       {"ids":[id...]} -> {"acked":[id...]} (the ids that became delivered)
 * lc_notification_fail      {"id","attempts" (the claim's, optional),"retry_in_seconds" (optional:
 *                            default backoff),"error"} -> notification (pending again, or dead)
 * lc_notification_dead_list {"state":"dead"|"pending"|"delivered" ("dead"),"cursor","limit"}
 *                            -> {"notifications":[notification...],"next_cursor"}
 * lc_notification_retry     {"id"} -> notification (a dead one, queued again)
 * lc_notification_list      {actor,"cursor","limit"} -> {"notifications":[notification + "read"...],
 *                            "next_cursor","read_up_to","unread_count"} (the actor's, newest first)
 * lc_notification_mark_read {actor,"up_to"} -> {"read_up_to","unread_count"}
 *
 * Shapes (see docs/c-api.md): session {id, course_id, instructor_id, title,
 * description, starts_at, ends_at, timezone, max_participants,
 * recording_enabled, jitsi_room_name, jitsi_server_url, status,
 * actual_start_at, actual_end_at, recording_url, cancel_reason, series_id,
 * revision, created_at, updated_at}; statistics {session_id,
 * actual_duration_seconds, participants_count, students_count,
 * enrolled_count, attendance_rate, average_presence_seconds,
 * median_presence_seconds, peak_concurrent, recording_url}; row {user_id,
 * role, present_seconds, joins, first_join_at, last_leave_at, is_present,
 * source}; event {type: "live_session", id, course_id, title, starts_at,
 * ends_at, status, join_url}; message {id, session_id, user_id, type, body,
 * reply_to, created_at}.
 */
#define LC_OPERATION(name) \
    LC_API lc_status name(lc_engine *engine, const char *request_json, char **response_json, char **error_json)

LC_OPERATION(lc_roster_enroll);
LC_OPERATION(lc_roster_unenroll);
LC_OPERATION(lc_roster_set_role);
LC_OPERATION(lc_roster_get_role);
LC_OPERATION(lc_user_put);
LC_OPERATION(lc_session_create);
LC_OPERATION(lc_session_get);
LC_OPERATION(lc_session_list);
LC_OPERATION(lc_session_update);
LC_OPERATION(lc_session_cancel);
LC_OPERATION(lc_session_start);
LC_OPERATION(lc_session_end);
LC_OPERATION(lc_session_join);
LC_OPERATION(lc_session_leave);
LC_OPERATION(lc_token_create);
LC_OPERATION(lc_attendance_get);
LC_OPERATION(lc_statistics_get);
LC_OPERATION(lc_chat_post);
LC_OPERATION(lc_chat_list);
LC_OPERATION(lc_series_create);
LC_OPERATION(lc_series_cancel);
LC_OPERATION(lc_calendar_query);
LC_OPERATION(lc_calendar_feed);
LC_OPERATION(lc_calendar_feed_by_token);
LC_OPERATION(lc_feed_token_get);
LC_OPERATION(lc_feed_token_rotate);
LC_OPERATION(lc_presence_jitsi_event);
LC_OPERATION(lc_presence_jaas_webhook);
LC_OPERATION(lc_presence_heartbeat);
LC_OPERATION(lc_recording_set);
LC_OPERATION(lc_notification_claim);
LC_OPERATION(lc_notification_ack);
LC_OPERATION(lc_notification_fail);
LC_OPERATION(lc_notification_list);
LC_OPERATION(lc_notification_mark_read);
LC_OPERATION(lc_notification_dead_list);
LC_OPERATION(lc_notification_retry);
LC_OPERATION(lc_attendance_outcomes_get);
LC_OPERATION(lc_presence_roster_get);
LC_OPERATION(lc_course_attendance_get);
LC_OPERATION(lc_attendance_override_set);
LC_OPERATION(lc_attendance_override_log);
LC_OPERATION(lc_presence_room_census);

#undef LC_OPERATION

#ifdef __cplusplus
}
#endif

#endif /* LIVECOURSE_H */
