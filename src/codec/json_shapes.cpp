// The vocabulary's JSON shapes (DESIGN.md, "JSON vocabulary"). Field names are
// API: add freely, never rename or remove. Absent values are null, instants
// RFC 3339 with "Z", and the room password never appears in a session.
#include <livecourse/json_api.hpp>

#include "codec/result_text.hpp"
#include "domain/validation.hpp"
#include "jitsi/json_text.hpp"

#include <cmath>
#include <limits>

namespace livecourse {

namespace json = boost::json;

namespace {
json::value instant(Instant t) { return json::string(format_rfc3339(t)); }
json::value instant(const std::optional<Instant>& t) {
    return t ? instant(*t) : json::value(nullptr);
}
json::value text(const std::optional<std::string>& s) { return s ? json::value(json::string(*s)) : json::value(nullptr); }
json::value text(std::string_view s) { return json::string(s); }
json::value text(const std::string& s) { return json::string(s); }

// Error messages may quote input given to the C++ API directly; JSON text
// must stay valid UTF-8 whatever they hold, so each ill-formed sequence
// becomes U+FFFD.
std::string valid_utf8(std::string_view s) {
    if (validate::is_utf8(s)) return std::string(s);
    std::string out;
    out.reserve(s.size() + 8);
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (n != 0 && i + n <= s.size() && validate::is_utf8(s.substr(i, n))) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

// JSON has one number type; an integral value is written as an integer
// ("1800", not "1.8E3") so that every reader shows it plainly.
json::value number(double d) {
    if (!std::isfinite(d)) return nullptr;
    double whole;
    if (std::modf(d, &whole) == 0.0 && std::fabs(whole) < 9.0e15) return static_cast<std::int64_t>(whole);
    return d;
}
}  // namespace

json::object to_json(const Session& s) {
    json::object o;
    o["id"] = text(s.id);
    o["course_id"] = text(s.course_id);
    o["instructor_id"] = text(s.instructor_id);
    o["title"] = text(s.title);
    o["description"] = text(s.description);
    o["starts_at"] = instant(s.starts_at);
    o["ends_at"] = instant(s.ends_at);
    o["timezone"] = text(s.timezone);
    o["max_participants"] = s.max_participants;
    o["recording_enabled"] = s.recording_enabled;
    // Empty when the engine withheld it from this reader (access.hpp).
    o["jitsi_room_name"] = s.jitsi_room_name.empty() ? json::value(nullptr) : text(s.jitsi_room_name);
    o["jitsi_server_url"] = text(s.jitsi_server_url);
    o["status"] = text(to_string(s.status));
    o["actual_start_at"] = instant(s.actual_start_at);
    o["actual_end_at"] = instant(s.actual_end_at);
    o["recording_url"] = text(s.recording_url);
    o["cancel_reason"] = text(s.cancel_reason);
    o["series_id"] = text(s.series_id);
    o["revision"] = s.revision;
    o["created_at"] = instant(s.created_at);
    o["updated_at"] = instant(s.updated_at);
    // Never the room password: only an admitted participant's join result has it.
    return o;
}

json::object to_json(const SessionStatistics& st) {
    json::object o;
    o["session_id"] = text(st.session_id);
    o["actual_duration_seconds"] = st.actual_duration_seconds;
    o["participants_count"] = st.participants_count;
    o["students_count"] = st.students_count;
    o["enrolled_count"] = st.enrolled_count ? json::value(*st.enrolled_count) : json::value(nullptr);
    o["attendance_rate"] = st.attendance_rate ? number(*st.attendance_rate) : json::value(nullptr);
    o["average_presence_seconds"] = number(st.average_presence_seconds);
    o["median_presence_seconds"] = number(st.median_presence_seconds);
    o["peak_concurrent"] = st.peak_concurrent;
    o["recording_url"] = text(st.recording_url);
    return o;
}

json::object to_json(const AttendanceRow& r) {
    json::object o;
    o["user_id"] = text(r.user_id);
    o["role"] = text(to_string(r.role));
    o["present_seconds"] = r.present_seconds;
    o["joins"] = r.joins;
    o["first_join_at"] = instant(r.first_join_at);
    o["last_leave_at"] = instant(r.last_leave_at);
    o["is_present"] = r.is_present;
    o["source"] = text(to_string(r.source));
    return o;
}

json::object to_json(const AttendancePolicy& p) {
    json::object o;
    o["minimum_share"] = number(p.minimum_share);
    o["late_after_seconds"] = p.late_after.count();
    o["early_leave_before_seconds"] = p.early_leave_before.count();
    o["count_before_instructor"] = p.count_before_instructor;
    return o;
}

json::object to_json(const LiveRoster& r) {
    json::object o;
    o["session_id"] = text(r.session_id);
    o["status"] = text(to_string(r.status));
    o["observed_at"] = instant(r.observed_at);
    json::array in;
    in.reserve(r.entries.size());
    for (const auto& e : r.entries)
        in.emplace_back(json::object{{"user_id", text(e.user_id)},
                                     {"role", text(to_string(e.role))},
                                     {"joined_at", instant(e.joined_at)},
                                     {"source", text(to_string(e.source))},
                                     {"connections", e.connections}});
    o["participants"] = std::move(in);
    return o;
}

json::object to_json(const AttendanceOverride& d) {
    json::object o;
    o["session_id"] = text(d.session_id);
    o["user_id"] = text(d.user_id);
    o["outcome"] = d.outcome ? json::value(text(to_string(*d.outcome))) : json::value(nullptr);
    o["reason"] = text(d.reason);
    o["decided_by"] = text(d.decided_by);
    o["decided_at"] = instant(d.decided_at);
    return o;
}

json::object to_json(const AttendanceOutcomes& a) {
    json::object o;
    o["session_id"] = text(a.session_id);
    o["state"] = a.is_final ? "final" : "provisional";
    o["policy"] = to_json(a.policy);
    o["window_starts_at"] = instant(a.window.start);
    o["window_ends_at"] = instant(a.window.end);
    json::array students;
    students.reserve(a.students.size());
    for (const auto& st : a.students) {
        const auto& v = st.verdict;
        json::object row;
        row["user_id"] = text(st.user_id);
        row["outcome"] = text(to_string(st.outcome()));
        row["computed_outcome"] = text(to_string(v.outcome));
        row["decision"] = st.decision ? json::value(to_json(*st.decision)) : json::value(nullptr);
        row["counted_seconds"] = v.counted_seconds;
        row["required_seconds"] = v.required_seconds;
        row["reference_seconds"] = v.reference_seconds;
        row["first_counted_at"] = instant(v.first_counted_at);
        row["last_counted_at"] = instant(v.last_counted_at);
        json::array reasons;
        for (auto r : v.reasons) reasons.emplace_back(text(to_string(r)));
        row["reasons"] = std::move(reasons);
        students.emplace_back(std::move(row));
    }
    o["outcomes"] = std::move(students);
    return o;
}

json::object to_json(const CourseAttendance& a) {
    json::object o;
    o["course_id"] = text(a.course_id);
    o["range_starts_at"] = instant(a.from);
    o["range_ends_at"] = instant(a.to);
    o["state"] = a.is_final ? "final" : "provisional";
    json::array sessions;
    sessions.reserve(a.sessions.size());
    for (const auto& c : a.sessions)
        sessions.emplace_back(json::object{{"session_id", text(c.session_id)},
                                           {"title", text(c.title)},
                                           {"starts_at", instant(c.starts_at)},
                                           {"status", text(to_string(c.status))},
                                           {"state", c.is_final ? "final" : "provisional"}});
    o["sessions"] = std::move(sessions);
    json::array students;
    students.reserve(a.students.size());
    for (const auto& st : a.students) {
        json::array cells;
        cells.reserve(st.cells.size());
        for (std::size_t i = 0; i < st.cells.size(); ++i)
            cells.emplace_back(json::object{{"session_id", text(a.sessions[i].session_id)},
                                            {"outcome", text(to_string(st.cells[i].outcome))},
                                            {"counted_seconds", st.cells[i].counted_seconds},
                                            {"overridden", st.cells[i].overridden}});
        json::object row;
        row["user_id"] = text(st.user_id);
        row["outcomes"] = std::move(cells);
        row["present"] = st.present;
        row["late"] = st.late;
        row["left_early"] = st.left_early;
        row["absent"] = st.absent;
        row["counted_seconds"] = st.counted_seconds;
        row["attendance_rate"] = st.attendance_rate ? number(*st.attendance_rate) : json::value(nullptr);
        students.emplace_back(std::move(row));
    }
    o["students"] = std::move(students);
    return o;
}

json::object to_json(const ChatMessage& m) {
    json::object o;
    o["id"] = text(m.id);
    o["session_id"] = text(m.session_id);
    o["user_id"] = text(m.user_id);
    o["type"] = text(to_string(m.type));
    o["body"] = text(m.body);
    o["reply_to"] = text(m.reply_to);
    o["created_at"] = instant(m.created_at);
    return o;
}

json::object to_json(const CalendarEvent& e) {
    json::object o;
    o["type"] = "live_session";
    o["id"] = text(e.session.id);
    o["course_id"] = text(e.session.course_id);
    o["title"] = text(e.session.title);
    o["starts_at"] = instant(e.session.starts_at);
    o["ends_at"] = instant(e.session.ends_at);
    o["status"] = text(to_string(e.session.status));
    o["join_url"] = text(e.join_url);
    return o;
}

json::object to_json(const JoinResult& j) {
    json::object o;
    o["session_id"] = text(j.session_id);
    o["jitsi_room_name"] = text(j.jitsi_room_name);
    o["jitsi_join_url"] = text(j.jitsi_join_url);
    o["jitsi_room_password"] = text(j.jitsi_room_password);
    o["rejoined"] = j.rejoined;
    return o;
}

json::object to_json(const TokenResult& t) {
    json::object o;
    o["jwt"] = text(t.jwt);
    o["jitsi_join_url"] = text(t.jitsi_join_url);
    o["expires_at"] = instant(t.expires_at);
    return o;
}

json::object to_json(const EndResult& end) {
    json::object o = to_json(end.session);
    o["statistics"] = to_json(end.statistics);
    return o;
}

json::object to_json(const SeriesRecord& series) {
    json::object o;
    o["id"] = text(series.id);
    o["course_id"] = text(series.course_id);
    o["instructor_id"] = text(series.instructor_id);
    o["rule"] = text(series.rule);
    o["created_at"] = instant(series.created_at);
    return o;
}

json::object to_json(const SeriesResult& result) {
    json::object o;
    o["series"] = to_json(result.series);
    o["sessions"] = to_json_array(result.sessions);
    return o;
}

json::object to_json(const ChatPage& page) {
    json::object o;
    o["messages"] = to_json_array(page.messages);
    o["next_cursor"] = text(page.next_cursor);
    return o;
}

json::object to_json(const PresenceAck& ack) {
    json::object o;
    o["status"] = ack.recorded ? "recorded" : "ignored";
    o["reason"] = ack.recorded ? json::value(nullptr) : text(ack.reason);
    return o;
}

json::object to_json(const CensusAck& census) {
    auto o = to_json(census.ack);
    o["session_id"] = census.session_id.empty() ? json::value(nullptr) : json::value(census.session_id);
    o["named"] = census.named;
    o["absent"] = census.absent;
    o["unidentified"] = census.unidentified;
    return o;
}

json::object to_json(const Notification& n) {
    json::object o;
    o["id"] = text(n.id);
    o["kind"] = text(to_string(n.kind));
    o["user_id"] = text(n.user_id);
    o["course_id"] = text(n.course_id);
    o["session_id"] = text(n.session_id);
    o["title"] = text(n.title);
    o["starts_at"] = instant(n.starts_at);
    o["ends_at"] = instant(n.ends_at);
    o["timezone"] = text(n.timezone);
    o["join_url"] = text(n.join_url);
    o["cancel_reason"] = text(n.cancel_reason);
    o["created_at"] = instant(n.created_at);
    o["due_at"] = instant(n.due_at);
    o["attempts"] = n.attempts;
    o["idempotency_key"] = text(n.idempotency_key);
    o["state"] = text(to_string(n.state));
    o["next_attempt_at"] = n.state == NotificationState::pending ? instant(n.next_attempt_at) : json::value(nullptr);
    o["delivered_at"] = instant(n.delivered_at);
    o["last_error"] = text(n.last_error);
    return o;
}

json::object to_json(const NotificationPage& page) {
    json::object o;
    o["notifications"] = to_json_array(page.notifications);
    o["next_cursor"] = text(page.next_cursor);
    return o;
}

json::object to_json(const InAppNotifications& list) {
    json::array items;
    items.reserve(list.notifications.size());
    for (const auto& n : list.notifications) {
        auto o = to_json(n);
        o["read"] = n.read;
        items.emplace_back(std::move(o));
    }
    json::object o;
    o["notifications"] = std::move(items);
    o["next_cursor"] = text(list.next_cursor);
    o["read_up_to"] = text(list.read_up_to);
    o["unread_count"] = list.unread_count;
    return o;
}

json::object to_json(const ReadMarker& marker) {
    json::object o;
    o["read_up_to"] = text(marker.read_up_to);
    o["unread_count"] = marker.unread_count;
    return o;
}

json::object error_to_json(const Error& e) {
    json::object inner;
    inner["code"] = text(e.most_specific_code());
    inner["category"] = text(to_string(e.code()));
    inner["message"] = text(valid_utf8(e.what()));
    inner["field"] = e.field().empty() ? json::value(nullptr) : text(valid_utf8(e.field()));
    json::object o;
    o["error"] = std::move(inner);
    return o;
}

}  // namespace livecourse

// ------------------------------------------------ hot results as direct text
namespace livecourse::codec {

namespace {
void key(std::string& out, std::string_view name) {
    // Names are plain ASCII literals: no escaping needed.
    out += '"';
    out += name;
    out += "\":";
}
void text_or_null(std::string& out, const std::optional<std::string>& s) {
    if (s)
        jitsi::detail::append_json_string(out, *s);
    else
        out += "null";
}
}  // namespace

std::string join_result_text(const JoinResult& j) {
    std::string out;
    out.reserve(96 + j.session_id.size() + j.jitsi_room_name.size() + j.jitsi_join_url.size() +
                (j.jitsi_room_password ? j.jitsi_room_password->size() : 0));
    out += '{';
    key(out, "session_id");
    jitsi::detail::append_json_string(out, j.session_id);
    out += ',';
    key(out, "jitsi_room_name");
    jitsi::detail::append_json_string(out, j.jitsi_room_name);
    out += ',';
    key(out, "jitsi_join_url");
    jitsi::detail::append_json_string(out, j.jitsi_join_url);
    out += ',';
    key(out, "jitsi_room_password");
    text_or_null(out, j.jitsi_room_password);
    out += ',';
    key(out, "rejoined");
    out += j.rejoined ? "true" : "false";
    out += '}';
    return out;
}

std::string token_result_text(const TokenResult& t) {
    std::string out;
    out.reserve(64 + (t.jwt ? t.jwt->size() : 0) + t.jitsi_join_url.size());
    out += '{';
    key(out, "jwt");
    text_or_null(out, t.jwt);
    out += ',';
    key(out, "jitsi_join_url");
    jitsi::detail::append_json_string(out, t.jitsi_join_url);
    out += ',';
    key(out, "expires_at");
    jitsi::detail::append_json_string(out, format_rfc3339(t.expires_at));
    out += '}';
    return out;
}

std::string leave_result_text(std::string_view session_id, bool left) {
    std::string out;
    out.reserve(32 + session_id.size());
    out += '{';
    key(out, "session_id");
    jitsi::detail::append_json_string(out, session_id);
    out += ',';
    key(out, "left");
    out += left ? "true" : "false";
    out += '}';
    return out;
}

std::string heartbeat_result_text(const PresenceAck& ack, std::string_view session_id) {
    std::string out;
    out.reserve(64 + ack.reason.size() + session_id.size());
    out += '{';
    key(out, "status");
    out += ack.recorded ? "\"recorded\"" : "\"ignored\"";
    out += ',';
    key(out, "reason");
    if (ack.recorded)
        out += "null";
    else
        jitsi::detail::append_json_string(out, ack.reason);
    out += ',';
    key(out, "session_id");
    jitsi::detail::append_json_string(out, session_id);
    out += '}';
    return out;
}

}  // namespace livecourse::codec
