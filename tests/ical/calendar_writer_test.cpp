// Unit tests and the golden file of the iCalendar writer.
#include <livecourse/error.hpp>
#include <livecourse/ical.hpp>

#include <catch2/catch.hpp>
#include <date/date.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace livecourse;
using namespace std::chrono_literals;
using namespace std::string_view_literals;
namespace ical = livecourse::ical;

namespace {

Instant at(int y, unsigned m, unsigned d, int h, int min = 0) {
    return date::sys_days{date::year{y} / m / d} + std::chrono::hours{h} + std::chrono::minutes{min};
}

std::string escaped(std::string_view text) {
    std::string out;
    ical::append_text_escaped(out, text);
    return out;
}

std::string folded(std::string_view line) {
    std::string out;
    ical::append_folded_line(out, line);
    return out;
}

std::vector<std::string> physical_lines(const std::string& ics) {
    std::vector<std::string> lines;
    std::size_t from = 0;
    for (std::size_t at = ics.find("\r\n"); at != std::string::npos; at = ics.find("\r\n", from)) {
        lines.push_back(ics.substr(from, at - from));
        from = at + 2;
    }
    CHECK(from == ics.size());  // the feed ends with CRLF
    return lines;
}

// The unfolded content lines of a feed.
std::vector<std::string> content_lines(const std::string& ics) { return physical_lines(ical::unfold(ics)); }

bool has_line(const std::string& ics, std::string_view line) {
    for (const auto& l : content_lines(ics))
        if (l == line) return true;
    return false;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

ical::Event basic_event() {
    ical::Event e;
    e.uid = "session-1@lms.example";
    e.stamp = at(2026, 9, 1, 12);
    e.created = at(2026, 8, 20, 9, 15);
    e.last_modified = at(2026, 8, 25, 17, 40);
    e.start = at(2026, 9, 8, 8);
    e.end = at(2026, 9, 8, 9, 30);
    e.summary = "Algebra";
    return e;
}

std::string write_one(const ical::Event& e, const ical::CalendarInfo& info = {}) {
    return ical::write_calendar(info, std::span<const ical::Event>(&e, 1));
}

// Three sessions of a course: an ordinary one, one whose title and
// description carry every character TEXT must escape plus long accented text
// that has to fold, and a cancelled one with its reason.
std::vector<ical::Event> small_calendar() {
    std::vector<ical::Event> events(3, basic_event());

    events[0].uid = "session-0f3a9c@lms.example.edu";
    events[0].summary = "Algèbre linéaire — séance 1";
    events[0].description = "Espaces vectoriels, bases et dimension.\nApportez vos notes du cours précédent.";
    events[0].url = "https://lms.example.edu/courses/algebre-lineaire/live-sessions/0f3a9c/join";
    events[0].sequence = 0;
    events[0].organizer_name = "Élodie Martin";
    events[0].organizer_email = "elodie.martin@lms.example.edu";

    events[1].uid = "session-1b7d22@lms.example.edu";
    events[1].start = at(2026, 10, 27, 9);  // after the end of summer time in Paris
    events[1].end = at(2026, 10, 27, 10, 30);
    events[1].summary = "Q&A, part 2; bring C:\\notes\r\nATTENDEE:mailto:intruder@example.com";
    events[1].description =
        "Questions ouvertes: déterminants, valeurs propres et diagonalisation; "
        "révisions avant l'examen 🎓 (salle virtuelle ouverte 10 minutes avant).";
    events[1].location = "Jitsi Meet";
    events[1].url = "https://lms.example.edu/courses/algebre-lineaire/live-sessions/1b7d22/join";
    events[1].sequence = 2;
    events[1].organizer_name = "Martin, Élodie";
    events[1].organizer_email = "elodie.martin@lms.example.edu";

    events[2].uid = "session-2c9e41@lms.example.edu";
    events[2].start = at(2026, 11, 3, 9);
    events[2].end = at(2026, 11, 3, 10, 30);
    events[2].last_modified = at(2026, 10, 30, 8, 5);
    events[2].summary = "Algèbre linéaire — séance 3";
    events[2].description = "Espaces euclidiens.";
    events[2].status = ical::EventStatus::cancelled;
    events[2].cancel_reason = "Enseignante malade; reportée au vendredi";
    events[2].sequence = 3;
    events[2].organizer_name = "Élodie Martin";
    events[2].organizer_email = "mailto:elodie.martin@lms.example.edu";
    return events;
}

}  // namespace

TEST_CASE("a small calendar matches its golden file byte for byte", "[ical]") {
    ical::CalendarInfo info;
    info.name = "Algèbre linéaire (L2)";
    const auto events = small_calendar();
    const std::string ics = ical::write_calendar(info, events);

    const std::string golden_path = std::string(LIVECOURSE_TEST_DATA_DIR) + "/ical/small.ics";
    // LIVECOURSE_UPDATE_GOLDEN=1 rewrites the file after a deliberate change;
    // review the diff before keeping it.
    if (const char* update = std::getenv("LIVECOURSE_UPDATE_GOLDEN"); update && std::string(update) == "1") {
        std::ofstream(golden_path, std::ios::binary) << ics;
    }
    const std::string golden = read_file(golden_path);
    REQUIRE_FALSE(golden.empty());
    CHECK(ics == golden);
}

TEST_CASE("the calendar header carries the publishing properties", "[ical]") {
    ical::CalendarInfo info;
    info.refresh = 90min;
    const std::string ics = write_one(basic_event(), info);
    const auto lines = content_lines(ics);
    REQUIRE(lines.size() >= 9);
    CHECK(std::vector<std::string>(lines.begin(), lines.begin() + 8) ==
          std::vector<std::string>{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//livecourse//livecourse//EN",
                                   "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:Live sessions",
                                   "REFRESH-INTERVAL;VALUE=DURATION:PT1H30M", "X-PUBLISHED-TTL:PT1H30M"});
    CHECK(lines.back() == "END:VCALENDAR");

    info.refresh = 45min;
    CHECK(has_line(write_one(basic_event(), info), "X-PUBLISHED-TTL:PT45M"));
    info.refresh = 24h;
    CHECK(has_line(write_one(basic_event(), info), "REFRESH-INTERVAL;VALUE=DURATION:PT24H"));
    CHECK(has_line(write_one(basic_event()), "X-PUBLISHED-TTL:PT1H"));
}

TEST_CASE("an event is written with UTC times and its identity", "[ical]") {
    ical::Event e = basic_event();
    e.start = at(2026, 1, 2, 3, 4) + 5s;
    e.end = at(2026, 1, 2, 4);
    e.sequence = 7;
    const std::string ics = write_one(e);
    const auto lines = content_lines(ics);
    const std::vector<std::string> expected = {
        "BEGIN:VEVENT",          "UID:session-1@lms.example",     "DTSTAMP:20260901T120000Z",
        "DTSTART:20260102T030405Z", "DTEND:20260102T040000Z",     "SUMMARY:Algebra",
        "STATUS:CONFIRMED",      "SEQUENCE:7",                    "CREATED:20260820T091500Z",
        "LAST-MODIFIED:20260825T174000Z", "END:VEVENT"};
    CHECK(std::vector<std::string>(lines.begin() + 8, lines.end() - 1) == expected);

    e.status = ical::EventStatus::tentative;
    CHECK(has_line(write_one(e), "STATUS:TENTATIVE"));
    e.start = at(1970, 1, 1, 0);
    e.end = at(9999, 12, 31, 23, 59) + 59s;
    CHECK(has_line(write_one(e), "DTSTART:19700101T000000Z"));
    CHECK(has_line(write_one(e), "DTEND:99991231T235959Z"));
    e.start = Instant{} - date::days{1};
    CHECK(has_line(write_one(e), "DTSTART:19691231T000000Z"));
}

TEST_CASE("a cancelled event keeps its UID and carries the reason in its description", "[ical]") {
    ical::Event e = basic_event();
    e.status = ical::EventStatus::cancelled;
    e.cancel_reason = "Instructor ill, see you Friday";
    e.sequence = 4;

    SECTION("reason after the description, separated by a blank line") {
        e.description = "Chapter 3";
        const std::string ics = write_one(e);
        CHECK(has_line(ics, "STATUS:CANCELLED"));
        CHECK(has_line(ics, "SEQUENCE:4"));
        CHECK(has_line(ics, "UID:session-1@lms.example"));
        CHECK(has_line(ics, "DESCRIPTION:Chapter 3\\n\\nCancelled: Instructor ill\\, see you Friday"));
    }
    SECTION("reason alone, with a translated label") {
        ical::CalendarInfo info;
        info.cancelled_label = "Annulé";
        CHECK(has_line(write_one(e, info), "DESCRIPTION:Annulé: Instructor ill\\, see you Friday"));
    }
    SECTION("no reason: the description is unchanged") {
        e.cancel_reason.clear();
        e.description = "Chapter 3";
        CHECK(has_line(write_one(e), "DESCRIPTION:Chapter 3"));
    }
    SECTION("a reason is ignored unless the event is cancelled") {
        e.status = ical::EventStatus::confirmed;
        CHECK(ical::unfold(write_one(e)).find("DESCRIPTION") == std::string::npos);
    }
}

TEST_CASE("optional properties are omitted when empty", "[ical]") {
    const std::string ics = ical::unfold(write_one(basic_event()));
    for (const char* name : {"DESCRIPTION", "LOCATION", "URL", "ORGANIZER"})
        CHECK(ics.find(std::string("\r\n") + name) == std::string::npos);
    CHECK(ics.find("\r\nSUMMARY:Algebra\r\n") != std::string::npos);
}

TEST_CASE("ORGANIZER quotes its name and keeps the address on its line", "[ical]") {
    ical::Event e = basic_event();
    e.organizer_email = "prof@lms.example";
    CHECK(has_line(write_one(e), "ORGANIZER:mailto:prof@lms.example"));

    e.organizer_name = "Dupont, Jean; \"JJ\" ^ Jr.\r\nX:y\x01";
    CHECK(has_line(write_one(e), "ORGANIZER;CN=\"Dupont, Jean; ^'JJ^' ^^ Jr.^nX:y\":mailto:prof@lms.example"));

    e.organizer_name = "Ana\xC3";
    e.organizer_email = "MAILTO:ana@lms.example";  // an address given as a URI is not prefixed twice
    CHECK(has_line(write_one(e), "ORGANIZER;CN=\"Ana\xEF\xBF\xBD\":MAILTO:ana@lms.example"));

    e.organizer_email = "x@y.example\r\nATTENDEE:mailto:z@y.example";
    const std::string ics = write_one(e);
    CHECK(has_line(ics, "ORGANIZER;CN=\"Ana\xEF\xBF\xBD\":mailto:x@y.example%0D%0AATTENDEE:mailto:z@y.example"));
    for (const auto& l : content_lines(ics)) CHECK(l.rfind("ATTENDEE", 0) == std::string::npos);
}

TEST_CASE("URL is percent-encoded where a URI cannot hold the octet", "[ical]") {
    ical::Event e = basic_event();
    e.url = "https://lms.example/cours/algèbre/join?a=1&b=x y\r\nX-INJECTED:1\"<>\\^`{|}\t\x7f#frag%41";
    CHECK(has_line(write_one(e), "URL:https://lms.example/cours/alg%C3%A8bre/join?a=1&b=x%20y%0D%0AX-INJECTED:1"
                                 "%22%3C%3E%5C%5E%60%7B%7C%7D%09%7F#frag%41"));
}

TEST_CASE("events that cannot be represented are refused naming the field", "[ical]") {
    auto field_of = [](const ical::Event& e, ical::CalendarInfo info = {}) -> std::string {
        try {
            (void)write_one(e, info);
        } catch (const Error& err) {
            CHECK(err.code() == ErrorCode::invalid_argument);
            return err.field();
        }
        return "";
    };
    ical::Event e = basic_event();
    REQUIRE(field_of(e).empty());

    SECTION("uid") {
        e.uid.clear();
        CHECK(field_of(e) == "uid");
    }
    SECTION("end") {
        e.end = e.start;
        CHECK(field_of(e) == "end");
        e.end = e.start - 1s;
        CHECK(field_of(e) == "end");
    }
    SECTION("sequence") {
        e.sequence = -1;
        CHECK(field_of(e) == "sequence");
    }
    SECTION("instants outside 0000..9999") {
        e.end = at(10000, 1, 1, 0);
        CHECK(field_of(e) == "end");
        e = basic_event();
        e.stamp = at(-1, 12, 31, 0);
        CHECK(field_of(e) == "stamp");
        e = basic_event();
        e.created = at(10001, 1, 1, 0);
        CHECK(field_of(e) == "created");
        e = basic_event();
        e.last_modified = at(10001, 1, 1, 0);
        CHECK(field_of(e) == "last_modified");
    }
    SECTION("refresh") {
        ical::CalendarInfo info;
        info.refresh = 0min;
        CHECK(field_of(e, info) == "refresh");
    }
}

TEST_CASE("TEXT escaping", "[ical]") {
    CHECK(escaped("plain text: ok") == "plain text: ok");
    CHECK(escaped("a,b;c\\d") == "a\\,b\\;c\\\\d");
    CHECK(escaped("1\r\n2\n3\r4\n\r5") == "1\\n2\\n3\\n4\\n\\n5");
    CHECK(escaped("tab\there") == "tab\there");
    CHECK(escaped("nul\0bel\a esc\x1b del\x7f."sv) == "nulbel esc del.");
    CHECK(escaped("é € 𝄞 🎓") == "é € 𝄞 🎓");
    CHECK(escaped("") == "");
    CHECK(escaped("\\n") == "\\\\n");  // a literal backslash-n stays two characters

    SECTION("ill-formed UTF-8: one U+FFFD per maximal subpart") {
        const std::string fffd = "\xEF\xBF\xBD";
        CHECK(escaped("a\xC3") == "a" + fffd);                             // truncated at the end
        CHECK(escaped("\xE2\x82x") == fffd + "x");                         // truncated 3-octet sequence
        CHECK(escaped("\xF0\x9F\x8E,") == fffd + "\\,");                   // truncated 4-octet sequence
        CHECK(escaped("\xC0\xAF") == fffd + fffd);                         // overlong
        CHECK(escaped("\xE0\x80\x80") == fffd + fffd + fffd);              // overlong 3-octet
        CHECK(escaped("\xED\xA0\x80") == fffd + fffd + fffd);              // surrogate
        CHECK(escaped("\xF4\x90\x80\x80") == fffd + fffd + fffd + fffd);   // above U+10FFFF
        CHECK(escaped("\x80\xBF\xFE\xFF") == fffd + fffd + fffd + fffd);   // stray octets
        CHECK(escaped("\xF4\x8F\xBF\xBF") == "\xF4\x8F\xBF\xBF");          // U+10FFFF itself is fine
    }
    SECTION("appends to what is already there") {
        std::string out = "SUMMARY:";
        ical::append_text_escaped(out, "x,y");
        CHECK(out == "SUMMARY:x\\,y");
    }
}

TEST_CASE("folding at 75 octets", "[ical]") {
    const std::string a75(75, 'a');
    CHECK(folded(a75) == a75 + "\r\n");
    CHECK(folded(a75 + "b") == a75 + "\r\n b\r\n");
    // Continuation lines hold 74 octets after their leading space.
    const std::string a200(200, 'a');
    CHECK(folded(a200) == a75 + "\r\n " + std::string(74, 'a') + "\r\n " + std::string(51, 'a') + "\r\n");

    SECTION("never inside a UTF-8 sequence") {
        const std::string line = std::string(74, 'a') + "é";  // é would straddle octets 75-76
        CHECK(folded(line) == std::string(74, 'a') + "\r\n é\r\n");
        const std::string emoji = std::string(73, 'a') + "🎓x";  // 4 octets from octet 74
        CHECK(folded(emoji) == std::string(73, 'a') + "\r\n 🎓x\r\n");
        const std::string fits = std::string(71, 'a') + "🎓x";  // ends exactly at 75, then x
        CHECK(folded(fits) == std::string(71, 'a') + "🎓\r\n x\r\n");
    }
    SECTION("never inside a backslash escape") {
        const std::string line = std::string(74, 'a') + "\\,b";
        CHECK(folded(line) == std::string(74, 'a') + "\r\n \\,b\r\n");
        const std::string pairs = std::string(73, 'a') + "\\\\\\n";  // \\ fits, \n moves
        CHECK(folded(pairs) == std::string(73, 'a') + "\\\\\r\n \\n\r\n");
    }
    SECTION("a line break in the input is refused, not written") {
        std::string out;
        CHECK_THROWS_AS(ical::append_folded_line(out, "SUMMARY:a\r\nATTENDEE:x"), Error);
        CHECK_THROWS_AS(ical::append_folded_line(out, "SUMMARY:a\rb"), Error);
        for (const char* unicode_break : {"\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"}) {
            INFO("line break " << unicode_break);
            CHECK_THROWS_AS(ical::append_folded_line(out, std::string("SUMMARY:a") + unicode_break + "ATTENDEE:x"),
                            Error);
        }
        CHECK(out.empty());
    }
}

TEST_CASE("the Unicode line breaks U+0085, U+2028 and U+2029 are escaped as line breaks", "[ical]") {
    // Readers that split lines the Unicode way (Python's str.splitlines, for
    // one) would start a new content line at any of them written raw.
    CHECK(escaped("a\xC2\x85" "b") == "a\\nb");              // NEL
    CHECK(escaped("a\xE2\x80\xA8" "b") == "a\\nb");         // LINE SEPARATOR
    CHECK(escaped("a\xE2\x80\xA9" "b") == "a\\nb");         // PARAGRAPH SEPARATOR
    CHECK(escaped("\xE2\x80\xA8\xE2\x80\xA9\xC2\x85") == "\\n\\n\\n");  // each is one break
    CHECK(escaped("\xE2\x80\xA8,\xC2\x85;") == "\\n\\,\\n\\;");
    // Their neighbours stay as they are.
    CHECK(escaped("\xC2\x84\xC2\x86\xE2\x80\xA7\xE2\x80\xAA") == "\xC2\x84\xC2\x86\xE2\x80\xA7\xE2\x80\xAA");
    // Cut short, they are ill-formed like any other sequence.
    CHECK(escaped("a\xE2\x80") == "a\xEF\xBF\xBD");

    ical::Event e = basic_event();
    e.summary = "Q&A\xE2\x80\xA8" "ATTENDEE:mailto:x@example.com";
    e.description = "one\xE2\x80\xA9two\xC2\x85three";
    e.location = "room\xE2\x80\xA8X-INJECTED:1";
    e.organizer_email = "prof@lms.example";
    e.organizer_name = "Jean\xE2\x80\xA8X:y\xC2\x85z";
    ical::CalendarInfo info;
    info.name = "Live\xE2\x80\xA9X-WR-TIMEZONE:Europe/Paris";
    const std::string ics = write_one(e, info);
    for (const char* unicode_break : {"\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"})
        CHECK(ics.find(unicode_break) == std::string::npos);
    CHECK(has_line(ics, "SUMMARY:Q&A\\nATTENDEE:mailto:x@example.com"));
    CHECK(has_line(ics, "DESCRIPTION:one\\ntwo\\nthree"));
    CHECK(has_line(ics, "LOCATION:room\\nX-INJECTED:1"));
    CHECK(has_line(ics, "ORGANIZER;CN=\"Jean^nX:y^nz\":mailto:prof@lms.example"));
    CHECK(has_line(ics, "X-WR-CALNAME:Live\\nX-WR-TIMEZONE:Europe/Paris"));
}

TEST_CASE("unfold removes exactly the folds", "[ical]") {
    CHECK(ical::unfold("A:1\r\n 2\r\n\t3\r\nB:4\r\n") == "A:123\r\nB:4\r\n");
    CHECK(ical::unfold("A:1\n 2\nB:3\n") == "A:12\nB:3\n");
    CHECK(ical::unfold("A:1\r\n  2\r\n") == "A:1 2\r\n");  // only one whitespace octet belongs to the fold
    CHECK(ical::unfold("A:1\r\n \r\n 2\r\n") == "A:12\r\n");
    CHECK(ical::unfold("A:\r\nB:\r\n") == "A:\r\nB:\r\n");
    CHECK(ical::unfold("") == "");
    const std::string line = "DESCRIPTION:" + std::string(300, 'x') + "é🎓\\,";
    CHECK(ical::unfold(folded(line)) == line + "\r\n");
}
