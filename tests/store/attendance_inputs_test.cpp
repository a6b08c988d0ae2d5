// Store::attendance_inputs: the five reads attendance is computed from, in
// one read transaction, on every backend; and, on PostgreSQL, a writer
// committing between two of those reads, made deterministic with a table
// lock, shows that they share one snapshot.
#include "support/stores.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <tuple>

using namespace lc_test;

namespace {

Session live_session(Store& store, int seats = 50) {
    auto s = new_session(store, "c1", t0());
    s.max_participants = seats;
    s.status = SessionStatus::live;
    s.actual_start_at = t0();
    store.insert_session(s, NotificationPlan{});
    return s;
}

AdmitResult admit(Store& store, const Session& s, const std::string& user, Instant at) {
    return store.admit({s.id, user, Role::student, s.course_id, at});
}

std::set<std::string> users_of(const std::vector<Participant>& ps) {
    std::set<std::string> out;
    for (const auto& p : ps) out.insert(p.user_id);
    return out;
}

std::set<std::string> users_of(const std::vector<PresenceInterval>& ivs) {
    std::set<std::string> out;
    for (const auto& iv : ivs) out.insert(iv.user_id);
    return out;
}

}  // namespace

TEST_CASE("store: attendance_inputs reads what the other reads return", "[store][presence]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto s = live_session(*store);
    REQUIRE(admit(*store, s, "u1", t0() + 10s).outcome == AdmitOutcome::admitted);
    REQUIRE(admit(*store, s, "u2", t0() + 20s).outcome == AdmitOutcome::admitted);
    REQUIRE(store->close_presence(s.id, "u1", t0() + 60s));
    REQUIRE(store->record_heartbeat(s.id, "u3", t0() + 30s, 45s));
    std::vector<VideoPresencePoint> points_in = {{"room", "c1", "u4", VideoPointKind::join, t0() + 5s},
                                                 {"room", "c1", "u4", VideoPointKind::leave, t0() + 90s}};
    REQUIRE(store->record_video_points(s.id, std::nullopt, points_in, t0() + 90s) == 2);

    auto in = store->attendance_inputs(s.id);
    auto participants = store->participants(s.id);
    auto presence = store->presence(s.id);
    auto heartbeats = store->heartbeat_intervals(s.id);
    auto points = store->video_points(s.id);

    REQUIRE(in.participants.size() == participants.size());
    for (std::size_t i = 0; i < participants.size(); ++i) {
        CHECK(in.participants[i].user_id == participants[i].user_id);
        CHECK(in.participants[i].role == participants[i].role);
        CHECK(in.participants[i].admitted_at == participants[i].admitted_at);
    }
    REQUIRE(in.presence.size() == presence.size());
    for (std::size_t i = 0; i < presence.size(); ++i) {
        CHECK(in.presence[i].user_id == presence[i].user_id);
        CHECK(in.presence[i].joined_at == presence[i].joined_at);
        CHECK(in.presence[i].left_at == presence[i].left_at);
        CHECK(in.presence[i].source == presence[i].source);
    }
    REQUIRE(in.heartbeats.size() == heartbeats.size());
    for (std::size_t i = 0; i < heartbeats.size(); ++i) {
        CHECK(in.heartbeats[i].user_id == heartbeats[i].user_id);
        CHECK(in.heartbeats[i].joined_at == heartbeats[i].joined_at);
        CHECK(in.heartbeats[i].last_seen_at == heartbeats[i].last_seen_at);
        CHECK(in.heartbeats[i].left_at == heartbeats[i].left_at);
    }
    REQUIRE(in.video_points.size() == points.size());
    CHECK(in.video_points.size() == 2);
    CHECK(users_of(in.participants) == std::set<std::string>{"u1", "u2"});

    // An id that names nothing reads nothing, whatever its form.
    for (auto id : {"999999", "0", "' OR 1=1", ""}) {
        auto none = store->attendance_inputs(id);
        CHECK(none.participants.empty());
        CHECK(none.presence.empty());
        CHECK(none.heartbeats.empty());
        CHECK(none.video_points.empty());
    }
}

TEST_CASE("store: live_presence reads the open client intervals with the rest whole", "[store][presence][roster]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto s = live_session(*store);
    REQUIRE(admit(*store, s, "u1", t0() + 10s).outcome == AdmitOutcome::admitted);
    REQUIRE(admit(*store, s, "u2", t0() + 20s).outcome == AdmitOutcome::admitted);
    REQUIRE(admit(*store, s, "u2", t0() + 25s).outcome == AdmitOutcome::rejoined);
    REQUIRE(store->close_presence(s.id, "u1", t0() + 60s));
    REQUIRE(store->close_presence(s.id, "u2", t0() + 70s));  // u2's newest connection
    REQUIRE(store->record_heartbeat(s.id, "u3", t0() + 30s, 45s));
    REQUIRE(store->close_heartbeat(s.id, "u3", t0() + 40s));
    REQUIRE(store->record_video_points(s.id, std::nullopt, {{"", "c1", "u4", VideoPointKind::join, t0() + 5s}},
                                       t0() + 5s) == 1);

    auto live = store->live_presence(s.id);
    auto all = store->attendance_inputs(s.id);
    CHECK(users_of(live.participants) == users_of(all.participants));
    REQUIRE(live.presence.size() == 1);
    CHECK(live.presence[0].user_id == "u2");
    CHECK(live.presence[0].joined_at == t0() + 20s);
    CHECK_FALSE(live.presence[0].left_at);
    CHECK(all.presence.size() == 3);
    REQUIRE(live.heartbeats.size() == 1);  // closed ones too: they decide the source
    CHECK(live.heartbeats[0].left_at == t0() + 40s);
    CHECK(live.video_points.size() == 1);
    for (auto id : {"999999", "0", "' OR 1=1", ""}) {
        auto none = store->live_presence(id);
        CHECK(none.participants.empty());
        CHECK(none.presence.empty());
    }
}

