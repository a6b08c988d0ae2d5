#include <livecourse/presence.hpp>

#include <algorithm>
#include <map>
#include <string_view>
#include <tuple>

namespace livecourse {

std::vector<PresenceInterval> pair_video_points(std::vector<VideoPresencePoint> points) {
    // The ends of each room (scope), and each connection's own points.
    std::map<std::string, std::vector<Instant>, std::less<>> room_ends;
    std::map<std::pair<std::string, std::string>, std::vector<const VideoPresencePoint*>> connections;
    for (const auto& p : points) {
        if (p.kind == VideoPointKind::room_end) room_ends[p.scope].push_back(p.at);
        else connections[{p.scope, p.connection}].push_back(&p);
    }
    for (auto& [scope, ends] : room_ends) std::sort(ends.begin(), ends.end());

    std::vector<PresenceInterval> out;
    for (auto& [key, list] : connections) {
        std::sort(list.begin(), list.end(), [](const VideoPresencePoint* a, const VideoPresencePoint* b) {
            return std::tie(a->at, a->kind) < std::tie(b->at, b->kind);
        });
        // The user is the one the connection's points name (one user per
        // connection; should they ever disagree, the earliest point wins).
        std::string user = list.front()->user_id;
        const std::vector<Instant>* ends = nullptr;
        if (auto it = room_ends.find(key.first); it != room_ends.end()) ends = &it->second;

        // Walk the distinct instants of this connection's points and its
        // room's ends, in time order.
        std::vector<Instant> times;
        for (auto* p : list) times.push_back(p->at);
        if (ends) times.insert(times.end(), ends->begin(), ends->end());
        std::sort(times.begin(), times.end());
        times.erase(std::unique(times.begin(), times.end()), times.end());

        // (A flag and an instant rather than an optional: GCC misreads the
        // optional's lifetime in this loop.)
        bool is_open = false;
        Instant open_at{};
        std::size_t i = 0;
        for (Instant t : times) {
            bool join = false, leave = false;
            for (; i < list.size() && list[i]->at == t; ++i) {
                if (list[i]->kind == VideoPointKind::join) join = true;
                else leave = true;
            }
            bool room_end = ends && std::binary_search(ends->begin(), ends->end(), t);
            if (is_open) {
                if (leave || room_end) {
                    out.push_back({user, open_at, t, PresenceSource::video_server});
                    is_open = join;  // left and came back within the second
                    open_at = t;
                }
                // A second join while open repeats what is known.
            } else if (join && !leave) {
                is_open = true;  // a room that ends as someone joins was re-created
                open_at = t;
            } else if (join && leave) {
                out.push_back({user, t, t, PresenceSource::video_server});  // a zero-length visit
            }
            // A leave with nothing open: its join was never reported.
        }
        if (is_open) out.push_back({user, open_at, std::nullopt, PresenceSource::video_server});
    }
    return out;
}

PresenceInterval heartbeat_interval(const HeartbeatInterval& h, Instant now, Seconds timeout) {
    PresenceInterval iv;
    iv.user_id = h.user_id;
    iv.joined_at = h.joined_at;
    iv.source = PresenceSource::heartbeat;
    Instant until = h.left_at.value_or(now);
    if (until - h.last_seen_at > timeout) iv.left_at = std::max(h.joined_at, h.last_seen_at);
    else if (h.left_at) iv.left_at = std::max(h.joined_at, *h.left_at);
    return iv;
}

void apply_absences(std::vector<PresenceInterval>& intervals, const std::vector<PresenceAbsence>& absences) {
    if (absences.empty()) return;
    std::map<std::string_view, std::vector<Instant>> when;  // per user, in time order
    for (const auto& a : absences) when[a.user_id].push_back(a.at);
    for (auto& [user, times] : when) std::sort(times.begin(), times.end());
    for (auto& iv : intervals) {
        auto it = when.find(iv.user_id);
        if (it == when.end()) continue;
        // The first absence after the interval opened ends it, if it was
        // still open then.
        auto first = std::upper_bound(it->second.begin(), it->second.end(), iv.joined_at);
        if (first == it->second.end()) continue;
        if (!iv.left_at || *iv.left_at > *first) iv.left_at = *first;
    }
}

}  // namespace livecourse
