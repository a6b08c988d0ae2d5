// The notification outbox through the Engine: the planning rules of
// notifications.hpp driven by a manual clock, the claim/ack/fail/dead cycle,
// the in-app list, and exactly-once claims across real processes (including
// a consumer killed with SIGKILL between its claim and its ack).
#include "support/fixtures.hpp"
#include "support/spawn.hpp"

#include <livecourse/notifications.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <thread>

using namespace lc_test;

namespace {

std::vector<Notification> in_state(Engine& e, NotificationState state) {
    std::vector<Notification> out;
    std::optional<std::string> cursor;
    do {
        auto page = e.list_notifications_in_state(state, cursor, 200);
        out.insert(out.end(), page.notifications.begin(), page.notifications.end());
        cursor = page.next_cursor;
    } while (cursor);
    return out;
}

std::vector<Notification> pending(World& w) { return in_state(*w.engine, NotificationState::pending); }

std::vector<Notification> of_kind(const std::vector<Notification>& all, NotificationKind kind) {
    std::vector<Notification> out;
    for (const auto& n : all)
        if (n.kind == kind) out.push_back(n);
    return out;
}

std::set<std::string> users_of(const std::vector<Notification>& ns) {
    std::set<std::string> out;
    for (const auto& n : ns) out.insert(n.user_id);
    return out;
}

std::vector<std::string> ids_of(const std::vector<Notification>& ns) {
    std::vector<std::string> out;
    for (const auto& n : ns) out.push_back(n.id);
    return out;
}

// Every member of the World's course but the instructor (who acts).
std::set<std::string> everyone_but_instructor(int students) {
    std::set<std::string> out{moderator.user_id};
    for (int i = 0; i < students; ++i) out.insert(student(i).user_id);
    return out;
}

SessionDraft draft_at(World& w, Seconds ahead) {
    auto d = w.draft();
    d.starts_at = w.clock->now() + ahead;
    d.ends_at = d.starts_at + 1h;
    d.timezone = "Europe/Paris";
    return d;
}

std::string epoch(Instant t) { return std::to_string(t.time_since_epoch().count()); }

}  // namespace

TEST_CASE("notifications: creating a session plans both reminders for every member but the actor",
          "[notifications]") {
    World w;
    auto s = w.engine->create_session(instructor, course, draft_at(w, 48h));
    auto all = pending(w);
    REQUIRE(all.size() == 12);
    auto day = of_kind(all, NotificationKind::reminder_24h);
    auto hour = of_kind(all, NotificationKind::reminder_1h);
    CHECK(users_of(day) == everyone_but_instructor(5));
    CHECK(users_of(hour) == everyone_but_instructor(5));
    for (const auto& n : day) {
        CHECK(n.due_at == s.starts_at - 24h);
        CHECK(n.next_attempt_at == n.due_at);
        CHECK(n.session_id == s.id);
        CHECK(n.course_id == course);
        CHECK(n.title == s.title);
        CHECK(n.starts_at == s.starts_at);
        CHECK(n.ends_at == s.ends_at);
        CHECK(n.timezone == "Europe/Paris");
        CHECK(n.join_url == "/courses/course-1/live-sessions/" + s.id + "/join");
        CHECK_FALSE(n.cancel_reason);
        CHECK(n.created_at == t0());
        CHECK(n.attempts == 0);
        CHECK(n.idempotency_key == fmt::format("reminder_24h:{}:{}:{}", s.id, epoch(s.starts_at), n.user_id));
    }
    for (const auto& n : hour) CHECK(n.due_at == s.starts_at - 1h);

    // Nothing is due yet: nothing to claim, nothing in the in-app list.
    CHECK(w.engine->claim_notifications(50, 60s).empty());
    CHECK(w.engine->list_notifications(student(0), std::nullopt, 50).notifications.empty());

    w.clock->set(s.starts_at - 24h);
    auto claimed = w.engine->claim_notifications(50, 60s);
    REQUIRE(claimed.size() == 6);
    for (const auto& n : claimed) {
        CHECK(n.kind == NotificationKind::reminder_24h);
        CHECK(n.attempts == 1);
    }
    auto inbox = w.engine->list_notifications(student(0), std::nullopt, 50);
    REQUIRE(inbox.notifications.size() == 1);
    CHECK(inbox.notifications[0].kind == NotificationKind::reminder_24h);
    CHECK(inbox.unread_count == 1);
}

