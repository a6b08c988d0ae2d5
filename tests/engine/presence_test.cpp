// Presence the video server reports, heartbeats and recordings, through the
// engine: fixture streams in event_sync's and JaaS's documented shapes
// (tests/data/presence/) replayed in order, reversed, shuffled, twice and
// concurrently, each ending with the hand-computed attendance; signatures;
// heartbeats on a manual clock; a load of 5,000 occupant events.
#include "support/fixtures.hpp"

#include <livecourse/hmac.hpp>
#include <livecourse/json_api.hpp>
#include <livecourse/presence.hpp>
#include <livecourse/video_events.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>

using namespace lc_test;
namespace json = boost::json;

namespace {

const std::string events_secret = "event-sync-secret-0123456789abcdefghijklmnop";
const std::string jaas_secret = "whsec_livecourse_test_vector_0123456789";

json::object load_fixture(const std::string& name) {
    std::ifstream in(std::string(LIVECOURSE_TEST_DATA_DIR) + "/presence/" + name);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str()).as_object();
}

EngineConfig presence_config(const std::string& app_id = "") {
    EngineConfig c;
    c.presence.video_events_secret = events_secret;
    c.presence.jaas_webhook_secret = jaas_secret;
    c.presence.jaas_app_id = app_id;
    // The fixtures' classes last seconds: a policy at their scale.
    c.attendance.minimum_share = 0.5;
    c.attendance.late_after = 1s;
    c.attendance.early_leave_before = 2s;
    return c;
}

std::int64_t unix_seconds(Instant t) { return t.time_since_epoch().count(); }

// The fixture's relative times and "{room}" made real for one session.
json::value substitute(const json::value& v, const std::string& room, std::int64_t base, const std::string& key = "") {
    if (v.is_object()) {
        json::object out;
        for (const auto& [k, x] : v.get_object()) out[k] = substitute(x, room, base, std::string(k));
        return out;
    }
    if (v.is_array()) {
        json::array out;
        for (const auto& x : v.get_array()) out.push_back(substitute(x, room, base, key));
        return out;
    }
    if (v.is_string()) {
        std::string s(v.get_string());
        for (auto pos = s.find("{room}"); pos != std::string::npos; pos = s.find("{room}", pos))
            s.replace(pos, 6, room);
        return json::string(s);
    }
    if (v.is_int64()) {
        auto n = v.get_int64();
        if (key == "timestamp") return base * 1000 + n;
        if (key == "joined_at" || key == "left_at" || key == "created_at" || key == "destroyed_at") return base + n;
    }
    return v;
}

struct Replay {
    const json::object& fixture;
    Engine& engine;
    std::string room;
    std::int64_t base;
    std::string run;  // makes idempotency keys unique to this replay

    bool jaas() const { return fixture.at("source").as_string() == "jaas"; }

    // One event: its ack as "recorded" or "ignored:<reason>".
    std::string send(const json::object& event, Instant now) {
        PresenceAck ack;
        if (jaas()) {
            auto body = substitute(event.at("body"), room, base).as_object();
            body["idempotencyKey"] = std::string(body["idempotencyKey"].as_string()) + run;
            auto text = json::serialize(body);
            ack = engine.jaas_webhook(text, jitsi::jaas_signature(text, jaas_secret, now));
        } else {
            auto payload = substitute(event.at("payload"), room, base).as_object();
            ack = engine.jitsi_event(events_secret, std::string(event.at("kind").as_string()), payload);
        }
        return ack.recorded ? "recorded" : "ignored:" + ack.reason;
    }

    std::vector<json::object> events() const {
        std::vector<json::object> out;
        for (const auto& e : fixture.at("events").as_array()) out.push_back(e.as_object());
        return out;
    }
};

