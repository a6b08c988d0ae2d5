// Reading event_sync and JaaS payloads into VideoEvent, and recognising their
// senders. Payloads are read leniently where the senders differ between
// versions (numbers as integers or floats, ids absent or null) and strictly
// where the library depends on a value (room, connection, times).
#include <livecourse/error.hpp>
#include <livecourse/hmac.hpp>
#include <livecourse/video_events.hpp>

#include "domain/validation.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

namespace livecourse::jitsi {

namespace json = boost::json;

namespace {

constexpr std::size_t max_name_bytes = 512;     // rooms, JIDs, breakout ids, keys
constexpr std::size_t max_url_bytes = 4096;     // pre-authenticated recording links
constexpr std::size_t max_occupants = 100000;

[[noreturn]] void invalid(const std::string& field, std::string_view what) {
    throw Error::invalid(field, fmt::format("{}: {}", field, what));
}

const json::value* find(const json::object& o, std::string_view key) {
    auto* v = o.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
}

std::optional<std::string> opt_string(const json::object& o, std::string_view key, const std::string& field,
                                      std::size_t max = max_name_bytes) {
    auto* v = find(o, key);
    if (!v) return std::nullopt;
    if (!v->is_string()) invalid(field, "must be a string");
    std::string s(v->get_string());
    if (s.size() > max) invalid(field, fmt::format("is longer than {} bytes", max));
    if (!validate::is_utf8(s)) invalid(field, "must be valid UTF-8");
    return s;
}

std::string req_string(const json::object& o, std::string_view key, const std::string& field) {
    auto s = opt_string(o, key, field);
    if (!s || s->empty()) invalid(field, "is required");
    return *s;
}

// A JSON number as whole units (seconds or milliseconds); fractions dropped.
std::optional<std::int64_t> opt_number(const json::object& o, std::string_view key, const std::string& field) {
    auto* v = find(o, key);
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) {
        if (v->get_uint64() > std::uint64_t(INT64_MAX)) invalid(field, "is out of range");
        return static_cast<std::int64_t>(v->get_uint64());
    }
    if (v->is_double()) {
        double d = v->get_double();
        if (!std::isfinite(d) || std::fabs(d) > 9.0e15) invalid(field, "is out of range");
        return static_cast<std::int64_t>(std::floor(d));
    }
    invalid(field, "must be a number");
}

std::optional<Instant> opt_seconds(const json::object& o, std::string_view key, const std::string& field) {
    auto n = opt_number(o, key, field);
    if (!n) return std::nullopt;
    Instant t{Seconds(*n)};
    validate::instant(field, t);
    return t;
}

bool opt_bool(const json::object& o, std::string_view key, const std::string& field) {
    auto* v = find(o, key);
    if (!v) return false;
    if (v->is_bool()) return v->get_bool();
    if (v->is_string()) return v->get_string() == "true";  // JaaS writes some booleans as strings
    invalid(field, "must be a boolean");
}

const json::object* opt_object(const json::object& o, std::string_view key, const std::string& field) {
    auto* v = find(o, key);
    if (!v) return nullptr;
    if (!v->is_object()) invalid(field, "must be an object");
    return &v->get_object();
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// "room" from "room", "room@conference.example.com" or "AppID/room".
std::string room_part(std::string_view name) {
    auto slash = name.rfind('/');
    if (slash != std::string_view::npos) name = name.substr(slash + 1);
    auto at = name.find('@');
    if (at != std::string_view::npos) name = name.substr(0, at);
    return lower(std::string(name));
}

std::string breakout_scope(const json::object& o, std::string_view flag, std::string_view id, const std::string& prefix) {
    bool breakout = opt_bool(o, flag, prefix + std::string(flag));
    auto scope = opt_string(o, id, prefix + std::string(id));
    if (!breakout) return {};
    if (!scope || scope->empty()) invalid(prefix + std::string(id), "is required for a breakout room");
    return *scope;
}

OccupantReport read_occupant(const json::object& o, const std::string& prefix) {
    OccupantReport r;
    r.connection = req_string(o, "occupant_jid", prefix + "occupant_jid");
    r.user_id = opt_string(o, "id", prefix + "id").value_or("");
    r.joined_at = opt_seconds(o, "joined_at", prefix + "joined_at");
    r.left_at = opt_seconds(o, "left_at", prefix + "left_at");
    return r;
}

}  // namespace

RoomCensus parse_room_census(const json::object& body) {
    RoomCensus c;
    c.room = room_part(req_string(body, "room", "room"));
    if (c.room.empty()) invalid("room", "is required");
    c.at = opt_seconds(body, "at", "at");
    if (auto m = opt_string(body, "match", "match")) {
        if (*m == "email") c.match = CensusMatch::email;
        else if (*m == "user_id") c.match = CensusMatch::user_id;
        else invalid("match", "must be \"email\" or \"user_id\"");
    }
    auto* list = find(body, "occupants");
    if (!list) invalid("occupants", "is required (an empty list when the room is empty)");
    if (!list->is_array()) invalid("occupants", "must be an array");
    const auto& array = list->get_array();
    if (array.size() > max_occupants) invalid("occupants", fmt::format("lists more than {} occupants", max_occupants));
    c.occupants.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) {
        std::string prefix = fmt::format("occupants[{}].", i);
        if (!array[i].is_object()) invalid(fmt::format("occupants[{}]", i), "must be an object");
        const auto& o = array[i].get_object();
        RoomCensus::Occupant occupant;
        occupant.user_id = opt_string(o, "user_id", prefix + "user_id").value_or("");
        if (occupant.user_id.empty()) occupant.user_id = opt_string(o, "id", prefix + "id").value_or("");
        occupant.email = lower(opt_string(o, "email", prefix + "email").value_or(""));
        c.occupants.push_back(std::move(occupant));
    }
    return c;
}

