// The store conformance suite: every Store implementation must pass it
// unchanged (see support/stores.hpp for the list of backends).
#include "support/stores.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace lc_test;

namespace {
Session make_session(Store& store, const std::string& course, Instant start, const std::string& room_suffix = "") {
    auto s = new_session(store, course, start, room_suffix);
    s.description = "Desc";
    store.insert_session(s, NotificationPlan{});
    return s;
}
Session go_live(Store& store, Session s, Instant at) {
    auto next = s;
    next.status = SessionStatus::live;
    next.actual_start_at = at;
    next.revision = s.revision + 1;
    REQUIRE(store.replace_session(next, s.revision, NotificationPlan{}));
    return next;
}
}  // namespace

TEST_CASE("store: sessions round-trip every field", "[store]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto s = make_session(*store, "c1", t0());
    auto got = store->find_session(s.id);
    REQUIRE(got);
    CHECK(got->title == "Title");
    CHECK(got->timezone == "Europe/Paris");
    CHECK(got->starts_at == t0());
    CHECK(got->status == SessionStatus::scheduled);
    CHECK_FALSE(got->room_password);
    CHECK(store->find_session_by_room(s.jitsi_room_name)->id == s.id);
    CHECK_FALSE(store->find_session("999999"));
    CHECK_FALSE(store->find_session("not-an-id"));
    CHECK_FALSE(store->find_session("'; DROP TABLE sessions; --"));
    CHECK(store->allocate_session_id() != store->allocate_session_id());
}

TEST_CASE("store: room names are unique", "[store]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    auto s = make_session(*store, "c1", t0());
    Session dup = s;
    dup.id = store->allocate_session_id();
    auto e = error_of([&] { store->insert_session(dup, NotificationPlan{}); });
    CHECK(e.code() == ErrorCode::conflict);
    CHECK(e.reason() == "room_name_taken");
    CHECK_FALSE(store->find_session(dup.id));
}

TEST_CASE("store: replace_session is a compare-and-swap on the revision", "[store]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    auto s = make_session(*store, "c1", t0());
    auto a = s;
    a.title = "A";
    a.revision = 2;
    auto b = s;
    b.title = "B";
    b.revision = 2;
    CHECK(store->replace_session(a, 1, NotificationPlan{}));
    CHECK_FALSE(store->replace_session(b, 1, NotificationPlan{}));
    CHECK(store->find_session(s.id)->title == "A");
}

TEST_CASE("store: admission takes seats exactly and keeps them on rejoin", "[store]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    auto s = make_session(*store, "c1", t0());
    CHECK(store->admit({s.id, "u1", Role::student, {}, t0()}).outcome == AdmitOutcome::not_live);
    s = go_live(*store, s, t0());
    CHECK(store->admit({s.id, "u1", Role::student, {}, t0()}).outcome == AdmitOutcome::admitted);
    CHECK(store->admit({s.id, "u2", Role::student, {}, t0()}).outcome == AdmitOutcome::admitted);
    CHECK(store->admit({s.id, "u1", Role::student, {}, t0() + 1min}).outcome == AdmitOutcome::rejoined);
    CHECK(store->admit({s.id, "prof", Role::instructor, {}, t0()}).outcome == AdmitOutcome::admitted);
    auto third = store->admit({s.id, "u3", Role::student, {}, t0()});
    CHECK(third.outcome == AdmitOutcome::admitted);
    CHECK(third.seats_taken == 3);
    auto fourth = store->admit({s.id, "u4", Role::student, {}, t0()});
    CHECK(fourth.outcome == AdmitOutcome::full);
    CHECK(store->admit({s.id, "mod", Role::moderator, {}, t0()}).outcome == AdmitOutcome::admitted);
    CHECK(store->participants(s.id).size() == 5);
    CHECK(store->presence(s.id).size() == 6);  // u1 twice, u2, prof, u3, mod
    CHECK_FALSE(store->find_participant(s.id, "u4"));
}