void check_expected(const json::object& fixture, Engine& engine, const Session& s) {
    const auto& expected = fixture.at("expected").as_object();
    std::int64_t base = unix_seconds(*s.actual_start_at);
    auto rows = engine.attendance(instructor, s.id);
    std::map<std::string, AttendanceRow> by_user;
    for (const auto& r : rows)
        if (r.present_seconds > 0 || r.is_present) by_user[r.user_id] = r;
    const auto& att = expected.at("attendance").as_object();
    CHECK(by_user.size() == att.size());
    for (const auto& [user, want_v] : att) {
        INFO("user " << std::string(user));
        const auto& want = want_v.as_object();
        auto it = by_user.find(std::string(user));
        REQUIRE(it != by_user.end());
        const auto& r = it->second;
        CHECK(to_string(r.role) == want.at("role").as_string());
        CHECK(r.present_seconds == want.at("present_seconds").as_int64());
        CHECK(r.joins == want.at("joins").as_int64());
        CHECK(r.source == PresenceSource::video_server);
        REQUIRE(r.first_join_at);
        CHECK(unix_seconds(*r.first_join_at) - base == want.at("first_join_at").as_int64());
        REQUIRE(r.last_leave_at);
        CHECK(unix_seconds(*r.last_leave_at) - base == want.at("last_leave_at").as_int64());
        CHECK_FALSE(r.is_present);
    }
    const auto& st_want = expected.at("statistics").as_object();
    auto st = engine.statistics(instructor, s.id);
    CHECK(st.participants_count == st_want.at("participants_count").as_int64());
    CHECK(st.students_count == st_want.at("students_count").as_int64());
    CHECK(st.enrolled_count == st_want.at("enrolled_count").as_int64());
    CHECK(st.peak_concurrent == st_want.at("peak_concurrent").as_int64());
    CHECK(st.average_presence_seconds == Approx(st_want.at("average_presence_seconds").to_number<double>()));
    CHECK(st.median_presence_seconds == Approx(st_want.at("median_presence_seconds").to_number<double>()));
    REQUIRE(st.attendance_rate);
    CHECK(*st.attendance_rate ==
          Approx(double(st_want.at("students_count").as_int64()) / double(st_want.at("enrolled_count").as_int64())));
    if (auto* url = expected.if_contains("recording_url")) {
        auto want = substitute(*url, s.jitsi_room_name, base);
        CHECK(st.recording_url == std::string(want.as_string()));
    }
}

// Each student's verdict, hand-computed from the fixture's expected
// attendance: the instructor arrives at 0 and the class ends at 12 (two
// seconds after its last event), so the window is 0..12 and half of it, 6 s,
// is required; later than 1 s is late, ending before 10 is leaving early.
void check_outcomes(const std::string& fixture_name, Engine& engine, const Session& s) {
    using O = AttendanceOutcome;
    using R = AttendanceReason;
    struct Want {
        O outcome;
        std::int64_t counted;
        std::vector<R> reasons;
    };
    std::map<std::string, Want> want = {
        {"stu-0", {O::left_early, 8, {R::left_early}}},
        {"stu-1", {O::late, 6, {R::joined_late, R::left_early}}},
        {"stu-2", {O::left_early, 8, {R::left_early}}},
        {"stu-3", {O::left_early, 9, {R::left_early}}},
        {"stu-4", {O::present, 8, {}}},
        {"stu-5", fixture_name == "jaas_class.json" ? Want{O::late, 8, {R::joined_late}}
                                                    : Want{O::absent, 3, {R::below_minimum, R::joined_late, R::left_early}}},
    };
    auto out = engine.attendance_outcomes(instructor, s.id);
    CHECK(out.session_id == s.id);
    CHECK_FALSE(out.is_final);  // within the settle time after the end
    CHECK(out.window.start == *s.actual_start_at);
    CHECK(out.window.end == *s.actual_start_at + 12s);
    REQUIRE(out.students.size() == want.size());
    for (const auto& st : out.students) {
        INFO("student " << st.user_id);
        auto it = want.find(st.user_id);
        REQUIRE(it != want.end());
        CHECK(st.verdict.outcome == it->second.outcome);
        CHECK(st.verdict.counted_seconds == it->second.counted);
        CHECK(st.verdict.required_seconds == 6);
        CHECK(st.verdict.reasons == it->second.reasons);
    }
}

// A live session whose class the fixture describes; the clock is past its
// last event afterwards.
struct FixtureWorld {
    json::object fixture;
    std::unique_ptr<World> world;
    Session session;

    explicit FixtureWorld(const std::string& name) : fixture(load_fixture(name)) {
        std::string app = fixture.contains("app_id") ? std::string(fixture.at("app_id").as_string()) : "";
        world = std::make_unique<World>(static_cast<int>(fixture.at("course_students").as_array().size()),
                                        presence_config(app));
        session = world->live();
    }
    Engine& engine() { return *world->engine; }
    std::int64_t base() const { return unix_seconds(*session.actual_start_at); }
    Replay replay(std::string run = "") { return {fixture, engine(), session.jitsi_room_name, base(), std::move(run)}; }
    void end_after_class() {
        world->clock->set(*session.actual_start_at + Seconds(fixture.at("duration_seconds").as_int64() + 2));
        session = engine().end_session(instructor, session.id).session;
    }
};

}  // namespace

