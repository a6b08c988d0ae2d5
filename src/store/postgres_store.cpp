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
//    opens the presence interval.
//  - replace_session is a compare-and-swap (UPDATE ... WHERE revision = $n,
//    which re-checks the revision on the newest row version after waiting for
//    a concurrent writer); ending or cancelling closes the open intervals in
//    the same transaction, in a second statement whose fresh snapshot sees any
//    admission committed while it waited for the row lock.
//  - A lost connection is closed and replaced; while the server is down,
//    calls fail at once with ErrorCode::storage and recover when it is back.
#include "store/postgres_connection.hpp"
#include "store/postgres_schema.hpp"
#include "store/postgres_uri.hpp"

#include <livecourse/error.hpp>
#include <livecourse/store.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace livecourse {

namespace {

using pg::Connection;
using pg::Failure;
using pg::Params;
using pg::Result;
using pg::Statement;

#define EPOCH(col) "extract(epoch FROM " col ")::bigint"
#define TS(n) "to_timestamp($" #n "::bigint)"

#define SESSION_COLUMNS                                                                                            \
    "id, course_id, instructor_id, title, description, " EPOCH("starts_at") ", " EPOCH("ends_at") ", timezone, "  \
    "max_participants, recording_enabled, room_name, server_url, room_password, status, " EPOCH(                  \
        "actual_start_at") ", " EPOCH("actual_end_at") ", recording_url, cancel_reason, series_id, revision, " EPOCH( \
        "created_at") ", " EPOCH("updated_at")

// Every statement the store runs; each is prepared once per connection.
namespace sql {
const Statement delete_enrollment{"lc_delete_enrollment",
                                  "DELETE FROM enrollments WHERE course_id = $1 AND user_id = $2"};
const Statement upsert_enrollment{"lc_upsert_enrollment",
                                  "INSERT INTO enrollments (course_id, user_id, role) VALUES ($1, $2, $3) "
                                  "ON CONFLICT (course_id, user_id) DO UPDATE SET role = EXCLUDED.role"};
const Statement enrollment_role{"lc_enrollment_role",
                                "SELECT role FROM enrollments WHERE course_id = $1 AND user_id = $2"};
const Statement enrollments_of{"lc_enrollments_of",
                               "SELECT course_id, role FROM enrollments WHERE user_id = $1 ORDER BY course_id"};
const Statement count_students{"lc_count_students",
                               "SELECT COUNT(*) FROM enrollments WHERE course_id = $1 AND role = 'student'"};
const Statement upsert_user{"lc_upsert_user",
                            "INSERT INTO users (id, name, email, avatar) VALUES ($1, $2, $3, $4) ON CONFLICT (id) "
                            "DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, avatar = EXCLUDED.avatar"};
const Statement find_user{"lc_find_user", "SELECT id, name, email, avatar FROM users WHERE id = $1"};

const Statement next_session_id{"lc_next_session_id", "SELECT nextval(pg_get_serial_sequence('sessions', 'id'))"};
const Statement next_series_id{"lc_next_series_id", "SELECT nextval(pg_get_serial_sequence('series', 'id'))"};
// Parameters 1..21 follow SESSION_COLUMNS from course_id on; 22 is the id.
const Statement insert_session{
    "lc_insert_session",
    "INSERT INTO sessions (course_id, instructor_id, title, description, starts_at, ends_at, timezone, "
    "max_participants, recording_enabled, room_name, server_url, room_password, status, actual_start_at, "
    "actual_end_at, recording_url, cancel_reason, series_id, revision, created_at, updated_at, id) VALUES ($1, $2, "
    "$3, $4, " TS(5) ", " TS(6) ", $7, $8, $9, $10, $11, $12, $13, " TS(14) ", " TS(15) ", $16, $17, $18, $19, " TS(
        20) ", " TS(21) ", $22)"};
const Statement find_session{"lc_find_session", "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = $1"};
const Statement find_session_by_room{"lc_find_session_by_room",
                                     "SELECT " SESSION_COLUMNS " FROM sessions WHERE room_name = $1"};
// Returns the new status, so that the caller knows whether to close intervals.
const Statement replace_session{
    "lc_replace_session",
    "UPDATE sessions SET course_id = $1, instructor_id = $2, title = $3, description = $4, starts_at = " TS(
        5) ", ends_at = " TS(6) ", timezone = $7, max_participants = $8, recording_enabled = $9, room_name = $10, "
                               "server_url = $11, room_password = $12, status = $13, actual_start_at = " TS(
                                   14) ", actual_end_at = " TS(15) ", recording_url = $16, cancel_reason = $17, "
                                                                   "series_id = $18, revision = $19, created_at = " TS(
                                                                       20) ", updated_at = " TS(21) " WHERE id = $22 "
                                                                                                    "AND revision = $23"};
const Statement close_all_presence{"lc_close_all_presence",
                                   "UPDATE presence SET left_at = GREATEST(joined_at, " TS(
                                       2) ") WHERE session_id = $1 AND left_at IS NULL"};
const Statement list_all{"lc_list_all",
                         "SELECT " SESSION_COLUMNS " FROM sessions WHERE course_id = $1 ORDER BY starts_at, id"};
const Statement list_upcoming{"lc_list_upcoming", "SELECT " SESSION_COLUMNS
                                                  " FROM sessions WHERE course_id = $1 AND status = 'scheduled' "
                                                  "ORDER BY starts_at, id"};
const Statement list_live{"lc_list_live", "SELECT " SESSION_COLUMNS
                                          " FROM sessions WHERE course_id = $1 AND status = 'live' ORDER BY "
                                          "starts_at, id"};
const Statement list_past{"lc_list_past", "SELECT " SESSION_COLUMNS
                                          " FROM sessions WHERE course_id = $1 AND status IN ('ended', 'cancelled') "
                                          "ORDER BY starts_at DESC, id DESC"};
// One index range scan per course on (course_id, starts_at); a session lasts
// at most a day, so one overlapping [from, to) started at most a day before.
const Statement sessions_in_range{
    "lc_sessions_in_range",
    "SELECT " SESSION_COLUMNS " FROM sessions WHERE course_id = ANY ($1::text[]) AND starts_at >= " TS(
        2) " AND starts_at < " TS(3) " AND ends_at > " TS(4) " AND ($5::text IS NULL OR status = $5::text) "
                                     "ORDER BY starts_at, array_position($1::text[], course_id), id"};

const Statement insert_series{"lc_insert_series",
                              "INSERT INTO series (id, course_id, instructor_id, rule, created_at) VALUES ($1, $2, "
                              "$3, $4, " TS(5) ")"};
const Statement find_series{"lc_find_series", "SELECT id, course_id, instructor_id, rule, " EPOCH(
                                                  "created_at") " FROM series WHERE id = $1"};
const Statement series_sessions{"lc_series_sessions", "SELECT " SESSION_COLUMNS
                                                      " FROM sessions WHERE series_id = $1 ORDER BY starts_at, id"};

const Statement admit{"lc_admit",
                      "SELECT out_outcome, out_status, out_seats FROM livecourse_admit($1::bigint, $2::text, "
                      "$3::text, $4::boolean, " TS(5) ")"};
// SKIP LOCKED: two leaves of the same user at once (two tabs) close two
// different intervals, as they would one after the other, instead of both
// picking the newest and the second finding nothing.
const Statement close_presence{
    "lc_close_presence",
    "UPDATE presence SET left_at = GREATEST(joined_at, " TS(
        3) ") WHERE id = (SELECT id FROM presence WHERE session_id = $1 AND user_id = $2 AND left_at IS NULL AND "
           "source = 'client' ORDER BY joined_at DESC, id DESC LIMIT 1 FOR UPDATE SKIP LOCKED)"};
const Statement find_participant{"lc_find_participant",
                                 "SELECT user_id, role, " EPOCH("admitted_at") " FROM participants WHERE session_id "
                                                                               "= $1 AND user_id = $2"};
const Statement participants{"lc_participants", "SELECT user_id, role, " EPOCH(
                                                    "admitted_at") " FROM participants WHERE session_id = $1 ORDER "
                                                                   "BY user_id"};
const Statement presence{"lc_presence", "SELECT user_id, " EPOCH("joined_at") ", " EPOCH(
                                            "left_at") ", source FROM presence WHERE session_id = $1 ORDER BY id"};

// The reply_to check and the insert are one statement: questions are never
// deleted, so a question seen by the statement stays one.
const Statement insert_chat{
    "lc_insert_chat",
    "INSERT INTO chat (session_id, user_id, type, body, reply_to, created_at) SELECT $1::bigint, $2, $3, $4, "
    "$5::bigint, " TS(6) " WHERE $5::bigint IS NULL OR EXISTS (SELECT 1 FROM chat q WHERE q.id = $5::bigint AND "
                         "q.session_id = $1::bigint AND q.type = 'question') RETURNING id"};
const Statement list_chat{"lc_list_chat", "SELECT id, user_id, type, body, reply_to, " EPOCH(
                                              "created_at") " FROM chat WHERE session_id = $1 AND id > $2 ORDER BY "
                                                            "id LIMIT $3"};

const Statement feed_salt{"lc_feed_salt", "SELECT salt FROM feed_salts WHERE user_id = $1"};
const Statement set_feed_salt{"lc_set_feed_salt",
                              "INSERT INTO feed_salts (user_id, salt) VALUES ($1, $2) ON CONFLICT (user_id) DO "
                              "UPDATE SET salt = EXCLUDED.salt"};
const Statement schema_version{"lc_schema_version", "SELECT COALESCE(MAX(version), 0) FROM livecourse_schema"};
const Statement record_version{"lc_record_version", "INSERT INTO livecourse_schema (version) VALUES ($1)"};
}  // namespace sql

Instant at(std::int64_t s) { return Instant(Seconds(s)); }
std::int64_t secs(Instant t) { return t.time_since_epoch().count(); }
std::optional<Instant> opt_time(const Result& r, int row, int col) {
    if (r.null(row, col)) return std::nullopt;
    return at(r.integer(row, col));
}

// Ids are positive decimal integers inside; an id of any other form names
// nothing and never reaches SQL.
std::optional<std::int64_t> parse_id(std::string_view id) {
    if (id.empty() || id.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    for (char c : id) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v == 0 || id[0] == '0') return std::nullopt;
    return v;
}

Session read_session(const Result& r, int i) {
    Session s;
    s.id = r.text(i, 0);
    s.course_id = r.text(i, 1);
    s.instructor_id = r.text(i, 2);
    s.title = r.text(i, 3);
    s.description = r.text(i, 4);
    s.starts_at = at(r.integer(i, 5));
    s.ends_at = at(r.integer(i, 6));
    s.timezone = r.text(i, 7);
    s.max_participants = static_cast<int>(r.integer(i, 8));
    s.recording_enabled = r.boolean(i, 9);
    s.jitsi_room_name = r.text(i, 10);
    s.jitsi_server_url = r.text(i, 11);
    s.room_password = r.opt_text(i, 12);
    s.status = parse_session_status(r.view(i, 13)).value_or(SessionStatus::scheduled);
    s.actual_start_at = opt_time(r, i, 14);
    s.actual_end_at = opt_time(r, i, 15);
    s.recording_url = r.opt_text(i, 16);
    s.cancel_reason = r.opt_text(i, 17);
    s.series_id = r.opt_text(i, 18);
    s.revision = r.integer(i, 19);
    s.created_at = at(r.integer(i, 20));
    s.updated_at = at(r.integer(i, 21));
    return s;
}

std::vector<Session> read_sessions(const Result& r) {
    std::vector<Session> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_session(r, i));
    return out;
}

