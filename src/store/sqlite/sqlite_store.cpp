// The embedded default store: one SQLite file in WAL mode.
//
// Writes go through one connection per process: each use case is one
// operation of a group-commit BEGIN IMMEDIATE transaction (write_group.hpp),
// under its own savepoint. Reads use a small pool of other connections, so
// WAL lets them proceed while a write is in flight. Exactness between
// processes comes from SQLite's write lock, which IMMEDIATE takes before
// anything is read.
#include "store/sqlite/sqlite_connection.hpp"

#include <livecourse/error.hpp>
#include <livecourse/store.hpp>

#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include "store/outbox_cursor.hpp"
#include "store/rows.hpp"
#include "store/write_group.hpp"
#include "store/write_handoff.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <random>
#include <thread>
#include <mutex>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace livecourse {

namespace sqlite {

Connection::Connection(const std::string& path, int busy_timeout_ms, bool writer)
    : db_(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX) {
    use_fair_busy_handler(busy_timeout_ms);
    db_.exec("PRAGMA foreign_keys = ON");
    db_.exec("PRAGMA synchronous = NORMAL");
    if (writer) db_.exec("PRAGMA journal_mode = WAL");
}

namespace {
int fair_busy_handler(void* context, int attempt) {
    using namespace std::chrono;
    thread_local steady_clock::time_point first;
    thread_local int sleeps = 0;
    thread_local std::minstd_rand jitter(std::random_device{}());
    auto& busy = *static_cast<Connection::BusyState*>(context);
    busy.waited = true;
    auto now = steady_clock::now();
    if (attempt == 0) {
        first = now;
        sleeps = 0;
    }
    if (now - first >= milliseconds(busy.timeout_ms)) return 0;
    // Short sleeps, 20 us doubling to 500 us, with up to 50% jitter so that
    // waiting processes do not retry in lockstep.
    auto backoff = [&] {
        auto base = std::min<long>(500, 20L << std::min(sleeps++, 5));
        return microseconds(base / 2 + long(jitter() % std::uint32_t(base / 2 + 1)));
    };
    // The lock is usually held for one group's transaction (tens to
    // hundreds of microseconds) and free for a moment between two: poll for
    // that moment first (pause 0: yield), then back off.
    auto pause = now - first < microseconds(200) ? microseconds(0) : backoff();
    if (busy.handoff) {
        // Announced, this writer is woken when the holder releases the lock
        // (and once it has waited a while, the holder lets it take the lock
        // before beginning again); the backoff only matters for a holder
        // that does not take part.
        busy.handoff->wait_for_release(pause, duration_cast<microseconds>(now - first));
    } else if (pause.count() == 0) {
        std::this_thread::yield();
    } else {
        std::this_thread::sleep_for(pause);
    }
    return 1;
}
}  // namespace

void Connection::use_fair_busy_handler(int timeout_ms) {
    busy_.timeout_ms = timeout_ms;
    sqlite3_busy_handler(db_.getHandle(), fair_busy_handler, &busy_);
}

int Connection::checkpoint_without_waiting(int mode, int* log, int* done) {
    sqlite3* db = db_.getHandle();
    sqlite3_busy_handler(db, nullptr, nullptr);
    int rc = sqlite3_wal_checkpoint_v2(db, nullptr, mode, log, done);
    sqlite3_busy_handler(db, fair_busy_handler, &busy_);
    return rc;
}

SQLite::Statement& Connection::prepare(const char* sql) {
    auto& slot = statements_[sql];
    if (!slot) slot = std::make_unique<SQLite::Statement>(db_, sql);
    return *slot;
}

}  // namespace sqlite

namespace {

using sqlite::Connection;
using sqlite::Use;
using sqlite::WriteTransaction;
using store_detail::at;
using store_detail::parse_id;
using store_detail::secs;

// SQLite creates a new database file 0644 (less the umask), and its -wal,
// -shm and -journal files take the database file's mode: room passwords,
// feed salts, e-mails and chat would be readable by every local user. So a
// database that does not exist yet is created here first, 0600 from the
// start (no moment with a wider mode). One that exists keeps the mode its
// creator gave it (a host that shares it with a group chose so).
void create_private_database_file(const std::string& path) {
    if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) return;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    // EEXIST: it exists (perhaps another process's, created a moment ago);
    // any other failure is SQLite's to report, opening it next.
    if (fd >= 0) ::close(fd);
}

// Forward-only migrations; index i brings the schema from version i to i+1.
const char* const migrations[] = {
    R"sql(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  avatar TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE enrollments (
  course_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('student', 'moderator', 'instructor')),
  PRIMARY KEY (course_id, user_id)
) WITHOUT ROWID;
CREATE INDEX enrollments_by_user ON enrollments (user_id);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE series (
  id INTEGER PRIMARY KEY,
  course_id TEXT NOT NULL,
  instructor_id TEXT NOT NULL,
  rule TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  course_id TEXT NOT NULL,
  instructor_id TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL CHECK (ends_at > starts_at),
  timezone TEXT NOT NULL,
  max_participants INTEGER NOT NULL CHECK (max_participants >= 0),
  recording_enabled INTEGER NOT NULL,
  room_name TEXT NOT NULL UNIQUE,
  server_url TEXT NOT NULL,
  room_password TEXT,
  status TEXT NOT NULL CHECK (status IN ('scheduled', 'live', 'ended', 'cancelled')),
  actual_start_at INTEGER,
  actual_end_at INTEGER,
  recording_url TEXT,
  cancel_reason TEXT,
  series_id INTEGER REFERENCES series (id),
  revision INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  seats_taken INTEGER NOT NULL DEFAULT 0 CHECK (seats_taken >= 0)
);
CREATE INDEX sessions_by_course_start ON sessions (course_id, starts_at);
CREATE INDEX sessions_by_series ON sessions (series_id) WHERE series_id IS NOT NULL;
CREATE TABLE participants (
  session_id INTEGER NOT NULL REFERENCES sessions (id),
  user_id TEXT NOT NULL,
  role TEXT NOT NULL,
  takes_seat INTEGER NOT NULL,
  admitted_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, user_id)
) WITHOUT ROWID;
CREATE TABLE presence (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions (id),
  user_id TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  left_at INTEGER,
  source TEXT NOT NULL
);
CREATE INDEX presence_by_session_user ON presence (session_id, user_id);
CREATE TABLE chat (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions (id),
  user_id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('text', 'question', 'answer')),
  body TEXT NOT NULL,
  reply_to INTEGER REFERENCES chat (id),
  created_at INTEGER NOT NULL
);
CREATE INDEX chat_by_session ON chat (session_id, id);
CREATE TABLE feed_salts (user_id TEXT PRIMARY KEY, salt TEXT NOT NULL) WITHOUT ROWID;
)sql",
    // Presence the video server reports (a set of points, see presence.hpp),
    // the JaaS deliveries already seen, and heartbeat intervals.
    R"sql(
