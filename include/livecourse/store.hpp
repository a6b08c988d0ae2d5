// Store: where sessions, the built-in roster, seats, attendance and chat live.
//
// The interface is made of use-case-sized atomic operations ("admit this user
// if the session is live and a seat is free"), not of generic reads and
// writes, so that each backend implements every operation as one transaction
// with its own locking and constraints. Correctness never rests on an
// in-process lock: several processes (and, on PostgreSQL, several servers)
// share one database, and each operation is exact against all of them.
//
// The store validates nothing the engine has already validated and knows
// nothing of Jitsi, HTTP or JSON. Errors are thrown as `Error` with
// `ErrorCode::storage` (or `conflict` for a broken uniqueness constraint).
//
// Thread-safety: every implementation may be called from many threads at once.
#pragma once

#include <livecourse/attendance.hpp>
#include <livecourse/attendance_policy.hpp>
#include <livecourse/chat.hpp>
#include <livecourse/clock.hpp>
#include <livecourse/notifications.hpp>
// The backends' options and openers, visible from here as they always were.
#include <livecourse/postgres_store.hpp>
#include <livecourse/presence.hpp>
#include <livecourse/roster.hpp>
#include <livecourse/session.hpp>
#include <livecourse/sqlite_store.hpp>
#include <livecourse/user.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livecourse {

enum class AdmitOutcome {
    admitted,          // a new participant; a seat was taken if it counts
    rejoined,          // already admitted: keeps the seat, opens a new connection
    full,              // no seat left
    not_live,          // the session is not live (see `status`)
    not_member,        // the built-in roster gives the user no role in the course
};

// One join's admission. Students take a seat; staff do not.
struct AdmitRequest {
    std::string_view session_id;
    std::string_view user_id;
    // The user's role when the host's roster has decided it. Role::none asks
    // the store to read it from its own enrollments in `course_id` inside the
    // admission transaction (the built-in roster): a join is then one
    // transaction, with no separate read before it.
    Role role = Role::none;
    std::string_view course_id;
    Instant at{};
};

struct AdmitResult {
    AdmitOutcome outcome = AdmitOutcome::not_live;
    SessionStatus status = SessionStatus::scheduled;  // the status seen inside the transaction
    int seats_taken = 0;
    Role role = Role::none;  // the role admitted (as given, or as read)
};

struct SeriesRecord {
    std::string id;
    std::string course_id;
    std::string instructor_id;
    std::string rule;  // the rule as the host gave it, for display and audit
    Instant created_at{};
};

// Everything attendance is computed from, for one session, as of one moment.
struct AttendanceInputs {
    std::vector<Participant> participants;       // as participants()
    std::vector<PresenceInterval> presence;      // as presence()
    std::vector<HeartbeatInterval> heartbeats;   // as heartbeat_intervals()
    std::vector<VideoPresencePoint> video_points;  // as video_points()
    std::vector<PresenceAbsence> absences;       // what room censuses said (presence.hpp)
};

struct SessionRange {
    std::vector<std::string> course_ids;
    Instant from{};
    Instant to{};
    std::optional<SessionStatus> status;
};

class Store {
public:
    virtual ~Store() = default;

    // --- roster (the built-in one) and user profiles
    virtual Role enrollment_role(std::string_view course_id, std::string_view user_id) = 0;
    virtual std::vector<Enrollment> enrollments_of(std::string_view user_id) = 0;
    virtual std::int64_t count_enrolled_students(std::string_view course_id) = 0;
    // Every member of a course in the built-in roster (any role), by user id.
    virtual std::vector<Member> course_members(std::string_view course_id) = 0;
    virtual void put_user(const Actor& profile) = 0;
    virtual std::optional<Actor> find_user(std::string_view user_id) = 0;

    // --- sessions
    // A fresh id for a session about to be inserted (ids are never reused).
    virtual std::string allocate_session_id() = 0;
    virtual std::optional<Session> find_session(std::string_view id) = 0;
    virtual std::optional<Session> find_session_by_room(std::string_view room_name) = 0;
    virtual std::vector<Session> list_sessions(std::string_view course_id, SessionFilter filter) = 0;
    // Sessions of the given courses overlapping [from, to), by start time.
    virtual std::vector<Session> sessions_in_range(const SessionRange& range) = 0;