Params& session_fields(Params& p, const Session& s) {
    auto opt_secs = [](const std::optional<Instant>& t) {
        return t ? std::optional<std::int64_t>(secs(*t)) : std::nullopt;
    };
    std::optional<std::int64_t> series;
    if (s.series_id) series = parse_id(*s.series_id).value_or(0);
    return p.text(s.course_id)
        .text(s.instructor_id)
        .text(s.title)
        .text(s.description)
        .integer(secs(s.starts_at))
        .integer(secs(s.ends_at))
        .text(s.timezone)
        .integer(s.max_participants)
        .boolean(s.recording_enabled)
        .text(s.jitsi_room_name)
        .text(s.jitsi_server_url)
        .optional(s.room_password)
        .text(to_string(s.status))
        .optional(opt_secs(s.actual_start_at))
        .optional(opt_secs(s.actual_end_at))
        .optional(s.recording_url)
        .optional(s.cancel_reason)
        .optional(series)
        .integer(s.revision)
        .integer(secs(s.created_at))
        .integer(secs(s.updated_at));
}

// A PostgreSQL array literal of text values: {"a","b\"c"}.
std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        out += '"';
        for (char c : values[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

bool room_name_clash(const Failure& f) {
    return f.sqlstate() == "23505" && f.constraint() == "sessions_room_name_unique";
}

class PostgresStore final : public Store {
public:
    explicit PostgresStore(const PostgresOptions& o)
        : pool_(pg::Target{o.uri, pg::redact_uri(o.uri), pg::Secrets(o.uri), o.statement_timeout_ms}, o.pool_size) {
        transaction("migrate the schema", [&](Connection& c) { migrate(c); });
    }

    // ---------------------------------------------------------------- roster
    void set_enrollment(std::string_view course, std::string_view user, Role role) override {
        run("set an enrollment", [&](Connection& c) {
            if (role == Role::none) c.exec(sql::delete_enrollment, Params().text(course).text(user));
            else c.exec(sql::upsert_enrollment, Params().text(course).text(user).text(to_string(role)));
        });
    }

    Role enrollment_role(std::string_view course, std::string_view user) override {
        return run("read an enrollment", [&](Connection& c) {
            auto r = c.exec(sql::enrollment_role, Params().text(course).text(user));
            return r.rows() ? parse_role(r.view(0, 0)).value_or(Role::none) : Role::none;
        });
    }

    std::vector<Enrollment> enrollments_of(std::string_view user) override {
        return run("read enrollments", [&](Connection& c) {
            auto r = c.exec(sql::enrollments_of, Params().text(user));
            std::vector<Enrollment> out;
            for (int i = 0; i < r.rows(); ++i)
                out.push_back({r.text(i, 0), parse_role(r.view(i, 1)).value_or(Role::none)});
            return out;
        });
    }

    std::int64_t count_enrolled_students(std::string_view course) override {
        return run("count students", [&](Connection& c) {
            return c.exec(sql::count_students, Params().text(course)).integer(0, 0);
        });
    }

    void put_user(const Actor& p) override {
        run("save a user", [&](Connection& c) {
            c.exec(sql::upsert_user, Params().text(p.user_id).text(p.name).text(p.email).text(p.avatar));
        });
    }

    std::optional<Actor> find_user(std::string_view id) override {
        return run("read a user", [&](Connection& c) -> std::optional<Actor> {
            auto r = c.exec(sql::find_user, Params().text(id));
            if (!r.rows()) return std::nullopt;
            return Actor{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3)};
        });
    }

    // -------------------------------------------------------------- sessions
    std::string allocate_session_id() override {
        return run("allocate an id", [&](Connection& c) { return c.exec(sql::next_session_id).text(0, 0); });
    }
    std::string allocate_series_id() override {
        return run("allocate an id", [&](Connection& c) { return c.exec(sql::next_series_id).text(0, 0); });
    }

    void insert_session(const Session& s) override {
        run("insert a session", [&](Connection& c) { insert_session_row(c, s); });
    }

    std::optional<Session> find_session(std::string_view id) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return run("read a session", [&](Connection& c) -> std::optional<Session> {
            auto r = c.exec(sql::find_session, Params().integer(*key));
            if (!r.rows()) return std::nullopt;
            return read_session(r, 0);
        });
    }

    std::optional<Session> find_session_by_room(std::string_view room) override {
        return run("read a session", [&](Connection& c) -> std::optional<Session> {
            auto r = c.exec(sql::find_session_by_room, Params().text(room));
            if (!r.rows()) return std::nullopt;
            return read_session(r, 0);
        });
    }

    bool replace_session(const Session& s, std::int64_t expected_revision) override {
        auto key = parse_id(s.id);
        if (!key) return false;
        bool closes = s.status == SessionStatus::ended || s.status == SessionStatus::cancelled;
        Params p;
        session_fields(p, s).integer(*key).integer(expected_revision);
        auto update = [&](Connection& c) {
            try {
                return c.exec(sql::replace_session, p).affected() == 1;
            } catch (const Failure& f) {
                if (room_name_clash(f)) throw Error::conflict("room_name_taken", "a session with this room name already exists");
                throw;
            }
        };
        // One statement unless intervals must be closed with it.
        if (!closes) return run("update a session", update);
        return transaction("update a session", [&](Connection& c) {
            if (!update(c)) return false;
            c.exec(sql::close_all_presence,
                   Params().integer(*key).integer(secs(s.actual_end_at.value_or(s.updated_at))));
            return true;
        });
    }

    std::vector<Session> list_sessions(std::string_view course, SessionFilter filter) override {
        const Statement* st = &sql::list_all;
        switch (filter) {
        case SessionFilter::all: st = &sql::list_all; break;
        case SessionFilter::upcoming: st = &sql::list_upcoming; break;
        case SessionFilter::live: st = &sql::list_live; break;
        case SessionFilter::past: st = &sql::list_past; break;
        }
        return run("list sessions", [&](Connection& c) { return read_sessions(c.exec(*st, Params().text(course))); });
    }

    std::vector<Session> sessions_in_range(const SessionRange& r) override {
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

    // ---------------------------------------------------------------- series
    void insert_series(const SeriesRecord& series, const std::vector<Session>& occurrences) override {
        transaction("insert a series", [&](Connection& c) {
            c.exec(sql::insert_series, Params()
                                           .integer(parse_id(series.id).value_or(0))
                                           .text(series.course_id)
                                           .text(series.instructor_id)
                                           .text(series.rule)
                                           .integer(secs(series.created_at)));
            for (const auto& s : occurrences) insert_session_row(c, s);
        });
    }

    std::optional<SeriesRecord> find_series(std::string_view id) override {
        auto key = parse_id(id);
        if (!key) return std::nullopt;
        return run("read a series", [&](Connection& c) -> std::optional<SeriesRecord> {
            auto r = c.exec(sql::find_series, Params().integer(*key));
            if (!r.rows()) return std::nullopt;
            return SeriesRecord{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.text(0, 3), at(r.integer(0, 4))};
        });
    }

    std::vector<Session> series_sessions(std::string_view id) override {
        auto key = parse_id(id);
        if (!key) return {};
        return run("list a series",
                   [&](Connection& c) { return read_sessions(c.exec(sql::series_sessions, Params().integer(*key))); });
    }

    // ------------------------------------------------------ seats, presence
    AdmitResult admit(std::string_view session_id, std::string_view user, Role role, bool takes_seat,
                      Instant when) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        return run("admit a participant", [&](Connection& c) {
            auto r = c.exec(sql::admit, Params()
                                            .integer(*key)
                                            .text(user)
                                            .text(to_string(role))
                                            .boolean(takes_seat)
                                            .integer(secs(when)));
            AdmitResult out;
            auto outcome = r.view(0, 0);
            out.outcome = outcome == "admitted"   ? AdmitOutcome::admitted
                          : outcome == "rejoined" ? AdmitOutcome::rejoined
                          : outcome == "full"     ? AdmitOutcome::full
                                                  : AdmitOutcome::not_live;
            out.status = parse_session_status(r.view(0, 1)).value_or(SessionStatus::scheduled);
            out.seats_taken = static_cast<int>(r.integer(0, 2));
            return out;
        });
    }

    bool close_presence(std::string_view session_id, std::string_view user, Instant when) override {
        auto key = parse_id(session_id);
        if (!key) return false;
        return run("close a presence interval", [&](Connection& c) {
            return c.exec(sql::close_presence, Params().integer(*key).text(user).integer(secs(when))).affected() == 1;
        });
    }

    std::optional<Participant> find_participant(std::string_view session_id, std::string_view user) override {
        auto key = parse_id(session_id);
        if (!key) return std::nullopt;
        return run("read a participant", [&](Connection& c) -> std::optional<Participant> {
            auto r = c.exec(sql::find_participant, Params().integer(*key).text(user));
            if (!r.rows()) return std::nullopt;
            return Participant{r.text(0, 0), parse_role(r.view(0, 1)).value_or(Role::student), at(r.integer(0, 2))};
        });
    }

    std::vector<Participant> participants(std::string_view session_id) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        return run("list participants", [&](Connection& c) {
            auto r = c.exec(sql::participants, Params().integer(*key));
            std::vector<Participant> out;
            for (int i = 0; i < r.rows(); ++i)
                out.push_back({r.text(i, 0), parse_role(r.view(i, 1)).value_or(Role::student), at(r.integer(i, 2))});
            return out;
        });
    }

    std::vector<PresenceInterval> presence(std::string_view session_id) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        return run("list presence", [&](Connection& c) {
            auto r = c.exec(sql::presence, Params().integer(*key));
            std::vector<PresenceInterval> out;
            for (int i = 0; i < r.rows(); ++i) {
                PresenceInterval iv;
                iv.user_id = r.text(i, 0);
                iv.joined_at = at(r.integer(i, 1));
                iv.left_at = opt_time(r, i, 2);
                auto src = r.view(i, 3);
                iv.source = src == "video_server" ? PresenceSource::video_server
                            : src == "heartbeat"  ? PresenceSource::heartbeat
                                                  : PresenceSource::client;
                out.push_back(std::move(iv));
            }
            return out;
        });
    }

    // ------------------------------------------------------------------ chat
    ChatMessage insert_chat(const ChatMessage& m) override {
        auto key = parse_id(m.session_id);
        if (!key) throw Error::not_found("session");
        std::optional<std::int64_t> reply;
        if (m.reply_to) {
            reply = parse_id(*m.reply_to);
            if (!reply) throw Error(ErrorCode::not_found, "reply_to names no question of this session", {}, "reply_to");
        }
        return run("insert a chat message", [&](Connection& c) {
            Result r = [&] {
                try {
                    return c.exec(sql::insert_chat, Params()
                                                        .integer(*key)
                                                        .text(m.user_id)
                                                        .text(to_string(m.type))
                                                        .text(m.body)
                                                        .optional(reply)
                                                        .integer(secs(m.created_at)));
                } catch (const Failure& f) {
                    if (f.sqlstate() == "23503") throw Error::not_found("session");
                    throw;
                }
            }();
            if (!r.rows())
                throw Error(ErrorCode::not_found, "reply_to names no question of this session", {}, "reply_to");
            ChatMessage out = m;
            out.id = r.text(0, 0);
            return out;
        });
    }

    ChatPage list_chat(std::string_view session_id, std::optional<std::string_view> after, int limit) override {
        auto key = parse_id(session_id);
        if (!key) return {};
        std::int64_t from = 0;
        if (after) {
            auto a = parse_id(*after);
            if (!a) throw Error::invalid("cursor", "cursor: not a cursor returned by this list");
            from = *a;
        }
        return run("list chat messages", [&](Connection& c) {
            auto r = c.exec(sql::list_chat, Params().integer(*key).integer(from).integer(limit + 1));
            ChatPage page;
            for (int i = 0; i < r.rows(); ++i) {
                ChatMessage m;
                m.id = r.text(i, 0);
                m.session_id = std::string(session_id);
                m.user_id = r.text(i, 1);
                m.type = parse_chat_type(r.view(i, 2)).value_or(ChatType::text);
                m.body = r.text(i, 3);
                m.reply_to = r.opt_text(i, 4);
                m.created_at = at(r.integer(i, 5));
                page.messages.push_back(std::move(m));
            }
            if (static_cast<int>(page.messages.size()) > limit) {
                page.messages.pop_back();
                page.next_cursor = page.messages.back().id;
            }
            return page;
        });
    }

    // ---------------------------------------------------------- feed salts
    std::optional<std::string> feed_salt(std::string_view user) override {
        return run("read a feed salt", [&](Connection& c) -> std::optional<std::string> {
            auto r = c.exec(sql::feed_salt, Params().text(user));
            if (!r.rows()) return std::nullopt;
            return r.text(0, 0);
        });
    }

    void set_feed_salt(std::string_view user, std::string_view salt) override {
        run("save a feed salt", [&](Connection& c) { c.exec(sql::set_feed_salt, Params().text(user).text(salt)); });
    }

