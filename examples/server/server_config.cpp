#include "server_config.hpp"

#include <livecourse/error.hpp>
#include <livecourse/hmac.hpp>
#include <livecourse/jitsi.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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
        "LIVECOURSE_API_TOKEN_MAX_LIFETIME_SECONDS",
        "LIVECOURSE_FEED_SECRET",
        "LIVECOURSE_PUBLIC_URL",
        "LIVECOURSE_JOIN_URL_PATTERN",
        "LIVECOURSE_MAX_BODY_BYTES",
        "LIVECOURSE_THREADS",
        "LIVECOURSE_HTTP_HEADER_TIMEOUT_SECONDS",
        "LIVECOURSE_HTTP_BODY_TIMEOUT_SECONDS",
        "LIVECOURSE_HTTP_IDLE_TIMEOUT_SECONDS",
        "LIVECOURSE_HTTP_MAX_CONNECTIONS",
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

bool is_loopback(const std::string& host) {
    if (host == "localhost" || host == "::1") return true;
    // 127.0.0.0/8, written as a dotted quad.
    unsigned a, b, c, d;
    char tail;
    return std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 && c < 256 &&
           d < 256;
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
// keep working across restarts. The file is created owner-only in one step
// (never chmod-ed afterwards) and never followed through a symlink.
std::string demo_api_secret(const std::string& database, std::vector<std::string>& notes) {
    fs::path dir = is_database_uri(database) ? fs::path("var") : fs::path(database).parent_path();
    if (dir.empty()) dir = ".";
    create_private_directories(dir);
    fs::path file = dir / "demo-api-secret";
    int fd = ::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st {};
        std::string s;
        if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == ::geteuid()) {
            char buf[256];
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n > 0) s.assign(buf, static_cast<std::size_t>(n));
        }
        ::close(fd);
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        if (s.size() >= min_secret_bytes) return s;
        throw ConfigError(fmt::format("demo mode: {} is not a secret file of this user's (at least {} bytes); "
                                      "remove it to generate a new one",
                                      file.string(), min_secret_bytes));
    }
    if (errno != ENOENT)
        throw ConfigError(fmt::format("demo mode: cannot read {}: {}", file.string(), std::strerror(errno)));
    std::string s = random_secret();
    fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) throw ConfigError(fmt::format("demo mode: cannot create {}: {}", file.string(), std::strerror(errno)));
    std::string line = s + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ok = ::close(fd) == 0 && ok;
    if (!ok) throw ConfigError(fmt::format("demo mode: cannot write {}", file.string()));
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

void create_private_directories(const std::filesystem::path& dir) {
    fs::path path;
    for (const auto& part : dir) {
        path /= part;
        if (part == "/" || part == "." || part == "..") continue;
        if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST)
            throw ConfigError(fmt::format("cannot create the directory {}: {}", path.string(), std::strerror(errno)));
    }
}

bool is_database_uri(const std::string& database) {
    return database.rfind("postgresql://", 0) == 0 || database.rfind("postgres://", 0) == 0;
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
    auto seconds = [&](const char* key, std::chrono::milliseconds& out) {
        if (auto v = get(s, key); !v.empty()) out = std::chrono::seconds(parse_int(key, v, 1, 3600));
    };
    seconds("LIVECOURSE_HTTP_HEADER_TIMEOUT_SECONDS", c.http.header_timeout);
    seconds("LIVECOURSE_HTTP_BODY_TIMEOUT_SECONDS", c.http.body_timeout);
    seconds("LIVECOURSE_HTTP_IDLE_TIMEOUT_SECONDS", c.http.idle_timeout);
    if (auto v = get(s, "LIVECOURSE_HTTP_MAX_CONNECTIONS"); !v.empty())
        c.http.max_connections = static_cast<std::size_t>(parse_int("LIVECOURSE_HTTP_MAX_CONNECTIONS", v, 16, 1000000));
    c.http.max_body_bytes = c.max_body_bytes;
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
    if (auto v = get(s, "LIVECOURSE_API_ISSUER"); !v.empty()) c.api_issuer = v;
    if (auto v = get(s, "LIVECOURSE_API_AUDIENCE"); !v.empty()) c.api_audience = v;
    if (auto v = get(s, "LIVECOURSE_API_TOKEN_MAX_LIFETIME_SECONDS"); !v.empty())
        c.api_token_max_lifetime =
            std::chrono::seconds(parse_int("LIVECOURSE_API_TOKEN_MAX_LIFETIME_SECONDS", v, 60, 30L * 86400));

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
    if (!p.jaas_webhook_secret.empty()) require_secret_length("JAAS_WEBHOOK_SECRET", p.jaas_webhook_secret);
    p.jaas_app_id = jaas_app;
    if (auto v = get(s, "LIVECOURSE_PRESENCE_TIMEOUT_SECONDS"); !v.empty())
        p.presence_timeout = std::chrono::seconds(parse_int("LIVECOURSE_PRESENCE_TIMEOUT_SECONDS", v, 10, 3600));
    build_notify_config(c, s);

    // One secret per purpose: were two equal, a credential minted for one
    // (a student's Jitsi token, the video server's event secret) would be
    // accepted as another (an API bearer token).
    std::vector<std::pair<std::string, std::string>> secrets = {{"LIVECOURSE_API_SECRET", c.api_secret}};
    if (!get(s, "LIVECOURSE_FEED_SECRET").empty()) secrets.emplace_back("LIVECOURSE_FEED_SECRET", feed_secret);
    if (!j.app_secret.empty()) secrets.emplace_back(secret_name, j.app_secret);
    if (!p.video_events_secret.empty()) secrets.emplace_back("LIVECOURSE_VIDEO_EVENTS_SECRET", p.video_events_secret);
    if (!p.jaas_webhook_secret.empty()) secrets.emplace_back("JAAS_WEBHOOK_SECRET", p.jaas_webhook_secret);
    if (!c.notify.key.empty()) secrets.emplace_back("LIVECOURSE_NOTIFY_SECRET", c.notify.key);
    for (std::size_t a = 0; a < secrets.size(); ++a)
        for (std::size_t b = a + 1; b < secrets.size(); ++b)
            if (secrets[a].second == secrets[b].second)
                throw ConfigError(fmt::format("{} and {} are the same secret: give each purpose its own (generate "
                                              "one with: openssl rand -base64 48)",
                                              secrets[a].first, secrets[b].first));

    // The demo's tokens and secret are printed: it serves on loopback only.
    if (demo && !is_loopback(c.listen_host))
        throw ConfigError(fmt::format("--demo serves on a loopback address only (127.0.0.1, ::1 or localhost), "
                                      "not \"{}\": configure the secrets and run without --demo to serve a network",
                                      c.listen_host));
    return c;
}

}  // namespace lcserver
