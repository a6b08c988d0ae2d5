#include "store/postgres/postgres_uri.hpp"

#include <livecourse/error.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace livecourse::pg {

namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
    return true;
}

std::string percent_decode(std::string_view s) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// The pieces of `scheme://[userinfo@]hostspec[/dbname][?query]`, split the
// way libpq splits them: the user info runs to an '@' met before any '/', so
// it may hold a '?'; the query starts at the first '?' after it.
struct UriParts {
    std::string_view scheme;     // "postgresql://"
    std::string_view userinfo;   // "user:password" (empty if none)
    bool has_userinfo = false;
    std::string_view location;   // "host:port/dbname"
    std::vector<std::string_view> params;  // "key=value" items of the query
};

UriParts split(std::string_view uri) {
    UriParts p;
    auto sep = uri.find("://");
    p.scheme = uri.substr(0, sep + 3);
    std::string_view rest = uri.substr(sep + 3);
    auto at = rest.find_first_of("@/");
    if (at != std::string_view::npos && rest[at] == '@') {
        p.has_userinfo = true;
        p.userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
    }
    auto q = rest.find('?');
    p.location = rest.substr(0, q);
    if (q != std::string_view::npos) {
        std::string_view query = rest.substr(q + 1);
        while (!query.empty()) {
            auto amp = query.find('&');
            auto item = query.substr(0, amp);
            if (!item.empty()) p.params.push_back(item);
            if (amp == std::string_view::npos) break;
            query = query.substr(amp + 1);
        }
    }
    return p;
}

std::string key_of(std::string_view param) { return percent_decode(param.substr(0, param.find('='))); }
std::string value_of(std::string_view param) {
    auto eq = param.find('=');
    return eq == std::string_view::npos ? std::string() : percent_decode(param.substr(eq + 1));
}

std::string join(const UriParts& p, std::string_view userinfo, const std::vector<std::string_view>& params) {
    std::string out(p.scheme);
    if (!userinfo.empty()) {
        out += userinfo;
        out += '@';
    }
    out += p.location;
    for (std::size_t i = 0; i < params.size(); ++i) {
        out += i == 0 ? '?' : '&';
        out += params[i];
    }
    return out;
}

int int_option(const std::string& key, const std::string& value, int min, int max) {
    int v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size() || v < min || v > max)
        throw Error::invalid("database", "database: " + key + " must be an integer from " + std::to_string(min) +
                                             " to " + std::to_string(max));
    return v;
}

}  // namespace

bool is_postgres_uri(std::string_view s) noexcept {
    return starts_with_nocase(s, "postgresql://") || starts_with_nocase(s, "postgres://");
}

void take_uri_options(PostgresOptions& options) {
    if (!is_postgres_uri(options.uri))
        throw Error::invalid("database", "database: a postgresql:// or postgres:// URI is required");
    UriParts p = split(options.uri);
    std::vector<std::string_view> kept;
    for (auto param : p.params) {
        auto key = key_of(param);
        if (key == "pool_size") options.pool_size = int_option(key, value_of(param), 1, 1000);
        else if (key == "statement_timeout_ms") options.statement_timeout_ms = int_option(key, value_of(param), 0, 86'400'000);
        else kept.push_back(param);
    }
    if (options.pool_size < 1 || options.pool_size > 1000)
        throw Error::invalid("database", "database: pool_size must be an integer from 1 to 1000");
    if (options.statement_timeout_ms < 0)
        throw Error::invalid("database", "database: statement_timeout_ms must not be negative");
    options.uri = join(p, p.userinfo, kept);
}

