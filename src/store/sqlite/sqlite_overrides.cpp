// The SQLite store's attendance overrides: the decisions in force and their
// append-only log, written together.
#include "store/sqlite/sqlite_rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace livecourse::sqlite {

namespace {

AttendanceOverride read_override(SQLite::Statement& q, std::string_view session_id) {
    AttendanceOverride o;
    o.session_id = std::string(session_id);
    o.user_id = q.getColumn(0).getString();
    if (!q.getColumn(1).isNull()) o.outcome = parse_attendance_outcome(q.getColumn(1).getString());
    o.reason = q.getColumn(2).getString();
    o.decided_by = q.getColumn(3).getString();
    o.decided_at = at(q.getColumn(4).getInt64());
    return o;
}

// One session's decisions, read by `sql` (its one parameter: the session).
std::vector<AttendanceOverride> decisions_of(Connection& c, std::int64_t key, std::string_view session_id,
                                             const char* sql) {
    Use q(c, sql);
    q->bind(1, static_cast<std::int64_t>(key));
    std::vector<AttendanceOverride> out;
    while (q->executeStep()) out.push_back(read_override(*q, session_id));
    return out;
}

}  // namespace

void SqliteStore::put_attendance_override(const AttendanceOverride& d) {
    auto key = parse_id(d.session_id);
    if (!key) return;
    write([&](Connection& c) {
        if (d.outcome) {
            Use q(c, "INSERT INTO attendance_overrides (session_id, user_id, outcome, reason, decided_by, decided_at) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (session_id, user_id) DO UPDATE SET "
                     "outcome = excluded.outcome, reason = excluded.reason, decided_by = excluded.decided_by, "
                     "decided_at = excluded.decided_at");
            q->bind(1, static_cast<std::int64_t>(*key));
            q->bind(2, d.user_id);
            q->bind(3, std::string(to_string(*d.outcome)));
            q->bind(4, d.reason);
            q->bind(5, d.decided_by);
            q->bind(6, static_cast<std::int64_t>(secs(d.decided_at)));
            q->exec();
        } else {
            Use q(c, "DELETE FROM attendance_overrides WHERE session_id = ?1 AND user_id = ?2");
            q->bind(1, static_cast<std::int64_t>(*key));
            q->bind(2, d.user_id);
            q->exec();
        }
        Use log(c, "INSERT INTO attendance_override_log (session_id, user_id, outcome, reason, decided_by, decided_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        log->bind(1, static_cast<std::int64_t>(*key));
        log->bind(2, d.user_id);
        if (d.outcome)
            log->bind(3, std::string(to_string(*d.outcome)));
        else
            log->bind(3);
        log->bind(4, d.reason);
        log->bind(5, d.decided_by);
        log->bind(6, static_cast<std::int64_t>(secs(d.decided_at)));
        log->exec();
    });
}

std::vector<AttendanceOverride> SqliteStore::attendance_overrides(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return read([&](Connection& c) {
        return decisions_of(c, *key, session_id,
                            "SELECT user_id, outcome, reason, decided_by, decided_at FROM attendance_overrides "
                            "WHERE session_id = ?1 ORDER BY user_id");
    });
}

std::vector<AttendanceOverride> SqliteStore::attendance_override_log(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return read([&](Connection& c) {
        return decisions_of(c, *key, session_id,
                            "SELECT user_id, outcome, reason, decided_by, decided_at FROM attendance_override_log "
                            "WHERE session_id = ?1 ORDER BY id");
    });
}

}  // namespace livecourse::sqlite
