// The PostgreSQL store's sessions and series: ids, inserts, the
// compare-and-swap of a session, the listings.
#include "store/postgres/postgres_rows.hpp"
#include "store/postgres/postgres_store.hpp"

namespace livecourse::pg {

namespace {

// Every statement of this file; each is prepared once per connection.
namespace sql {
// clang-format off
const Statement next_session_id{"lc_next_session_id", R"sql(
SELECT nextval(pg_get_serial_sequence('sessions', 'id'))
)sql"};
const Statement next_series_id{"lc_next_series_id", R"sql(
SELECT nextval(pg_get_serial_sequence('series', 'id'))
)sql"};
// Parameters 1..21 follow SESSION_COLUMNS from course_id on; 22 is the id.
const Statement insert_session{"lc_insert_session", R"sql(
INSERT INTO sessions (course_id, instructor_id, title, description, starts_at, ends_at, timezone,
                      max_participants, recording_enabled, room_name, server_url, room_password, status,
                      actual_start_at, actual_end_at, recording_url, cancel_reason, series_id, revision,
                      created_at, updated_at, id)
VALUES ($1, $2, $3, $4, to_timestamp($5::bigint), to_timestamp($6::bigint), $7, $8, $9, $10, $11, $12, $13,
        to_timestamp($14::bigint), to_timestamp($15::bigint), $16, $17, $18, $19, to_timestamp($20::bigint),
        to_timestamp($21::bigint), $22)
)sql"};
const Statement find_session{"lc_find_session", "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = $1"};
const Statement find_session_by_room{"lc_find_session_by_room",
                                     "SELECT " SESSION_COLUMNS " FROM sessions WHERE room_name = $1"};
// The compare-and-swap: parameters as for the insert, 23 the revision expected.
const Statement replace_session{"lc_replace_session", R"sql(
UPDATE sessions
   SET course_id = $1, instructor_id = $2, title = $3, description = $4, starts_at = to_timestamp($5::bigint),
       ends_at = to_timestamp($6::bigint), timezone = $7, max_participants = $8, recording_enabled = $9,
       room_name = $10, server_url = $11, room_password = $12, status = $13,
       actual_start_at = to_timestamp($14::bigint), actual_end_at = to_timestamp($15::bigint),
       recording_url = $16, cancel_reason = $17, series_id = $18, revision = $19,
       created_at = to_timestamp($20::bigint), updated_at = to_timestamp($21::bigint)
 WHERE id = $22 AND revision = $23
)sql"};
const Statement close_all_presence{"lc_close_all_presence", R"sql(
UPDATE presence SET left_at = GREATEST(joined_at, to_timestamp($2::bigint)) WHERE session_id = $1 AND left_at IS NULL
)sql"};
const Statement list_all{"lc_list_all", "SELECT " SESSION_COLUMNS R"sql(
  FROM sessions WHERE course_id = $1 ORDER BY starts_at, id
)sql"};
const Statement list_upcoming{"lc_list_upcoming", "SELECT " SESSION_COLUMNS R"sql(
  FROM sessions WHERE course_id = $1 AND status = 'scheduled' ORDER BY starts_at, id
)sql"};
const Statement list_live{"lc_list_live", "SELECT " SESSION_COLUMNS R"sql(
  FROM sessions WHERE course_id = $1 AND status = 'live' ORDER BY starts_at, id
)sql"};
const Statement list_past{"lc_list_past", "SELECT " SESSION_COLUMNS R"sql(
  FROM sessions WHERE course_id = $1 AND status IN ('ended', 'cancelled') ORDER BY starts_at DESC, id DESC
)sql"};
// One index range scan per course on (course_id, starts_at); a session lasts
// at most a day, so one overlapping [from, to) started at most a day before.
const Statement sessions_in_range{"lc_sessions_in_range", "SELECT " SESSION_COLUMNS R"sql(
  FROM sessions
 WHERE course_id = ANY ($1::text[]) AND starts_at >= to_timestamp($2::bigint)
   AND starts_at < to_timestamp($3::bigint) AND ends_at > to_timestamp($4::bigint)
   AND ($5::text IS NULL OR status = $5::text)
 ORDER BY starts_at, array_position($1::text[], course_id), id
)sql"};
const Statement insert_series{"lc_insert_series", R"sql(
INSERT INTO series (id, course_id, instructor_id, rule, created_at) VALUES ($1, $2, $3, $4, to_timestamp($5::bigint))
)sql"};
const Statement find_series{"lc_find_series", R"sql(
SELECT id, course_id, instructor_id, rule, extract(epoch FROM created_at)::bigint FROM series WHERE id = $1
)sql"};
const Statement series_sessions{"lc_series_sessions", "SELECT " SESSION_COLUMNS R"sql(
  FROM sessions WHERE series_id = $1 ORDER BY starts_at, id
)sql"};
// clang-format on
}  // namespace sql

void insert_session_row(Connection& c, const Session& s) {
    Params p;
    session_fields(p, s).integer(parse_id(s.id).value_or(0));
    try {
        c.exec(sql::insert_session, p);
    } catch (const Failure& f) {
        if (room_name_clash(f)) throw store_detail::room_name_taken();
        throw;
    }
}

}  // namespace

std::string PostgresStore::allocate_session_id() {
    return run("allocate an id", [&](Connection& c) { return c.exec(sql::next_session_id).text(0, 0); });
}

std::string PostgresStore::allocate_series_id() {
    return run("allocate an id", [&](Connection& c) { return c.exec(sql::next_series_id).text(0, 0); });
}

void PostgresStore::insert_session(const Session& s, const NotificationPlan& plan) {
    if (plan.empty()) return run("insert a session", [&](Connection& c) { insert_session_row(c, s); });
    transaction("insert a session", [&](Connection& c) {
        lock_course(c, s.course_id);
        insert_session_row(c, s);
        apply_plan(c, plan);
    });
}

std::optional<Session> PostgresStore::find_session(std::string_view id) {
    auto key = parse_id(id);
    if (!key) return std::nullopt;
    return run("read a session", [&](Connection& c) -> std::optional<Session> {
        auto r = c.exec(sql::find_session, Params().integer(*key));
        if (!r.rows()) return std::nullopt;
        return read_session(r, 0);
    });
}

std::optional<Session> PostgresStore::find_session_by_room(std::string_view room) {
    return run("read a session", [&](Connection& c) -> std::optional<Session> {
        auto r = c.exec(sql::find_session_by_room, Params().text(room));
        if (!r.rows()) return std::nullopt;
        return read_session(r, 0);
    });
}

bool PostgresStore::replace_session(const Session& s, std::int64_t expected_revision, const NotificationPlan& plan) {
    auto key = parse_id(s.id);
    if (!key) return false;
    bool closes = s.status == SessionStatus::ended || s.status == SessionStatus::cancelled;
    Params p;
    session_fields(p, s).integer(*key).integer(expected_revision);
    auto update = [&](Connection& c) {
        try {
            return c.exec(sql::replace_session, p).affected() == 1;
        } catch (const Failure& f) {
            if (room_name_clash(f)) throw store_detail::room_name_taken();
            throw;
        }
    };
    // One statement unless intervals must be closed or notifications planned with it.
    if (!closes && plan.empty()) return run("update a session", update);
    return transaction("update a session", [&](Connection& c) {
        if (!plan.empty()) lock_course(c, s.course_id);
        if (!update(c)) return false;
        if (closes)
            c.exec(sql::close_all_presence,
                   Params().integer(*key).integer(secs(s.actual_end_at.value_or(s.updated_at))));
        apply_plan(c, plan);
        return true;
    });
}

std::vector<Session> PostgresStore::list_sessions(std::string_view course, SessionFilter filter) {
    const Statement* st = &sql::list_all;
    switch (filter) {
    case SessionFilter::all: st = &sql::list_all; break;
    case SessionFilter::upcoming: st = &sql::list_upcoming; break;
    case SessionFilter::live: st = &sql::list_live; break;
    case SessionFilter::past: st = &sql::list_past; break;
    }
    return run("list sessions", [&](Connection& c) { return read_sessions(c.exec(*st, Params().text(course))); });
}

std::vector<Session> PostgresStore::sessions_in_range(const SessionRange& r) {
    if (r.course_ids.empty()) return {};
    Params p;
    p.text(text_array(r.course_ids))
        .integer(secs(r.from) - 86400)
        .integer(secs(r.to))
        .integer(secs(r.from));
    if (r.status) p.text(to_string(*r.status));
    else p.null();
    return run("list sessions", [&](Connection& c) { return read_sessions(c.exec(sql::sessions_in_range, p)); });
}

void PostgresStore::insert_series(const SeriesRecord& series, const std::vector<Session>& occurrences,
                                  const NotificationPlan& plan) {
    transaction("insert a series", [&](Connection& c) {
        if (!plan.empty()) lock_course(c, series.course_id);
        c.exec(sql::insert_series, Params()
                                       .integer(parse_id(series.id).value_or(0))
                                       .text(series.course_id)
                                       .text(series.instructor_id)
                                       .text(series.rule)
                                       .integer(secs(series.created_at)));
        for (const auto& s : occurrences) insert_session_row(c, s);
        apply_plan(c, plan);
    });
}

std::optional<SeriesRecord> PostgresStore::find_series(std::string_view id) {
    auto key = parse_id(id);
    if (!key) return std::nullopt;
    return run("read a series", [&](Connection& c) -> std::optional<SeriesRecord> {
        auto r = c.exec(sql::find_series, Params().integer(*key));
        if (!r.rows()) return std::nullopt;
        return SeriesRecord{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3), at(r.integer(0, 4))};
    });
}

std::vector<Session> PostgresStore::series_sessions(std::string_view id) {
    auto key = parse_id(id);
    if (!key) return {};
    return run("list a series",
               [&](Connection& c) { return read_sessions(c.exec(sql::series_sessions, Params().integer(*key))); });
}

}  // namespace livecourse::pg
