// JsonApi: requests in, Engine calls, vocabulary shapes out. Each operation
// reads its request strictly (codec/request_reader.hpp), calls exactly one
// Engine method and shapes the result; validation of values (lengths, ranges,
// access) stays in the Engine so that every host gets the same answers.
#include <livecourse/json_api.hpp>

#include "codec/request_reader.hpp"
#include "codec/result_text.hpp"
#include "domain/validation.hpp"

#include <livecourse/video_events.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace livecourse {

namespace json = boost::json;
using codec::RequestReader;

namespace {

constexpr int default_chat_page = 50;

Actor read_actor(const Engine& e, const json::object& request) {
    const auto& limits = e.config().limits;
    return codec::read_actor(request, limits.max_id_bytes, limits.max_title_bytes, limits.max_url_bytes);
}

// An enrollment's role; "none" is what unenroll is for.
Role read_role(const RequestReader& r) {
    auto role = parse_role(r.string("role"));
    if (!role || *role == Role::none) throw Error::invalid("role", "role: must be student, moderator or instructor");
    return *role;
}

json::object roster_answer(std::string_view course, std::string_view user, Role role) {
    return {{"course_id", course}, {"user_id", user}, {"role", to_string(role)}};
}

void check_ids(const Engine& e, std::string_view course, std::string_view user) {
    validate::id("course_id", course, e.config().limits.max_id_bytes);
    validate::id("user_id", user, e.config().limits.max_id_bytes);
}

// ------------------------------------------------------------------ roster
json::value roster_enroll(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto course = r.string("course_id");
    auto user = r.string("user_id");
    auto role = read_role(r);
    e.enroll(course, user, role);
    return roster_answer(course, user, role);
}

json::value roster_unenroll(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto course = r.string("course_id");
    auto user = r.string("user_id");
    e.unenroll(course, user);
    return roster_answer(course, user, Role::none);
}

json::value roster_get_role(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto course = r.string("course_id");
    auto user = r.string("user_id");
    check_ids(e, course, user);
    return roster_answer(course, user, e.role_of(course, user));
}

json::value user_put(Engine& e, const json::object& req) {
    RequestReader r(req);
    Actor a;
    a.user_id = r.string("user_id");
    validate::id("user_id", a.user_id, e.config().limits.max_id_bytes);  // a profile, not an actor: invalid, not unauthenticated
    a.name = r.string_or("name", "");
    a.email = r.string_or("email", "");
    a.avatar = r.string_or("avatar", "");
    e.put_user(a);
    return json::object{{"user_id", a.user_id}, {"name", a.name}, {"email", a.email}, {"avatar", a.avatar}};
}

// ---------------------------------------------------------------- sessions
SessionDraft read_draft_options(const RequestReader& r) {
    SessionDraft d;
    d.title = r.string("title");
    d.description = r.string_or("description", "");
    d.timezone = r.string_or("timezone", "UTC");
    d.max_participants = static_cast<int>(r.optional_integer("max_participants").value_or(d.max_participants));
    d.recording_enabled = r.boolean_or("recording_enabled", false);
    d.room_password = r.boolean_or("room_password", false);
    return d;
}

json::value session_create(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto course = r.string("course_id");
    SessionDraft d = read_draft_options(r);
    d.starts_at = r.instant("starts_at");
    d.ends_at = r.instant("ends_at");
    return to_json(e.create_session(actor, course, d));
}

json::value session_get(Engine& e, const json::object& req) {
    auto actor = read_actor(e, req);
    return to_json(e.get_session(actor, RequestReader(req).string("session_id")));
}

json::value session_list(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto course = r.string("course_id");
    auto filter = parse_session_filter(r.string_or("status", "all"));
    if (!filter) throw Error::invalid("status", "status: must be upcoming, live, past or all");
    return json::object{{"sessions", to_json_array(e.list_sessions(actor, course, *filter))}};
}

json::value session_update(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto id = r.string("session_id");
    SessionPatch p;
    p.title = r.optional_string("title");
    p.description = r.optional_string("description");
    p.starts_at = r.optional_instant("starts_at");
    p.ends_at = r.optional_instant("ends_at");
    p.timezone = r.optional_string("timezone");
    if (auto n = r.optional_integer("max_participants")) p.max_participants = static_cast<int>(*n);
    p.recording_enabled = r.optional_boolean("recording_enabled");
    p.expected_revision = r.optional_integer("revision", 1, std::numeric_limits<std::int64_t>::max());
    return to_json(e.update_session(actor, id, p));
}

json::value session_cancel(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto id = r.string("session_id");
    return to_json(e.cancel_session(actor, id, r.string_or("reason", "")));
}

json::value session_start(Engine& e, const json::object& req) {
    auto actor = read_actor(e, req);
    return to_json(e.start_session(actor, RequestReader(req).string("session_id")));
}

json::value session_end(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto id = r.string("session_id");
    auto recording = r.optional_string("recording_url");
    return to_json(e.end_session(actor, id, recording ? std::optional<std::string_view>(*recording) : std::nullopt));
}

json::value session_join(Engine& e, const json::object& req) {
    auto actor = read_actor(e, req);
    return to_json(e.join(actor, RequestReader(req).string("session_id")));
}

json::value session_leave(Engine& e, const json::object& req) {
    auto actor = read_actor(e, req);
    auto id = RequestReader(req).string("session_id");
    bool left = e.leave(actor, id);
    return json::object{{"session_id", id}, {"left", left}};
}

json::value token_create(Engine& e, const json::object& req) {
    auto actor = read_actor(e, req);
    return to_json(e.token(actor, RequestReader(req).string("session_id")));
}

json::value attendance_get(Engine& e, const json::object& req) {
    auto actor = read_actor(e, req);
    auto id = RequestReader(req).string("session_id");
    auto rows = e.attendance(actor, id);
    return json::object{{"session_id", id}, {"attendance", to_json_array(rows)}};
}

json::value statistics_get(Engine& e, const json::object& req) {
    auto actor = read_actor(e, req);
    return to_json(e.statistics(actor, RequestReader(req).string("session_id")));
}

json::value attendance_outcomes_get(Engine& e, const json::object& req) {
    auto actor = read_actor(e, req);
    return to_json(e.attendance_outcomes(actor, RequestReader(req).string("session_id")));
}

json::value presence_roster_get(Engine& e, const json::object& req) {
    auto actor = read_actor(e, req);
    return to_json(e.live_roster(actor, RequestReader(req).string("session_id")));
}

json::value attendance_override_set(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto session = r.string("session_id");
    auto user = r.string("user_id");
    std::optional<AttendanceOutcome> outcome;
    auto it = req.find("outcome");
    if (it == req.end()) throw Error::invalid("outcome", "outcome: required (present, late, left_early, absent or null)");
    if (!it->value().is_null()) {
        if (!it->value().is_string()) throw Error::invalid("outcome", "outcome: must be a string or null");
        outcome = parse_attendance_outcome(it->value().get_string());
        if (!outcome) throw Error::invalid("outcome", "outcome: must be present, late, left_early, absent or null");
    }
    return to_json(e.override_attendance(actor, session, user, outcome, r.string("reason")));
}

json::value attendance_override_log(Engine& e, const json::object& req) {
    auto actor = read_actor(e, req);
    auto session = RequestReader(req).string("session_id");
    json::array decisions;
    for (const auto& d : e.attendance_override_log(actor, session)) decisions.emplace_back(to_json(d));
    return json::object{{"session_id", session}, {"decisions", std::move(decisions)}};
}

json::value course_attendance_get(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto course = r.string("course_id");
    return to_json(e.course_attendance(actor, course, r.instant("from", true), r.instant("to", true)));
}

// -------------------------------------------------------------------- chat
json::value chat_post(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto id = r.string("session_id");
    auto type = parse_chat_type(r.string_or("type", "text"));
    if (!type) throw Error::invalid("type", "type: must be text, question or answer");
    auto body = r.string("body");
    auto reply_to = r.optional_string("reply_to");
    return to_json(
        e.post_chat(actor, id, *type, body, reply_to ? std::optional<std::string_view>(*reply_to) : std::nullopt));
}

json::value chat_list(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto id = r.string("session_id");
    auto cursor = r.optional_string("cursor");
    int limit = static_cast<int>(r.optional_integer("limit").value_or(default_chat_page));
    return to_json(e.list_chat(actor, id, cursor ? std::optional<std::string_view>(*cursor) : std::nullopt, limit));
}

// ------------------------------------------------------------------ series
std::optional<date::weekday> parse_weekday(std::string_view name) {
    static constexpr std::array<std::string_view, 7> names = {"sunday",   "monday", "tuesday", "wednesday",
                                                              "thursday", "friday", "saturday"};
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    for (unsigned i = 0; i < names.size(); ++i)
        if (names[i] == lower) return date::weekday{i};
    return std::nullopt;
}

std::chrono::minutes parse_start_time(const RequestReader& r) {
    auto text = r.string("start_time");
    auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
    if (text.size() == 5 && digit(0) && digit(1) && text[2] == ':' && digit(3) && digit(4)) {
        int h = (text[0] - '0') * 10 + (text[1] - '0');
        int m = (text[3] - '0') * 10 + (text[4] - '0');
        if (h < 24 && m < 60) return std::chrono::hours(h) + std::chrono::minutes(m);
    }
    throw Error::invalid("start_time", "start_time: must be a local time of day \"HH:MM\" (00:00 to 23:59)");
}

json::value series_create(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto course = r.string("course_id");
    SeriesDraft d;
    d.session = read_draft_options(r);
    auto& rule = d.rule;
    rule.timezone = d.session.timezone;
    auto first = r.optional_date("first_date");
    if (!first) throw Error::invalid("first_date", "first_date: is required");
    rule.first_date = *first;
    rule.start_time = parse_start_time(r);
    rule.duration = std::chrono::minutes(r.integer("duration_minutes"));
    auto* days = r.optional_array("weekdays");
    if (!days) throw Error::invalid("weekdays", "weekdays: is required");
    for (const auto& v : *days) {
        auto day = v.is_string() ? parse_weekday(v.get_string()) : std::nullopt;
        if (!day) throw Error::invalid("weekdays", "weekdays: each must be a day name such as \"tuesday\"");
        rule.weekdays.push_back(*day);
    }
    rule.interval_weeks = static_cast<int>(r.optional_integer("interval_weeks").value_or(1));
    if (auto n = r.optional_integer("count")) rule.count = static_cast<int>(*n);
    rule.until = r.optional_date("until");
    try {
        return to_json(e.create_series(actor, course, d));
    } catch (const Error& err) {
        // The rule speaks of "duration"; the request of "duration_minutes".
        if (err.field() != "duration") throw;
        throw Error(err.code(), "duration_minutes: must be between 1 and 1440 (24 hours)", err.reason(),
                    "duration_minutes");
    }
}

json::value series_cancel(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto id = r.string("series_id");
    Instant from = r.optional_instant("from").value_or(e.now());
    auto cancelled = e.cancel_series(actor, id, from, r.string_or("reason", ""));
    return json::object{{"sessions", to_json_array(cancelled)}};
}

// ---------------------------------------------------------------- calendar
json::value calendar_query(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    CalendarQuery q;
    q.start = r.instant("start", true);
    q.end = r.instant("end", true);
    auto status = r.string_or("status", "all");
    if (status != "all") {
        q.status = parse_session_status(status);
        if (!q.status) throw Error::invalid("status", "status: must be scheduled, live, ended, cancelled or all");
    }
    return json::object{{"events", to_json_array(e.calendar_events(actor, q))}};
}

json::value calendar_feed(Engine& e, const json::object& req) {
    return json::string(e.ical_feed(RequestReader(req).string("user_id")));
}

json::value calendar_feed_by_token(Engine& e, const json::object& req) {
    return json::string(e.ical_feed_by_token(RequestReader(req).string("token")));
}

json::value feed_token_get(Engine& e, const json::object& req) {
    auto user = RequestReader(req).string("user_id");
    auto token = e.feed_token(user);
    return json::object{{"user_id", user}, {"token", token}};
}

json::value feed_token_rotate(Engine& e, const json::object& req) {
    auto user = RequestReader(req).string("user_id");
    auto token = e.rotate_feed_token(user);
    return json::object{{"user_id", user}, {"token", token}};
}

// ---------------------------------------------------------------- presence
// The secret a sender presented: the token itself, or a whole
// "Bearer <token>" header value.
std::string presented_secret(const RequestReader& r) {
    return std::string(jitsi::bearer_token(r.string_or("secret", "")));
}

json::value presence_jitsi_event(Engine& e, const json::object& req) {
    RequestReader r(req);
    // The secret is checked before anything else is read: a sender without
    // it learns nothing, not even whether its request was well formed.
    auto secret = presented_secret(r);
    e.check_video_events_secret(secret);
    auto kind = r.string("kind");
    if (auto body = r.optional_string("body")) {
        if (r.optional_object("payload")) throw Error::invalid("payload", "payload: give either payload or body");
        return to_json(e.jitsi_event(secret, kind, parse_json_object(*body, "body")));
    }
    auto* payload = r.optional_object("payload");
    if (!payload) throw Error::invalid("payload", "payload: is required (or body, the raw JSON text)");
    return to_json(e.jitsi_event(secret, kind, *payload));
}

json::value presence_jaas_webhook(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto body = r.string("body");
    auto signature = r.string_or("signature", "");
    return to_json(e.jaas_webhook(body, signature));
}

json::value presence_room_census(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto secret = presented_secret(r);
    e.check_video_events_secret(secret);  // first, as for presence_jitsi_event
    return to_json(e.room_census(secret, req));
}

json::value presence_heartbeat(Engine& e, const json::object& req) {
    auto actor = read_actor(e, req);
    auto id = RequestReader(req).string("session_id");
    auto out = to_json(e.heartbeat(actor, id));
    out["session_id"] = id;
    return out;
}

json::value recording_set(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto id = r.string("session_id");
    auto url = r.string("recording_url");
    RecordingResult result;
    if (r.find("secret") && !r.find("actor")) {
        result = e.set_recording_by_secret(presented_secret(r), id, url);
    } else {
        auto actor = read_actor(e, req);
        result = e.set_recording(actor, id, url);
    }
    auto out = to_json(result.ack);
    out["session"] = result.session ? json::value(to_json(*result.session)) : json::value(nullptr);
    return out;
}

// ----------------------------------------------------------- notifications
constexpr int default_claim_limit = 10;
constexpr int default_lease_seconds = 60;
constexpr int default_notification_page = 50;

json::value notification_claim(Engine& e, const json::object& req) {
    RequestReader r(req);
    int limit = static_cast<int>(r.optional_integer("limit").value_or(default_claim_limit));
    auto lease = Seconds(r.optional_integer("lease_seconds").value_or(default_lease_seconds));
    return json::object{{"notifications", to_json_array(e.claim_notifications(limit, lease))}};
}

json::value notification_ack(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto* ids = r.optional_array("ids");
    if (!ids) throw Error::invalid("ids", "ids: is required (an array of notification ids)");
    std::vector<std::string> list;
    for (const auto& v : *ids) {
        if (!v.is_string()) throw Error::invalid("ids", "ids: each must be a notification id string");
        list.emplace_back(v.get_string());
    }
    json::array acked;
    for (auto& id : e.ack_notifications(list)) acked.emplace_back(json::string(id));
    return json::object{{"acked", std::move(acked)}};
}

json::value notification_fail(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto id = r.string("id");
    std::optional<int> attempt;
    if (auto a = r.optional_integer("attempts", 1)) attempt = static_cast<int>(*a);
    std::optional<Seconds> retry_in;
    if (auto d = r.optional_integer("retry_in_seconds", 0)) retry_in = Seconds(*d);
    return to_json(e.fail_notification(id, attempt, retry_in, r.string_or("error", "")));
}

json::value notification_list(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    auto cursor = r.optional_string("cursor");
    int limit = static_cast<int>(r.optional_integer("limit").value_or(default_notification_page));
    return to_json(
        e.list_notifications(actor, cursor ? std::optional<std::string_view>(*cursor) : std::nullopt, limit));
}

json::value notification_mark_read(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto actor = read_actor(e, req);
    return to_json(e.mark_notifications_read(actor, r.string("up_to")));
}

json::value notification_dead_list(Engine& e, const json::object& req) {
    RequestReader r(req);
    auto state = parse_notification_state(r.string_or("state", "dead"));
    if (!state) throw Error::invalid("state", "state: must be dead, pending or delivered");
    auto cursor = r.optional_string("cursor");
    int limit = static_cast<int>(r.optional_integer("limit").value_or(default_notification_page));
    return to_json(e.list_notifications_in_state(
        *state, cursor ? std::optional<std::string_view>(*cursor) : std::nullopt, limit));
}

json::value notification_retry(Engine& e, const json::object& req) {
    return to_json(e.retry_notification(RequestReader(req).string("id")));
}

// The same request and answer as roster_enroll: setting a role is enrolling
// with that role.
json::value roster_set_role(Engine& e, const json::object& req) { return roster_enroll(e, req); }

using Handler = json::value (*)(Engine&, const json::object&);

enum class Request { acting, acting_on_session, host, video_server };
enum class Answer { json, text };

struct Operation {
    std::string_view name;
    Handler handler;
    Request request;
    Answer answer;
};

// include/livecourse/operations.def: every operation's handler is the
// function of its name above.
constexpr Operation operation_table[] = {
#define LIVECOURSE_OPERATION(name, request, answer) {#name, name, Request::request, Answer::answer},
#include <livecourse/operations.def>
#undef LIVECOURSE_OPERATION
};

const Operation* find_operation(std::string_view name) {
    for (const auto& op : operation_table)
        if (op.name == name) return &op;
    return nullptr;
}

// The operations an actor does on one session, the hot path of a class
// (Request::acting_on_session): when the request has the plain form
// (codec::read_acting_on_session), it is read without a document and the
// result written straight as text. The actor is checked as read_actor checks
// it and the Engine call is the same, so the answers and errors are those of
// the handlers above. Nothing (a request of another form): the handler runs.
std::optional<std::string> call_acting_text(Engine& e, std::string_view operation, std::string_view request_json) {
    auto plain = codec::read_acting_on_session(request_json);
    if (!plain) return std::nullopt;
    const auto& limits = e.config().limits;
    auto actor = codec::make_actor(std::string(plain->user_id), std::string(plain->name), std::string(plain->email),
                                   std::string(plain->avatar), limits.max_id_bytes, limits.max_title_bytes,
                                   limits.max_url_bytes);
    std::string id(plain->session_id);
    if (operation == "session_join") return codec::join_result_text(e.join(actor, id));
    if (operation == "session_leave") return codec::leave_result_text(id, e.leave(actor, id));
    if (operation == "token_create") return codec::token_result_text(e.token(actor, id));
    if (operation == "presence_heartbeat") return codec::heartbeat_result_text(e.heartbeat(actor, id), id);
    return std::nullopt;
}

Error unknown_operation(std::string_view operation) {
    return Error(ErrorCode::not_found, fmt::format("unknown operation \"{}\"", operation), {}, "operation");
}

}  // namespace