TEST_CASE("presence: fixture streams replayed in delivery order give the hand-computed attendance", "[presence]") {
    auto name = GENERATE(std::string("event_sync_class.json"), std::string("jaas_class.json"));
    auto after_end = GENERATE(false, true);
    INFO(name << (after_end ? ", delivered after the end" : ", delivered while live"));
    FixtureWorld fw(name);
    auto replay = fw.replay();
    auto duration = Seconds(fw.fixture.at("duration_seconds").as_int64());
    // Webhooks arrive late: the clock is past the class when they are sent.
    fw.world->clock->set(*fw.session.actual_start_at + duration + 1s);
    if (after_end) fw.end_after_class();
    for (const auto& e : replay.events()) {
        INFO(e.at("note").as_string());
        CHECK(replay.send(e, fw.world->clock->now()) == e.at("ack").as_string());
        if (after_end) continue;
        // While live, the roster lists exactly whom the report marks present.
        std::vector<std::string> present, listed;
        for (const auto& r : fw.engine().attendance(instructor, fw.session.id))
            if (r.is_present) present.push_back(r.user_id);
        for (const auto& r : fw.engine().live_roster(instructor, fw.session.id).entries) listed.push_back(r.user_id);
        CHECK(listed == present);
    }
    if (!after_end) {
        // While live, the participants whose connection is still open are
        // present; every connection of the fixture is closed.
        for (const auto& r : fw.engine().attendance(instructor, fw.session.id)) CHECK_FALSE(r.is_present);
        fw.end_after_class();
    }
    check_expected(fw.fixture, fw.engine(), fw.session);
    check_outcomes(name, fw.engine(), fw.session);
    auto counters = fw.engine().presence_counters();
    CHECK(counters.recorded + counters.ignored == replay.events().size());
    CHECK(counters.refused == 0);
}

TEST_CASE("presence: reversed, shuffled or repeated, a stream ends with the same attendance", "[presence]") {
    auto name = GENERATE(std::string("event_sync_class.json"), std::string("jaas_class.json"));
    auto order = GENERATE(as<std::string>(), "reversed", "shuffled", "twice");
    INFO(name << " " << order);
    FixtureWorld fw(name);
    auto replay = fw.replay();
    auto events = replay.events();
    if (order == "reversed") std::reverse(events.begin(), events.end());
    if (order == "shuffled") std::shuffle(events.begin(), events.end(), std::mt19937(20260307));
    if (order == "twice") {
        auto again = events;
        events.insert(events.end(), again.begin(), again.end());
    }
    fw.world->clock->set(*fw.session.actual_start_at + 11s);
    std::size_t recorded = 0;
    for (const auto& e : events) recorded += replay.send(e, fw.world->clock->now()) == "recorded";
    if (order == "twice") {
        std::size_t once = 0;
        for (const auto& e : replay.events()) once += e.at("ack").as_string() == "recorded";
        CHECK(recorded == once);  // the second delivery of everything recorded nothing
    }
    fw.end_after_class();
    check_expected(fw.fixture, fw.engine(), fw.session);
    check_outcomes(name, fw.engine(), fw.session);
}

TEST_CASE("presence: the video server's report supersedes the client's join and leave", "[presence]") {
    World w(2, presence_config());
    auto s = w.live();
    auto& e = *w.engine;
    e.join(student(0), s.id);
    e.join(student(1), s.id);  // never reported by the video server: its client interval stops counting
    w.clock->advance(60s);
    auto base = unix_seconds(*s.actual_start_at);
    json::object occupant{{"occupant_jid", "a@meet/x"}, {"id", "stu-0"}, {"joined_at", base + 10}, {"left_at", base + 40}};
    CHECK(e.jitsi_event(events_secret, "occupant/left", {{"room_name", s.jitsi_room_name}, {"occupant", occupant}})
              .recorded);
    auto rows = e.attendance(instructor, s.id);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].user_id == "stu-0");
    CHECK(rows[0].present_seconds == 30);
    CHECK(rows[0].source == PresenceSource::video_server);
    CHECK(rows[1].present_seconds == 0);
    CHECK(rows[1].source == PresenceSource::video_server);
}

