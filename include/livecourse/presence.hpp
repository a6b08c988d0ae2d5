// Presence reported by the video server and by heartbeats.
//
// Attendance has one model (connection intervals, see attendance.hpp); this
// header holds what two more sources turn into those intervals:
//  - the video server's own reports (self-hosted Jitsi's event_sync module,
//    JaaS webhooks) are stored as points: "this connection joined at t",
//    "left at t", "the room ended at t". Points are a set: the same report
//    delivered twice adds nothing, and the order of arrival does not matter,
//    because intervals are paired from the whole set when attendance is read
//    (`pair_video_points`), never at write time;
//  - heartbeats from a participant's page (public meet.jit.si, where no
//    server events exist) open an interval and extend it; an interval that
//    hears nothing for `presence_timeout` counts only up to its last
//    heartbeat (`heartbeat_interval`).
// The engine's operations that feed them are in engine.hpp; their
// configuration is `PresenceConfig`.
//
// Thread-safety: values and pure functions.
#pragma once

#include <livecourse/attendance.hpp>
#include <livecourse/clock.hpp>
#include <livecourse/reason.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace livecourse {

struct PresenceConfig {
    // The static bearer secret Jitsi's event_sync module sends
    // (`Authorization: Bearer <secret>`); also lets a recording script set a
    // session's recording URL. Empty: event_sync events are refused. At
    // least 32 bytes when set.
    std::string video_events_secret;
    // The JaaS webhook endpoint's signing secret (X-Jaas-Signature). Empty:
    // JaaS webhooks are refused.
    std::string jaas_webhook_secret;
    // When set, JaaS events for another AppID are acknowledged and ignored.
    // Empty: the jitsi.app_id in jaas mode, else any AppID.
    std::string jaas_app_id;
    // A signature's `t` may differ from the library's clock by at most this.
    Seconds jaas_signature_tolerance{300};
    // A heartbeat interval that hears nothing for this long counts only up
    // to its last heartbeat.
    Seconds presence_timeout{90};
    // Event timestamps up to this far ahead of the library's clock are
    // accepted as clock skew between servers; further ahead, refused.
    Seconds clock_skew{60};
};

enum class VideoPointKind {
    join,      // a connection joined
    leave,     // a connection left
    room_end,  // the room (main room or one breakout room) was destroyed
};

// One fact the video server reported. `scope` is "" for the main room or the
// breakout room's id; `connection` identifies one connection of one user
// within its source (the occupant's JID, the JaaS participant id), prefixed
// by the source so that sources never collide. room_end points have an empty
// connection and user.
struct VideoPresencePoint {
    std::string scope;
    std::string connection;
    std::string user_id;
    VideoPointKind kind = VideoPointKind::join;
    Instant at{};
};

// Pairs the points of one session into video_server intervals, whatever
// order they were stored in: per connection, in time order, a join opens, a
// leave (or the end of its room) closes what is open; a repeated join while
// open and a leave with nothing open change nothing; a leave and a join at the
// same second are a reconnect when something was open, else a zero-length
// visit. A connection still open at the end has no `left_at`.
std::vector<PresenceInterval> pair_video_points(std::vector<VideoPresencePoint> points);

// A room census: the video server's list of who is in a conference (the
// main room and its breakout rooms) at one instant, for closing what its
// join and leave reports missed (a tab closed without a leave, a lost
// `occupant/left`). A user of the session the census could have named and
// did not is absent at that instant. Absences are a set, like points: the
// same census twice adds nothing, and they are applied when attendance is
// read (`apply_absences`), never at write time, so the order in which
// censuses and reports arrive does not matter.
struct PresenceAbsence {
    std::string user_id;
    Instant at{};
};

// Ends, at the absence's instant, every interval of that user open then:
// joined before it and not left by then (from any source: a client join, a
// heartbeat interval, a video-server connection). An interval opened at or
// after the instant is left alone: a census closes, it never opens.
void apply_absences(std::vector<PresenceInterval>& intervals, const std::vector<PresenceAbsence>& absences);

// One heartbeat interval as stored: opened by the first heartbeat, extended
// by each later one, closed by a leave (`left_at`) or never explicitly.
struct HeartbeatInterval {
    std::string user_id;
    Instant joined_at{};
    Instant last_seen_at{};
    std::optional<Instant> left_at;
};

// The interval a heartbeat interval counts for, judged at `now`: up to the
// leave when it came within `timeout` of the last heartbeat; up to the last
// heartbeat when the page went silent for longer; still open otherwise.
PresenceInterval heartbeat_interval(const HeartbeatInterval& h, Instant now, Seconds timeout);

// What a presence operation did with one report. Reports the library cannot
// use (an unknown room or user, a session that never went live, a repeat) are
// acknowledged as ignored, never refused, so that senders do not retry them.
struct PresenceAck {
    bool recorded = false;
    // Why it was ignored: one of reason::ignored_reports (reason.hpp).
    // Empty when recorded.
    std::string reason;
};

// What a room census did. `ack.recorded` when at least one absence was new;
// else the reason: nobody_absent, or duplicate (every absence was known).
struct CensusAck {
    PresenceAck ack;
    std::string session_id;  // empty when the room is unknown
    int named = 0;           // users of the session the census named
    int absent = 0;          // users it found absent
    int unidentified = 0;    // occupants naming no user of the session (guests, the focus, others)
};

// The reasons of reason.hpp's ignored_reports, under the names this header
// has always offered.
namespace presence_reason {
inline constexpr const char* unknown_room = reason::unknown_room.data();
inline constexpr const char* unknown_user = reason::unknown_user.data();
inline constexpr const char* never_live = reason::never_live.data();
inline constexpr const char* duplicate = reason::duplicate.data();
inline constexpr const char* app_id_mismatch = reason::app_id_mismatch.data();
inline constexpr const char* clock_skew = reason::clock_skew.data();
inline constexpr const char* no_attendance_data = reason::no_attendance_data.data();
inline constexpr const char* recording_url_already_set = reason::recording_url_already_set.data();
inline constexpr const char* not_live = reason::not_live.data();
inline constexpr const char* nobody_absent = reason::nobody_absent.data();
}  // namespace presence_reason

// Counts since the engine was opened (this process only), for monitoring.
struct PresenceCounters {
    std::uint64_t recorded = 0;
    std::uint64_t ignored = 0;
    std::uint64_t refused = 0;  // bad secret or signature
};

}  // namespace livecourse
