// Room censuses through the engine: who the video server says is in the
// conference closes what join and leave reports missed, from every source,
// whatever order censuses and reports arrive in; only users the census could
// have named are ever absent.
#include "support/fixtures.hpp"

#include <livecourse/presence.hpp>
#include <livecourse/video_events.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>

using namespace lc_test;
namespace json = boost::json;

namespace {

const std::string secret = "event-sync-secret-0123456789abcdefghijklmnop";

EngineConfig census_config() {
    EngineConfig c;
    c.presence.video_events_secret = secret;
    return c;
}

std::int64_t unix_seconds(Instant t) { return t.time_since_epoch().count(); }

Actor with_email(Actor a) {
    a.email = a.user_id + "@Students.Example.edu";  // matched case-insensitively
    return a;
}

json::object census(const std::string& room, std::int64_t at, std::initializer_list<std::string> emails) {
    json::array occupants;
    for (const auto& e : emails) occupants.push_back({{"jid", room + "@conference.meet/" + e.substr(0, 4)},
                                                      {"email", e},
                                                      {"display_name", "someone"}});
    occupants.push_back({{"jid", room + "@conference.meet/guest"}, {"email", ""}, {"display_name", "Guest"}});
    return {{"room", room}, {"at", at}, {"occupants", occupants}};
}

std::map<std::string, std::int64_t> seconds_by_user(Engine& e, const std::string& id) {
    std::map<std::string, std::int64_t> out;
    for (const auto& r : e.attendance(instructor, id)) out[r.user_id] = r.present_seconds;
    return out;
}

}  // namespace

TEST_CASE("census: a user missing from the room census stops counting there, from the client's join", "[presence][census]") {
    World w(3, census_config());
    auto& e = *w.engine;
    for (int i = 0; i < 3; ++i) e.put_user(with_email(student(i)));
    auto s = w.live();
    auto start = *s.actual_start_at;
    auto base = unix_seconds(start);
    e.join(student(0), s.id);
    e.join(student(1), s.id);  // closes the tab at 120 s without a leave: a ghost
    e.join(student(2), s.id);  // left the room too
    w.clock->set(start + 300s);

    // stu-0 is in the room; stu-1 is not; the guest names nobody of ours.
    auto ack = e.room_census(secret, census(s.jitsi_room_name, base + 120, {"STU-0@students.example.edu"}));
    CHECK(ack.ack.recorded);
    CHECK(ack.session_id == s.id);
    CHECK(ack.named == 1);
    CHECK(ack.absent == 2);  // stu-1, stu-2 (both with an e-mail; the instructor never joined)
    CHECK(ack.unidentified == 1);

    auto secs = seconds_by_user(e, s.id);
    CHECK(secs["stu-0"] == 300);
    CHECK(secs["stu-1"] == 120);
    CHECK(secs["stu-2"] == 120);
    auto roster = e.live_roster(instructor, s.id);
    REQUIRE(roster.entries.size() == 1);
    CHECK(roster.entries[0].user_id == "stu-0");

    // The same census again adds nothing; a later one for the same users
    // changes nothing either (their intervals are already over).
    auto again = e.room_census(secret, census(s.jitsi_room_name, base + 120, {"stu-0@students.example.edu"}));
    CHECK_FALSE(again.ack.recorded);
    CHECK(again.ack.reason == "duplicate");
    CHECK(e.room_census(secret, census(s.jitsi_room_name, base + 180, {"stu-0@students.example.edu"})).ack.recorded);
    CHECK(seconds_by_user(e, s.id) == secs);

    // A census opens nothing: stu-1 comes back by joining again.
    w.clock->set(start + 400s);
    CHECK(e.join(student(1), s.id).rejoined);
    w.clock->set(start + 500s);
    CHECK(seconds_by_user(e, s.id)["stu-1"] == 120 + 100);
    auto everyone = e.room_census(secret, census(s.jitsi_room_name, base + 450,
                                                 {"stu-0@students.example.edu", "stu-1@students.example.edu",
                                                  "stu-2@students.example.edu"}));
    CHECK_FALSE(everyone.ack.recorded);
    CHECK(everyone.ack.reason == "nobody_absent");
    CHECK(everyone.named == 3);
}

