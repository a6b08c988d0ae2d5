#include "engine/engine_config.hpp"

#include <livecourse/error.hpp>

#include <fmt/format.h>

namespace livecourse {

namespace {
// Secrets key MACs: shorter than SHA-256's output, they are the weak link.
constexpr std::size_t min_secret_bytes = 32;
constexpr Seconds day{86400};
constexpr Seconds week{7 * 86400};

// A secret is optional (empty turns its feature off), but never short.
void check_secret(std::string_view field, const std::string& secret) {
    if (!secret.empty() && secret.size() < min_secret_bytes)
        throw Error::invalid(std::string(field), fmt::format("{}: must be at least {} bytes", field, min_secret_bytes));
}

void check(bool ok, std::string_view field, std::string_view rule) {
    if (!ok) throw Error::invalid(std::string(field), fmt::format("{}: {}", field, rule));
}
}  // namespace

void validate_engine_config(const EngineConfig& config) {
    check_secret("calendar.feed_secret", config.calendar.feed_secret);

    const auto& n = config.notifications;
    check(n.max_attempts >= 1 && n.max_attempts <= 1000, "notifications.max_attempts", "must be between 1 and 1000");
    check(n.first_retry >= Seconds(1) && n.first_retry <= day, "notifications.first_retry_seconds",
          "must be between 1 and 86400");
    check(n.max_retry >= n.first_retry && n.max_retry <= week, "notifications.max_retry_seconds",
          "must be between first_retry_seconds and 604800");

    const auto& p = config.presence;
    check_secret("presence.video_events_secret", p.video_events_secret);
    check(p.presence_timeout >= Seconds(1), "presence.presence_timeout_seconds", "must be at least 1");
    check(p.jaas_signature_tolerance >= Seconds(0), "presence.jaas_signature_tolerance_seconds",
          "must not be negative");
    check(p.clock_skew >= Seconds(0), "presence.clock_skew_seconds", "must not be negative");

    config.attendance.validate("attendance.");
    check(config.attendance_settle >= Seconds(0), "attendance.settle_seconds", "must not be negative");
}

}  // namespace livecourse
