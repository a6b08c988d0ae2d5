// The Engine: one method per use case of the seed (create, start, join,
// attendance, chat, calendar, presence, notifications). Each reads what it
// needs from the store and the roster, asks the domain (status machine,
// access policy, planners, presence and calendar mappings, the jitsi and
// ical functions) what the rules say, and writes the outcome through the
// store in one transaction. Input is validated here, at the edge.
//
// It is not where rules live: a decision that can be stated without the
// store (who may join, what a change notifies, how a token or an event is
// shaped) belongs to its layer as a pure function with its own test. Nor is
// it a cache of truth: the only state it keeps is configuration, counters,
// and snapshots of live sessions that the store re-checks on every write.
#include <livecourse/access.hpp>
#include <livecourse/engine.hpp>
#include <livecourse/error.hpp>
#include <livecourse/hmac.hpp>
#include <livecourse/ical.hpp>
#include <livecourse/status_machine.hpp>
#include <livecourse/video_events.hpp>

#include "domain/feed_token.hpp"
#include "domain/validation.hpp"
#include "engine/engine_config.hpp"
#include "ical/session_event.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

namespace livecourse {

namespace {
constexpr int cas_attempts = 8;

// A 32-bit value from the CSPRNG, to spread retries; 0 if it fails (the
// delay is still within its bounds).
std::uint32_t random_jitter() noexcept {
    unsigned char raw[4];
    if (RAND_bytes(raw, sizeof raw) != 1) return 0;
    return std::uint32_t(raw[0]) | std::uint32_t(raw[1]) << 8 | std::uint32_t(raw[2]) << 16 |
           std::uint32_t(raw[3]) << 24;
}
}  // namespace

struct Engine::Impl {
    EngineConfig config;
    std::shared_ptr<Store> store;
    std::shared_ptr<Roster> roster;
    std::shared_ptr<Clock> clock;
    jitsi::RoomNamer namer;
    jitsi::TokenIssuer issuer;
    std::optional<HmacSha256Key> feed_key;
    std::atomic<std::uint64_t> presence_recorded{0}, presence_ignored{0}, presence_refused{0};

    explicit Impl(EngineConfig c)
        : config(std::move(c)), namer(config.jitsi.room_prefix), issuer(config.jitsi) {
        store = config.store;
        if (!store) store = open_store(config.database);
        roster = config.roster ? config.roster : std::shared_ptr<Roster>(make_store_roster(*store));
        clock = config.clock ? config.clock : std::make_shared<SystemClock>();
        validate_engine_config(config);
        if (!config.calendar.feed_secret.empty()) feed_key.emplace(config.calendar.feed_secret);
    }

    const EngineLimits& limits() const { return config.limits; }

    // ------------------------------------------------------------ helpers
    void require_actor(const Actor& a) const {
        if (a.user_id.empty())
            throw Error(ErrorCode::unauthenticated, "an authenticated user is required", std::string(reason::unauthenticated),
                        "user_id");
        validate::id("user_id", a.user_id, limits().max_id_bytes);
        validate::text("name", a.name, limits().max_title_bytes, false, false);
        validate::text("email", a.email, limits().max_title_bytes, false, false);
        if (!a.avatar.empty()) validate::url("avatar", a.avatar, limits().max_url_bytes);
    }

    Session load(std::string_view id) const {
        if (id.empty() || id.size() > limits().max_id_bytes) throw Error::not_found("session");
        auto s = store->find_session(id);
        if (!s) throw Error::not_found("session");
        return std::move(*s);
    }

    // A session whose reports only its staff may read (`what` names the read).
    Session load_for_staff(const Actor& actor, std::string_view id, const char* what) const {
        require_actor(actor);
        Session s = load(id);
        enforce(AccessPolicy::manage(role(s, actor)), what);
        return s;
    }

    Role role(const Session& s, const Actor& a) const { return roster->role_of(s.course_id, a.user_id); }

    // AccessPolicy::take_part, refused with `refusal` as the message.
    void require_taking_part(const Session& s, Role role, const Actor& a, const char* refusal) const {
        auto d = AccessPolicy::take_part(role, store->find_participant(s.id, a.user_id).has_value());
        if (!d) throw Error::forbidden(d.reason, refusal);
    }

    // The room name is a key to the room (access.hpp): a session leaves the
    // engine without it (empty, which its JSON shape writes as null) unless
    // the access policy lets its reader see it. Listings, calendars and
    // presence answers carry it for nobody.
    static Session without_room(Session s) {
        s.jitsi_room_name.clear();
        return s;
    }
    static Session as_seen_by(Session s, Role role) {
        if (AccessPolicy::see_room(role)) return s;
        return without_room(std::move(s));
    }

    // Snapshots of live sessions for the join path, which the 10:00 rush
    // hits hundreds of times a second. While a session is live, everything a
    // join reads from it (course, room, password, times, recording flag,
    // capacity) is frozen: only its status can change, and the store checks
    // the status again inside the admission transaction. A snapshot is
    // dropped when this engine changes the session or a join finds it no
    // longer live (another process ended it).
    std::shared_ptr<const Session> load_for_join(std::string_view id) const {
        {
            std::lock_guard lock(live_mutex);
            if (auto it = live_sessions.find(std::string(id)); it != live_sessions.end()) return it->second;
        }
        auto s = std::make_shared<const Session>(load(id));
        if (s->status == SessionStatus::live) {
            std::lock_guard lock(live_mutex);
            if (live_sessions.size() >= 4096) live_sessions.clear();
            live_sessions.emplace(s->id, s);
        }
        return s;
    }

    void forget_live(std::string_view id) const {
        std::lock_guard lock(live_mutex);
        live_sessions.erase(std::string(id));
    }

    mutable std::mutex live_mutex;
    mutable std::unordered_map<std::string, std::shared_ptr<const Session>> live_sessions;

    void validate_session(const Session& s) const {
        validate::text("title", s.title, limits().max_title_bytes, true, false);
        validate::text("description", s.description, limits().max_description_bytes, false, true);
        validate::instant("starts_at", s.starts_at);
        validate::instant("ends_at", s.ends_at);
        if (s.ends_at <= s.starts_at) throw Error::invalid("ends_at", "ends_at: must be after starts_at");
        if (s.ends_at - s.starts_at > limits().max_duration)
            throw Error::invalid("ends_at", fmt::format("ends_at: a session lasts at most {} hours",
                                                        limits().max_duration.count() / 3600));
        validate::timezone("timezone", s.timezone);
        if (s.max_participants < 1 || s.max_participants > limits().max_participants)
            throw Error::invalid("max_participants",
                                 fmt::format("max_participants: must be between 1 and {}", limits().max_participants));
    }