TEST_CASE("store: admission reads the built-in enrollment inside its transaction", "[store]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    store->set_enrollment("c1", "u1", Role::student, after_every_session());
    store->set_enrollment("c1", "u2", Role::student, after_every_session());
    store->set_enrollment("c1", "mod", Role::moderator, after_every_session());
    store->set_enrollment("c2", "outsider", Role::student, after_every_session());
    auto s = go_live(*store, make_session(*store, "c1", t0()), t0());  // 3 seats
    auto by_enrollment = [&](const char* user, Instant at) { return store->admit({s.id, user, Role::none, "c1", at}); };

    auto a = by_enrollment("u1", t0());
    CHECK(a.outcome == AdmitOutcome::admitted);
    CHECK(a.role == Role::student);
    CHECK(a.seats_taken == 1);
    auto m = by_enrollment("mod", t0());
    CHECK(m.outcome == AdmitOutcome::admitted);
    CHECK(m.role == Role::moderator);
    CHECK(m.seats_taken == 1);  // staff take no seat
    // Enrolled elsewhere or nowhere: refused, and nothing is written.
    for (const char* user : {"outsider", "nobody"}) {
        auto r = by_enrollment(user, t0());
        CHECK(r.outcome == AdmitOutcome::not_member);
        CHECK(r.role == Role::none);
        CHECK_FALSE(store->find_participant(s.id, user));
    }
    CHECK(store->presence(s.id).size() == 2);
    // A role given by a host roster is taken as it is.
    CHECK(store->admit({s.id, "guest", Role::student, "c1", t0()}).role == Role::student);
    CHECK(by_enrollment("u2", t0()).outcome == AdmitOutcome::admitted);
    // Full: a newcomer is refused, an earlier participant still comes back.
    store->set_enrollment("c1", "late", Role::student, after_every_session());
    CHECK(by_enrollment("late", t0()).outcome == AdmitOutcome::full);
    CHECK_FALSE(store->find_participant(s.id, "late"));
    auto back = by_enrollment("u1", t0() + 1min);
    CHECK(back.outcome == AdmitOutcome::rejoined);
    CHECK(back.seats_taken == 3);
    CHECK(store->presence(s.id).size() == 5);  // u1 twice, mod, guest, u2
}

TEST_CASE("store: presence closes the latest open connection, ending closes all", "[store]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    auto s = go_live(*store, make_session(*store, "c1", t0()), t0());
    CHECK_FALSE(store->close_presence(s.id, "u1", t0()));  // leave without join
    store->admit({s.id, "u1", Role::student, {}, t0()});
    store->admit({s.id, "u1", Role::student, {}, t0() + 5min});
    CHECK(store->close_presence(s.id, "u1", t0() + 10min));
    auto ivs = store->presence(s.id);
    REQUIRE(ivs.size() == 2);
    CHECK_FALSE(ivs[0].left_at);
    CHECK(ivs[1].left_at == t0() + 10min);
    auto ended = s;
    ended.status = SessionStatus::ended;
    ended.actual_end_at = t0() + 30min;
    ended.revision = s.revision + 1;
    REQUIRE(store->replace_session(ended, s.revision, NotificationPlan{}));
    ivs = store->presence(s.id);
    CHECK(ivs[0].left_at == t0() + 30min);
    CHECK(store->admit({s.id, "u2", Role::student, {}, t0()}).outcome == AdmitOutcome::not_live);
}

TEST_CASE("store: chat pages oldest first and checks reply_to inside the transaction", "[store]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    auto s = make_session(*store, "c1", t0());
    auto other = make_session(*store, "c1", t0(), "-b");
    ChatMessage q;
    q.session_id = s.id;
    q.user_id = "u1";
    q.type = ChatType::question;
    q.body = "why?";
    q.created_at = t0();
    auto question = store->insert_chat(q);
    for (int i = 0; i < 4; ++i) {
        ChatMessage m = q;
        m.type = ChatType::text;
        m.body = "msg " + std::to_string(i);
        store->insert_chat(m);
    }
    ChatMessage a = q;
    a.type = ChatType::answer;
    a.reply_to = question.id;
    CHECK(store->insert_chat(a).reply_to == question.id);
    a.session_id = other.id;
    CHECK(error_of([&] { store->insert_chat(a); }).field() == "reply_to");
    a.session_id = s.id;
    a.reply_to = "424242";
    CHECK(error_of([&] { store->insert_chat(a); }).field() == "reply_to");

    auto page1 = store->list_chat(s.id, std::nullopt, 4);
    REQUIRE(page1.messages.size() == 4);
    CHECK(page1.messages[0].body == "why?");
    REQUIRE(page1.next_cursor);
    auto page2 = store->list_chat(s.id, *page1.next_cursor, 4);
    REQUIRE(page2.messages.size() == 2);
    CHECK(page2.messages[1].type == ChatType::answer);
    CHECK_FALSE(page2.next_cursor);
}

