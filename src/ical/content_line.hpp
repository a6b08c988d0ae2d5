// Private building blocks of the iCalendar writer: they append straight into
// the caller's buffer so that a whole feed is produced in one reserved string.
#pragma once

#include <livecourse/clock.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace livecourse::ical::detail {

// RFC 5545 section 3.1: lines SHOULD NOT be longer than 75 octets, excluding
// the line break; the leading space of a continuation line counts.
inline constexpr std::size_t max_line_octets = 75;

// Folds the content line occupying out[begin, end) in place (no line break is
// appended). Lines that already fit, the vast majority, cost one comparison.
void fold_tail(std::string& out, std::size_t begin);

// Appends a parameter value as a quoted-string, encoding the characters a
// quoted-string cannot hold with RFC 6868 caret escapes (^^, ^' and ^n, the
// last for CR, LF, CRLF and the Unicode line breaks U+0085, U+2028, U+2029);
// other control characters are dropped and ill-formed UTF-8 becomes U+FFFD.
void append_quoted_param(std::string& out, std::string_view value);

// Appends a URI value, percent-encoding every octet that may not appear
// literally in a URI (controls, space, non-ASCII, "<>\^`{|}): a URI value has
// no escaping of its own, so this is what keeps it on one line.
void append_uri(std::string& out, std::string_view uri);

// Appends "YYYYMMDDTHHMMSSZ". Returns false, appending nothing, when the year
// is outside 0000..9999 (not representable in RFC 5545).
bool append_utc_datetime(std::string& out, Instant t);

}  // namespace livecourse::ical::detail
