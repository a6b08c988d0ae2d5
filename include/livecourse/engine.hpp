// Engine: the one entry point a host needs. Each method is one use case of
// the seed ("create a session", "start", "join", ...): it validates its input
// at the edge, asks the roster and the access policy, and does its writes in
// one store transaction. Hosts construct it from an `EngineConfig`; the C ABI,
// the bindings and the reference server wrap exactly this class.
//
// Thread-safety: one Engine may be used from any number of threads at once,
// and several engines (in several processes) may share one database.
#pragma once

#include <livecourse/attendance.hpp>
#include <livecourse/attendance_policy.hpp>
#include <livecourse/chat.hpp>
#include <livecourse/clock.hpp>
#include <livecourse/jitsi.hpp>
#include <livecourse/notifications.hpp>
#include <livecourse/presence.hpp>
#include <livecourse/recurrence.hpp>
#include <livecourse/roster.hpp>
#include <livecourse/session.hpp>
#include <livecourse/store.hpp>
#include <livecourse/user.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livecourse {

struct EngineLimits {
    std::size_t max_title_bytes = 200;
    std::size_t max_description_bytes = 10000;
    std::size_t max_id_bytes = 128;
    std::size_t max_chat_bytes = 4000;
    std::size_t max_reason_bytes = 1000;
    std::size_t max_url_bytes = 2048;
    int max_participants = 10000;
    Seconds max_duration{24 * 3600};
    int max_page = 200;
};

struct CalendarConfig {
    // Where a calendar event's link points, `{course}` and `{id}` substituted.
    std::string join_url_pattern = "/courses/{course}/live-sessions/{id}/join";
    // Used as ORGANIZER when the instructor's profile has no e-mail.
    std::string organizer_email = "noreply@livecourse.invalid";
    // UID domain: "session-<id>@<uid_domain>"; never changes for a session.
    std::string uid_domain = "livecourse";
    std::string calendar_name = "Live sessions";
    // Keys the feed tokens (HMAC over user id and a per-user salt): >= 32 bytes.
    std::string feed_secret;
};

// The notification outbox (notifications.hpp, docs/notifications.md).
struct NotificationConfig {
    // Failed attempts (claims not acknowledged) before a notification is
    // parked dead.
    int max_attempts = 8;
    // Backoff after a failed attempt when the consumer names no delay: the
    // n-th failure waits a random time in [d/2, d], d = min(first_retry *
    // 2^(n-1), max_retry): the first retry within 5 s, doubling, capped at
    // 5 minutes.
    Seconds first_retry{5};
    Seconds max_retry{300};
};

struct EngineConfig {
    std::string database;  // a SQLite file path, or a postgresql:// URI (see open_store)
    std::shared_ptr<Store> store;    // overrides `database` when set
    std::shared_ptr<Roster> roster;  // default: the store's own roster
    std::shared_ptr<Clock> clock;    // default: the system clock
    jitsi::Config jitsi;
    CalendarConfig calendar;
    EngineLimits limits;
    bool participants_may_share_screen = false;
    NotificationConfig notifications;
    // Video-server events, JaaS webhooks, heartbeats (presence.hpp).
    PresenceConfig presence;
    // How a student's presence becomes a verdict (attendance_policy.hpp).
    AttendancePolicy attendance;
    // After a session ends, video-server reports may still arrive: its
    // verdicts stay provisional for this long, then are final.
    Seconds attendance_settle{600};
};

// Every student's verdict for one session. `is_final` once the session is over
// (ended or cancelled) and `attendance_settle` has passed; provisional while
// presence may still change.
struct AttendanceOutcomes {
    std::string session_id;
    bool is_final = false;
    AttendancePolicy policy;
    CountingWindow window;
    struct Student {
        std::string user_id;
        AttendanceVerdict verdict;                // as computed
        std::optional<AttendanceOverride> decision;  // a host's decision, which wins
        AttendanceOutcome outcome() const { return decision ? *decision->outcome : verdict.outcome; }
    };
    // Every admitted student, and every student with a decision in force, by
    // user id.
    std::vector<Student> students;
};

// A course's attendance over a date range, for a gradebook: one column per
// session held (started, not cancelled) that starts in [from, to), one row per
// student (every student the roster lists, and everyone admitted to one of
// those sessions), each cell that session's verdict (AttendanceOutcomes).
// A student not admitted to a session is absent from it. `is_final` once
// every column is.
struct CourseAttendance {
    std::string course_id;
    Instant from{};
    Instant to{};
    bool is_final = true;
    struct Column {
        std::string session_id;
        std::string title;
        Instant starts_at{};
        SessionStatus status = SessionStatus::ended;
        bool is_final = false;
    };
    std::vector<Column> sessions;  // by start time
    struct Cell {
        AttendanceOutcome outcome = AttendanceOutcome::absent;  // a host's decision where there is one
        std::int64_t counted_seconds = 0;
        bool overridden = false;
    };
    struct Student {
        std::string user_id;
        std::vector<Cell> cells;  // one per column, in the columns' order
        int present = 0;
        int late = 0;
        int left_early = 0;
        int absent = 0;
        std::int64_t counted_seconds = 0;
        // Sessions attended (present, late or left early) over the columns;
        // nullopt when there is no column.
        std::optional<double> attendance_rate;
    };
    std::vector<Student> students;  // by user id
};

