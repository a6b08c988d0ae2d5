#include "store/postgres_uri.hpp"

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

std::string redact_uri(std::string_view uri) {
    if (!is_postgres_uri(uri)) return "(not a postgresql:// URI)";
    UriParts p = split(uri);
    std::vector<std::string_view> kept;
    for (auto param : p.params)
        if (key_of(param) != "password") kept.push_back(param);
    return join(p, p.userinfo.substr(0, p.userinfo.find(':')), kept);
}

Secrets::Secrets(std::string_view uri) {
    if (!is_postgres_uri(uri)) return;
    UriParts p = split(uri);
    auto add = [&](std::string_view raw) {
        if (raw.empty()) return;
        secrets_.emplace_back(raw);
        auto decoded = percent_decode(raw);
        if (decoded != raw && !decoded.empty()) secrets_.push_back(std::move(decoded));
    };
    auto colon = p.userinfo.find(':');
    if (colon != std::string_view::npos) add(p.userinfo.substr(colon + 1));
    for (auto param : p.params)
        if (key_of(param) == "password") {
            auto eq = param.find('=');
            if (eq != std::string_view::npos) add(param.substr(eq + 1));
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
