// The SQLite store's sessions and series: ids, inserts, the compare-and-swap
// of a session, the listings.
#include "store/sqlite/sqlite_rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <livecourse/error.hpp>

#include <SQLiteCpp/Exception.h>

#include <algorithm>

namespace livecourse::sqlite {

namespace {

// clang-format off
// Parameters 1..21 follow SESSION_COLUMNS from course_id on; 22 is the id.
const char* const insert_session_sql = R"sql(
INSERT INTO sessions (course_id, instructor_id, title, description, starts_at, ends_at, timezone,
                      max_participants, recording_enabled, room_name, server_url, room_password, status,
                      actual_start_at, actual_end_at, recording_url, cancel_reason, series_id, revision,
                      created_at, updated_at, id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)
)sql";
// The compare-and-swap: parameters as for the insert, 23 the revision expected.
const char* const replace_session_sql = R"sql(
UPDATE sessions
   SET course_id = ?1, instructor_id = ?2, title = ?3, description = ?4, starts_at = ?5, ends_at = ?6,
       timezone = ?7, max_participants = ?8, recording_enabled = ?9, room_name = ?10, server_url = ?11,
       room_password = ?12, status = ?13, actual_start_at = ?14, actual_end_at = ?15, recording_url = ?16,
       cancel_reason = ?17, series_id = ?18, revision = ?19, created_at = ?20, updated_at = ?21
 WHERE id = ?22 AND revision = ?23
)sql";
// clang-format on

void insert_session_row(Connection& c, const Session& s) {
    Use q(c, insert_session_sql);
    bind_session_fields(*q, s);
    q->bind(22, static_cast<std::int64_t>(parse_id(s.id).value_or(0)));
    try {
        q->exec();
    } catch (const SQLite::Exception& e) {
        if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE)
            throw store_detail::room_name_taken();
        throw;
    }
}

bool replace_session_row(Connection& c, const Session& s, std::int64_t expected_revision) {
    auto key = parse_id(s.id);
    Use q(c, replace_session_sql);
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

}  // namespace

std::int64_t SqliteStore::next_counter(const char* name) {
    return write([&](Connection& c) {
        Use q(c, "INSERT INTO counters (name, value) VALUES (?1, 1) ON CONFLICT (name) DO UPDATE SET value = "
                 "value + 1 RETURNING value");
        q->bind(1, name);
        q->executeStep();
        return q->getColumn(0).getInt64();
    });
}

std::string SqliteStore::allocate_session_id() { return std::to_string(next_counter("session")); }

std::string SqliteStore::allocate_series_id() { return std::to_string(next_counter("series")); }

void SqliteStore::insert_session(const Session& s, const NotificationPlan& plan) {
    write([&](Connection& c) {
        insert_session_row(c, s);
        apply_plan(c, plan);
    });
}

std::optional<Session> SqliteStore::find_session(std::string_view id) {
    auto key = parse_id(id);
    if (!key) return std::nullopt;
    return read([&](Connection& c) -> std::optional<Session> {
        Use q(c, "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = ?1");
        q->bind(1, static_cast<std::int64_t>(*key));
        if (!q->executeStep()) return std::nullopt;
        return read_session(*q);
    });
}

std::optional<Session> SqliteStore::find_session_by_room(std::string_view room) {
    return read([&](Connection& c) -> std::optional<Session> {
        Use q(c, "SELECT " SESSION_COLUMNS " FROM sessions WHERE room_name = ?1");
        q->bind(1, std::string(room));
        if (!q->executeStep()) return std::nullopt;
        return read_session(*q);
    });
}

bool SqliteStore::replace_session(const Session& s, std::int64_t expected_revision, const NotificationPlan& plan) {
    if (!parse_id(s.id)) return false;
    return write([&](Connection& c) {
        if (!replace_session_row(c, s, expected_revision)) return false;
        apply_plan(c, plan);
        return true;
    });
}

std::vector<Session> SqliteStore::list_sessions(std::string_view course, SessionFilter filter) {
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

std::vector<Session> SqliteStore::sessions_in_range(const SessionRange& r) {
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

void SqliteStore::insert_series(const SeriesRecord& series, const std::vector<Session>& occurrences,
                                const NotificationPlan& plan) {
    write([&](Connection& c) {
        insert_series_rows(c, series, occurrences);
        apply_plan(c, plan);
    });
}

std::optional<SeriesRecord> SqliteStore::find_series(std::string_view id) {
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

std::vector<Session> SqliteStore::series_sessions(std::string_view id) {
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

}  // namespace livecourse::sqlite
