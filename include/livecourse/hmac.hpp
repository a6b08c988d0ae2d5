// Keyed hashing and the encodings that travel with it.
//
// HMAC-SHA256 signs what the library hands out and must later recognise:
// Jitsi tokens (HS256), calendar feed tokens, webhook signatures. The keyed
// form (`HmacSha256Key`) absorbs the key once and only copies that prepared
// state per message, so signing on the hot path costs about one compression
// per block of input. Base64url (RFC 4648 §5, no padding) is the encoding of
// JWS segments and of URL-borne tokens; plain base64 is what webhook
// signature headers use. MACs are compared in constant time.
//
// Thread-safety: free functions are reentrant. An `HmacSha256Key` may be
// shared by any number of threads calling `sign` concurrently; moving or
// destroying it needs exclusive access.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace livecourse {

inline constexpr std::size_t hmac_sha256_size = 32;
using HmacSha256Digest = std::array<unsigned char, hmac_sha256_size>;

// HMAC-SHA256 of `data` under `key` (raw bytes, 32 of them). Any key length,
// including empty, is accepted; policy on key length belongs to callers.
std::string hmac_sha256(std::string_view key, std::string_view data);

// An HMAC-SHA256 key prepared once (OpenSSL EVP_MAC context) and reused for
// many messages.
class HmacSha256Key {
public:
    explicit HmacSha256Key(std::string_view key);
    ~HmacSha256Key();
    HmacSha256Key(HmacSha256Key&&) noexcept;
    HmacSha256Key& operator=(HmacSha256Key&&) noexcept;
    HmacSha256Key(const HmacSha256Key&) = delete;
    HmacSha256Key& operator=(const HmacSha256Key&) = delete;

    HmacSha256Digest sign(std::string_view data) const;
    // Raw 32 bytes as a string, for callers that store or compare strings.
    std::string sign_to_string(std::string_view data) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// True when both byte strings are equal. The time taken depends only on the
// lengths, never on where the first difference is.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// RFC 4648 §5 alphabet, never padded.
std::string base64url_encode(std::string_view bytes);
void base64url_append(std::string& out, std::string_view bytes);
// Strict: refuses padding, characters outside the alphabet, impossible
// lengths and non-zero unused trailing bits, so every byte string has exactly
// one accepted encoding (a token cannot be varied without breaking it).
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 4648 §4 with padding, as used by signature headers such as JaaS's.
std::string base64_encode(std::string_view bytes);
// Strict like base64url_decode, but padding is required to a multiple of 4.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace livecourse
