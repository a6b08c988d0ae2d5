// Property tests of escaping and folding: random (seeded) text with multi-byte
// UTF-8, 4-octet emoji, line breaks, control characters and ill-formed
// sequences must always give valid, unfoldable, injection-free lines. The
// checks below use their own UTF-8 decoder and unescaper, not the writer's.
#include <livecourse/ical.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace ical = livecourse::ical;

namespace {

constexpr int cases = 3000;

std::string encode(char32_t cp) {
    std::string s;
    if (cp < 0x80) {
        s += static_cast<char>(cp);
    } else if (cp < 0x800) {
        s += static_cast<char>(0xC0 | (cp >> 6));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        s += static_cast<char>(0xE0 | (cp >> 12));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        s += static_cast<char>(0xF0 | (cp >> 18));
        s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return s;
}

// Strict decoder: the code points, or nullopt when `s` is not valid UTF-8.
std::optional<std::u32string> decode(std::string_view s) {
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        int len;
        char32_t cp, min;
        if (b0 < 0x80) { len = 1; cp = b0; min = 0; }
        else if ((b0 & 0xE0) == 0xC0) { len = 2; cp = b0 & 0x1F; min = 0x80; }
        else if ((b0 & 0xF0) == 0xE0) { len = 3; cp = b0 & 0x0F; min = 0x800; }
        else if ((b0 & 0xF8) == 0xF0) { len = 4; cp = b0 & 0x07; min = 0x10000; }
        else return std::nullopt;
        if (i + len > s.size()) return std::nullopt;
        for (int k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xC0) != 0x80) return std::nullopt;
            cp = (cp << 6) | (b & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
        out += cp;
        i += len;
    }
    return out;
}

// The Unicode line breaks NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR.
const std::vector<std::string> unicode_breaks = {"\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"};

bool has_unicode_break(std::string_view s) {
    for (const auto& b : unicode_breaks)
        if (s.find(b) != std::string_view::npos) return true;
    return false;
}

// What escaping promises to preserve: line breaks (the Unicode ones too)
// become LF, controls other than HTAB disappear.
std::string normalized(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        const auto at_break = [&](const std::string& b) { return s.substr(i, b.size()) == b; };
        if (const auto b = std::find_if(unicode_breaks.begin(), unicode_breaks.end(), at_break);
            b != unicode_breaks.end()) {
            out += '\n';
            i += b->size() - 1;
        } else if (c == '\r') {
            out += '\n';
            if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7F)) {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// RFC 5545 TEXT unescaping; fails the test on an escape RFC 5545 does not know.
std::string unescaped(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == ';' || s[i] == ',') FAIL("unescaped separator in TEXT");
        if (s[i] != '\\') {
            out += s[i];
            continue;
        }
        REQUIRE(i + 1 < s.size());
        const char e = s[++i];
        if (e == 'n' || e == 'N') out += '\n';
        else if (e == '\\' || e == ';' || e == ',') out += e;
        else FAIL("unknown escape \\" << e);
    }
    return out;
}

class TextGenerator {
public:
    explicit TextGenerator(std::uint64_t seed) : rng_(seed) {}

    std::string text(bool allow_ill_formed) {
        std::string s;
        const std::size_t pieces = pick(0, pick(0, 1) ? 40 : 160);
        for (std::size_t i = 0; i < pieces; ++i) s += piece(allow_ill_formed);
        return s;
    }

