// Calendar feed tokens: what lets a calendar app fetch one user's feed
// without a login. A token is "<base64url(user id)>.<base64url(MAC)>", the
// MAC an HMAC-SHA256 of "<user id>\n<salt>" under the feed key; the salt is
// per user and kept by the store, so drawing a new one revokes every earlier
// token of that user.
//
// Thread-safety: pure functions (new_feed_salt draws from the CSPRNG).
#pragma once

#include <livecourse/hmac.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace livecourse {

// The token of `user` under the current `salt`.
std::string feed_token(const HmacSha256Key& key, std::string_view user, std::string_view salt);

// A token taken apart, not yet checked against any key.
struct FeedTokenParts {
    std::string user;     // decoded: valid UTF-8, not empty
    std::string_view mac; // as written in the token
};

// The parts of a token of the right shape (at most 1024 bytes, a dot, a
// user id in base64url that decodes to UTF-8); nullopt otherwise.
std::optional<FeedTokenParts> parse_feed_token(std::string_view token);

// True when the token's MAC is the one of its user under `salt`, compared in
// constant time.
bool feed_token_matches(const HmacSha256Key& key, const FeedTokenParts& token, std::string_view salt);

// A fresh salt: 128 bits from the CSPRNG, base64url. Throws Error(internal)
// if the CSPRNG fails.
std::string new_feed_salt();

}  // namespace livecourse
