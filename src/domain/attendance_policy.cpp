#include <livecourse/attendance_policy.hpp>

#include <livecourse/error.hpp>

#include <fmt/format.h>

#include "domain/spans.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace livecourse {

namespace {

using domain::Span;

// The union of `intervals` within [window.start, window.end), sorted; an open
// interval lasts to `open_until`.
std::vector<Span> merged_within(const std::vector<PresenceInterval>& intervals, CountingWindow window,
                                Instant open_until) {
    std::vector<Span> spans;
    for (const auto& iv : intervals) {
        Instant from = std::max(iv.joined_at, window.start);
        Instant to = std::min(iv.left_at.value_or(open_until), window.end);
        if (to > from) spans.push_back({from, to});
    }
    return domain::merge(std::move(spans));
}

}  // namespace

void AttendancePolicy::validate(std::string_view prefix) const {
    auto refuse = [&](std::string_view field, std::string_view rule) {
        std::string name = fmt::format("{}{}", prefix, field);
        throw Error::invalid(name, fmt::format("{}: {}", name, rule));
    };
    if (!(minimum_share >= 0.0 && minimum_share <= 1.0)) refuse("minimum_share", "must be a share between 0 and 1");
    if (late_after.count() < 0) refuse("late_after_seconds", "must not be negative");
    if (early_leave_before.count() < 0) refuse("early_leave_before_seconds", "must not be negative");
}

std::string_view to_string(AttendanceOutcome o) noexcept {
    switch (o) {
    case AttendanceOutcome::present: return "present";
    case AttendanceOutcome::late: return "late";
    case AttendanceOutcome::left_early: return "left_early";
    case AttendanceOutcome::absent: return "absent";
    }
    return "absent";
}

std::optional<AttendanceOutcome> parse_attendance_outcome(std::string_view s) noexcept {
    for (auto o : {AttendanceOutcome::present, AttendanceOutcome::late, AttendanceOutcome::left_early,
                   AttendanceOutcome::absent})
        if (to_string(o) == s) return o;
    return std::nullopt;
}

std::string_view to_string(AttendanceReason r) noexcept {
    switch (r) {
    case AttendanceReason::never_joined: return "never_joined";
    case AttendanceReason::below_minimum: return "below_minimum";
    case AttendanceReason::joined_late: return "joined_late";
    case AttendanceReason::left_early: return "left_early";
    }
    return "never_joined";
}

CountingWindow counting_window(const AttendancePolicy& policy, const ClassTimes& times,
                               const std::vector<PresenceInterval>& instructor) {
    CountingWindow w{std::max(times.scheduled_start, times.held_start), std::min(times.scheduled_end, times.held_end)};
    if (!policy.count_before_instructor) {
        // The instructor's first arrival within the class, if they were seen.
        std::optional<Instant> arrival;
        for (const auto& span : merged_within(instructor, w, times.held_end))
            if (!arrival || span.from < *arrival) arrival = span.from;
        if (arrival) w.start = *arrival;
    }
    if (w.end < w.start) w.end = w.start;
    return w;
}

AttendanceVerdict judge_attendance(const AttendancePolicy& policy, const ClassTimes& times,
                                   const std::vector<PresenceInterval>& student,
                                   const std::vector<PresenceInterval>& instructor) {
    AttendanceVerdict v;
    CountingWindow w = counting_window(policy, times, instructor);
    v.reference_seconds = (w.end - w.start).count();
    v.required_seconds = static_cast<std::int64_t>(
        std::ceil(std::clamp(policy.minimum_share, 0.0, 1.0) * static_cast<double>(v.reference_seconds)));
    auto spans = merged_within(student, w, times.held_end);
    for (const auto& s : spans) v.counted_seconds += (s.to - s.from).count();
    if (spans.empty()) {
        v.reasons.push_back(AttendanceReason::never_joined);
        v.outcome = AttendanceOutcome::absent;
        return v;
    }
    v.first_counted_at = spans.front().from;
    v.last_counted_at = spans.back().to;
    bool below = v.counted_seconds < v.required_seconds;
    bool late = spans.front().from - w.start > policy.late_after;
    bool early = w.end - spans.back().to > policy.early_leave_before;
    if (below) v.reasons.push_back(AttendanceReason::below_minimum);
    if (late) v.reasons.push_back(AttendanceReason::joined_late);
    if (early) v.reasons.push_back(AttendanceReason::left_early);
    v.outcome = below ? AttendanceOutcome::absent
                : late ? AttendanceOutcome::late
                : early ? AttendanceOutcome::left_early
                        : AttendanceOutcome::present;
    return v;
}

}  // namespace livecourse