// Who is in a session's room at `observed_at`: the participants with a
// counted connection open (AttendanceLedger::in_room). Empty unless live.
struct LiveRoster {
    std::string session_id;
    SessionStatus status = SessionStatus::scheduled;
    Instant observed_at{};
    std::vector<RosterEntry> entries;  // by user id
};

struct JoinResult {
    std::string session_id;
    std::string jitsi_room_name;
    std::string jitsi_join_url;
    std::optional<std::string> jitsi_room_password;
    bool rejoined = false;
};

struct TokenResult {
    std::optional<std::string> jwt;  // none in public meet.jit.si mode
    std::string jitsi_join_url;
    Instant expires_at{};
};

struct EndResult {
    Session session;
    SessionStatistics statistics;
};

struct CalendarEvent {
    Session session;
    std::string join_url;
};

struct CalendarQuery {
    Instant start{};
    Instant end{};
    std::optional<SessionStatus> status;
};

struct SeriesDraft {
    SessionDraft session;       // title, description, capacity, recording; times come from the rule
    WeeklySeriesRule rule;
};

struct SeriesResult {
    SeriesRecord series;
    std::vector<Session> sessions;
};

struct RecordingResult {
    PresenceAck ack;
    std::optional<Session> session;  // the session as it now is, when one was found
};

class Engine {
public:
    explicit Engine(EngineConfig config);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // --- roster (built-in roster only; a host roster is the host's business)
    void enroll(std::string_view course_id, std::string_view user_id, Role role);
    void unenroll(std::string_view course_id, std::string_view user_id);
    Role role_of(std::string_view course_id, std::string_view user_id);
    void put_user(const Actor& profile);

    // --- sessions
    Session create_session(const Actor& actor, std::string_view course_id, const SessionDraft& draft);
    Session get_session(const Actor& actor, std::string_view session_id);
    std::vector<Session> list_sessions(const Actor& actor, std::string_view course_id, SessionFilter filter);
    Session update_session(const Actor& actor, std::string_view session_id, const SessionPatch& patch);
    Session cancel_session(const Actor& actor, std::string_view session_id, std::string_view reason);
    Session start_session(const Actor& actor, std::string_view session_id);
    EndResult end_session(const Actor& actor, std::string_view session_id,
                          std::optional<std::string_view> recording_url = std::nullopt);

    // --- series
    SeriesResult create_series(const Actor& actor, std::string_view course_id, const SeriesDraft& draft);
    // Cancels every still-scheduled occurrence starting at or after `from`.
    std::vector<Session> cancel_series(const Actor& actor, std::string_view series_id, Instant from,
                                       std::string_view reason);

    // --- joining
    JoinResult join(const Actor& actor, std::string_view session_id);
    TokenResult token(const Actor& actor, std::string_view session_id);
    // True if an open connection was closed; false for a leave without a join.
    bool leave(const Actor& actor, std::string_view session_id);

    // --- attendance (instructor and moderators only)
    std::vector<AttendanceRow> attendance(const Actor& actor, std::string_view session_id);
    SessionStatistics statistics(const Actor& actor, std::string_view session_id);
    // Each admitted student's verdict under the engine's attendance policy.
    AttendanceOutcomes attendance_outcomes(const Actor& actor, std::string_view session_id);
    // Staff only: decides one student's verdict (`outcome`), or withdraws the
    // decision (nullopt), with a reason; logged, never erased. The student
    // must be a student of the course or admitted as one; the session must
    // have started.
    AttendanceOverride override_attendance(const Actor& actor, std::string_view session_id, std::string_view user_id,
                                           std::optional<AttendanceOutcome> outcome, std::string_view reason);
    // Staff only: every decision and withdrawal on the session, oldest first.
    std::vector<AttendanceOverride> attendance_override_log(const Actor& actor, std::string_view session_id);
    // Staff of the course only; [from, to) spans at most 400 days.
    CourseAttendance course_attendance(const Actor& actor, std::string_view course_id, Instant from, Instant to);
    // Who is in the room now; one indexed read, made to be polled every few
    // seconds by an instructor's page.
    LiveRoster live_roster(const Actor& actor, std::string_view session_id);

