// TEXT escaping, parameter quoting, URI encoding, folding and UTC date-times:
// everything that decides which octets of a feed sit on which line.
#include "ical/content_line.hpp"

#include <livecourse/error.hpp>
#include <livecourse/ical.hpp>

#include <date/date.h>

#include <array>
#include <cstdint>

namespace livecourse::ical {
namespace {

constexpr std::string_view replacement_char = "\xEF\xBF\xBD";  // U+FFFD

// Length of the UTF-8 sequence at the start of [p, p+n) when it is well formed
// (shortest form, no surrogates, at most U+10FFFF), else 0 and `bad` set to the
// length of its maximal ill-formed subpart, so that each such subpart becomes
// exactly one U+FFFD (Unicode's recommended practice, section 3.9).
// Precondition: n >= 1 and p[0] >= 0x80.
std::size_t utf8_sequence(const unsigned char* p, std::size_t n, std::size_t& bad) noexcept {
    const unsigned char lead = p[0];
    std::size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second octet
    if (lead < 0xC2) {                   // continuation octet or overlong 2-octet lead
        bad = 1;
        return 0;
    } else if (lead <= 0xDF) {
        need = 1;
    } else if (lead <= 0xEF) {
        need = 2;
        if (lead == 0xE0) lo = 0xA0;  // overlong
        if (lead == 0xED) hi = 0x9F;  // surrogates
    } else if (lead <= 0xF4) {
        need = 3;
        if (lead == 0xF0) lo = 0x90;  // overlong
        if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
        bad = 1;
        return 0;
    }
    std::size_t i = 1;
    for (; i <= need; ++i) {
        if (i >= n || p[i] < lo || p[i] > hi) {
            bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return i;
}

// What the TEXT escaper must do with an octet. Most octets are `plain` and are
// copied in bulk runs; the table keeps the per-octet test to one load.
enum class TextClass : std::uint8_t { plain, escape, newline, drop, tab, non_ascii };

constexpr std::array<TextClass, 256> make_text_classes() {
    std::array<TextClass, 256> t{};
    for (int c = 0; c < 256; ++c) {
        if (c >= 0x80)
            t[c] = TextClass::non_ascii;
        else if (c == '\\' || c == ';' || c == ',')
            t[c] = TextClass::escape;
        else if (c == '\r' || c == '\n')
            t[c] = TextClass::newline;
        else if (c == '\t')
            t[c] = TextClass::tab;
        else if (c < 0x20 || c == 0x7F)
            t[c] = TextClass::drop;
        else
            t[c] = TextClass::plain;
    }
    return t;
}
constexpr auto text_classes = make_text_classes();

// Length of the indivisible unit a fold may not cut, starting at p[i]: a UTF-8
// sequence as announced by its lead octet (as far as its continuation octets
// actually go), or a backslash with the ASCII octet it escapes. Escape pairs are
// kept together because some readers unescape each physical line on its own.
std::size_t fold_unit(const unsigned char* p, std::size_t i, std::size_t n) noexcept {
    const unsigned char c = p[i];
    if (c < 0x80) return (c == '\\' && i + 1 < n && p[i + 1] < 0x80) ? 2 : 1;
    std::size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    std::size_t len = 1;
    while (len < want && i + len < n && (p[i + len] & 0xC0) == 0x80) ++len;
    return len;
}

// Appends the folded form of [p, p+n) to `out`, without a final line break.
void fold_into(std::string& out, const unsigned char* p, std::size_t n) {
    std::size_t col = 0;      // octets on the current physical line
    std::size_t pending = 0;  // start of the octets not yet copied
    for (std::size_t i = 0; i < n;) {
        const std::size_t unit = fold_unit(p, i, n);
        if (col + unit > detail::max_line_octets && col > 1) {
            out.append(reinterpret_cast<const char*>(p) + pending, i - pending);
            out.append("\r\n ", 3);
            pending = i;
            col = 1;
        }
        col += unit;
        i += unit;
    }
    out.append(reinterpret_cast<const char*>(p) + pending, n - pending);
}

void append_two_digits(char* d, unsigned v) noexcept {
    d[0] = static_cast<char>('0' + v / 10);
    d[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

void append_text_escaped(std::string& out, std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t run = 0;  // start of the pending run copied verbatim
    auto flush = [&](std::size_t to) {
        if (to > run) out.append(text.data() + run, to - run);
    };
    std::size_t i = 0;
    while (i < n) {
        switch (text_classes[p[i]]) {
            case TextClass::plain:
            case TextClass::tab:  // HTAB is allowed in TEXT as is
                ++i;
                continue;
            case TextClass::non_ascii: {
                std::size_t bad = 0;
                if (const std::size_t len = utf8_sequence(p + i, n - i, bad)) {
                    i += len;  // well formed: stays part of the verbatim run
                    continue;
                }
                flush(i);
                out.append(replacement_char);
                i += bad;
                run = i;
                continue;
            }
            case TextClass::escape:
                flush(i);
                out.push_back('\\');
                out.push_back(static_cast<char>(p[i]));
                ++i;
                break;
            case TextClass::newline:
                flush(i);
                out.append("\\n", 2);
                // CRLF is one line break, not two.
                i += (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') ? 2 : 1;
                break;
            case TextClass::drop:
                flush(i);
                ++i;
                break;
        }
        run = i;
    }
    flush(n);
}

void append_folded_line(std::string& out, std::string_view line) {
    if (line.find_first_of("\r\n") != std::string_view::npos)
        throw Error::invalid("line", "a content line cannot contain CR or LF; escape the value first");
    if (line.size() <= detail::max_line_octets)
        out.append(line);
    else
        fold_into(out, reinterpret_cast<const unsigned char*>(line.data()), line.size());
    out.append("\r\n", 2);
}

std::string unfold(std::string_view ics) {
    std::string out;
    out.reserve(ics.size());
    std::size_t from = 0;
    for (std::size_t lf = ics.find('\n'); lf != std::string_view::npos; lf = ics.find('\n', lf + 1)) {
        if (lf + 1 >= ics.size() || (ics[lf + 1] != ' ' && ics[lf + 1] != '\t')) continue;
        const std::size_t cut = (lf > from && ics[lf - 1] == '\r') ? lf - 1 : lf;
        out.append(ics.data() + from, cut - from);
        from = lf + 2;  // past the LF and the one whitespace octet
        lf = lf + 1;
    }
    out.append(ics.data() + from, ics.size() - from);
    return out;
}

namespace detail {

void fold_tail(std::string& out, std::size_t begin) {
    if (out.size() - begin <= max_line_octets) return;
    // Folding inserts octets, so the line is copied aside once and folded back;
    // the scratch buffer is per thread and keeps its capacity, so a feed of any
    // size costs no allocation here after its first long line.
    thread_local std::string scratch;
    scratch.assign(out, begin, std::string::npos);
    out.resize(begin);
    fold_into(out, reinterpret_cast<const unsigned char*>(scratch.data()), scratch.size());
}

void append_quoted_param(std::string& out, std::string_view value) {
    const auto* p = reinterpret_cast<const unsigned char*>(value.data());
    const std::size_t n = value.size();
    out.push_back('"');
    for (std::size_t i = 0; i < n;) {
        const unsigned char c = p[i];
        if (c >= 0x80) {
            std::size_t bad = 0;
            if (const std::size_t len = utf8_sequence(p + i, n - i, bad)) {
                out.append(value.data() + i, len);
                i += len;
            } else {
                out.append(replacement_char);
                i += bad;
            }
            continue;
        }
        if (c == '^') {
            out.append("^^", 2);
        } else if (c == '"') {
            out.append("^'", 2);
        } else if (c == '\r' || c == '\n') {
            out.append("^n", 2);
            if (c == '\r' && i + 1 < n && p[i + 1] == '\n') ++i;
        } else if (c >= 0x20 && c != 0x7F) {
            out.push_back(static_cast<char>(c));
        } else if (c == '\t') {
            out.push_back('\t');
        }  // other controls: dropped, QSAFE-CHAR excludes them
        ++i;
    }
    out.push_back('"');
}

void append_uri(std::string& out, std::string_view uri) {
    static constexpr char hex[] = "0123456789ABCDEF";
    static constexpr std::string_view unsafe = "\"<>\\^`{|}";
    for (const char ch : uri) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7F || unsafe.find(ch) != std::string_view::npos) {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xF]);
        } else {
            out.push_back(ch);
        }
    }
}

bool append_utc_datetime(std::string& out, Instant t) {
    const auto day = std::chrono::floor<date::days>(t);
    const date::year_month_day ymd{day};
    const int year = static_cast<int>(ymd.year());
    if (year < 0 || year > 9999) return false;
    const auto secs = static_cast<unsigned>((t - day).count());  // 0..86399
    char buf[16];
    append_two_digits(buf, static_cast<unsigned>(year / 100));
    append_two_digits(buf + 2, static_cast<unsigned>(year % 100));
    append_two_digits(buf + 4, static_cast<unsigned>(ymd.month()));
    append_two_digits(buf + 6, static_cast<unsigned>(ymd.day()));
    buf[8] = 'T';
    append_two_digits(buf + 9, secs / 3600);
    append_two_digits(buf + 11, secs / 60 % 60);
    append_two_digits(buf + 13, secs % 60);
    buf[15] = 'Z';
    out.append(buf, sizeof buf);
    return true;
}

}  // namespace detail
}  // namespace livecourse::ical