TEST_CASE("presence: unknown rooms, sessions never live, future timestamps and bad payloads", "[presence]") {
    World w(2, presence_config());
    auto& e = *w.engine;
    auto scheduled = w.scheduled();
    auto now = unix_seconds(w.clock->now());
    auto joined = [&](const std::string& room, std::int64_t at, const std::string& user = "stu-0") {
        json::object occupant{{"occupant_jid", "j@meet/r"}, {"id", user}, {"joined_at", at}};
        return e.jitsi_event(events_secret, "occupant/joined", {{"room_name", room}, {"occupant", occupant}});
    };
    auto ack = joined("lc-no-such-room", now);
    CHECK_FALSE(ack.recorded);
    CHECK(ack.reason == "unknown_room");
    CHECK(joined(scheduled.jitsi_room_name, now).reason == "never_live");

    auto s = w.live();
    now = unix_seconds(w.clock->now());
    CHECK(joined(s.jitsi_room_name, now + 60).recorded);                   // within the skew
    CHECK(joined(s.jitsi_room_name, now + 61, "stu-1").reason == "clock_skew");  // beyond it
    CHECK(joined(s.jitsi_room_name, now, "outsider").reason == "unknown_user");
    // Room names are matched case-insensitively (prosody lower-cases them).
    std::string upper = s.jitsi_room_name;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    CHECK(joined(upper, now - 5, "stu-1").recorded);

    auto bad = error_of([&] { e.jitsi_event(events_secret, "occupant/joined", {{"room_name", s.jitsi_room_name}}); });
    CHECK(bad.code() == ErrorCode::invalid_argument);
    CHECK(bad.field() == "occupant");
    bad = error_of([&] {
        e.jitsi_event(events_secret, "occupant/joined",
                      {{"room_name", s.jitsi_room_name}, {"occupant", {{"occupant_jid", "j"}, {"joined_at", "soon"}}}});
    });
    CHECK(bad.field() == "occupant.joined_at");
    bad = error_of([&] { e.jitsi_event(events_secret, "occupant/kicked", {{"room_name", s.jitsi_room_name}}); });
    CHECK(bad.field() == "kind");
}

TEST_CASE("presence: a wrong or missing event_sync secret is refused and records nothing", "[presence]") {
    World w(1, presence_config());
    auto& e = *w.engine;
    auto s = w.live();
    json::object payload{{"room_name", s.jitsi_room_name},
                         {"occupant", {{"occupant_jid", "j@m/r"}, {"id", "stu-0"}, {"joined_at", unix_seconds(w.clock->now())}}}};
    for (std::string secret : {std::string(""), std::string("wrong"), events_secret + "x", events_secret.substr(1)}) {
        auto err = error_of([&] { e.jitsi_event(secret, "occupant/joined", payload); });
        CHECK(err.code() == ErrorCode::unauthenticated);
        CHECK(err.reason() == "invalid_secret");
    }
    CHECK(e.presence_counters().refused == 4);
    CHECK(e.attendance(instructor, s.id).empty());
    // Not configured: nothing is accepted, whatever is presented.
    World unconfigured(1);
    auto s2 = unconfigured.live();
    payload["room_name"] = s2.jitsi_room_name;
    CHECK(error_of([&] { unconfigured.engine->jitsi_event("", "occupant/joined", payload); }).code() ==
          ErrorCode::unauthenticated);
    // A whole header value is accepted by the JSON API.
    JsonApi api(e);
    auto out = api.call("presence_jitsi_event", {{"secret", "Bearer " + events_secret},
                                                  {"kind", "occupant/joined"},
                                                  {"body", json::serialize(payload)}});
    CHECK(out.as_object().at("status") == "ignored");
    CHECK(out.as_object().at("reason") == "unknown_room");
}

