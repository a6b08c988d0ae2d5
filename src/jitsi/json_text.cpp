#include "jitsi/json_text.hpp"

namespace livecourse::jitsi::detail {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_u_escape(std::string& out, std::uint32_t cp) {
    out += "\\u";
    out += hex_digits[(cp >> 12) & 0xF];
    out += hex_digits[(cp >> 8) & 0xF];
    out += hex_digits[(cp >> 4) & 0xF];
    out += hex_digits[cp & 0xF];
}

// Length of the well-formed UTF-8 sequence starting at s[i] (Unicode table
// 3-7: no overlongs, no surrogates, nothing above U+10FFFF), 0 if ill-formed.
std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
    const unsigned char c = b(0);
    if (c >= 0xC2 && c <= 0xDF) {
        if (!cont(1)) return 0;
        cp = ((c & 0x1Fu) << 6) | (b(1) & 0x3Fu);
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
        if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
        cp = ((c & 0x0Fu) << 12) | ((b(1) & 0x3Fu) << 6) | (b(2) & 0x3Fu);
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
        if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
        cp = ((c & 0x07u) << 18) | ((b(1) & 0x3Fu) << 12) | ((b(2) & 0x3Fu) << 6) | (b(3) & 0x3Fu);
        return 4;
    }
    return 0;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s, JsonContext context) {
    const bool hash = context == JsonContext::url_hash;
    out += '"';
    std::size_t i = 0;
    while (i < s.size()) {
        // Runs of plain ASCII (the common case for names and ids) are copied
        // in one append.
        std::size_t run = i;
        while (run < s.size()) {
            const unsigned char b = static_cast<unsigned char>(s[run]);
            if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\' || (hash && b == '&')) break;
            ++run;
        }
        if (run > i) {
            out.append(s.data() + i, run - i);
            i = run;
            if (i == s.size()) break;
        }
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || (hash && c == '&')) append_u_escape(out, c);
                else out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        std::uint32_t cp = 0;
        const std::size_t n = utf8_sequence(s, i, cp);
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for each ill-formed byte
            ++i;
            continue;
        }
        const bool curly_quote = cp == 0x2018 || cp == 0x2019 || cp == 0x201C || cp == 0x201D;
        // Unicode line breaks: JavaScript source before ES2019 ended a line
        // at U+2028/U+2029, and line-based tools (logs, splitlines) break at
        // all three.
        const bool line_break = cp == 0x2028 || cp == 0x2029 || cp == 0x85;
        if (line_break || (hash && curly_quote)) append_u_escape(out, cp);
        else out.append(s.data() + i, n);
        i += n;
    }
    out += '"';
}

void append_percent_encoded(std::string& out, std::string_view s) {
    static constexpr char upper_hex[] = "0123456789ABCDEF";
    const auto unreserved = [](unsigned char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
               c == '_' || c == '~';
    };
    out.reserve(out.size() + s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        // Runs of unreserved characters (a whole JWT is one) go in at once.
        std::size_t run = i;
        while (run < s.size() && unreserved(static_cast<unsigned char>(s[run]))) ++run;
        out.append(s.data() + i, run - i);
        if (run == s.size()) break;
        const auto c = static_cast<unsigned char>(s[run]);
        const char escaped[3] = {'%', upper_hex[c >> 4], upper_hex[c & 0xF]};
        out.append(escaped, 3);
        i = run + 1;
    }
}

}  // namespace livecourse::jitsi::detail
