// Base64 and base64url (RFC 4648), strict on input.
#include "livecourse/hmac.hpp"

#include <array>
#include <cstdint>

namespace livecourse {
namespace {

constexpr char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> reverse(const char* alphabet) {
    std::array<std::int8_t, 256> t{};
    for (auto& v : t) v = -1;
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
    return t;
}
constexpr auto url_reverse = reverse(url_alphabet);
constexpr auto std_reverse = reverse(std_alphabet);

// Two output characters per 12 input bits: half the lookups of the
// character-at-a-time loop. Encoding sits on the token hot path.
using PairTable = std::array<std::array<char, 2>, 4096>;
constexpr PairTable pairs(const char* alphabet) {
    PairTable t{};
    for (int i = 0; i < 4096; ++i) t[static_cast<std::size_t>(i)] = {alphabet[i >> 6], alphabet[i & 63]};
    return t;
}
constexpr PairTable url_pairs = pairs(url_alphabet);
constexpr PairTable std_pairs = pairs(std_alphabet);

void encode(std::string& out, std::string_view in, const char* alphabet, bool pad) {
    const PairTable& two = alphabet == url_alphabet ? url_pairs : std_pairs;
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    const std::size_t n = in.size();
    const std::size_t start = out.size();
    out.resize(start + (n + 2) / 3 * 4);
    char* o = out.data() + start;
    std::size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const std::uint32_t v = (std::uint32_t(p[i]) << 16) | (std::uint32_t(p[i + 1]) << 8) | p[i + 2];
        const auto& hi = two[v >> 12];
        const auto& lo = two[v & 0xFFF];
        o[0] = hi[0];
        o[1] = hi[1];
        o[2] = lo[0];
        o[3] = lo[1];
        o += 4;
    }
    const std::size_t rest = n - i;
    if (rest == 1) {
        const std::uint32_t v = std::uint32_t(p[i]) << 16;
        *o++ = alphabet[(v >> 18) & 63];
        *o++ = alphabet[(v >> 12) & 63];
        if (pad) { *o++ = '='; *o++ = '='; }
    } else if (rest == 2) {
        const std::uint32_t v = (std::uint32_t(p[i]) << 16) | (std::uint32_t(p[i + 1]) << 8);
        *o++ = alphabet[(v >> 18) & 63];
        *o++ = alphabet[(v >> 12) & 63];
        *o++ = alphabet[(v >> 6) & 63];
        if (pad) *o++ = '=';
    }
    out.resize(static_cast<std::size_t>(o - out.data()));
}

std::optional<std::string> decode(std::string_view in, const std::array<std::int8_t, 256>& table) {
    // A single leftover character cannot carry a whole byte.
    if (in.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(in.size() / 4 * 3 + 2);
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char c : in) {
        const int v = table[static_cast<unsigned char>(c)];
        if (v < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    // Unused low bits of the last character must be zero: otherwise several
    // texts would decode to the same bytes.
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}

}  // namespace

void base64url_append(std::string& out, std::string_view bytes) { encode(out, bytes, url_alphabet, false); }

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    encode(out, bytes, url_alphabet, false);
    return out;
}

std::optional<std::string> base64url_decode(std::string_view text) { return decode(text, url_reverse); }

std::string base64_encode(std::string_view bytes) {
    std::string out;
    encode(out, bytes, std_alphabet, true);
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    return decode(text.substr(0, text.size() - pad), std_reverse);
}

}  // namespace livecourse
