// The stable spellings of the enumerations: each is part of the JSON
// vocabulary, so each is written out here by hand.
#include <livecourse/attendance.hpp>
#include <livecourse/chat.hpp>
#include <livecourse/error.hpp>
#include <livecourse/roster.hpp>
#include <livecourse/session.hpp>
#include <livecourse/status_machine.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace livecourse;

namespace {
template <class E, class Parse> std::string spelled(std::initializer_list<E> values, Parse parse) {
    std::string out;
    for (auto v : values) {
        out += std::string(to_string(v)) + " ";
        CHECK(parse(to_string(v)) == v);
    }
    return out;
}
}  // namespace

TEST_CASE("enumerations are spelled as the vocabulary says and read back", "[domain][names]") {
    CHECK(spelled({Role::none, Role::student, Role::moderator, Role::instructor}, parse_role) ==
          "none student moderator instructor ");
    CHECK(spelled({PresenceSource::client, PresenceSource::heartbeat, PresenceSource::video_server},
                  parse_presence_source) == "client heartbeat video_server ");
    CHECK(spelled({ChatType::text, ChatType::question, ChatType::answer}, parse_chat_type) == "text question answer ");
    CHECK(spelled({SessionStatus::scheduled, SessionStatus::live, SessionStatus::ended, SessionStatus::cancelled},
                  parse_session_status) == "scheduled live ended cancelled ");
    std::string actions;
    for (auto a : all_session_actions) actions += std::string(to_string(a)) + " ";
    CHECK(actions == "edit start end cancel join token chat ");
    std::string codes;
    for (auto c : {ErrorCode::invalid_argument, ErrorCode::not_found, ErrorCode::forbidden, ErrorCode::conflict,
                   ErrorCode::session_full, ErrorCode::storage, ErrorCode::unauthenticated, ErrorCode::internal,
                   ErrorCode::host_callback, ErrorCode::would_block})
        codes += std::string(to_string(c)) + " ";
    CHECK(codes == "invalid_argument not_found forbidden conflict session_full storage unauthenticated internal "
                   "host_callback would_block ");
}

TEST_CASE("names are read exactly", "[domain][names]") {
    CHECK_FALSE(parse_role("Student"));
    CHECK_FALSE(parse_role(""));
    CHECK_FALSE(parse_presence_source("video-server"));
    CHECK_FALSE(parse_chat_type("answers"));
    // A listing filter defaults to all when absent.
    CHECK(parse_session_filter("") == SessionFilter::all);
    CHECK(parse_session_filter("all") == SessionFilter::all);
    CHECK(parse_session_filter("upcoming") == SessionFilter::upcoming);
    CHECK(parse_session_filter("live") == SessionFilter::live);
    CHECK(parse_session_filter("past") == SessionFilter::past);
    CHECK_FALSE(parse_session_filter("ended"));
}
