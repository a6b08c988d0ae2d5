// Session: one scheduled live class, its lifecycle status and the inputs that
// create or edit it.
//
// A `Session` is a plain value read from the store; the engine is the only
// place that changes one, always through the status machine
// (`status_machine.hpp`) and with the `revision` bumped on every change so
// that calendars (iCal SEQUENCE) and optimistic writers see each change.
//
// Thread-safety: values; freely copyable.
#pragma once

#include <livecourse/clock.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace livecourse {

enum class SessionStatus { scheduled, live, ended, cancelled };

std::string_view to_string(SessionStatus s) noexcept;
std::optional<SessionStatus> parse_session_status(std::string_view s) noexcept;

struct Session {
    std::string id;
    std::string course_id;
    std::string instructor_id;
    std::string title;
    std::string description;
    Instant starts_at{};
    Instant ends_at{};
    std::string timezone = "UTC";
    int max_participants = 0;
    bool recording_enabled = false;
    std::string jitsi_room_name;
    std::string jitsi_server_url;
    // Never part of listings, JSON session bodies or calendars: only the join
    // result of an admitted participant carries it.
    std::optional<std::string> room_password;
    SessionStatus status = SessionStatus::scheduled;
    std::optional<Instant> actual_start_at;
    std::optional<Instant> actual_end_at;
    std::optional<std::string> recording_url;
    std::optional<std::string> cancel_reason;
    std::optional<std::string> series_id;
    std::int64_t revision = 1;
    Instant created_at{};
    Instant updated_at{};
};

// What an instructor fills in to create a session.
struct SessionDraft {
    std::string title;
    std::string description;
    Instant starts_at{};
    Instant ends_at{};
    std::string timezone = "UTC";
    int max_participants = 50;
    bool recording_enabled = false;
    bool room_password = false;  // generate a room password for this session
};

// An edit of a scheduled session: only the fields present change.
struct SessionPatch {
    std::optional<std::string> title;
    std::optional<std::string> description;
    std::optional<Instant> starts_at;
    std::optional<Instant> ends_at;
    std::optional<std::string> timezone;
    std::optional<int> max_participants;
    std::optional<bool> recording_enabled;
    // When set, the edit applies only if the session is still at this revision.
    std::optional<std::int64_t> expected_revision;
};

// Listing filters, in the seed's words: upcoming (scheduled), live, past
// (ended or cancelled), or all.
enum class SessionFilter { all, upcoming, live, past };
std::optional<SessionFilter> parse_session_filter(std::string_view s) noexcept;

}  // namespace livecourse