TEST_CASE("census: users whose e-mail the library does not know are never absent by e-mail", "[presence][census]") {
    World w(2, census_config());
    auto& e = *w.engine;
    auto s = w.live();
    auto start = *s.actual_start_at;
    e.join(student(0), s.id);
    e.join(student(1), s.id);
    w.clock->set(start + 60s);
    auto ack = e.room_census(secret, census(s.jitsi_room_name, unix_seconds(start + 30s), {}));
    CHECK(ack.absent == 0);
    CHECK(ack.ack.reason == "nobody_absent");
    auto secs = seconds_by_user(e, s.id);
    CHECK(secs["stu-0"] == 60);
    CHECK(secs["stu-1"] == 60);

    // Matching by user id names everyone: the one not listed is absent.
    json::object by_id{{"room", s.jitsi_room_name},
                       {"at", unix_seconds(start + 30s)},
                       {"match", "user_id"},
                       {"occupants", json::array{{{"user_id", "stu-0"}}, {{"id", "focus"}}}}};
    ack = e.room_census(secret, by_id);
    CHECK(ack.ack.recorded);
    CHECK(ack.named == 1);
    CHECK(ack.absent == 1);
    CHECK(ack.unidentified == 1);
    secs = seconds_by_user(e, s.id);
    CHECK(secs["stu-0"] == 60);
    CHECK(secs["stu-1"] == 30);
}

TEST_CASE("census: with the video server's own reports, any order of reports and censuses ends the same", "[presence][census]") {
    // stu-0: in from 10 to 500, leave reported. stu-1: in from 20, its leave
    // lost; the census at 200 no longer lists it. stu-2: in from 30 to 100,
    // back at 300 (a new connection) and still in at the 400 census.
    struct Report {
        enum { join, leave, census_at } kind;
        int student;
        std::int64_t joined, at;
        std::vector<std::string> listed;
    };
    const std::vector<Report> reports = {
        {Report::join, 0, 10, 10, {}},   {Report::leave, 0, 10, 500, {}}, {Report::join, 1, 20, 20, {}},
        {Report::join, 2, 30, 30, {}},   {Report::leave, 2, 30, 100, {}}, {Report::join, 2, 300, 300, {}},
        {Report::census_at, 0, 0, 200, {"stu-0@students.example.edu"}},
        {Report::census_at, 0, 0, 400, {"stu-0@students.example.edu", "stu-2@students.example.edu"}},
    };
    auto replay = [&](std::vector<Report> order) {
        World w(3, census_config());
        auto& e = *w.engine;
        for (int i = 0; i < 3; ++i) e.put_user(with_email(student(i)));
        auto s = w.live();
        auto start = *s.actual_start_at;
        auto base = unix_seconds(start);
        for (int i = 0; i < 3; ++i) e.join(student(i), s.id);
        w.clock->set(start + 600s);
        e.end_session(instructor, s.id);  // the reports arrive late, within the settle window
        for (int pass = 0; pass < 2; ++pass)  // everything twice
            for (const auto& r : order) {
                if (r.kind == Report::census_at) {
                    json::array occupants;
                    for (const auto& m : r.listed) occupants.push_back(json::object{{"email", m}});
                    e.room_census(secret, {{"room", s.jitsi_room_name}, {"at", base + r.at}, {"occupants", occupants}});
                    continue;
                }
                json::object o{{"occupant_jid", fmt::format("u{}@meet/r{}", r.student, r.joined)},
                               {"id", fmt::format("stu-{}", r.student)},
                               {"joined_at", base + r.joined}};
                if (r.kind == Report::leave) o["left_at"] = base + r.at;
                e.jitsi_event(secret, r.kind == Report::join ? "occupant/joined" : "occupant/left",
                              {{"room_name", s.jitsi_room_name}, {"occupant", o}});
            }
        return seconds_by_user(e, s.id);
    };
    const std::map<std::string, std::int64_t> expected{{"stu-0", 490}, {"stu-1", 180}, {"stu-2", 70 + 300}};
    CHECK(replay(reports) == expected);
    auto reversed = reports;
    std::reverse(reversed.begin(), reversed.end());
    CHECK(replay(reversed) == expected);
    std::mt19937 rng(7);
    for (int round = 0; round < 4; ++round) {
        auto shuffled = reports;
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        CAPTURE(round);
        CHECK(replay(shuffled) == expected);
    }
}

