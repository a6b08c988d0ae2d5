// Attendance: who was in the class, and for how long.
//
// Presence has one model: connection intervals per participant. A participant
// with two tabs has two overlapping intervals; a reconnect is a second
// interval. The ledger merges each participant's intervals (overlaps count
// once), clips them to the session's actual start and end, and derives the
// per-participant rows and the session statistics. It is a pure computation
// over what the store returns, so every source of presence (client join and
// leave, heartbeats, the video server's own events) feeds the same arithmetic.
//
// Thread-safety: pure functions over values.
#pragma once

#include <livecourse/clock.hpp>
#include <livecourse/roster.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livecourse {

enum class PresenceSource { client, heartbeat, video_server };
std::string_view to_string(PresenceSource s) noexcept;
std::optional<PresenceSource> parse_presence_source(std::string_view s) noexcept;

// One connection. `left_at` is empty while the connection is open.
struct PresenceInterval {
    std::string user_id;
    Instant joined_at{};
    std::optional<Instant> left_at;
    PresenceSource source = PresenceSource::client;
};

// A user admitted to a session (holding a seat if a student).
struct Participant {
    std::string user_id;
    Role role = Role::student;
    Instant admitted_at{};
};

struct AttendanceRow {
    std::string user_id;
    Role role = Role::student;
    std::int64_t present_seconds = 0;
    int joins = 0;
    std::optional<Instant> first_join_at;
    std::optional<Instant> last_leave_at;
    bool is_present = false;
    PresenceSource source = PresenceSource::client;
};

// One user in a live session's room now: what an instructor's page polls.
struct RosterEntry {
    std::string user_id;
    Role role = Role::student;
    Instant joined_at{};       // the start of the earliest connection still open
    PresenceSource source = PresenceSource::client;  // the source it is counted from
    int connections = 0;   // connections open now (tabs, devices)
};

struct SessionStatistics {
    std::string session_id;
    std::int64_t actual_duration_seconds = 0;
    int participants_count = 0;  // distinct users present, every role
    int students_count = 0;      // distinct students present
    std::optional<std::int64_t> enrolled_count;
    std::optional<double> attendance_rate;  // students_count / enrolled_count
    double average_presence_seconds = 0;
    double median_presence_seconds = 0;
    int peak_concurrent = 0;
    std::optional<std::string> recording_url;
};

struct AttendanceReport {
    std::vector<AttendanceRow> rows;  // sorted by user id
    SessionStatistics statistics;
};

// Computes the report. `window_start` is the session's actual start;
// `window_end` its actual end, or `now` while it is live (open intervals count
// up to `now` and make the participant present).
class AttendanceLedger {
public:
    static AttendanceReport compute(std::string_view session_id,
                                    const std::vector<Participant>& participants,
                                    const std::vector<PresenceInterval>& intervals,
                                    Instant window_start, Instant window_end, bool live,
                                    std::optional<std::int64_t> enrolled_count);

    // The intervals that count, of all reported: once the video server has
    // reported on a session, only its intervals; otherwise a participant
    // whose page sends heartbeats by those alone, everyone else by the
    // client's join and leave. Order kept.
    static std::vector<PresenceInterval> counted(const std::vector<PresenceInterval>& intervals);

    // Who is in the room: every participant with a counted interval still
    // open, by user id, from the same intervals as compute() (so exactly the
    // rows a live report marks is_present). Intervals of users who are not
    // participants are left out.
    static std::vector<RosterEntry> in_room(const std::vector<Participant>& participants,
                                            const std::vector<PresenceInterval>& intervals);
};

}  // namespace livecourse
