// Time: instants are whole UTC seconds (`Instant`); the current time comes from
// an injected `Clock` so that tests (and hosts' tests) drive time explicitly.
//
// Thread-safety: `SystemClock` and `ManualClock` may be read from any thread;
// `ManualClock::set`/`advance` are atomic with respect to `now()`.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace livecourse {

using Instant = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;

class Clock {
public:
    virtual ~Clock() = default;
    virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
public:
    Instant now() const override {
        return std::chrono::floor<Seconds>(std::chrono::system_clock::now());
    }
};

// A clock that only moves when told to; for tests.
class ManualClock final : public Clock {
public:
    explicit ManualClock(Instant start) : t_(start.time_since_epoch().count()) {}
    Instant now() const override { return Instant(Seconds(t_.load(std::memory_order_acquire))); }
    void set(Instant t) { t_.store(t.time_since_epoch().count(), std::memory_order_release); }
    void advance(Seconds d) { t_.fetch_add(d.count(), std::memory_order_acq_rel); }

private:
    std::atomic<long long> t_;
};

// RFC 3339 in UTC with a `Z` and whole seconds: "2024-03-01T14:00:00Z".
std::string format_rfc3339(Instant t);
// Accepts RFC 3339 with `Z` or a numeric offset (converted to UTC); fractional
// seconds are truncated. Returns nullopt on anything else, including
// out-of-range dates (years outside 1970..9999).
std::optional<Instant> parse_rfc3339(std::string_view s);

}  // namespace livecourse
