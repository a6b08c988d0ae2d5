// Video-server events: what self-hosted Jitsi's event_sync module and JaaS
// webhooks send, read into one shape, and how their senders are recognised.
//
// event_sync (jitsi-contrib/prosody-plugins) POSTs JSON to
// `<api_prefix>/events/room/created`, `/room/destroyed`, `/occupant/joined`
// and `/occupant/left` with a static `Authorization: Bearer <secret>`;
// occupant times are Unix seconds and `occupant.id` is the `context.user.id`
// of the token the library issued. JaaS POSTs `{idempotencyKey, customerId,
// appId, eventType, sessionId, timestamp (ms), fqn: "<AppID>/<room>", data}`
// signed `X-Jaas-Signature: t=<unix>,v1=<base64 HMAC-SHA256 of "<t>.<body>">`.
// Both send breakout-room events under the main room's name with a breakout
// room id. These are pure functions of their inputs and a key: nothing here
// touches storage. `presence_points` says what an event means for attendance
// (presence.hpp's points); the engine finds the session and stores them.
//
// Thread-safety: pure functions over values.
#pragma once

#include <livecourse/clock.hpp>
#include <livecourse/presence.hpp>

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livecourse::jitsi {

enum class VideoEventSource { event_sync, jaas };

enum class VideoEventKind {
    room_created,
    room_destroyed,
    occupant_joined,
    occupant_left,
    recording_uploaded,
    other,  // acknowledged, nothing to record
};

// One connection as the event reports it. Times are whole seconds.
struct OccupantReport {
    std::string connection;  // event_sync: occupant_jid; JaaS: participantId, else participantJid
    std::string user_id;     // our token's context.user.id; empty for guests and the focus
    std::optional<Instant> joined_at;
    std::optional<Instant> left_at;
};

struct VideoEvent {
    VideoEventSource source = VideoEventSource::event_sync;
    VideoEventKind kind = VideoEventKind::other;
    std::string event_type;  // as sent: "occupant/joined", "PARTICIPANT_LEFT", ...
    std::string room;        // the main room's name, lower-cased
    std::string app_id;      // JaaS: the AppID (appId, else the fqn's first part)
    std::string scope;       // "" for the main room, else the breakout room's id
    std::optional<std::string> delivery_key;  // JaaS idempotencyKey
    std::optional<Instant> at;                // when it happened (JaaS timestamp, destroyed_at, ...)
    std::vector<OccupantReport> occupants;    // joined/left: one; event_sync room/destroyed: all_occupants
    std::optional<std::string> recording_url; // RECORDING_UPLOADED: data.preAuthenticatedLink
};

// The four kinds of event_sync's routes: "room/created", "room/destroyed",
// "occupant/joined", "occupant/left" (nullopt for anything else).
std::optional<VideoEventKind> parse_event_sync_kind(std::string_view kind) noexcept;

// Reads an event_sync payload. Throws Error(invalid_argument) naming the
// field ("room_name", "occupant.joined_at", ...) on a missing or ill-typed
// field, or an unknown kind (field "kind").
VideoEvent parse_event_sync(std::string_view kind, const boost::json::object& payload);

// Reads a JaaS webhook body. Throws Error(invalid_argument) like
// parse_event_sync. Event types other than ROOM_CREATED, ROOM_DESTROYED,
// PARTICIPANT_JOINED, PARTICIPANT_LEFT and RECORDING_UPLOADED are read as
// `other` (their data is not looked at).
VideoEvent parse_jaas_webhook(const boost::json::object& body);

// Whether events of this kind say anything about attendance: occupants
// joining and leaving, a room ending.
bool reports_attendance(VideoEventKind kind) noexcept;

// What one event reports about attendance. `skipped` says why when `points`
// is empty: no_attendance_data, unknown_user (an occupant `known` refuses: a
// guest, the focus, a stranger) or clock_skew (a time after `latest`, the
// receiver's clock plus the accepted skew); an occupant skipped for either
// reason leaves the others' points standing.
struct PresencePoints {
    std::vector<VideoPresencePoint> points;
    std::string_view skipped;
};
PresencePoints presence_points(const VideoEvent& e, Instant latest, const std::function<bool(const std::string&)>& known);

// A room census (presence.hpp's PresenceAbsence), as a host sends it after
// asking the video server who is in a conference: `{room, at, match,
// occupants}`. `occupants` is the list of the main room and its breakout
// rooms together, e.g. the arrays that Jitsi's mod_muc_size answers on
// `GET /room` (`{jid, email, display_name}` each), concatenated. `match`
// says how an occupant names a user of ours: "email" (the default: the
// e-mail our token's context.user carried, which Jitsi shows in presence)
// or "user_id" (`user_id` or `id`: the token's context.user.id, for a
// sender that knows it). `at` is Unix seconds (default: when received).
enum class CensusMatch { email, user_id };
struct RoomCensus {
    std::string room;  // the main room's name, lower-cased
    std::optional<Instant> at;
    CensusMatch match = CensusMatch::email;
    struct Occupant {
        std::string user_id;  // empty unless given
        std::string email;    // lower-cased; empty unless given
    };
    std::vector<Occupant> occupants;
};

// Reads a census. Throws Error(invalid_argument) naming the field ("room",
// "occupants[3].email", ...) on a missing or ill-typed field.
RoomCensus parse_room_census(const boost::json::object& body);

// The token of an `Authorization: Bearer <token>` header value (scheme
// case-insensitive, surrounding spaces trimmed); the value itself when it
// has no scheme. Empty when absent.
std::string_view bearer_token(std::string_view authorization) noexcept;

// True when `presented` equals `secret`, in constant time; false when the
// secret is empty.
bool video_events_secret_matches(std::string_view presented, std::string_view secret) noexcept;

// Checks an X-Jaas-Signature header against the raw body: `t=<unix
// seconds>` once, one or more `v1=<base64>` (other schemes are ignored), at
// least one v1 equal (constant time) to base64(HMAC-SHA256(secret,
// "<t>.<body>")), and |now - t| <= tolerance. Throws
// Error(unauthenticated) with reason "invalid_signature" or
// "stale_signature"; messages never contain the secret or the signature.
void verify_jaas_signature(std::string_view header, std::string_view raw_body, std::string_view secret, Instant now,
                           Seconds tolerance);

// The header value a JaaS sender would compute, for tests and for hosts
// that relay webhooks: "t=<t>,v1=<base64 HMAC>".
std::string jaas_signature(std::string_view raw_body, std::string_view secret, Instant t);

}  // namespace livecourse::jitsi