TEST_CASE("store: range queries return overlapping sessions of the given courses", "[store]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    auto a = make_session(*store, "c1", t0());
    auto b = make_session(*store, "c1", t0() + 48h);
    make_session(*store, "c2", t0());
    SessionRange r{{"c1"}, t0() + 30min, t0() + 24h, std::nullopt};
    auto got = store->sessions_in_range(r);
    REQUIRE(got.size() == 1);
    CHECK(got[0].id == a.id);
    r.to = t0() + 72h;
    CHECK(store->sessions_in_range(r).size() == 2);
    r.status = SessionStatus::live;
    CHECK(store->sessions_in_range(r).empty());
    (void)b;
}

TEST_CASE("store: built-in roster", "[store]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    store->set_enrollment("c1", "u1", Role::student, after_every_session());
    store->set_enrollment("c1", "u2", Role::student, after_every_session());
    store->set_enrollment("c2", "u1", Role::moderator, after_every_session());
    CHECK(store->enrollment_role("c1", "u1") == Role::student);
    CHECK(store->enrollments_of("u1").size() == 2);
    CHECK(store->count_enrolled_students("c1") == 2);
    auto members = [&](const char* course) {
        std::vector<std::pair<std::string, Role>> out;
        for (const auto& m : store->course_members(course)) out.emplace_back(m.user_id, m.role);
        return out;
    };
    using Members = std::vector<std::pair<std::string, Role>>;
    CHECK(members("c1") == Members{{"u1", Role::student}, {"u2", Role::student}});
    CHECK(members("c2") == Members{{"u1", Role::moderator}});
    CHECK(members("c3").empty());
    store->set_enrollment("c1", "u2", Role::none, after_every_session());
    CHECK(store->enrollment_role("c1", "u2") == Role::none);
    CHECK(store->count_enrolled_students("c1") == 1);
    CHECK(members("c1") == Members{{"u1", Role::student}});
    store->set_enrollment("c1", "u1", Role::instructor, after_every_session());
    CHECK(store->enrollment_role("c1", "u1") == Role::instructor);
    CHECK(members("c1") == Members{{"u1", Role::instructor}});
}

TEST_CASE("store: attendance overrides in force and their log", "[store][override]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    auto s = make_session(*store, "c1", t0());
    auto other = make_session(*store, "c1", t0() + 2h, "-b");
    using O = AttendanceOutcome;
    store->put_attendance_override({s.id, "u2", O::present, "by phone", "prof", t0()});
    store->put_attendance_override({s.id, "u1", O::late, "train", "mod", t0() + 1s});
    store->put_attendance_override({s.id, "u2", O::left_early, "by phone, left at 11", "prof", t0() + 2s});
    store->put_attendance_override({other.id, "u1", O::absent, "elsewhere", "prof", t0() + 3s});
    auto now = store->attendance_overrides(s.id);
    REQUIRE(now.size() == 2);
    CHECK(now[0].user_id == "u1");
    CHECK(now[0].outcome == O::late);
    CHECK(now[0].decided_by == "mod");
    CHECK(now[0].decided_at == t0() + 1s);
    CHECK(now[0].session_id == s.id);
    CHECK(now[1].outcome == O::left_early);
    CHECK(now[1].reason == "by phone, left at 11");
    store->put_attendance_override({s.id, "u1", std::nullopt, "withdrawn", "prof", t0() + 4s});
    now = store->attendance_overrides(s.id);
    REQUIRE(now.size() == 1);
    CHECK(now[0].user_id == "u2");
    auto log = store->attendance_override_log(s.id);
    REQUIRE(log.size() == 4);
    CHECK(log[0].outcome == O::present);
    CHECK(log[1].user_id == "u1");
    CHECK(log[2].outcome == O::left_early);
    CHECK_FALSE(log[3].outcome);
    CHECK(log[3].reason == "withdrawn");
    CHECK(store->attendance_override_log(other.id).size() == 1);
    CHECK(store->attendance_overrides("999999").empty());
}

TEST_CASE("store: many threads admitting at once take exactly the seats there are", "[store][concurrency]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    auto s = go_live(*store, make_session(*store, "c1", t0()), t0());
    std::atomic<int> admitted{0}, full{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                auto r = store->admit({s.id, "u" + std::to_string(t * 10 + i), Role::student, {}, t0()});
                (r.outcome == AdmitOutcome::admitted ? admitted : full)++;
            }
        });
    for (auto& th : threads) th.join();
    CHECK(admitted == 3);
    CHECK(full == 77);
    CHECK(store->participants(s.id).size() == 3);
}