    // Applies `change` to the current session and writes it with a
    // compare-and-swap on the revision, re-reading on a concurrent change so
    // that the status machine always judges the status actually stored.
    // The notifications the change causes (notifications.hpp) are written in
    // the same transaction; `actor_id`, who caused it, is not told.
    template <class F> Session modify(std::string_view id, F&& change, std::string_view actor_id = {}) {
        for (int attempt = 0; attempt < cas_attempts; ++attempt) {
            Session current = load(id);
            Session next = current;
            change(next);  // may throw: nothing is written
            next.revision = current.revision + 1;
            next.updated_at = clock->now();
            auto plan = NotificationPlanner::changed(current, next, next.updated_at,
                                                     recipients(next.course_id, actor_id));
            if (store->replace_session(next, current.revision, plan)) {
                forget_live(next.id);
                return next;
            }
        }
        throw Error::conflict(reason::revision_mismatch, "the session changed concurrently; try again");
    }

    // Who a course's notifications go to: the host roster's members when it
    // can list them, else the built-in roster's, read by the store inside
    // the planning transaction.
    Recipients recipients(std::string_view course_id, std::string_view actor_id) const {
        Recipients r;
        r.except = std::string(actor_id);
        if (config.roster) {
            if (auto members = roster->members(course_id)) {
                r.users.emplace();
                for (auto& m : *members)
                    if (m.role != Role::none && !m.user_id.empty()) r.users->push_back(std::move(m.user_id));
            }
        }
        return r;
    }

    Notification with_link(Notification n) const {
        Session s;
        s.course_id = n.course_id;
        s.id = n.session_id;
        n.join_url = event_url(s);
        return n;
    }
    template <class C> C with_links(C page) const {
        for (auto& n : page.notifications) n = with_link(std::move(n));
        return page;
    }

    Session new_session(const Actor& actor, std::string_view course_id, const SessionDraft& d, Instant now) {
        Session s;
        s.course_id = std::string(course_id);
        s.instructor_id = actor.user_id;
        s.title = d.title;
        s.description = d.description;
        s.starts_at = d.starts_at;
        s.ends_at = d.ends_at;
        s.timezone = d.timezone.empty() ? "UTC" : d.timezone;
        s.max_participants = d.max_participants;
        s.recording_enabled = d.recording_enabled;
        s.jitsi_server_url = jitsi::server_base_url(config.jitsi);
        if (d.room_password) s.room_password = namer.room_password();
        s.status = SessionStatus::scheduled;
        s.revision = 1;
        s.created_at = s.updated_at = now;
        return s;
    }

    void assign_identity(Session& s) {
        s.id = store->allocate_session_id();
        s.jitsi_room_name = namer.room_name(s.course_id, s.id);
    }

    void remember_profile(const Actor& a) {
        if (!a.name.empty() || !a.email.empty()) store->put_user(a);
    }

    std::string join_url_for(const Session& s, const Actor& a, bool moderator, std::optional<std::string> jwt) const {
        jitsi::JoinLinkOptions o;
        o.jwt = std::move(jwt);
        o.display_name = a.name.empty() ? a.user_id : a.name;
        o.email = a.email;
        o.moderator = moderator;
        o.screen_sharing = moderator || config.participants_may_share_screen;
        return jitsi::join_url(config.jitsi, s.jitsi_room_name, o);
    }

    std::optional<std::string> mint(const Session& s, const Actor& a, bool moderator, Instant now,
                                    Instant& expires) const {
        expires = jitsi::token_expiry(config.jitsi, now, s.ends_at);
        if (!issuer.issues_tokens()) return std::nullopt;
        jitsi::TokenRequest r;
        r.room = s.jitsi_room_name;
        r.user_id = a.user_id;
        r.name = a.name.empty() ? a.user_id : a.name;
        r.email = a.email;
        r.avatar = a.avatar;
        r.moderator = moderator;
        r.features = jitsi::features_for(config.jitsi, moderator, s.recording_enabled,
                                         config.participants_may_share_screen);
        r.issued_at = now;
        r.expires_at = expires;
        return issuer.mint(r);
    }

    // What a started session's attendance is computed from, read in one
    // snapshot: the time it was held (to `now` while live), every reported
    // interval and the participants (video-only users included).
    struct HeldPresence {
        bool live = false;
        Instant end{};
        std::vector<PresenceInterval> intervals;
        std::vector<Participant> participants;
    };
    HeldPresence held_presence(const Session& s, Instant now) const {
        HeldPresence h;
        h.live = s.status == SessionStatus::live;
        h.end = s.actual_end_at.value_or(h.live ? now : *s.actual_start_at);
        auto inputs = store->attendance_inputs(s.id);  // one snapshot
        h.intervals = all_intervals(inputs, h.live ? now : h.end);
        h.participants = participants_of(s, std::move(inputs.participants), h.intervals);
        return h;
    }

    AttendanceReport report(const Session& s) const {
        if (!s.actual_start_at) {
            AttendanceReport r;
            r.statistics.session_id = s.id;
            r.statistics.enrolled_count = roster->count_students(s.course_id);
            r.statistics.recording_url = s.recording_url;
            return r;
        }
        auto h = held_presence(s, clock->now());
        auto r = AttendanceLedger::compute(s.id, h.participants, h.intervals, *s.actual_start_at, h.end, h.live,
                                           roster->count_students(s.course_id));
        r.statistics.recording_url = s.recording_url;
        return r;
    }