TEST_CASE("presence: JaaS signatures, checked against a vector made with Python's hmac", "[presence]") {
    World w(1, presence_config());
    auto& e = *w.engine;
    auto s = w.live();
    w.clock->set(t0());  // the vector's t
    const std::string body = R"({"idempotencyKey":"k-1","eventType":"ROOM_CREATED","timestamp":1772888400000,)"
                             R"("fqn":"vpaas-magic-cookie-abc/room","data":{}})";
    // python3: base64(hmac.new(secret, b"1772888400." + body, sha256).digest())
    const std::string vector = "a+4rl/LfBzdUOv3Beo3HPmbeL6gx7vw+rxKIY/XZq/k=";
    CHECK(jitsi::jaas_signature(body, jaas_secret, t0()) == "t=1772888400,v1=" + vector);
    CHECK(e.jaas_webhook(body, "t=1772888400,v1=" + vector).reason == "no_attendance_data");
    // Other schemes are ignored; several v1 (a rotation) are fine; spaces too.
    CHECK_FALSE(e.jaas_webhook(body, "v0=abc, t=1772888400, v1=AAAA, v1=" + vector).recorded);

    auto refused = [&](const std::string& b, const std::string& header, const char* reason) {
        auto err = error_of([&] { e.jaas_webhook(b, header); });
        CHECK(err.code() == ErrorCode::unauthenticated);
        CHECK(err.reason() == reason);
    };
    std::string tampered = body;
    tampered.replace(tampered.find("room"), 4, "roon");
    refused(tampered, "t=1772888400,v1=" + vector, "invalid_signature");
    refused(body, jitsi::jaas_signature(body, "another-secret-of-some-length-0123", t0()), "invalid_signature");
    refused(body, "t=1772888400,v0=" + vector, "invalid_signature");       // an unknown scheme only
    refused(body, "t=1772888401,v1=" + vector, "invalid_signature");       // t is part of what is signed
    refused(body, "v1=" + vector, "invalid_signature");                    // no t
    refused(body, "", "invalid_signature");
    refused(body, "t=1772888400,t=1772888400,v1=" + vector, "invalid_signature");
    w.clock->set(t0() + 301s);
    refused(body, "t=1772888400,v1=" + vector, "stale_signature");
    w.clock->set(t0() - 301s);
    refused(body, "t=1772888400,v1=" + vector, "stale_signature");
    w.clock->set(t0() + 300s);
    CHECK_FALSE(e.jaas_webhook(body, "t=1772888400,v1=" + vector).recorded);  // the edge of the tolerance

    // A refused delivery records nothing, even a valid participant event.
    w.clock->set(*s.actual_start_at + 30s);
    json::object joined{{"idempotencyKey", "k-2"},
                        {"eventType", "PARTICIPANT_JOINED"},
                        {"timestamp", unix_seconds(*s.actual_start_at) * 1000},
                        {"fqn", "vpaas-magic-cookie-abc/" + s.jitsi_room_name},
                        {"data", {{"id", "stu-0"}, {"participantId", "p1"}}}};
    auto text = json::serialize(joined);
    refused(text, jitsi::jaas_signature(text, "wrong-secret-wrong-secret-wrong-secret", w.clock->now()),
            "invalid_signature");
    refused(text, jitsi::jaas_signature(text, jaas_secret, w.clock->now() - 3600s), "stale_signature");
    CHECK(e.attendance(instructor, s.id).empty());
    // The same delivery, signed right, is recorded once.
    CHECK(e.jaas_webhook(text, jitsi::jaas_signature(text, jaas_secret, w.clock->now())).recorded);
    CHECK(e.jaas_webhook(text, jitsi::jaas_signature(text, jaas_secret, w.clock->now())).reason == "duplicate");
    CHECK(e.attendance(instructor, s.id).size() == 1);
    // Signed but malformed: invalid_argument (400 over HTTP), not a refusal.
    auto bad = error_of([&] { e.jaas_webhook("{not json", jitsi::jaas_signature("{not json", jaas_secret, w.clock->now())); });
    CHECK(bad.code() == ErrorCode::invalid_argument);
    CHECK(e.presence_counters().refused == 11);
}

TEST_CASE("presence: heartbeats on a manual clock", "[presence]") {
    World w(3, presence_config());
    auto& e = *w.engine;
    auto s = w.live();
    auto start = *s.actual_start_at;
    auto row = [&](const std::string& user) {
        for (const auto& r : e.attendance(instructor, s.id))
            if (r.user_id == user) return r;
        FAIL("no row for " << user);
        return AttendanceRow{};
    };
    e.join(student(0), s.id);
    e.join(student(1), s.id);
    e.join(student(2), s.id);  // sends no heartbeats: its join and leave count

    // Steady heartbeats every 30 s for 10 minutes: present throughout.
    for (int t = 0; t <= 600; t += 30) {
        w.clock->set(start + Seconds(t));
        CHECK(e.heartbeat(student(0), s.id).recorded);
        CHECK(e.heartbeat(student(1), s.id).recorded);
    }
    auto r0 = row("stu-0");
    CHECK(r0.present_seconds == 600);
    CHECK(r0.is_present);
    CHECK(r0.source == PresenceSource::heartbeat);
    CHECK(r0.joins == 1);

    // stu-0's tab is closed without a leave: its heartbeats stop. After the
    // timeout the interval counts up to the last heartbeat, not to now.
    w.clock->set(start + 690s);  // 90 s of silence: still within the timeout
    CHECK(row("stu-0").is_present);
    CHECK(row("stu-0").present_seconds == 690);
    w.clock->set(start + 691s);
    r0 = row("stu-0");
    CHECK_FALSE(r0.is_present);
    CHECK(r0.present_seconds == 600);
    REQUIRE(r0.last_leave_at);
    CHECK(*r0.last_leave_at == start + 600s);

    // stu-1 leaves explicitly at 630: counted up to the leave.
    w.clock->set(start + 630s);
    CHECK(e.leave(student(1), s.id));

    // stu-0 comes back at 900: a new interval.
    w.clock->set(start + 900s);
    CHECK(e.heartbeat(student(0), s.id).recorded);
    w.clock->set(start + 960s);
    CHECK(e.heartbeat(student(0), s.id).recorded);
    r0 = row("stu-0");
    CHECK(r0.joins == 2);
    CHECK(r0.present_seconds == 660);
    CHECK(r0.is_present);

    w.clock->set(start + 1200s);
    CHECK(e.leave(student(2), s.id));
    auto end = e.end_session(instructor, s.id);
    auto rows = e.attendance(instructor, s.id);
    std::map<std::string, AttendanceRow> by;
    for (const auto& r : rows) by[r.user_id] = r;
    CHECK(by["stu-0"].present_seconds == 660);  // the second interval ended at its last heartbeat (960)
    CHECK(*by["stu-0"].last_leave_at == start + 960s);
    CHECK(by["stu-1"].present_seconds == 630);
    CHECK(by["stu-1"].source == PresenceSource::heartbeat);
    CHECK(by["stu-2"].present_seconds == 1200);
    CHECK(by["stu-2"].source == PresenceSource::client);
    CHECK(end.statistics.peak_concurrent == 3);

    // After the end heartbeats are acknowledged and ignored.
    auto late = e.heartbeat(student(0), s.id);
    CHECK_FALSE(late.recorded);
    CHECK(late.reason == "not_live");
    // Only admitted participants send heartbeats.
    World w2(2, presence_config());
    auto s2 = w2.live();
    CHECK(error_of([&] { w2.engine->heartbeat(student(1), s2.id); }).reason() == "not_participant");
    CHECK(error_of([&] { w2.engine->heartbeat(outsider, s2.id); }).code() == ErrorCode::forbidden);
}