// --------------------------------------------------- notification outbox
namespace {
std::vector<Notification> all_in(Store& store, NotificationState state) {
    std::vector<Notification> out;
    std::optional<std::string> cursor;
    do {
        auto page = store.notifications_in_state(state, cursor, 3);
        out.insert(out.end(), page.notifications.begin(), page.notifications.end());
        cursor = page.next_cursor;
    } while (cursor);
    return out;
}

std::set<std::string> users(const std::vector<Notification>& ns) {
    std::set<std::string> out;
    for (const auto& n : ns) out.insert(n.user_id);
    return out;
}

// A scheduled session two days ahead whose reminders are planned for
// `recipients` (built-in roster when nullopt), created by "prof".
Session session_with_reminders(Store& store, const std::string& course, std::optional<std::vector<std::string>> who,
                               const std::string& room_suffix = "") {
    auto s = new_session(store, course, t0() + 48h, room_suffix);
    s.created_at = s.updated_at = t0();
    Recipients r;
    r.users = std::move(who);
    r.except = "prof";
    store.insert_session(s, NotificationPlanner::created({s}, t0(), r));
    return s;
}
}  // namespace

TEST_CASE("store: a change and the notifications it plans are written together or not at all", "[store][outbox]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    store->set_enrollment("c1", "u1", Role::student, after_every_session());
    store->set_enrollment("c1", "u2", Role::student, after_every_session());
    store->set_enrollment("c1", "mod", Role::moderator, after_every_session());
    store->set_enrollment("c1", "prof", Role::instructor, after_every_session());
    store->set_enrollment("c2", "other", Role::student, after_every_session());

    // Built-in roster recipients, read in the transaction; the actor excluded.
    auto s = session_with_reminders(*store, "c1", std::nullopt);
    auto pending = all_in(*store, NotificationState::pending);
    REQUIRE(pending.size() == 6);
    CHECK(users(pending) == std::set<std::string>{"u1", "u2", "mod"});
    for (const auto& n : pending) {
        CHECK(n.session_id == s.id);
        CHECK(n.title == "Title");
        CHECK(n.timezone == "Europe/Paris");
        CHECK(n.starts_at == s.starts_at);
        CHECK(n.state == NotificationState::pending);
        CHECK(n.attempts == 0);
        CHECK(n.next_attempt_at == n.due_at);
        CHECK(n.idempotency_key == notification_key_prefix(n.kind, s.id, std::to_string(s.starts_at.time_since_epoch().count())) + n.user_id);
        auto found = store->find_notification(n.id);
        REQUIRE(found);
        CHECK(found->idempotency_key == n.idempotency_key);
    }
    // Explicit recipients (a host roster that lists members).
    session_with_reminders(*store, "c2", std::vector<std::string>{"x1", "prof", "x2"}, "-b");
    CHECK(all_in(*store, NotificationState::pending).size() == 10);

    // A failed compare-and-swap writes no notification.
    auto live = s;
    live.status = SessionStatus::live;
    live.actual_start_at = t0();
    live.revision = 2;
    Recipients r;
    r.except = "prof";
    auto plan = NotificationPlanner::changed(s, live, t0(), r);
    CHECK_FALSE(store->replace_session(live, 7, plan));
    CHECK(all_in(*store, NotificationState::pending).size() == 10);
    CHECK(store->replace_session(live, 1, plan));
    pending = all_in(*store, NotificationState::pending);
    REQUIRE(pending.size() == 7);  // c1's reminders dropped, three session_live added
    int live_count = 0;
    for (const auto& n : pending)
        if (n.kind == NotificationKind::session_live) {
            ++live_count;
            CHECK(n.due_at == t0());
        }
    CHECK(live_count == 3);
    // Planning the same event again is a no-op (the idempotency key).
    CHECK_FALSE(store->replace_session(live, 1, plan));
    auto again = live;
    again.revision = 3;
    CHECK(store->replace_session(again, 2, plan));
    CHECK(all_in(*store, NotificationState::pending).size() == 7);
    CHECK(store->find_notification("999999") == std::nullopt);
    CHECK(store->find_notification("x") == std::nullopt);
}

