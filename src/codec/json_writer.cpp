// Compact JSON text for every response of the library. Boost.JSON writes a
// double in exponent form ("6.666666666666666E-1"); readers accept it, but
// people and some tools do not expect it, so doubles are written here in the
// shortest decimal form that reads back exactly ("0.6666666666666666").
// Strings go through the token writer's escaper, which also turns any
// ill-formed UTF-8 into U+FFFD so the text is always valid UTF-8, and writes
// the Unicode line breaks U+2028, U+2029 and U+0085 as \u escapes: raw, they
// are valid JSON but end a line in JavaScript embedded in HTML (before ES2019)
// and in line-based logs.
#include <livecourse/json_api.hpp>

#include "jitsi/json_text.hpp"

#include <charconv>
#include <cmath>

namespace livecourse {

namespace {
void write(std::string& out, const boost::json::value& v) {
    using boost::json::kind;
    switch (v.kind()) {
    case kind::null: out += "null"; break;
    case kind::bool_: out += v.get_bool() ? "true" : "false"; break;
    case kind::int64: jitsi::detail::append_json_int(out, v.get_int64()); break;
    case kind::uint64: {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof buf, v.get_uint64());
        out.append(buf, r.ptr);
        break;
    }
    case kind::double_: {
        double d = v.get_double();
        if (!std::isfinite(d)) {  // JSON has no NaN or infinity
            out += "null";
            break;
        }
        char buf[32];
        auto r = std::to_chars(buf, buf + sizeof buf, d);
        std::string_view text(buf, static_cast<std::size_t>(r.ptr - buf));
        out += text;
        // Keep it a number that reads back as a double in every language.
        if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
        break;
    }
    case kind::string: jitsi::detail::append_json_string(out, v.get_string()); break;
    case kind::array: {
        out += '[';
        bool first = true;
        for (const auto& item : v.get_array()) {
            if (!first) out += ',';
            first = false;
            write(out, item);
        }
        out += ']';
        break;
    }
    case kind::object: {
        out += '{';
        bool first = true;
        for (const auto& kv : v.get_object()) {
            if (!first) out += ',';
            first = false;
            jitsi::detail::append_json_string(out, kv.key());
            out += ':';
            write(out, kv.value());
        }
        out += '}';
        break;
    }
    }
}
}  // namespace

std::string to_json_text(const boost::json::value& value) {
    std::string out;
    out.reserve(256);
    write(out, value);
    return out;
}

}  // namespace livecourse