TEST_CASE("presence: the live roster lists who is in the room now", "[presence][roster]") {
    World w(4, presence_config());
    auto& e = *w.engine;
    auto scheduled = w.scheduled();
    CHECK(e.live_roster(instructor, scheduled.id).entries.empty());  // not live yet
    w.clock->set(scheduled.starts_at);
    auto s = e.start_session(instructor, scheduled.id);
    auto start = *s.actual_start_at;
    auto names = [&] {
        std::vector<std::string> out;
        for (const auto& r : e.live_roster(moderator, s.id).entries) out.push_back(r.user_id);
        return out;
    };
    // The roster and a live report agree on who is in, at every step.
    auto agrees = [&] {
        std::vector<std::string> present;
        for (const auto& r : e.attendance(instructor, s.id))
            if (r.is_present) present.push_back(r.user_id);
        return present == names();
    };
    e.join(instructor, s.id);
    w.clock->set(start + 10s);
    e.join(student(0), s.id);
    e.join(student(0), s.id);  // a second tab
    w.clock->set(start + 20s);
    e.join(student(1), s.id);
    CHECK(e.heartbeat(student(1), s.id).recorded);
    e.join(student(2), s.id);
    auto roster = e.live_roster(instructor, s.id);
    CHECK(roster.session_id == s.id);
    CHECK(roster.status == SessionStatus::live);
    CHECK(roster.observed_at == start + 20s);
    REQUIRE(roster.entries.size() == 4);
    CHECK(roster.entries[0].user_id == "prof");
    CHECK(roster.entries[0].role == Role::instructor);
    CHECK(roster.entries[0].joined_at == start);
    CHECK(roster.entries[1].user_id == "stu-0");
    CHECK(roster.entries[1].connections == 2);
    CHECK(roster.entries[1].joined_at == start + 10s);
    CHECK(roster.entries[1].source == PresenceSource::client);
    CHECK(roster.entries[2].user_id == "stu-1");
    CHECK(roster.entries[2].source == PresenceSource::heartbeat);
    CHECK(roster.entries[2].connections == 1);
    CHECK(agrees());

    // One tab of stu-0 closes: still in, with one connection. stu-2 leaves.
    w.clock->set(start + 60s);
    CHECK(e.leave(student(0), s.id));
    CHECK(e.leave(student(2), s.id));
    roster = e.live_roster(instructor, s.id);
    REQUIRE(roster.entries.size() == 3);
    CHECK(roster.entries[1].connections == 1);
    CHECK(agrees());
    // stu-1's page goes silent: out once the presence timeout has passed.
    w.clock->set(start + 20s + presence_config().presence.presence_timeout);
    CHECK(names() == std::vector<std::string>{"prof", "stu-0", "stu-1"});
    w.clock->set(start + 21s + presence_config().presence.presence_timeout);
    CHECK(names() == std::vector<std::string>{"prof", "stu-0"});
    CHECK(agrees());

    // Students and outsiders may not read it; a session that is over has no one in.
    CHECK(error_of([&] { e.live_roster(student(0), s.id); }).code() == ErrorCode::forbidden);
    CHECK(error_of([&] { e.live_roster(outsider, s.id); }).code() == ErrorCode::forbidden);
    CHECK(error_of([&] { e.live_roster(instructor, "999999"); }).code() == ErrorCode::not_found);
    e.end_session(instructor, s.id);
    roster = e.live_roster(instructor, s.id);
    CHECK(roster.status == SessionStatus::ended);
    CHECK(roster.entries.empty());
}