TEST_CASE("notifications: a reminder already past when planned is not sent", "[notifications]") {
    World w;
    SECTION("two hours ahead: the 1 h reminder only") {
        auto s = w.engine->create_session(instructor, course, draft_at(w, 2h));
        auto all = pending(w);
        REQUIRE(all.size() == 6);
        CHECK(of_kind(all, NotificationKind::reminder_1h).size() == 6);
        CHECK(all[0].due_at == s.starts_at - 1h);
    }
    SECTION("30 minutes ahead: none") {
        w.engine->create_session(instructor, course, draft_at(w, 30min));
        CHECK(pending(w).empty());
    }
    SECTION("exactly 24 hours ahead: the 24 h reminder is due now, and sent") {
        w.engine->create_session(instructor, course, draft_at(w, 24h));
        CHECK(pending(w).size() == 12);
        CHECK(w.engine->claim_notifications(50, 60s).size() == 6);
    }
}

TEST_CASE("notifications: editing replans the pending reminders, moving tells those already reminded",
          "[notifications]") {
    World w;
    auto s = w.engine->create_session(instructor, course, draft_at(w, 48h));

    SessionPatch retitle;
    retitle.title = "Gouvernance, suite";
    w.engine->update_session(instructor, s.id, retitle);
    auto all = pending(w);
    REQUIRE(all.size() == 12);
    for (const auto& n : all) CHECK(n.title == "Gouvernance, suite");

    // Moved before anyone was reminded: reminders at the new times, no
    // "rescheduled" (nobody knew the old time from us).
    SessionPatch move;
    move.starts_at = s.starts_at + 24h;
    move.ends_at = s.ends_at + 24h;
    s = w.engine->update_session(instructor, s.id, move);
    all = pending(w);
    REQUIRE(all.size() == 12);
    for (const auto& n : of_kind(all, NotificationKind::reminder_24h)) CHECK(n.due_at == s.starts_at - 24h);
    for (const auto& n : of_kind(all, NotificationKind::reminder_1h)) CHECK(n.due_at == s.starts_at - 1h);
    CHECK(of_kind(all, NotificationKind::session_rescheduled).empty());

    // The 24 h reminders go out; then the session moves again.
    w.clock->set(s.starts_at - 24h);
    auto sent = w.engine->claim_notifications(50, 60s);
    REQUIRE(sent.size() == 6);
    CHECK(w.engine->ack_notifications(ids_of(sent)).size() == 6);
    w.clock->advance(1h);
    SessionPatch again;
    again.starts_at = w.clock->now() + 30h;
    again.ends_at = *again.starts_at + 1h;
    w.engine->update_session(instructor, s.id, again);
    all = pending(w);
    auto rescheduled = of_kind(all, NotificationKind::session_rescheduled);
    REQUIRE(rescheduled.size() == 6);
    CHECK(users_of(rescheduled) == everyone_but_instructor(5));
    for (const auto& n : rescheduled) {
        CHECK(n.starts_at == *again.starts_at);
        CHECK(n.due_at == w.clock->now());
    }
    // A new 24 h reminder (for the new start) and the 1 h one, replanned.
    auto day = of_kind(all, NotificationKind::reminder_24h);
    REQUIRE(day.size() == 6);
    CHECK(day[0].due_at == *again.starts_at - 24h);
    auto hour = of_kind(all, NotificationKind::reminder_1h);
    REQUIRE(hour.size() == 6);
    CHECK(hour[0].due_at == *again.starts_at - 1h);
    // What was delivered stays delivered.
    CHECK(in_state(*w.engine, NotificationState::delivered).size() == 6);

}

