// How the PostgreSQL store reads and binds its rows: the column lists of the
// statements that read sessions and notifications (times as epoch seconds),
// in the order the readers take them, the binders of a session's fields, and
// array literals for the statements that take a whole list as one parameter.
#pragma once

#include "store/postgres/postgres_connection.hpp"

#include <livecourse/notifications.hpp>
#include <livecourse/roster.hpp>
#include <livecourse/session.hpp>

#include "store/rows.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// clang-format off
// The columns of a session row, in the order read_session reads them.
#define SESSION_COLUMNS                                                                                   \
    "id, course_id, instructor_id, title, description, extract(epoch FROM starts_at)::bigint, "           \
    "extract(epoch FROM ends_at)::bigint, timezone, max_participants, recording_enabled, room_name, "     \
    "server_url, room_password, status, extract(epoch FROM actual_start_at)::bigint, "                    \
    "extract(epoch FROM actual_end_at)::bigint, recording_url, cancel_reason, series_id, revision, "      \
    "extract(epoch FROM created_at)::bigint, extract(epoch FROM updated_at)::bigint"
// The columns of a notification row, in the order read_notification reads them.
#define NOTIFICATION_COLUMNS                                                                              \
    "id, kind, user_id, course_id, session_id, title, extract(epoch FROM starts_at)::bigint, "            \
    "extract(epoch FROM ends_at)::bigint, timezone, cancel_reason, extract(epoch FROM created_at)::bigint, " \
    "extract(epoch FROM due_at)::bigint, attempts, idempotency_key, state, "                              \
    "extract(epoch FROM available_at)::bigint, extract(epoch FROM delivered_at)::bigint, last_error"
// clang-format on

namespace livecourse::pg {

using store_detail::at;
using store_detail::parse_id;
using store_detail::secs;

std::optional<Instant> opt_time(const Result& r, int row, int col);

// Rows of SESSION_COLUMNS.
Session read_session(const Result& r, int i);
std::vector<Session> read_sessions(const Result& r);
// Appends parameters 1..21 in the order of SESSION_COLUMNS from course_id on.
Params& session_fields(Params& p, const Session& s);
// The insert or update broke the room name's uniqueness.
bool room_name_clash(const Failure& f);

// Rows of NOTIFICATION_COLUMNS.
Notification read_notification(const Result& r, int i);
std::vector<Notification> read_notifications(const Result& r);

// A row of (user_id, role, admitted_at seconds).
Participant read_participant(const Result& r, int i);

// Appends `v` to a PostgreSQL array literal as one quoted element.
void append_element(std::string& out, std::string_view v);
// A PostgreSQL array literal of text values: {"a","b\"c"}.
std::string text_array(const std::vector<std::string>& values);
// A PostgreSQL array literal of integers: {1,2,3}.
std::string bigint_array(const std::vector<std::int64_t>& values);

}  // namespace livecourse::pg