private:
    // Inside the transaction `transaction()` opened: under the advisory lock,
    // read the version, apply what is missing, record it.
    static void migrate(Connection& c) {
        // A later migration may take longer than an operation is allowed to,
        // and the servers queued on the lock wait as long as it runs.
        c.exec_simple("SET LOCAL statement_timeout = 0");
        c.exec_simple(pg::migration_lock_sql);
        c.exec_simple("CREATE TABLE IF NOT EXISTS livecourse_schema (version integer PRIMARY KEY, "
                      "applied_at timestamptz NOT NULL DEFAULT now())");
        auto version = static_cast<int>(c.exec(sql::schema_version).integer(0, 0));
        if (version > pg::schema_version)
            throw Error::storage(fmt::format("the database schema (version {}) is newer than this library ({})",
                                             version, pg::schema_version));
        for (int v = version; v < pg::schema_version; ++v) {
            c.exec_simple(pg::migrations[v]);
            c.exec(sql::record_version, Params().integer(v + 1));
        }
    }

    static void insert_session_row(Connection& c, const Session& s) {
        Params p;
        session_fields(p, s).integer(parse_id(s.id).value_or(0));
        try {
            c.exec(sql::insert_session, p);
        } catch (const Failure& f) {
            if (room_name_clash(f)) throw Error::conflict("room_name_taken", "a session with this room name already exists");
            throw;
        }
    }

    static Error storage_error(const char* what, const Failure& f) {
        if (f.sqlstate() == "57014")
            return Error::storage(fmt::format("cannot {}: the statement timed out ({})", what, f.what()));
        return Error::storage(fmt::format("cannot {}: {}", what, f.what()));
    }

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
    // any exception (an Error from the body included).
    template <class F> auto transaction(const char* what, F&& body) -> decltype(body(std::declval<Connection&>())) {
        return run(what, [&](Connection& c) {
            c.exec_simple("BEGIN");
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

    pg::Pool pool_;
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(const PostgresOptions& options) {
    PostgresOptions o = options;
    pg::take_uri_options(o);  // also validates the URI and the option values
    return std::make_unique<PostgresStore>(o);
}

}  // namespace livecourse
