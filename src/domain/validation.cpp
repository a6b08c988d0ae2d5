#include "domain/validation.hpp"

#include <livecourse/error.hpp>

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

namespace livecourse::validate {

namespace {
[[noreturn]] void fail(std::string_view field, std::string message) {
    throw Error::invalid(std::string(field), fmt::format("{}: {}", field, message));
}
}  // namespace

bool is_utf8(std::string_view s) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        unsigned char c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        int n;
        std::uint32_t cp;
        if ((c & 0xE0) == 0xC0) n = 1, cp = c & 0x1F;
        else if ((c & 0xF0) == 0xE0) n = 2, cp = c & 0x0F;
        else if ((c & 0xF8) == 0xF0) n = 3, cp = c & 0x07;
        else return false;
        if (end - p <= n) return false;
        for (int i = 1; i <= n; ++i) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += n + 1;
    }
    return true;
}

void text(std::string_view field, std::string_view value, std::size_t max_bytes, bool required, bool multiline) {
    if (value.size() > max_bytes) fail(field, fmt::format("must be at most {} bytes", max_bytes));
    if (!is_utf8(value)) fail(field, "must be valid UTF-8");
    bool blank = true;
    for (unsigned char c : value) {
        bool allowed_control = multiline && (c == '\t' || c == '\n' || c == '\r');
        if ((c < 0x20 || c == 0x7F) && !allowed_control) fail(field, "must not contain control characters");
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') blank = false;
    }
    if (required && blank) fail(field, "must not be empty");
}

void id(std::string_view field, std::string_view value, std::size_t max_bytes) {
    if (value.empty()) fail(field, "must not be empty");
    text(field, value, max_bytes, true, false);
}

void url(std::string_view field, std::string_view value, std::size_t max_bytes) {
    if (value.size() > max_bytes) fail(field, fmt::format("must be at most {} bytes", max_bytes));
    std::size_t scheme_len = value.starts_with("https://") ? 8 : value.starts_with("http://") ? 7 : 0;
    if (scheme_len == 0) fail(field, "must be an absolute http or https URL");
    auto rest = value.substr(scheme_len);
    auto host = rest.substr(0, rest.find_first_of("/?#"));
    if (host.empty()) fail(field, "must name a host");
    for (unsigned char c : value)
        if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '\\')
            fail(field, "must not contain spaces, quotes or non-ASCII characters (percent-encode them)");
    for (unsigned char c : host)
        if (!(std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '@' || c == '_'))
            fail(field, "has an invalid host");
}

void timezone(std::string_view field, std::string_view value) {
    if (value.empty() || value.size() > 64) fail(field, "must be an IANA time zone name");
    try {
        (void)date::locate_zone(value);
    } catch (const std::exception&) {
        fail(field, fmt::format("unknown IANA time zone '{}'", value));
    }
}

void instant(std::string_view field, Instant value) {
    using namespace date;
    static const Instant lo = sys_days{year{2000} / 1 / 1};
    static const Instant hi = sys_days{year{9999} / 12 / 31};
    if (value < lo || value > hi) fail(field, "is out of range (years 2000 to 9999)");
}

void instant_range(std::string_view start_field, Instant start, std::string_view end_field, Instant end,
                   std::chrono::days max_span, std::string_view what) {
    instant(start_field, start);
    instant(end_field, end);
    if (end <= start) fail(end_field, fmt::format("must be after {}", start_field));
    if (end - start > max_span) fail(end_field, fmt::format("{} spans at most {} days", what, max_span.count()));
}

}  // namespace livecourse::validate