namespace {

// The parameters whose values are secrets: libpq's `password` and
// `sslpassword` (the client key's passphrase). Keys are compared without
// case: libpq's are case-sensitive, and hiding more is the safe side.
bool is_secret_key(std::string_view key) {
    auto eq = [&](std::string_view name) {
        return key.size() == name.size() &&
               std::equal(key.begin(), key.end(), name.begin(),
                          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
    };
    return eq("password") || eq("sslpassword");
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Where a secret sits in a database setting: [begin, end) of its text as
// written, and how to read it (percent-encoded in a URI, quoted and
// backslash-escaped in a keyword/value string).
struct SecretSpan {
    std::size_t begin, end;
    enum class Form { percent_encoded, conninfo } form;
};

// The secrets of a postgresql:// URI. The user info runs to an '@': libpq
// takes the first '@' met before any '/', so the password may hold a '?';
// the last such '@' is taken here, so that a password with a raw '@' is
// hidden whole. A password with a raw '/' makes libpq see no user info at
// all, yet it is still a password: without an '@' before the first '/', the
// last '@' before the first '?' ends the user info. Then every query
// parameter whose percent-decoded key is a secret's.
void uri_spans(std::string_view uri, std::vector<SecretSpan>& spans) {
    const std::size_t origin = uri.find("://") + 3;
    std::string_view rest = uri.substr(origin);
    std::size_t at = rest.substr(0, rest.find('/')).rfind('@');
    if (at == std::string_view::npos) at = rest.substr(0, rest.find('?')).rfind('@');
    std::size_t query_from = 0;
    if (at != std::string_view::npos) {
        auto colon = rest.substr(0, at).find(':');
        if (colon != std::string_view::npos && colon + 1 < at)
            spans.push_back({origin + colon + 1, origin + at, SecretSpan::Form::percent_encoded});
        query_from = at + 1;
    }
    auto q = rest.find('?', query_from);
    if (q == std::string_view::npos) return;
    for (std::size_t item = q + 1; item <= rest.size();) {
        auto amp = std::min(rest.find('&', item), rest.size());
        auto param = rest.substr(item, amp - item);
        auto eq = param.find('=');
        if (eq != std::string_view::npos && eq + 1 < param.size() && is_secret_key(key_of(param)))
            spans.push_back({origin + item + eq + 1, origin + amp, SecretSpan::Form::percent_encoded});
        item = amp + 1;
    }
}

// The secrets of a libpq keyword/value string (`host=h password='a b'`):
// `key = value` pairs separated by spaces, a value either a run of
// non-spaces or single-quoted, backslash escaping the next character in
// both. Words that are not a `key =` are stepped over rather than refused,
// so that a malformed string still has its password found (and a SQLite
// path, which has no such pair, yields nothing).
void conninfo_spans(std::string_view s, std::vector<SecretSpan>& spans) {
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        while (i < n && is_space(s[i])) ++i;
        const std::size_t key_begin = i;
        while (i < n && !is_space(s[i]) && s[i] != '=') ++i;
        const std::string_view key = s.substr(key_begin, i - key_begin);
        while (i < n && is_space(s[i])) ++i;
        if (i >= n || s[i] != '=') continue;
        ++i;
        while (i < n && is_space(s[i])) ++i;
        const std::size_t value_begin = i;
        if (i < n && s[i] == '\'') {
            for (++i; i < n && s[i] != '\''; ++i)
                if (s[i] == '\\') ++i;
            if (i < n) ++i;  // the closing quote
        } else {
            for (; i < n && !is_space(s[i]); ++i)
                if (s[i] == '\\') ++i;
        }
        i = std::min(i, n);
        if (i > value_begin && is_secret_key(key)) spans.push_back({value_begin, i, SecretSpan::Form::conninfo});
    }
}

std::vector<SecretSpan> secret_spans(std::string_view database) {
    std::vector<SecretSpan> spans;
    if (is_postgres_uri(database)) uri_spans(database, spans);
    else if (database.find('=') != std::string_view::npos) conninfo_spans(database, spans);  // libpq's own test
    return spans;
}

// A conninfo value as libpq reads it: quotes removed, escapes undone.
std::string conninfo_value(std::string_view raw) {
    bool quoted = !raw.empty() && raw.front() == '\'';
    if (quoted) raw.remove_prefix(1);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\' && i + 1 < raw.size()) out += raw[++i];
        else if (!(quoted && raw[i] == '\'' && i + 1 == raw.size())) out += raw[i];
    }
    return out;
}

}  // namespace

Secrets::Secrets(std::string_view database) {
    auto add = [&](std::string text) {
        if (!text.empty() && std::find(secrets_.begin(), secrets_.end(), text) == secrets_.end())
            secrets_.push_back(std::move(text));
    };
    for (const auto& span : secret_spans(database)) {
        std::string_view raw = database.substr(span.begin, span.end - span.begin);
        add(std::string(raw));
        std::string read =
            span.form == SecretSpan::Form::percent_encoded ? percent_decode(raw) : conninfo_value(raw);
        // The pieces of a user-info password with a raw '@' or '/': libpq
        // reads the first as the password and the others as host or port,
        // which its messages may quote.
        if (span.form == SecretSpan::Form::percent_encoded)
            for (std::size_t from = 0; from < raw.size();) {
                auto cut = std::min(raw.find_first_of("@/", from), raw.size());
                if (cut - from < raw.size()) {
                    add(std::string(raw.substr(from, cut - from)));
                    add(percent_decode(raw.substr(from, cut - from)));
                }
                from = cut + 1;
            }
        add(std::move(read));
    }
    // Longest first, so that a secret containing another is replaced whole.
    std::sort(secrets_.begin(), secrets_.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

std::string Secrets::scrub(std::string message) const {
    for (const auto& secret : secrets_) {
        for (auto pos = message.find(secret); pos != std::string::npos; pos = message.find(secret, pos + 3))
            message.replace(pos, secret.size(), "***");
    }
    return message;
}

}  // namespace livecourse::pg

namespace livecourse {

std::string redact_database_location(std::string_view database) {
    std::string out;
    std::size_t from = 0;
    for (const auto& span : pg::secret_spans(database)) {
        out.append(database.substr(from, span.begin - from));
        out += "***";
        from = span.end;
    }
    out.append(database.substr(from));
    return out;
}

}  // namespace livecourse
