// Room names and room passwords from OpenSSL's CSPRNG.
#include "livecourse/error.hpp"
#include "livecourse/jitsi.hpp"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>

namespace livecourse::jitsi {
namespace {

// Base letters of U+00C0..U+00DF; U+00E0..U+00FE are their lower-case forms
// at +0x20 (U+00F7 '÷' like U+00D7 '×' is punctuation). Empty: a separator.
constexpr std::array<std::string_view, 32> latin1_fold = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "",  "o", "u", "u", "u", "u", "y", "th", "ss",
};

// ASCII letters/digits of one code point, or "" if it separates words.
// Advances i past the code point (one byte for anything ill-formed).
std::string_view fold(std::string_view s, std::size_t& i, char& scratch) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
        ++i;
        if (c >= 'A' && c <= 'Z') { scratch = static_cast<char>(c - 'A' + 'a'); return {&scratch, 1}; }
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) { scratch = static_cast<char>(c); return {&scratch, 1}; }
        return {};
    }
    const auto cont = [&](std::size_t k) {
        return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    };
    if (c >= 0xC2 && c <= 0xDF && cont(1)) {
        const std::uint32_t cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
        i += 2;
        if (cp >= 0xC0 && cp <= 0xDF) return latin1_fold[cp - 0xC0];
        if (cp >= 0xE0 && cp <= 0xFF) return cp == 0xFF ? "y" : latin1_fold[cp - 0xE0];  // U+00FF has no capital here
        if (cp == 0x152 || cp == 0x153) return "oe";
        return {};
    }
    // Any other character (or stray byte) separates: skip its whole sequence.
    std::size_t n = 1;
    if (c >= 0xE0 && c <= 0xEF) n = 3;
    else if (c >= 0xF0 && c <= 0xF4) n = 4;
    else if (c >= 0xC2 && c <= 0xDF) n = 2;
    std::size_t k = 1;
    while (k < n && cont(k)) ++k;
    i += k;
    return {};
}

void random_bytes(unsigned char* out, std::size_t n) {
    if (RAND_bytes(out, static_cast<int>(n)) != 1) {
        ERR_clear_error();
        throw Error(ErrorCode::internal, "the system random generator failed");
    }
}

constexpr std::string_view base32_lower = "abcdefghijklmnopqrstuvwxyz234567";

}  // namespace

std::string slug(std::string_view id, std::size_t max_len) {
    if (max_len == 0) max_len = 1;
    std::string out;
    bool pending_dash = false;
    char scratch = 0;
    // Stops reading once the slug cannot grow further: ids may be huge.
    for (std::size_t i = 0; i < id.size() && out.size() <= max_len;) {
        const std::string_view piece = fold(id, i, scratch);
        if (piece.empty()) {
            pending_dash = !out.empty();
            continue;
        }
        if (pending_dash) out += '-';
        pending_dash = false;
        out += piece;
    }
    if (out.size() > max_len) out.resize(max_len);
    while (!out.empty() && out.back() == '-') out.pop_back();
    if (out.empty()) out.push_back('x');
    return out;
}

RoomNamer::RoomNamer(std::string prefix) : prefix_(slug(prefix, 16)) {}

std::string RoomNamer::room_name(std::string_view course_id, std::string_view session_number) const {
    static constexpr std::string_view course_tag = "-course-";
    static constexpr std::string_view session_tag = "-session-";
    const std::string session = slug(session_number, 12);
    const std::size_t fixed = prefix_.size() + course_tag.size() + session_tag.size() + session.size() + 1 + room_random_chars;
    // prefix <= 16 and session <= 12 leave the course at least 30 characters.
    const std::string course = slug(course_id, max_room_name_length - fixed);

    std::array<unsigned char, room_random_chars> rnd{};
    random_bytes(rnd.data(), rnd.size());

    std::string name;
    name.reserve(max_room_name_length);
    name += prefix_;
    name += course_tag;
    name += course;
    name += session_tag;
    name += session;
    name += '-';
    // 256 is a multiple of 32: the low five bits of a byte are uniform.
    for (const unsigned char b : rnd) name += base32_lower[b & 31];
    return name;
}

std::string RoomNamer::room_password() const {
    constexpr std::size_t n = room_password_alphabet.size();
    // Rejection sampling keeps every symbol equally likely: bytes at or
    // above the largest multiple of n would favour the first symbols.
    constexpr unsigned limit = 256 - 256 % n;
    std::string out;
    out.reserve(room_password_length);
    std::array<unsigned char, 32> buf{};
    while (out.size() < room_password_length) {
        random_bytes(buf.data(), buf.size());
        for (const unsigned char b : buf) {
            if (b >= limit) continue;
            out += room_password_alphabet[b % n];
            if (out.size() == room_password_length) break;
        }
    }
    return out;
}

}  // namespace livecourse::jitsi
