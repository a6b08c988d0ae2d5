#include "webhook_delivery.hpp"

#include "access_log.hpp"

#include <livecourse/error.hpp>
#include <livecourse/json_api.hpp>

#include <fmt/format.h>
#include <httplib.h>

#include <chrono>

namespace lcserver {

namespace {

// "https://hooks.example.edu:8443/lc?x=1" -> ("https://hooks.example.edu:8443", "/lc?x=1").
std::pair<std::string, std::string> split_url(const std::string& url) {
    auto scheme_end = url.find("://");
    auto path_start = url.find_first_of("/?#", scheme_end == std::string::npos ? 0 : scheme_end + 3);
    if (path_start == std::string::npos) return {url, "/"};
    std::string path = url.substr(path_start);
    if (auto hash = path.find('#'); hash != std::string::npos) path.erase(hash);
    if (path.empty() || path[0] != '/') path.insert(0, "/");
    return {url.substr(0, path_start), path};
}

}  // namespace

// Credentials in the authority and the query string (where receivers often
// put a secret of theirs) are never logged: scheme, host, port and path only.
std::string loggable_url(const std::string& url) {
    auto [origin, path] = split_url(url);
    auto scheme_end = origin.find("://");
    auto host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    if (auto at = origin.rfind('@'); at != std::string::npos && at >= host_start) origin.erase(host_start, at + 1 - host_start);
    return origin + path.substr(0, path.find('?'));
}

namespace {

long long unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::map<std::string, std::string> webhook_headers(const livecourse::HmacSha256Key& key, const std::string& id,
                                                   long long timestamp, const std::string& body) {
    // Standard Webhooks: the signed content is "<id>.<timestamp>.<body>",
    // the signature "v1," + base64 of its HMAC-SHA256 under the secret's bytes.
    std::string ts = std::to_string(timestamp);
    std::string content;
    content.reserve(id.size() + ts.size() + body.size() + 2);
    content.append(id).append(".").append(ts).append(".").append(body);
    return {{"webhook-id", id},
            {"webhook-timestamp", ts},
            {"webhook-signature", "v1," + livecourse::base64_encode(key.sign_to_string(content))}};
}

WebhookDelivery::WebhookDelivery(const NotifyConfig& config, livecourse::Engine& engine)
    : config_(config), engine_(engine), key_(config.key) {
    auto [origin, path] = split_url(config.url);
    origin_ = std::move(origin);
    path_ = std::move(path);
}

WebhookDelivery::~WebhookDelivery() { stop(); }

void WebhookDelivery::start() {
    for (int i = 0; i < config_.workers; ++i) workers_.emplace_back([this, i] { work(i); });
    log_event("notify", fmt::format("delivering notifications to {} with {} worker(s)", loggable_url(config_.url),
                                    config_.workers));
}

void WebhookDelivery::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_)
        if (t.joinable()) t.join();
    workers_.clear();
}

bool WebhookDelivery::pause(int ms) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping_.load(); });
}

bool WebhookDelivery::post(const std::string& id, const std::string& body, std::string& error, int& status) {
    httplib::Client client(origin_);
    client.set_connection_timeout(config_.timeout_seconds, 0);
    client.set_read_timeout(config_.timeout_seconds, 0);
    client.set_write_timeout(config_.timeout_seconds, 0);
    client.set_tcp_nodelay(true);  // the body is a second write: no wait for the receiver's delayed ACK
    client.set_follow_location(false);  // a redirect is an answer, not a 2xx
    httplib::Headers headers{{"User-Agent", "livecourse-server/" LIVECOURSE_SERVER_VERSION}};
    for (auto& [k, v] : webhook_headers(key_, id, unix_now(), body)) headers.emplace(k, v);
    auto result = client.Post(path_, headers, body, "application/json");
    if (!result) {
        status = 0;
        error = "HTTP request failed: " + httplib::to_string(result.error());
        return false;
    }
    status = result->status;
    if (status >= 200 && status < 300) return true;
    error = fmt::format("HTTP {}", status);
    return false;
}

void WebhookDelivery::work(int worker) {
    // The lease outlasts one attempt (connect + write + read timeouts) with
    // room to spare, so no other process claims a notification in flight.
    const auto lease = std::chrono::seconds(3 * config_.timeout_seconds + 30);
    while (!stopping_) {
        std::vector<livecourse::Notification> claimed;
        try {
            claimed = engine_.claim_notifications(1, lease);
        } catch (const livecourse::Error& e) {
            log_event("notify_error", fmt::format("worker {}: cannot claim notifications: {}", worker, e.what()));
            if (!pause(config_.poll_ms * 5)) break;
            continue;
        }
        if (claimed.empty()) {
            if (!pause(config_.poll_ms)) break;
            continue;
        }
        for (const auto& n : claimed) {
            std::string body = livecourse::to_json_text(livecourse::to_json(n));
            std::string error;
            int status = 0;
            auto start = std::chrono::steady_clock::now();
            bool ok = post(n.id, body, error, status);
            auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
                          .count();
            try {
                if (ok) {
                    engine_.ack_notifications({n.id});
                    log_event("notify_delivered", fmt::format("notification {} ({}) attempt {}: HTTP {} in {} ms",
                                                              n.id, livecourse::to_string(n.kind), n.attempts,
                                                              status, ms));
                } else {
                    auto failed = engine_.fail_notification(n.id, n.attempts, std::nullopt, error);
                    log_event("notify_failed",
                              fmt::format("notification {} ({}) attempt {}: {} in {} ms; {}", n.id,
                                          livecourse::to_string(n.kind), n.attempts, error, ms,
                                          failed.state == livecourse::NotificationState::dead
                                              ? std::string("parked dead")
                                              : "next attempt at " + livecourse::format_rfc3339(failed.next_attempt_at)));
                }
            } catch (const livecourse::Error& e) {
                // The lease ends on its own: the notification comes back.
                log_event("notify_error", fmt::format("notification {}: cannot record the attempt: {}", n.id, e.what()));
            }
        }
    }
}

}  // namespace lcserver
