#include "store/postgres/postgres_rows.hpp"

namespace livecourse::pg {

std::optional<Instant> opt_time(const Result& r, int row, int col) {
    if (r.null(row, col)) return std::nullopt;
    return at(r.integer(row, col));
}

Session read_session(const Result& r, int i) {
    Session s;
    s.id = r.text(i, 0);
    s.course_id = r.text(i, 1);
    s.instructor_id = r.text(i, 2);
    s.title = r.text(i, 3);
    s.description = r.text(i, 4);
    s.starts_at = at(r.integer(i, 5));
    s.ends_at = at(r.integer(i, 6));
    s.timezone = r.text(i, 7);
    s.max_participants = static_cast<int>(r.integer(i, 8));
    s.recording_enabled = r.boolean(i, 9);
    s.jitsi_room_name = r.text(i, 10);
    s.jitsi_server_url = r.text(i, 11);
    s.room_password = r.opt_text(i, 12);
    s.status = parse_session_status(r.view(i, 13)).value_or(SessionStatus::scheduled);
    s.actual_start_at = opt_time(r, i, 14);
    s.actual_end_at = opt_time(r, i, 15);
    s.recording_url = r.opt_text(i, 16);
    s.cancel_reason = r.opt_text(i, 17);
    s.series_id = r.opt_text(i, 18);
    s.revision = r.integer(i, 19);
    s.created_at = at(r.integer(i, 20));
    s.updated_at = at(r.integer(i, 21));
    return s;
}

std::vector<Session> read_sessions(const Result& r) {
    std::vector<Session> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_session(r, i));
    return out;
}

Params& session_fields(Params& p, const Session& s) {
    auto opt_secs = [](const std::optional<Instant>& t) {
        return t ? std::optional<std::int64_t>(secs(*t)) : std::nullopt;
    };
    std::optional<std::int64_t> series;
    if (s.series_id) series = parse_id(*s.series_id).value_or(0);
    return p.text(s.course_id)
        .text(s.instructor_id)
        .text(s.title)
        .text(s.description)
        .integer(secs(s.starts_at))
        .integer(secs(s.ends_at))
        .text(s.timezone)
        .integer(s.max_participants)
        .boolean(s.recording_enabled)
        .text(s.jitsi_room_name)
        .text(s.jitsi_server_url)
        .optional(s.room_password)
        .text(to_string(s.status))
        .optional(opt_secs(s.actual_start_at))
        .optional(opt_secs(s.actual_end_at))
        .optional(s.recording_url)
        .optional(s.cancel_reason)
        .optional(series)
        .integer(s.revision)
        .integer(secs(s.created_at))
        .integer(secs(s.updated_at));
}

bool room_name_clash(const Failure& f) {
    return f.sqlstate() == "23505" && f.constraint() == "sessions_room_name_unique";
}

Notification read_notification(const Result& r, int i) {
    Notification n;
    n.id = r.text(i, 0);
    n.kind = parse_notification_kind(r.view(i, 1)).value_or(NotificationKind::reminder_1h);
    n.user_id = r.text(i, 2);
    n.course_id = r.text(i, 3);
    n.session_id = r.text(i, 4);
    n.title = r.text(i, 5);
    n.starts_at = at(r.integer(i, 6));
    n.ends_at = at(r.integer(i, 7));
    n.timezone = r.text(i, 8);
    n.cancel_reason = r.opt_text(i, 9);
    n.created_at = at(r.integer(i, 10));
    n.due_at = at(r.integer(i, 11));
    n.attempts = static_cast<int>(r.integer(i, 12));
    n.idempotency_key = r.text(i, 13);
    n.state = parse_notification_state(r.view(i, 14)).value_or(NotificationState::pending);
    n.next_attempt_at = at(r.integer(i, 15));
    n.delivered_at = opt_time(r, i, 16);
    n.last_error = r.opt_text(i, 17);
    return n;
}

std::vector<Notification> read_notifications(const Result& r) {
    std::vector<Notification> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_notification(r, i));
    return out;
}

Participant read_participant(const Result& r, int i) {
    return {r.text(i, 0), parse_role(r.view(i, 1)).value_or(Role::student), at(r.integer(i, 2))};
}

void append_element(std::string& out, std::string_view v) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char c : v) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
}

std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (const auto& v : values) append_element(out, v);
    out += '}';
    return out;
}

std::string bigint_array(const std::vector<std::int64_t>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(values[i]);
    }
    return out + "}";
}

}  // namespace livecourse::pg
