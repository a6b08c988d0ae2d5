#include "engine/engine_config.hpp"

#include <livecourse/error.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <string>

using namespace livecourse;

namespace {
std::string refused_field(const std::function<void(EngineConfig&)>& change) {
    EngineConfig c;
    change(c);
    try {
        validate_engine_config(c);
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
        CHECK(std::string(e.what()).starts_with(e.field() + ": "));
        return e.field();
    }
    return "(accepted)";
}
}  // namespace

TEST_CASE("engine configuration: secrets and ranges", "[engine][config]") {
    struct Row {
        const char* what;
        std::function<void(EngineConfig&)> change;
        const char* want;
    };
    const Row rows[] = {
        {"the defaults", [](EngineConfig&) {}, "(accepted)"},
        {"an attendance share above 1", [](EngineConfig& c) { c.attendance.minimum_share = 1.01; },
         "attendance.minimum_share"},
        {"a negative late mark", [](EngineConfig& c) { c.attendance.late_after = Seconds(-1); },
         "attendance.late_after_seconds"},
        {"a negative settle time", [](EngineConfig& c) { c.attendance_settle = Seconds(-1); },
         "attendance.settle_seconds"},
        {"a share of exactly 1", [](EngineConfig& c) { c.attendance.minimum_share = 1.0; }, "(accepted)"},
        {"a 31-byte feed secret", [](EngineConfig& c) { c.calendar.feed_secret = std::string(31, 'f'); },
         "calendar.feed_secret"},
        {"a 32-byte feed secret", [](EngineConfig& c) { c.calendar.feed_secret = std::string(32, 'f'); },
         "(accepted)"},
        {"a 31-byte video events secret",
         [](EngineConfig& c) { c.presence.video_events_secret = std::string(31, 'v'); },
         "presence.video_events_secret"},
        {"a 32-byte video events secret",
         [](EngineConfig& c) { c.presence.video_events_secret = std::string(32, 'v'); }, "(accepted)"},
        {"no attempt", [](EngineConfig& c) { c.notifications.max_attempts = 0; }, "notifications.max_attempts"},
        {"1000 attempts", [](EngineConfig& c) { c.notifications.max_attempts = 1000; }, "(accepted)"},
        {"1001 attempts", [](EngineConfig& c) { c.notifications.max_attempts = 1001; }, "notifications.max_attempts"},
        {"an immediate retry", [](EngineConfig& c) { c.notifications.first_retry = Seconds(0); },
         "notifications.first_retry_seconds"},
        {"a first retry after a day", [](EngineConfig& c) {
             c.notifications.first_retry = Seconds(86400);
             c.notifications.max_retry = Seconds(86400);
         }, "(accepted)"},
        {"a first retry after more than a day", [](EngineConfig& c) {
             c.notifications.first_retry = Seconds(86401);
             c.notifications.max_retry = Seconds(86401);
         }, "notifications.first_retry_seconds"},
        {"a cap below the first retry", [](EngineConfig& c) { c.notifications.max_retry = Seconds(4); },
         "notifications.max_retry_seconds"},
        {"a cap of a week", [](EngineConfig& c) { c.notifications.max_retry = Seconds(604800); }, "(accepted)"},
        {"a cap beyond a week", [](EngineConfig& c) { c.notifications.max_retry = Seconds(604801); },
         "notifications.max_retry_seconds"},
        {"no presence timeout", [](EngineConfig& c) { c.presence.presence_timeout = Seconds(0); },
         "presence.presence_timeout_seconds"},
        {"a negative signature tolerance", [](EngineConfig& c) { c.presence.jaas_signature_tolerance = Seconds(-1); },
         "presence.jaas_signature_tolerance_seconds"},
        {"no signature tolerance", [](EngineConfig& c) { c.presence.jaas_signature_tolerance = Seconds(0); },
         "(accepted)"},
        {"a negative clock skew", [](EngineConfig& c) { c.presence.clock_skew = Seconds(-1); },
         "presence.clock_skew_seconds"},
        // The first setting at fault is named.
        {"two faults", [](EngineConfig& c) {
             c.calendar.feed_secret = "short";
             c.presence.clock_skew = Seconds(-1);
         }, "calendar.feed_secret"},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        CHECK(refused_field(r.change) == r.want);
    }
}
