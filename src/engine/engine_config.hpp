// The checks an EngineConfig passes for an Engine to open: secret lengths
// and the ranges of the outbox and presence settings.
//
// Thread-safety: a pure function.
#pragma once

#include <livecourse/engine.hpp>

namespace livecourse {

// Throws Error(invalid_argument) naming the first setting at fault, in the
// vocabulary's words ("calendar.feed_secret",
// "notifications.max_retry_seconds", "presence.clock_skew_seconds", ...).
void validate_engine_config(const EngineConfig& config);

}  // namespace livecourse