CREATE TABLE video_points (
  session_id INTEGER NOT NULL REFERENCES sessions (id),
  scope TEXT NOT NULL,
  connection TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('join', 'leave', 'room_end')),
  at INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  PRIMARY KEY (session_id, scope, connection, kind, at)
) WITHOUT ROWID;
CREATE TABLE video_deliveries (
  delivery_key TEXT PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions (id),
  received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE heartbeats (
  id INTEGER PRIMARY KEY,
  session_id INTEGER NOT NULL REFERENCES sessions (id),
  user_id TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  left_at INTEGER
);
CREATE UNIQUE INDEX heartbeats_open ON heartbeats (session_id, user_id) WHERE left_at IS NULL;
CREATE INDEX heartbeats_by_session ON heartbeats (session_id, id);
)sql",
    // The notification outbox (issue 12): one row per recipient and event;
    // `available_at` is when a pending row may next be claimed (due_at, then
    // the end of a lease or of a backoff); `leased_until` is set by a claim
    // and cleared by the failure report of that claim. AUTOINCREMENT: an id,
    // which is also the webhook-id, is never reused.
    R"sql(
CREATE TABLE notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('reminder_24h', 'reminder_1h', 'session_live', 'session_cancelled',
                                     'session_rescheduled', 'recording_available')),
  user_id TEXT NOT NULL,
  course_id TEXT NOT NULL,
  session_id INTEGER NOT NULL REFERENCES sessions (id),
  title TEXT NOT NULL,
  starts_at INTEGER NOT NULL,
  ends_at INTEGER NOT NULL,
  timezone TEXT NOT NULL,
  cancel_reason TEXT,
  created_at INTEGER NOT NULL,
  due_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  available_at INTEGER NOT NULL,
  leased_until INTEGER,
  delivered_at INTEGER,
  last_error TEXT
);
CREATE INDEX notifications_claimable ON notifications (available_at, id) WHERE state = 'pending';
CREATE INDEX notifications_by_user ON notifications (user_id, due_at, id);
CREATE INDEX notifications_by_session ON notifications (session_id, user_id);
CREATE INDEX notifications_by_state ON notifications (state, id);
CREATE TABLE notification_reads (
  user_id TEXT PRIMARY KEY,
  due_at INTEGER NOT NULL,
  notification_id INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};
constexpr int schema_version = sizeof(migrations) / sizeof(migrations[0]);

#define SESSION_COLUMNS                                                                                         \
    "id, course_id, instructor_id, title, description, starts_at, ends_at, timezone, max_participants, "      \
    "recording_enabled, room_name, server_url, room_password, status, actual_start_at, actual_end_at, "       \
    "recording_url, cancel_reason, series_id, revision, created_at, updated_at"

std::optional<std::string> opt_text(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return c.getString();
}
std::optional<Instant> opt_time(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return at(c.getInt64());
}

Session read_session(SQLite::Statement& q) {
    Session s;
    s.id = std::to_string(q.getColumn(0).getInt64());
    s.course_id = q.getColumn(1).getString();
    s.instructor_id = q.getColumn(2).getString();
    s.title = q.getColumn(3).getString();
    s.description = q.getColumn(4).getString();
    s.starts_at = at(q.getColumn(5).getInt64());
    s.ends_at = at(q.getColumn(6).getInt64());
    s.timezone = q.getColumn(7).getString();
    s.max_participants = q.getColumn(8).getInt();
    s.recording_enabled = q.getColumn(9).getInt() != 0;
    s.jitsi_room_name = q.getColumn(10).getString();
    s.jitsi_server_url = q.getColumn(11).getString();
    s.room_password = opt_text(q.getColumn(12));
    s.status = parse_session_status(q.getColumn(13).getString()).value_or(SessionStatus::scheduled);
    s.actual_start_at = opt_time(q.getColumn(14));
    s.actual_end_at = opt_time(q.getColumn(15));
    s.recording_url = opt_text(q.getColumn(16));
    s.cancel_reason = opt_text(q.getColumn(17));
    if (!q.getColumn(18).isNull()) s.series_id = std::to_string(q.getColumn(18).getInt64());
    s.revision = q.getColumn(19).getInt64();
    s.created_at = at(q.getColumn(20).getInt64());
    s.updated_at = at(q.getColumn(21).getInt64());
    return s;
}

template <class T> void bind_opt(SQLite::Statement& q, int i, const std::optional<T>& v) {
    if (!v) q.bind(i);
    else if constexpr (std::is_same_v<T, Instant>) q.bind(i, static_cast<std::int64_t>(secs(*v)));
    else q.bind(i, *v);
}

void bind_session_fields(SQLite::Statement& q, const Session& s) {
    // Parameters 1..21 follow SESSION_COLUMNS from course_id onwards.
    q.bind(1, s.course_id);
    q.bind(2, s.instructor_id);
    q.bind(3, s.title);
    q.bind(4, s.description);
    q.bind(5, static_cast<std::int64_t>(secs(s.starts_at)));
    q.bind(6, static_cast<std::int64_t>(secs(s.ends_at)));
    q.bind(7, s.timezone);
    q.bind(8, s.max_participants);
    q.bind(9, s.recording_enabled ? 1 : 0);
    q.bind(10, s.jitsi_room_name);
    q.bind(11, s.jitsi_server_url);
    bind_opt(q, 12, s.room_password);
    q.bind(13, std::string(to_string(s.status)));
    bind_opt(q, 14, s.actual_start_at);
    bind_opt(q, 15, s.actual_end_at);
    bind_opt(q, 16, s.recording_url);
    bind_opt(q, 17, s.cancel_reason);
    if (s.series_id) q.bind(18, static_cast<std::int64_t>(parse_id(*s.series_id).value_or(0)));
    else q.bind(18);
    q.bind(19, static_cast<std::int64_t>(s.revision));
    q.bind(20, static_cast<std::int64_t>(secs(s.created_at)));
    q.bind(21, static_cast<std::int64_t>(secs(s.updated_at)));
}

const char* const insert_session_sql =
    "INSERT INTO sessions (course_id, instructor_id, title, description, starts_at, ends_at, timezone, "
    "max_participants, recording_enabled, room_name, server_url, room_password, status, actual_start_at, "
    "actual_end_at, recording_url, cancel_reason, series_id, revision, created_at, updated_at, id) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)";

// ------------------------------------------------------ notification outbox
// Columns of a notification row, in the order read_notification reads them.
#define NOTIFICATION_COLUMNS                                                                                    \
    "id, kind, user_id, course_id, session_id, title, starts_at, ends_at, timezone, cancel_reason, created_at, " \
    "due_at, attempts, idempotency_key, state, available_at, delivered_at, last_error"

Notification read_notification(SQLite::Statement& q) {
    Notification n;
    n.id = std::to_string(q.getColumn(0).getInt64());
    n.kind = parse_notification_kind(q.getColumn(1).getString()).value_or(NotificationKind::reminder_1h);
    n.user_id = q.getColumn(2).getString();
    n.course_id = q.getColumn(3).getString();
    n.session_id = std::to_string(q.getColumn(4).getInt64());
    n.title = q.getColumn(5).getString();
    n.starts_at = at(q.getColumn(6).getInt64());
    n.ends_at = at(q.getColumn(7).getInt64());
    n.timezone = q.getColumn(8).getString();
    n.cancel_reason = opt_text(q.getColumn(9));
    n.created_at = at(q.getColumn(10).getInt64());
    n.due_at = at(q.getColumn(11).getInt64());
    n.attempts = q.getColumn(12).getInt();
    n.idempotency_key = q.getColumn(13).getString();
    n.state = parse_notification_state(q.getColumn(14).getString()).value_or(NotificationState::pending);
    n.next_attempt_at = at(q.getColumn(15).getInt64());
    n.delivered_at = opt_time(q.getColumn(16));
    n.last_error = opt_text(q.getColumn(17));
    return n;
}