    // Each admitted student's verdict, from the same counted intervals as
    // the report; provisional until the session is over and settled.
    AttendanceOutcomes outcomes(const Session& s) const {
        AttendanceOutcomes out;
        out.session_id = s.id;
        out.policy = config.attendance;
        Instant now = clock->now();
        bool over = s.status == SessionStatus::ended || s.status == SessionStatus::cancelled;
        out.is_final = over && now >= s.actual_end_at.value_or(s.updated_at) + config.attendance_settle;
        if (!s.actual_start_at) {
            out.window = {s.starts_at, s.starts_at};
            return out;
        }
        auto h = held_presence(s, now);
        auto intervals = AttendanceLedger::counted(h.intervals);
        std::set<std::string, std::less<>> staff;
        for (const auto& p : h.participants)
            if (p.role == Role::instructor || p.role == Role::moderator) staff.insert(p.user_id);
        std::vector<PresenceInterval> staff_intervals;
        std::map<std::string, std::vector<PresenceInterval>, std::less<>> by_student;
        for (auto& iv : intervals) {
            if (staff.count(iv.user_id))
                staff_intervals.push_back(std::move(iv));
            else
                by_student[iv.user_id].push_back(std::move(iv));
        }
        ClassTimes times{s.starts_at, s.ends_at, *s.actual_start_at, h.end};
        out.window = counting_window(out.policy, times, staff_intervals);
        for (const auto& p : h.participants) {
            if (p.role != Role::student) continue;
            auto mine = by_student.find(p.user_id);
            static const std::vector<PresenceInterval> none;
            out.students.push_back({p.user_id, judge_attendance(out.policy, times,
                                                                mine == by_student.end() ? none : mine->second,
                                                                staff_intervals),
                                    std::nullopt});
        }
        // A host's decisions win, also for a student never admitted.
        for (auto& d : store->attendance_overrides(s.id)) {
            auto row = std::find_if(out.students.begin(), out.students.end(),
                                    [&](const auto& st) { return st.user_id == d.user_id; });
            if (row == out.students.end()) {
                static const std::vector<PresenceInterval> none;
                out.students.push_back({d.user_id, judge_attendance(out.policy, times, none, staff_intervals), {}});
                row = std::prev(out.students.end());
            }
            row->decision = std::move(d);
        }
        std::sort(out.students.begin(), out.students.end(),
                  [](const auto& a, const auto& b) { return a.user_id < b.user_id; });
        return out;
    }

    LiveRoster roster_now(const Session& s) const {
        LiveRoster r{s.id, s.status, clock->now(), {}};
        if (s.status != SessionStatus::live) return r;
        auto inputs = store->live_presence(s.id);  // one snapshot
        auto intervals = all_intervals(inputs, r.observed_at);
        auto participants = participants_of(s, std::move(inputs.participants), intervals);
        r.entries = AttendanceLedger::in_room(participants, intervals);
        return r;
    }

    ical::Event to_ical(const Session& s, Instant now) const {
        auto organizer = store->find_user(s.instructor_id);
        auto url = event_url(s);
        return ical::session_event(s, now, {config.calendar.uid_domain, url, organizer ? &*organizer : nullptr,
                                            config.calendar.organizer_email});
    }

    std::string event_url(const Session& s) const {
        return ical::session_page_url(config.calendar.join_url_pattern, s.course_id, s.id);
    }

    const HmacSha256Key& require_feed_key() const {
        if (!feed_key)
            throw Error::invalid("calendar.feed_secret", "calendar feeds need calendar.feed_secret to be configured");
        return *feed_key;
    }

    std::string salt_of(std::string_view user, bool rotate) {
        if (!rotate)
            if (auto s = store->feed_salt(user)) return *s;
        auto salt = new_feed_salt();
        store->set_feed_salt(user, salt);
        return salt;
    }

    // --------------------------------------------------------- presence
    // Every interval of a session from every source, ended where a room
    // census found its user absent; heartbeat intervals judged at
    // `judged_at` (now while live, else the actual end).
    std::vector<PresenceInterval> all_intervals(const AttendanceInputs& in, Instant judged_at) const {
        auto out = in.presence;
        for (const auto& h : in.heartbeats)
            out.push_back(heartbeat_interval(h, judged_at, config.presence.presence_timeout));
        auto video = pair_video_points(in.video_points);
        out.insert(out.end(), std::make_move_iterator(video.begin()), std::make_move_iterator(video.end()));
        apply_absences(out, in.absences);
        return out;
    }

    // The admitted participants, plus the roster's role of anyone the video
    // server saw who never went through join (a rejoin from an old link).
    std::vector<Participant> participants_of(const Session& s, std::vector<Participant> out,
                                             const std::vector<PresenceInterval>& intervals) const {
        std::set<std::string, std::less<>> known;
        for (const auto& p : out) known.insert(p.user_id);
        for (const auto& iv : intervals) {
            if (!known.insert(iv.user_id).second) continue;
            Role r = roster->role_of(s.course_id, iv.user_id);
            if (r != Role::none) out.push_back({iv.user_id, r, iv.joined_at});
        }
        return out;
    }

    PresenceAck ignored(std::string_view why) {
        ++presence_ignored;
        return {false, std::string(why)};
    }
    PresenceAck recorded() {
        ++presence_recorded;
        return {true, {}};
    }

    Error refused(std::string_view reason, std::string message) {
        ++presence_refused;
        return Error(ErrorCode::unauthenticated, std::move(message), std::string(reason));
    }

    void check_secret(std::string_view presented) {
        if (config.presence.video_events_secret.empty())
            throw refused(reason::invalid_secret, "video-server events are not configured (no video events secret)");
        if (!jitsi::video_events_secret_matches(presented, config.presence.video_events_secret))
            throw refused(reason::invalid_secret, "wrong or missing video events secret");
    }

    // Stores what one video-server event reports about attendance.
    PresenceAck apply_video_event(const jitsi::VideoEvent& e) {
        if (!jitsi::reports_attendance(e.kind)) return ignored(reason::no_attendance_data);
        auto s = store->find_session_by_room(e.room);
        if (!s) return ignored(reason::unknown_room);
        if (!s->actual_start_at) return ignored(reason::never_live);
        Instant now = clock->now();
        // A user of ours: a member of the course, or admitted to the session.
        auto known = [&](const std::string& user) {
            if (user.empty() || user.size() > limits().max_id_bytes || !validate::is_utf8(user)) return false;
            return roster->role_of(s->course_id, user) != Role::none ||
                   store->find_participant(s->id, user).has_value();
        };
        auto reported = jitsi::presence_points(e, now + config.presence.clock_skew, known);
        if (reported.points.empty()) return ignored(reported.skipped);
        auto added = store->record_video_points(s->id, e.delivery_key, reported.points, now);
        if (!added || *added == 0) return ignored(reason::duplicate);
        return recorded();
    }