TEST_CASE("notifications: cancelling drops the pending reminders and tells everyone why", "[notifications]") {
    World w;
    auto s = w.engine->create_session(instructor, course, draft_at(w, 48h));
    w.clock->set(s.starts_at - 24h);
    auto sent = w.engine->claim_notifications(50, 60s);
    w.engine->ack_notifications(ids_of(sent));
    w.engine->cancel_session(instructor, s.id, "Instructor ill");
    auto all = pending(w);
    REQUIRE(all.size() == 6);
    for (const auto& n : all) {
        CHECK(n.kind == NotificationKind::session_cancelled);
        CHECK(n.cancel_reason == std::optional<std::string>("Instructor ill"));
        CHECK(n.due_at == w.clock->now());
    }
    CHECK(users_of(all) == everyone_but_instructor(5));
    CHECK(in_state(*w.engine, NotificationState::delivered).size() == 6);
}

TEST_CASE("notifications: starting sends session_live to everyone but the one who started", "[notifications]") {
    World w;
    auto s = w.scheduled();  // an hour ahead: the 1 h reminders are due now
    CHECK(pending(w).size() == 6);
    w.clock->set(s.starts_at);
    w.engine->start_session(moderator, s.id);
    auto all = pending(w);
    REQUIRE(all.size() == 6);
    std::set<std::string> expected{instructor.user_id};
    for (int i = 0; i < 5; ++i) expected.insert(student(i).user_id);
    CHECK(users_of(all) == expected);
    for (const auto& n : all) {
        CHECK(n.kind == NotificationKind::session_live);
        CHECK(n.idempotency_key == fmt::format("session_live:{}::{}", s.id, n.user_id));
    }
}

TEST_CASE("notifications: a recording becoming available is announced", "[notifications]") {
    World w;
    auto s = w.live();
    auto sent = w.engine->claim_notifications(50, 60s);
    w.engine->ack_notifications(ids_of(sent));
    w.clock->advance(50min);
    w.engine->end_session(instructor, s.id, std::string_view("https://media.example.edu/rec/1.mp4"));
    auto all = pending(w);
    REQUIRE(all.size() == 6);
    for (const auto& n : all) CHECK(n.kind == NotificationKind::recording_available);
}

TEST_CASE("notifications: late enrollment gets the reminders not yet due, unenrollment drops them",
          "[notifications]") {
    World w;
    auto s = w.engine->create_session(instructor, course, draft_at(w, 48h));
    REQUIRE(pending(w).size() == 12);

    w.engine->enroll(course, "late-1", Role::student);
    auto mine = [&](const std::string& user) {
        std::vector<Notification> out;
        for (const auto& n : pending(w))
            if (n.user_id == user) out.push_back(n);
        return out;
    };
    auto late = mine("late-1");
    REQUIRE(late.size() == 2);
    for (const auto& n : late) {
        CHECK(n.idempotency_key ==
              fmt::format("{}:{}:{}:late-1", to_string(n.kind), s.id, epoch(s.starts_at)));
        CHECK(n.title == s.title);
    }
    // A role change is the same enrollment: nothing planned twice.
    w.engine->enroll(course, "late-1", Role::moderator);
    CHECK(mine("late-1").size() == 2);

    // Inside the 24 h window: the 1 h reminder only.
    w.clock->set(s.starts_at - 23h);
    w.engine->enroll(course, "late-2", Role::student);
    auto late2 = mine("late-2");
    REQUIRE(late2.size() == 1);
    CHECK(late2[0].kind == NotificationKind::reminder_1h);

    // Unenrolled: none of their pending notifications remain.
    w.engine->unenroll(course, student(0).user_id);
    CHECK(mine(student(0).user_id).empty());
    CHECK(mine(student(1).user_id).size() == 2);
    // Enrolled elsewhere: nothing about this course.
    w.engine->enroll("other-course", "late-3", Role::student);
    CHECK(mine("late-3").empty());
}