// A plan's copies for one recipient, or (user empty) for every member of the
// course in the built-in roster; `reminded_only` keeps the recipients already
// reminded of the session. Parameters: 1 key prefix, 2 user, 3 kind,
// 4 course, 5 session, 6 title, 7 starts_at, 8 ends_at, 9 timezone,
// 10 cancel_reason, 11 created_at, 12 due_at, 13 except, 14 reminded_only,
// 15 now.
const char* const plan_for_user_sql =
    "INSERT INTO notifications (idempotency_key, kind, user_id, course_id, session_id, title, starts_at, ends_at, "
    "timezone, cancel_reason, created_at, due_at, available_at) SELECT ?1 || ?2, ?3, ?2, ?4, ?5, ?6, ?7, ?8, ?9, "
    "?10, ?11, ?12, ?12 WHERE ?2 <> ?13 AND (?14 = 0 OR EXISTS (SELECT 1 FROM notifications r WHERE r.session_id = "
    "?5 AND r.user_id = ?2 AND r.kind IN ('reminder_24h', 'reminder_1h') AND r.due_at <= ?15)) "
    "ON CONFLICT (idempotency_key) DO NOTHING";
const char* const plan_for_members_sql =
    "INSERT INTO notifications (idempotency_key, kind, user_id, course_id, session_id, title, starts_at, ends_at, "
    "timezone, cancel_reason, created_at, due_at, available_at) SELECT ?1 || e.user_id, ?3, e.user_id, ?4, ?5, ?6, "
    "?7, ?8, ?9, ?10, ?11, ?12, ?12 FROM enrollments e WHERE e.course_id = ?4 AND e.user_id <> ?13 AND (?14 = 0 OR "
    "EXISTS (SELECT 1 FROM notifications r WHERE r.session_id = ?5 AND r.user_id = e.user_id AND r.kind IN "
    "('reminder_24h', 'reminder_1h') AND r.due_at <= ?15)) ON CONFLICT (idempotency_key) DO NOTHING";

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

