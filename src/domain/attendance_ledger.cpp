#include <livecourse/attendance.hpp>

#include "domain/spans.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace livecourse {

namespace {

using domain::merge;
using domain::Span;

int precedence(PresenceSource s) { return s == PresenceSource::video_server ? 1 : 0; }

}  // namespace

std::vector<PresenceInterval> AttendanceLedger::counted(const std::vector<PresenceInterval>& intervals) {
    // Once the video server has reported on a session, it is the only source
    // counted there: the client's own claims are kept but superseded.
    int counted_precedence = 0;
    for (const auto& iv : intervals) counted_precedence = std::max(counted_precedence, precedence(iv.source));
    // Without the video server, a participant whose page sends heartbeats is
    // counted from them alone: the client's join stays open when a tab is
    // closed without a leave, the heartbeats stop.
    std::set<std::string, std::less<>> heartbeat_users;
    if (counted_precedence == 0)
        for (const auto& iv : intervals)
            if (iv.source == PresenceSource::heartbeat) heartbeat_users.insert(iv.user_id);
    std::vector<PresenceInterval> out;
    for (const auto& iv : intervals) {
        if (precedence(iv.source) != counted_precedence) continue;
        if (iv.source == PresenceSource::client && heartbeat_users.count(iv.user_id)) continue;
        out.push_back(iv);
    }
    return out;
}

std::vector<RosterEntry> AttendanceLedger::in_room(const std::vector<Participant>& participants,
                                                  const std::vector<PresenceInterval>& intervals) {
    std::map<std::string_view, RosterEntry> in;
    std::map<std::string_view, Role> roles;
    for (const auto& p : participants) roles.emplace(p.user_id, p.role);
    for (const auto& iv : counted(intervals)) {
        if (iv.left_at) continue;
        auto role = roles.find(iv.user_id);
        if (role == roles.end()) continue;
        auto [e, first] = in.try_emplace(role->first);
        if (first) {
            e->second = {iv.user_id, role->second, iv.joined_at, iv.source, 0};
        } else {
            e->second.joined_at = std::min(e->second.joined_at, iv.joined_at);
        }
        ++e->second.connections;
    }
    std::vector<RosterEntry> out;
    out.reserve(in.size());
    for (auto& [user, e] : in) out.push_back(std::move(e));
    return out;
}

AttendanceReport AttendanceLedger::compute(std::string_view session_id, const std::vector<Participant>& participants,
                                           const std::vector<PresenceInterval>& intervals, Instant window_start,
                                           Instant window_end, bool live, std::optional<std::int64_t> enrolled_count) {
    AttendanceReport report;
    auto& stats = report.statistics;
    stats.session_id = std::string(session_id);
    stats.enrolled_count = enrolled_count;
    if (window_end < window_start) window_end = window_start;
    stats.actual_duration_seconds = (window_end - window_start).count();

    struct PerUser {
        Role role = Role::none;
        std::vector<Span> spans;
        int joins = 0;
        std::optional<Instant> first_join, last_leave;
        bool open = false;
        bool heartbeat = false;
    };
    std::map<std::string, PerUser, std::less<>> users;
    for (const auto& p : participants) users[p.user_id].role = p.role;

    bool video_server = false;
    for (const auto& iv : counted(intervals)) {
        if (iv.source == PresenceSource::video_server) video_server = true;
        auto& u = users[iv.user_id];
        ++u.joins;
        if (iv.source == PresenceSource::heartbeat) u.heartbeat = true;
        Instant from = std::max(iv.joined_at, window_start);
        Instant to = iv.left_at ? std::min(*iv.left_at, window_end) : window_end;
        if (!iv.left_at && live) u.open = true;
        if (!u.first_join || from < *u.first_join) u.first_join = std::min(from, window_end);
        if (iv.left_at && (!u.last_leave || to > *u.last_leave)) u.last_leave = std::max(to, window_start);
        if (!iv.left_at && !live && (!u.last_leave || window_end > *u.last_leave)) u.last_leave = window_end;
        if (to > from) u.spans.push_back({from, to});
    }

    std::vector<std::int64_t> presences;
    std::vector<std::pair<Instant, int>> edges;
    for (auto& [user_id, u] : users) {
        AttendanceRow row;
        row.user_id = user_id;
        row.role = u.role;
        row.joins = u.joins;
        row.first_join_at = u.first_join;
        row.last_leave_at = u.open ? std::nullopt : u.last_leave;
        row.is_present = u.open;
        row.source = video_server ? PresenceSource::video_server
                     : u.heartbeat      ? PresenceSource::heartbeat
                                        : PresenceSource::client;
        for (const auto& s : merge(std::move(u.spans))) {
            row.present_seconds += (s.to - s.from).count();
            edges.emplace_back(s.from, +1);
            edges.emplace_back(s.to, -1);
        }
        if (row.present_seconds > 0 || row.is_present) {
            ++stats.participants_count;
            if (row.role == Role::student) ++stats.students_count;
            presences.push_back(row.present_seconds);
        }
        report.rows.push_back(std::move(row));
    }

    // Peak concurrency over merged spans: a user with two tabs counts once.
    // At equal instants leaves are applied before joins.
    std::sort(edges.begin(), edges.end());
    int current = 0;
    for (const auto& e : edges) {
        current += e.second;
        stats.peak_concurrent = std::max(stats.peak_concurrent, current);
    }

    if (!presences.empty()) {
        std::sort(presences.begin(), presences.end());
        double sum = 0;
        for (auto p : presences) sum += double(p);
        stats.average_presence_seconds = sum / double(presences.size());
        auto n = presences.size();
        stats.median_presence_seconds =
            n % 2 ? double(presences[n / 2]) : (double(presences[n / 2 - 1]) + double(presences[n / 2])) / 2.0;
    }
    if (enrolled_count && *enrolled_count > 0)
        stats.attendance_rate = double(stats.students_count) / double(*enrolled_count);
    return report;
}

}  // namespace livecourse
