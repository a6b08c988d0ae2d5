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
//
// This header declares the store's class and what its operations share: the
// pool and the way an operation runs on it (postgres_store.cpp), the schema
// (postgres_schema.cpp), the row readers and binders (postgres_rows.hpp). The
// operations are defined by concept in postgres_<concept>.cpp, as listed
// below. Tests and benchmarks read the batched admission's counters.
//
// Thread-safety: the store is safe from many threads at once; the counters
// are read atomically, each on its own: read them when no admission is
// running for figures that agree with each other.
#pragma once

#include "store/postgres/postgres_connection.hpp"

#include <livecourse/error.hpp>
#include <livecourse/store.hpp>

#include <fmt/format.h>

#include "store/write_group.hpp"

#include <atomic>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace livecourse::pg {

// What the batched seat admission has done: admissions queued in one process
// go to the database as one statement for the group (postgres_admission.cpp).
struct AdmissionCounters {
    std::uint64_t groups = 0;         // groups of queued admissions, each sent by its leader
    std::uint64_t admissions = 0;     // admissions in those groups
    std::uint64_t statements = 0;     // admission statements sent, retries included
    std::uint64_t retried_alone = 0;  // admissions sent again alone after their group's statement failed
};

// The counters of `store`, or nothing when it is not a PostgreSQL store.
std::optional<AdmissionCounters> admission_counters(const Store& store);

// The pieces of the outbox (postgres_outbox.cpp) that other concepts' writes
// run inside their own transaction.
//
// Serialises the writers that plan for `course` (see the statement).
void lock_course(Connection& c, std::string_view course);
// The plan of notifications.hpp, inside the caller's transaction, after lock_course.
void apply_plan(Connection& c, const NotificationPlan& plan);
// The outbox side of an enrollment change (Store::set_enrollment), after lock_course.
void plan_enrollment(Connection& c, std::string_view course, std::string_view user, Role role, Instant now);

class PostgresStore final : public Store {
public:
    explicit PostgresStore(const PostgresOptions& o);

    // --- roster (the built-in one) and user profiles: postgres_roster.cpp
    Role enrollment_role(std::string_view course, std::string_view user) override;
    std::vector<Enrollment> enrollments_of(std::string_view user) override;
    std::int64_t count_enrolled_students(std::string_view course) override;
    std::vector<Member> course_members(std::string_view course) override;
    void put_user(const Actor& p) override;
    std::optional<Actor> find_user(std::string_view id) override;
    void set_enrollment(std::string_view course, std::string_view user, Role role, Instant now) override;

    // --- sessions and series: postgres_sessions.cpp
    std::string allocate_session_id() override;
    std::string allocate_series_id() override;
    void insert_session(const Session& s, const NotificationPlan& plan) override;
    std::optional<Session> find_session(std::string_view id) override;
    std::optional<Session> find_session_by_room(std::string_view room) override;
    bool replace_session(const Session& s, std::int64_t expected_revision, const NotificationPlan& plan) override;
    std::vector<Session> list_sessions(std::string_view course, SessionFilter filter) override;
    std::vector<Session> sessions_in_range(const SessionRange& r) override;
    void insert_series(const SeriesRecord& series, const std::vector<Session>& occurrences,
                       const NotificationPlan& plan) override;
    std::optional<SeriesRecord> find_series(std::string_view id) override;
    std::vector<Session> series_sessions(std::string_view id) override;

    // --- seats: postgres_admission.cpp
    AdmitResult admit(const AdmitRequest& q) override;

    // --- presence (client intervals, video points, heartbeats): postgres_presence.cpp
    bool close_presence(std::string_view session_id, std::string_view user, Instant when) override;
    std::optional<Participant> find_participant(std::string_view session_id, std::string_view user) override;
    std::vector<Participant> participants(std::string_view session_id) override;
    std::vector<PresenceInterval> presence(std::string_view session_id) override;
    std::optional<int> record_video_points(std::string_view session_id, std::optional<std::string_view> delivery_key,
                                           const std::vector<VideoPresencePoint>& points, Instant received) override;
    std::vector<VideoPresencePoint> video_points(std::string_view session_id) override;
    int record_absences(std::string_view session_id, const std::vector<PresenceAbsence>& absences) override;
    bool record_heartbeat(std::string_view session_id, std::string_view user, Instant when, Seconds timeout) override;
    bool close_heartbeat(std::string_view session_id, std::string_view user, Instant when) override;
    std::vector<HeartbeatInterval> heartbeat_intervals(std::string_view session_id) override;
    AttendanceInputs attendance_inputs(std::string_view session_id) override;
    AttendanceInputs live_presence(std::string_view session_id) override;
    void put_attendance_override(const AttendanceOverride& decision) override;
    std::vector<AttendanceOverride> attendance_overrides(std::string_view session_id) override;
    std::vector<AttendanceOverride> attendance_override_log(std::string_view session_id) override;

    // --- chat: postgres_chat.cpp
    ChatMessage insert_chat(const ChatMessage& m) override;
    ChatPage list_chat(std::string_view session_id, std::optional<std::string_view> after, int limit) override;

    // --- calendar feed salts: postgres_feeds.cpp
    std::optional<std::string> feed_salt(std::string_view user) override;
    void set_feed_salt(std::string_view user, std::string_view salt) override;

    // --- notification outbox: postgres_outbox.cpp
    std::vector<Notification> claim_notifications(Instant now, int limit, Seconds lease, int max_attempts) override;
    std::vector<std::string> ack_notifications(const std::vector<std::string>& ids, Instant now) override;
    std::optional<Notification> fail_notification(std::string_view id, std::optional<int> attempt, Instant now,
                                                  Seconds retry_in, int max_attempts,
                                                  std::string_view error) override;
    std::optional<Notification> retry_notification(std::string_view id, Instant now) override;
    std::optional<Notification> find_notification(std::string_view id) override;
    NotificationPage notifications_in_state(NotificationState state, std::optional<std::string_view> cursor,
                                            int limit) override;
    InAppNotifications user_notifications(std::string_view user, Instant now, std::optional<std::string_view> cursor,
                                          int limit) override;
    std::optional<ReadMarker> mark_notifications_read(std::string_view user, std::string_view up_to,
                                                      Instant now) override;

    AdmissionCounters admission_counters() const;

private:
    // Migrates the schema forward inside the transaction the constructor
    // opened (postgres_schema.cpp).
    static void migrate(Connection& c);
    static Error storage_error(const char* what, const Failure& f);

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
    // any exception (an Error from the body included). `begin` opens it.
    template <class F>
    auto transaction(const char* what, F&& body, const char* begin = "BEGIN")
        -> decltype(body(std::declval<Connection&>())) {
        return run(what, [&](Connection& c) {
            c.exec_simple(begin);
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

    // Runs `body`'s reads in one REPEATABLE READ READ ONLY transaction: they
    // all see the snapshot its first statement takes.
    template <class F> auto snapshot(const char* what, F&& body) -> decltype(body(std::declval<Connection&>())) {
        return transaction(what, std::forward<F>(body), "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    }

    // ------------------------------------------------------ batched admission
    // (postgres_admission.cpp)
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

    store_detail::WriteGroup::Transaction admission_steps();
    void run_admissions();
    void admit_together(std::span<PendingAdmission* const> batch);
    static const std::string& seat_roles();

    pg::Pool pool_;
    // Touched only by the admission group's current leader.
    std::vector<PendingAdmission*> group_;
    std::atomic<std::uint64_t> statements_{0}, retried_alone_{0};
    store_detail::WriteGroup admissions_group_{admission_steps(), max_batch};
};

}  // namespace livecourse::pg