    // --- series (inserted with their occurrences: insert_series below)
    virtual std::string allocate_series_id() = 0;
    virtual std::optional<SeriesRecord> find_series(std::string_view id) = 0;
    virtual std::vector<Session> series_sessions(std::string_view series_id) = 0;

    // --- seats and presence
    // Atomically: if the user has a role and the session is live, admit the
    // user (a student takes a seat if one is free below `max_participants`)
    // or recognise an earlier admission, and open a presence interval at
    // `at`. Nothing is written unless the outcome is admitted or rejoined.
    virtual AdmitResult admit(const AdmitRequest& request) = 0;
    // Closes the user's most recent open client interval at `at`; false if
    // there was none (a leave without a join).
    virtual bool close_presence(std::string_view session_id, std::string_view user_id, Instant at) = 0;
    virtual std::optional<Participant> find_participant(std::string_view session_id, std::string_view user_id) = 0;
    virtual std::vector<Participant> participants(std::string_view session_id) = 0;
    virtual std::vector<PresenceInterval> presence(std::string_view session_id) = 0;

    // --- chat
    // Assigns the id. Throws Error(not_found, field "reply_to") if reply_to
    // names no question of this session (checked inside the transaction).
    virtual ChatMessage insert_chat(const ChatMessage& m) = 0;
    virtual ChatPage list_chat(std::string_view session_id, std::optional<std::string_view> after, int limit) = 0;

    // --- calendar feed secrets: a per-user salt, rotated to revoke feeds
    virtual std::optional<std::string> feed_salt(std::string_view user_id) = 0;
    virtual void set_feed_salt(std::string_view user_id, std::string_view salt) = 0;

    // --- the writes that change sessions or enrollments, with the outbox
    // (notifications.hpp, docs/notifications.md). Each writes its change and
    // the notifications it plans in one transaction: the change and its plan
    // are committed together or not at all. The plan is applied in order:
    // drop the reminders it names, then add `notify` for every recipient,
    // then `notify_reminded` for the recipients already reminded. A copy
    // whose idempotency key exists already is skipped. An empty plan writes
    // the change alone.
    // Throws Error(conflict, "room_name_taken") if the room name exists.
    virtual void insert_session(const Session& s, const NotificationPlan& plan) = 0;
    // Compare-and-swap: writes `s` (whose revision is expected_revision + 1)
    // only if the stored row is still at `expected_revision`, and applies the
    // plan only then. When the new status is ended or cancelled, closes every
    // open presence interval at `s.actual_end_at` (or `s.updated_at`) in the
    // same transaction.
    virtual bool replace_session(const Session& s, std::int64_t expected_revision, const NotificationPlan& plan) = 0;
    // The series record and all its occurrences.
    virtual void insert_series(const SeriesRecord& series, const std::vector<Session>& occurrences,
                               const NotificationPlan& plan) = 0;
    // Sets the user's role in the built-in roster (Role::none removes it),
    // with the outbox: enrolling (any role) plans, for each scheduled session
    // of the course not led by the user, the reminders of `reminder_rules`
    // still due at or after `now`; removing deletes the user's pending
    // notifications of the course.
    virtual void set_enrollment(std::string_view course_id, std::string_view user_id, Role role, Instant now) = 0;

    // --- notification outbox: leases, acknowledgements, lists
    // Leases up to `limit` notifications due at `now` to the caller for
    // `lease`: each gets attempts + 1 and is not claimable again before the
    // lease ends. Never hands one notification to two callers at once, in any
    // process. A notification whose lease ended with `max_attempts` attempts
    // spent is parked dead instead. Oldest due first.
    virtual std::vector<Notification> claim_notifications(Instant now, int limit, Seconds lease, int max_attempts) = 0;
    // Marks pending (or dead) notifications delivered; returns the ids that
    // changed. Unknown, malformed or already delivered ids are skipped.
    virtual std::vector<std::string> ack_notifications(const std::vector<std::string>& ids, Instant now) = 0;
    // Gives a claimed notification back after a failed attempt: claimable
    // again at now + retry_in, or dead once `max_attempts` attempts are spent.
    // With `attempt`, only if that claim is still the latest (attempts ==
    // attempt). nullopt when nothing changed (not pending, or claimed again).
    virtual std::optional<Notification> fail_notification(std::string_view id, std::optional<int> attempt, Instant now,
                                                          Seconds retry_in, int max_attempts,
                                                          std::string_view error) = 0;
    // Puts a dead notification back in the queue, due now, attempts reset.
    // nullopt unless it was dead.
    virtual std::optional<Notification> retry_notification(std::string_view id, Instant now) = 0;
    virtual std::optional<Notification> find_notification(std::string_view id) = 0;
    // Notifications in one state, oldest id first, after the cursor.
    virtual NotificationPage notifications_in_state(NotificationState state, std::optional<std::string_view> cursor,
                                                    int limit) = 0;
    // A user's notifications due by `now`, newest due first, before the
    // cursor, each with `read` set from the user's read marker.
    virtual InAppNotifications user_notifications(std::string_view user_id, Instant now,
                                                  std::optional<std::string_view> cursor, int limit) = 0;
    // Moves the user's read marker forward to `up_to` (never back). nullopt
    // if `up_to` names no notification of that user.
    virtual std::optional<ReadMarker> mark_notifications_read(std::string_view user_id, std::string_view up_to,
                                                              Instant now) = 0;

