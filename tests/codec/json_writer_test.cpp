// The JSON text every response is written as (src/codec/json_writer.cpp):
// the Unicode line breaks U+2028, U+2029 and U+0085 leave as \u escapes, so
// that no value can end a line in JavaScript that embeds the text or in a
// line-based log, and the text still reads back to the same value.
#include "support/fixtures.hpp"

#include <livecourse/json_api.hpp>

#include <boost/json.hpp>

using namespace lc_test;
namespace json = boost::json;

namespace {

const char* const unicode_breaks[] = {"\xC2\x85", "\xE2\x80\xA8", "\xE2\x80\xA9"};

void check_no_raw_break(const std::string& text) {
    for (const char* b : unicode_breaks) CHECK(text.find(b) == std::string::npos);
    CHECK(text.find('\n') == std::string::npos);
    CHECK(text.find('\r') == std::string::npos);
}

}  // namespace

TEST_CASE("json text escapes U+2028, U+2029 and U+0085 in values and keys", "[codec][json]") {
    const std::string value = "a\xE2\x80\xA8" "b\xE2\x80\xA9" "c\xC2\x85" "d\ne";
    json::object o;
    o["title"] = value;
    o["k\xC2\x85" "ey\xE2\x80\xA8"] = json::array{"\xE2\x80\xA9", 1};
    const std::string text = to_json_text(o);
    check_no_raw_break(text);
    CHECK(text.find(R"("a\u2028b\u2029c\u0085d\ne")") != std::string::npos);
    CHECK(text.find(R"("k\u0085ey\u2028":["\u2029",1])") != std::string::npos);
    CHECK(json::parse(text) == json::value(o));  // the same value once read back
    // Their neighbours are written as they are.
    CHECK(to_json_text(json::value("\xC2\x84\xC2\x86\xE2\x80\xA7\xE2\x80\xAA")) ==
          "\"\xC2\x84\xC2\x86\xE2\x80\xA7\xE2\x80\xAA\"");
}

TEST_CASE("a session whose text holds Unicode line breaks leaves the API as one line", "[codec][json]") {
    World world(1);
    JsonApi api{*world.engine};
    const std::string actor = R"({"user_id":")" + instructor.user_id + R"(","name":"Prof","email":"p@lms.example"})";
    const std::string start = format_rfc3339(world.clock->now() + 1h), end = format_rfc3339(world.clock->now() + 2h);
    const std::string title = "Q&A\xE2\x80\xA8<script>\xC2\x85x";
    const std::string description = "one\xE2\x80\xA9two";
    const std::string created = api.call_text(
        "session_create", R"({"actor":)" + actor + R"(,"course_id":"course-1","title":")" + title +
                              R"(","description":")" + description + R"(","starts_at":")" + start +
                              R"(","ends_at":")" + end + R"("})");
    INFO(created);
    check_no_raw_break(created);
    CHECK(created.find(R"("title":"Q&A\u2028<script>\u0085x")") != std::string::npos);
    CHECK(created.find(R"("description":"one\u2029two")") != std::string::npos);
    const auto session = json::parse(created).as_object();
    CHECK(json::value_to<std::string>(session.at("title")) == title);
    CHECK(json::value_to<std::string>(session.at("description")) == description);
}
