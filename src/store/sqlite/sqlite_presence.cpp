// The SQLite store's presence: client intervals, the points the video server
// reports, heartbeats.
#include "store/sqlite/sqlite_rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace livecourse::sqlite {

namespace {

// The reads of attendance's inputs, on a read connection.
std::vector<Participant> participants_of(Connection& c, std::int64_t key) {
    Use q(c, "SELECT user_id, role, admitted_at FROM participants WHERE session_id = ?1 ORDER BY user_id");
    q->bind(1, key);
    std::vector<Participant> out;
    while (q->executeStep()) out.push_back(read_participant(*q));
    return out;
}

// Every interval of the session, or only the open ones (index presence_open).
std::vector<PresenceInterval> presence_of(Connection& c, std::int64_t key, bool open_only = false) {
    Use q(c, open_only ? "SELECT user_id, joined_at, left_at, source FROM presence INDEXED BY presence_open "
                         "WHERE session_id = ?1 AND left_at IS NULL ORDER BY id"
                       : "SELECT user_id, joined_at, left_at, source FROM presence WHERE session_id = ?1 ORDER BY id");
    q->bind(1, key);
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
}

std::vector<VideoPresencePoint> video_points_of(Connection& c, std::int64_t key) {
    Use q(c, "SELECT scope, connection, kind, at, user_id FROM video_points WHERE session_id = ?1");
    q->bind(1, key);
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
}

std::vector<HeartbeatInterval> heartbeats_of(Connection& c, std::int64_t key) {
    Use q(c, "SELECT user_id, joined_at, last_seen_at, left_at FROM heartbeats WHERE session_id = ?1 ORDER "
             "BY id");
    q->bind(1, key);
    std::vector<HeartbeatInterval> out;
    while (q->executeStep())
        out.push_back({q->getColumn(0).getString(), at(q->getColumn(1).getInt64()),
                       at(q->getColumn(2).getInt64()), opt_time(q->getColumn(3))});
    return out;
}

std::vector<PresenceAbsence> absences_of(Connection& c, std::int64_t key) {
    Use q(c, "SELECT user_id, at FROM presence_absences WHERE session_id = ?1");
    q->bind(1, key);
    std::vector<PresenceAbsence> out;
    while (q->executeStep()) out.push_back({q->getColumn(0).getString(), at(q->getColumn(1).getInt64())});
    return out;
}

// attendance_inputs() and live_presence(): the five reads in one read
// transaction, the client intervals all or only the open ones.
AttendanceInputs inputs_of(Connection& c, std::int64_t key, bool open_only) {
    ReadTransaction snapshot(c);
    return AttendanceInputs{participants_of(c, key), presence_of(c, key, open_only), heartbeats_of(c, key),
                            video_points_of(c, key), absences_of(c, key)};
}

}  // namespace

bool SqliteStore::close_presence(std::string_view session_id, std::string_view user, Instant when) {
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

std::optional<Participant> SqliteStore::find_participant(std::string_view session_id, std::string_view user) {
    auto key = parse_id(session_id);
    if (!key) return std::nullopt;
    return read([&](Connection& c) -> std::optional<Participant> {
        Use q(c, "SELECT user_id, role, admitted_at FROM participants WHERE session_id = ?1 AND user_id = ?2");
        q->bind(1, static_cast<std::int64_t>(*key));
        q->bind(2, std::string(user));
        if (!q->executeStep()) return std::nullopt;
        return read_participant(*q);
    });
}

std::vector<Participant> SqliteStore::participants(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return read([&](Connection& c) { return participants_of(c, *key); });
}

std::vector<PresenceInterval> SqliteStore::presence(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return read([&](Connection& c) { return presence_of(c, *key); });
}

std::optional<int> SqliteStore::record_video_points(std::string_view session_id,
                                                    std::optional<std::string_view> delivery_key,
                                                    const std::vector<VideoPresencePoint>& points, Instant received) {
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

int SqliteStore::record_absences(std::string_view session_id, const std::vector<PresenceAbsence>& absences) {
    auto key = parse_id(session_id);
    if (!key || absences.empty()) return 0;
    return write([&](Connection& c) {
        int added = 0;
        for (const auto& a : absences) {
            // A session that does not exist records nothing.
            Use q(c, "INSERT INTO presence_absences (session_id, user_id, at) SELECT ?1, ?2, ?3 WHERE EXISTS "
                     "(SELECT 1 FROM sessions WHERE id = ?1) ON CONFLICT DO NOTHING");
            q->bind(1, static_cast<std::int64_t>(*key));
            q->bind(2, a.user_id);
            q->bind(3, static_cast<std::int64_t>(secs(a.at)));
            added += q->exec();
        }
        return added;
    });
}

std::vector<VideoPresencePoint> SqliteStore::video_points(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return read([&](Connection& c) { return video_points_of(c, *key); });
}

bool SqliteStore::record_heartbeat(std::string_view session_id, std::string_view user, Instant when, Seconds timeout) {
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

bool SqliteStore::close_heartbeat(std::string_view session_id, std::string_view user, Instant when) {
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

std::vector<HeartbeatInterval> SqliteStore::heartbeat_intervals(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return read([&](Connection& c) { return heartbeats_of(c, *key); });
}

AttendanceInputs SqliteStore::attendance_inputs(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return read([&](Connection& c) { return inputs_of(c, *key, false); });
}

AttendanceInputs SqliteStore::live_presence(std::string_view session_id) {
    auto key = parse_id(session_id);
    if (!key) return {};
    return read([&](Connection& c) { return inputs_of(c, *key, true); });
}

}  // namespace livecourse::sqlite