// The plan of notifications.hpp, inside the caller's write transaction.
void apply_plan(Connection& c, const NotificationPlan& plan) {
    if (plan.drop != ReminderDrop::none) {
        for (const auto& session : plan.drop_sessions) {
            bool due_only = plan.drop == ReminderDrop::not_yet_due;
            Use q(c, due_only ? "DELETE FROM notifications WHERE session_id = ?1 AND kind IN ('reminder_24h', "
                                "'reminder_1h') AND state = 'pending' AND due_at > ?2"
                              : "DELETE FROM notifications WHERE session_id = ?1 AND kind IN ('reminder_24h', "
                                "'reminder_1h') AND state = 'pending'");
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
    // The key is notification_key_prefix(kind, session, starts_at) + user:
    // the same event as the one a session's own planning would write.
    Use q(c,
          "INSERT INTO notifications (idempotency_key, kind, user_id, course_id, session_id, title, starts_at, "
          "ends_at, timezone, cancel_reason, created_at, due_at, available_at) SELECT ?1 || ':' || s.id || ':' || "
          "s.starts_at || ':' || ?2, ?1, ?2, s.course_id, s.id, s.title, s.starts_at, s.ends_at, s.timezone, NULL, "
          "?3, s.starts_at - ?4, s.starts_at - ?4 FROM sessions s WHERE s.course_id = ?5 AND s.status = 'scheduled' "
          "AND s.starts_at - ?4 >= ?3 AND s.instructor_id <> ?2 ON CONFLICT (idempotency_key) DO NOTHING");
    for (const auto& rule : reminder_rules) {
        q->reset();
        q->bind(1, std::string(to_string(rule.kind)));
        q->bind(2, std::string(user));
        q->bind(3, static_cast<std::int64_t>(secs(now)));
        q->bind(4, static_cast<std::int64_t>(rule.before.count()));
        q->bind(5, std::string(course));
        q->exec();
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
    Use q(c, "SELECT COUNT(*) FROM notifications WHERE user_id = ?1 AND due_at <= ?2 AND (due_at, id) > (?3, ?4)");
    q->bind(1, std::string(user));
    q->bind(2, static_cast<std::int64_t>(secs(now)));
    q->bind(3, static_cast<std::int64_t>(due));
    q->bind(4, static_cast<std::int64_t>(id));
    q->executeStep();
    m.unread_count = q->getColumn(0).getInt64();
    return m;
}

class SqliteStore final : public Store {
public:
    explicit SqliteStore(const SqliteOptions& o) : options_(o), group_(group_transaction()) {
        try {
            create_private_database_file(o.path);
            writer_ = std::make_unique<Connection>(o.path, o.busy_timeout_ms, true);
            migrate();
            // Named after SQLite's own resolved file name, as its -wal and
            // -shm files are: every path to the database finds the same one.
            const char* file = sqlite3_db_filename(writer_->db().getHandle(), "main");
            if (o.handoff && file) handoff_ = store_detail::WriteHandoff::open(file);
            writer_->use_handoff(handoff_.get());
            // Checkpoints run off the write path: the writer only counts WAL
            // pages (this hook replaces SQLite's automatic checkpoint) and a
            // background thread checkpoints.
            sqlite3_wal_hook(writer_->db().getHandle(), &SqliteStore::on_wal_commit, this);
            // When a write restarts the WAL after a complete checkpoint, a
            // file grown past the WAL bound (a reader held it) is cut back.
            // Not below: cutting and regrowing the file on every restart
            // costs the writers block allocations.
            auto page_size = writer_->db().execAndGet("PRAGMA page_size").getInt64();
            writer_->db().exec(
                fmt::format("PRAGMA journal_size_limit = {}", std::int64_t(options_.wal_limit_pages) * page_size));
            checkpointer_ = std::thread([this] { checkpoint_loop(); });
        } catch (const SQLite::Exception& e) {
            throw Error::storage(fmt::format("cannot open the database: {}", e.what()));
        }
    }

    ~SqliteStore() override {
        {
            std::lock_guard lock(checkpoint_mutex_);
            stopping_ = true;
        }
        checkpoint_cv_.notify_one();
        if (checkpointer_.joinable()) checkpointer_.join();
    }

    // ---------------------------------------------------------------- roster
    Role enrollment_role(std::string_view course, std::string_view user) override {
        return read([&](Connection& c) {
            Use q(c, "SELECT role FROM enrollments WHERE course_id = ?1 AND user_id = ?2");
            q->bind(1, std::string(course));
            q->bind(2, std::string(user));
            return q->executeStep() ? parse_role(q->getColumn(0).getString()).value_or(Role::none) : Role::none;
        });
    }

    std::vector<Enrollment> enrollments_of(std::string_view user) override {
        return read([&](Connection& c) {
            Use q(c, "SELECT course_id, role FROM enrollments WHERE user_id = ?1 ORDER BY course_id");
            q->bind(1, std::string(user));
            std::vector<Enrollment> out;
            while (q->executeStep())
                out.push_back({q->getColumn(0).getString(),
                               parse_role(q->getColumn(1).getString()).value_or(Role::none)});
            return out;
        });
    }

    std::int64_t count_enrolled_students(std::string_view course) override {
        return read([&](Connection& c) {
            Use q(c, "SELECT COUNT(*) FROM enrollments WHERE course_id = ?1 AND role = 'student'");
            q->bind(1, std::string(course));
            q->executeStep();
            return q->getColumn(0).getInt64();
        });
    }

    void put_user(const Actor& p) override {
        write([&](Connection& c) {
            Use q(c,
                  "INSERT INTO users (id, name, email, avatar) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE "
                  "SET name = excluded.name, email = excluded.email, avatar = excluded.avatar");
            q->bind(1, p.user_id);
            q->bind(2, p.name);
            q->bind(3, p.email);
            q->bind(4, p.avatar);
            q->exec();
        });
    }

    std::optional<Actor> find_user(std::string_view id) override {
        return read([&](Connection& c) -> std::optional<Actor> {
            Use q(c, "SELECT id, name, email, avatar FROM users WHERE id = ?1");
            q->bind(1, std::string(id));
            if (!q->executeStep()) return std::nullopt;
            return Actor{q->getColumn(0).getString(), q->getColumn(1).getString(), q->getColumn(2).getString(),
                         q->getColumn(3).getString()};
        });
    }

    // -------------------------------------------------------------- sessions
    std::string allocate_session_id() override { return std::to_string(next_counter("session")); }
    std::string allocate_series_id() override { return std::to_string(next_counter("series")); }

    std::optional<Session> find_session(std::string_view id) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return read([&](Connection& c) -> std::optional<Session> {
            Use q(c, "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = ?1");
            q->bind(1, static_cast<std::int64_t>(*key));
            if (!q->executeStep()) return std::nullopt;
            return read_session(*q);
        });
    }

    std::optional<Session> find_session_by_room(std::string_view room) override {
        return read([&](Connection& c) -> std::optional<Session> {
            Use q(c, "SELECT " SESSION_COLUMNS " FROM sessions WHERE room_name = ?1");
            q->bind(1, std::string(room));
            if (!q->executeStep()) return std::nullopt;
            return read_session(*q);
        });
    }

    std::vector<Session> list_sessions(std::string_view course, SessionFilter filter) override {
        return read([&](Connection& c) {
            const char* sql = nullptr;
            switch (filter) {
            case SessionFilter::all:
                sql = "SELECT " SESSION_COLUMNS " FROM sessions WHERE course_id = ?1 ORDER BY starts_at, id";
                break;
            case SessionFilter::upcoming:
                sql = "SELECT " SESSION_COLUMNS
                      " FROM sessions WHERE course_id = ?1 AND status = 'scheduled' ORDER BY starts_at, id";
                break;
            case SessionFilter::live:
                sql = "SELECT " SESSION_COLUMNS
                      " FROM sessions WHERE course_id = ?1 AND status = 'live' ORDER BY starts_at, id";
                break;
            case SessionFilter::past:
                sql = "SELECT " SESSION_COLUMNS " FROM sessions WHERE course_id = ?1 AND status IN ('ended', "
                      "'cancelled') ORDER BY starts_at DESC, id DESC";
                break;
            }
            Use q(c, sql);
            q->bind(1, std::string(course));
            std::vector<Session> out;
            while (q->executeStep()) out.push_back(read_session(*q));
            return out;
        });
    }

    std::vector<Session> sessions_in_range(const SessionRange& r) override {
        return read([&](Connection& c) {
            std::vector<Session> out;
            // One index range scan per course on (course_id, starts_at). A
            // session lasts at most a day, so one that overlaps [from, to)
            // started no earlier than a day before `from`.
            Use q(c, "SELECT " SESSION_COLUMNS " FROM sessions WHERE course_id = ?1 AND starts_at >= ?2 AND "
                     "starts_at < ?3 AND ends_at > ?4 ORDER BY starts_at, id");
            for (const auto& course : r.course_ids) {
                q->reset();
                q->bind(1, course);
                q->bind(2, static_cast<std::int64_t>(secs(r.from) - 86400));
                q->bind(3, static_cast<std::int64_t>(secs(r.to)));
                q->bind(4, static_cast<std::int64_t>(secs(r.from)));
                while (q->executeStep()) {
                    auto s = read_session(*q);
                    if (!r.status || s.status == *r.status) out.push_back(std::move(s));
                }
            }
            std::stable_sort(out.begin(), out.end(),
                             [](const Session& a, const Session& b) { return a.starts_at < b.starts_at; });
            return out;
        });
    }

    // ---------------------------------------------------------------- series
    std::optional<SeriesRecord> find_series(std::string_view id) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return read([&](Connection& c) -> std::optional<SeriesRecord> {
            Use q(c, "SELECT id, course_id, instructor_id, rule, created_at FROM series WHERE id = ?1");
            q->bind(1, static_cast<std::int64_t>(*key));
            if (!q->executeStep()) return std::nullopt;
            return SeriesRecord{std::to_string(q->getColumn(0).getInt64()), q->getColumn(1).getString(),
                                q->getColumn(2).getString(), q->getColumn(3).getString(),
                                at(q->getColumn(4).getInt64())};
        });
    }

    std::vector<Session> series_sessions(std::string_view id) override {
        auto key = parse_id(id);
        if (!key) return {};
        return read([&](Connection& c) {
            Use q(c, "SELECT " SESSION_COLUMNS " FROM sessions WHERE series_id = ?1 ORDER BY starts_at, id");
            q->bind(1, static_cast<std::int64_t>(*key));
            std::vector<Session> out;
            while (q->executeStep()) out.push_back(read_session(*q));
            return out;
        });
    }

    // ------------------------------------------------------ seats, presence
    AdmitResult admit(const AdmitRequest& q) override {
        auto key = parse_id(q.session_id);
        if (!key) return {};
        return write([&](Connection& c) {
            AdmitResult r;
            r.role = q.role;
            if (r.role == Role::none) {
                Use e(c, "SELECT role FROM enrollments WHERE course_id = ?1 AND user_id = ?2");
                e->bind(1, std::string(q.course_id));
                e->bind(2, std::string(q.user_id));
                if (e->executeStep()) r.role = parse_role(e->getColumn(0).getText()).value_or(Role::none);
                if (r.role == Role::none) {
                    r.outcome = AdmitOutcome::not_member;
                    return r;
                }
            }
            bool seat = takes_seat(r.role);
            Use q_session(c, "SELECT status, max_participants, seats_taken FROM sessions WHERE id = ?1");
            q_session->bind(1, static_cast<std::int64_t>(*key));
            if (!q_session->executeStep()) return r;
            r.status = parse_session_status(q_session->getColumn(0).getText()).value_or(SessionStatus::scheduled);
            r.seats_taken = q_session->getColumn(2).getInt();
            if (r.status != SessionStatus::live) return r;
            if (!seat || r.seats_taken < q_session->getColumn(1).getInt()) {
                // A seat is free (or none is needed): insert, and an earlier
                // admission shows as a conflict.
                Use ins(c, "INSERT INTO participants (session_id, user_id, role, takes_seat, admitted_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (session_id, user_id) DO NOTHING");
                ins->bind(1, static_cast<std::int64_t>(*key));
                ins->bind(2, std::string(q.user_id));
                ins->bind(3, std::string(to_string(r.role)));
                ins->bind(4, seat ? 1 : 0);
                ins->bind(5, static_cast<std::int64_t>(secs(q.at)));
                r.outcome = ins->exec() == 1 ? AdmitOutcome::admitted : AdmitOutcome::rejoined;
                if (r.outcome == AdmitOutcome::admitted && seat) {
                    Use count(c, "UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = ?1");
                    count->bind(1, static_cast<std::int64_t>(*key));
                    count->exec();
                    ++r.seats_taken;
                }
            } else {
                // Full: only an earlier admission may come back.
                Use p(c, "SELECT 1 FROM participants WHERE session_id = ?1 AND user_id = ?2");
                p->bind(1, static_cast<std::int64_t>(*key));
                p->bind(2, std::string(q.user_id));
                if (!p->executeStep()) {
                    r.outcome = AdmitOutcome::full;
                    return r;
                }
                r.outcome = AdmitOutcome::rejoined;
            }
            Use open(c, "INSERT INTO presence (session_id, user_id, joined_at, source) VALUES (?1, ?2, ?3, 'client')");
            open->bind(1, static_cast<std::int64_t>(*key));
            open->bind(2, std::string(q.user_id));
            open->bind(3, static_cast<std::int64_t>(secs(q.at)));
            open->exec();
            return r;
        });
    }

    bool close_presence(std::string_view session_id, std::string_view user, Instant when) override {
        auto key = parse_id(session_id);
        if (!key) return false;
        return write([&](Connection& c) {
            Use q(c, "UPDATE presence SET left_at = MAX(joined_at, ?3) WHERE id = (SELECT id FROM presence WHERE "
                     "session_id = ?1 AND user_id = ?2 AND left_at IS NULL AND source = 'client' ORDER BY "
                     "joined_at DESC, id DESC LIMIT 1)");
            q->bind(1, static_cast<std::int64_t>(*key));
            q->bind(2, std::string(user));
            q->bind(3, static_cast<std::int64_t>(secs(when)));
            return q->exec() == 1;
        });
    }

    std::optional<Participant> find_participant(std::string_view session_id, std::string_view user) override {
        auto key = parse_id(session_id);
        if (!key) return std::nullopt;
        return read([&](Connection& c) -> std::optional<Participant> {
            Use q(c, "SELECT user_id, role, admitted_at FROM participants WHERE session_id = ?1 AND user_id = ?2");
            q->bind(1, static_cast<std::int64_t>(*key));
            q->bind(2, std::string(user));
            if (!q->executeStep()) return std::nullopt;
            return Participant{q->getColumn(0).getString(),
                               parse_role(q->getColumn(1).getString()).value_or(Role::student),
                               at(q->getColumn(2).getInt64())};
        });
    }

    std::vector<Participant> participants(std::string_view session_id) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        return read([&](Connection& c) {
            Use q(c, "SELECT user_id, role, admitted_at FROM participants WHERE session_id = ?1 ORDER BY user_id");
            q->bind(1, static_cast<std::int64_t>(*key));
            std::vector<Participant> out;
            while (q->executeStep())
                out.push_back({q->getColumn(0).getString(),
                               parse_role(q->getColumn(1).getString()).value_or(Role::student),
                               at(q->getColumn(2).getInt64())});
            return out;
        });
    }

    std::vector<PresenceInterval> presence(std::string_view session_id) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        return read([&](Connection& c) {
            Use q(c, "SELECT user_id, joined_at, left_at, source FROM presence WHERE session_id = ?1 ORDER BY id");
            q->bind(1, static_cast<std::int64_t>(*key));
            std::vector<PresenceInterval> out;
            while (q->executeStep()) {
                PresenceInterval iv;
                iv.user_id = q->getColumn(0).getString();
                iv.joined_at = at(q->getColumn(1).getInt64());
                iv.left_at = opt_time(q->getColumn(2));
                auto src = q->getColumn(3).getString();
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
        return write([&](Connection& c) {
            std::optional<std::int64_t> reply;
            if (m.reply_to) {
                reply = parse_id(*m.reply_to);
                bool ok = false;
                if (reply) {
                    Use q(c, "SELECT 1 FROM chat WHERE id = ?1 AND session_id = ?2 AND type = 'question'");
                    q->bind(1, static_cast<std::int64_t>(*reply));
                    q->bind(2, static_cast<std::int64_t>(*key));
                    ok = q->executeStep();
                }
                if (!ok) throw store_detail::no_such_question();
            }
            Use q(c, "INSERT INTO chat (session_id, user_id, type, body, reply_to, created_at) VALUES (?1, ?2, ?3, "
                     "?4, ?5, ?6)");
            q->bind(1, static_cast<std::int64_t>(*key));
            q->bind(2, m.user_id);
            q->bind(3, std::string(to_string(m.type)));
            q->bind(4, m.body);
            if (reply) q->bind(5, static_cast<std::int64_t>(*reply));
            else q->bind(5);
            q->bind(6, static_cast<std::int64_t>(secs(m.created_at)));
            q->exec();
            ChatMessage out = m;
            out.id = std::to_string(c.db().getLastInsertRowid());
            return out;
        });
    }

    ChatPage list_chat(std::string_view session_id, std::optional<std::string_view> after, int limit) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        std::int64_t from = after ? store_detail::parse_id_cursor(*after) : 0;
        return read([&](Connection& c) {
            Use q(c, "SELECT id, user_id, type, body, reply_to, created_at FROM chat WHERE session_id = ?1 AND id > "
                     "?2 ORDER BY id LIMIT ?3");
            q->bind(1, static_cast<std::int64_t>(*key));
            q->bind(2, static_cast<std::int64_t>(from));
            q->bind(3, limit + 1);
            ChatPage page;
            while (q->executeStep()) {
                ChatMessage m;
                m.id = std::to_string(q->getColumn(0).getInt64());
                m.session_id = std::string(session_id);
                m.user_id = q->getColumn(1).getString();
                m.type = parse_chat_type(q->getColumn(2).getString()).value_or(ChatType::text);
                m.body = q->getColumn(3).getString();
                if (!q->getColumn(4).isNull()) m.reply_to = std::to_string(q->getColumn(4).getInt64());
                m.created_at = at(q->getColumn(5).getInt64());
                page.messages.push_back(std::move(m));
            }
            page.next_cursor = store_detail::cut_page(page.messages, limit, [](const ChatMessage& m) { return m.id; });
            return page;
        });
    }

    // ---------------------------------------------------------- feed salts
    std::optional<std::string> feed_salt(std::string_view user) override {
        return read([&](Connection& c) -> std::optional<std::string> {
            Use q(c, "SELECT salt FROM feed_salts WHERE user_id = ?1");
            q->bind(1, std::string(user));
            if (!q->executeStep()) return std::nullopt;
            return q->getColumn(0).getString();
        });
    }

    void set_feed_salt(std::string_view user, std::string_view salt) override {
        write([&](Connection& c) {
            Use q(c, "INSERT INTO feed_salts (user_id, salt) VALUES (?1, ?2) ON CONFLICT (user_id) DO UPDATE SET "
                     "salt = excluded.salt");
            q->bind(1, std::string(user));
            q->bind(2, std::string(salt));
            q->exec();
        });
    }

    // --------------------------------------------------- notification outbox
    void insert_session(const Session& s, const NotificationPlan& plan) override {
        write([&](Connection& c) {
            insert_session_row(c, s);
            apply_plan(c, plan);
        });
    }

    bool replace_session(const Session& s, std::int64_t expected_revision, const NotificationPlan& plan) override {
        if (!parse_id(s.id)) return false;
        return write([&](Connection& c) {
            if (!replace_session_row(c, s, expected_revision)) return false;
            apply_plan(c, plan);
            return true;
        });
    }

    void insert_series(const SeriesRecord& series, const std::vector<Session>& occurrences,
                       const NotificationPlan& plan) override {
        write([&](Connection& c) {
            insert_series_rows(c, series, occurrences);
            apply_plan(c, plan);
        });
    }

    void set_enrollment(std::string_view course, std::string_view user, Role role, Instant now) override {
        write([&](Connection& c) {
            set_enrollment_row(c, course, user, role);
            plan_enrollment(c, course, user, role, now);
        });
    }

    std::vector<Notification> claim_notifications(Instant now, int limit, Seconds lease, int max_attempts) override {
        return write([&](Connection& c) {
            {
                // Leases that ended on the last allowed attempt: parked, not claimed.
                Use q(c, "UPDATE notifications SET state = 'dead', last_error = 'the lease of the last attempt "
                         "expired without an acknowledgement' WHERE state = 'pending' AND available_at <= ?1 AND "
                         "attempts >= ?2");
                q->bind(1, static_cast<std::int64_t>(secs(now)));
                q->bind(2, max_attempts);
                q->exec();
            }
            // Inside the write transaction: no other claim, in any process,
            // runs between the choice of rows and their lease.
            Use q(c, "UPDATE notifications SET attempts = attempts + 1, available_at = ?2, leased_until = ?2 WHERE id IN (SELECT id FROM "
                     "notifications WHERE state = 'pending' AND available_at <= ?1 ORDER BY available_at, id LIMIT "
                     "?3) RETURNING " NOTIFICATION_COLUMNS);
            q->bind(1, static_cast<std::int64_t>(secs(now)));
            q->bind(2, static_cast<std::int64_t>(secs(now + lease)));
            q->bind(3, limit);
            std::vector<Notification> out;
            while (q->executeStep()) out.push_back(read_notification(*q));
            store_detail::sort_claimed(out);
            return out;
        });
    }

    std::vector<std::string> ack_notifications(const std::vector<std::string>& ids, Instant now) override {
        std::vector<std::int64_t> keys;
        for (const auto& id : ids)
            if (auto k = parse_id(id)) keys.push_back(*k);
        if (keys.empty()) return {};
        return write([&](Connection& c) {
            std::vector<std::string> acked;
            Use q(c, "UPDATE notifications SET state = 'delivered', delivered_at = ?2 WHERE id = ?1 AND state IN "
                     "('pending', 'dead') AND attempts > 0");
            for (auto k : keys) {
                q->reset();
                q->bind(1, static_cast<std::int64_t>(k));
                q->bind(2, static_cast<std::int64_t>(secs(now)));
                if (q->exec() == 1) acked.push_back(std::to_string(k));
            }
            return acked;
        });
    }

    std::optional<Notification> fail_notification(std::string_view id, std::optional<int> attempt, Instant now,
                                                  Seconds retry_in, int max_attempts,
                                                  std::string_view error) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return write([&](Connection& c) -> std::optional<Notification> {
            Use q(c, "UPDATE notifications SET state = CASE WHEN attempts >= ?3 THEN 'dead' ELSE 'pending' END, "
                     "available_at = ?2, leased_until = NULL, last_error = ?4 WHERE id = ?1 AND state = 'pending' AND "
                     "leased_until IS NOT NULL AND (?5 IS NULL OR attempts = ?5) RETURNING " NOTIFICATION_COLUMNS);
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

    std::optional<Notification> retry_notification(std::string_view id, Instant now) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return write([&](Connection& c) -> std::optional<Notification> {
            Use q(c, "UPDATE notifications SET state = 'pending', attempts = 0, available_at = ?2, leased_until = NULL, "
                     "last_error = NULL WHERE id = ?1 AND state = 'dead' RETURNING " NOTIFICATION_COLUMNS);
            q->bind(1, static_cast<std::int64_t>(*key));
            q->bind(2, static_cast<std::int64_t>(secs(now)));
            if (!q->executeStep()) return std::nullopt;
            auto n = read_notification(*q);
            while (q->executeStep()) {
            }
            return n;
        });
    }

    std::optional<Notification> find_notification(std::string_view id) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return read([&](Connection& c) -> std::optional<Notification> {
            Use q(c, "SELECT " NOTIFICATION_COLUMNS " FROM notifications WHERE id = ?1");
            q->bind(1, static_cast<std::int64_t>(*key));
            if (!q->executeStep()) return std::nullopt;
            return read_notification(*q);
        });
    }

    NotificationPage notifications_in_state(NotificationState state, std::optional<std::string_view> cursor,
                                            int limit) override {
        std::int64_t after = cursor ? store_detail::parse_id_cursor(*cursor) : 0;
        return read([&](Connection& c) {
            Use q(c, "SELECT " NOTIFICATION_COLUMNS " FROM notifications WHERE state = ?1 AND id > ?2 ORDER BY id "
                     "LIMIT ?3");
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

    InAppNotifications user_notifications(std::string_view user, Instant now, std::optional<std::string_view> cursor,
                                          int limit) override {
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
            Use q(c, "SELECT " NOTIFICATION_COLUMNS " FROM notifications WHERE user_id = ?1 AND due_at <= ?2 AND "
                     "(due_at, id) < (?3, ?4) ORDER BY due_at DESC, id DESC LIMIT ?5");
            q->bind(1, std::string(user));
            q->bind(2, static_cast<std::int64_t>(secs(now)));
            q->bind(3, static_cast<std::int64_t>(before.first));
            q->bind(4, static_cast<std::int64_t>(cursor ? before.second : std::numeric_limits<std::int64_t>::max()));
            q->bind(5, limit + 1);
            while (q->executeStep()) {
                auto n = read_notification(*q);
                std::pair<std::int64_t, std::int64_t> pos{secs(n.due_at), parse_id(n.id).value_or(0)};
                n.read = pos <= read_to;
                out.notifications.push_back(std::move(n));
            }
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
                Use q(c, "INSERT INTO notification_reads (user_id, due_at, notification_id) VALUES (?1, ?2, ?3) ON "
                         "CONFLICT (user_id) DO UPDATE SET due_at = excluded.due_at, notification_id = "
                         "excluded.notification_id WHERE (excluded.due_at, excluded.notification_id) > "
                         "(notification_reads.due_at, notification_reads.notification_id)");
                q->bind(1, std::string(user));
                q->bind(2, static_cast<std::int64_t>(due));
                q->bind(3, static_cast<std::int64_t>(*key));
                q->exec();
            }
            return read_marker(c, user, now);
        });
    }

    // ------------------------------------ video-server presence, heartbeats
    std::optional<int> record_video_points(std::string_view session_id, std::optional<std::string_view> delivery_key,
                                           const std::vector<VideoPresencePoint>& points, Instant received) override {
        auto key = parse_id(session_id);
        if (!key) return 0;
        return write([&](Connection& c) -> std::optional<int> {
            if (delivery_key) {
                Use d(c, "INSERT INTO video_deliveries (delivery_key, session_id, received_at) VALUES (?1, ?2, ?3) "
                         "ON CONFLICT (delivery_key) DO NOTHING");
                d->bind(1, std::string(*delivery_key));
                d->bind(2, static_cast<std::int64_t>(*key));
                d->bind(3, static_cast<std::int64_t>(secs(received)));
                if (d->exec() == 0) return std::nullopt;
            }
            int added = 0;
            for (const auto& p : points) {
                Use q(c, "INSERT INTO video_points (session_id, scope, connection, kind, at, user_id) VALUES (?1, ?2, "
                         "?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING");
                q->bind(1, static_cast<std::int64_t>(*key));
                q->bind(2, p.scope);
                q->bind(3, p.connection);
                q->bind(4, store_detail::video_point_kind_name(p.kind));
                q->bind(5, static_cast<std::int64_t>(secs(p.at)));
                q->bind(6, p.user_id);
                added += q->exec();
            }
            return added;
        });
    }

    std::vector<VideoPresencePoint> video_points(std::string_view session_id) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        return read([&](Connection& c) {
            Use q(c, "SELECT scope, connection, kind, at, user_id FROM video_points WHERE session_id = ?1");
            q->bind(1, static_cast<std::int64_t>(*key));
            std::vector<VideoPresencePoint> out;
            while (q->executeStep()) {
                VideoPresencePoint p;
                p.scope = q->getColumn(0).getString();
                p.connection = q->getColumn(1).getString();
                p.kind = store_detail::parse_video_point_kind(q->getColumn(2).getString());
                p.at = at(q->getColumn(3).getInt64());
                p.user_id = q->getColumn(4).getString();
                out.push_back(std::move(p));
            }
            return out;
        });
    }

    bool record_heartbeat(std::string_view session_id, std::string_view user, Instant when, Seconds timeout) override {
        auto key = parse_id(session_id);
        if (!key) return false;
        return write([&](Connection& c) {
            {
                Use q(c, "UPDATE heartbeats SET left_at = last_seen_at WHERE session_id = ?1 AND user_id = ?2 AND "
                         "left_at IS NULL AND ?3 - last_seen_at > ?4");
                q->bind(1, static_cast<std::int64_t>(*key));
                q->bind(2, std::string(user));
                q->bind(3, static_cast<std::int64_t>(secs(when)));
                q->bind(4, static_cast<std::int64_t>(timeout.count()));
                q->exec();
            }
            {
                Use q(c, "UPDATE heartbeats SET last_seen_at = MAX(last_seen_at, ?3) WHERE session_id = ?1 AND "
                         "user_id = ?2 AND left_at IS NULL");
                q->bind(1, static_cast<std::int64_t>(*key));
                q->bind(2, std::string(user));
                q->bind(3, static_cast<std::int64_t>(secs(when)));
                if (q->exec() == 1) return false;
            }
            Use ins(c, "INSERT INTO heartbeats (session_id, user_id, joined_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)");
            ins->bind(1, static_cast<std::int64_t>(*key));
            ins->bind(2, std::string(user));
            ins->bind(3, static_cast<std::int64_t>(secs(when)));
            ins->exec();
            return true;
        });
    }

    bool close_heartbeat(std::string_view session_id, std::string_view user, Instant when) override {
        auto key = parse_id(session_id);
        if (!key) return false;
        return write([&](Connection& c) {
            Use q(c, "UPDATE heartbeats SET left_at = MAX(joined_at, ?3) WHERE session_id = ?1 AND user_id = ?2 AND "
                     "left_at IS NULL");
            q->bind(1, static_cast<std::int64_t>(*key));
            q->bind(2, std::string(user));
            q->bind(3, static_cast<std::int64_t>(secs(when)));
            return q->exec() == 1;
        });
    }

    std::vector<HeartbeatInterval> heartbeat_intervals(std::string_view session_id) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        return read([&](Connection& c) {
            Use q(c, "SELECT user_id, joined_at, last_seen_at, left_at FROM heartbeats WHERE session_id = ?1 ORDER "
                     "BY id");
            q->bind(1, static_cast<std::int64_t>(*key));
            std::vector<HeartbeatInterval> out;
            while (q->executeStep())
                out.push_back({q->getColumn(0).getString(), at(q->getColumn(1).getInt64()),
                               at(q->getColumn(2).getInt64()), opt_time(q->getColumn(3))});
            return out;
        });
    }

