#include "store/sqlite/sqlite_rows.hpp"

namespace livecourse::sqlite {

std::optional<std::string> opt_text(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return c.getString();
}
std::optional<Instant> opt_time(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return at(c.getInt64());
}

Session read_session(SQLite::Statement& q) {
    Session s;
    s.id = std::to_string(q.getColumn(0).getInt64());
    s.course_id = q.getColumn(1).getString();
    s.instructor_id = q.getColumn(2).getString();
    s.title = q.getColumn(3).getString();
    s.description = q.getColumn(4).getString();
    s.starts_at = at(q.getColumn(5).getInt64());
    s.ends_at = at(q.getColumn(6).getInt64());
    s.timezone = q.getColumn(7).getString();
    s.max_participants = q.getColumn(8).getInt();
    s.recording_enabled = q.getColumn(9).getInt() != 0;
    s.jitsi_room_name = q.getColumn(10).getString();
    s.jitsi_server_url = q.getColumn(11).getString();
    s.room_password = opt_text(q.getColumn(12));
    s.status = parse_session_status(q.getColumn(13).getString()).value_or(SessionStatus::scheduled);
    s.actual_start_at = opt_time(q.getColumn(14));
    s.actual_end_at = opt_time(q.getColumn(15));
    s.recording_url = opt_text(q.getColumn(16));
    s.cancel_reason = opt_text(q.getColumn(17));
    if (!q.getColumn(18).isNull()) s.series_id = std::to_string(q.getColumn(18).getInt64());
    s.revision = q.getColumn(19).getInt64();
    s.created_at = at(q.getColumn(20).getInt64());
    s.updated_at = at(q.getColumn(21).getInt64());
    return s;
}

void bind_session_fields(SQLite::Statement& q, const Session& s) {
    // Parameters 1..21 follow SESSION_COLUMNS from course_id onwards.
    q.bind(1, s.course_id);
    q.bind(2, s.instructor_id);
    q.bind(3, s.title);
    q.bind(4, s.description);
    q.bind(5, static_cast<std::int64_t>(secs(s.starts_at)));
    q.bind(6, static_cast<std::int64_t>(secs(s.ends_at)));
    q.bind(7, s.timezone);
    q.bind(8, s.max_participants);
    q.bind(9, s.recording_enabled ? 1 : 0);
    q.bind(10, s.jitsi_room_name);
    q.bind(11, s.jitsi_server_url);
    bind_opt(q, 12, s.room_password);
    q.bind(13, std::string(to_string(s.status)));
    bind_opt(q, 14, s.actual_start_at);
    bind_opt(q, 15, s.actual_end_at);
    bind_opt(q, 16, s.recording_url);
    bind_opt(q, 17, s.cancel_reason);
    if (s.series_id) q.bind(18, static_cast<std::int64_t>(parse_id(*s.series_id).value_or(0)));
    else q.bind(18);
    q.bind(19, static_cast<std::int64_t>(s.revision));
    q.bind(20, static_cast<std::int64_t>(secs(s.created_at)));
    q.bind(21, static_cast<std::int64_t>(secs(s.updated_at)));
}

Notification read_notification(SQLite::Statement& q) {
    Notification n;
    n.id = std::to_string(q.getColumn(0).getInt64());
    n.kind = parse_notification_kind(q.getColumn(1).getString()).value_or(NotificationKind::reminder_1h);
    n.user_id = q.getColumn(2).getString();
    n.course_id = q.getColumn(3).getString();
    n.session_id = std::to_string(q.getColumn(4).getInt64());
    n.title = q.getColumn(5).getString();
    n.starts_at = at(q.getColumn(6).getInt64());
    n.ends_at = at(q.getColumn(7).getInt64());
    n.timezone = q.getColumn(8).getString();
    n.cancel_reason = opt_text(q.getColumn(9));
    n.created_at = at(q.getColumn(10).getInt64());
    n.due_at = at(q.getColumn(11).getInt64());
    n.attempts = q.getColumn(12).getInt();
    n.idempotency_key = q.getColumn(13).getString();
    n.state = parse_notification_state(q.getColumn(14).getString()).value_or(NotificationState::pending);
    n.next_attempt_at = at(q.getColumn(15).getInt64());
    n.delivered_at = opt_time(q.getColumn(16));
    n.last_error = opt_text(q.getColumn(17));
    return n;
}

Participant read_participant(SQLite::Statement& q) {
    return {q.getColumn(0).getString(), parse_role(q.getColumn(1).getString()).value_or(Role::student),
            at(q.getColumn(2).getInt64())};
}

}  // namespace livecourse::sqlite
