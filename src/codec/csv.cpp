#include <livecourse/csv.hpp>

#include <fmt/format.h>

namespace livecourse::csv {

namespace {

bool starts_a_formula(std::string_view text) {
    if (text.empty()) return false;
    switch (text.front()) {
    case '=':
    case '+':
    case '-':
    case '@':
    case '\t':
    case '\r': return true;
    default: return false;
    }
}

std::string quoted(std::string_view prefix, std::string_view text) {
    std::string out;
    out.reserve(text.size() + prefix.size() + 2);
    out += '"';
    out += prefix;
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

}  // namespace

std::string text_field(std::string_view text) {
    if (starts_a_formula(text)) return quoted("'", text);
    if (text.find_first_of(",\"\r\n") != std::string_view::npos) return quoted("", text);
    return std::string(text);
}

std::string number_field(std::int64_t value) { return fmt::format("{}", value); }

// The shortest decimal that reads back as the same double.
std::string number_field(double value) { return fmt::format("{}", value); }

void append_record(std::string& out, const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        out += fields[i];
    }
    out += "\r\n";
}

}  // namespace livecourse::csv
