#include "server_config.hpp"

#include <livecourse/error.hpp>
#include <livecourse/hmac.hpp>
#include <livecourse/jitsi.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace lcserver {

namespace fs = std::filesystem;
using livecourse::jitsi::min_secret_bytes;

const std::vector<std::string>& setting_names() {
    static const std::vector<std::string> names = {
        "LIVECOURSE_LISTEN",
        "LIVECOURSE_DB",
        "LIVECOURSE_API_SECRET",
        "LIVECOURSE_API_ISSUER",
        "LIVECOURSE_API_AUDIENCE",
        "LIVECOURSE_FEED_SECRET",
        "LIVECOURSE_PUBLIC_URL",
        "LIVECOURSE_JOIN_URL_PATTERN",
        "LIVECOURSE_MAX_BODY_BYTES",
        "LIVECOURSE_THREADS",
        "LIVECOURSE_PARTICIPANTS_MAY_SHARE_SCREEN",
        "JITSI_DOMAIN",
        "JITSI_TENANT",
        "JITSI_APP_ID",
        "JITSI_APP_SECRET",
        "JWT_SECRET",
        "JITSI_ROOM_PREFIX",
        "JAAS_APP_ID",
        "JAAS_KEY_ID",
        "JAAS_PRIVATE_KEY_FILE",
        "LIVECOURSE_VIDEO_EVENTS_SECRET",
        "JAAS_WEBHOOK_SECRET",
        "LIVECOURSE_PRESENCE_TIMEOUT_SECONDS",
        "LIVECOURSE_NOTIFY_URL",
        "LIVECOURSE_NOTIFY_SECRET",
        "LIVECOURSE_NOTIFY_MAX_ATTEMPTS",
        "LIVECOURSE_NOTIFY_TIMEOUT_SECONDS",
        "LIVECOURSE_NOTIFY_FIRST_RETRY_SECONDS",
        "LIVECOURSE_NOTIFY_MAX_RETRY_SECONDS",
        "LIVECOURSE_NOTIFY_WORKERS",
        "LIVECOURSE_NOTIFY_POLL_MS",
    };
    return names;
}

namespace {

std::string read_file(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(fmt::format("{}: cannot read {}: {}", what, path, std::strerror(errno)));
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string setting_text(const std::string& key, const boost::json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_int64()) return std::to_string(v.get_int64());
    if (v.is_uint64()) return std::to_string(v.get_uint64());
    if (v.is_bool()) return v.get_bool() ? "true" : "false";
    throw ConfigError(fmt::format("config file: {} must be a string, an integer or a boolean", key));
}

std::string get(const std::map<std::string, std::string>& s, const std::string& key) {
    auto it = s.find(key);
    return it == s.end() ? std::string() : it->second;
}

long parse_int(const std::string& key, const std::string& text, long lo, long hi) {
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE || v < lo || v > hi)
        throw ConfigError(fmt::format("{}: expected an integer between {} and {}, got \"{}\"", key, lo, hi, text));
    return v;
}

bool parse_bool(const std::string& key, const std::string& text) {
    std::string t = text;
    std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
    if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
    if (t == "0" || t == "false" || t == "no" || t == "off") return false;
    throw ConfigError(fmt::format("{}: expected true or false, got \"{}\"", key, text));
}

void require_secret_length(const std::string& key, const std::string& secret) {
    if (secret.size() < min_secret_bytes)
        throw ConfigError(fmt::format(
            "{} is {} bytes long; at least {} bytes are required (generate one with: openssl rand -base64 48)", key,
            secret.size(), min_secret_bytes));
}

void parse_listen(ServerConfig& c, const std::string& text) {
    std::string host, port;
    if (!text.empty() && text.front() == '[') {  // [::1]:8080
        auto close = text.find(']');
        if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
            throw ConfigError(fmt::format("LIVECOURSE_LISTEN: expected host:port, got \"{}\"", text));
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        auto colon = text.rfind(':');
        if (colon == std::string::npos || colon == 0)
            throw ConfigError(fmt::format("LIVECOURSE_LISTEN: expected host:port (e.g. 127.0.0.1:8080), got \"{}\"", text));
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }
    if (host.empty()) throw ConfigError("LIVECOURSE_LISTEN: the host is empty");
    c.listen_host = host;
    c.listen_port = static_cast<int>(parse_int("LIVECOURSE_LISTEN (port)", port, 0, 65535));
}

// "meet.example.com", "meet.example.com:8443" or a full "https://..." URL.
std::string server_url_of(const std::string& domain) {
    if (domain.find("://") != std::string::npos) return domain;
    return "https://" + domain;
}

bool is_public_meet(const std::string& domain) {
    std::string d = domain;
    std::transform(d.begin(), d.end(), d.begin(), [](unsigned char ch) { return std::tolower(ch); });
    while (!d.empty() && d.back() == '/') d.pop_back();
    return d == "meet.jit.si" || d == "https://meet.jit.si";
}