TEST_CASE("store: absences from room censuses are a set, read with the other inputs", "[store][presence][census]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto s = live_session(*store);
    auto other = live_session(*store);
    std::vector<PresenceAbsence> first = {{"u1", t0() + 60s}, {"u2", t0() + 60s}, {"u1", t0() + 60s}};
    CHECK(store->record_absences(s.id, first) == 2);  // a repeat within one census counts once
    CHECK(store->record_absences(s.id, first) == 0);  // the same census again
    CHECK(store->record_absences(s.id, {{"u1", t0() + 60s}, {"u1", t0() + 120s}}) == 1);
    CHECK(store->record_absences(other.id, {{"u1", t0() + 60s}}) == 1);  // per session
    CHECK(store->record_absences(s.id, {}) == 0);
    CHECK(store->record_absences("999999", {{"u1", t0()}}) == 0);
    CHECK(store->record_absences("not-an-id", {{"u1", t0()}}) == 0);

    for (auto in : {store->attendance_inputs(s.id), store->live_presence(s.id)}) {
        REQUIRE(in.absences.size() == 3);
        std::sort(in.absences.begin(), in.absences.end(),
                  [](const auto& a, const auto& b) { return std::tie(a.at, a.user_id) < std::tie(b.at, b.user_id); });
        CHECK(in.absences[0].user_id == "u1");
        CHECK(in.absences[0].at == t0() + 60s);
        CHECK(in.absences[1].user_id == "u2");
        CHECK(in.absences[2].at == t0() + 120s);
    }
    CHECK(store->attendance_inputs(other.id).absences.size() == 1);
    CHECK(store->attendance_inputs("999999").absences.empty());
}

TEST_CASE("store: attendance_inputs never sees half of an admission made while it reads",
          "[store][presence][concurrency]") {
    auto backend = GENERATE(from_range(backends()));
    INFO(backend.name);
    TempDir dir;
    auto store = backend.open(dir);
    auto s = live_session(*store, 1000);
    // Each admission writes its participant and its presence interval in one
    // transaction: a snapshot holds both or neither. Separate reads (the
    // participants first, the presence after) would see an admission that
    // committed between them in the presence only.
    std::atomic<bool> done{false};
    std::thread writer([&] {
        for (int i = 0; i < 300; ++i) admit(*store, s, "u" + std::to_string(i), t0() + 1s);
        done = true;
    });
    int reads = 0;
    while (!done || reads == 0) {
        auto in = store->attendance_inputs(s.id);
        REQUIRE(users_of(in.participants) == users_of(in.presence));
        ++reads;
    }
    writer.join();
    auto in = store->attendance_inputs(s.id);
    CHECK(in.participants.size() == 300);
    CHECK(users_of(in.participants) == users_of(in.presence));
}

TEST_CASE("postgres: attendance_inputs reads one snapshot while a writer commits in the middle",
          "[postgres][presence]") {
    auto uri = postgres::fresh_database();
    auto store = open_postgres_store({uri});
    auto s = live_session(*store);

    // Another client writes a participant and a video point of the same user
    // in one transaction, holding the table read last (video_points) locked,
    // so that the store's read waits on it after the other three have run.
    PGconn* writer = PQconnectdb(uri.c_str());
    REQUIRE(PQstatus(writer) == CONNECTION_OK);
    auto exec = [&](const std::string& sql) {
        PGresult* r = PQexec(writer, sql.c_str());
        INFO(sql << ": " << PQresultErrorMessage(r));
        CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
        PQclear(r);
    };
    exec("BEGIN");
    exec("LOCK TABLE video_points IN ACCESS EXCLUSIVE MODE");
    exec("INSERT INTO participants (session_id, user_id, role, takes_seat, admitted_at) VALUES (" + s.id +
         ", 'late', 'student', true, now())");
    exec("INSERT INTO video_points (session_id, scope, connection, kind, at, user_id) VALUES (" + s.id +
         ", 'room', 'c1', 'join', now(), 'late')");

    auto reading = std::async(std::launch::async, [&] { return store->attendance_inputs(s.id); });
    // Wait until the read is blocked on the lock: it has read the
    // participants, the presence and the heartbeats by then.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (postgres::query(uri, "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = "
                                "'video_points'::regclass") == "0") {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(5ms);
    }
    exec("COMMIT");
    PQfinish(writer);

    auto in = reading.get();
    // One snapshot, taken before the writer committed: neither row. Four
    // separate reads would see the video point without the participant.
    CHECK(in.participants.empty());
    CHECK(in.video_points.empty());
    // A read after the commit sees both.
    auto after = store->attendance_inputs(s.id);
    CHECK(users_of(after.participants) == std::set<std::string>{"late"});
    CHECK(after.video_points.size() == 1);
}
