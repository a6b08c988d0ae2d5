// JsonApi: the one JSON codec of the library. It turns JSON requests into
// Engine calls and domain values into the JSON shapes of the shared
// vocabulary (DESIGN.md), so that a session has one shape everywhere: the C
// ABI, the Python and Node bindings and the reference server all go through
// it. Operation names and request/response shapes are those documented in
// capi/include/livecourse.h (the C function name without its "lc_" prefix:
// "session_create", "session_join", "calendar_feed", ...).
//
// Thread-safety: as the Engine it wraps (any number of threads at once).
#pragma once

#include <livecourse/engine.hpp>
#include <livecourse/error.hpp>

#include <boost/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace livecourse {

class JsonApi {
public:
    explicit JsonApi(Engine& engine) : engine_(engine) {}

    // Runs one operation. Throws Error: invalid_argument (naming the field)
    // for a missing or ill-typed request field, not_found for an unknown
    // operation name, and whatever the Engine throws.
    // `calendar_feed` and `calendar_feed_by_token` return a JSON string
    // holding the iCal text.
    boost::json::value call(std::string_view operation, const boost::json::object& request);

    // The same from and to JSON text: parses (invalid_argument on malformed
    // JSON or invalid UTF-8), calls, serialises. For the feed operations the
    // result is the raw iCal text, not JSON.
    std::string call_text(std::string_view operation, std::string_view request_json);

    // Every operation name, in a stable order (for route/ABI checks).
    static const std::vector<std::string>& operations();

    Engine& engine() noexcept { return engine_; }

private:
    Engine& engine_;
};

// Parses JSON text that must hold one object, strictly (no comments, no
// trailing commas, valid UTF-8). Throws Error(invalid_argument) naming
// `field` ("request", "config") on anything else.
boost::json::object parse_json_object(std::string_view text, std::string_view field = "request");

// Compact JSON text as every lc_ function returns it: no spaces, integers as
// integers, doubles in the shortest exact decimal form ("0.6666666666666666",
// never exponent-only forms like "6.666666666666666E-1"), always valid UTF-8.
// Hosts that serialise JsonApi::call results themselves should use it so
// that every surface prints the same text.
std::string to_json_text(const boost::json::value& value);

// Engine configuration from its JSON form (see lc_engine_open in livecourse.h).
// Throws Error(invalid_argument) naming the field ("database", "jitsi.mode").
EngineConfig engine_config_from_json(const boost::json::object& config);

// {"error": {"code", "category", "message", "field"}} for an Error.
boost::json::object error_to_json(const Error& error);

// The vocabulary's shapes, for hosts that build their own responses.
boost::json::object to_json(const Session& session);
boost::json::object to_json(const SessionStatistics& statistics);
boost::json::object to_json(const AttendanceRow& row);
// {"minimum_share", "late_after_seconds", "early_leave_before_seconds", "count_before_instructor"}.
boost::json::object to_json(const AttendancePolicy& policy);
// {"session_id", "state": "provisional"|"final", "policy", "window_starts_at", "window_ends_at",
//  "outcomes": [{"user_id", "outcome" (a decision's where there is one), "computed_outcome",
//  "decision" (null or a decision), "counted_seconds", "required_seconds",
//  "reference_seconds", "first_counted_at", "last_counted_at", "reasons": [...]}]}.
boost::json::object to_json(const AttendanceOutcomes& outcomes);
// {"session_id", "user_id", "outcome" (null: withdrawn), "reason", "decided_by", "decided_at"}.
boost::json::object to_json(const AttendanceOverride& decision);
// {"course_id", "range_starts_at", "range_ends_at", "state", "sessions": [{"session_id", "title", "starts_at", "status", "state"}],
//  "students": [{"user_id", "outcomes": [{"session_id", "outcome", "counted_seconds", "overridden"}], "present", "late",
//  "left_early", "absent", "counted_seconds", "attendance_rate"}]}.
boost::json::object to_json(const CourseAttendance& report);
// {"session_id", "status", "observed_at", "participants": [{"user_id", "role", "joined_at", "source", "connections"}]}.
boost::json::object to_json(const LiveRoster& roster);
boost::json::object to_json(const ChatMessage& message);
boost::json::object to_json(const CalendarEvent& event);
boost::json::object to_json(const JoinResult& join);
boost::json::object to_json(const TokenResult& token);
// A session plus "statistics": what lc_session_end returns.
boost::json::object to_json(const EndResult& end);
// {"id", "course_id", "instructor_id", "rule", "created_at"}.
boost::json::object to_json(const SeriesRecord& series);
// {"series": series, "sessions": [session...]}.
boost::json::object to_json(const SeriesResult& result);
// {"messages": [message...], "next_cursor"}.
boost::json::object to_json(const ChatPage& page);
// {"status": "recorded" | "ignored", "reason"} (reason null when recorded).
boost::json::object to_json(const PresenceAck& ack);
// The ack plus {"session_id", "named", "absent", "unidentified"}.
boost::json::object to_json(const CensusAck& census);

// A notification: {"id", "kind", "user_id", "course_id", "session_id",
// "title", "starts_at", "ends_at", "timezone", "join_url", "cancel_reason",
// "created_at", "due_at", "attempts", "idempotency_key", "state",
// "next_attempt_at", "delivered_at", "last_error"}: the webhook body too.
boost::json::object to_json(const Notification& notification);
// {"notifications": [notification...], "next_cursor"}.
boost::json::object to_json(const NotificationPage& page);
// {"notifications": [notification + "read"...], "next_cursor", "read_up_to", "unread_count"}.
boost::json::object to_json(const InAppNotifications& list);
// {"read_up_to", "unread_count"}.
boost::json::object to_json(const ReadMarker& marker);

template <class T> boost::json::array to_json_array(const std::vector<T>& values) {
    boost::json::array out;
    out.reserve(values.size());
    for (const auto& v : values) out.emplace_back(to_json(v));
    return out;
}

}  // namespace livecourse
