// What both wings do the same way with the rows they read and write: ids,
// times, pages of a list, the order of a claim, video-point kinds. No SQL
// here; each wing binds and reads these in its own dialect.
//
// Thread-safety: pure functions.
#pragma once

#include <livecourse/chat.hpp>
#include <livecourse/clock.hpp>
#include <livecourse/error.hpp>
#include <livecourse/notifications.hpp>
#include <livecourse/presence.hpp>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livecourse::store_detail {

// Ids are positive decimal integers inside (no leading zero, at most 18
// digits); an id of any other form names nothing and never reaches SQL.
inline std::optional<std::int64_t> parse_id(std::string_view id) {
    if (id.empty() || id.size() > 18 || id[0] == '0') return std::nullopt;
    std::int64_t v = 0;
    for (char c : id) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

// The ids of `ids` that are ids, in their order; the others name nothing.
inline std::vector<std::int64_t> parse_ids(const std::vector<std::string>& ids) {
    std::vector<std::int64_t> keys;
    for (const auto& id : ids)
        if (auto k = parse_id(id)) keys.push_back(*k);
    return keys;
}

// Times are whole seconds since the epoch in every column the stores bind.
inline Instant at(std::int64_t s) { return Instant(Seconds(s)); }
inline std::int64_t secs(Instant t) { return t.time_since_epoch().count(); }

// The value stored in video_points.kind.
inline const char* video_point_kind_name(VideoPointKind k) {
    switch (k) {
    case VideoPointKind::join: return "join";
    case VideoPointKind::leave: return "leave";
    case VideoPointKind::room_end: return "room_end";
    }
    return "join";
}
inline VideoPointKind parse_video_point_kind(std::string_view s) {
    return s == "leave" ? VideoPointKind::leave : s == "room_end" ? VideoPointKind::room_end : VideoPointKind::join;
}

// A list is read with `limit + 1` rows: one row past the limit means there is
// a next page. Drops that row and returns the cursor of the last row kept,
// `cursor_of(row)`, or nullopt on the last page.
template <class T, class CursorOf>
std::optional<std::string> cut_page(std::vector<T>& rows, int limit, CursorOf cursor_of) {
    if (static_cast<int>(rows.size()) <= limit) return std::nullopt;
    rows.pop_back();
    return cursor_of(rows.back());
}

// Claimed notifications are handed out oldest due first (ids break ties),
// whatever order the claiming statement returned them in.
inline void sort_claimed(std::vector<Notification>& claimed) {
    std::sort(claimed.begin(), claimed.end(), [](const Notification& a, const Notification& b) {
        return a.due_at != b.due_at ? a.due_at < b.due_at : parse_id(a.id) < parse_id(b.id);
    });
}

// Store::insert_session's and replace_session's refusal of a room name that
// another session has.
inline Error room_name_taken() {
    return Error::conflict("room_name_taken", "a session with this room name already exists");
}

// Store::insert_chat's refusal of a reply to no question of the session.
inline Error no_such_question() {
    return Error(ErrorCode::not_found, "reply_to names no question of this session", {}, "reply_to");
}

}  // namespace livecourse::store_detail
