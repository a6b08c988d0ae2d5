// The hot operations' light path (join, leave, token, heartbeat): requests in
// the plain form are read without a document and answered as direct text. It
// must accept what the strict reader accepts, refuse with the same errors,
// and write the same text as the vocabulary's to_json.
#include "support/fixtures.hpp"

#include "codec/request_reader.hpp"
#include "codec/result_text.hpp"

#include <livecourse/json_api.hpp>

#include <boost/json.hpp>

#include <functional>

using namespace lc_test;
using livecourse::codec::read_acting_on_session;
namespace json = boost::json;

namespace {

// The error document of a call, or an empty object when it succeeded.
json::object error_of_call(const std::function<void()>& call) {
    try {
        call();
    } catch (const Error& e) {
        return error_to_json(e).at("error").as_object();
    }
    return {};
}

}  // namespace

TEST_CASE("light path: the plain form is read, member order and spaces free, optional fields empty", "[codec][light]") {
    auto r = read_acting_on_session(
        R"({"actor":{"user_id":"stu-1","name":"Zoé Ünal","email":"z@example.edu","avatar":"https://a.example/z.png"},"session_id":"s1"})");
    REQUIRE(r);
    CHECK(r->user_id == "stu-1");
    CHECK(r->name == "Zoé Ünal");
    CHECK(r->email == "z@example.edu");
    CHECK(r->avatar == "https://a.example/z.png");
    CHECK(r->session_id == "s1");

    r = read_acting_on_session(" \n{ \"session_id\" : \"s2\" ,\t\"actor\" : { \"user_id\" : \"u\" } }\r\n");
    REQUIRE(r);
    CHECK(r->user_id == "u");
    CHECK(r->name.empty());
    CHECK(r->email.empty());
    CHECK(r->avatar.empty());
    CHECK(r->session_id == "s2");
}

TEST_CASE("light path: anything but the plain form is left to the strict reader", "[codec][light]") {
    const char* others[] = {
        "",
        "{}",
        "[]",
        R"({"actor":{"user_id":"u"}})",                                   // no session_id
        R"({"session_id":"s"})",                                          // no actor
        R"({"actor":{"name":"n"},"session_id":"s"})",                     // no user_id
        R"({"actor":"u","session_id":"s"})",                              // actor not an object
        R"({"actor":{"user_id":"u"},"session_id":null})",                 // null
        R"({"actor":{"user_id":"u","name":null},"session_id":"s"})",      // null
        R"({"actor":{"user_id":"u"},"session_id":7})",                    // number
        R"({"actor":{"user_id":"u","name":["x"]},"session_id":"s"})",     // array
        R"({"actor":{"user_id":"u\u0041"},"session_id":"s"})",            // escape
        R"({"actor":{"user_id":"u"},"session_id":"s\"x"})",               // escape
        "{\"actor\":{\"user_id\":\"u\\u0000\"},\"session_id\":\"s\"}",    // escaped NUL
        "{\"actor\":{\"user_id\":\"u\tv\"},\"session_id\":\"s\"}",        // raw control character
        R"({"actor":{"user_id":"u"},"session_id":"s","extra":1})",        // another member
        R"({"actor":{"user_id":"u","role":"x"},"session_id":"s"})",       // another actor member
        R"({"actor":{"user_id":"u"},"session_id":"s","session_id":"t"})", // duplicate
        R"({"actor":{"user_id":"u","user_id":"v"},"session_id":"s"})",    // duplicate
        R"({"actor":{"user_id":"u"},"actor":{"user_id":"v"},"session_id":"s"})",
        R"({"actor":{"user_id":"u"},"session_id":"s"} x)",                // trailing text
        R"({"actor":{"user_id":"u"},"session_id":"s",})",                 // trailing comma
        R"({"actor":{"user_id":"u",},"session_id":"s"})",
        R"({"actor":{"user_id":"u"},"session_id":"s")",                   // unterminated
        R"({"actor":{"user_id":"u"},"session_id":"s)",
        "{\"actor\":{\"user_id\":\"\xff\"},\"session_id\":\"s\"}",        // invalid UTF-8
    };
    for (const char* text : others) {
        INFO(text);
        CHECK_FALSE(read_acting_on_session(text));
    }
}