    // --- presence reported by the video server, and heartbeats (presence.hpp)
    // Atomically: unless `delivery_key` (a JaaS idempotencyKey) was seen
    // before, remembers it and adds the points not already stored (points
    // are a set, so repeats and arrival order change nothing). Returns how
    // many points were new, or nullopt for a repeated delivery key (then
    // nothing was written).
    virtual std::optional<int> record_video_points(std::string_view session_id,
                                                   std::optional<std::string_view> delivery_key,
                                                   const std::vector<VideoPresencePoint>& points,
                                                   Instant received_at) = 0;
    virtual std::vector<VideoPresencePoint> video_points(std::string_view session_id) = 0;
    // Adds the absences not already stored (a set, like points); returns how
    // many were new.
    virtual int record_absences(std::string_view session_id, const std::vector<PresenceAbsence>& absences) = 0;
    // Atomically: closes the user's open heartbeat interval at its last
    // heartbeat when `at` comes more than `timeout` after it, then extends
    // the open interval to `at`, or opens one at `at`. At most one heartbeat
    // interval per user and session is open. True when one was opened.
    virtual bool record_heartbeat(std::string_view session_id, std::string_view user_id, Instant at,
                                  Seconds timeout) = 0;
    // Closes the user's open heartbeat interval at `at` (a leave); false if none.
    virtual bool close_heartbeat(std::string_view session_id, std::string_view user_id, Instant at) = 0;
    virtual std::vector<HeartbeatInterval> heartbeat_intervals(std::string_view session_id) = 0;

    // --- attendance's use-case read
    // participants(), presence(), heartbeat_intervals(), video_points() and
    // the absences of the session, read in one read transaction: an
    // admission, a heartbeat or a report committed meanwhile is in all of
    // them or in none.
    virtual AttendanceInputs attendance_inputs(std::string_view session_id) = 0;
    // The same snapshot with only the open client intervals (an index on
    // them, not the session's whole history): what the live roster is
    // computed from. Heartbeats, video points and absences are read whole,
    // as they decide which source counts and what is still open.
    virtual AttendanceInputs live_presence(std::string_view session_id) = 0;

    // --- attendance overrides: the decisions in force, and an append-only
    // log of every decision and withdrawal, written in one transaction.
    virtual void put_attendance_override(const AttendanceOverride& decision) = 0;
    virtual std::vector<AttendanceOverride> attendance_overrides(std::string_view session_id) = 0;  // by user id
    virtual std::vector<AttendanceOverride> attendance_override_log(std::string_view session_id) = 0;  // oldest first
};

// Opens the store a database setting names: a `postgresql://` or
// `postgres://` URI selects PostgreSQL (query parameters pool_size and
// statement_timeout_ms set PostgresOptions),
// anything else is a SQLite file path.
std::unique_ptr<Store> open_store(std::string_view database);

// A database setting made fit for a log or a message: every password in it
// replaced by `***`, the rest as written. A SQLite path comes back unchanged.
// A `postgresql://` or `postgres://` URI loses the password of its user info
// (even one holding a raw '?', '@' or '/') and the value of every `password`
// or `sslpassword` query parameter, however its key is percent-encoded
// (`?pass%77ord=...`); a libpq keyword/value string (`host=h password=x` or
// `password='a b'`) loses its password values. Pure; safe from any thread.
std::string redact_database_location(std::string_view database);

// The default roster: the store's own enrollment table.
std::unique_ptr<Roster> make_store_roster(Store& store);

}  // namespace livecourse
