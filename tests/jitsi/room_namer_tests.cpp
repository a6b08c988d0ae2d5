// Slugs, room names and room passwords: alphabet, length, uniqueness and the
// uniformity of their random parts.
#include "jitsi/jitsi_test_support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <unordered_set>

using namespace jitsi_test;

namespace {

bool slug_shaped(const std::string& s) {
    static const std::regex shape("^[a-z0-9]+(-[a-z0-9]+)*$");
    return std::regex_match(s, shape);
}

// Every symbol of `alphabet` appears with frequency within `tolerance` of
// uniform. With ~12,000+ draws per symbol, a 6% band is over 6 standard
// deviations wide: a fair generator essentially never fails it, while a
// modulo bias of even 1/8 does.
void check_uniform(const std::string& text, std::string_view alphabet, double tolerance) {
    std::map<char, std::size_t> counts;
    for (const char c : text) ++counts[c];
    CHECK(counts.size() == alphabet.size());
    const double expected = static_cast<double>(text.size()) / static_cast<double>(alphabet.size());
    for (const char c : alphabet) {
        CAPTURE(c);
        CHECK(std::abs(static_cast<double>(counts[c]) - expected) < tolerance * expected);
    }
}

}  // namespace

TEST_CASE("slug turns any id into lower-case ASCII words joined by single dashes", "[jitsi][room]") {
    struct Case { std::string in; std::size_t max; std::string out; };
    const std::vector<Case> cases = {
        {"123", 24, "123"},
        {"Course 101", 24, "course-101"},
        {"  --Hello__World--  ", 24, "hello-world"},
        {"MiXeD CaSe", 24, "mixed-case"},
        {"ÉCOLE d'été", 24, "ecole-d-ete"},
        {"Straße", 24, "strasse"},
        {"Œuvre Æsop Þór ÿes", 30, "oeuvre-aesop-thor-yes"},
        {"naïve façade × ÷ ñ", 30, "naive-facade-n"},
        {"math 🚀 101", 24, "math-101"},
        {"日本語", 24, "x"},
        {"", 24, "x"},
        {"---", 24, "x"},
        {"\xff\xfe" "abc\xc3", 24, "abc"},
        {"a\xe2\x80" "b", 24, "a-b"},  // truncated 3-byte sequence
        {"ab cd", 3, "ab"},          // no dash left dangling by truncation
        {"abcdef", 0, "a"},          // a zero bound still yields one character
        {"session #1", 12, "session-1"},
        {"../../etc/passwd", 24, "etc-passwd"},
        {"<script>alert(1)</script>", 24, "script-alert-1-script"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.in, c.max);
        CHECK(lj::slug(c.in, c.max) == c.out);
    }
    const std::string huge(100000, 'A');
    CHECK(lj::slug(huge, 30) == std::string(30, 'a'));
}

TEST_CASE("slug of random bytes is always well-formed and bounded", "[jitsi][room]") {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<int> byte(0, 255), len(0, 80), bound(1, 40);
    for (int i = 0; i < 5000; ++i) {
        std::string in;
        const int n = len(rng);
        for (int k = 0; k < n; ++k) in += static_cast<char>(byte(rng));
        const auto max = static_cast<std::size_t>(bound(rng));
        const std::string s = lj::slug(in, max);
        CAPTURE(in);
        CHECK(slug_shaped(s));
        CHECK(s.size() <= max);
    }
}

TEST_CASE("room names have the seed's shape, only [a-z0-9-], at most 96 characters", "[jitsi][room]") {
    const lj::RoomNamer namer("MDSC");
    CHECK(namer.prefix() == "mdsc");
    const std::string name = namer.room_name("123", "1");
    static const std::regex shape("^mdsc-course-123-session-1-[a-z2-7]{20}$");
    CHECK(std::regex_match(name, shape));

    // Weird and very long ids still give a bounded, well-formed name.
    const std::string long_id(500, 'z');
    for (const auto& [course, session] : std::vector<std::pair<std::string, std::string>>{
             {"Cours d'Été 2024 — Physique", "Séance 3"}, {long_id, long_id}, {"", ""}, {"🚀", "🚀"}, {"a/b?c#d", "1 2"}}) {
        const std::string n = lj::RoomNamer("a-sixteen-chars-").room_name(course, session);
        CAPTURE(course, session, n);
        CHECK(n.size() <= lj::max_room_name_length);
        CHECK(slug_shaped(n));
        CHECK(n.find("-course-") != std::string::npos);
        CHECK(n.find("-session-") != std::string::npos);
    }
    CHECK(lj::RoomNamer("lc").room_name(long_id, long_id).size() == lj::max_room_name_length);
}

TEST_CASE("20,000 room names never clash and their random part is uniform base32", "[jitsi][room]") {
    const lj::RoomNamer namer("lc");
    std::unordered_set<std::string> names;
    std::string random_parts;
    static const std::regex allowed("^[a-z0-9-]+$");
    for (int i = 0; i < 20000; ++i) {
        const std::string n = namer.room_name("course-1", "1");
        REQUIRE(std::regex_match(n, allowed));
        REQUIRE(n.size() <= lj::max_room_name_length);
        names.insert(n);
        const std::string rnd = n.substr(n.rfind('-') + 1);
        REQUIRE(rnd.size() == lj::room_random_chars);
        random_parts += rnd;
    }
    CHECK(names.size() == 20000);
    // 20 symbols of 32: 100 bits, comfortably above the 80 required.
    CHECK(lj::room_random_chars * 5 >= 80);
    check_uniform(random_parts, "abcdefghijklmnopqrstuvwxyz234567", 0.06);
}

TEST_CASE("room passwords use the readable alphabet, uniformly, with at least 60 bits", "[jitsi][room]") {
    const lj::RoomNamer namer("lc");
    CHECK(lj::room_password_alphabet.find_first_of("0O1lIio") == std::string_view::npos);
    CHECK(static_cast<double>(lj::room_password_length) * std::log2(static_cast<double>(lj::room_password_alphabet.size())) >= 60.0);
    std::set<std::string> seen;
    std::string all;
    for (int i = 0; i < 20000; ++i) {
        const std::string p = namer.room_password();
        REQUIRE(p.size() == lj::room_password_length);
        REQUIRE(p.find_first_not_of(lj::room_password_alphabet) == std::string::npos);
        seen.insert(p);
        all += p;
    }
    CHECK(seen.size() == 20000);
    check_uniform(all, lj::room_password_alphabet, 0.06);
}
