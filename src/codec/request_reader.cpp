#include "codec/request_reader.hpp"

#include <livecourse/error.hpp>

#include "domain/validation.hpp"

#include <fmt/format.h>

namespace livecourse::codec {

namespace {
[[noreturn]] void ill_typed(const std::string& field, std::string_view expected) {
    throw Error::invalid(field, fmt::format("{}: must be {}", field, expected));
}
[[noreturn]] void missing(const std::string& field) {
    throw Error::invalid(field, fmt::format("{}: is required", field));
}

bool two_digits(std::string_view s, std::size_t pos, unsigned& out) {
    if (pos + 2 > s.size()) return false;
    if (s[pos] < '0' || s[pos] > '9' || s[pos + 1] < '0' || s[pos + 1] > '9') return false;
    out = unsigned(s[pos] - '0') * 10 + unsigned(s[pos + 1] - '0');
    return true;
}
}  // namespace

const boost::json::value* RequestReader::find(std::string_view field) const {
    auto* v = object_.if_contains(field);
    if (!v || v->is_null()) return nullptr;
    return v;
}

std::optional<std::string> RequestReader::optional_string(std::string_view field) const {
    auto* v = find(field);
    if (!v) return std::nullopt;
    if (!v->is_string()) ill_typed(name(field), "a string");
    return std::string(v->get_string());
}

std::string RequestReader::string(std::string_view field) const {
    auto v = optional_string(field);
    if (!v) missing(name(field));
    return std::move(*v);
}

std::optional<std::int64_t> RequestReader::optional_integer(std::string_view field, std::int64_t min,
                                                            std::int64_t max) const {
    auto* v = find(field);
    if (!v) return std::nullopt;
    std::int64_t out;
    if (v->is_int64()) {
        out = v->get_int64();
    } else if (v->is_uint64()) {
        // Above INT64_MAX: out of every range we accept.
        throw Error::invalid(name(field), fmt::format("{}: must be an integer between {} and {}", name(field), min, max));
    } else {
        ill_typed(name(field), "an integer");
    }
    if (out < min || out > max)
        throw Error::invalid(name(field), fmt::format("{}: must be an integer between {} and {}", name(field), min, max));
    return out;
}

std::optional<double> RequestReader::optional_number(std::string_view field, double min, double max) const {
    auto* v = find(field);
    if (!v) return std::nullopt;
    double out;
    if (v->is_double())
        out = v->get_double();
    else if (v->is_int64())
        out = static_cast<double>(v->get_int64());
    else if (v->is_uint64())
        out = static_cast<double>(v->get_uint64());
    else
        ill_typed(name(field), "a number");
    if (!(out >= min && out <= max))
        throw Error::invalid(name(field), fmt::format("{}: must be a number between {} and {}", name(field), min, max));
    return out;
}

std::int64_t RequestReader::integer(std::string_view field, std::int64_t min, std::int64_t max) const {
    auto v = optional_integer(field, min, max);
    if (!v) missing(name(field));
    return *v;
}

std::optional<bool> RequestReader::optional_boolean(std::string_view field) const {
    auto* v = find(field);
    if (!v) return std::nullopt;
    if (!v->is_bool()) ill_typed(name(field), "true or false");
    return v->get_bool();
}

std::optional<Instant> RequestReader::optional_instant(std::string_view field, bool allow_date) const {
    auto* v = find(field);
    if (!v) return std::nullopt;
    if (!v->is_string())
        ill_typed(name(field), allow_date ? "an RFC 3339 time or a date (YYYY-MM-DD)" : "an RFC 3339 time");
    std::string_view text = v->get_string();
    if (allow_date && text.size() == 10) {
        if (auto d = parse_date(text); d && int(d->year()) >= 1970) return date::sys_days{*d};
    } else if (auto t = parse_rfc3339(text)) {
        return *t;
    }
    ill_typed(name(field), allow_date ? "an RFC 3339 time (\"2024-03-01T14:00:00Z\") or a date (\"2024-03-01\")"
                                      : "an RFC 3339 time such as \"2024-03-01T14:00:00Z\"");
}

Instant RequestReader::instant(std::string_view field, bool allow_date) const {
    auto v = optional_instant(field, allow_date);
    if (!v) missing(name(field));
    return *v;
}

std::optional<date::year_month_day> RequestReader::optional_date(std::string_view field) const {
    auto* v = find(field);
    if (!v) return std::nullopt;
    if (!v->is_string()) ill_typed(name(field), "a date (YYYY-MM-DD)");
    auto d = parse_date(v->get_string());
    if (!d) ill_typed(name(field), "a valid date such as \"2026-09-01\"");
    return d;
}

const boost::json::object* RequestReader::optional_object(std::string_view field) const {
    auto* v = find(field);
    if (!v) return nullptr;
    if (!v->is_object()) ill_typed(name(field), "an object");
    return &v->get_object();
}

const boost::json::array* RequestReader::optional_array(std::string_view field) const {
    auto* v = find(field);
    if (!v) return nullptr;
    if (!v->is_array()) ill_typed(name(field), "an array");
    return &v->get_array();
}

std::optional<date::year_month_day> parse_date(std::string_view s) {
    unsigned y1, y2, m, d;
    if (s.size() != 10 || !two_digits(s, 0, y1) || !two_digits(s, 2, y2) || s[4] != '-' || !two_digits(s, 5, m) ||
        s[7] != '-' || !two_digits(s, 8, d))
        return std::nullopt;
    date::year_month_day ymd{date::year{int(y1 * 100 + y2)}, date::month{m}, date::day{d}};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

Actor read_actor(const boost::json::object& request, std::size_t max_id_bytes, std::size_t max_name_bytes,
                 std::size_t max_url_bytes) {
    auto* v = request.if_contains("actor");
    if (!v || v->is_null())
        throw Error(ErrorCode::unauthenticated, "actor: this operation is done on behalf of a user; give \"actor\"",
                    std::string(reason::unauthenticated), "actor");
    if (!v->is_object()) throw Error::invalid("actor", "actor: must be an object {\"user_id\", ...}");
    RequestReader r(v->get_object(), "actor.");
    // An absent user_id is refused by make_actor as an empty one is.
    auto id = r.optional_string("user_id").value_or("");
    auto name = r.string_or("name", "");
    auto email = r.string_or("email", "");
    auto avatar = r.string_or("avatar", "");
    return make_actor(std::move(id), std::move(name), std::move(email), std::move(avatar), max_id_bytes,
                      max_name_bytes, max_url_bytes);
}

Actor make_actor(std::string user_id, std::string name, std::string email, std::string avatar,
                 std::size_t max_id_bytes, std::size_t max_name_bytes, std::size_t max_url_bytes) {
    if (user_id.empty())
        throw Error(ErrorCode::unauthenticated, "actor.user_id: an authenticated user is required",
                    std::string(reason::unauthenticated), "actor.user_id");
    Actor a;
    a.user_id = std::move(user_id);
    a.name = std::move(name);
    a.email = std::move(email);
    a.avatar = std::move(avatar);
    // The engine checks the same rules; checking here names the fields as
    // the request does ("actor.name", not "name").
    validate::id("actor.user_id", a.user_id, max_id_bytes);
    validate::text("actor.name", a.name, max_name_bytes, false, false);
    validate::text("actor.email", a.email, max_name_bytes, false, false);
    if (!a.avatar.empty()) validate::url("actor.avatar", a.avatar, max_url_bytes);
    return a;
}

namespace {
// A cursor over request text for read_acting_on_session: every step either
// matches the plain form or gives up.
struct PlainScanner {
    std::string_view s;
    std::size_t i = 0;

    void space() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    }
    bool take(char c) {
        space();
        if (i >= s.size() || s[i] != c) return false;
        ++i;
        return true;
    }
    // A string without escapes or control characters (which JSON forbids raw).
    bool string(std::string_view& out) {
        if (!take('"')) return false;
        std::size_t start = i;
        for (; i < s.size(); ++i) {
            auto c = static_cast<unsigned char>(s[i]);
            if (c == '"') {
                out = s.substr(start, i - start);
                ++i;
                return true;
            }
            if (c == '\\' || c < 0x20) return false;
        }
        return false;
    }
    // The members of a plain object, each a string: `member(key, value)`
    // accepts it (false: give up). The opening brace is already taken.
    template <class F> bool members(F&& member) {
        if (take('}')) return true;
        do {
            std::string_view key;
            if (!string(key) || !take(':') || !member(key)) return false;
        } while (take(','));
        return take('}');
    }
};

// Sets `slot` once from a string value.
bool once(PlainScanner& p, std::optional<std::string_view>& slot) {
    std::string_view v;
    if (slot || !p.string(v)) return false;
    slot = v;
    return true;
}
}  // namespace

std::optional<ActingOnSession> read_acting_on_session(std::string_view text) {
    if (!validate::is_utf8(text)) return std::nullopt;
    PlainScanner p{text};
    std::optional<std::string_view> user_id, name, email, avatar, session_id;
    bool actor = false;
    auto actor_member = [&](std::string_view key) {
        if (key == "user_id") return once(p, user_id);
        if (key == "name") return once(p, name);
        if (key == "email") return once(p, email);
        if (key == "avatar") return once(p, avatar);
        return false;
    };
    auto member = [&](std::string_view key) {
        if (key == "session_id") return once(p, session_id);
        if (key != "actor" || actor || !p.take('{')) return false;
        actor = true;
        return p.members(actor_member);
    };
    if (!p.take('{') || !p.members(member)) return std::nullopt;
    p.space();
    if (p.i != text.size() || !user_id || !session_id) return std::nullopt;
    return ActingOnSession{*user_id, name.value_or(""), email.value_or(""), avatar.value_or(""), *session_id};
}

}  // namespace livecourse::codec
