// The SQLite schema: forward-only migrations, applied on open inside the
// writer's first transaction; PRAGMA user_version holds the version.
#include "store/sqlite/sqlite_store.hpp"

#include <livecourse/error.hpp>

#include <fmt/format.h>

namespace livecourse::sqlite {

namespace {

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
    // The live roster reads a session's open client intervals alone.
    R"sql(
CREATE INDEX presence_open ON presence (session_id, id) WHERE left_at IS NULL;
)sql",
    // A host's decisions on verdicts: the ones in force, and the log of
    // every decision (outcome NULL: withdrawn), never updated.
    R"sql(
CREATE TABLE attendance_overrides (
  session_id INTEGER NOT NULL REFERENCES sessions (id),
  user_id TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('present', 'late', 'left_early', 'absent')),
  reason TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  decided_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, user_id)
) WITHOUT ROWID;
CREATE TABLE attendance_override_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id INTEGER NOT NULL REFERENCES sessions (id),
  user_id TEXT NOT NULL,
  outcome TEXT CHECK (outcome IN ('present', 'late', 'left_early', 'absent')),
  reason TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  decided_at INTEGER NOT NULL
);
CREATE INDEX attendance_override_log_by_session ON attendance_override_log (session_id, id);
)sql",
    // What room censuses said: a user absent from the conference at `at`.
    R"sql(
CREATE TABLE presence_absences (
  session_id INTEGER NOT NULL REFERENCES sessions (id),
  user_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (session_id, user_id, at)
) WITHOUT ROWID;
)sql",
};
constexpr int schema_version = sizeof(migrations) / sizeof(migrations[0]);

}  // namespace

void SqliteStore::migrate() {
    WriteTransaction tx(*writer_);
    int version = writer_->db().execAndGet("PRAGMA user_version").getInt();
    if (version > schema_version)
        throw Error::storage(fmt::format("the database schema (version {}) is newer than this library ({})",
                                         version, schema_version));
    for (int v = version; v < schema_version; ++v) writer_->db().exec(migrations[v]);
    if (version != schema_version) writer_->db().exec(fmt::format("PRAGMA user_version = {}", schema_version));
    tx.commit();
}

}  // namespace livecourse::sqlite
