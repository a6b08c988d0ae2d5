// The host hooks of lc_engine_open, adapted to the engine's interfaces: a
// Roster that asks the host's callbacks and a Clock that reads the host's
// `now`. A callback that reports a failure becomes
// Error(ErrorCode::host_callback) (LC_ERR_CALLBACK), never a silent answer.
//
// Thread-safety: both adapters are immutable; they call the host's hooks from
// whichever thread runs the operation, possibly concurrently (the header
// documents that hooks must allow it).
#pragma once

#include "livecourse.h"

#include <livecourse/clock.hpp>
#include <livecourse/roster.hpp>

namespace livecourse::capi {

class HostRoster final : public Roster {
public:
    explicit HostRoster(const lc_host& host) : host_(host) {}
    Role role_of(std::string_view course_id, std::string_view user_id) override;
    std::vector<Enrollment> courses_of(std::string_view user_id) override;
    std::optional<std::int64_t> count_students(std::string_view course_id) override;

private:
    lc_host host_;  // a copy: the caller may free its struct after lc_engine_open
};

class HostClock final : public Clock {
public:
    explicit HostClock(const lc_host& host) : user_data_(host.user_data), now_(host.now) {}
    Instant now() const override;

private:
    void* user_data_;
    int64_t (*now_)(void*);
};

}  // namespace livecourse::capi
