// What one video-server event reports about attendance, as presence points.
#include <livecourse/video_events.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace livecourse;
namespace lj = livecourse::jitsi;

namespace {

const Instant t0(Seconds(1'800'000'000));

Instant at(int s) { return t0 + Seconds(s); }

lj::OccupantReport occupant(std::string connection, std::string user, std::optional<int> joined,
                            std::optional<int> left) {
    lj::OccupantReport o;
    o.connection = std::move(connection);
    o.user_id = std::move(user);
    if (joined) o.joined_at = at(*joined);
    if (left) o.left_at = at(*left);
    return o;
}

// "<kind> <scope>/<connection> [<user>] +<seconds>" per point.
std::vector<std::string> describe(const std::vector<VideoPresencePoint>& points) {
    std::vector<std::string> out;
    for (const auto& p : points) {
        const char* kind = p.kind == VideoPointKind::join ? "join" : p.kind == VideoPointKind::leave ? "leave" : "end";
        std::string user = p.user_id.empty() ? "" : " " + p.user_id;
        out.push_back(std::string(kind) + " " + p.scope + "/" + p.connection + user + " +" +
                      std::to_string((p.at - t0).count()));
    }
    return out;
}

bool ours(const std::string& user) { return user == "ann" || user == "bob"; }

}  // namespace

TEST_CASE("which kinds of event report attendance", "[jitsi][video_events]") {
    using K = lj::VideoEventKind;
    CHECK(lj::reports_attendance(K::occupant_joined));
    CHECK(lj::reports_attendance(K::occupant_left));
    CHECK(lj::reports_attendance(K::room_destroyed));
    CHECK_FALSE(lj::reports_attendance(K::room_created));
    CHECK_FALSE(lj::reports_attendance(K::recording_uploaded));
    CHECK_FALSE(lj::reports_attendance(K::other));
}

TEST_CASE("an event's occupants become points named by their source", "[jitsi][video_events]") {
    using K = lj::VideoEventKind;
    using Src = lj::VideoEventSource;
    struct Row {
        const char* what;
        Src source;
        K kind;
        std::string scope;
        std::vector<lj::OccupantReport> occupants;
        std::optional<int> room_end;
        std::vector<std::string> want;
        const char* skipped;
    };
    const Row rows[] = {
        {"a join", Src::event_sync, K::occupant_joined, "", {occupant("c1", "ann", 0, std::nullopt)}, std::nullopt,
         {"join /es:c1 ann +0"}, "no_attendance_data"},
        {"a JaaS leave in a breakout room", Src::jaas, K::occupant_left, "br-1", {occupant("p9", "bob", 5, 55)},
         std::nullopt, {"join br-1/jaas:p9 bob +5", "leave br-1/jaas:p9 bob +55"}, "no_attendance_data"},
        {"a guest", Src::event_sync, K::occupant_joined, "", {occupant("c2", "", 0, std::nullopt)}, std::nullopt, {},
         "unknown_user"},
        {"a stranger beside a student", Src::event_sync, K::room_destroyed, "",
         {occupant("c3", "eve", 0, 10), occupant("c1", "ann", 0, 20)}, 30,
         {"join /es:c1 ann +0", "leave /es:c1 ann +20", "end / +30"}, "unknown_user"},
        // The limit is the receiver's clock plus the skew (+60 here): +60 passes, +61 does not.
        {"a time at the limit", Src::event_sync, K::occupant_left, "", {occupant("c1", "ann", 0, 60)}, std::nullopt,
         {"join /es:c1 ann +0", "leave /es:c1 ann +60"}, "no_attendance_data"},
        {"a leave from the future", Src::event_sync, K::occupant_left, "", {occupant("c1", "ann", 0, 61)},
         std::nullopt, {}, "clock_skew"},
        {"a room ending in the future", Src::event_sync, K::room_destroyed, "", {occupant("c1", "ann", 0, 10)}, 61,
         {"join /es:c1 ann +0", "leave /es:c1 ann +10"}, "clock_skew"},
        {"a room ending with nobody left", Src::jaas, K::room_destroyed, "", {}, 40, {"end / +40"},
         "no_attendance_data"},
        {"a room created", Src::event_sync, K::room_created, "", {occupant("c1", "ann", 0, std::nullopt)},
         std::nullopt, {}, "no_attendance_data"},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        lj::VideoEvent e;
        e.source = r.source;
        e.kind = r.kind;
        e.scope = r.scope;
        e.occupants = r.occupants;
        if (r.room_end) e.at = at(*r.room_end);
        auto got = lj::presence_points(e, at(60), ours);
        CHECK(describe(got.points) == r.want);
        CHECK(got.skipped == r.skipped);
    }
}
