// Cursors of the notification lists, shared by the stores. A user's in-app
// list is ordered by (due_at, id), newest first, so its cursor carries both:
// "<due_at seconds>.<id>"; the state lists are ordered by id alone.
#pragma once

#include <livecourse/clock.hpp>
#include <livecourse/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace livecourse::store_detail {

// Positive decimal integers without a leading zero, at most 18 digits.
inline std::optional<std::int64_t> parse_positive(std::string_view text) {
    if (text.empty() || text.size() > 18 || text[0] == '0') return std::nullopt;
    std::int64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

inline std::string due_cursor(Instant due, std::string_view id) {
    return std::to_string(due.time_since_epoch().count()) + "." + std::string(id);
}

// (due_at seconds, id); Error(invalid_argument, "cursor") if malformed.
inline std::pair<std::int64_t, std::int64_t> parse_due_cursor(std::string_view cursor) {
    auto dot = cursor.find('.');
    std::optional<std::int64_t> due, id;
    if (dot != std::string_view::npos) {
        due = parse_positive(cursor.substr(0, dot));
        id = parse_positive(cursor.substr(dot + 1));
    }
    if (!due || !id) throw Error::invalid("cursor", "cursor: not a cursor returned by this list");
    return {*due, *id};
}

inline std::int64_t parse_id_cursor(std::string_view cursor) {
    auto id = parse_positive(cursor);
    if (!id) throw Error::invalid("cursor", "cursor: not a cursor returned by this list");
    return *id;
}

}  // namespace livecourse::store_detail