TEST_CASE("notifications: each occurrence of a weekly series gets its own reminders", "[notifications]") {
    World w;
    SeriesDraft d;
    d.session = w.draft();
    d.rule.timezone = "Europe/Paris";
    d.rule.first_date = date::year{2026} / 3 / 16;
    d.rule.start_time = 10h;
    d.rule.duration = 90min;
    d.rule.weekdays = {date::Monday};
    d.rule.count = 3;
    auto series = w.engine->create_series(instructor, course, d);
    REQUIRE(series.sessions.size() == 3);
    auto all = pending(w);
    REQUIRE(all.size() == 3 * 2 * 6);
    for (const auto& s : series.sessions) {
        int day = 0, hour = 0;
        for (const auto& n : all) {
            if (n.session_id != s.id) continue;
            if (n.kind == NotificationKind::reminder_24h && n.due_at == s.starts_at - 24h) ++day;
            if (n.kind == NotificationKind::reminder_1h && n.due_at == s.starts_at - 1h) ++hour;
        }
        CHECK(day == 6);
        CHECK(hour == 6);
    }
    // Cancelling the rest of the series drops their reminders.
    w.engine->cancel_series(instructor, series.series.id, series.sessions[1].starts_at, "");
    all = pending(w);
    CHECK(of_kind(all, NotificationKind::session_cancelled).size() == 2 * 6);
    CHECK(of_kind(all, NotificationKind::reminder_24h).size() == 6);
}

TEST_CASE("notifications: leases, acknowledgements, failures, dead letters and retries", "[notifications]") {
    EngineConfig config;
    config.notifications.max_attempts = 3;
    World w(5, config);
    w.scheduled();  // six 1 h reminders, due now
    auto first = w.engine->claim_notifications(2, 60s);
    auto rest = w.engine->claim_notifications(10, 60s);
    REQUIRE(first.size() == 2);
    REQUIRE(rest.size() == 4);
    CHECK(w.engine->claim_notifications(10, 60s).empty());  // all leased

    CHECK(w.engine->ack_notifications(ids_of(first)).size() == 2);
    CHECK(w.engine->ack_notifications(ids_of(first)).empty());  // already delivered
    CHECK(w.engine->ack_notifications({"999999", "junk"}).empty());

    // A lease that ends without an ack: claimable again, one attempt more.
    w.clock->advance(61s);
    auto second = w.engine->claim_notifications(10, 60s);
    REQUIRE(second.size() == 4);
    for (const auto& n : second) CHECK(n.attempts == 2);

    // A failure with a delay; a stale failure report is refused.
    auto failed = w.engine->fail_notification(second[0].id, 2, Seconds(10), "HTTP 503");
    CHECK(failed.state == NotificationState::pending);
    CHECK(failed.next_attempt_at == w.clock->now() + 10s);
    CHECK(failed.last_error == std::optional<std::string>("HTTP 503"));
    CHECK(error_of([&] { w.engine->fail_notification(second[1].id, 1); }).reason() == "not_claimed");
    CHECK(error_of([&] { w.engine->fail_notification(first[0].id); }).reason() == "not_claimed");
    CHECK(error_of([&] { w.engine->fail_notification("424242"); }).code() == ErrorCode::not_found);
    w.clock->advance(10s);
    auto retried = w.engine->claim_notifications(10, 60s);
    REQUIRE(retried.size() == 1);
    CHECK(retried[0].id == second[0].id);
    CHECK(retried[0].attempts == 3);

    // The last attempt fails: parked dead at once. The others' third lease
    // ends: dead at the next claim instead of claimed a fourth time.
    CHECK(w.engine->fail_notification(retried[0].id).state == NotificationState::dead);
    w.clock->advance(61s);
    auto third = w.engine->claim_notifications(10, 60s);
    REQUIRE(third.size() == 3);
    w.clock->advance(61s);
    CHECK(w.engine->claim_notifications(10, 60s).empty());
    auto dead = in_state(*w.engine, NotificationState::dead);
    REQUIRE(dead.size() == 4);
    for (const auto& n : dead) CHECK(n.attempts == 3);

    // An operator re-queues one: same id and key, attempts reset.
    auto back = w.engine->retry_notification(dead[0].id);
    CHECK(back.state == NotificationState::pending);
    CHECK(back.attempts == 0);
    CHECK(back.idempotency_key == dead[0].idempotency_key);
    auto again = w.engine->claim_notifications(10, 60s);
    REQUIRE(again.size() == 1);
    CHECK(again[0].id == dead[0].id);
    CHECK(error_of([&] { w.engine->retry_notification(again[0].id); }).reason() == "not_dead");
    CHECK(error_of([&] { w.engine->retry_notification("nope"); }).code() == ErrorCode::not_found);
    CHECK(w.engine->ack_notifications({again[0].id}).size() == 1);

    // Bad inputs are refused with the field named.
    CHECK(error_of([&] { w.engine->claim_notifications(0, 60s); }).field() == "limit");
    CHECK(error_of([&] { w.engine->claim_notifications(10, 0s); }).field() == "lease_seconds");
}

