// The PostgreSQL store's presence: client intervals, the points the video
// server reports, heartbeats.
#include "store/postgres/postgres_rows.hpp"
#include "store/postgres/postgres_store.hpp"

namespace livecourse::pg {

namespace {

// Every statement of this file; each is prepared once per connection.
namespace sql {
// clang-format off
// SKIP LOCKED: two leaves of the same user at once (two tabs) close two
// different intervals, as they would one after the other, instead of both
// picking the newest and the second finding nothing.
const Statement close_presence{"lc_close_presence", R"sql(
UPDATE presence SET left_at = GREATEST(joined_at, to_timestamp($3::bigint))
 WHERE id = (SELECT id FROM presence
              WHERE session_id = $1 AND user_id = $2 AND left_at IS NULL AND source = 'client'
              ORDER BY joined_at DESC, id DESC LIMIT 1 FOR UPDATE SKIP LOCKED)
)sql"};
const Statement find_participant{"lc_find_participant", R"sql(
SELECT user_id, role, extract(epoch FROM admitted_at)::bigint FROM participants WHERE session_id = $1 AND user_id = $2
)sql"};
const Statement participants{"lc_participants", R"sql(
SELECT user_id, role, extract(epoch FROM admitted_at)::bigint FROM participants WHERE session_id = $1
 ORDER BY user_id
)sql"};
const Statement presence{"lc_presence", R"sql(
SELECT user_id, extract(epoch FROM joined_at)::bigint, extract(epoch FROM left_at)::bigint, source
  FROM presence WHERE session_id = $1 ORDER BY id
)sql"};
const Statement open_presence{"lc_open_presence", R"sql(
SELECT user_id, extract(epoch FROM joined_at)::bigint, extract(epoch FROM left_at)::bigint, source
  FROM presence WHERE session_id = $1 AND left_at IS NULL ORDER BY id
)sql"};
const Statement insert_delivery{"lc_insert_video_delivery", R"sql(
INSERT INTO video_deliveries (delivery_key, session_id, received_at) VALUES ($1, $2, to_timestamp($3::bigint))
ON CONFLICT (delivery_key) DO NOTHING
)sql"};
// All the points of one report in one statement (parallel arrays).
const Statement insert_points{"lc_insert_video_points", R"sql(
INSERT INTO video_points (session_id, scope, connection, kind, at, user_id)
SELECT $1::bigint, p.scope, p.connection, p.kind, to_timestamp(p.at), p.user_id
  FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[]) AS p (scope, connection, kind, at, user_id)
ON CONFLICT DO NOTHING
)sql"};
const Statement video_points{"lc_video_points", R"sql(
SELECT scope, connection, kind, extract(epoch FROM at)::bigint, user_id FROM video_points WHERE session_id = $1
)sql"};
const Statement insert_absences{"lc_insert_absences", R"sql(
INSERT INTO presence_absences (session_id, user_id, at)
SELECT $1::bigint, a.user_id, to_timestamp(a.at)
  FROM unnest($2::text[], $3::bigint[]) AS a (user_id, at)
 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $1)
ON CONFLICT DO NOTHING
)sql"};
const Statement absences{"lc_absences", R"sql(
SELECT user_id, extract(epoch FROM at)::bigint FROM presence_absences WHERE session_id = $1
)sql"};
const Statement close_stale_heartbeat{"lc_close_stale_heartbeat", R"sql(
UPDATE heartbeats SET left_at = last_seen_at
 WHERE session_id = $1 AND user_id = $2 AND left_at IS NULL
   AND $3::bigint - extract(epoch FROM last_seen_at)::bigint > $4::bigint
)sql"};
// RETURNING xmax = 0: true when the row was inserted rather than updated.
const Statement upsert_heartbeat{"lc_upsert_heartbeat", R"sql(
INSERT INTO heartbeats (session_id, user_id, joined_at, last_seen_at)
VALUES ($1, $2, to_timestamp($3::bigint), to_timestamp($3::bigint))
ON CONFLICT (session_id, user_id) WHERE left_at IS NULL
DO UPDATE SET last_seen_at = GREATEST(heartbeats.last_seen_at, EXCLUDED.last_seen_at)
RETURNING (xmax = 0)
)sql"};
const Statement close_heartbeat{"lc_close_heartbeat", R"sql(
UPDATE heartbeats SET left_at = GREATEST(joined_at, to_timestamp($3::bigint))
 WHERE session_id = $1 AND user_id = $2 AND left_at IS NULL
)sql"};
const Statement heartbeat_intervals{"lc_heartbeat_intervals", R"sql(
SELECT user_id, extract(epoch FROM joined_at)::bigint, extract(epoch FROM last_seen_at)::bigint,
       extract(epoch FROM left_at)::bigint
  FROM heartbeats WHERE session_id = $1 ORDER BY id
)sql"};
// clang-format on
}  // namespace sql

