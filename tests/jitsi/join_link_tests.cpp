// Join links and IFrame API options: exact shapes per mode, and display names
// that survive the trip through a real URL parser and jitsi-meet's hash rules.
#include "jitsi/jitsi_test_support.hpp"

#include <catch2/catch.hpp>

using namespace jitsi_test;
using livecourse::ErrorCode;

namespace {

const std::string hash_defaults = "#config.startWithAudioMuted=true&config.resolution=360&config.channelLastN=20";

lj::JoinLinkOptions moderator_named(std::string name) {
    lj::JoinLinkOptions o;
    o.display_name = std::move(name);
    o.moderator = true;
    return o;
}

std::string hash_value(const std::string& url, const std::string& key) {
    const std::size_t hash = url.find('#');
    const std::size_t at = url.find("&" + key + "=", hash);
    if (at == std::string::npos) return {};
    const std::size_t start = at + key.size() + 2;
    const std::size_t end = url.find('&', start);
    return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string percent_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

boost::json::object parse_in_node(const std::string& url) {
    const auto r = run("node " + quote((tests_dir() / "parse_join_url.js").string()) + " " + quote(url));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return boost::json::parse(r.output).as_object();
}

}  // namespace

TEST_CASE("join links per mode: host, tenant or AppID, jwt, defaults", "[jitsi][link]") {
    const std::string room = "lc-course-a-session-1-abcdefghijklmnopqrst";
    CHECK(lj::join_url(lj::Config{}, room, moderator_named("Ana")) ==
          "https://meet.jit.si/" + room + hash_defaults + "&userInfo.displayName=%22Ana%22");

    auto self = self_hosted_config();
    self.tenant = "acme";
    auto o = moderator_named("Ana");
    o.jwt = "aaa.bbb.ccc";
    o.email = "ana@example.com";
    CHECK(lj::join_url(self, room, o) == "https://meet.example.com/acme/" + room + "?jwt=aaa.bbb.ccc" + hash_defaults +
                                             "&userInfo.displayName=%22Ana%22&userInfo.email=%22ana%40example.com%22");

    CHECK(lj::join_url(jaas_config(), room, o).starts_with("https://8x8.vc/" + jaas_app_id + "/" + room + "?jwt=aaa.bbb.ccc#"));

    // The configured UI defaults travel in the hash.
    lj::Config quiet;
    quiet.start_audio_muted = false;
    quiet.resolution = 720;
    quiet.channel_last_n = -1;
    CHECK(lj::join_url(quiet, "ROOM-1", moderator_named("")) ==
          "https://meet.jit.si/room-1#config.startWithAudioMuted=false&config.resolution=720&config.channelLastN=-1");

    for (const char* bad : {"", "a/b", "a b", "a#b", "a?b", "*"}) {
        CAPTURE(bad);
        CHECK(error_from([&] { lj::join_url(lj::Config{}, bad, o); }).code() == ErrorCode::invalid_argument);
    }
}

TEST_CASE("participants without screen sharing get a toolbar without desktop", "[jitsi][link]") {
    lj::JoinLinkOptions participant;
    participant.display_name = "P";
    const std::string url = lj::join_url(lj::Config{}, "room-1", participant);
    const std::string list = percent_decode(hash_value(url, "config.toolbarButtons"));
    const auto buttons = boost::json::parse(list).as_array();
    CHECK(buttons.size() > 5);
    CHECK(std::none_of(buttons.begin(), buttons.end(), [](const auto& b) { return b.as_string() == "desktop"; }));
    CHECK(std::any_of(buttons.begin(), buttons.end(), [](const auto& b) { return b.as_string() == "hangup"; }));

    participant.screen_sharing = true;
    CHECK(lj::join_url(lj::Config{}, "room-1", participant).find("toolbarButtons") == std::string::npos);
    CHECK(lj::join_url(lj::Config{}, "room-1", moderator_named("M")).find("toolbarButtons") == std::string::npos);
}

TEST_CASE("display names with accents, spaces, #, &, quotes and more are encoded safely", "[jitsi][link]") {
    const std::vector<std::string> names = {
        "José Müller", "Zoë O'Brien", "A & B", "#1 fan", "say \"hi\"", "50% off", "a=b&userInfo.email=x",
        "\xe2\x80\x9c" "curly" "\xe2\x80\x9d \xe2\x80\x98quotes\xe2\x80\x99", "back\\slash & amp", "back\\&slash",
        "emoji 🎓 ok", "+plus+", "tab\there", "new\nline", "  spaces  ", "?query", "undefined", "null", "<b>bold</b>",
    };
    auto self = self_hosted_config();
    for (const auto& name : names) {
        CAPTURE(name);
        lj::JoinLinkOptions o;
        o.display_name = name;
        o.email = name + "@example.com";
        o.jwt = "h.p.s";
        o.screen_sharing = true;
        const std::string url = lj::join_url(self, "room-1", o);
        const std::string value = hash_value(url, "userInfo.displayName");
        // Only unreserved characters and %XX: nothing can end the parameter early.
        CHECK(value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%") == std::string::npos);
        CHECK(boost::json::parse(percent_decode(value)).as_string() == name);

        // The browser's URL parser and jitsi-meet's hash rules, run for real.
        const auto seen = parse_in_node(url);
        const auto& hash = seen.at("hash").as_object();
        CHECK(hash.at("userInfo.displayName").as_string() == name);
        CHECK(hash.at("userInfo.email").as_string() == name + "@example.com");
        CHECK(hash.at("config.startWithAudioMuted").as_bool());
        CHECK(hash.at("config.resolution").as_int64() == 360);
        CHECK(hash.at("config.channelLastN").as_int64() == 20);
        CHECK(hash.size() == 5);  // nothing injected
        CHECK(seen.at("jwt").as_string() == "h.p.s");
        CHECK(seen.at("pathname").as_string() == "/room-1");
        CHECK(seen.at("host").as_string() == "meet.example.com");
    }
}

TEST_CASE("IFrame API options carry room path, jwt, overrides and user info", "[jitsi][link]") {
    lj::JoinLinkOptions o;
    o.jwt = "h.p.s";
    o.display_name = "José \"J\" & co";
    o.email = "jose@example.com";
    const auto jaas = lj::iframe_options(jaas_config(), "Room-1", o);
    CHECK(jaas.at("domain").as_string() == "8x8.vc");
    CHECK(jaas.at("roomName").as_string() == jaas_app_id + "/room-1");
    CHECK(jaas.at("jwt").as_string() == "h.p.s");
    const auto& cfg = jaas.at("configOverwrite").as_object();
    CHECK(cfg.at("startWithAudioMuted").as_bool());
    CHECK(cfg.at("resolution").as_int64() == 360);
    CHECK(cfg.at("channelLastN").as_int64() == 20);
    const auto& buttons = cfg.at("toolbarButtons").as_array();
    CHECK(std::none_of(buttons.begin(), buttons.end(), [](const auto& b) { return b.as_string() == "desktop"; }));
    CHECK(jaas.at("interfaceConfigOverwrite").as_object().empty());
    CHECK(jaas.at("userInfo").at("displayName").as_string() == "José \"J\" & co");
    CHECK(jaas.at("userInfo").at("email").as_string() == "jose@example.com");

    auto self = self_hosted_config();
    self.tenant = "acme";
    o.moderator = true;
    o.jwt.reset();
    o.email.clear();
    const auto s = lj::iframe_options(self, "room-1", o);
    CHECK(s.at("domain").as_string() == "meet.example.com");
    CHECK(s.at("roomName").as_string() == "acme/room-1");
    CHECK_FALSE(s.contains("jwt"));
    CHECK_FALSE(s.at("configOverwrite").as_object().contains("toolbarButtons"));
    CHECK_FALSE(s.at("userInfo").as_object().contains("email"));
    CHECK(lj::iframe_options(lj::Config{}, "room-1", o).at("roomName").as_string() == "room-1");
}