TEST_CASE("store: an edit drops the reminders not yet due and tells those already reminded", "[store][outbox]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    for (auto u : {"u1", "u2", "u3"}) store->set_enrollment("c1", u, Role::student, after_every_session());
    auto s = session_with_reminders(*store, "c1", std::nullopt);
    // u1's 24 h reminder is delivered; u2's is due but still pending.
    Instant now = s.starts_at - 23h;
    auto claimed = store->claim_notifications(now, 10, 60s, 8);
    REQUIRE(claimed.size() == 3);
    for (const auto& n : claimed)
        if (n.user_id == "u1") CHECK(store->ack_notifications({n.id}, now).size() == 1);
    for (const auto& n : claimed)
        if (n.user_id != "u1") CHECK(store->fail_notification(n.id, 1, now, 3600s, 8, "down"));

    auto moved = s;
    moved.starts_at = s.starts_at + 2h;
    moved.ends_at = s.ends_at + 2h;
    moved.revision = 2;
    Recipients r;
    r.except = "prof";
    auto plan = NotificationPlanner::changed(s, moved, now, r);
    REQUIRE(store->replace_session(moved, 1, plan));
    auto pending = all_in(*store, NotificationState::pending);
    std::map<std::string, std::vector<NotificationKind>> by_user;
    for (const auto& n : pending) by_user[n.user_id].push_back(n.kind);
    // The 1 h reminders were not yet due: replanned at the new time. The 24 h
    // reminders (due at the new time too) are new events. Everyone had one
    // due: everyone is told of the move.
    for (auto u : {"u1", "u2", "u3"}) {
        INFO(u);
        auto kinds = by_user[u];
        CHECK(std::count(kinds.begin(), kinds.end(), NotificationKind::session_rescheduled) == 1);
        CHECK(std::count(kinds.begin(), kinds.end(), NotificationKind::reminder_1h) == 1);
    }
    for (const auto& n : pending)
        if (n.kind == NotificationKind::reminder_1h) CHECK(n.due_at == moved.starts_at - 1h);
    // u2 and u3 keep their old, failed-and-waiting 24 h reminders.
    CHECK(store->find_notification(claimed[0].id));

    // Cancelling drops every undelivered reminder.
    auto cancelled = moved;
    cancelled.status = SessionStatus::cancelled;
    cancelled.cancel_reason = "ill";
    cancelled.revision = 3;
    REQUIRE(store->replace_session(cancelled, 2, NotificationPlanner::changed(moved, cancelled, now, r)));
    pending = all_in(*store, NotificationState::pending);
    for (const auto& n : pending) {
        CHECK_FALSE(is_reminder(n.kind));
        if (n.kind == NotificationKind::session_cancelled) CHECK(n.cancel_reason == std::optional<std::string>("ill"));
    }
    CHECK(all_in(*store, NotificationState::delivered).size() == 1);
}

TEST_CASE("store: enrolling plans the reminders still due, unenrolling drops the pending ones", "[store][outbox]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto s = session_with_reminders(*store, "c1", std::nullopt);
    CHECK(all_in(*store, NotificationState::pending).empty());  // nobody enrolled yet
    store->set_enrollment("c1", "late", Role::student, t0());
    auto pending = all_in(*store, NotificationState::pending);
    REQUIRE(pending.size() == 2);
    for (const auto& n : pending) {
        CHECK(n.idempotency_key == notification_key_prefix(n.kind, s.id, std::to_string(s.starts_at.time_since_epoch().count())) + "late");
        CHECK(n.title == "Title");
        CHECK(n.timezone == "Europe/Paris");
        CHECK(n.created_at == t0());
    }
    store->set_enrollment("c1", "late", Role::moderator, t0());  // same events: nothing new
    CHECK(all_in(*store, NotificationState::pending).size() == 2);
    store->set_enrollment("c1", "later", Role::student, s.starts_at - 2h);
    CHECK(all_in(*store, NotificationState::pending).size() == 3);
    store->set_enrollment("c1", "prof", Role::instructor, t0());  // the session's own instructor: none
    CHECK(all_in(*store, NotificationState::pending).size() == 3);
    store->set_enrollment("c1", "late", Role::none, t0());
    pending = all_in(*store, NotificationState::pending);
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].user_id == "later");
    CHECK(store->enrollment_role("c1", "late") == Role::none);
}