// The reads of attendance's inputs.
std::vector<Participant> participants_of(Connection& c, std::int64_t key) {
    auto r = c.exec(sql::participants, Params().integer(key));
    std::vector<Participant> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_participant(r, i));
    return out;
}

// Every interval of the session, or only the open ones (index presence_open).
std::vector<PresenceInterval> presence_of(Connection& c, std::int64_t key, bool open_only = false) {
    auto r = c.exec(open_only ? sql::open_presence : sql::presence, Params().integer(key));
    std::vector<PresenceInterval> out;
    for (int i = 0; i < r.rows(); ++i) {
        PresenceInterval iv;
        iv.user_id = r.text(i, 0);
        iv.joined_at = at(r.integer(i, 1));
        iv.left_at = opt_time(r, i, 2);
        auto src = r.view(i, 3);
        iv.source = parse_presence_source(src).value_or(PresenceSource::client);
        out.push_back(std::move(iv));
    }
    return out;
}

std::vector<VideoPresencePoint> video_points_of(Connection& c, std::int64_t key) {
    auto r = c.exec(sql::video_points, Params().integer(key));
    std::vector<VideoPresencePoint> out;
    for (int i = 0; i < r.rows(); ++i) {
        VideoPresencePoint p;
        p.scope = r.text(i, 0);
        p.connection = r.text(i, 1);
        p.kind = store_detail::parse_video_point_kind(r.view(i, 2));
        p.at = at(r.integer(i, 3));
        p.user_id = r.text(i, 4);
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<HeartbeatInterval> heartbeats_of(Connection& c, std::int64_t key) {
    auto r = c.exec(sql::heartbeat_intervals, Params().integer(key));
    std::vector<HeartbeatInterval> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.text(i, 0), at(r.integer(i, 1)), at(r.integer(i, 2)), opt_time(r, i, 3)});
    return out;
}

std::vector<PresenceAbsence> absences_of(Connection& c, std::int64_t key) {
    auto r = c.exec(sql::absences, Params().integer(key));
    std::vector<PresenceAbsence> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), at(r.integer(i, 1))});
    return out;
}

// attendance_inputs() and live_presence(): the five reads, the client
// intervals all or only the open ones (the caller holds the snapshot).
AttendanceInputs inputs_of(Connection& c, std::int64_t key, bool open_only) {
    return AttendanceInputs{participants_of(c, key), presence_of(c, key, open_only), heartbeats_of(c, key),
                            video_points_of(c, key), absences_of(c, key)};
}

}  // namespace

bool PostgresStore::close_presence(std::string_view session_id, std::string_view user, Instant when) {
    auto key = parse_id(session_id);
    if (!key) return false;
    return run("close a presence interval", [&](Connection& c) {
        return c.exec(sql::close_presence, Params().integer(*key).text(user).integer(secs(when))).affected() == 1;
    });
}

std::optional<Participant> PostgresStore::find_participant(std::string_view session_id, std::string_view user) {
    auto key = parse_id(session_id);
    if (!key) return std::nullopt;
    return run("read a participant", [&](Connection& c) -> std::optional<Participant> {
        auto r = c.exec(sql::find_participant, Params().integer(*key).text(user));
        if (!r.rows()) return std::nullopt;
        return read_participant(r, 0);
    });
}