TEST_CASE("notifications: the default backoff starts within 5 s and doubles up to 5 minutes", "[notifications]") {
    World w(0);  // the moderator alone: one reminder
    w.scheduled();
    std::vector<long long> delays;
    for (int i = 0; i < 8; ++i) {
        auto c = w.engine->claim_notifications(1, 60s);
        REQUIRE(c.size() == 1);
        auto f = w.engine->fail_notification(c[0].id, c[0].attempts);
        delays.push_back((f.next_attempt_at - w.clock->now()).count());
        w.clock->set(f.next_attempt_at);
        if (f.state == NotificationState::dead) break;
    }
    REQUIRE(delays.size() == 8);
    long long d = 5;
    for (int i = 0; i < 7; ++i) {
        CHECK(delays[i] >= (d + 1) / 2);
        CHECK(delays[i] <= d);
        d = std::min(d * 2, 300LL);
    }
}

TEST_CASE("notifications: the in-app list pages newest first and keeps a read marker", "[notifications]") {
    World w(1);
    std::vector<Session> sessions;
    for (int i = 0; i < 5; ++i) {
        sessions.push_back(w.scheduled());
        w.clock->advance(1s);
    }
    // A reminder not yet due is not listed.
    w.engine->create_session(instructor, course, draft_at(w, 3h));
    auto page1 = w.engine->list_notifications(student(0), std::nullopt, 2);
    REQUIRE(page1.notifications.size() == 2);
    CHECK(page1.unread_count == 5);
    CHECK_FALSE(page1.read_up_to);
    CHECK(page1.notifications[0].session_id == sessions[4].id);
    CHECK(page1.notifications[1].session_id == sessions[3].id);
    REQUIRE(page1.next_cursor);
    auto page2 = w.engine->list_notifications(student(0), std::string_view(*page1.next_cursor), 2);
    REQUIRE(page2.notifications.size() == 2);
    CHECK(page2.notifications[0].session_id == sessions[2].id);
    auto page3 = w.engine->list_notifications(student(0), std::string_view(*page2.next_cursor), 2);
    REQUIRE(page3.notifications.size() == 1);
    CHECK_FALSE(page3.next_cursor);

    auto marker = w.engine->mark_notifications_read(student(0), page1.notifications[1].id);
    CHECK(marker.read_up_to == page1.notifications[1].id);
    CHECK(marker.unread_count == 1);
    auto list = w.engine->list_notifications(student(0), std::nullopt, 10);
    REQUIRE(list.notifications.size() == 5);
    CHECK_FALSE(list.notifications[0].read);
    for (std::size_t i = 1; i < 5; ++i) CHECK(list.notifications[i].read);
    // Never backwards; never someone else's.
    CHECK(w.engine->mark_notifications_read(student(0), page3.notifications[0].id).unread_count == 1);
    auto mod_list = w.engine->list_notifications(moderator, std::nullopt, 10);
    REQUIRE_FALSE(mod_list.notifications.empty());
    CHECK(error_of([&] { w.engine->mark_notifications_read(student(0), mod_list.notifications[0].id); }).field() ==
          "up_to");
    CHECK(error_of([&] { w.engine->list_notifications(student(0), std::string_view("bogus"), 2); }).field() ==
          "cursor");
    CHECK(w.engine->mark_notifications_read(student(0), list.notifications[0].id).unread_count == 0);
}