std::string random_secret() {
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    std::string raw(36, '\0');
    if (!urandom.read(raw.data(), static_cast<std::streamsize>(raw.size())))
        throw ConfigError("demo mode: cannot read /dev/urandom to generate a secret");
    return livecourse::base64url_encode(raw);  // 48 characters
}

// The demo's API secret lives beside its database so that the printed tokens
// keep working across restarts; it is created owner-readable only.
std::string demo_api_secret(const std::string& database, std::vector<std::string>& notes) {
    fs::path dir = is_database_uri(database) ? fs::path("var") : fs::path(database).parent_path();
    if (dir.empty()) dir = ".";
    std::error_code ec;
    fs::create_directories(dir, ec);
    fs::path file = dir / "demo-api-secret";
    if (fs::exists(file)) {
        std::string s = read_file(file.string(), "demo mode");
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        if (s.size() >= min_secret_bytes) return s;
    }
    std::string s = random_secret();
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        if (!out) throw ConfigError(fmt::format("demo mode: cannot write {}", file.string()));
        out << s << '\n';
    }
    ::chmod(file.c_str(), 0600);
    notes.push_back(fmt::format("demo mode: generated a new API secret in {}", file.string()));
    return s;
}

// --- notifications: the outbox's retry policy (any consumer) and the
// webhook delivery loop (when LIVECOURSE_NOTIFY_URL is set).
void build_notify_config(ServerConfig& c, const std::map<std::string, std::string>& s) {
    auto& n = c.engine.notifications;
    if (auto v = get(s, "LIVECOURSE_NOTIFY_MAX_ATTEMPTS"); !v.empty())
        n.max_attempts = static_cast<int>(parse_int("LIVECOURSE_NOTIFY_MAX_ATTEMPTS", v, 1, 1000));
    if (auto v = get(s, "LIVECOURSE_NOTIFY_FIRST_RETRY_SECONDS"); !v.empty())
        n.first_retry = std::chrono::seconds(parse_int("LIVECOURSE_NOTIFY_FIRST_RETRY_SECONDS", v, 1, 86400));
    if (auto v = get(s, "LIVECOURSE_NOTIFY_MAX_RETRY_SECONDS"); !v.empty())
        n.max_retry = std::chrono::seconds(parse_int("LIVECOURSE_NOTIFY_MAX_RETRY_SECONDS", v, 1, 7 * 86400));
    if (n.max_retry < n.first_retry)
        throw ConfigError("LIVECOURSE_NOTIFY_MAX_RETRY_SECONDS must be at least LIVECOURSE_NOTIFY_FIRST_RETRY_SECONDS");
    auto& d = c.notify;
    if (auto v = get(s, "LIVECOURSE_NOTIFY_TIMEOUT_SECONDS"); !v.empty())
        d.timeout_seconds = static_cast<int>(parse_int("LIVECOURSE_NOTIFY_TIMEOUT_SECONDS", v, 1, 120));
    if (auto v = get(s, "LIVECOURSE_NOTIFY_WORKERS"); !v.empty())
        d.workers = static_cast<int>(parse_int("LIVECOURSE_NOTIFY_WORKERS", v, 1, 64));
    if (auto v = get(s, "LIVECOURSE_NOTIFY_POLL_MS"); !v.empty())
        d.poll_ms = static_cast<int>(parse_int("LIVECOURSE_NOTIFY_POLL_MS", v, 10, 60000));
    d.url = get(s, "LIVECOURSE_NOTIFY_URL");
    std::string secret = get(s, "LIVECOURSE_NOTIFY_SECRET");
    if (d.url.empty()) {
        if (!secret.empty())
            c.notes.push_back("LIVECOURSE_NOTIFY_SECRET is set but LIVECOURSE_NOTIFY_URL is not: no webhooks are sent");
        return;
    }
    if (d.url.rfind("http://", 0) != 0 && d.url.rfind("https://", 0) != 0)
        throw ConfigError("LIVECOURSE_NOTIFY_URL: expected an http:// or https:// URL");
    if (secret.empty())
        throw ConfigError("LIVECOURSE_NOTIFY_URL is set but LIVECOURSE_NOTIFY_SECRET is not: webhooks are signed "
                          "as Standard Webhooks specifies, with a secret of the form whsec_<base64 of at least 32 "
                          "random bytes> (generate one with: echo whsec_$(openssl rand -base64 32))");
    constexpr std::string_view prefix = "whsec_";
    if (secret.rfind(prefix, 0) != 0)
        throw ConfigError("LIVECOURSE_NOTIFY_SECRET: expected whsec_<base64> (the Standard Webhooks form)");
    std::string encoded = secret.substr(prefix.size());
    while (encoded.size() % 4 != 0) encoded += '=';  // tolerate unpadded base64
    auto key = livecourse::base64_decode(encoded);
    if (!key)
        throw ConfigError("LIVECOURSE_NOTIFY_SECRET: the part after whsec_ is not valid base64");
    if (key->size() < min_secret_bytes)
        throw ConfigError(fmt::format("LIVECOURSE_NOTIFY_SECRET decodes to {} bytes; at least {} are required "
                                      "(generate one with: echo whsec_$(openssl rand -base64 32))",
                                      key->size(), min_secret_bytes));
    d.key = std::move(*key);
}

}  // namespace