std::vector<Participant> PostgresStore::participants(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return run("list participants", [&](Connection& c) { return participants_of(c, *key); });
}

std::vector<PresenceInterval> PostgresStore::presence(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return run("list presence", [&](Connection& c) { return presence_of(c, *key); });
}

std::optional<int> PostgresStore::record_video_points(std::string_view session_id,
                                                      std::optional<std::string_view> delivery_key,
                                                      const std::vector<VideoPresencePoint>& points, Instant received) {
    auto key = parse_id(session_id);
    if (!key) return 0;
    std::vector<std::string> scopes, connections, kinds, users;
    std::vector<std::int64_t> ats;
    for (const auto& p : points) {
        scopes.push_back(p.scope);
        connections.push_back(p.connection);
        kinds.push_back(store_detail::video_point_kind_name(p.kind));
        users.push_back(p.user_id);
        ats.push_back(secs(p.at));
    }
    Params insert;
    insert.integer(*key)
        .text(text_array(scopes))
        .text(text_array(connections))
        .text(text_array(kinds))
        .text(bigint_array(ats))
        .text(text_array(users));
    auto add = [&](Connection& c) { return static_cast<int>(c.exec(sql::insert_points, insert).affected()); };
    if (!delivery_key) return run("record video presence", add);
    // The key and the points commit together: a delivery whose points
    // were lost with a failed commit is not remembered as seen.
    return transaction("record video presence", [&](Connection& c) -> std::optional<int> {
        auto d = c.exec(sql::insert_delivery,
                        Params().text(*delivery_key).integer(*key).integer(secs(received)));
        if (d.affected() == 0) return std::nullopt;
        return add(c);
    });
}

std::vector<VideoPresencePoint> PostgresStore::video_points(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return run("read video presence", [&](Connection& c) { return video_points_of(c, *key); });
}

bool PostgresStore::record_heartbeat(std::string_view session_id, std::string_view user, Instant when,
                                     Seconds timeout) {
    auto key = parse_id(session_id);
    if (!key) return false;
    // Under READ COMMITTED a concurrent heartbeat of the same user waits
    // on the row the first one closes or inserts, then sees it: the open
    // interval stays unique (the partial index is the upsert's arbiter).
    return transaction("record a heartbeat", [&](Connection& c) {
        c.exec(sql::close_stale_heartbeat,
               Params().integer(*key).text(user).integer(secs(when)).integer(timeout.count()));
        return c.exec(sql::upsert_heartbeat, Params().integer(*key).text(user).integer(secs(when)))
            .boolean(0, 0);
    });
}

bool PostgresStore::close_heartbeat(std::string_view session_id, std::string_view user, Instant when) {
    auto key = parse_id(session_id);
    if (!key) return false;
    return run("close a heartbeat interval", [&](Connection& c) {
        return c.exec(sql::close_heartbeat, Params().integer(*key).text(user).integer(secs(when)))
                   .affected() == 1;
    });
}

std::vector<HeartbeatInterval> PostgresStore::heartbeat_intervals(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return run("read heartbeats", [&](Connection& c) { return heartbeats_of(c, *key); });
}

int PostgresStore::record_absences(std::string_view session_id, const std::vector<PresenceAbsence>& absences) {
    auto key = parse_id(session_id);
    if (!key || absences.empty()) return 0;
    std::vector<std::string> users;
    std::vector<std::int64_t> ats;
    for (const auto& a : absences) {
        users.push_back(a.user_id);
        ats.push_back(secs(a.at));
    }
    Params insert;
    insert.integer(*key).text(text_array(users)).text(bigint_array(ats));
    return run("record a room census",
               [&](Connection& c) { return static_cast<int>(c.exec(sql::insert_absences, insert).affected()); });
}

AttendanceInputs PostgresStore::attendance_inputs(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    // One REPEATABLE READ transaction: the five statements share the snapshot
    // its first one takes.
    return snapshot("read attendance", [&](Connection& c) { return inputs_of(c, *key, false); });
}

AttendanceInputs PostgresStore::live_presence(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return snapshot("read the live roster", [&](Connection& c) { return inputs_of(c, *key, true); });
}

}  // namespace livecourse::pg
