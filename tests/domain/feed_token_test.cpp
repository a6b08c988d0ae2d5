#include "domain/feed_token.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

using namespace livecourse;

// Expected tokens computed independently: base64url(user) "." base64url(
// HMAC-SHA256(key, user "\n" salt)), without padding.
TEST_CASE("a feed token is the user and the MAC of user and salt", "[domain][feed_token]") {
    const HmacSha256Key key(std::string(32, 'k'));
    struct Row {
        const char* user;
        const char* salt;
        const char* want;
    };
    const Row rows[] = {
        {"alice", "salt-1", "YWxpY2U.57ubhkL6ot_Uqew6hdh8QNZDo_xLn4yF2MaXUFqRf6g"},
        {"alice", "salt-2", "YWxpY2U.UJvFLScGfU8u8ASjmCST1XQwGVewHEp9k93446q9-OQ"},
        {"\xc3\xa9l\xc3\xa8ve 7", "s", "w6lsw6h2ZSA3.h_ZGHR-QSksviUeVwS4ow2bFNXcDtAGha0zE8OIYE5w"},
    };
    for (const auto& r : rows) {
        INFO(r.user << " / " << r.salt);
        CHECK(feed_token(key, r.user, r.salt) == r.want);
        auto parts = parse_feed_token(r.want);
        REQUIRE(parts);
        CHECK(parts->user == r.user);
        CHECK(feed_token_matches(key, *parts, r.salt));
    }
}

TEST_CASE("a feed token matches only its own salt and key", "[domain][feed_token]") {
    const HmacSha256Key key(std::string(32, 'k')), other(std::string(32, 'j'));
    auto parts = parse_feed_token("YWxpY2U.57ubhkL6ot_Uqew6hdh8QNZDo_xLn4yF2MaXUFqRf6g");
    REQUIRE(parts);
    CHECK(feed_token_matches(key, *parts, "salt-1"));
    CHECK_FALSE(feed_token_matches(key, *parts, "salt-2"));  // rotated
    CHECK_FALSE(feed_token_matches(other, *parts, "salt-1"));
    // Another user's name in front of alice's MAC.
    auto forged = parse_feed_token("Ym9i.57ubhkL6ot_Uqew6hdh8QNZDo_xLn4yF2MaXUFqRf6g");
    REQUIRE(forged);
    CHECK(forged->user == "bob");
    CHECK_FALSE(feed_token_matches(key, *forged, "salt-1"));
    // The MAC of alice/salt-1 under the other key.
    auto other_key = parse_feed_token("YWxpY2U.2XfSdkiJQnJt5BDVmuspjlsgj_H6nBG5i_dwKRmc3m4");
    REQUIRE(other_key);
    CHECK(feed_token_matches(other, *other_key, "salt-1"));
    CHECK_FALSE(feed_token_matches(key, *other_key, "salt-1"));
}

TEST_CASE("tokens of the wrong shape are not taken apart", "[domain][feed_token]") {
    const std::string refused[] = {
        "",
        "YWxpY2U",             // no dot
        ".abc",                // no user
        "YWxpY2U=.abc",        // padding is not base64url here
        "YW*pY2U.abc",         // outside the alphabet
        "_w.abc",              // decodes to 0xFF: not UTF-8
        "YWxpY2U." + std::string(1017, 'A'),  // 1025 bytes
    };
    for (const auto& t : refused) {
        INFO(t.substr(0, 40));
        CHECK_FALSE(parse_feed_token(t));
    }
    // 1024 bytes is still a shape (the MAC will not match).
    auto longest = parse_feed_token("YWxpY2U." + std::string(1016, 'A'));
    REQUIRE(longest);
    CHECK(longest->mac.size() == 1016);
    // Only the first dot separates: the MAC part is taken as written.
    auto dotted = parse_feed_token("YWxpY2U.a.b");
    REQUIRE(dotted);
    CHECK(dotted->mac == "a.b");
}

TEST_CASE("feed salts are fresh 128-bit base64url strings", "[domain][feed_token]") {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        auto salt = new_feed_salt();
        CHECK(salt.size() == 22);  // 16 bytes, unpadded
        CHECK(base64url_decode(salt).value_or("").size() == 16);
        seen.insert(salt);
    }
    CHECK(seen.size() == 50);
}