TEST_CASE("presence: a heartbeat interval still fresh at the end counts until the end", "[presence]") {
    World w(1, presence_config());
    auto& e = *w.engine;
    auto s = w.live();
    e.join(student(0), s.id);
    for (int t = 0; t <= 300; t += 30) {
        w.clock->set(*s.actual_start_at + Seconds(t));
        e.heartbeat(student(0), s.id);
    }
    w.clock->set(*s.actual_start_at + 320s);
    auto end = e.end_session(instructor, s.id);
    CHECK(end.statistics.average_presence_seconds == Approx(320));
    w.clock->advance(1h);
    CHECK(e.attendance(instructor, s.id)[0].present_seconds == 320);
}

TEST_CASE("presence: recording URLs", "[presence]") {
    World w(1, presence_config());
    auto& e = *w.engine;
    auto scheduled = w.scheduled();
    CHECK(error_of([&] { e.set_recording(instructor, scheduled.id, "https://rec.example.edu/a.mp4"); }).reason() ==
          "not_live");
    auto never = e.set_recording_by_secret(events_secret, scheduled.id, "https://rec.example.edu/a.mp4");
    CHECK(never.ack.reason == "never_live");
    auto s = w.live();
    w.clock->advance(30min);
    s = e.end_session(instructor, s.id).session;
    CHECK_FALSE(s.recording_url);

    // Jibri's finalize script, by room name, with the secret: set once.
    auto r = e.set_recording_by_secret(events_secret, s.jitsi_room_name, "https://rec.example.edu/1.mp4");
    CHECK(r.ack.recorded);
    REQUIRE(r.session);
    CHECK(r.session->recording_url == "https://rec.example.edu/1.mp4");
    CHECK(r.session->revision == s.revision + 1);
    CHECK(e.set_recording_by_secret(events_secret, s.id, "https://rec.example.edu/1.mp4").ack.reason == "duplicate");
    CHECK(e.set_recording_by_secret(events_secret, s.id, "https://rec.example.edu/2.mp4").ack.reason ==
          "recording_url_already_set");
    CHECK(e.set_recording_by_secret(events_secret, "no-such-room", "https://rec.example.edu/2.mp4").ack.reason ==
          "unknown_room");
    CHECK(error_of([&] { e.set_recording_by_secret("nope", s.id, "https://x.example/1.mp4"); }).code() ==
          ErrorCode::unauthenticated);
    // The instructor replaces it; a student may not.
    r = e.set_recording(instructor, s.id, "https://rec.example.edu/final.mp4");
    CHECK(r.ack.recorded);
    CHECK(e.statistics(instructor, s.id).recording_url == "https://rec.example.edu/final.mp4");
    CHECK(error_of([&] { e.set_recording(student(0), s.id, "https://x.example/1.mp4"); }).code() ==
          ErrorCode::forbidden);
    auto bad = error_of([&] { e.set_recording(instructor, s.id, "javascript:alert(1)"); });
    CHECK(bad.code() == ErrorCode::invalid_argument);
    CHECK(bad.field() == "recording_url");
}

