#include <livecourse/presence.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace livecourse;
using namespace std::chrono_literals;

namespace {

const Instant t0(Seconds(1'800'000'000));

// "<user> +<joined>..+<left>" ("..open" while open), sorted.
std::vector<std::string> describe(const std::vector<PresenceInterval>& intervals) {
    std::vector<std::string> out;
    for (const auto& iv : intervals) {
        CHECK(iv.source == PresenceSource::video_server);
        out.push_back(iv.user_id + " +" + std::to_string((iv.joined_at - t0).count()) + ".." +
                      (iv.left_at ? "+" + std::to_string((*iv.left_at - t0).count()) : std::string("open")));
    }
    std::sort(out.begin(), out.end());
    return out;
}

VideoPresencePoint point(std::string connection, VideoPointKind kind, int at, std::string scope = "") {
    std::string user = connection.empty() ? "" : "u-" + connection;
    return {std::move(scope), std::move(connection), std::move(user), kind, t0 + Seconds(at)};
}

}  // namespace

TEST_CASE("video points pair into intervals per connection", "[domain][presence]") {
    using K = VideoPointKind;
    struct Row {
        const char* what;
        std::vector<VideoPresencePoint> points;
        std::vector<std::string> want;
    };
    const Row rows[] = {
        {"a visit", {point("a", K::join, 0), point("a", K::leave, 30)}, {"u-a +0..+30"}},
        {"still there", {point("a", K::join, 5)}, {"u-a +5..open"}},
        {"a leave without its join", {point("a", K::leave, 5)}, {}},
        {"a repeated join", {point("a", K::join, 0), point("a", K::join, 4), point("a", K::leave, 9)}, {"u-a +0..+9"}},
        {"a reconnect within the second",
         {point("a", K::join, 0), point("a", K::leave, 10), point("a", K::join, 10), point("a", K::leave, 20)},
         {"u-a +0..+10", "u-a +10..+20"}},
        {"a zero-length visit", {point("a", K::join, 4), point("a", K::leave, 4)}, {"u-a +4..+4"}},
        {"closed by its room's end",
         {point("a", K::join, 0, "br"), point("", K::room_end, 8, "br"), point("b", K::join, 1)},
         {"u-a +0..+8", "u-b +1..open"}},
        {"another room's end changes nothing", {point("a", K::join, 0), point("", K::room_end, 8, "br")},
         {"u-a +0..open"}},
        {"a room re-created as someone joins", {point("a", K::join, 8), point("", K::room_end, 8)}, {"u-a +8..open"}},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        CHECK(describe(pair_video_points(r.points)) == r.want);
        auto reversed = r.points;
        std::reverse(reversed.begin(), reversed.end());
        CHECK(describe(pair_video_points(reversed)) == r.want);  // arrival order does not matter
    }
}

TEST_CASE("a heartbeat interval counts up to its leave, or its last heartbeat after a silence", "[domain][presence]") {
    const Seconds timeout = 90s;
    struct Row {
        const char* what;
        int last_seen;
        std::optional<int> left;
        int now;
        std::optional<int> want_left;
    };
    const Row rows[] = {
        {"beating", 60, std::nullopt, 100, std::nullopt},
        {"silent for exactly the timeout", 60, std::nullopt, 150, std::nullopt},
        {"silent for longer", 60, std::nullopt, 151, 60},
        {"left soon after a heartbeat", 60, 100, 1000, 100},
        {"left long after the last heartbeat", 60, 200, 1000, 60},
        {"a leave stamped before the join", 0, -5, 10, 0},
    };
    for (const auto& r : rows) {
        INFO(r.what);
        HeartbeatInterval h{"ann", t0, t0 + Seconds(r.last_seen),
                            r.left ? std::optional<Instant>(t0 + Seconds(*r.left)) : std::nullopt};
        auto iv = heartbeat_interval(h, t0 + Seconds(r.now), timeout);
        CHECK(iv.user_id == "ann");
        CHECK(iv.joined_at == t0);
        CHECK(iv.source == PresenceSource::heartbeat);
        CHECK(iv.left_at == (r.want_left ? std::optional<Instant>(t0 + Seconds(*r.want_left)) : std::nullopt));
    }
}
