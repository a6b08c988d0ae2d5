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
#include <livecourse/chat.hpp>
#include <livecourse/clock.hpp>
#include <livecourse/roster.hpp>
#include <livecourse/session.hpp>
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
};

struct AdmitResult {
    AdmitOutcome outcome = AdmitOutcome::not_live;
    SessionStatus status = SessionStatus::scheduled;  // the status seen inside the transaction
    int seats_taken = 0;
};

struct SeriesRecord {
    std::string id;
    std::string course_id;
    std::string instructor_id;
    std::string rule;  // the rule as the host gave it, for display and audit
    Instant created_at{};
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
    virtual void set_enrollment(std::string_view course_id, std::string_view user_id, Role role) = 0;  // Role::none removes
    virtual Role enrollment_role(std::string_view course_id, std::string_view user_id) = 0;
    virtual std::vector<Enrollment> enrollments_of(std::string_view user_id) = 0;
    virtual std::int64_t count_enrolled_students(std::string_view course_id) = 0;
    virtual void put_user(const Actor& profile) = 0;
    virtual std::optional<Actor> find_user(std::string_view user_id) = 0;

    // --- sessions
    // A fresh id for a session about to be inserted (ids are never reused).
    virtual std::string allocate_session_id() = 0;
    // Throws Error(conflict, "room_name_taken") if the room name exists.
    virtual void insert_session(const Session& s) = 0;
    virtual std::optional<Session> find_session(std::string_view id) = 0;
    virtual std::optional<Session> find_session_by_room(std::string_view room_name) = 0;
    // Compare-and-swap: writes `s` (whose revision is expected_revision + 1)
    // only if the stored row is still at `expected_revision`. When the new
    // status is ended or cancelled, closes every open presence interval at
    // `s.actual_end_at` (or `s.updated_at`) in the same transaction.
    virtual bool replace_session(const Session& s, std::int64_t expected_revision) = 0;
    virtual std::vector<Session> list_sessions(std::string_view course_id, SessionFilter filter) = 0;
    // Sessions of the given courses overlapping [from, to), by start time.
    virtual std::vector<Session> sessions_in_range(const SessionRange& range) = 0;

    // --- series: the record and all its occurrences, atomically
    virtual std::string allocate_series_id() = 0;
    virtual void insert_series(const SeriesRecord& series, const std::vector<Session>& occurrences) = 0;
    virtual std::optional<SeriesRecord> find_series(std::string_view id) = 0;
    virtual std::vector<Session> series_sessions(std::string_view series_id) = 0;

    // --- seats and presence
    // Atomically: if the session is live, admit the user (taking a seat when
    // `takes_seat` and one is free below `max_participants`) or recognise an
    // earlier admission, and open a presence interval at `at`.
    virtual AdmitResult admit(std::string_view session_id, std::string_view user_id, Role role,
                              bool takes_seat, Instant at) = 0;
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
};

struct SqliteOptions {
    std::string path;
    int busy_timeout_ms = 10000;
    int read_connections = 4;
    // A background thread checkpoints once the WAL holds this many pages;
    // writers checkpoint themselves only past `wal_limit_pages`, which bounds
    // the WAL if the checkpointer cannot keep up.
    int checkpoint_pages = 1000;
    int wal_limit_pages = 20000;
};

// The embedded default: one SQLite file (WAL mode), schema migrated forward on
// open. Several processes may open the same file.
std::unique_ptr<Store> open_sqlite_store(const SqliteOptions& options);

struct PostgresOptions {
    // `postgresql://[user[:password]@][host][:port][/dbname][?param=value&...]`
    // with libpq's parameters (host=/socket/dir, sslmode, connect_timeout, ...)
    // plus livecourse's own `pool_size` and `statement_timeout_ms`, which
    // override the fields below and are removed before libpq sees the URI.
    std::string uri;
    int pool_size = 8;                  // connections per store (per process)
    int statement_timeout_ms = 5000;    // 0 disables; lock waits count too
};

// Several application servers on one PostgreSQL database: a small connection
// pool, the schema migrated forward on open under an advisory lock, the same
// guarantees as SQLite across every process and server. The URI's password
// never appears in an error message. See docs/deploy.md.
std::unique_ptr<Store> open_postgres_store(const PostgresOptions& options);

// Opens the store a database setting names: a `postgresql://` or
// `postgres://` URI selects PostgreSQL (when the library was built with it),
// anything else is a SQLite file path.
std::unique_ptr<Store> open_store(std::string_view database);

// The default roster: the store's own enrollment table.
std::unique_ptr<Roster> make_store_roster(Store& store);

}  // namespace livecourse
