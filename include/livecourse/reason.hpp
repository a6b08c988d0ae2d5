// Reason codes: the stable strings that say why the library refused a request
// (`Error::reason()`, the JSON error's `code`) or acknowledged a presence
// report without recording it (`PresenceAck::reason`). Hosts branch on them
// and the documentation lists them, so they are API: never rename or reuse
// one. This header is their one registry; code names a reason by its
// constant here, never by a literal.
//
// Thread-safety: constants.
#pragma once

#include <string_view>

namespace livecourse::reason {

// --- refusals (Error::reason)
inline constexpr std::string_view not_enrolled = "not_enrolled";
inline constexpr std::string_view session_full = "session_full";
inline constexpr std::string_view not_live = "not_live";
inline constexpr std::string_view session_ended = "session_ended";
inline constexpr std::string_view session_cancelled = "session_cancelled";
inline constexpr std::string_view not_scheduled = "not_scheduled";
inline constexpr std::string_view forbidden = "forbidden";
inline constexpr std::string_view not_participant = "not_participant";
inline constexpr std::string_view invalid_transition = "invalid_transition";
inline constexpr std::string_view revision_mismatch = "revision_mismatch";
inline constexpr std::string_view unauthenticated = "unauthenticated";
inline constexpr std::string_view invalid_token = "invalid_token";
inline constexpr std::string_view token_expired = "token_expired";
inline constexpr std::string_view token_not_yet_valid = "token_not_yet_valid";
inline constexpr std::string_view not_answerable = "not_answerable";
inline constexpr std::string_view invalid_secret = "invalid_secret";        // video-events bearer secret
inline constexpr std::string_view invalid_signature = "invalid_signature";  // JaaS webhook signature
inline constexpr std::string_view stale_signature = "stale_signature";
inline constexpr std::string_view not_claimed = "not_claimed";  // a notification not held under that claim
inline constexpr std::string_view not_dead = "not_dead";        // retrying a notification that is not dead
inline constexpr std::string_view room_name_taken = "room_name_taken";

// --- presence reports acknowledged but not recorded (PresenceAck::reason);
// `not_live` (a heartbeat after the end) is shared with the refusals.
inline constexpr std::string_view unknown_room = "unknown_room";
inline constexpr std::string_view unknown_user = "unknown_user";
inline constexpr std::string_view never_live = "never_live";
inline constexpr std::string_view duplicate = "duplicate";
inline constexpr std::string_view app_id_mismatch = "app_id_mismatch";
inline constexpr std::string_view clock_skew = "clock_skew";
inline constexpr std::string_view no_attendance_data = "no_attendance_data";
inline constexpr std::string_view recording_url_already_set = "recording_url_already_set";
inline constexpr std::string_view nobody_absent = "nobody_absent";

// Every code above, each in the list it belongs to.
inline constexpr std::string_view refusals[] = {
    not_enrolled,   session_full,    not_live,        session_ended,     session_cancelled,
    not_scheduled,  forbidden,       not_participant, invalid_transition, revision_mismatch,
    unauthenticated, invalid_token,  token_expired,   token_not_yet_valid, not_answerable,
    invalid_secret, invalid_signature, stale_signature, not_claimed,     not_dead,
    room_name_taken,
};
inline constexpr std::string_view ignored_reports[] = {
    unknown_room, unknown_user, never_live, duplicate, app_id_mismatch,
    clock_skew,   no_attendance_data, recording_url_already_set, not_live,
    nobody_absent,
};

}  // namespace livecourse::reason