private:
    void migrate() {
        WriteTransaction tx(*writer_);
        int version = writer_->db().execAndGet("PRAGMA user_version").getInt();
        if (version > schema_version)
            throw Error::storage(fmt::format("the database schema (version {}) is newer than this library ({})",
                                             version, schema_version));
        for (int v = version; v < schema_version; ++v) writer_->db().exec(migrations[v]);
        if (version != schema_version) writer_->db().exec(fmt::format("PRAGMA user_version = {}", schema_version));
        tx.commit();
    }

    std::int64_t next_counter(const char* name) {
        return write([&](Connection& c) {
            Use q(c, "INSERT INTO counters (name, value) VALUES (?1, 1) ON CONFLICT (name) DO UPDATE SET value = "
                     "value + 1 RETURNING value");
            q->bind(1, name);
            q->executeStep();
            return q->getColumn(0).getInt64();
        });
    }

    void insert_session_row(Connection& c, const Session& s) {
        Use q(c, insert_session_sql);
        bind_session_fields(*q, s);
        q->bind(22, static_cast<std::int64_t>(parse_id(s.id).value_or(0)));
        try {
            q->exec();
        } catch (const SQLite::Exception& e) {
            if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE)
                throw Error::conflict("room_name_taken", "a session with this room name already exists");
            throw;
        }
    }

    static bool replace_session_row(Connection& c, const Session& s, std::int64_t expected_revision) {
        auto key = parse_id(s.id);
        Use q(c,
              "UPDATE sessions SET course_id = ?1, instructor_id = ?2, title = ?3, description = ?4, "
              "starts_at = ?5, ends_at = ?6, timezone = ?7, max_participants = ?8, recording_enabled = ?9, "
              "room_name = ?10, server_url = ?11, room_password = ?12, status = ?13, actual_start_at = ?14, "
              "actual_end_at = ?15, recording_url = ?16, cancel_reason = ?17, series_id = ?18, revision = ?19, "
              "created_at = ?20, updated_at = ?21 WHERE id = ?22 AND revision = ?23");
        bind_session_fields(*q, s);
        q->bind(22, static_cast<std::int64_t>(*key));
        q->bind(23, static_cast<std::int64_t>(expected_revision));
        if (q->exec() != 1) return false;
        if (s.status == SessionStatus::ended || s.status == SessionStatus::cancelled) {
            Use close(c, "UPDATE presence SET left_at = MAX(joined_at, ?2) WHERE session_id = ?1 AND left_at IS NULL");
            close->bind(1, static_cast<std::int64_t>(*key));
            close->bind(2, static_cast<std::int64_t>(secs(s.actual_end_at.value_or(s.updated_at))));
            close->exec();
        }
        return true;
    }

    void insert_series_rows(Connection& c, const SeriesRecord& series, const std::vector<Session>& occurrences) {
        Use q(c, "INSERT INTO series (id, course_id, instructor_id, rule, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
        q->bind(1, static_cast<std::int64_t>(parse_id(series.id).value_or(0)));
        q->bind(2, series.course_id);
        q->bind(3, series.instructor_id);
        q->bind(4, series.rule);
        q->bind(5, static_cast<std::int64_t>(secs(series.created_at)));
        q->exec();
        for (const auto& s : occurrences) insert_session_row(c, s);
    }

    static void set_enrollment_row(Connection& c, std::string_view course, std::string_view user, Role role) {
        if (role == Role::none) {
            Use q(c, "DELETE FROM enrollments WHERE course_id = ?1 AND user_id = ?2");
            q->bind(1, std::string(course));
            q->bind(2, std::string(user));
            q->exec();
        } else {
            Use q(c,
                  "INSERT INTO enrollments (course_id, user_id, role) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (course_id, user_id) DO UPDATE SET role = excluded.role");
            q->bind(1, std::string(course));
            q->bind(2, std::string(user));
            q->bind(3, std::string(to_string(role)));
            q->exec();
        }
    }

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

    store_detail::WriteGroup::Transaction group_transaction() {
        store_detail::WriteGroup::Transaction t;
        // Transaction control runs as cached prepared statements too: they
        // are on every write's path, several times per group.
        auto exec = [this](const char* sql) {
            return [this, sql] {
                Use q(*writer_, sql);
                q->exec();
            };
        };
        auto quiet = [exec](const char* sql) {
            return [run = exec(sql)] {
                try {
                    run();
                } catch (...) {
                }
            };
        };
        // Around each transaction, the lock is handed fairly between the
        // processes that write to the file (store/write_handoff.hpp).
        t.begin = [this, begin = exec("BEGIN IMMEDIATE")] {
            if (handoff_) handoff_->before_begin();
            writer_->waited();
            begin();
            if (handoff_) handoff_->acquired(writer_->waited());
        };
        t.commit = [this, commit = exec("COMMIT")] {
            commit();
            if (handoff_) handoff_->released();
        };
        t.rollback = [this, rollback = quiet("ROLLBACK")] {
            rollback();
            if (handoff_) handoff_->released();
        };
        t.savepoint = exec("SAVEPOINT op");
        t.release = exec("RELEASE op");
        t.rollback_to = [rollback = quiet("ROLLBACK TO op"), release = quiet("RELEASE op")] {
            rollback();
            release();
        };
        t.translate = [](std::exception_ptr e) -> std::exception_ptr {
            try {
                std::rethrow_exception(e);
            } catch (const SQLite::Exception& x) {
                return std::make_exception_ptr(
                    Error::storage(fmt::format("database write failed: {}", x.getErrorStr())));
            } catch (...) {
                return std::current_exception();
            }
        };
        return t;
    }

    // WAL hook of the writer connection, called after each commit with the
    // number of pages in the WAL.
    static int on_wal_commit(void* self_ptr, sqlite3* db, const char* name, int pages) {
        auto* self = static_cast<SqliteStore*>(self_ptr);
        self->wal_pages_.store(pages, std::memory_order_relaxed);
        self->commits_.fetch_add(1, std::memory_order_relaxed);
        if (pages >= self->options_.wal_limit_pages) {
            self->bound_wal(db, name, pages);
        } else if (pages >= self->options_.checkpoint_pages) {
            self->checkpoint_cv_.notify_one();
        }
        return SQLITE_OK;
    }

    // The checkpointer is not keeping up (readers, another checkpoint, a
    // stalled thread): the writer that crossed the bound does not write on
    // until the WAL can start over. A RESTART checkpoint copies every frame
    // and, once no reader is left in the WAL, starts it over, so the next
    // write begins again at its first frame. Each attempt takes only the
    // locks that are free at that moment (no busy handler) and is retried
    // until the busy timeout:
    // - another checkpoint holding the checkpoint lock (this process's
    //   checkpointer, another process's) makes SQLite answer BUSY at once; a
    //   single PASSIVE attempt gave up there, which is how the WAL grew
    //   tenfold past its bound while the checkpointer thread synced;
    // - a busy handler would wait for the one reader slot it saw behind,
    //   while readers that overlap keep joining that slot: it starves for the
    //   whole timeout. A new attempt reads the readers' marks afresh, and
    //   readers that begin after everything was copied read the database
    //   file only, so the ones in the WAL drain.
    // A reader that holds one snapshot past the busy timeout keeps the WAL
    // from starting over: writers go on (they are never refused for it), the
    // WAL grows past the bound until that reader ends, and the next writer
    // waits again only once the WAL has grown by another `wal_limit_pages`.
    void bound_wal(sqlite3* db, const char* name, int pages) {
        using namespace std::chrono;
        if (pages < bound_missed_at_) bound_missed_at_ = 0;  // the WAL started over since
        if (bound_missed_at_ > 0 && pages < bound_missed_at_ + options_.wal_limit_pages) {
            sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
            return;
        }
        auto deadline = steady_clock::now() + milliseconds(options_.busy_timeout_ms);
        auto pause = microseconds(50);
        for (;;) {
            int rc = writer_->checkpoint_without_waiting(SQLITE_CHECKPOINT_RESTART);
            if (rc == SQLITE_OK) {
                bound_missed_at_ = 0;
                wal_pages_.store(0, std::memory_order_relaxed);
                break;
            }
            if (rc != SQLITE_BUSY) break;
            if (steady_clock::now() >= deadline) {
                bound_missed_at_ = pages;
                break;
            }
            std::this_thread::sleep_for(pause);
            pause = std::min<microseconds>(pause * 2, milliseconds(1));
        }
    }

    // Passive checkpoints while writes flow: one whenever the WAL passes
    // `checkpoint_pages`. Once this process's writes pause (no commit for a
    // whole round of 500 ms), a passive one copies what is left, and then a
    // TRUNCATE one empties the WAL file: with nothing left to copy or sync
    // it holds the writer lock only to truncate, and it runs without a busy
    // handler, so it never waits for (nor makes wait) another process that
    // is writing; it is retried on a later pause instead.
    void checkpoint_loop() {
        std::unique_ptr<Connection> conn;
        // The commit count when the WAL was last emptied; none yet (the WAL
        // may hold the migrations or another process's frames).
        auto settled_at = std::numeric_limits<std::uint64_t>::max();
        std::unique_lock lock(checkpoint_mutex_);
        auto seen = commits_.load(std::memory_order_relaxed);
        while (!stopping_) {
            bool busy = checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(500), [&] {
                return stopping_ || wal_pages_.load(std::memory_order_relaxed) >= options_.checkpoint_pages;
            });
            if (stopping_) break;
            auto commits = commits_.load(std::memory_order_relaxed);
            bool paused = !busy && commits == seen;
            seen = commits;
            if (!busy && (!paused || commits == settled_at)) continue;
            lock.unlock();
            try {
                if (!conn) conn = std::make_unique<Connection>(options_.path, options_.busy_timeout_ms, false);
                sqlite3* db = conn->db().getHandle();
                int log = 0, done = 0;
                int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
                bool complete = rc == SQLITE_OK && log == done;
                if (complete) wal_pages_.store(0, std::memory_order_relaxed);
                if (complete && paused) {
                    rc = conn->checkpoint_without_waiting(SQLITE_CHECKPOINT_TRUNCATE);
                    if (rc == SQLITE_OK) settled_at = commits;
                }
            } catch (...) {
                conn.reset();  // retried on the next round
            }
            lock.lock();
        }
    }

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
            throw Error::storage(fmt::format("database read failed: {}", e.getErrorStr()));
        }
    }

    std::unique_ptr<Connection> checkout() {
        std::unique_lock lock(pool_mutex_);
        pool_cv_.wait(lock, [&] { return !idle_.empty() || open_readers_ < options_.read_connections; });
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
        ++open_readers_;
        lock.unlock();
        try {
            return std::make_unique<Connection>(options_.path, options_.busy_timeout_ms, false);
        } catch (const SQLite::Exception& e) {
            std::lock_guard relock(pool_mutex_);
            --open_readers_;
            pool_cv_.notify_one();
            throw Error::storage(fmt::format("cannot open a read connection: {}", e.getErrorStr()));
        }
    }

    void checkin(std::unique_ptr<Connection> c) {
        if (!c) return;
        std::lock_guard lock(pool_mutex_);
        idle_.push_back(std::move(c));
        pool_cv_.notify_one();
    }

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

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const SqliteOptions& options) {
    if (options.path.empty()) throw Error::invalid("database", "database: a file path is required");
    return std::make_unique<SqliteStore>(options);
}

}  // namespace livecourse
