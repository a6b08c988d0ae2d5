// Cursors of the paged lists, shared by the stores. A user's in-app
// notification list is ordered by (due_at, id), newest first, so its cursor
// carries both: "<due_at seconds>.<id>"; the state lists and the chat are
// ordered by id alone.
#pragma once

#include <livecourse/clock.hpp>
#include <livecourse/error.hpp>
#include <livecourse/notifications.hpp>

#include "store/rows.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace livecourse::store_detail {

inline std::string due_cursor(Instant due, std::string_view id) {
    return std::to_string(due.time_since_epoch().count()) + "." + std::string(id);
}

// (due_at seconds, id); Error(invalid_argument, "cursor") if malformed.
inline std::pair<std::int64_t, std::int64_t> parse_due_cursor(std::string_view cursor) {
    auto dot = cursor.find('.');
    std::optional<std::int64_t> due, id;
    if (dot != std::string_view::npos) {
        due = parse_id(cursor.substr(0, dot));
        id = parse_id(cursor.substr(dot + 1));
    }
    if (!due || !id) throw Error::invalid("cursor", "cursor: not a cursor returned by this list");
    return {*due, *id};
}

inline std::int64_t parse_id_cursor(std::string_view cursor) {
    auto id = parse_id(cursor);
    if (!id) throw Error::invalid("cursor", "cursor: not a cursor returned by this list");
    return *id;
}

// The end of a user's in-app list (Store::user_notifications), read with
// `limit + 1` rows: each notification is read when it stands at or before the
// user's read marker `read_to` (due seconds, id), and the page is cut with a
// (due_at, id) cursor.
inline void finish_user_page(InAppNotifications& page, int limit, std::pair<std::int64_t, std::int64_t> read_to) {
    for (auto& n : page.notifications)
        n.read = std::pair<std::int64_t, std::int64_t>{secs(n.due_at), parse_id(n.id).value_or(0)} <= read_to;
    page.next_cursor =
        cut_page(page.notifications, limit, [](const Notification& n) { return due_cursor(n.due_at, n.id); });
}

}  // namespace livecourse::store_detail
