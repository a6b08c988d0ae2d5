// Server configuration: environment variables, optionally over a JSON config
// file, checked once at start-up so that a misconfigured server refuses to
// start with a message an operator can act on rather than failing requests.
//
// The setting names are the environment variable names (LIVECOURSE_LISTEN,
// LIVECOURSE_DB, LIVECOURSE_API_SECRET, JITSI_DOMAIN, JITSI_APP_ID,
// JITSI_APP_SECRET / JWT_SECRET, JAAS_APP_ID, ...); a config file is one JSON
// object using the same names as keys, and the environment overrides it.
//
// Thread-safety: plain values, built before the server starts.
#pragma once

#include "http_server.hpp"

#include <livecourse/engine.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lcserver {

// A configuration the server cannot run with; the message is for operators.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Webhook delivery of the notification outbox (docs/notifications.md);
// active when `url` is set.
struct NotifyConfig {
    std::string url;               // LIVECOURSE_NOTIFY_URL: http(s)://host[:port]/path
    std::string key;               // the decoded bytes of LIVECOURSE_NOTIFY_SECRET (whsec_<base64>)
    int timeout_seconds = 10;      // connect, write and read, each
    int workers = 2;               // deliveries in flight at once, per process
    int poll_ms = 1000;            // pause when nothing is due
};

struct ServerConfig {
    std::string listen_host = "127.0.0.1";
    int listen_port = 8080;  // 0: any free port (printed at start-up)
    std::string database = "./var/livecourse.db";

    // Verifies the LMS's bearer tokens (HS256): iss and aud are always
    // checked, and a token may not live longer than the maximum lifetime
    // (its exp at most that far from now, and from its iat).
    std::string api_secret;
    std::string api_issuer = "livecourse-lms";
    std::string api_audience = "livecourse-api";
    std::chrono::seconds api_token_max_lifetime{24 * 3600};

    // Base of the calendar feed URLs ("https://lms.example.edu"); feed URLs
    // are refused while it is empty (in --demo it is the listen address).
    std::string public_url;
    std::size_t max_body_bytes = 64 * 1024;
    int threads = 8;
    http::Limits http;  // deadlines and bounds of the HTTP transport; its max_body_bytes is the one above

    livecourse::EngineConfig engine;  // database, jitsi and calendar filled in
    NotifyConfig notify;
    bool demo = false;

    // Non-fatal remarks to print at start-up (never containing a secret).
    std::vector<std::string> notes;
};

// Every setting name the server reads, in documentation order.
const std::vector<std::string>& setting_names();

// Reads the settings: the config file's (when given), then the process
// environment on top. Throws ConfigError.
std::map<std::string, std::string> read_settings(const std::optional<std::string>& config_file);

// Builds and checks the configuration. Throws ConfigError naming the setting
// at fault: a secret shorter than 32 bytes, no LIVECOURSE_API_SECRET outside
// demo mode, an unreadable JaaS key, an unparsable listen address, ...
// In demo mode a missing API secret is read from (or generated into)
// "demo-api-secret" beside the database.
ServerConfig build_config(const std::map<std::string, std::string>& settings, bool demo);

// The secret a feed key is derived from when LIVECOURSE_FEED_SECRET is unset.
std::string derive_feed_secret(const std::string& api_secret);

// Creates `dir` and its missing parents owner-only (0700); existing ones are
// left as they are. Throws ConfigError.
void create_private_directories(const std::filesystem::path& dir);

// True for a "postgresql://" or "postgres://" LIVECOURSE_DB (anything else is
// a SQLite file path, whose directory the server creates).
bool is_database_uri(const std::string& database);

}  // namespace lcserver