TEST_CASE("light path: every request gets the strict reader's answer, errors and fields included", "[codec][light]") {
    World w;
    auto s = w.live();
    JsonApi api(*w.engine);
    const std::string sid = s.id;
    const std::string long_name(300, 'n');
    // Plain and not plain, good and bad: the light path must not change an answer.
    const std::vector<std::string> requests = {
        R"({"actor":{"user_id":"","name":"x"},"session_id":")" + sid + "\"}",
        R"({"actor":{"user_id":"stu-1","name":")" + long_name + R"("},"session_id":")" + sid + "\"}",
        R"({"actor":{"user_id":"stu-1","email":")" + long_name + R"("},"session_id":")" + sid + "\"}",
        R"({"actor":{"user_id":"stu-1","avatar":"not a url"},"session_id":")" + sid + "\"}",
        R"x({"actor":{"user_id":"stu-1","avatar":"javascript:alert(1)"},"session_id":")x" + sid + "\"}",
        R"({"actor":{"user_id":")" + std::string(300, 'u') + R"("},"session_id":")" + sid + "\"}",
        R"({"actor":{"user_id":"nobody"},"session_id":")" + sid + "\"}",      // not enrolled
        R"({"actor":{"user_id":"stu-1"},"session_id":"no-such-session"})",    // not found
        R"({"actor":{"user_id":"stu-1"},"session_id":""})",
        R"({"actor":{"user_id":"stu-1"}})",
        R"({"actor":{"user_id":"stu-1"},"session_id":7})",
        R"({"actor":{"user_id":"stu-1","name":7},"session_id":")" + sid + "\"}",
        R"({"actor":{},"session_id":")" + sid + "\"}",
        R"({"session_id":")" + sid + "\"}",
        R"({"actor":"stu-1","session_id":")" + sid + "\"}",
        R"({"actor":{"user_id":"stu-1"},"session_id":")" + sid + "\"",       // malformed
    };
    for (const char* op : {"token_create", "presence_heartbeat", "session_leave", "session_join"}) {
        for (const auto& text : requests) {
            INFO(op << " " << text);
            auto light = error_of_call([&] { api.call_text(op, text); });
            auto strict = error_of_call([&] { api.call(op, parse_json_object(text, "request")); });
            CHECK(json::serialize(light) == json::serialize(strict));
            if (std::string_view(op) == "session_join") CHECK_FALSE(light.empty());  // each is refused
        }
    }
}

TEST_CASE("light path: the answers of a plain request are those of the vocabulary", "[codec][light]") {
    World w;
    auto s = w.live();
    JsonApi api(*w.engine);
    auto plain = R"({"actor":{"user_id":"stu-2","name":"Student 2"},"session_id":")" + s.id + "\"}";
    REQUIRE(read_acting_on_session(plain));

    auto joined = json::parse(api.call_text("session_join", plain)).as_object();
    auto direct = w.engine->join(student(2), s.id);  // the same participant again: a reconnect
    CHECK(joined.at("session_id") == s.id.c_str());
    CHECK(joined.at("jitsi_room_name") == direct.jitsi_room_name.c_str());
    CHECK(joined.at("rejoined") == false);
    CHECK(json::parse(api.call_text("session_join", plain)).as_object().at("rejoined") == true);

    auto beat = json::parse(api.call_text("presence_heartbeat", plain)).as_object();
    CHECK(beat == json::object{{"status", "recorded"}, {"reason", nullptr}, {"session_id", s.id}});
    auto token = json::parse(api.call_text("token_create", plain)).as_object();
    CHECK(token.size() == 3);
    CHECK(token.contains("jwt"));
    CHECK(token.at("expires_at").is_string());
    CHECK(json::parse(api.call_text("session_leave", plain)).as_object() ==
          json::object{{"session_id", s.id}, {"left", true}});
    // Joined three times: a connection may still be open; leaving ends at "left": false.
    json::object left;
    for (int i = 0; i < 4; ++i) left = json::parse(api.call_text("session_leave", plain)).as_object();
    CHECK(left == json::object{{"session_id", s.id}, {"left", false}});
}

TEST_CASE("light path: direct result text is exactly to_json_text of the vocabulary's shape", "[codec][light]") {
    // Strings that need escaping, non-ASCII text, line breaks JSON leaves raw
    // but the writer escapes, and ill-formed UTF-8 (written as U+FFFD).
    const std::vector<std::string> strings = {
        "", "plain", "quote \" backslash \\ slash /", "tab\tnew\nline\r", std::string("nul\0x", 5),
        "Zoé \xe2\x80\xa8 \xe2\x80\xa9 \xc2\x85 end", "bad \xff\xfe utf-8", "\x7f del", "https://meet.example.org/r?jwt=a.b.c"};
    for (const auto& a : strings) {
        for (const auto& b : strings) {
            INFO(a << " / " << b);
            JoinResult j{a, b, a + b, std::nullopt, false};
            CHECK(codec::join_result_text(j) == to_json_text(to_json(j)));
            j.jitsi_room_password = b;
            j.rejoined = true;
            CHECK(codec::join_result_text(j) == to_json_text(to_json(j)));

            TokenResult t{a, b, t0() + 3600s};
            CHECK(codec::token_result_text(t) == to_json_text(to_json(t)));
            t.jwt.reset();
            CHECK(codec::token_result_text(t) == to_json_text(to_json(t)));

            for (bool recorded : {true, false}) {
                PresenceAck ack{recorded, recorded ? "" : a};
                auto doc = to_json(ack);
                doc["session_id"] = b;  // as presence_heartbeat answers
                CHECK(codec::heartbeat_result_text(ack, b) == to_json_text(doc));
                CHECK(codec::leave_result_text(a, recorded) ==
                      to_json_text(json::object{{"session_id", a}, {"left", recorded}}));
            }
        }
    }
}