    std::size_t pick(std::size_t lo, std::size_t hi) { return std::uniform_int_distribution<std::size_t>(lo, hi)(rng_); }

private:
    std::string piece(bool allow_ill_formed) {
        switch (pick(0, allow_ill_formed ? 11 : 9)) {
            case 0:
            case 1:
            case 2: return std::string(1, static_cast<char>(pick(0x20, 0x7E)));
            case 3: return std::string(1, "\\;,:\"^ "[pick(0, 6)]);
            case 4:
                return std::vector<std::string>{"\r\n", "\n", "\r", "\t", "\xC2\x85", "\xE2\x80\xA8",
                                                "\xE2\x80\xA9"}[pick(0, 6)];
            case 5: return std::string(1, pick(0, 3) ? static_cast<char>(pick(0, 0x1F)) : '\x7F');
            case 6: return encode(static_cast<char32_t>(pick(0x80, 0x7FF)));
            case 7: {
                char32_t cp;
                do cp = static_cast<char32_t>(pick(0x800, 0xFFFF));
                while (cp >= 0xD800 && cp <= 0xDFFF);
                return encode(cp);
            }
            case 8: return encode(static_cast<char32_t>(pick(0x1F300, 0x1FAFF)));  // emoji
            case 9: return encode(static_cast<char32_t>(pick(0x10000, 0x10FFFF)));
            case 10: return std::string(1, static_cast<char>(pick(0x80, 0xFF)));  // stray octet
            default: {  // a well-formed sequence cut short
                const std::string full = encode(static_cast<char32_t>(pick(0x800, 0x10FFFF)));
                return full.substr(0, pick(1, full.size() - 1));
            }
        }
    }

    std::mt19937_64 rng_;
};

std::vector<std::string> physical_lines(std::string_view ics) {
    std::vector<std::string> lines;
    std::size_t from = 0;
    for (std::size_t at = ics.find("\r\n"); at != std::string_view::npos; at = ics.find("\r\n", from)) {
        lines.emplace_back(ics.substr(from, at - from));
        from = at + 2;
    }
    REQUIRE(from == ics.size());
    return lines;
}

// Octets of the fold unit a continuation line starts with (UTF-8 sequence or
// escape pair): the previous line had no room for it, or folding was lazy.
std::size_t first_unit(std::string_view s) {
    const auto c = static_cast<unsigned char>(s[0]);
    if (c == '\\') return 2;
    return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
}

void check_folded_line(const std::string& line, const std::string& folded) {
    REQUIRE(folded.size() >= 2);
    REQUIRE(folded.compare(folded.size() - 2, 2, "\r\n") == 0);
    const auto lines = physical_lines(folded);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& l = lines[i];
        CHECK(l.size() <= 75);
        CHECK(l.find_first_of("\r\n") == std::string::npos);  // every break is a CRLF
        CHECK_FALSE(has_unicode_break(l));
        std::string_view content = l;
        if (i > 0) {
            REQUIRE(!l.empty());
            CHECK(l[0] == ' ');
            content.remove_prefix(1);
            REQUIRE(!content.empty());
            CHECK(lines[i - 1].size() + first_unit(content) > 75);
        }
        // Each physical line decodes on its own: no sequence was split.
        CHECK(decode(content).has_value());
        // ... and holds whole escape pairs (a line starts on a pair boundary).
        bool dangling = false;
        for (const char c : content) dangling = !dangling && c == '\\';
        CHECK_FALSE(dangling);
    }
    CHECK(ical::unfold(folded) == line + "\r\n");
}

ical::Event event_with(const std::string& text) {
    ical::Event e;
    e.uid = "session-42@lms.example";
    e.start = livecourse::Instant{std::chrono::hours{500000}};
    e.end = e.start + std::chrono::hours{1};
    e.summary = text;
    e.description = text + text;
    e.location = text;
    e.url = text;
    e.status = ical::EventStatus::cancelled;
    e.cancel_reason = text;
    e.organizer_name = text;
    e.organizer_email = text;
    return e;
}

}  // namespace