std::map<std::string, std::string> read_settings(const std::optional<std::string>& config_file) {
    std::map<std::string, std::string> settings;
    const auto& names = setting_names();
    if (config_file) {
        std::string text = read_file(*config_file, "--config");
        boost::system::error_code ec;
        boost::json::value doc = boost::json::parse(text, ec);
        if (ec) throw ConfigError(fmt::format("{}: not valid JSON ({})", *config_file, ec.message()));
        if (!doc.is_object()) throw ConfigError(fmt::format("{}: expected one JSON object", *config_file));
        for (const auto& [k, v] : doc.get_object()) {
            std::string key(k);
            if (std::find(names.begin(), names.end(), key) == names.end())
                throw ConfigError(fmt::format("{}: unknown setting \"{}\" (settings use the environment variable "
                                              "names, e.g. LIVECOURSE_LISTEN)",
                                              *config_file, key));
            if (!v.is_null()) settings[key] = setting_text(key, v);
        }
    }
    for (const auto& name : names)
        if (const char* v = std::getenv(name.c_str()); v && *v) settings[name] = v;
    return settings;
}

bool is_database_uri(const std::string& database) {
    return database.rfind("postgresql://", 0) == 0 || database.rfind("postgres://", 0) == 0;
}

std::string redacted_database(const std::string& database) {
    if (!is_database_uri(database)) return database;
    std::string out = database;
    auto scheme_end = out.find("://") + 3;
    auto authority_end = out.find_first_of("/?", scheme_end);
    auto at = out.rfind('@', authority_end == std::string::npos ? out.size() : authority_end);
    if (at != std::string::npos && at > scheme_end) {
        auto colon = out.find(':', scheme_end);
        if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    for (auto pos = out.find("password="); pos != std::string::npos; pos = out.find("password=", pos + 1)) {
        auto value = pos + 9;
        auto end = out.find('&', value);
        out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
    }
    return out;
}

std::string derive_feed_secret(const std::string& api_secret) {
    return livecourse::base64url_encode(livecourse::hmac_sha256(api_secret, "livecourse-server calendar feed key v1"));
}

ServerConfig build_config(const std::map<std::string, std::string>& s, bool demo) {
    ServerConfig c;
    c.demo = demo;
    if (auto v = get(s, "LIVECOURSE_LISTEN"); !v.empty()) parse_listen(c, v);
    if (auto v = get(s, "LIVECOURSE_DB"); !v.empty()) c.database = v;
    if (auto v = get(s, "LIVECOURSE_MAX_BODY_BYTES"); !v.empty())
        c.max_body_bytes = static_cast<std::size_t>(parse_int("LIVECOURSE_MAX_BODY_BYTES", v, 1024, 64L << 20));
    if (auto v = get(s, "LIVECOURSE_THREADS"); !v.empty())
        c.threads = static_cast<int>(parse_int("LIVECOURSE_THREADS", v, 1, 1024));
    c.public_url = get(s, "LIVECOURSE_PUBLIC_URL");
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
    if (!c.public_url.empty() && c.public_url.rfind("http://", 0) != 0 && c.public_url.rfind("https://", 0) != 0)
        throw ConfigError("LIVECOURSE_PUBLIC_URL: expected an http:// or https:// URL");

    // --- the LMS's bearer tokens
    c.api_secret = get(s, "LIVECOURSE_API_SECRET");
    if (c.api_secret.empty()) {
        if (!demo)
            throw ConfigError(
                "LIVECOURSE_API_SECRET is not set: it is the HS256 secret the LMS signs its bearer tokens with "
                "(at least 32 bytes; generate one with: openssl rand -base64 48). Use --demo to try the server "
                "without one.");
        c.api_secret = demo_api_secret(c.database, c.notes);
    }
    require_secret_length("LIVECOURSE_API_SECRET", c.api_secret);
    c.api_issuer = get(s, "LIVECOURSE_API_ISSUER");
    c.api_audience = get(s, "LIVECOURSE_API_AUDIENCE");

    // --- the engine
    auto& e = c.engine;
    e.database = c.database;
    if (auto v = get(s, "LIVECOURSE_PARTICIPANTS_MAY_SHARE_SCREEN"); !v.empty())
        e.participants_may_share_screen = parse_bool("LIVECOURSE_PARTICIPANTS_MAY_SHARE_SCREEN", v);

    std::string feed_secret = get(s, "LIVECOURSE_FEED_SECRET");
    if (feed_secret.empty()) {
        feed_secret = derive_feed_secret(c.api_secret);
        if (!demo)
            c.notes.push_back("LIVECOURSE_FEED_SECRET is not set: calendar feed URLs are keyed by a secret derived "
                              "from LIVECOURSE_API_SECRET and will change if it changes");
    }
    require_secret_length("LIVECOURSE_FEED_SECRET", feed_secret);
    e.calendar.feed_secret = feed_secret;
    if (auto v = get(s, "LIVECOURSE_JOIN_URL_PATTERN"); !v.empty()) e.calendar.join_url_pattern = v;

    // --- Jitsi: JaaS when JAAS_APP_ID is set, self-hosted with a secret,
    // else the public meet.jit.si (no token; room name and password protect).
    auto& j = e.jitsi;
    std::string domain = get(s, "JITSI_DOMAIN");
    if (domain.empty()) domain = "meet.jit.si";
    if (auto v = get(s, "JITSI_ROOM_PREFIX"); !v.empty()) j.room_prefix = v;
    std::string jaas_app = get(s, "JAAS_APP_ID");
    std::string app_secret = get(s, "JITSI_APP_SECRET");
    std::string secret_name = "JITSI_APP_SECRET";
    if (app_secret.empty() && !get(s, "JWT_SECRET").empty()) {
        app_secret = get(s, "JWT_SECRET");
        secret_name = "JWT_SECRET";
    }
    if (!jaas_app.empty()) {
        j.mode = livecourse::jitsi::Mode::jaas;
        j.server_url.clear();  // https://8x8.vc
        j.app_id = jaas_app;
        j.jaas_key_id = get(s, "JAAS_KEY_ID");
        if (j.jaas_key_id.empty()) throw ConfigError("JAAS_APP_ID is set but JAAS_KEY_ID is not (the key id shown in the JaaS console)");
        std::string key_file = get(s, "JAAS_PRIVATE_KEY_FILE");
        if (key_file.empty()) throw ConfigError("JAAS_APP_ID is set but JAAS_PRIVATE_KEY_FILE is not (the RSA private key uploaded to JaaS, PEM)");
        j.jaas_private_key_pem = read_file(key_file, "JAAS_PRIVATE_KEY_FILE");
    } else if (!app_secret.empty()) {
        if (is_public_meet(domain)) {
            if (secret_name == "JITSI_APP_SECRET")
                throw ConfigError("JITSI_APP_SECRET is set but JITSI_DOMAIN is meet.jit.si, which accepts no "
                                  "third-party tokens: set JITSI_DOMAIN to your own Jitsi server");
            c.notes.push_back("JWT_SECRET is set but JITSI_DOMAIN is meet.jit.si (which accepts no tokens): "
                              "running in public mode without Jitsi tokens");
        } else {
            require_secret_length(secret_name, app_secret);
            j.mode = livecourse::jitsi::Mode::self_hosted;
            j.server_url = server_url_of(domain);
            j.app_id = get(s, "JITSI_APP_ID");
            if (j.app_id.empty())
                throw ConfigError(fmt::format("{} is set but JITSI_APP_ID is not (the token issuer prosody expects, "
                                              "its app_id)",
                                              secret_name));
            j.app_secret = app_secret;
            j.tenant = get(s, "JITSI_TENANT");
        }
    }
    if (j.mode == livecourse::jitsi::Mode::public_server) {
        j.server_url = server_url_of(domain);
        j.tenant = get(s, "JITSI_TENANT");
    }
    try {
        livecourse::jitsi::validate(j);
    } catch (const livecourse::Error& err) {
        throw ConfigError(fmt::format("Jitsi settings: {}", err.what()));
    }

    // --- presence the video server reports (docs/presence.md). The JaaS
    // webhook is served whenever its secret is set, whatever the token mode.
    auto& p = e.presence;
    p.video_events_secret = get(s, "LIVECOURSE_VIDEO_EVENTS_SECRET");
    if (!p.video_events_secret.empty()) require_secret_length("LIVECOURSE_VIDEO_EVENTS_SECRET", p.video_events_secret);
    p.jaas_webhook_secret = get(s, "JAAS_WEBHOOK_SECRET");
    p.jaas_app_id = jaas_app;
    if (auto v = get(s, "LIVECOURSE_PRESENCE_TIMEOUT_SECONDS"); !v.empty())
        p.presence_timeout = std::chrono::seconds(parse_int("LIVECOURSE_PRESENCE_TIMEOUT_SECONDS", v, 10, 3600));
    build_notify_config(c, s);
    return c;
}

}  // namespace lcserver
