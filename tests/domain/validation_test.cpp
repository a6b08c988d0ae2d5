#include "domain/validation.hpp"

#include <livecourse/error.hpp>

#include <catch2/catch.hpp>
#include <date/date.h>

#include <functional>
#include <string>

using namespace livecourse;
using namespace std::string_literals;

namespace {
// "ok", or the message of the refusal (which names the field).
std::string verdict(const std::function<void()>& check) {
    try {
        check();
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
        CHECK(e.field() == "f");
        return e.what();
    }
    return "ok";
}
}  // namespace

TEST_CASE("UTF-8 is well-formed and shortest", "[domain][validation]") {
    struct Row {
        std::string bytes;
        bool utf8;
    };
    const Row rows[] = {
        {"", true},
        {"plain", true},
        {"\xc3\xa9", true},             // é
        {"\xe2\x82\xac", true},         // €
        {"\xf0\x9f\x8e\x93", true},     // 🎓
        {"\xf4\x8f\xbf\xbf", true},     // U+10FFFF
        {"\xc3", false},                // truncated
        {"\xc0\xaf", false},            // overlong '/'
        {"\xe0\x80\xaf", false},        // overlong '/'
        {"\xed\xa0\x80", false},        // a surrogate
        {"\xf4\x90\x80\x80", false},    // past U+10FFFF
        {"\x80", false},                // a lone continuation byte
        {"\xff", false},
        {"a\xc3\xa9\xc3", false},
    };
    for (const auto& r : rows) {
        INFO(r.bytes.size() << " bytes");
        CHECK(validate::is_utf8(r.bytes) == r.utf8);
    }
}

TEST_CASE("text and ids: length, UTF-8, control characters, blankness", "[domain][validation]") {
    struct Row {
        std::function<void()> check;
        const char* want;
    };
    const Row rows[] = {
        {[] { validate::text("f", "Algebra", 7, true, false); }, "ok"},
        {[] { validate::text("f", "Algebra!", 7, true, false); }, "f: must be at most 7 bytes"},
        {[] { validate::text("f", "a\xc3", 10, true, false); }, "f: must be valid UTF-8"},
        {[] { validate::text("f", "a\nb", 10, true, false); }, "f: must not contain control characters"},
        {[] { validate::text("f", "a\r\n\tb", 10, true, true); }, "ok"},
        {[] { validate::text("f", "a\x7f", 10, true, true); }, "f: must not contain control characters"},
        {[] { validate::text("f", "a\x01", 10, false, true); }, "f: must not contain control characters"},
        {[] { validate::text("f", " \t ", 10, true, true); }, "f: must not be empty"},
        {[] { validate::text("f", "", 10, false, false); }, "ok"},
        {[] { validate::id("f", "", 10); }, "f: must not be empty"},
        {[] { validate::id("f", "course-1", 8); }, "ok"},
        {[] { validate::id("f", "course-10", 8); }, "f: must be at most 8 bytes"},
        {[] { validate::id("f", "' OR 1=1", 10); }, "ok"},  // any text: ids are opaque
    };
    for (std::size_t i = 0; i < std::size(rows); ++i) {
        INFO("row " << i);
        CHECK(verdict(rows[i].check) == rows[i].want);
    }
}

TEST_CASE("URLs: absolute http(s), a plain host, nothing to escape", "[domain][validation]") {
    struct Row {
        std::string url;
        const char* want;
    };
    const Row rows[] = {
        {"https://media.example.edu/rec/1.mp4", "ok"},
        {"http://[::1]:8080/x?y=1#z", "ok"},
        {"https://user@host_name.example/", "ok"},
        {"ftp://example.edu/x", "f: must be an absolute http or https URL"},
        {"//example.edu/x", "f: must be an absolute http or https URL"},
        {"https:///path", "f: must name a host"},
        {"https://exa mple.edu/", "f: must not contain spaces, quotes or non-ASCII characters (percent-encode them)"},
        {"https://example.edu/\"x\"", "f: must not contain spaces, quotes or non-ASCII characters (percent-encode them)"},
        {"https://ex\xc3\xa9.edu/", "f: must not contain spaces, quotes or non-ASCII characters (percent-encode them)"},
        {"https://ex!ample.edu/", "f: has an invalid host"},
        {"https://example.edu/" + std::string(30, 'a'), "f: must be at most 40 bytes"},
    };
    for (const auto& r : rows) {
        INFO(r.url);
        CHECK(verdict([&] { validate::url("f", r.url, 40); }) == r.want);
    }
}

TEST_CASE("time zones and instants", "[domain][validation]") {
    CHECK(verdict([] { validate::timezone("f", "Europe/Paris"); }) == "ok");
    CHECK(verdict([] { validate::timezone("f", "UTC"); }) == "ok");
    CHECK(verdict([] { validate::timezone("f", "Mars/Olympus"); }) == "f: unknown IANA time zone 'Mars/Olympus'");
    CHECK(verdict([] { validate::timezone("f", ""); }) == "f: must be an IANA time zone name");
    CHECK(verdict([] { validate::timezone("f", std::string(65, 'a')); }) == "f: must be an IANA time zone name");

    using namespace date;
    const std::string out_of_range = "f: is out of range (years 2000 to 9999)";
    CHECK(verdict([] { validate::instant("f", sys_days{year{2000} / 1 / 1}); }) == "ok");
    CHECK(verdict([] { validate::instant("f", sys_days{year{2000} / 1 / 1} - Seconds(1)); }) == out_of_range);
    CHECK(verdict([] { validate::instant("f", sys_days{year{9999} / 12 / 31}); }) == "ok");
    CHECK(verdict([] { validate::instant("f", sys_days{year{9999} / 12 / 31} + Seconds(1)); }) == out_of_range);
    CHECK(verdict([] { validate::instant("f", Instant{}); }) == out_of_range);
}