TEST_CASE("store: claims lease, acks deliver, failures back off, exhausted ones die and can be retried",
          "[store][outbox]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto s = session_with_reminders(*store, "c1", std::vector<std::string>{"a", "b", "c"});
    Instant due = s.starts_at - 24h;
    CHECK(store->claim_notifications(due - 1s, 10, 60s, 2).empty());
    auto first = store->claim_notifications(due, 2, 60s, 2);
    REQUIRE(first.size() == 2);
    auto second = store->claim_notifications(due, 10, 60s, 2);
    REQUIRE(second.size() == 1);
    for (const auto& n : first) {
        CHECK(n.attempts == 1);
        CHECK(n.next_attempt_at == due + 60s);
        CHECK(n.kind == NotificationKind::reminder_24h);
    }
    CHECK(store->claim_notifications(due + 59s, 10, 60s, 2).empty());

    CHECK(store->ack_notifications({first[0].id, "junk", "424242"}, due + 1s) == std::vector<std::string>{first[0].id});
    CHECK(store->ack_notifications({first[0].id}, due + 2s).empty());
    auto delivered = store->find_notification(first[0].id);
    REQUIRE(delivered);
    CHECK(delivered->state == NotificationState::delivered);
    CHECK(delivered->delivered_at == due + 1s);

    // A stale failure report changes nothing; a current one backs off.
    CHECK_FALSE(store->fail_notification(first[1].id, 5, due + 1s, 10s, 2, "x"));
    auto failed = store->fail_notification(first[1].id, 1, due + 1s, 10s, 2, "HTTP 500");
    REQUIRE(failed);
    CHECK(failed->state == NotificationState::pending);
    CHECK(failed->next_attempt_at == due + 11s);
    CHECK(failed->last_error == std::optional<std::string>("HTTP 500"));
    CHECK_FALSE(store->fail_notification(first[1].id, 1, due + 2s, 10s, 2, "again"));  // reported already
    CHECK_FALSE(store->fail_notification(first[0].id, std::nullopt, due + 1s, 10s, 2, "x"));  // delivered
    auto retry = store->claim_notifications(due + 11s, 10, 60s, 2);
    REQUIRE(retry.size() == 1);
    CHECK(retry[0].id == first[1].id);
    CHECK(retry[0].attempts == 2);
    auto dead = store->fail_notification(retry[0].id, 2, due + 12s, 10s, 2, "HTTP 500");
    REQUIRE(dead);
    CHECK(dead->state == NotificationState::dead);
    // second[0]'s lease ends on its first attempt: claimable, then dead.
    auto third = store->claim_notifications(due + 61s, 10, 60s, 2);
    REQUIRE(third.size() == 1);
    CHECK(third[0].id == second[0].id);
    CHECK(store->claim_notifications(due + 200s, 10, 60s, 2).empty());
    auto parked = all_in(*store, NotificationState::dead);
    REQUIRE(parked.size() == 2);
    CHECK(parked[0].attempts == 2);

    CHECK_FALSE(store->retry_notification(first[0].id, due + 300s));  // delivered, not dead
    auto back = store->retry_notification(parked[0].id, due + 300s);
    REQUIRE(back);
    CHECK(back->state == NotificationState::pending);
    CHECK(back->attempts == 0);
    CHECK(back->next_attempt_at == due + 300s);
    CHECK_FALSE(back->last_error);
    auto once_more = store->claim_notifications(due + 300s, 10, 60s, 2);
    REQUIRE(once_more.size() == 1);
    CHECK(once_more[0].id == parked[0].id);
    // A late acknowledgement of a dead one still records the delivery.
    CHECK(store->ack_notifications({parked[1].id}, due + 301s).size() == 1);
    CHECK(all_in(*store, NotificationState::dead).empty());
}