TEST_CASE("presence: load: 5,000 occupant events for 500 participants posted from 8 threads equal a serial replay",
          "[presence][concurrency]") {
    constexpr int participants = 500, connections = 5;
    auto make_world = [&] { return std::make_unique<World>(participants, presence_config()); };
    auto serial = make_world();
    auto concurrent = make_world();
    auto s1 = serial->live();
    auto s2 = concurrent->live();
    REQUIRE(*s1.actual_start_at == *s2.actual_start_at);
    auto base = unix_seconds(*s1.actual_start_at);

    // Each participant: five connections (drops and reconnects, some
    // overlapping as a second tab would), a joined and a left each.
    struct Ev {
        std::string kind;
        json::object occupant;
    };
    std::vector<Ev> events;
    std::mt19937 rng(42);
    for (int p = 0; p < participants; ++p) {
        std::int64_t t = std::uniform_int_distribution<int>(0, 60)(rng);
        for (int c = 0; c < connections; ++c) {
            std::int64_t len = std::uniform_int_distribution<int>(1, 300)(rng);
            json::object o;
            o["occupant_jid"] = "u" + std::to_string(p) + "c" + std::to_string(c) + "@meet/r";
            o["id"] = student(p).user_id;
            o["joined_at"] = base + t;
            events.push_back({"occupant/joined", o});
            o["left_at"] = base + t + len;
            events.push_back({"occupant/left", o});
            t += std::uniform_int_distribution<int>(-100, 400)(rng);  // may start before the last one ended
            t = std::max<std::int64_t>(t, 0);
        }
    }
    REQUIRE(events.size() == 5000);
    auto send = [&](Engine& e, const Session& s, const Ev& ev) {
        return e.jitsi_event(events_secret, ev.kind, {{"room_name", s.jitsi_room_name}, {"occupant", ev.occupant}});
    };
    auto end = *s1.actual_start_at + 3h;
    serial->clock->set(end);
    concurrent->clock->set(end);
    for (const auto& ev : events) REQUIRE(send(*serial->engine, s1, ev).recorded);

    auto shuffled = events;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    constexpr int threads = 8;
    std::atomic<int> failures{0}, recorded{0};
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back([&, i] {
            for (std::size_t k = i; k < shuffled.size(); k += threads) {
                try {
                    recorded += send(*concurrent->engine, s2, shuffled[k]).recorded;
                } catch (...) {
                    ++failures;
                }
            }
        });
    for (auto& t : pool) t.join();
    CHECK(failures == 0);
    CHECK(recorded > 0);

    auto a = serial->engine->end_session(instructor, s1.id).statistics;
    auto b = concurrent->engine->end_session(instructor, s2.id).statistics;
    auto ra = serial->engine->attendance(instructor, s1.id);
    auto rb = concurrent->engine->attendance(instructor, s2.id);
    REQUIRE(ra.size() == participants);
    REQUIRE(rb.size() == ra.size());
    std::int64_t total = 0;
    for (std::size_t i = 0; i < ra.size(); ++i) {
        INFO(ra[i].user_id);
        CHECK(rb[i].user_id == ra[i].user_id);
        CHECK(rb[i].present_seconds == ra[i].present_seconds);
        CHECK(rb[i].joins == ra[i].joins);
        CHECK(rb[i].first_join_at == ra[i].first_join_at);
        CHECK(rb[i].last_leave_at == ra[i].last_leave_at);
        total += ra[i].present_seconds;
    }
    CHECK(total > 0);
    CHECK(b.participants_count == a.participants_count);
    CHECK(b.peak_concurrent == a.peak_concurrent);
    CHECK(b.average_presence_seconds == Approx(a.average_presence_seconds));
    CHECK(b.median_presence_seconds == Approx(a.median_presence_seconds));
}

TEST_CASE("presence: pairing video points is a pure function of the set", "[presence]") {
    auto p = [](std::string conn, VideoPointKind k, int at, std::string scope = "") {
        return VideoPresencePoint{std::move(scope), std::move(conn), conn.empty() ? "" : "u", k, t0() + Seconds(at)};
    };
    using K = VideoPointKind;
    // A reconnect within the same second, a repeated join, an orphan leave,
    // a zero-length visit and a connection closed by its room's end.
    std::vector<VideoPresencePoint> points = {
        p("a", K::join, 0),   p("a", K::leave, 10), p("a", K::join, 10), p("a", K::leave, 20),
        p("b", K::join, 5),   p("b", K::join, 7),   p("b", K::leave, 9),  p("c", K::leave, 3),
        p("d", K::join, 4),   p("d", K::leave, 4),  p("e", K::join, 2, "br"), p("", K::room_end, 8, "br"),
        p("f", K::join, 30),
    };
    auto sorted = [](std::vector<PresenceInterval> v) {
        std::sort(v.begin(), v.end(), [](const PresenceInterval& x, const PresenceInterval& y) {
            return std::tie(x.joined_at, x.left_at) < std::tie(y.joined_at, y.left_at);
        });
        return v;
    };
    auto want = sorted(pair_video_points(points));
    REQUIRE(want.size() == 6);
    CHECK(want[0].joined_at == t0());
    CHECK(want[0].left_at == t0() + 10s);
    CHECK(want[1].joined_at == t0() + 2s);
    CHECK(want[1].left_at == t0() + 8s);  // ended with its breakout room
    CHECK(want[2].joined_at == t0() + 4s);
    CHECK(want[2].left_at == t0() + 4s);
    CHECK(want[3].joined_at == t0() + 5s);
    CHECK(want[3].left_at == t0() + 9s);
    CHECK(want[4].joined_at == t0() + 10s);
    CHECK(want[4].left_at == t0() + 20s);
    CHECK(want[5].joined_at == t0() + 30s);
    CHECK_FALSE(want[5].left_at);
    std::mt19937 rng(7);
    for (int i = 0; i < 20; ++i) {
        std::shuffle(points.begin(), points.end(), rng);
        auto got = sorted(pair_video_points(points));
        REQUIRE(got.size() == want.size());
        for (std::size_t k = 0; k < got.size(); ++k) {
            CHECK(got[k].joined_at == want[k].joined_at);
            CHECK(got[k].left_at == want[k].left_at);
        }
    }
}