json::value JsonApi::call(std::string_view operation, const json::object& request) {
    const Operation* op = find_operation(operation);
    if (!op) throw unknown_operation(operation);
    return op->handler(engine_, request);
}

std::string JsonApi::call_text(std::string_view operation, std::string_view request_json) {
    const Operation* op = find_operation(operation);
    if (!op) {
        parse_json_object(request_json, "request");  // a malformed request is named first, as by call()
        throw unknown_operation(operation);
    }
    if (op->request == Request::acting_on_session)
        if (auto text = call_acting_text(engine_, op->name, request_json)) return std::move(*text);
    auto result = op->handler(engine_, parse_json_object(request_json, "request"));
    if (op->answer == Answer::text && result.is_string()) return std::string(result.get_string());
    return to_json_text(result);
}

const std::vector<std::string>& JsonApi::operations() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& op : operation_table) out.emplace_back(op.name);
        return out;
    }();
    return names;
}

json::object parse_json_object(std::string_view text, std::string_view field) {
    std::string name(field);
    if (!validate::is_utf8(text)) throw Error::invalid(name, name + ": must be valid UTF-8");
    json::parse_options options;  // strict JSON: no comments, no trailing commas, valid UTF-8
    std::error_code ec;
    json::value v = json::parse(text, ec, json::storage_ptr(), options);
    if (ec) throw Error::invalid(name, fmt::format("{}: malformed JSON ({})", name, ec.message()));
    if (!v.is_object()) throw Error::invalid(name, name + ": must be a JSON object");
    return std::move(v.get_object());
}

