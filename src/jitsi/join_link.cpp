// The link a browser opens and the IFrame API options, produced here so that
// hosts never assemble URLs or escape names by hand.
#include "jitsi/config_rules.hpp"
#include "jitsi/json_text.hpp"

#include "livecourse/jitsi.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <string>

namespace livecourse::jitsi {
namespace {

// The toolbar of a participant who may not share a screen: Jitsi's usual
// buttons without "desktop". Jitsi ignores names it does not know, so the
// list degrades gracefully across versions.
constexpr std::array<std::string_view, 17> toolbar_without_desktop = {
    "camera", "chat", "closedcaptions", "filmstrip", "fullscreen", "hangup", "microphone",
    "noisesuppression", "participants-pane", "raisehand", "select-background", "settings",
    "shortcuts", "stats", "tileview", "toggle-camera", "videoquality",
};

bool restrict_toolbar(const JoinLinkOptions& o) { return !o.moderator && !o.screen_sharing; }

// The toolbar list as a hash parameter's value: JSON, percent-encoded whole.
// The same for every link, so built once.
const std::string& toolbar_hash_value() {
    static const std::string value = [] {
        std::string list = "[";
        for (std::size_t i = 0; i < toolbar_without_desktop.size(); ++i) {
            if (i) list += ',';
            detail::append_json_string(list, toolbar_without_desktop[i], detail::JsonContext::url_hash);
        }
        list += ']';
        std::string encoded;
        detail::append_percent_encoded(encoded, list);
        return encoded;
    }();
    return value;
}

}  // namespace

std::string join_url(const Config& config, std::string_view room, const JoinLinkOptions& o) {
    std::string url = server_base_url(config);
    url.reserve(512 + room.size() + (o.jwt ? o.jwt->size() : 0) + 3 * (o.display_name.size() + o.email.size()));
    url += '/';
    // room_path validates the room and prefixes "<tenant>/" or "<AppID>/";
    // every character left is URL-safe.
    url += room_path(config, room);
    if (o.jwt && !o.jwt->empty()) {
        url += "?jwt=";
        detail::append_percent_encoded(url, *o.jwt);
    }

    // Jitsi reads each hash parameter as key=value split on '&' and '=',
    // percent-decodes the value and parses it as JSON: values are JSON text,
    // percent-encoded whole.
    url += "#config.startWithAudioMuted=";
    url += config.start_audio_muted ? "true" : "false";
    url += "&config.resolution=";
    detail::append_json_int(url, config.resolution);
    url += "&config.channelLastN=";
    detail::append_json_int(url, config.channel_last_n);
    if (restrict_toolbar(o)) {
        url += "&config.toolbarButtons=";
        url += toolbar_hash_value();
    }
    const auto add_user_info = [&](std::string_view key, std::string_view value) {
        if (value.empty()) return;
        std::string json;
        detail::append_json_string(json, value, detail::JsonContext::url_hash);
        url += "&userInfo.";
        url += key;
        url += '=';
        detail::append_percent_encoded(url, json);
    };
    add_user_info("displayName", o.display_name);
    add_user_info("email", o.email);
    return url;
}

boost::json::object iframe_options(const Config& config, std::string_view room, const JoinLinkOptions& o) {
    boost::json::object out;
    out["domain"] = server_domain(config);
    out["roomName"] = room_path(config, room);
    if (o.jwt && !o.jwt->empty()) out["jwt"] = *o.jwt;

    boost::json::object cfg;
    cfg["startWithAudioMuted"] = config.start_audio_muted;
    cfg["resolution"] = config.resolution;
    cfg["channelLastN"] = config.channel_last_n;
    if (restrict_toolbar(o)) {
        boost::json::array buttons;
        for (const auto b : toolbar_without_desktop) buttons.emplace_back(b);
        cfg["toolbarButtons"] = std::move(buttons);
    }
    out["configOverwrite"] = std::move(cfg);
    out["interfaceConfigOverwrite"] = boost::json::object{};

    boost::json::object user;
    if (!o.display_name.empty()) user["displayName"] = o.display_name;
    if (!o.email.empty()) user["email"] = o.email;
    out["userInfo"] = std::move(user);
    return out;
}

}  // namespace livecourse::jitsi