    // Sets the recording URL of a session that took place. `replace`: the
    // host's own choice; otherwise only while none is set. Decided inside
    // the compare-and-swap, so that two senders never both "set it first".
    struct SkipRecording {
        std::string_view reason;
    };
    RecordingResult apply_recording(std::string_view id, std::string_view url, bool replace) {
        RecordingResult out;
        try {
            out.session = modify(id, [&](Session& s) {
                if (!s.actual_start_at) throw SkipRecording{reason::never_live};
                if (s.recording_url && *s.recording_url == url) throw SkipRecording{reason::duplicate};
                if (s.recording_url && !replace) throw SkipRecording{reason::recording_url_already_set};
                s.recording_url = std::string(url);
            });
        } catch (const SkipRecording& skip) {
            out.session = load(id);
            out.ack = ignored(skip.reason);
            return out;
        }
        out.ack = recorded();
        return out;
    }
};

Engine::Engine(EngineConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Engine::~Engine() = default;

const EngineConfig& Engine::config() const noexcept { return impl_->config; }
Instant Engine::now() const { return impl_->clock->now(); }

// ------------------------------------------------------------------ roster
void Engine::enroll(std::string_view course, std::string_view user, Role role) {
    validate::id("course_id", course, impl_->limits().max_id_bytes);
    validate::id("user_id", user, impl_->limits().max_id_bytes);
    if (role == Role::none) throw Error::invalid("role", "role: must be student, moderator or instructor");
    impl_->store->set_enrollment(course, user, role, impl_->clock->now());
}

void Engine::unenroll(std::string_view course, std::string_view user) {
    validate::id("course_id", course, impl_->limits().max_id_bytes);
    validate::id("user_id", user, impl_->limits().max_id_bytes);
    impl_->store->set_enrollment(course, user, Role::none, impl_->clock->now());
}

Role Engine::role_of(std::string_view course, std::string_view user) { return impl_->roster->role_of(course, user); }

void Engine::put_user(const Actor& profile) {
    impl_->require_actor(profile);
    impl_->store->put_user(profile);
}

// ---------------------------------------------------------------- sessions
Session Engine::create_session(const Actor& actor, std::string_view course_id, const SessionDraft& draft) {
    auto& m = *impl_;
    m.require_actor(actor);
    validate::id("course_id", course_id, m.limits().max_id_bytes);
    Session s = m.new_session(actor, course_id, draft, m.clock->now());
    m.validate_session(s);
    enforce(AccessPolicy::manage(m.roster->role_of(course_id, actor.user_id)), "create a session");
    m.remember_profile(actor);
    for (int attempt = 0;; ++attempt) {
        m.assign_identity(s);
        try {
            m.store->insert_session(
                s, NotificationPlanner::created({s}, s.created_at, m.recipients(course_id, actor.user_id)));
            return s;
        } catch (const Error& e) {
            // 80+ random bits make a clash astronomically rare; retry anyway.
            if (e.reason() != reason::room_name_taken || attempt >= 3) throw;
        }
    }
}

Session Engine::get_session(const Actor& actor, std::string_view id) {
    impl_->require_actor(actor);
    Session s = impl_->load(id);
    Role role = impl_->role(s, actor);
    enforce(AccessPolicy::view(role), "see this session");
    return Impl::as_seen_by(std::move(s), role);
}

std::vector<Session> Engine::list_sessions(const Actor& actor, std::string_view course_id, SessionFilter filter) {
    impl_->require_actor(actor);
    validate::id("course_id", course_id, impl_->limits().max_id_bytes);
    enforce(AccessPolicy::view(impl_->roster->role_of(course_id, actor.user_id)), "list this course's sessions");
    auto sessions = impl_->store->list_sessions(course_id, filter);
    for (auto& s : sessions) s = Impl::without_room(std::move(s));
    return sessions;
}

Session Engine::update_session(const Actor& actor, std::string_view id, const SessionPatch& patch) {
    auto& m = *impl_;
    m.require_actor(actor);
    enforce(AccessPolicy::manage(m.role(m.load(id), actor)), "edit this session");
    return m.modify(id, [&](Session& s) {
        require_transition(s.status, SessionAction::edit);
        if (patch.expected_revision && *patch.expected_revision != s.revision)
            throw Error(ErrorCode::conflict, "the session was changed since it was read",
                        std::string(reason::revision_mismatch), "revision");
        if (patch.title) s.title = *patch.title;
        if (patch.description) s.description = *patch.description;
        if (patch.starts_at) s.starts_at = *patch.starts_at;
        if (patch.ends_at) s.ends_at = *patch.ends_at;
        if (patch.timezone) s.timezone = *patch.timezone;
        if (patch.max_participants) s.max_participants = *patch.max_participants;
        if (patch.recording_enabled) s.recording_enabled = *patch.recording_enabled;
        m.validate_session(s);
    }, actor.user_id);
}

Session Engine::cancel_session(const Actor& actor, std::string_view id, std::string_view reason_text) {
    auto& m = *impl_;
    m.require_actor(actor);
    validate::text("reason", reason_text, m.limits().max_reason_bytes, false, true);
    enforce(AccessPolicy::manage(m.role(m.load(id), actor)), "cancel this session");
    return m.modify(id, [&](Session& s) {
        bool was_live = s.status == SessionStatus::live;
        s.status = require_transition(s.status, SessionAction::cancel);
        if (!reason_text.empty()) s.cancel_reason = std::string(reason_text);
        if (was_live) s.actual_end_at = std::max(m.clock->now(), s.actual_start_at.value_or(m.clock->now()));
    }, actor.user_id);
}

Session Engine::start_session(const Actor& actor, std::string_view id) {
    auto& m = *impl_;
    m.require_actor(actor);
    enforce(AccessPolicy::manage(m.role(m.load(id), actor)), "start this session");
    return m.modify(id, [&](Session& s) {
        s.status = require_transition(s.status, SessionAction::start);
        s.actual_start_at = m.clock->now();
    }, actor.user_id);
}

EndResult Engine::end_session(const Actor& actor, std::string_view id, std::optional<std::string_view> recording_url) {
    auto& m = *impl_;
    m.require_actor(actor);
    if (recording_url) validate::url("recording_url", *recording_url, m.limits().max_url_bytes);
    enforce(AccessPolicy::manage(m.role(m.load(id), actor)), "end this session");
    Session s = m.modify(id, [&](Session& s) {
        s.status = require_transition(s.status, SessionAction::end);
        s.actual_end_at = std::max(m.clock->now(), *s.actual_start_at);
        if (recording_url) s.recording_url = std::string(*recording_url);
    }, actor.user_id);
    return {s, m.report(s).statistics};
}

// ------------------------------------------------------------------ series
SeriesResult Engine::create_series(const Actor& actor, std::string_view course_id, const SeriesDraft& draft) {
    auto& m = *impl_;
    m.require_actor(actor);
    validate::id("course_id", course_id, m.limits().max_id_bytes);
    auto occurrences = expand_weekly(draft.rule);
    enforce(AccessPolicy::manage(m.roster->role_of(course_id, actor.user_id)), "create a series");
    Instant now = m.clock->now();
    SeriesResult out;
    out.series.id = m.store->allocate_series_id();
    out.series.course_id = std::string(course_id);
    out.series.instructor_id = actor.user_id;
    out.series.rule = describe_weekly(draft.rule);
    out.series.created_at = now;
    for (const auto& o : occurrences) {
        SessionDraft d = draft.session;
        d.starts_at = o.starts_at;
        d.ends_at = o.ends_at;
        d.timezone = draft.rule.timezone;
        Session s = m.new_session(actor, course_id, d, now);
        m.validate_session(s);
        m.assign_identity(s);
        s.series_id = out.series.id;
        out.sessions.push_back(std::move(s));
    }
    m.remember_profile(actor);
    m.store->insert_series(out.series, out.sessions,
                           NotificationPlanner::created(out.sessions, now, m.recipients(course_id, actor.user_id)));
    return out;
}

std::vector<Session> Engine::cancel_series(const Actor& actor, std::string_view series_id, Instant from,
                                           std::string_view reason_text) {
    auto& m = *impl_;
    m.require_actor(actor);
    validate::text("reason", reason_text, m.limits().max_reason_bytes, false, true);
    auto series = m.store->find_series(series_id);
    if (!series) throw Error::not_found("series");
    enforce(AccessPolicy::manage(m.roster->role_of(series->course_id, actor.user_id)), "cancel this series");
    std::vector<Session> cancelled;
    for (const auto& s : m.store->series_sessions(series_id)) {
        if (s.status != SessionStatus::scheduled || s.starts_at < from) continue;
        try {
            cancelled.push_back(m.modify(s.id, [&](Session& x) {
                x.status = require_transition(x.status, SessionAction::cancel);
                if (!reason_text.empty()) x.cancel_reason = std::string(reason_text);
            }, actor.user_id));
        } catch (const Error& e) {
            // Started meanwhile: a live occurrence is not part of "the rest".
            if (e.code() != ErrorCode::conflict) throw;
        }
    }
    return cancelled;
}

// ----------------------------------------------------------------- joining
JoinResult Engine::join(const Actor& actor, std::string_view id) {
    auto& m = *impl_;
    m.require_actor(actor);
    auto snapshot = m.load_for_join(id);
    const Session& s = *snapshot;
    AdmitRequest request{s.id, actor.user_id, Role::none, s.course_id, m.clock->now()};
    // A host roster is asked first. The built-in roster is read by the store
    // inside the admission transaction, while the session is live: the rush's
    // join is then a single transaction.
    if (m.config.roster || s.status != SessionStatus::live) {
        request.role = m.role(s, actor);
        enforce(AccessPolicy::join(request.role, s.status), "join this session");
    }
    // The store re-checks the status and the seats inside its transaction:
    // what was read above may have changed since.
    auto admitted = m.store->admit(request);
    Role role = admitted.role;
    Instant now = request.at;
    switch (admitted.outcome) {
    case AdmitOutcome::admitted:
    case AdmitOutcome::rejoined: break;
    case AdmitOutcome::full:
        throw Error(ErrorCode::session_full,
                    fmt::format("the session is full ({} of {} seats taken)", admitted.seats_taken, s.max_participants),
                    std::string(reason::session_full));
    case AdmitOutcome::not_member: enforce(AccessPolicy::join(Role::none, s.status), "join this session"); break;
    case AdmitOutcome::not_live:
        m.forget_live(s.id);
        enforce(AccessPolicy::join(role, admitted.status), "join this session");
    }
    bool moderator = is_staff(role);
    Instant expires;
    auto jwt = m.mint(s, actor, moderator, now, expires);
    JoinResult r;
    r.session_id = s.id;
    r.jitsi_room_name = s.jitsi_room_name;
    r.jitsi_join_url = m.join_url_for(s, actor, moderator, std::move(jwt));
    r.jitsi_room_password = s.room_password;
    r.rejoined = admitted.outcome == AdmitOutcome::rejoined;
    return r;
}

TokenResult Engine::token(const Actor& actor, std::string_view id) {
    auto& m = *impl_;
    m.require_actor(actor);
    Session s = m.load(id);
    Role role = m.role(s, actor);
    enforce(AccessPolicy::token(role, s.status), "get a token for this session");
    m.require_taking_part(s, role, actor, "join the session before asking for a token");
    Instant now = m.clock->now();
    TokenResult r;
    r.jwt = m.mint(s, actor, is_staff(role), now, r.expires_at);
    r.jitsi_join_url = m.join_url_for(s, actor, is_staff(role), r.jwt);
    return r;
}

bool Engine::leave(const Actor& actor, std::string_view id) {
    auto& m = *impl_;
    m.require_actor(actor);
    Session s = m.load(id);
    enforce(AccessPolicy::view(m.role(s, actor)), "leave this session");
    Instant now = m.clock->now();
    bool closed = m.store->close_presence(s.id, actor.user_id, now);
    return m.store->close_heartbeat(s.id, actor.user_id, now) || closed;
}

// -------------------------------------------------------------- attendance
std::vector<AttendanceRow> Engine::attendance(const Actor& actor, std::string_view id) {
    auto& m = *impl_;
    Session s = m.load_for_staff(actor, id, "read attendance");
    return m.report(s).rows;
}

SessionStatistics Engine::statistics(const Actor& actor, std::string_view id) {
    auto& m = *impl_;
    Session s = m.load_for_staff(actor, id, "read statistics");
    return m.report(s).statistics;
}

AttendanceOutcomes Engine::attendance_outcomes(const Actor& actor, std::string_view id) {
    auto& m = *impl_;
    Session s = m.load_for_staff(actor, id, "read attendance");
    return m.outcomes(s);
}

AttendanceOverride Engine::override_attendance(const Actor& actor, std::string_view id, std::string_view user_id,
                                              std::optional<AttendanceOutcome> outcome, std::string_view reason) {
    auto& m = *impl_;
    validate::id("user_id", user_id, m.limits().max_id_bytes);
    validate::text("reason", reason, 500, true, true);
    Session s = m.load_for_staff(actor, id, "decide a student's attendance");
    if (!s.actual_start_at) throw Error::invalid("session_id", "session_id: the session has not been held yet");
    auto participant = m.store->find_participant(s.id, user_id);
    bool student = participant ? participant->role == Role::student
                               : m.roster->role_of(s.course_id, user_id) == Role::student;
    if (!student) throw Error::invalid("user_id", "user_id: not a student of this session's course");
    AttendanceOverride d{s.id, std::string(user_id), outcome, std::string(reason), actor.user_id, m.clock->now()};
    m.store->put_attendance_override(d);
    return d;
}

std::vector<AttendanceOverride> Engine::attendance_override_log(const Actor& actor, std::string_view id) {
    auto& m = *impl_;
    Session s = m.load_for_staff(actor, id, "read attendance");
    return m.store->attendance_override_log(s.id);
}

CourseAttendance Engine::course_attendance(const Actor& actor, std::string_view course_id, Instant from,
                                           Instant to) {
    auto& m = *impl_;
    m.require_actor(actor);
    validate::id("course_id", course_id, m.limits().max_id_bytes);
    validate::instant_range("from", from, "to", to, std::chrono::days(400), "a report");
    enforce(AccessPolicy::manage(m.roster->role_of(course_id, actor.user_id)), "read the course's attendance");
    CourseAttendance out;
    out.course_id = std::string(course_id);
    out.from = from;
    out.to = to;
    SessionRange range;
    range.course_ids.emplace_back(course_id);
    range.from = from;
    range.to = to;
    // user id -> the verdict of each column so far (absent where not admitted)
    std::map<std::string, std::vector<CourseAttendance::Cell>, std::less<>> rows;
    if (auto members = m.roster->members(course_id))
        for (auto& member : *members)
            if (member.role == Role::student) rows.try_emplace(std::move(member.user_id));
    for (const auto& s : m.store->sessions_in_range(range)) {
        if (!s.actual_start_at || s.status == SessionStatus::cancelled || s.starts_at < from) continue;
        auto verdicts = m.outcomes(s);
        std::size_t column = out.sessions.size();
        out.sessions.push_back({s.id, s.title, s.starts_at, s.status, verdicts.is_final});
        out.is_final = out.is_final && verdicts.is_final;
        for (const auto& st : verdicts.students) {
            auto& cells = rows[st.user_id];
            cells.resize(column + 1);
            cells[column] = {st.outcome(), st.verdict.counted_seconds, st.decision.has_value()};
        }
    }
    out.students.reserve(rows.size());
    for (auto& [user, cells] : rows) {
        CourseAttendance::Student st;
        st.user_id = user;
        st.cells = std::move(cells);
        st.cells.resize(out.sessions.size());
        for (const auto& c : st.cells) {
            switch (c.outcome) {
            case AttendanceOutcome::present: ++st.present; break;
            case AttendanceOutcome::late: ++st.late; break;
            case AttendanceOutcome::left_early: ++st.left_early; break;
            case AttendanceOutcome::absent: ++st.absent; break;
            }
            st.counted_seconds += c.counted_seconds;
        }
        if (!out.sessions.empty())
            st.attendance_rate =
                static_cast<double>(st.present + st.late + st.left_early) / static_cast<double>(out.sessions.size());
        out.students.push_back(std::move(st));
    }
    return out;
}

LiveRoster Engine::live_roster(const Actor& actor, std::string_view id) {
    auto& m = *impl_;
    Session s = m.load_for_staff(actor, id, "read the live roster");
    return m.roster_now(s);
}

// -------------------------------------------------------------------- chat
ChatMessage Engine::post_chat(const Actor& actor, std::string_view id, ChatType type, std::string_view body,
                              std::optional<std::string_view> reply_to) {
    auto& m = *impl_;
    m.require_actor(actor);
    validate::text("body", body, m.limits().max_chat_bytes, true, true);
    if (type == ChatType::answer && !reply_to)
        throw Error::invalid("reply_to", "reply_to: an answer names the question it answers");
    if (type != ChatType::answer && reply_to)
        throw Error::invalid("reply_to", "reply_to: only an answer replies to a question");
    Session s = m.load(id);
    Role role = m.role(s, actor);
    enforce(AccessPolicy::view(role), "chat in this session");
    require_transition(s.status, SessionAction::chat);
    m.require_taking_part(s, role, actor, "join the session before chatting");
    ChatMessage msg;
    msg.session_id = s.id;
    msg.user_id = actor.user_id;
    msg.type = type;
    msg.body = std::string(body);
    if (reply_to) msg.reply_to = std::string(*reply_to);
    msg.created_at = m.clock->now();
    return m.store->insert_chat(msg);
}

ChatPage Engine::list_chat(const Actor& actor, std::string_view id, std::optional<std::string_view> cursor,
                           int limit) {
    auto& m = *impl_;
    m.require_actor(actor);
    if (limit < 1 || limit > m.limits().max_page)
        throw Error::invalid("limit", fmt::format("limit: must be between 1 and {}", m.limits().max_page));
    Session s = m.load(id);
    Role role = m.role(s, actor);
    enforce(AccessPolicy::view(role), "read this session's chat");
    m.require_taking_part(s, role, actor, "only participants read the chat");
    return m.store->list_chat(s.id, cursor, limit);
}

// ---------------------------------------------------------------- calendar
std::vector<CalendarEvent> Engine::calendar_events(const Actor& actor, const CalendarQuery& q) {
    auto& m = *impl_;
    m.require_actor(actor);
    validate::instant_range("start", q.start, "end", q.end, std::chrono::days(400), "a query");
    SessionRange range;
    for (const auto& e : m.roster->courses_of(actor.user_id))
        if (e.role != Role::none) range.course_ids.push_back(e.course_id);
    range.from = q.start;
    range.to = q.end;
    range.status = q.status;
    std::vector<CalendarEvent> out;
    for (auto& s : m.store->sessions_in_range(range)) {
        auto url = m.event_url(s);
        out.push_back({Impl::without_room(std::move(s)), std::move(url)});
    }
    return out;
}

std::string Engine::ical_feed(std::string_view user_id) {
    auto& m = *impl_;
    validate::id("user_id", user_id, m.limits().max_id_bytes);
    Instant now = m.clock->now();
    SessionRange range;
    for (const auto& e : m.roster->courses_of(user_id))
        if (e.role != Role::none) range.course_ids.push_back(e.course_id);
    range.from = now - std::chrono::days(90);
    range.to = now + std::chrono::days(400);
    std::vector<ical::Event> events;
    for (const auto& s : m.store->sessions_in_range(range)) events.push_back(m.to_ical(s, now));
    ical::CalendarInfo info;
    info.name = m.config.calendar.calendar_name;
    return ical::write_calendar(info, events);
}

std::string Engine::feed_token(std::string_view user_id) {
    validate::id("user_id", user_id, impl_->limits().max_id_bytes);
    impl_->require_feed_key();
    return livecourse::feed_token(impl_->require_feed_key(), user_id, impl_->salt_of(user_id, false));
}

std::string Engine::rotate_feed_token(std::string_view user_id) {
    validate::id("user_id", user_id, impl_->limits().max_id_bytes);
    impl_->require_feed_key();
    return livecourse::feed_token(impl_->require_feed_key(), user_id, impl_->salt_of(user_id, true));
}

std::string Engine::ical_feed_by_token(std::string_view token) {
    auto& m = *impl_;
    const auto& key = m.require_feed_key();
    auto invalid = [] {
        return Error(ErrorCode::unauthenticated, "invalid calendar feed token", std::string(reason::invalid_token));
    };
    auto parts = parse_feed_token(token);
    if (!parts) throw invalid();
    auto salt = m.store->feed_salt(parts->user);
    if (!salt || !feed_token_matches(key, *parts, *salt)) throw invalid();
    return ical_feed(parts->user);
}

// ---------------------------------------------------------------- presence
void Engine::check_video_events_secret(std::string_view secret) { impl_->check_secret(secret); }

PresenceAck Engine::jitsi_event(std::string_view secret, std::string_view kind, const boost::json::object& payload) {
    auto& m = *impl_;
    m.check_secret(secret);
    return m.apply_video_event(jitsi::parse_event_sync(kind, payload));
}

PresenceAck Engine::jaas_webhook(std::string_view raw_body, std::string_view signature_header) {
    auto& m = *impl_;
    const auto& p = m.config.presence;
    try {
        jitsi::verify_jaas_signature(signature_header, raw_body, p.jaas_webhook_secret, m.clock->now(),
                                     p.jaas_signature_tolerance);
    } catch (const Error&) {
        ++m.presence_refused;
        throw;
    }
    // Read only once the signature holds: nothing about an unsigned body,
    // not even whether it parses, is answered.
    if (!validate::is_utf8(raw_body)) throw Error::invalid("body", "body: must be valid UTF-8");
    boost::system::error_code ec;
    auto doc = boost::json::parse(raw_body, ec);
    if (ec || !doc.is_object()) throw Error::invalid("body", "body: must be a JSON object");
    auto e = jitsi::parse_jaas_webhook(doc.get_object());
    std::string expected_app = p.jaas_app_id;
    if (expected_app.empty() && m.config.jitsi.mode == jitsi::Mode::jaas) expected_app = m.config.jitsi.app_id;
    if (!expected_app.empty() && e.app_id != expected_app) return m.ignored(reason::app_id_mismatch);
    if (e.kind == jitsi::VideoEventKind::recording_uploaded) {
        validate::url("data.preAuthenticatedLink", *e.recording_url, m.limits().max_url_bytes * 2);
        auto s = m.store->find_session_by_room(e.room);
        if (!s) return m.ignored(reason::unknown_room);
        return m.apply_recording(s->id, *e.recording_url, false).ack;
    }
    return m.apply_video_event(e);
}

CensusAck Engine::room_census(std::string_view secret, const boost::json::object& body) {
    auto& m = *impl_;
    m.check_secret(secret);
    auto census = jitsi::parse_room_census(body);
    CensusAck out;
    auto ignore = [&](std::string_view why) {
        out.ack = m.ignored(why);
        return out;
    };
    auto s = m.store->find_session_by_room(census.room);
    if (!s) return ignore(reason::unknown_room);
    out.session_id = s->id;
    if (!s->actual_start_at) return ignore(reason::never_live);
    Instant now = m.clock->now();
    Instant at = census.at.value_or(now);
    if (at > now + m.config.presence.clock_skew) return ignore(reason::clock_skew);

    // The session's users: everyone admitted, and everyone any source saw.
    auto inputs = m.store->attendance_inputs(s->id);
    std::set<std::string, std::less<>> users;
    for (const auto& p : inputs.participants) users.insert(p.user_id);
    for (const auto& iv : inputs.presence) users.insert(iv.user_id);
    for (const auto& h : inputs.heartbeats) users.insert(h.user_id);
    for (const auto& p : inputs.video_points)
        if (!p.user_id.empty()) users.insert(p.user_id);

    std::set<std::string, std::less<>> listed;  // what the occupants name: user ids or e-mail addresses
    for (const auto& o : census.occupants) {
        const auto& name = census.match == jitsi::CensusMatch::user_id ? o.user_id : o.email;
        if (!name.empty()) listed.insert(name);
    }
    std::set<std::string, std::less<>> matched;
    std::vector<PresenceAbsence> absences;
    for (const auto& user : users) {
        std::string name = user;
        if (census.match == jitsi::CensusMatch::email) {
            auto profile = m.store->find_user(user);
            if (!profile || profile->email.empty()) continue;  // a user the census cannot name
            name = profile->email;
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (listed.count(name)) {
            ++out.named;
            matched.insert(name);
        } else {
            absences.push_back({user, at});
        }
    }
    out.absent = static_cast<int>(absences.size());
    for (const auto& o : census.occupants) {
        const auto& name = census.match == jitsi::CensusMatch::user_id ? o.user_id : o.email;
        if (name.empty() || !matched.count(name)) ++out.unidentified;
    }
    if (absences.empty()) return ignore(reason::nobody_absent);
    if (m.store->record_absences(s->id, absences) == 0) return ignore(reason::duplicate);
    out.ack = m.recorded();
    return out;
}

PresenceAck Engine::heartbeat(const Actor& actor, std::string_view id) {
    auto& m = *impl_;
    m.require_actor(actor);
    Session s = m.load(id);
    enforce(AccessPolicy::view(m.role(s, actor)), "send heartbeats in this session");
    if (s.status != SessionStatus::live) return m.ignored(reason::not_live);
    if (!m.store->find_participant(s.id, actor.user_id))
        throw Error::forbidden(reason::not_participant, "join the session before sending heartbeats");
    m.store->record_heartbeat(s.id, actor.user_id, m.clock->now(), m.config.presence.presence_timeout);
    return m.recorded();
}

RecordingResult Engine::set_recording(const Actor& actor, std::string_view id, std::string_view recording_url) {
    auto& m = *impl_;
    m.require_actor(actor);
    validate::url("recording_url", recording_url, m.limits().max_url_bytes);
    Session s = m.load(id);
    enforce(AccessPolicy::manage(m.role(s, actor)), "set this session's recording");
    if (!s.actual_start_at)
        throw Error::conflict(s.status == SessionStatus::cancelled ? reason::session_cancelled : reason::not_live,
                              "only a session that took place has a recording");
    return m.apply_recording(s.id, recording_url, true);
}

RecordingResult Engine::set_recording_by_secret(std::string_view secret, std::string_view session,
                                                std::string_view recording_url) {
    auto& m = *impl_;
    m.check_secret(secret);
    validate::url("recording_url", recording_url, m.limits().max_url_bytes);
    std::optional<Session> s;
    if (!session.empty() && session.size() <= jitsi::max_room_name_length) {
        s = m.store->find_session(session);
        if (!s) {
            std::string room(session);
            for (auto& c : room) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            s = m.store->find_session_by_room(room);
        }
    }
    if (!s) return {m.ignored(reason::unknown_room), std::nullopt};
    // The sender holds a secret, not a role: it learns what it asked about,
    // not the room.
    auto result = m.apply_recording(s->id, recording_url, false);
    if (result.session) result.session = Impl::without_room(std::move(*result.session));
    return result;
}

PresenceCounters Engine::presence_counters() const {
    return {impl_->presence_recorded.load(), impl_->presence_ignored.load(), impl_->presence_refused.load()};
}

// ------------------------------------------------------------ notifications
namespace {
void check_page(int limit, const EngineLimits& limits) {
    if (limit < 1 || limit > limits.max_page)
        throw Error::invalid("limit", fmt::format("limit: must be between 1 and {}", limits.max_page));
}
}  // namespace

std::vector<Notification> Engine::claim_notifications(int limit, Seconds lease) {
    auto& m = *impl_;
    check_page(limit, m.limits());
    if (lease < Seconds(1) || lease > Seconds(3600))
        throw Error::invalid("lease_seconds", "lease_seconds: must be between 1 and 3600");
    auto claimed = m.store->claim_notifications(m.clock->now(), limit, lease, m.config.notifications.max_attempts);
    for (auto& n : claimed) n = m.with_link(std::move(n));
    return claimed;
}

std::vector<std::string> Engine::ack_notifications(const std::vector<std::string>& ids) {
    auto& m = *impl_;
    if (ids.size() > static_cast<std::size_t>(m.limits().max_page))
        throw Error::invalid("ids", fmt::format("ids: at most {} at once", m.limits().max_page));
    for (const auto& id : ids) validate::id("ids", id, m.limits().max_id_bytes);
    return m.store->ack_notifications(ids, m.clock->now());
}

Notification Engine::fail_notification(std::string_view id, std::optional<int> attempt, std::optional<Seconds> retry_in,
                                       std::string_view error) {
    auto& m = *impl_;
    validate::text("error", error, m.limits().max_reason_bytes, false, true);
    if (retry_in && (*retry_in < Seconds(0) || *retry_in > Seconds(7 * 24 * 3600)))
        throw Error::invalid("retry_in_seconds", "retry_in_seconds: must be between 0 and 604800 (a week)");
    auto current = m.store->find_notification(id);
    if (!current) throw Error::not_found("notification");
    const auto& nc = m.config.notifications;
    Seconds delay = retry_in ? *retry_in
                             : NotificationPlanner::retry_delay(attempt.value_or(current->attempts), nc.first_retry,
                                                                nc.max_retry, random_jitter());
    auto failed = m.store->fail_notification(id, attempt, m.clock->now(), delay, nc.max_attempts, error);
    if (!failed)
        throw Error::conflict(reason::not_claimed, "the notification is not held under this claim (acknowledged, dead, "
                                             "never claimed, or claimed again since)");
    return m.with_link(std::move(*failed));
}

Notification Engine::retry_notification(std::string_view id) {
    auto& m = *impl_;
    auto retried = m.store->retry_notification(id, m.clock->now());
    if (!retried) {
        if (!m.store->find_notification(id)) throw Error::not_found("notification");
        throw Error::conflict(reason::not_dead, "only a dead notification can be retried");
    }
    return m.with_link(std::move(*retried));
}

NotificationPage Engine::list_notifications_in_state(NotificationState state, std::optional<std::string_view> cursor,
                                                     int limit) {
    auto& m = *impl_;
    check_page(limit, m.limits());
    return m.with_links(m.store->notifications_in_state(state, cursor, limit));
}

InAppNotifications Engine::list_notifications(const Actor& actor, std::optional<std::string_view> cursor, int limit) {
    auto& m = *impl_;
    m.require_actor(actor);
    check_page(limit, m.limits());
    return m.with_links(m.store->user_notifications(actor.user_id, m.clock->now(), cursor, limit));
}

ReadMarker Engine::mark_notifications_read(const Actor& actor, std::string_view up_to) {
    auto& m = *impl_;
    m.require_actor(actor);
    auto marker = m.store->mark_notifications_read(actor.user_id, up_to, m.clock->now());
    if (!marker) throw Error(ErrorCode::not_found, "up_to names no notification of this user", {}, "up_to");
    return *marker;
}

}  // namespace livecourse
