// The notification rules of notifications.hpp as pure functions: the store
// only writes what they plan.
#include <livecourse/notifications.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>

namespace livecourse {

namespace {
constexpr std::array<std::pair<NotificationKind, std::string_view>, 6> kind_names = {{
    {NotificationKind::reminder_24h, "reminder_24h"},
    {NotificationKind::reminder_1h, "reminder_1h"},
    {NotificationKind::session_live, "session_live"},
    {NotificationKind::session_cancelled, "session_cancelled"},
    {NotificationKind::session_rescheduled, "session_rescheduled"},
    {NotificationKind::recording_available, "recording_available"},
}};

constexpr std::array<std::pair<NotificationState, std::string_view>, 3> state_names = {{
    {NotificationState::pending, "pending"},
    {NotificationState::delivered, "delivered"},
    {NotificationState::dead, "dead"},
}};

PlannedNotification about(const Session& s, NotificationKind kind, Instant now, std::string_view discriminator) {
    PlannedNotification n;
    n.kind = kind;
    n.course_id = s.course_id;
    n.session_id = s.id;
    n.title = s.title;
    n.starts_at = s.starts_at;
    n.ends_at = s.ends_at;
    n.timezone = s.timezone;
    n.created_at = now;
    n.due_at = now;
    n.key_prefix = notification_key_prefix(kind, s.id, discriminator);
    return n;
}

// What a reminder says: a change of any of these replans the reminders.
bool reminder_content_changed(const Session& a, const Session& b) {
    return a.title != b.title || a.starts_at != b.starts_at || a.ends_at != b.ends_at || a.timezone != b.timezone;
}
}  // namespace

std::string_view to_string(NotificationKind k) noexcept {
    for (const auto& [kind, name] : kind_names)
        if (kind == k) return name;
    return "unknown";
}

std::optional<NotificationKind> parse_notification_kind(std::string_view s) noexcept {
    for (const auto& [kind, name] : kind_names)
        if (name == s) return kind;
    return std::nullopt;
}

std::string_view to_string(NotificationState s) noexcept {
    for (const auto& [state, name] : state_names)
        if (state == s) return name;
    return "unknown";
}

std::optional<NotificationState> parse_notification_state(std::string_view s) noexcept {
    for (const auto& [state, name] : state_names)
        if (name == s) return state;
    return std::nullopt;
}

std::string notification_key_prefix(NotificationKind kind, std::string_view session_id,
                                    std::string_view discriminator) {
    return fmt::format("{}:{}:{}:", to_string(kind), session_id, discriminator);
}

std::vector<PlannedNotification> NotificationPlanner::reminders(const Session& s, Instant now) {
    std::vector<PlannedNotification> out;
    if (s.status != SessionStatus::scheduled) return out;
    for (const auto& rule : reminder_rules) {
        Instant due = s.starts_at - rule.before;
        // Never sent late: a reminder already past when planned is skipped.
        if (due < now) continue;
        // The start time is part of the key: the same reminder of the same
        // start is one event, whoever plans it and however often.
        auto n = about(s, rule.kind, now, std::to_string(s.starts_at.time_since_epoch().count()));
        n.due_at = due;
        out.push_back(std::move(n));
    }
    return out;
}

NotificationPlan NotificationPlanner::created(const std::vector<Session>& sessions, Instant now, Recipients recipients) {
    NotificationPlan plan;
    plan.recipients = std::move(recipients);
    plan.now = now;
    for (const auto& s : sessions)
        for (auto& r : reminders(s, now)) plan.notify.push_back(std::move(r));
    return plan;
}

NotificationPlan NotificationPlanner::changed(const Session& before, const Session& after, Instant now,
                                              Recipients recipients) {
    NotificationPlan plan;
    plan.recipients = std::move(recipients);
    plan.now = now;
    auto drop = [&](ReminderDrop how) {
        plan.drop = how;
        plan.drop_sessions = {after.id};
    };
    bool status_changed = before.status != after.status;
    if (status_changed && after.status == SessionStatus::live) {
        drop(ReminderDrop::undelivered);
        plan.notify.push_back(about(after, NotificationKind::session_live, now, ""));
    } else if (status_changed && after.status == SessionStatus::cancelled) {
        drop(ReminderDrop::undelivered);
        auto n = about(after, NotificationKind::session_cancelled, now, "");
        n.cancel_reason = after.cancel_reason;
        plan.notify.push_back(std::move(n));
    } else if (status_changed && after.status == SessionStatus::ended) {
        drop(ReminderDrop::undelivered);
    } else if (after.status == SessionStatus::scheduled && reminder_content_changed(before, after)) {
        drop(ReminderDrop::not_yet_due);
        plan.notify = reminders(after, now);
        if (before.starts_at != after.starts_at || before.ends_at != after.ends_at)
            plan.notify_reminded.push_back(
                about(after, NotificationKind::session_rescheduled, now, std::to_string(after.revision)));
    }
    if (after.recording_url && !before.recording_url)
        plan.notify.push_back(about(after, NotificationKind::recording_available, now, ""));
    return plan;
}

Seconds NotificationPlanner::retry_delay(int attempts, Seconds first_retry, Seconds max_retry,
                                        std::uint32_t jitter) noexcept {
    long long d = first_retry.count();
    for (int i = 1; i < attempts && d < max_retry.count(); ++i) d *= 2;
    d = std::min<long long>(d, max_retry.count());
    long long low = (d + 1) / 2;
    return Seconds(std::max<long long>(1, low + static_cast<long long>(jitter % std::uint32_t(d - low + 1))));
}

}  // namespace livecourse