TEST_CASE("store: a user's in-app list pages by due time and keeps a forward-only read marker", "[store][outbox]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto a = session_with_reminders(*store, "c1", std::vector<std::string>{"u"});
    auto b = session_with_reminders(*store, "c1", std::vector<std::string>{"u", "v"}, "-b");
    Instant now = a.starts_at - 1h;  // all four of u's reminders due; planned in a, b order
    auto list = store->user_notifications("u", a.starts_at - 2h, std::nullopt, 10);
    CHECK(list.notifications.size() == 2);  // the 24 h ones only
    CHECK(list.unread_count == 2);
    auto page1 = store->user_notifications("u", now, std::nullopt, 3);
    REQUIRE(page1.notifications.size() == 3);
    // Newest due first; equal due times newest id first.
    CHECK(page1.notifications[0].kind == NotificationKind::reminder_1h);
    CHECK(page1.notifications[0].session_id == b.id);
    CHECK(page1.notifications[1].session_id == a.id);
    CHECK(page1.notifications[2].kind == NotificationKind::reminder_24h);
    CHECK(page1.notifications[2].session_id == b.id);
    REQUIRE(page1.next_cursor);
    auto page2 = store->user_notifications("u", now, std::string_view(*page1.next_cursor), 3);
    REQUIRE(page2.notifications.size() == 1);
    CHECK(page2.notifications[0].session_id == a.id);
    CHECK_FALSE(page2.next_cursor);
    CHECK(page1.unread_count == 4);

    CHECK_FALSE(store->mark_notifications_read("v", page1.notifications[0].id, now));  // not v's
    CHECK_FALSE(store->mark_notifications_read("u", "bogus", now));
    auto marker = store->mark_notifications_read("u", page1.notifications[1].id, now);
    REQUIRE(marker);
    CHECK(marker->read_up_to == page1.notifications[1].id);
    CHECK(marker->unread_count == 1);
    auto older = store->mark_notifications_read("u", page2.notifications[0].id, now);
    REQUIRE(older);
    CHECK(older->read_up_to == page1.notifications[1].id);  // never backwards
    list = store->user_notifications("u", now, std::nullopt, 10);
    REQUIRE(list.notifications.size() == 4);
    CHECK_FALSE(list.notifications[0].read);
    CHECK(list.notifications[1].read);
    CHECK(list.notifications[3].read);
    CHECK(list.read_up_to == page1.notifications[1].id);
    CHECK(list.unread_count == 1);
    CHECK(error_of([&] { store->user_notifications("u", now, std::string_view("12"), 3); }).field() == "cursor");
}

TEST_CASE("store: threads claiming at once never share a notification", "[store][outbox][concurrency]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    std::vector<std::string> who;
    for (int i = 0; i < 60; ++i) who.push_back("u" + std::to_string(i));
    for (int k = 0; k < 4; ++k) session_with_reminders(*store, "c1", who, "-" + std::to_string(k));
    Instant now = t0() + 48h;  // 4 sessions x 2 reminders x 60 users, all due
    std::mutex mutex;
    std::map<std::string, int> seen;
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t)
        threads.emplace_back([&] {
            for (;;) {
                auto claimed = store->claim_notifications(now, 5, 3600s, 8);
                if (claimed.empty()) return;
                std::lock_guard lock(mutex);
                for (const auto& n : claimed) ++seen[n.id];
            }
        });
    for (auto& th : threads) th.join();
    CHECK(seen.size() == 480);
    for (const auto& [id, n] : seen) CHECK(n == 1);
}

// ------------------------------------------------- video-server presence
namespace {
VideoPresencePoint point(std::string connection, VideoPointKind kind, int at, std::string user = "u1",
                         std::string scope = "") {
    return {std::move(scope), std::move(connection), std::move(user), kind, t0() + Seconds(at)};
}
}  // namespace

TEST_CASE("store: video points are a set, a delivery key is recorded once", "[store][presence]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto s = go_live(*store, make_session(*store, "c1", t0()), t0());
    auto other = go_live(*store, make_session(*store, "c1", t0(), "-b"), t0());
    using K = VideoPointKind;
    std::vector<VideoPresencePoint> first = {point("es:a", K::join, 0), point("es:a", K::leave, 30)};
    CHECK(store->record_video_points(s.id, std::nullopt, first, t0()) == 2);
    CHECK(store->record_video_points(s.id, std::nullopt, first, t0()) == 0);  // the same report again
    // A report overlapping what is known adds only what is new.
    CHECK(store->record_video_points(s.id, std::nullopt,
                                     {point("es:a", K::leave, 30), point("es:a", K::join, 40),
                                      point("", K::room_end, 50, "", "br-1"), point("es:b", K::join, 5, "u2", "br-1")},
                                     t0()) == 3);
    // A delivery key: the first time its points are added, never again,
    // even with other points; keys are global, not per session.
    CHECK(store->record_video_points(s.id, std::string_view("key-1"), {point("jaas:p", K::join, 7)}, t0()) == 1);
    CHECK_FALSE(store->record_video_points(s.id, std::string_view("key-1"), {point("jaas:q", K::join, 8)}, t0()));
    CHECK_FALSE(store->record_video_points(other.id, std::string_view("key-1"), {point("jaas:q", K::join, 8)}, t0()));
    CHECK(store->record_video_points(other.id, std::string_view("key-2"), {point("jaas:q", K::join, 8)}, t0()) == 1);

    auto points = store->video_points(s.id);
    REQUIRE(points.size() == 6);
    std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) {
        return std::tie(a.at, a.connection) < std::tie(b.at, b.connection);
    });
    CHECK(points[0].connection == "es:a");
    CHECK(points[0].kind == K::join);
    CHECK(points[0].user_id == "u1");
    CHECK(points[0].at == t0());
    CHECK(points[1].connection == "es:b");
    CHECK(points[1].scope == "br-1");
    CHECK(points[1].user_id == "u2");
    CHECK(points[2].connection == "jaas:p");
    CHECK(points[3].kind == K::leave);
    CHECK(points[5].kind == K::room_end);
    CHECK(points[5].connection.empty());
    CHECK(points[5].scope == "br-1");
    CHECK(store->video_points(other.id).size() == 1);
    CHECK(store->video_points("999999").empty());
    CHECK(store->video_points("not-an-id").empty());
}