std::optional<VideoEventKind> parse_event_sync_kind(std::string_view kind) noexcept {
    if (kind == "room/created") return VideoEventKind::room_created;
    if (kind == "room/destroyed") return VideoEventKind::room_destroyed;
    if (kind == "occupant/joined") return VideoEventKind::occupant_joined;
    if (kind == "occupant/left") return VideoEventKind::occupant_left;
    return std::nullopt;
}

VideoEvent parse_event_sync(std::string_view kind, const json::object& payload) {
    auto k = parse_event_sync_kind(kind);
    if (!k) invalid("kind", "must be room/created, room/destroyed, occupant/joined or occupant/left");
    VideoEvent e;
    e.source = VideoEventSource::event_sync;
    e.kind = *k;
    e.event_type = std::string(kind);
    e.room = room_part(req_string(payload, "room_name", "room_name"));
    if (e.room.empty()) invalid("room_name", "is required");
    e.scope = breakout_scope(payload, "is_breakout", "breakout_room_id", "");
    switch (e.kind) {
    case VideoEventKind::room_created: e.at = opt_seconds(payload, "created_at", "created_at"); break;
    case VideoEventKind::room_destroyed: {
        e.at = opt_seconds(payload, "destroyed_at", "destroyed_at");
        if (auto* all = find(payload, "all_occupants")) {
            if (!all->is_array()) invalid("all_occupants", "must be an array");
            const auto& list = all->get_array();
            if (list.size() > max_occupants) invalid("all_occupants", "has too many entries");
            for (std::size_t i = 0; i < list.size(); ++i) {
                std::string prefix = fmt::format("all_occupants[{}].", i);
                if (!list[i].is_object()) invalid(prefix.substr(0, prefix.size() - 1), "must be an object");
                e.occupants.push_back(read_occupant(list[i].get_object(), prefix));
            }
        }
        break;
    }
    case VideoEventKind::occupant_joined:
    case VideoEventKind::occupant_left: {
        auto* o = opt_object(payload, "occupant", "occupant");
        if (!o) invalid("occupant", "is required");
        auto r = read_occupant(*o, "occupant.");
        if (e.kind == VideoEventKind::occupant_joined) {
            if (!r.joined_at) invalid("occupant.joined_at", "is required");
            r.left_at.reset();
            e.at = r.joined_at;
        } else {
            if (!r.left_at) invalid("occupant.left_at", "is required");
            e.at = r.left_at;
        }
        e.occupants.push_back(std::move(r));
        break;
    }
    default: break;
    }
    return e;
}

