// Rules shared by the configuration, the issuer and the join links.
#pragma once

#include "livecourse/jitsi.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace livecourse::jitsi::detail {

inline constexpr std::string_view jaas_app_id_prefix = "vpaas-magic-cookie-";
inline constexpr std::string_view jaas_issuer = "chat";
inline constexpr std::string_view jaas_audience = "jitsi";

struct ServerUrl {
    std::string scheme;  // "https", or "http" for loopback hosts only
    std::string host;    // lower-cased
    std::string port;    // digits, or empty
};
std::optional<ServerUrl> parse_server_url(std::string_view url);

// The room lower-cased (Jitsi compares lower-cased names), checked to be
// 1..200 characters of [a-z0-9._~-]: nothing that could leave its URL path
// segment or name another XMPP address. Throws Error(invalid_argument, field).
std::string normalized_room(std::string_view room, const char* field);
// The same check without building the string, for the token hot path.
void check_room(std::string_view room, const char* field);
inline char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// "<AppID>/<keyid>", the JaaS header kid.
std::string jaas_kid(const Config& config);

}  // namespace livecourse::jitsi::detail
