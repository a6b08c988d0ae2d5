#include <livecourse/reason.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace livecourse;

namespace {

std::string read_doc(const std::string& name) {
    std::ifstream in(std::string(LIVECOURSE_TEST_DATA_DIR) + "/../../docs/" + name);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The text from the first `from` to the next `to` after it.
std::string between(const std::string& text, const std::string& from, const std::string& to) {
    auto a = text.find(from);
    REQUIRE(a != std::string::npos);
    auto b = text.find(to, a + from.size());
    REQUIRE(b != std::string::npos);
    return text.substr(a, b - a);
}

// Every `code` quoted in the text, in order.
std::vector<std::string> quoted_codes(const std::string& text) {
    static const std::regex code("`([a-z][a-z0-9_]*)`");
    std::vector<std::string> out;
    for (std::sregex_iterator it(text.begin(), text.end(), code), end; it != end; ++it) out.push_back((*it)[1]);
    return out;
}

// The cells of one column of a Markdown table, joined by newlines, without
// their remarks in parentheses.
std::string table_column(const std::string& table, int column) {
    std::istringstream rows(table);
    std::string row, out;
    while (std::getline(rows, row)) {
        std::istringstream cells(row);
        std::string cell;
        for (int i = 0; i <= column && std::getline(cells, cell, '|'); ++i)
            if (i == column) out += cell + "\n";
    }
    return std::regex_replace(out, std::regex("\\([^)]*\\)"), "");
}

template <std::size_t N> std::set<std::string> as_set(const std::string_view (&list)[N]) {
    return {std::begin(list), std::end(list)};
}

}  // namespace

TEST_CASE("the reason registry lists each code once, in snake_case", "[domain][reason]") {
    auto check = [](auto& list) {
        std::set<std::string_view> seen;
        for (auto code : list) {
            INFO(code);
            CHECK(seen.insert(code).second);
            CHECK(std::regex_match(std::string(code), std::regex("[a-z]+(_[a-z]+)*")));
        }
    };
    check(reason::refusals);
    check(reason::ignored_reports);
    // The two kinds of answer share one word only: a heartbeat after the end
    // is ignored for the reason a join after it is refused.
    std::vector<std::string> shared;
    auto refusals = as_set(reason::refusals);
    for (auto code : reason::ignored_reports)
        if (refusals.count(std::string(code))) shared.emplace_back(code);
    CHECK(shared == std::vector<std::string>{"not_live"});
}

TEST_CASE("presence.md's table of ignored reports is the registry's list", "[domain][reason]") {
    auto table = between(read_doc("presence.md"), "| Reason | Meaning |", "\n\n");
    std::vector<std::string> documented;
    static const std::regex row("\n\\| `([a-z_]+)` \\|");
    for (std::sregex_iterator it(table.begin(), table.end(), row), end; it != end; ++it)
        documented.push_back((*it)[1]);
    CHECK(documented.size() == std::size(reason::ignored_reports));
    CHECK(std::set<std::string>(documented.begin(), documented.end()) == as_set(reason::ignored_reports));
}

TEST_CASE("every refusal reason the docs name is registered", "[domain][reason]") {
    // These lists are examples ("typical reasons", "..."), not the whole
    // registry: each code they name must exist.
    struct Place {
        const char* doc;
        const char* from;
        const char* to;
        int column;  // of a table's rows (| a | b |: a is 1); 0 for prose
    };
    const Place places[] = {
        {"hosting.md", "| category | typical reasons | HTTP |", "\n\n", 2},
        {"c-api.md", "the most specific stable code", "else the", 0},
        {"presence.md", "Only two things throw", "HTTP 401", 0},
        {"jitsi.md", "`unauthenticated` errors with the reason", ".", 0},
    };
    auto registered = as_set(reason::refusals);
    for (const auto& p : places) {
        auto codes = quoted_codes(p.column ? table_column(between(read_doc(p.doc), p.from, p.to), p.column)
                                           : between(read_doc(p.doc), p.from, p.to));
        INFO(p.doc << ": " << p.from);
        CHECK(codes.size() >= 3);
        for (const auto& c : codes) {
            INFO(c);
            CHECK(registered.count(c) == 1);
        }
    }
}