TEST_CASE("store: heartbeats open, extend and close one interval per user", "[store][presence]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto s = go_live(*store, make_session(*store, "c1", t0()), t0());
    CHECK(store->record_heartbeat(s.id, "u1", t0(), 90s));             // opens
    CHECK_FALSE(store->record_heartbeat(s.id, "u1", t0() + 30s, 90s));  // extends
    CHECK_FALSE(store->record_heartbeat(s.id, "u1", t0() + 20s, 90s));  // late, never moves back
    CHECK_FALSE(store->record_heartbeat(s.id, "u1", t0() + 120s, 90s)); // 90 s later: still the same
    CHECK(store->record_heartbeat(s.id, "u1", t0() + 211s, 90s));       // 91 s of silence: a new one
    CHECK(store->record_heartbeat(s.id, "u2", t0() + 5s, 90s));
    CHECK(store->close_heartbeat(s.id, "u2", t0() + 50s));
    CHECK_FALSE(store->close_heartbeat(s.id, "u2", t0() + 60s));  // nothing open
    CHECK(store->record_heartbeat(s.id, "u2", t0() + 70s, 90s));  // after a leave: a new one

    auto hb = store->heartbeat_intervals(s.id);
    REQUIRE(hb.size() == 4);
    std::sort(hb.begin(), hb.end(),
              [](const auto& a, const auto& b) { return std::tie(a.user_id, a.joined_at) < std::tie(b.user_id, b.joined_at); });
    CHECK(hb[0].user_id == "u1");
    CHECK(hb[0].joined_at == t0());
    CHECK(hb[0].last_seen_at == t0() + 120s);
    CHECK(hb[0].left_at == t0() + 120s);  // closed at its last heartbeat
    CHECK(hb[1].joined_at == t0() + 211s);
    CHECK(hb[1].last_seen_at == t0() + 211s);
    CHECK_FALSE(hb[1].left_at);
    CHECK(hb[2].user_id == "u2");
    CHECK(hb[2].left_at == t0() + 50s);
    CHECK(hb[3].joined_at == t0() + 70s);
    CHECK_FALSE(hb[3].left_at);
    CHECK(store->heartbeat_intervals("999999").empty());
}

TEST_CASE("store: concurrent video reports and heartbeats lose nothing and open one interval",
          "[store][presence][concurrency]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto s = go_live(*store, make_session(*store, "c1", t0()), t0());
    constexpr int threads = 6, per_thread = 40;
    std::atomic<int> added{0}, opened{0}, duplicate_keys{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                // Every thread reports the same connections (overlapping
                // retries) and one delivery key per i: each point and each
                // key is stored exactly once.
                std::string key = "k-" + std::to_string(i);
                auto r = store->record_video_points(
                    s.id, std::string_view(key),
                    {point("c" + std::to_string(i), VideoPointKind::join, i), point("x" + std::to_string(t), VideoPointKind::join, i)},
                    t0());
                if (r) added += *r;
                else ++duplicate_keys;
                opened += store->record_heartbeat(s.id, "u", t0() + Seconds(i), 90s);
            }
        });
    for (auto& th : pool) th.join();
    CHECK(duplicate_keys == (threads - 1) * per_thread);
    CHECK(added == 2 * per_thread);
    CHECK(store->video_points(s.id).size() == std::size_t(2 * per_thread));
    CHECK(opened == 1);
    auto hb = store->heartbeat_intervals(s.id);
    REQUIRE(hb.size() == 1);
    CHECK(hb[0].last_seen_at == t0() + Seconds(per_thread - 1));
}
