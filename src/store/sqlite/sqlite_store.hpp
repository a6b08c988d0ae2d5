// The embedded default store: one SQLite file in WAL mode.
//
// Writes go through one connection per process: each use case is one
// operation of a group-commit BEGIN IMMEDIATE transaction (write_group.hpp),
// under its own savepoint. Reads use a small pool of other connections, so
// WAL lets them proceed while a write is in flight. Exactness between
// processes comes from SQLite's write lock, which IMMEDIATE takes before
// anything is read.
//
// This header declares the store's class and what its operations share: the
// group-commit writer, the checkpointer and the pool of read connections
// (sqlite_store.cpp), the schema (sqlite_schema.cpp), the row readers and
// binders (sqlite_rows.hpp). The operations are defined by concept in
// sqlite_<concept>.cpp, as listed below.
#pragma once

#include "store/sqlite/sqlite_connection.hpp"

#include <livecourse/error.hpp>
#include <livecourse/no_wait.hpp>
#include <livecourse/store.hpp>

#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include "store/write_group.hpp"
#include "store/write_handoff.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace livecourse::sqlite {

// The pieces of the outbox (sqlite_outbox.cpp) that other concepts' writes
// run inside their own write transaction.
//
// The plan of notifications.hpp, inside the caller's write transaction.
void apply_plan(Connection& c, const NotificationPlan& plan);
// The outbox side of an enrollment change (Store::set_enrollment).
void plan_enrollment(Connection& c, std::string_view course, std::string_view user, Role role, Instant now);

class SqliteStore final : public Store {
public:
    explicit SqliteStore(const SqliteOptions& o);
    ~SqliteStore() override;

    // --- roster (the built-in one) and user profiles: sqlite_roster.cpp
    Role enrollment_role(std::string_view course, std::string_view user) override;
    std::vector<Enrollment> enrollments_of(std::string_view user) override;
    std::int64_t count_enrolled_students(std::string_view course) override;
    std::vector<Member> course_members(std::string_view course) override;
    void put_user(const Actor& p) override;
    std::optional<Actor> find_user(std::string_view id) override;
    void set_enrollment(std::string_view course, std::string_view user, Role role, Instant now) override;

    // --- sessions and series: sqlite_sessions.cpp
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

    // --- seats: sqlite_admission.cpp
    AdmitResult admit(const AdmitRequest& q) override;

    // --- presence (client intervals, video points, heartbeats): sqlite_presence.cpp
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

    // --- chat: sqlite_chat.cpp
    ChatMessage insert_chat(const ChatMessage& m) override;
    ChatPage list_chat(std::string_view session_id, std::optional<std::string_view> after, int limit) override;

    // --- calendar feed salts: sqlite_feeds.cpp
    std::optional<std::string> feed_salt(std::string_view user) override;
    void set_feed_salt(std::string_view user, std::string_view salt) override;

    // --- notification outbox: sqlite_outbox.cpp
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

private:
    // Migrates the schema forward on the writer connection (sqlite_schema.cpp).
    void migrate();
    // The next value of a named counter: ids are never reused.
    std::int64_t next_counter(const char* name);

    // Runs `body` on the writer connection inside a group-commit
    // transaction; returns once that transaction is committed.
    template <class F> auto write(F&& body) -> decltype(body(std::declval<Connection&>())) {
        using R = decltype(body(*writer_));
        if constexpr (std::is_void_v<R>) {
            group_.run([&] { body(*writer_); });
        } else {
            std::optional<R> result;
            group_.run([&] { result.emplace(body(*writer_)); });
            return std::move(*result);
        }
    }

    store_detail::WriteGroup::Transaction group_transaction();
    static int on_wal_commit(void* self_ptr, sqlite3* db, const char* name, int pages);
    void bound_wal(sqlite3* db, const char* name, int pages);
    void checkpoint_loop();

    // Runs `body` on a pooled read connection (WAL: never waits for writers).
    template <class F> auto read(F&& body) -> decltype(body(std::declval<Connection&>())) {
        std::unique_ptr<Connection> conn = checkout();
        struct Return {
            SqliteStore& s;
            std::unique_ptr<Connection>& c;
            ~Return() { s.checkin(std::move(c)); }
        } give_back{*this, conn};
        try {
            return body(*conn);
        } catch (const SQLite::Exception& e) {
            if (NoWait::active() && (e.getErrorCode() & 0xff) == SQLITE_BUSY) throw Error::would_block("the database");
            throw Error::storage(fmt::format("database read failed: {}", e.getErrorStr()));
        }
    }

    std::unique_ptr<Connection> checkout();
    void checkin(std::unique_ptr<Connection> c);

    SqliteOptions options_;
    store_detail::WriteGroup group_;
    std::unique_ptr<store_detail::WriteHandoff> handoff_;  // null: writers only retry
    std::unique_ptr<Connection> writer_;
    std::atomic<int> wal_pages_{0};
    std::atomic<std::uint64_t> commits_{0};  // this process's commits, counted by the WAL hook
    int bound_missed_at_ = 0;  // WAL pages when it last could not start over in time (writer only)
    std::mutex checkpoint_mutex_;
    std::condition_variable checkpoint_cv_;
    bool stopping_ = false;
    std::thread checkpointer_;
    std::mutex pool_mutex_;
    std::condition_variable pool_cv_;
    std::vector<std::unique_ptr<Connection>> idle_;
    int open_readers_ = 0;
};

}  // namespace livecourse::sqlite
