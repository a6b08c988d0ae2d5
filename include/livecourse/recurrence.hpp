// Weekly series: "every Tuesday at 10:00 Europe/Paris, 12 times" expanded into
// concrete UTC instants.
//
// A series is defined in the instructor's IANA time zone and keeps its local
// wall-clock time across daylight-saving changes, so the UTC instants move
// (10:00 in Paris is 08:00Z in summer and 09:00Z in winter). Zone arithmetic
// is done by Howard Hinnant's date/tz against the OS time zone database.
//
// Local times that a DST change makes invalid follow RFC 5545 section 3.3.5
// (which Google Calendar and Outlook also follow):
//  - a time that does not exist (spring-forward gap) is read with the UTC
//    offset in force before the gap, so it moves forward by the gap's length:
//    02:30 in Paris on 2027-03-28 (02:00 -> 03:00) happens at 01:30Z = 03:30;
//  - a time that exists twice (fall-back overlap) means its first, earlier
//    occurrence: 02:30 in Paris on 2026-10-25 happens at 00:30Z (still +02:00).
// The end of an occurrence is its start plus the duration in absolute time, so
// a 90-minute class lasts 90 minutes even across a change.
//
// Thread-safety: pure function; safe to call concurrently (the time zone
// database is loaded once, on first use, in a thread-safe way).
#pragma once

#include <livecourse/clock.hpp>

#include <date/date.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace livecourse {

struct WeeklySeriesRule {
    std::string timezone;                // IANA name, e.g. "Europe/Paris"
    date::year_month_day first_date{};   // local date; the series starts on or after it
    std::chrono::minutes start_time{0};  // local wall-clock time of day, in [0, 24h)
    std::chrono::minutes duration{0};    // 1 min .. 24 h
    std::vector<date::weekday> weekdays; // one or several; order and repeats do not matter
    // Every N weeks (1..52). Weeks are counted from the Monday-based week that
    // contains first_date: with N = 2 the occurrences fall in that week, the
    // week two later, and so on.
    int interval_weeks = 1;
    // Exactly one of the two ends a series.
    std::optional<int> count;                   // number of occurrences, 1..200
    std::optional<date::year_month_day> until;  // last local date, inclusive
};

struct Occurrence {
    Instant starts_at;
    Instant ends_at;  // starts_at + duration
    // The wall-clock reading in the series' zone at starts_at: the rule's
    // start_time, except in a spring-forward gap where it is the moved time
    // (03:30 for a 02:30 start in a one-hour gap).
    date::local_seconds local_start;
};

// Limits that keep one request from creating an unbounded number of sessions.
inline constexpr int max_series_occurrences = 200;
inline constexpr date::years max_series_span{2};  // from first_date, inclusive

// The occurrences in chronological order. Throws livecourse::Error
// (invalid_argument) naming the field at fault: "timezone" (unknown zone),
// "first_date" (not a valid date, or outside the years 1970..9997),
// "start_time", "duration", "weekdays" (empty or invalid), "interval_weeks",
// "count" (missing together with until, outside 1..200, or reaching beyond two
// years after first_date), "until" (given together with count, before
// first_date, more than two years after it, yielding no occurrence or more than
// 200).
std::vector<Occurrence> expand_weekly(const WeeklySeriesRule& rule);

// The rule as the series record keeps it for display and audit: RFC 5545
// RRULE words, then the local start, time, zone and duration, e.g.
// "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU,TH;COUNT=12 start=2026-09-01 at=10:00
// tz=Europe/Paris duration=90min". Weekdays are written in the rule's order.
// Does not validate (expand_weekly does).
std::string describe_weekly(const WeeklySeriesRule& rule);

}  // namespace livecourse
