// Writing JSON text directly into a string, for the token hot path and for
// URL-borne values, without building a DOM.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace livecourse::jitsi::detail {

enum class JsonContext {
    document,  // ordinary JSON text (token claims)
    // A value that Jitsi will read from a URL hash: after percent-decoding it
    // rewrites the first `\&` to `&` and curly quotes (U+2018/9, U+201C/D) to
    // ASCII quotes before JSON.parse. Escaping `&` and those quotes as \uXXXX
    // keeps the text free of what it rewrites, so the value survives intact.
    url_hash,
};

// Appends `s` as a quoted JSON string. Invalid UTF-8 bytes become U+FFFD so
// the output is always valid JSON that every parser reads the same way;
// U+2028, U+2029 and U+0085 are escaped (\u2028, \u2029, \u0085) because
// JavaScript once treated the first two as line ends and line-based readers
// (logs, Python's splitlines) break lines at all three.
void append_json_string(std::string& out, std::string_view s, JsonContext context = JsonContext::document);

inline void append_json_int(std::string& out, std::int64_t v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

// RFC 3986 percent-encoding of everything but the unreserved characters
// (ALPHA / DIGIT / "-" / "." / "_" / "~"): safe in any URL component, and
// exactly reversed by decodeURIComponent.
void append_percent_encoded(std::string& out, std::string_view s);

}  // namespace livecourse::jitsi::detail