// ------------------------------------------------------------ configuration
EngineConfig engine_config_from_json(const json::object& config) {
    RequestReader r(config);
    EngineConfig c;
    c.database = r.string("database");
    if (c.database.empty()) throw Error::invalid("database", "database: must name a SQLite file");
    if (auto* j = r.optional_object("jitsi")) {
        RequestReader jr(*j, "jitsi.");
        auto& jc = c.jitsi;
        if (auto mode = jr.optional_string("mode")) {
            auto m = jitsi::parse_mode(*mode);
            if (!m) throw Error::invalid("jitsi.mode", "jitsi.mode: must be public, self_hosted or jaas");
            jc.mode = *m;
        }
        auto str = [&](std::string_view key, std::string& out) {
            if (auto v = jr.optional_string(key)) out = std::move(*v);
        };
        str("server_url", jc.server_url);
        str("tenant", jc.tenant);
        str("app_id", jc.app_id);
        str("app_secret", jc.app_secret);
        str("subject", jc.subject);
        str("audience", jc.audience);
        str("jaas_key_id", jc.jaas_key_id);
        str("jaas_private_key_pem", jc.jaas_private_key_pem);
        str("room_prefix", jc.room_prefix);
        constexpr std::int64_t max_seconds = 10LL * 365 * 24 * 3600;
        auto secs = [&](std::string_view key, std::chrono::seconds& out) {
            if (auto v = jr.optional_integer(key, 0, max_seconds)) out = std::chrono::seconds(*v);
        };
        secs("token_grace_seconds", jc.token_grace);
        secs("token_cap_seconds", jc.token_cap);
        secs("not_before_skew_seconds", jc.not_before_skew);
        jc.livestreaming = jr.boolean_or("livestreaming", jc.livestreaming);
        jc.resolution = static_cast<int>(jr.optional_integer("resolution").value_or(jc.resolution));
        jc.channel_last_n = static_cast<int>(jr.optional_integer("channel_last_n").value_or(jc.channel_last_n));
        jc.start_audio_muted = jr.boolean_or("start_audio_muted", jc.start_audio_muted);
    }
    if (auto* cal = r.optional_object("calendar")) {
        RequestReader cr(*cal, "calendar.");
        auto& cc = c.calendar;
        cc.join_url_pattern = cr.string_or("join_url_pattern", cc.join_url_pattern);
        cc.organizer_email = cr.string_or("organizer_email", cc.organizer_email);
        cc.uid_domain = cr.string_or("uid_domain", cc.uid_domain);
        cc.calendar_name = cr.string_or("calendar_name", cc.calendar_name);
        cc.feed_secret = cr.string_or("feed_secret", cc.feed_secret);
    }
    c.participants_may_share_screen = r.boolean_or("participants_may_share_screen", false);
    if (auto* n = r.optional_object("notifications")) {
        RequestReader nr(*n, "notifications.");
        auto& nc = c.notifications;
        nc.max_attempts = static_cast<int>(nr.optional_integer("max_attempts", 1, 1000).value_or(nc.max_attempts));
        if (auto v = nr.optional_integer("first_retry_seconds", 1, 86400)) nc.first_retry = Seconds(*v);
        if (auto v = nr.optional_integer("max_retry_seconds", 1, 7 * 86400)) nc.max_retry = Seconds(*v);
    }
    if (auto* pr = r.optional_object("presence")) {
        RequestReader pj(*pr, "presence.");
        auto& pc = c.presence;
        pc.video_events_secret = pj.string_or("video_events_secret", pc.video_events_secret);
        pc.jaas_webhook_secret = pj.string_or("jaas_webhook_secret", pc.jaas_webhook_secret);
        pc.jaas_app_id = pj.string_or("jaas_app_id", pc.jaas_app_id);
        constexpr std::int64_t max_seconds = 7LL * 24 * 3600;
        auto secs = [&](std::string_view key, Seconds& out) {
            if (auto v = pj.optional_integer(key, 0, max_seconds)) out = Seconds(*v);
        };
        secs("jaas_signature_tolerance_seconds", pc.jaas_signature_tolerance);
        secs("presence_timeout_seconds", pc.presence_timeout);
        secs("clock_skew_seconds", pc.clock_skew);
    }
    if (auto* at = r.optional_object("attendance")) {
        RequestReader ar(*at, "attendance.");
        auto& ap = c.attendance;
        ap.minimum_share = ar.optional_number("minimum_share", 0.0, 1.0).value_or(ap.minimum_share);
        constexpr std::int64_t day = 24 * 3600;
        if (auto v = ar.optional_integer("late_after_seconds", 0, day)) ap.late_after = Seconds(*v);
        if (auto v = ar.optional_integer("early_leave_before_seconds", 0, day)) ap.early_leave_before = Seconds(*v);
        ap.count_before_instructor = ar.boolean_or("count_before_instructor", ap.count_before_instructor);
        if (auto v = ar.optional_integer("settle_seconds", 0, 7 * day)) c.attendance_settle = Seconds(*v);
    }
    return c;
}

}  // namespace livecourse
