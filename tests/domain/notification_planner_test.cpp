#include <livecourse/notifications.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace livecourse;
using namespace std::chrono_literals;

namespace {

const Instant start{Seconds(1'800'000'000)};  // 2027-01-15T08:00:00Z

Session scheduled() {
    Session s;
    s.id = "7";
    s.course_id = "c1";
    s.title = "Algebra";
    s.starts_at = start;
    s.ends_at = start + 1h;
    s.timezone = "Europe/Paris";
    s.status = SessionStatus::scheduled;
    s.revision = 3;
    return s;
}

std::vector<std::string> keys(const std::vector<PlannedNotification>& list) {
    std::vector<std::string> out;
    for (const auto& n : list) out.push_back(n.key_prefix);
    return out;
}

}  // namespace

TEST_CASE("the retry delay doubles from first_retry, is capped, and is spread by the jitter", "[domain][notifications]") {
    struct Row {
        int attempts;
        long long first, max;
        std::uint32_t jitter;
        long long want;
    };
    // d = min(first * 2^(attempts-1), max); the delay is ceil(d/2) + jitter % (d - ceil(d/2) + 1).
    const Row rows[] = {
        {1, 5, 300, 0, 3},            // d 5: [3, 5]
        {1, 5, 300, 2, 5},
        {1, 5, 300, 3, 3},            // wraps
        {1, 5, 300, 0xFFFFFFFF, 3},   // 4294967295 % 3 == 0
        {0, 5, 300, 1, 4},            // no attempt yet: d is first_retry
        {2, 5, 300, 0, 5},            // d 10: [5, 10]
        {2, 5, 300, 5, 10},
        {2, 5, 300, 0xFFFFFFFF, 8},   // 4294967295 % 6 == 3
        {6, 5, 300, 80, 160},         // d 160: [80, 160]
        {7, 5, 300, 0, 150},          // 320 capped at 300: [150, 300]
        {7, 5, 300, 150, 300},
        {7, 5, 300, 0xFFFFFFFF, 153}, // 4294967295 % 151 == 3
        {1000, 5, 300, 150, 300},     // stays capped, no overflow
        {5, 1, 1, 12345, 1},          // d 1: exactly 1
        {2, 7, 20, 7, 14},            // d 14: [7, 14]
        {3, 7, 20, 10, 20},           // 28 capped at 20: [10, 20]
        {3, 7, 20, 0, 10},
    };
    for (const auto& r : rows) {
        INFO("attempts " << r.attempts << ", first " << r.first << ", max " << r.max << ", jitter " << r.jitter);
        CHECK(NotificationPlanner::retry_delay(r.attempts, Seconds(r.first), Seconds(r.max), r.jitter).count() ==
              r.want);
    }
}

TEST_CASE("reminders are planned only while still ahead", "[domain][notifications]") {
    const std::string k24 = "reminder_24h:7:1800000000:", k1 = "reminder_1h:7:1800000000:";
    struct Row {
        Seconds before_start;
        std::vector<std::string> want;
    };
    const Row rows[] = {
        {48h, {k24, k1}},
        {24h, {k24, k1}},  // due exactly now: still sent
        {24h - 1s, {k1}},
        {2h, {k1}},
        {1h, {k1}},
        {30min, {}},
    };
    for (const auto& r : rows) {
        INFO(r.before_start.count() << " s before the start");
        auto planned = NotificationPlanner::reminders(scheduled(), start - r.before_start);
        CHECK(keys(planned) == r.want);
        for (const auto& n : planned) {
            CHECK(n.due_at == start - (n.kind == NotificationKind::reminder_24h ? Seconds(24h) : Seconds(1h)));
            CHECK(n.created_at == start - r.before_start);
            CHECK(n.title == "Algebra");
            CHECK(n.timezone == "Europe/Paris");
        }
    }
    Session live = scheduled();
    live.status = SessionStatus::live;
    CHECK(NotificationPlanner::reminders(live, start - 48h).empty());
}

TEST_CASE("a change plans what it causes", "[domain][notifications]") {
    const Instant now = start - 3h;
    Recipients to;
    to.except = "prof";
    struct Row {
        const char* change;
        void (*apply)(Session&);
        ReminderDrop drop;
        std::vector<std::string> notify;
        std::vector<std::string> notify_reminded;
    };
    const Row rows[] = {
        {"start", [](Session& s) { s.status = SessionStatus::live; }, ReminderDrop::undelivered,
         {"session_live:7::"}, {}},
        {"cancel", [](Session& s) { s.status = SessionStatus::cancelled; s.cancel_reason = "ill"; },
         ReminderDrop::undelivered, {"session_cancelled:7::"}, {}},
        {"retitle", [](Session& s) { s.title = "Geometry"; }, ReminderDrop::not_yet_due,
         {"reminder_1h:7:1800000000:"}, {}},
        {"move", [](Session& s) { s.starts_at += 1h; s.ends_at += 1h; s.revision = 4; }, ReminderDrop::not_yet_due,
         {"reminder_1h:7:1800003600:"}, {"session_rescheduled:7:4:"}},
        {"describe", [](Session& s) { s.description = "bring a ruler"; }, ReminderDrop::none, {}, {}},
    };
    for (const auto& r : rows) {
        INFO(r.change);
        Session after = scheduled();
        r.apply(after);
        auto plan = NotificationPlanner::changed(scheduled(), after, now, to);
        CHECK(plan.drop == r.drop);
        CHECK(plan.drop_sessions == (r.drop == ReminderDrop::none ? std::vector<std::string>{}
                                                                  : std::vector<std::string>{"7"}));
        CHECK(keys(plan.notify) == r.notify);
        CHECK(keys(plan.notify_reminded) == r.notify_reminded);
        CHECK(plan.recipients.except == "prof");
        CHECK(plan.empty() == (r.drop == ReminderDrop::none && r.notify.empty()));
    }

    Session live = scheduled();
    live.status = SessionStatus::live;
    Session ended = live;
    ended.status = SessionStatus::ended;
    ended.recording_url = "https://media.example.edu/7.mp4";
    auto plan = NotificationPlanner::changed(live, ended, now, to);
    CHECK(plan.drop == ReminderDrop::undelivered);
    CHECK(keys(plan.notify) == std::vector<std::string>{"recording_available:7::"});

    Session cancelled = scheduled();
    cancelled.status = SessionStatus::cancelled;
    cancelled.cancel_reason = "ill";
    CHECK(NotificationPlanner::changed(scheduled(), cancelled, now, to).notify.at(0).cancel_reason == "ill");
}

TEST_CASE("a new series plans every occurrence's reminders", "[domain][notifications]") {
    Session first = scheduled();
    Session second = scheduled();
    second.id = "8";
    second.starts_at = start + 7 * 24h;
    auto plan = NotificationPlanner::created({first, second}, start - 2h, {});
    CHECK(keys(plan.notify) ==
          std::vector<std::string>{"reminder_1h:7:1800000000:", "reminder_24h:8:1800604800:", "reminder_1h:8:1800604800:"});
    CHECK(plan.drop == ReminderDrop::none);
    CHECK_FALSE(plan.recipients.users);
}

TEST_CASE("notification kinds and states have stable names", "[domain][notifications]") {
    using K = NotificationKind;
    using St = NotificationState;
    std::string kinds, states;
    for (auto k : {K::reminder_24h, K::reminder_1h, K::session_live, K::session_cancelled, K::session_rescheduled,
                   K::recording_available}) {
        kinds += std::string(to_string(k)) + " ";
        CHECK(parse_notification_kind(to_string(k)) == k);
    }
    for (auto st : {St::pending, St::delivered, St::dead}) {
        states += std::string(to_string(st)) + " ";
        CHECK(parse_notification_state(to_string(st)) == st);
    }
    CHECK(kinds == "reminder_24h reminder_1h session_live session_cancelled session_rescheduled recording_available ");
    CHECK(states == "pending delivered dead ");
    CHECK_FALSE(parse_notification_kind("reminder"));
    CHECK_FALSE(parse_notification_state("Dead"));
    CHECK(notification_key_prefix(NotificationKind::session_live, "12", "x") == "session_live:12:x:");
}