    // --- chat
    ChatMessage post_chat(const Actor& actor, std::string_view session_id, ChatType type,
                          std::string_view body, std::optional<std::string_view> reply_to);
    ChatPage list_chat(const Actor& actor, std::string_view session_id,
                       std::optional<std::string_view> cursor, int limit);

    // --- calendar
    std::vector<CalendarEvent> calendar_events(const Actor& actor, const CalendarQuery& query);
    // The user's whole calendar as RFC 5545 text.
    std::string ical_feed(std::string_view user_id);
    // A token that lets a calendar app fetch one user's feed without a login.
    std::string feed_token(std::string_view user_id);
    // Revokes every earlier feed token of the user and returns a new one.
    std::string rotate_feed_token(std::string_view user_id);
    // The feed of the user the token was issued to; unauthenticated if invalid.
    std::string ical_feed_by_token(std::string_view token);

    // --- presence the video server reports, heartbeats, recordings
    // (presence.hpp, docs/presence.md). Reports the library cannot use are
    // acknowledged as ignored (PresenceAck), never refused, so that senders
    // do not retry them; only a wrong secret or signature
    // (Error(unauthenticated), reason "invalid_secret", "invalid_signature"
    // or "stale_signature") and a malformed payload (invalid_argument) throw.
    //
    // An event of Jitsi's event_sync module: `kind` is its route
    // ("room/created", "room/destroyed", "occupant/joined",
    // "occupant/left"), `secret` the bearer token the sender presented.
    PresenceAck jitsi_event(std::string_view secret, std::string_view kind, const boost::json::object& payload);
    // Only the secret check of jitsi_event, for hosts that want to refuse a
    // wrong sender before reading its body.
    void check_video_events_secret(std::string_view secret);
    // A JaaS webhook: the body exactly as received and its X-Jaas-Signature.
    PresenceAck jaas_webhook(std::string_view raw_body, std::string_view signature_header);
    // A room census (video_events.hpp's RoomCensus): who the video server
    // says is in the conference, sent by a host that asks it (Jitsi's
    // mod_muc_size) with the video-events secret. Every user of the session
    // it could have named and did not is absent at `at`: their intervals
    // open then end there, from every source. In "email" matching only
    // users whose profile e-mail the library knows (put_user, or a profile
    // given to session_create) can be absent.
    CensusAck room_census(std::string_view secret, const boost::json::object& body);
    // A heartbeat from the page of an admitted participant (every 30 s while
    // the conference is open); ignored ("not_live") once the session is over.
    PresenceAck heartbeat(const Actor& actor, std::string_view session_id);
    // The recording URL of a session that took place (live or ended). By its
    // instructor or a moderator: replaces any earlier URL. By a sender
    // holding the video-events secret (Jibri's finalize script), where
    // `session` is the session's id or its room name: only while none is set.
    RecordingResult set_recording(const Actor& actor, std::string_view session_id, std::string_view recording_url);
    RecordingResult set_recording_by_secret(std::string_view secret, std::string_view session,
                                            std::string_view recording_url);
    PresenceCounters presence_counters() const;

    // --- notifications (notifications.hpp, docs/notifications.md)
    // The host's side of the outbox, on behalf of no user. Leases up to
    // `limit` due notifications (1..limits.max_page) for `lease` (1 s to
    // 1 hour) to the caller: no other caller, in any process, gets them
    // before the lease ends; an acknowledgement ends it for good.
    std::vector<Notification> claim_notifications(int limit, Seconds lease);
    // Marks claimed notifications delivered; returns the ids that changed.
    std::vector<std::string> ack_notifications(const std::vector<std::string>& ids);
    // Reports a failed attempt: the notification is claimable again after
    // `retry_in` (default: NotificationConfig's backoff), or dead after
    // max_attempts. With `attempt` (the `attempts` the claim returned), only
    // if no later claim happened. Error(conflict, "not_claimed") if the
    // notification is not pending under that claim, not_found if unknown.
    Notification fail_notification(std::string_view id, std::optional<int> attempt = std::nullopt,
                                   std::optional<Seconds> retry_in = std::nullopt, std::string_view error = {});
    // Re-queues a dead notification (due now, attempts reset);
    // Error(conflict, "not_dead") if it is not dead.
    Notification retry_notification(std::string_view id);
    // Notifications in one state (the operator's list of dead ones), oldest first.
    NotificationPage list_notifications_in_state(NotificationState state, std::optional<std::string_view> cursor,
                                                 int limit);
    // The actor's own due notifications, newest first, with the read marker.
    InAppNotifications list_notifications(const Actor& actor, std::optional<std::string_view> cursor, int limit);
    // Marks the actor's notifications read up to (and including) `up_to`,
    // by due time; the marker never moves back.
    ReadMarker mark_notifications_read(const Actor& actor, std::string_view up_to);

    const EngineConfig& config() const noexcept;
    Instant now() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace livecourse
