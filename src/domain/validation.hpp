// Input validation at the engine's edge: each check throws
// Error(invalid_argument) naming the field, so that nothing invalid reaches
// the store or leaves as JSON.
#pragma once

#include <livecourse/clock.hpp>

#include <cstddef>
#include <string_view>

namespace livecourse::validate {

bool is_utf8(std::string_view s) noexcept;

// Non-empty, at most max_bytes, valid UTF-8, no control characters.
void id(std::string_view field, std::string_view value, std::size_t max_bytes);
// Valid UTF-8 within max_bytes; no control characters except (when
// multiline) tab, CR and LF. `required` refuses empty or blank text.
void text(std::string_view field, std::string_view value, std::size_t max_bytes, bool required, bool multiline);
// An absolute http(s) URL with a host, no whitespace or control characters.
void url(std::string_view field, std::string_view value, std::size_t max_bytes);
// An IANA zone name known to the tz database.
void timezone(std::string_view field, std::string_view value);
// A plausible instant: years 2000..9999.
void instant(std::string_view field, Instant value);
// A range [start, end): both instants in range, `end` after `start`, and
// at most `max_span` long ("<end_field>: <what> spans at most N days").
void instant_range(std::string_view start_field, Instant start, std::string_view end_field, Instant end,
                   std::chrono::days max_span, std::string_view what);

}  // namespace livecourse::validate