VideoEvent parse_jaas_webhook(const json::object& body) {
    VideoEvent e;
    e.source = VideoEventSource::jaas;
    e.event_type = req_string(body, "eventType", "eventType");
    e.delivery_key = opt_string(body, "idempotencyKey", "idempotencyKey");
    if (e.delivery_key && e.delivery_key->empty()) e.delivery_key.reset();
    auto ms = opt_number(body, "timestamp", "timestamp");
    if (!ms) invalid("timestamp", "is required");
    // Milliseconds; floor division so that negative values stay ordered.
    std::int64_t s = *ms >= 0 ? *ms / 1000 : -((-*ms + 999) / 1000);
    e.at = Instant(Seconds(s));
    validate::instant("timestamp", *e.at);
    auto fqn = req_string(body, "fqn", "fqn");
    auto slash = fqn.find('/');
    e.room = room_part(slash == std::string::npos ? std::string_view(fqn) : std::string_view(fqn).substr(slash + 1));
    if (e.room.empty()) invalid("fqn", "must be \"<AppID>/<room>\"");
    e.app_id = opt_string(body, "appId", "appId").value_or(slash == std::string::npos ? "" : fqn.substr(0, slash));
    const auto* data = opt_object(body, "data", "data");
    static const json::object empty;
    if (!data) data = &empty;

    const auto& type = e.event_type;
    if (type == "PARTICIPANT_JOINED" || type == "PARTICIPANT_LEFT") {
        e.kind = type == "PARTICIPANT_JOINED" ? VideoEventKind::occupant_joined : VideoEventKind::occupant_left;
        e.scope = breakout_scope(*data, "isBreakout", "breakoutRoomId", "data.");
        OccupantReport r;
        auto id = opt_string(*data, "participantId", "data.participantId");
        if (!id || id->empty()) id = opt_string(*data, "participantJid", "data.participantJid");
        if (!id || id->empty()) invalid("data.participantId", "is required (or data.participantJid)");
        r.connection = *id;
        r.user_id = opt_string(*data, "id", "data.id").value_or("");
        if (e.kind == VideoEventKind::occupant_joined) r.joined_at = e.at;
        else r.left_at = e.at;
        e.occupants.push_back(std::move(r));
    } else if (type == "ROOM_CREATED" || type == "ROOM_DESTROYED") {
        e.kind = type == "ROOM_CREATED" ? VideoEventKind::room_created : VideoEventKind::room_destroyed;
        e.scope = breakout_scope(*data, "isBreakout", "breakoutRoomId", "data.");
    } else if (type == "RECORDING_UPLOADED") {
        e.kind = VideoEventKind::recording_uploaded;
        auto link = opt_string(*data, "preAuthenticatedLink", "data.preAuthenticatedLink", max_url_bytes);
        if (!link || link->empty()) invalid("data.preAuthenticatedLink", "is required");
        e.recording_url = std::move(link);
    } else {
        e.kind = VideoEventKind::other;
    }
    return e;
}

std::string_view bearer_token(std::string_view h) noexcept {
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
        return s;
    };
    h = trim(h);
    constexpr std::string_view scheme = "bearer ";
    if (h.size() >= scheme.size()) {
        bool match = true;
        for (std::size_t i = 0; i < scheme.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(h[i])) != scheme[i]) match = false;
        if (match) return trim(h.substr(scheme.size()));
    }
    return h;
}

bool video_events_secret_matches(std::string_view presented, std::string_view secret) noexcept {
    if (secret.empty()) return false;
    // Compare MACs rather than the strings: the time then depends on
    // neither the secret's length nor the presented value's.
    auto a = hmac_sha256("livecourse video events", presented);
    auto b = hmac_sha256("livecourse video events", secret);
    return constant_time_equal(a, b);
}

