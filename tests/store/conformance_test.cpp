// The store conformance suite: every Store implementation must pass it
// unchanged (see support/stores.hpp for the list of backends).
#include "support/stores.hpp"

#include <thread>

using namespace lc_test;

namespace {
Session make_session(Store& store, const std::string& course, Instant start, const std::string& room_suffix = "") {
    Session s;
    s.id = store.allocate_session_id();
    s.course_id = course;
    s.instructor_id = "prof";
    s.title = "Title";
    s.description = "Desc";
    s.starts_at = start;
    s.ends_at = start + 1h;
    s.timezone = "Europe/Paris";
    s.max_participants = 3;
    s.jitsi_room_name = "lc-course-" + course + "-session-" + s.id + room_suffix;
    s.jitsi_server_url = "https://meet.jit.si";
    s.created_at = s.updated_at = start - 24h;
    store.insert_session(s);
    return s;
}
Session go_live(Store& store, Session s, Instant at) {
    auto next = s;
    next.status = SessionStatus::live;
    next.actual_start_at = at;
    next.revision = s.revision + 1;
    REQUIRE(store.replace_session(next, s.revision));
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
    auto e = error_of([&] { store->insert_session(dup); });
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
    CHECK(store->replace_session(a, 1));
    CHECK_FALSE(store->replace_session(b, 1));
    CHECK(store->find_session(s.id)->title == "A");
}

TEST_CASE("store: admission takes seats exactly and keeps them on rejoin", "[store]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    auto s = make_session(*store, "c1", t0());
    CHECK(store->admit(s.id, "u1", Role::student, true, t0()).outcome == AdmitOutcome::not_live);
    s = go_live(*store, s, t0());
    CHECK(store->admit(s.id, "u1", Role::student, true, t0()).outcome == AdmitOutcome::admitted);
    CHECK(store->admit(s.id, "u2", Role::student, true, t0()).outcome == AdmitOutcome::admitted);
    CHECK(store->admit(s.id, "u1", Role::student, true, t0() + 1min).outcome == AdmitOutcome::rejoined);
    CHECK(store->admit(s.id, "prof", Role::instructor, false, t0()).outcome == AdmitOutcome::admitted);
    auto third = store->admit(s.id, "u3", Role::student, true, t0());
    CHECK(third.outcome == AdmitOutcome::admitted);
    CHECK(third.seats_taken == 3);
    auto fourth = store->admit(s.id, "u4", Role::student, true, t0());
    CHECK(fourth.outcome == AdmitOutcome::full);
    CHECK(store->admit(s.id, "mod", Role::moderator, false, t0()).outcome == AdmitOutcome::admitted);
    CHECK(store->participants(s.id).size() == 5);
    CHECK(store->presence(s.id).size() == 6);  // u1 twice, u2, prof, u3, mod
    CHECK_FALSE(store->find_participant(s.id, "u4"));
}

TEST_CASE("store: presence closes the latest open connection, ending closes all", "[store]") {
    auto backend = GENERATE(from_range(backends()));
    TempDir dir;
    auto store = backend.open(dir);
    auto s = go_live(*store, make_session(*store, "c1", t0()), t0());
    CHECK_FALSE(store->close_presence(s.id, "u1", t0()));  // leave without join
    store->admit(s.id, "u1", Role::student, true, t0());
    store->admit(s.id, "u1", Role::student, true, t0() + 5min);
    CHECK(store->close_presence(s.id, "u1", t0() + 10min));
    auto ivs = store->presence(s.id);
    REQUIRE(ivs.size() == 2);
    CHECK_FALSE(ivs[0].left_at);
    CHECK(ivs[1].left_at == t0() + 10min);
    auto ended = s;
    ended.status = SessionStatus::ended;
    ended.actual_end_at = t0() + 30min;
    ended.revision = s.revision + 1;
    REQUIRE(store->replace_session(ended, s.revision));
    ivs = store->presence(s.id);
    CHECK(ivs[0].left_at == t0() + 30min);
    CHECK(store->admit(s.id, "u2", Role::student, true, t0()).outcome == AdmitOutcome::not_live);
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
    store->set_enrollment("c1", "u1", Role::student);
    store->set_enrollment("c1", "u2", Role::student);
    store->set_enrollment("c2", "u1", Role::moderator);
    CHECK(store->enrollment_role("c1", "u1") == Role::student);
    CHECK(store->enrollments_of("u1").size() == 2);
    CHECK(store->count_enrolled_students("c1") == 2);
    store->set_enrollment("c1", "u2", Role::none);
    CHECK(store->enrollment_role("c1", "u2") == Role::none);
    CHECK(store->count_enrolled_students("c1") == 1);
    store->set_enrollment("c1", "u1", Role::instructor);
    CHECK(store->enrollment_role("c1", "u1") == Role::instructor);
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
                auto r = store->admit(s.id, "u" + std::to_string(t * 10 + i), Role::student, true, t0());
                (r.outcome == AdmitOutcome::admitted ? admitted : full)++;
            }
        });
    for (auto& th : threads) th.join();
    CHECK(admitted == 3);
    CHECK(full == 77);
    CHECK(store->participants(s.id).size() == 3);
}
