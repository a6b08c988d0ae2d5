// TEXT escaping, parameter quoting, URI encoding, folding and UTC date-times:
// everything that decides which octets of a feed sit on which line.
#include "ical/content_line.hpp"

#include <livecourse/error.hpp>
#include <livecourse/ical.hpp>

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

// U+0085 (NEL), U+2028 (LINE SEPARATOR) and U+2029 (PARAGRAPH SEPARATOR) are
// line breaks to Unicode, and to readers that split lines the Unicode way
// (Python's str.splitlines, for one): written raw, a title holding one would
// start a new content line there. The escapers treat them as they treat LF.
// Returns the length of the sequence at p (n octets left) if it is one of them.
std::size_t unicode_line_break(const unsigned char* p, std::size_t n) noexcept {
    if (n >= 2 && p[0] == 0xC2 && p[1] == 0x85) return 2;
    if (n >= 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) return 3;
    return 0;
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

// Octets a URI value may not hold literally (RFC 3986 excludes them; CR and LF
// would end the content line): controls, space, DEL, non-ASCII and " < > \ ^ ` { | }.
constexpr std::array<bool, 256> make_uri_unsafe() {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c) t[c] = c <= 0x20 || c >= 0x7F;
    for (const char c : std::string_view("\"<>\\^`{|}")) t[static_cast<unsigned char>(c)] = true;
    return t;
}
constexpr auto uri_unsafe = make_uri_unsafe();

// Where the physical line starting at p[pos] must end when at most `room`
// octets fit: as far as possible, but never inside a UTF-8 sequence nor between
// a backslash and the octet it escapes (some readers unescape each physical
// line on its own). Precondition: pos + room < n, and pos is such a boundary.
std::size_t fold_cut(const unsigned char* p, std::size_t pos, std::size_t room) noexcept {
    std::size_t cut = pos + room;  // first octet of the next line
    // Back off to the lead octet of a sequence (at most three continuation
    // octets: beyond that the input is ill-formed and any cut will do).
    for (int k = 0; k < 3 && cut > pos + 1 && (p[cut] & 0xC0) == 0x80; ++k) --cut;
    if (p[cut] < 0x80) {
        // Backslashes pair up from the start of their run, which begins after
        // `pos` or at it (pos is never inside a pair): an odd run ending just
        // before the cut means its last backslash escapes p[cut].
        std::size_t run = 0;
        while (cut - run > pos && p[cut - run - 1] == '\\') ++run;
        if (run % 2 == 1 && cut - 1 > pos) --cut;
    }
    return cut;
}

// Appends the folded form of [p, p+n) to `out`, without a final line break.
// Whole segments are copied at once: the cost is that of a memcpy.
void fold_into(std::string& out, const unsigned char* p, std::size_t n) {
    std::size_t pos = 0;
    std::size_t room = detail::max_line_octets;
    while (n - pos > room) {
        const std::size_t cut = fold_cut(p, pos, room);
        out.append(reinterpret_cast<const char*>(p) + pos, cut - pos);
        out.append("\r\n ", 3);
        pos = cut;
        room = detail::max_line_octets - 1;  // the leading space counts
    }
    out.append(reinterpret_cast<const char*>(p) + pos, n - pos);
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
        // Most text is plain ASCII: skip it in a tight loop, copy it in one go.
        while (i < n && text_classes[p[i]] == TextClass::plain) ++i;
        if (i == n) break;
        switch (text_classes[p[i]]) {
            case TextClass::plain:
            case TextClass::tab:  // HTAB is allowed in TEXT as is
                ++i;
                continue;
            case TextClass::non_ascii: {
                if (const std::size_t len = unicode_line_break(p + i, n - i)) {
                    flush(i);
                    out.append("\\n", 2);
                    i += len;
                    run = i;
                    continue;
                }
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
    const auto* p = reinterpret_cast<const unsigned char*>(line.data());
    for (std::size_t i = 0; i < line.size(); ++i)
        if (p[i] == '\r' || p[i] == '\n' || unicode_line_break(p + i, line.size() - i))
            throw Error::invalid("line",
                                 "a content line cannot contain a line break (CR, LF, U+0085, U+2028 or U+2029); "
                                 "escape the value first");
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
            if (const std::size_t len = unicode_line_break(p + i, n - i)) {
                out.append("^n", 2);
                i += len;
                continue;
            }
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
    std::size_t run = 0;  // start of the pending run copied verbatim
    for (std::size_t i = 0; i < uri.size(); ++i) {
        const auto c = static_cast<unsigned char>(uri[i]);
        if (!uri_unsafe[c]) continue;
        out.append(uri.data() + run, i - run);
        const char enc[3] = {'%', hex[c >> 4], hex[c & 0xF]};
        out.append(enc, 3);
        run = i + 1;
    }
    out.append(uri.data() + run, uri.size() - run);
}

bool append_utc_datetime(std::string& out, Instant t) {
    // 0000-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, checked before any
    // arithmetic so that no instant can overflow it.
    constexpr long long first = -62167219200LL, last = 253402300799LL;
    const long long s = t.time_since_epoch().count();
    if (s < first || s > last) return false;
    const long long days = (s >= 0 ? s : s - 86399) / 86400;  // floor division
    const auto secs = static_cast<unsigned>(s - days * 86400);
    // Howard Hinnant's civil_from_days (the algorithm behind date::year_month_day),
    // inlined: a feed formats five date-times per event.
    const long long z = days + 719468;  // days since 0000-03-01
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned day = doy - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    const auto year = static_cast<unsigned>(yoe + era * 400 + (month <= 2 ? 1 : 0));

    char buf[16];
    append_two_digits(buf, year / 100);
    append_two_digits(buf + 2, year % 100);
    append_two_digits(buf + 4, month);
    append_two_digits(buf + 6, day);
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