TEST_CASE("escaped text is valid UTF-8 on one line and unescapes to the input", "[ical]") {
    TextGenerator gen(0x1ca1'5545);
    for (int n = 0; n < cases; ++n) {
        const bool ill_formed = n % 4 == 3;
        const std::string text = gen.text(ill_formed);
        std::string esc;
        ical::append_text_escaped(esc, text);
        INFO("case " << n << ", input octets " << text.size());
        REQUIRE(decode(esc).has_value());
        for (const char c : esc) {
            const auto u = static_cast<unsigned char>(c);
            CHECK((u == '\t' || (u >= 0x20 && u != 0x7F)));
        }
        CHECK_FALSE(has_unicode_break(esc));
        const std::string back = unescaped(esc);
        if (decode(text))
            CHECK(back == normalized(text));
        else
            CHECK(back.size() >= normalized(text).size() / 2);  // ill-formed parts replaced, rest kept
    }
}

TEST_CASE("folded lines: at most 75 octets, CRLF, no split sequence, unfold restores", "[ical]") {
    TextGenerator gen(20260908);
    for (int n = 0; n < cases; ++n) {
        std::string line = "SUMMARY:";
        ical::append_text_escaped(line, gen.text(n % 5 == 4));
        INFO("case " << n << ": " << line);
        std::string folded;
        ical::append_folded_line(folded, line);
        check_folded_line(line, folded);
    }
}

TEST_CASE("the feed writer folds exactly like append_folded_line", "[ical]") {
    TextGenerator gen(75);
    for (int n = 0; n < cases / 3; ++n) {
        const std::string text = gen.text(n % 3 == 2);
        ical::Event e = event_with("x");
        e.summary = text;
        const std::string ics = ical::write_calendar({}, std::span<const ical::Event>(&e, 1));
        std::string line = "SUMMARY:";
        ical::append_text_escaped(line, text);
        std::string folded;
        ical::append_folded_line(folded, line);
        INFO("case " << n << ": " << line);
        CHECK(ics.find("\r\n" + folded) != std::string::npos);
        for (const auto& l : physical_lines(ics)) CHECK(l.size() <= 75);
    }
}

TEST_CASE("no input can inject a property or a line", "[ical]") {
    TextGenerator gen(0xA77E'4DEE);
    const std::vector<std::string> known = {"BEGIN",   "END",    "VERSION",     "PRODID",  "CALSCALE",
                                            "METHOD",  "X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL",
                                            "UID",     "DTSTAMP", "DTSTART",    "DTEND",   "SUMMARY",
                                            "DESCRIPTION", "LOCATION", "URL",   "STATUS",  "SEQUENCE",
                                            "CREATED", "LAST-MODIFIED", "ORGANIZER"};
    for (int n = 0; n < cases / 3; ++n) {
        const std::vector<std::string> payloads = {"\r\nATTENDEE:mailto:x", "\nATTENDEE:mailto:x\r",
                                                   "\xC2\x85" "ATTENDEE:mailto:x", "\xE2\x80\xA8" "ATTENDEE:mailto:x",
                                                   "\xE2\x80\xA9" "ATTENDEE:mailto:x\xE2\x80\xA8"};
        const std::string& payload = payloads[std::size_t(n) % payloads.size()];
        const std::string text = gen.text(n % 3 == 2) + payload + gen.text(false);
        const ical::Event e = event_with(text);
        ical::CalendarInfo info;
        info.name = text;
        info.prodid = text;
        info.cancelled_label = text;
        const std::string ics = ical::write_calendar(info, std::span<const ical::Event>(&e, 1));
        INFO("case " << n);
        REQUIRE(decode(ics).has_value());
        for (const auto& l : physical_lines(ics)) {
            CHECK(l.rfind("ATTENDEE", 0) == std::string::npos);
            CHECK(l.size() <= 75);
            CHECK_FALSE(has_unicode_break(l));
        }
        const auto unfolded = physical_lines(ical::unfold(ics));
        for (const auto& l : unfolded) {
            CHECK(l.rfind("ATTENDEE", 0) == std::string::npos);
            const std::string name = l.substr(0, l.find_first_of(";:"));
            CHECK(std::find(known.begin(), known.end(), name) != known.end());
        }
        CHECK(unfolded.size() == 24);  // 8 header + 15 event lines + END:VCALENDAR
    }
}
