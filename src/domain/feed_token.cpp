#include "domain/feed_token.hpp"

#include "domain/validation.hpp"

#include <livecourse/error.hpp>

#include <fmt/format.h>
#include <openssl/rand.h>

namespace livecourse {

namespace {
constexpr std::size_t max_token_bytes = 1024;

std::string mac_of(const HmacSha256Key& key, std::string_view user, std::string_view salt) {
    return base64url_encode(key.sign_to_string(fmt::format("{}\n{}", user, salt)));
}
}  // namespace

std::string feed_token(const HmacSha256Key& key, std::string_view user, std::string_view salt) {
    return base64url_encode(user) + "." + mac_of(key, user, salt);
}

std::optional<FeedTokenParts> parse_feed_token(std::string_view token) {
    auto dot = token.find('.');
    if (token.size() > max_token_bytes || dot == std::string_view::npos) return std::nullopt;
    auto user = base64url_decode(token.substr(0, dot));
    if (!user || user->empty() || !validate::is_utf8(*user)) return std::nullopt;
    return FeedTokenParts{std::move(*user), token.substr(dot + 1)};
}

bool feed_token_matches(const HmacSha256Key& key, const FeedTokenParts& token, std::string_view salt) {
    return constant_time_equal(mac_of(key, token.user, salt), token.mac);
}

std::string new_feed_salt() {
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) throw Error(ErrorCode::internal, "the CSPRNG failed");
    return base64url_encode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

}  // namespace livecourse
