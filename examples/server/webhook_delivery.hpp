// Webhook delivery of the notification outbox (docs/notifications.md).
//
// A few worker threads each claim one due notification at a time from the
// engine (a lease longer than one HTTP attempt can take), POST it as JSON to
// LIVECOURSE_NOTIFY_URL signed as the Standard Webhooks specification says,
// and acknowledge it on a 2xx answer; anything else (another status, a
// connection failure, a timeout) is reported to the engine as a failed
// attempt, which schedules the retry with exponential backoff and jitter and
// parks the notification dead after the attempt limit. Every attempt carries
// the same webhook-id (the notification's id). The claims are exclusive in
// the database, so several server processes deliver side by side without
// sending one notification twice at once.
//
// Thread-safety: start() and stop() from one thread (main); the workers
// share only the engine (thread-safe) and the immutable configuration.
#pragma once

#include "server_config.hpp"

#include <livecourse/engine.hpp>
#include <livecourse/hmac.hpp>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lcserver {

// The notification URL fit for logs: scheme, host, port and path (no
// credentials, no query string).
std::string loggable_url(const std::string& url);

// The three headers of a Standard Webhooks request.
std::map<std::string, std::string> webhook_headers(const livecourse::HmacSha256Key& key, const std::string& id,
                                                   long long timestamp, const std::string& body);

class WebhookDelivery {
public:
    WebhookDelivery(const NotifyConfig& config, livecourse::Engine& engine);
    ~WebhookDelivery();
    WebhookDelivery(const WebhookDelivery&) = delete;
    WebhookDelivery& operator=(const WebhookDelivery&) = delete;

    void start();
    // Lets each worker finish the attempt in flight (bounded by the timeout),
    // then joins them. Idempotent.
    void stop();

private:
    void work(int worker);
    // True after a 2xx answer; `error` says what went wrong otherwise.
    bool post(const std::string& id, const std::string& body, std::string& error, int& status);
    // Sleeps up to `ms`, waking early on stop(); false once stopping.
    bool pause(int ms);

    const NotifyConfig& config_;
    livecourse::Engine& engine_;
    livecourse::HmacSha256Key key_;
    std::string origin_;  // scheme://host[:port]
    std::string path_;    // /path?query
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<std::thread> workers_;
};

}  // namespace lcserver