TEST_CASE("notifications: a failed change plans nothing", "[notifications]") {
    World w;
    auto s = w.engine->create_session(instructor, course, draft_at(w, 48h));
    SessionPatch bad;
    bad.ends_at = s.starts_at - 1h;  // invalid: nothing is written
    CHECK(error_of([&] { w.engine->update_session(instructor, s.id, bad); }).field() == "ends_at");
    SessionPatch stale;
    stale.starts_at = s.starts_at + 1h;
    stale.ends_at = s.ends_at + 1h;
    stale.expected_revision = s.revision + 5;
    CHECK(error_of([&] { w.engine->update_session(instructor, s.id, stale); }).reason() == "revision_mismatch");
    auto all = pending(w);
    REQUIRE(all.size() == 12);
    for (const auto& n : all) CHECK(n.starts_at == s.starts_at);
    // Refused by the access policy: nothing planned either.
    CHECK(error_of([&] { w.engine->create_session(student(0), course, draft_at(w, 48h)); }).code() ==
          ErrorCode::forbidden);
    CHECK(pending(w).size() == 12);
}

// ------------------------------------------------------------- processes

namespace {

// A world whose database holds `due` notifications due at the returned time.
Instant seed_due_notifications(World& w, int sessions_now, int sessions_later) {
    for (int i = 0; i < sessions_now; ++i) w.scheduled();  // 1 h reminders due now
    for (int i = 0; i < sessions_later; ++i) w.engine->create_session(instructor, course, draft_at(w, 30h));
    return w.clock->now() + 30h;  // everything due by then
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

}  // namespace

TEST_CASE("notifications: 4 processes claiming at once claim each due notification exactly once",
          "[notifications][concurrency][processes]") {
    World w(50);
    Instant when = seed_due_notifications(w, 10, 5);
    const std::size_t expected = 10 * 51 + 5 * 2 * 51;
    auto go = w.dir.file("go");
    std::vector<pid_t> pids;
    for (int p = 0; p < 4; ++p)
        pids.push_back(spawn_child("notification claimer", {{"LC_NOTIFY_DB", w.dir.file("livecourse.db")},
                                                            {"LC_NOTIFY_NOW", epoch(when)},
                                                            {"LC_NOTIFY_GO", go},
                                                            {"LC_NOTIFY_OUT", w.dir.file("claimed-" + std::to_string(p))}}));
    std::ofstream(go) << "go\n";
    for (auto pid : pids) CHECK(wait_exit_code(pid) == 0);

    std::map<std::string, int> claims;
    std::vector<std::size_t> per_process;
    for (int p = 0; p < 4; ++p) {
        auto lines = read_lines(w.dir.file("claimed-" + std::to_string(p)));
        per_process.push_back(lines.size());
        for (const auto& id : lines) ++claims[id];
    }
    INFO("claims per process: " << per_process[0] << " " << per_process[1] << " " << per_process[2] << " "
                                << per_process[3]);
    CHECK(claims.size() == expected);
    for (const auto& [id, n] : claims) {
        INFO("notification " << id);
        CHECK(n == 1);
    }
    auto delivered = in_state(*w.engine, NotificationState::delivered);
    CHECK(delivered.size() == expected);
    for (const auto& n : delivered) CHECK(n.attempts == 1);
    CHECK(pending(w).empty());
}

TEST_CASE("notifications: a consumer killed after claiming is replaced after its lease, once",
          "[notifications][processes]") {
    World w(4);  // 4 students + the moderator: five 1 h reminders
    w.scheduled();
    Instant when = w.clock->now();
    auto ready = w.dir.file("claimed.ready");
    pid_t pid = spawn_child("notification hoarder", {{"LC_NOTIFY_DB", w.dir.file("livecourse.db")},
                                                     {"LC_NOTIFY_NOW", epoch(when)},
                                                     {"LC_NOTIFY_OUT", w.dir.file("claimed")},
                                                     {"LC_NOTIFY_READY", ready}});
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!std::filesystem::exists(ready) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(5ms);
    REQUIRE(std::filesystem::exists(ready));
    ::kill(pid, SIGKILL);
    CHECK(wait_exit_code(pid) == 128 + SIGKILL);
    auto hoarded = read_lines(w.dir.file("claimed"));
    REQUIRE(hoarded.size() == 5);

    // Within the lease: nobody else gets them.
    w.clock->set(when + 59s);
    CHECK(w.engine->claim_notifications(50, 60s).empty());
    // After it: delivered again, once.
    w.clock->set(when + 60s);
    auto again = w.engine->claim_notifications(50, 60s);
    std::vector<std::string> ids = ids_of(again);
    std::sort(ids.begin(), ids.end());
    std::sort(hoarded.begin(), hoarded.end());
    CHECK(ids == hoarded);
    for (const auto& n : again) CHECK(n.attempts == 2);
    CHECK(w.engine->ack_notifications(ids).size() == 5);
    w.clock->advance(1h);
    CHECK(w.engine->claim_notifications(50, 60s).empty());
}

// One claiming process: waits for the go file, then claims and acks until
// nothing is left, writing each claimed id to its output file.
TEST_CASE("notification claimer", "[.child]") {
    auto db = child_env("LC_NOTIFY_DB");
    REQUIRE(db);
    EngineConfig c;
    c.database = *db;
    c.clock = std::make_shared<ManualClock>(Instant(Seconds(std::stoll(*child_env("LC_NOTIFY_NOW")))));
    Engine engine(c);
    auto go = *child_env("LC_NOTIFY_GO");
    while (!std::filesystem::exists(go)) std::this_thread::sleep_for(1ms);
    std::ofstream out(*child_env("LC_NOTIFY_OUT"));
    for (;;) {
        auto claimed = engine.claim_notifications(7, 3600s);
        if (claimed.empty()) break;
        for (const auto& n : claimed) out << n.id << '\n';
        out.flush();
        std::vector<std::string> ids;
        for (const auto& n : claimed) ids.push_back(n.id);
        CHECK(engine.ack_notifications(ids).size() == ids.size());
    }
}

// Claims everything due for 60 s, reports, and waits to be killed.
TEST_CASE("notification hoarder", "[.child]") {
    auto db = child_env("LC_NOTIFY_DB");
    REQUIRE(db);
    EngineConfig c;
    c.database = *db;
    c.clock = std::make_shared<ManualClock>(Instant(Seconds(std::stoll(*child_env("LC_NOTIFY_NOW")))));
    Engine engine(c);
    auto claimed = engine.claim_notifications(50, 60s);
    {
        std::ofstream out(*child_env("LC_NOTIFY_OUT"));
        for (const auto& n : claimed) out << n.id << '\n';
    }
    std::ofstream(*child_env("LC_NOTIFY_READY")) << "ready\n";
    for (;;) std::this_thread::sleep_for(1s);
}
