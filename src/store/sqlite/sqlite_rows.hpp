// How the SQLite store reads and binds its rows: the column lists of the
// statements that read sessions and notifications, in the order the readers
// take them, and the binders of a session's fields.
#pragma once

#include <livecourse/notifications.hpp>
#include <livecourse/roster.hpp>
#include <livecourse/session.hpp>

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include "store/rows.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#define SESSION_COLUMNS                                                                                         \
    "id, course_id, instructor_id, title, description, starts_at, ends_at, timezone, max_participants, "      \
    "recording_enabled, room_name, server_url, room_password, status, actual_start_at, actual_end_at, "       \
    "recording_url, cancel_reason, series_id, revision, created_at, updated_at"

// Columns of a notification row, in the order read_notification reads them.
#define NOTIFICATION_COLUMNS                                                                                    \
    "id, kind, user_id, course_id, session_id, title, starts_at, ends_at, timezone, cancel_reason, created_at, " \
    "due_at, attempts, idempotency_key, state, available_at, delivered_at, last_error"

namespace livecourse::sqlite {

using store_detail::at;
using store_detail::parse_id;
using store_detail::secs;

std::optional<std::string> opt_text(const SQLite::Column& c);
std::optional<Instant> opt_time(const SQLite::Column& c);

template <class T> void bind_opt(SQLite::Statement& q, int i, const std::optional<T>& v) {
    if (!v) q.bind(i);
    else if constexpr (std::is_same_v<T, Instant>) q.bind(i, static_cast<std::int64_t>(secs(*v)));
    else q.bind(i, *v);
}

// A row of SESSION_COLUMNS.
Session read_session(SQLite::Statement& q);
// Binds parameters 1..21 in the order of SESSION_COLUMNS from course_id on.
void bind_session_fields(SQLite::Statement& q, const Session& s);
// A row of NOTIFICATION_COLUMNS.
Notification read_notification(SQLite::Statement& q);
// A row of (user_id, role, admitted_at).
Participant read_participant(SQLite::Statement& q);

}  // namespace livecourse::sqlite