void verify_jaas_signature(std::string_view header, std::string_view raw_body, std::string_view secret, Instant now,
                           Seconds tolerance) {
    auto refuse = [](std::string_view reason, const char* message) {
        return Error(ErrorCode::unauthenticated, message, std::string(reason));
    };
    if (secret.empty()) throw refuse(reason::invalid_signature, "JaaS webhooks are not configured (no webhook secret)");
    if (header.empty() || header.size() > 4096) throw refuse(reason::invalid_signature, "missing or oversized X-Jaas-Signature");
    std::optional<std::string_view> t;
    bool repeated_t = false;
    std::vector<std::string_view> v1;
    std::size_t pos = 0;
    while (pos <= header.size()) {
        auto comma = header.find(',', pos);
        auto part = header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        auto eq = part.find('=');
        if (eq != std::string_view::npos) {
            auto key = part.substr(0, eq), value = part.substr(eq + 1);
            if (key == "t") {
                if (t) repeated_t = true;
                t = value;
            } else if (key == "v1") {
                v1.push_back(value);
            }
            // Other schemes (v0, future ones) are ignored, as JaaS asks.
        }
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    if (!t || repeated_t || v1.empty()) throw refuse(reason::invalid_signature, "X-Jaas-Signature needs one t and a v1 signature");
    if (t->empty() || t->size() > 12) throw refuse(reason::invalid_signature, "X-Jaas-Signature: t is not a Unix time");
    std::int64_t when = 0;
    for (char c : *t) {
        if (c < '0' || c > '9') throw refuse(reason::invalid_signature, "X-Jaas-Signature: t is not a Unix time");
        when = when * 10 + (c - '0');
    }
    std::string signed_text;
    signed_text.reserve(t->size() + 1 + raw_body.size());
    signed_text.append(*t).append(".").append(raw_body);
    auto expected = base64_encode(hmac_sha256(secret, signed_text));
    bool ok = false;
    for (auto candidate : v1) ok |= constant_time_equal(expected, candidate);
    if (!ok) throw refuse(reason::invalid_signature, "the webhook signature does not match");
    auto skew = now.time_since_epoch().count() - when;
    if (skew > tolerance.count() || -skew > tolerance.count())
        throw refuse(reason::stale_signature, "the webhook signature's timestamp is outside the accepted tolerance");
}

std::string jaas_signature(std::string_view raw_body, std::string_view secret, Instant t) {
    auto ts = std::to_string(t.time_since_epoch().count());
    return "t=" + ts + ",v1=" + base64_encode(hmac_sha256(secret, ts + "." + std::string(raw_body)));
}

bool reports_attendance(VideoEventKind kind) noexcept {
    return kind == VideoEventKind::occupant_joined || kind == VideoEventKind::occupant_left ||
           kind == VideoEventKind::room_destroyed;
}

PresencePoints presence_points(const VideoEvent& e, Instant latest, const std::function<bool(const std::string&)>& known) {
    PresencePoints out;
    out.skipped = reason::no_attendance_data;
    if (!reports_attendance(e.kind)) return out;
    // Connections are named by their source, so that sources never collide.
    const char* prefix = e.source == VideoEventSource::jaas ? "jaas:" : "es:";
    for (const auto& o : e.occupants) {
        if (!known(o.user_id)) {
            out.skipped = reason::unknown_user;
            continue;
        }
        if ((o.joined_at && *o.joined_at > latest) || (o.left_at && *o.left_at > latest)) {
            out.skipped = reason::clock_skew;
            continue;
        }
        std::string connection = prefix + o.connection;
        if (o.joined_at) out.points.push_back({e.scope, connection, o.user_id, VideoPointKind::join, *o.joined_at});
        if (o.left_at) out.points.push_back({e.scope, connection, o.user_id, VideoPointKind::leave, *o.left_at});
    }
    if (e.kind == VideoEventKind::room_destroyed && e.at) {
        if (*e.at > latest) out.skipped = reason::clock_skew;
        else out.points.push_back({e.scope, {}, {}, VideoPointKind::room_end, *e.at});
    }
    return out;
}

}  // namespace livecourse::jitsi