TEST_CASE("census: unknown rooms, sessions never live, the future, bad secrets and bad payloads", "[presence][census]") {
    World w(1, census_config());
    auto& e = *w.engine;
    auto scheduled = w.scheduled();
    auto now = unix_seconds(w.clock->now());
    CHECK(e.room_census(secret, census("lc-no-such-room", now, {})).ack.reason == "unknown_room");
    CHECK(e.room_census(secret, census(scheduled.jitsi_room_name, now, {})).ack.reason == "never_live");
    auto s = w.live();
    now = unix_seconds(w.clock->now());
    CHECK(e.room_census(secret, census(s.jitsi_room_name, now + 61, {})).ack.reason == "clock_skew");
    // The room as mod_muc_size's callers know it: the full MUC address.
    CHECK(e.room_census(secret, census(s.jitsi_room_name + "@conference.meet.example.org", now, {})).session_id ==
          s.id);

    auto refused = error_of([&] { e.room_census("wrong", census(s.jitsi_room_name, now, {})); });
    CHECK(refused.code() == ErrorCode::unauthenticated);
    CHECK(refused.reason() == "invalid_secret");
    auto field_of = [&](json::object body) {
        return error_of([&] { e.room_census(secret, body); }).field();
    };
    CHECK(field_of({{"at", now}, {"occupants", json::array{}}}) == "room");
    CHECK(field_of({{"room", s.jitsi_room_name}}) == "occupants");
    CHECK(field_of({{"room", s.jitsi_room_name}, {"occupants", "everyone"}}) == "occupants");
    CHECK(field_of({{"room", s.jitsi_room_name}, {"occupants", json::array{1}}}) == "occupants[0]");
    CHECK(field_of({{"room", s.jitsi_room_name}, {"occupants", json::array{{{"email", 5}}}}}) == "occupants[0].email");
    CHECK(field_of({{"room", s.jitsi_room_name}, {"at", "now"}, {"occupants", json::array{}}}) == "at");
    CHECK(field_of({{"room", s.jitsi_room_name}, {"match", "name"}, {"occupants", json::array{}}}) == "match");
}

TEST_CASE("census: apply_absences ends what is open at each absence, and nothing else", "[presence][census]") {
    using livecourse::apply_absences;
    auto t = [](int s) { return t0() + Seconds(s); };
    std::vector<PresenceInterval> iv = {
        {"a", t(0), t(50), PresenceSource::client},          // over before the absence at 100
        {"a", t(60), std::nullopt, PresenceSource::client},  // open: ends at 100
        {"a", t(100), std::nullopt, PresenceSource::client}, // opened at the absence: untouched until 300
        {"b", t(10), t(400), PresenceSource::video_server},  // left after the absence at 200: ends at 200
        {"c", t(0), std::nullopt, PresenceSource::heartbeat},  // nobody said c was absent
    };
    std::vector<PresenceAbsence> absences = {{"a", t(300)}, {"a", t(100)}, {"b", t(200)}, {"a", t(100)}};
    auto once = iv;
    apply_absences(once, absences);
    REQUIRE(once.size() == 5);
    CHECK(once[0].left_at == t(50));
    CHECK(once[1].left_at == t(100));
    CHECK(once[2].left_at == t(300));
    CHECK(once[3].left_at == t(200));
    CHECK_FALSE(once[4].left_at);
    auto twice = once;
    apply_absences(twice, absences);  // idempotent
    for (std::size_t i = 0; i < once.size(); ++i) CHECK(twice[i].left_at == once[i].left_at);
}
