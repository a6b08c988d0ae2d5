#include "support/fixtures.hpp"

#include <livecourse/json_api.hpp>

#include <boost/json.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace lc_test;
namespace json = boost::json;

namespace {

std::string actor_json(const Actor& a) {
    return json::serialize(json::object{{"user_id", a.user_id}, {"name", a.name}, {"email", a.email}});
}

struct Api {
    World world;
    JsonApi api{*world.engine};

    explicit Api(int students = 5, EngineConfig config = {}) : world(students, std::move(config)) {}

    json::object call(std::string_view op, const std::string& request) {
        return json::parse(api.call_text(op, request)).as_object();
    }
    // The error document a failing call produces.
    json::object error(std::string_view op, const std::string& request) {
        try {
            api.call_text(op, request);
        } catch (const Error& e) {
            return error_to_json(e).at("error").as_object();
        }
        FAIL("expected " << op << " to fail with " << request);
        return {};
    }
    std::string as(const Actor& a, const std::string& fields) {
        return "{\"actor\":" + actor_json(a) + (fields.empty() ? "" : "," + fields) + "}";
    }
    json::object create(const std::string& extra = {}) {
        auto start = format_rfc3339(world.clock->now() + 1h);
        auto end = format_rfc3339(world.clock->now() + 2h);
        return call("session_create", as(instructor, "\"course_id\":\"course-1\",\"title\":\"Q&A sur la gouvernance\","
                                                     "\"starts_at\":\"" + start + "\",\"ends_at\":\"" + end + "\"" +
                                                         (extra.empty() ? "" : "," + extra)));
    }
    json::object start(const json::object& s) {
        world.clock->set(*parse_rfc3339(json::value_to<std::string>(s.at("starts_at"))));
        return call("session_start", as(instructor, sid(s)));
    }
    static std::string sid(const json::object& s) {
        return "\"session_id\":\"" + json::value_to<std::string>(s.at("id")) + "\"";
    }
};

std::string str(const json::value& v) { return json::value_to<std::string>(v); }

std::set<std::string> keys(const json::object& o) {
    std::set<std::string> out;
    for (const auto& kv : o) out.insert(std::string(kv.key()));
    return out;
}

const std::set<std::string> session_fields = {
    "id",           "course_id",       "instructor_id",   "title",         "description",      "starts_at",
    "ends_at",      "timezone",        "max_participants", "recording_enabled", "jitsi_room_name", "jitsi_server_url",
    "status",       "actual_start_at", "actual_end_at",   "recording_url", "cancel_reason",    "series_id",
    "revision",     "created_at",      "updated_at"};

const std::set<std::string> statistics_fields = {
    "session_id",    "actual_duration_seconds", "participants_count",      "students_count",  "enrolled_count",
    "attendance_rate", "average_presence_seconds", "median_presence_seconds", "peak_concurrent", "recording_url"};

}  // namespace

TEST_CASE("codec: a session has exactly the vocabulary's fields, absent values null", "[codec]") {
    Api a;
    auto s = a.create("\"room_password\":true,\"max_participants\":30,\"recording_enabled\":true,"
                      "\"description\":\"Bring questions\",\"timezone\":\"Europe/Paris\"");
    CHECK(keys(s) == session_fields);
    CHECK(str(s.at("status")) == "scheduled");
    CHECK(str(s.at("course_id")) == "course-1");
    CHECK(str(s.at("instructor_id")) == "prof");
    CHECK(str(s.at("title")) == "Q&A sur la gouvernance");
    CHECK(str(s.at("description")) == "Bring questions");
    CHECK(str(s.at("timezone")) == "Europe/Paris");
    CHECK(s.at("max_participants").as_int64() == 30);
    CHECK(s.at("recording_enabled").as_bool());
    CHECK(s.at("revision").as_int64() == 1);
    CHECK(str(s.at("starts_at")) == "2026-03-07T14:00:00Z");
    CHECK(str(s.at("ends_at")) == "2026-03-07T15:00:00Z");
    CHECK(str(s.at("created_at")) == "2026-03-07T13:00:00Z");
    CHECK(str(s.at("jitsi_server_url")) == "https://meet.jit.si");
    for (auto k : {"actual_start_at", "actual_end_at", "recording_url", "cancel_reason", "series_id"})
        CHECK(s.at(k).is_null());
    // The password exists (a join returns it) but is never part of a session.
    CHECK(json::serialize(s).find("password") == std::string::npos);
}

TEST_CASE("codec: session get returns the created session unchanged (round trip)", "[codec]") {
    Api a;
    auto s = a.create();
    CHECK(a.call("session_get", a.as(instructor, Api::sid(s))) == s);
    // Everyone else reads the same session without its room name (access.hpp).
    auto without_room = s;
    without_room["jitsi_room_name"] = nullptr;
    CHECK(a.call("session_get", a.as(student(0), Api::sid(s))) == without_room);
    auto listed = a.call("session_list", a.as(student(1), "\"course_id\":\"course-1\",\"status\":\"upcoming\""));
    REQUIRE(listed.at("sessions").as_array().size() == 1);
    CHECK(listed.at("sessions").as_array()[0].as_object() == without_room);
    CHECK(a.call("session_list", a.as(student(1), "\"course_id\":\"course-1\",\"status\":\"live\""))
              .at("sessions")
              .as_array()
              .empty());
    // null means absent: the default filter (all).
    CHECK(a.call("session_list", a.as(student(1), "\"course_id\":\"course-1\",\"status\":null"))
              .at("sessions")
              .as_array()
              .size() == 1);
}

TEST_CASE("codec: a session withheld its room name keeps the key, null", "[codec][room]") {
    Api a(3);
    auto s = a.create("\"max_participants\":1");
    auto sid = Api::sid(s);
    auto room = str(s.at("jitsi_room_name"));
    REQUIRE_FALSE(room.empty());
    auto live = a.start(s);
    CHECK(str(live.at("jitsi_room_name")) == room);
    CHECK(str(a.call("session_join", a.as(student(0), sid)).at("jitsi_room_name")) == room);
    CHECK(str(a.error("session_join", a.as(student(1), sid)).at("code")) == "session_full");

    auto seen = a.call("session_get", a.as(student(1), sid));
    CHECK(keys(seen) == session_fields);
    CHECK(seen.at("jitsi_room_name").is_null());
    CHECK(str(seen.at("jitsi_server_url")) == "https://meet.jit.si");
    auto listed = a.call("session_list", a.as(student(1), "\"course_id\":\"course-1\""));
    REQUIRE(listed.at("sessions").as_array().size() == 1);
    CHECK(keys(listed.at("sessions").as_array()[0].as_object()) == session_fields);
    CHECK(listed.at("sessions").as_array()[0].at("jitsi_room_name").is_null());
    auto window = "\"start\":\"" + format_rfc3339(a.world.clock->now() - 2h) + "\",\"end\":\"" +
                  format_rfc3339(a.world.clock->now() + 2h) + "\"";
    auto events = a.call("calendar_query", a.as(student(1), window));
    REQUIRE(events.at("events").as_array().size() == 1);
    CHECK(json::serialize(events).find(room) == std::string::npos);
    CHECK(json::serialize(a.call("session_get", a.as(instructor, sid))).find(room) != std::string::npos);
}

TEST_CASE("codec: the Q&A use case through JSON: join, token, chat, leave, end, statistics, attendance", "[codec]") {
    Api a(3);
    auto s = a.create("\"room_password\":true");
    auto sid = Api::sid(s);
    auto live = a.start(s);
    CHECK(str(live.at("status")) == "live");
    CHECK(str(live.at("actual_start_at")) == str(s.at("starts_at")));
    CHECK(live.at("revision").as_int64() == 2);

    auto join = a.call("session_join", a.as(student(0), sid));
    CHECK(keys(join) == std::set<std::string>{"session_id", "jitsi_room_name", "jitsi_join_url", "jitsi_room_password",
                                             "rejoined"});
    CHECK(str(join.at("session_id")) == str(s.at("id")));
    CHECK(str(join.at("jitsi_room_name")) == str(s.at("jitsi_room_name")));
    CHECK(str(join.at("jitsi_room_password")).size() == jitsi::room_password_length);
    CHECK(str(join.at("jitsi_join_url")).rfind("https://meet.jit.si/", 0) == 0);
    CHECK_FALSE(join.at("rejoined").as_bool());
    CHECK(a.call("session_join", a.as(student(0), sid)).at("rejoined").as_bool());
    a.call("session_join", a.as(student(1), sid));

    auto token = a.call("token_create", a.as(student(0), sid));
    CHECK(keys(token) == std::set<std::string>{"jwt", "jitsi_join_url", "expires_at"});
    CHECK(token.at("jwt").is_null());  // public meet.jit.si
    CHECK(str(token.at("expires_at")) == "2026-03-07T15:15:00Z");

    auto q = a.call("chat_post", a.as(student(0), sid + ",\"type\":\"question\",\"body\":\"Qui nomme le conseil ?\""));
    CHECK(keys(q) == std::set<std::string>{"id", "session_id", "user_id", "type", "body", "reply_to", "created_at"});
    CHECK(str(q.at("type")) == "question");
    CHECK(q.at("reply_to").is_null());
    CHECK(str(q.at("user_id")) == "stu-0");
    auto ans = a.call("chat_post", a.as(instructor, sid + ",\"type\":\"answer\",\"body\":\"L'AG.\",\"reply_to\":\"" +
                                                        str(q.at("id")) + "\""));
    CHECK(str(ans.at("reply_to")) == str(q.at("id")));
    auto plain = a.call("chat_post", a.as(student(1), sid + ",\"body\":\"merci\""));
    CHECK(str(plain.at("type")) == "text");

    auto page = a.call("chat_list", a.as(student(0), sid + ",\"limit\":2"));
    REQUIRE(page.at("messages").as_array().size() == 2);
    CHECK(str(page.at("messages").as_array()[0].at("id")) == str(q.at("id")));
    REQUIRE(page.at("next_cursor").is_string());
    auto rest = a.call("chat_list", a.as(student(0), sid + ",\"cursor\":\"" + str(page.at("next_cursor")) + "\""));
    REQUIRE(rest.at("messages").as_array().size() == 1);
    CHECK(rest.at("next_cursor").is_null());

    a.world.clock->advance(10min);
    auto left = a.call("session_leave", a.as(student(1), sid));
    CHECK(left == json::object{{"session_id", str(s.at("id"))}, {"left", true}});
    CHECK_FALSE(a.call("session_leave", a.as(student(2), sid)).at("left").as_bool());

    a.world.clock->advance(50min);
    auto end = a.call("session_end", a.as(instructor, sid + ",\"recording_url\":\"https://rec.example.edu/1.mp4\""));
    auto end_keys = session_fields;
    end_keys.insert("statistics");
    CHECK(keys(end) == end_keys);
    CHECK(str(end.at("status")) == "ended");
    CHECK(str(end.at("recording_url")) == "https://rec.example.edu/1.mp4");
    auto st = end.at("statistics").as_object();
    CHECK(keys(st) == statistics_fields);
    CHECK(st.at("actual_duration_seconds").as_int64() == 3600);
    CHECK(st.at("participants_count").as_int64() == 2);
    CHECK(st.at("students_count").as_int64() == 2);
    CHECK(st.at("enrolled_count").as_int64() == 3);
    CHECK(st.at("attendance_rate").to_number<double>() == Approx(2.0 / 3));
    // Integral seconds are written as integers ("3000", not "3E3").
    CHECK(st.at("average_presence_seconds").is_int64());
    CHECK(st.at("average_presence_seconds").as_int64() == (3600 + 600) / 2);
    CHECK(st.at("peak_concurrent").as_int64() == 2);
    CHECK(str(st.at("recording_url")) == "https://rec.example.edu/1.mp4");

    auto stats = a.call("statistics_get", a.as(instructor, sid));
    CHECK(stats == st);

    auto att = a.call("attendance_get", a.as(instructor, sid));
    CHECK(str(att.at("session_id")) == str(s.at("id")));
    auto rows = att.at("attendance").as_array();
    REQUIRE(rows.size() == 2);
    auto r0 = rows[0].as_object();
    CHECK(keys(r0) == std::set<std::string>{"user_id", "role", "present_seconds", "joins", "first_join_at",
                                            "last_leave_at", "is_present", "source"});
    CHECK(str(r0.at("user_id")) == "stu-0");
    CHECK(str(r0.at("role")) == "student");
    CHECK(r0.at("present_seconds").as_int64() == 3600);
    CHECK(r0.at("joins").as_int64() == 2);
    CHECK(str(r0.at("first_join_at")) == "2026-03-07T14:00:00Z");
    CHECK_FALSE(r0.at("is_present").as_bool());
    CHECK(str(r0.at("source")) == "client");
    CHECK(str(rows[1].at("last_leave_at")) == "2026-03-07T14:10:00Z");
}

TEST_CASE("codec: statistics before a start: unknowns are null, never invented", "[codec]") {
    EngineConfig cfg;
    Api a(0, cfg);
    auto s = a.create();
    auto st = a.call("statistics_get", a.as(instructor, Api::sid(s)));
    CHECK(keys(st) == statistics_fields);
    CHECK(st.at("enrolled_count").as_int64() == 0);
    CHECK(st.at("recording_url").is_null());
    CHECK(st.at("actual_duration_seconds").as_int64() == 0);
}

TEST_CASE("codec: calendar events: type live_session, dates or RFC 3339 bounds, status filter", "[codec]") {
    Api a;
    auto s = a.create();
    auto ev = a.call("calendar_query", a.as(student(0), "\"start\":\"2026-03-07\",\"end\":\"2026-03-08\""));
    REQUIRE(ev.at("events").as_array().size() == 1);
    auto e = ev.at("events").as_array()[0].as_object();
    CHECK(keys(e) == std::set<std::string>{"type", "id", "course_id", "title", "starts_at", "ends_at", "status",
                                           "join_url"});
    CHECK(str(e.at("type")) == "live_session");
    CHECK(str(e.at("id")) == str(s.at("id")));
    CHECK(str(e.at("join_url")) == "/courses/course-1/live-sessions/" + str(s.at("id")) + "/join");
    CHECK(str(e.at("status")) == "scheduled");
    // The plain date means 00:00Z, and end is exclusive.
    CHECK(a.call("calendar_query", a.as(student(0), "\"start\":\"2026-03-06\",\"end\":\"2026-03-07\""))
              .at("events")
              .as_array()
              .empty());
    CHECK(a.call("calendar_query",
                 a.as(student(0), "\"start\":\"2026-03-07T13:30:00Z\",\"end\":\"2026-03-07T15:30:00+01:00\""))
              .at("events")
              .as_array()
              .size() == 1);
    CHECK(a.call("calendar_query", a.as(student(0), "\"start\":\"2026-03-07\",\"end\":\"2026-03-08\",\"status\":\"live\""))
              .at("events")
              .as_array()
              .empty());
    CHECK(a.call("calendar_query",
                 a.as(student(0), "\"start\":\"2026-03-07\",\"end\":\"2026-03-08\",\"status\":\"scheduled\""))
              .at("events")
              .as_array()
              .size() == 1);
    CHECK(a.call("calendar_query", a.as(outsider, "\"start\":\"2026-03-07\",\"end\":\"2026-03-08\""))
              .at("events")
              .as_array()
              .empty());
    auto bad = a.error("calendar_query", a.as(student(0), "\"start\":\"2026-02-30\",\"end\":\"2026-03-08\""));
    CHECK(str(bad.at("field")) == "start");
    bad = a.error("calendar_query", a.as(student(0), "\"start\":\"2026-03-07\",\"end\":\"2026-03-08\",\"status\":\"soon\""));
    CHECK(str(bad.at("field")) == "status");
    bad = a.error("calendar_query", a.as(student(0), "\"start\":\"2026-03-07\""));
    CHECK(str(bad.at("field")) == "end");
}

TEST_CASE("codec: session update, cancel and optimistic revision", "[codec]") {
    Api a;
    auto s = a.create();
    auto sid = Api::sid(s);
    auto u = a.call("session_update", a.as(instructor, sid + ",\"title\":\"Nouveau titre\",\"max_participants\":10,"
                                                             "\"recording_enabled\":true,\"revision\":1,"
                                                             "\"description\":null"));
    CHECK(str(u.at("title")) == "Nouveau titre");
    CHECK(u.at("max_participants").as_int64() == 10);
    CHECK(u.at("recording_enabled").as_bool());
    CHECK(u.at("revision").as_int64() == 2);
    auto stale = a.error("session_update", a.as(instructor, sid + ",\"title\":\"x\",\"revision\":1"));
    CHECK(str(stale.at("code")) == "revision_mismatch");
    CHECK(str(stale.at("category")) == "conflict");
    CHECK(str(stale.at("field")) == "revision");
    auto moved = a.call("session_update", a.as(instructor, sid + ",\"starts_at\":\"2026-03-08T10:00:00Z\","
                                                                 "\"ends_at\":\"2026-03-08T11:30:00Z\""));
    CHECK(str(moved.at("starts_at")) == "2026-03-08T10:00:00Z");
    auto c = a.call("session_cancel", a.as(instructor, sid + ",\"reason\":\"malade\""));
    CHECK(str(c.at("status")) == "cancelled");
    CHECK(str(c.at("cancel_reason")) == "malade");
    auto again = a.error("session_start", a.as(instructor, sid));
    CHECK(str(again.at("code")) == "session_cancelled");
    CHECK(str(again.at("category")) == "conflict");
}

TEST_CASE("codec: series: weekday names, local start time, first date, count or until", "[codec]") {
    Api a;
    auto r = a.call("series_create",
                    a.as(instructor, "\"course_id\":\"course-1\",\"title\":\"Cours\",\"timezone\":\"Europe/Paris\","
                                     "\"first_date\":\"2026-09-01\",\"start_time\":\"10:00\",\"duration_minutes\":90,"
                                     "\"weekdays\":[\"tuesday\",\"Thursday\"],\"count\":4,\"max_participants\":20"));
    auto series = r.at("series").as_object();
    CHECK(keys(series) == std::set<std::string>{"id", "course_id", "instructor_id", "rule", "created_at"});
    CHECK(str(series.at("course_id")) == "course-1");
    auto sessions = r.at("sessions").as_array();
    REQUIRE(sessions.size() == 4);
    CHECK(str(sessions[0].at("starts_at")) == "2026-09-01T08:00:00Z");  // 10:00 CEST
    CHECK(str(sessions[0].at("ends_at")) == "2026-09-01T09:30:00Z");
    CHECK(str(sessions[1].at("starts_at")) == "2026-09-03T08:00:00Z");
    CHECK(str(sessions[0].at("series_id")) == str(series.at("id")));
    CHECK(str(sessions[0].at("timezone")) == "Europe/Paris");
    CHECK(sessions[0].at("max_participants").as_int64() == 20);

    auto until = a.call("series_create",
                        a.as(instructor, "\"course_id\":\"course-1\",\"title\":\"Cours\",\"first_date\":\"2026-09-01\","
                                         "\"start_time\":\"23:59\",\"duration_minutes\":1,\"weekdays\":[\"monday\"],"
                                         "\"interval_weeks\":2,\"until\":\"2026-10-01\""));
    CHECK(until.at("sessions").as_array().size() == 2);  // Sep 7 and Sep 21 (UTC default)

    auto cancelled = a.call("series_cancel", a.as(instructor, "\"series_id\":\"" + str(series.at("id")) +
                                                                  "\",\"from\":\"2026-09-02T00:00:00Z\",\"reason\":\"fin\""));
    CHECK(cancelled.at("sessions").as_array().size() == 3);
    CHECK(str(cancelled.at("sessions").as_array()[0].at("status")) == "cancelled");

    auto base = std::string("\"course_id\":\"course-1\",\"title\":\"C\",\"first_date\":\"2026-09-01\","
                            "\"start_time\":\"10:00\",\"duration_minutes\":60,\"weekdays\":[\"monday\"],\"count\":2");
    auto field_of = [&](std::string fields) { return str(a.error("series_create", a.as(instructor, fields)).at("field")); };
    auto replace = [&](std::string key, std::string value) {
        std::regex re("\"" + key + "\":(\"[^\"]*\"|\\[[^\\]]*\\]|[0-9]+)");
        return std::regex_replace(base, re, "\"" + key + "\":" + value);
    };
    CHECK(field_of(replace("weekdays", "[\"mardi\"]")) == "weekdays");
    CHECK(field_of(replace("weekdays", "[2]")) == "weekdays");
    CHECK(field_of(replace("weekdays", "[]")) == "weekdays");
    CHECK(field_of(replace("weekdays", "\"monday\"")) == "weekdays");
    CHECK(field_of(replace("start_time", "\"24:00\"")) == "start_time");
    CHECK(field_of(replace("start_time", "\"10h\"")) == "start_time");
    CHECK(field_of(replace("first_date", "\"2026-02-30\"")) == "first_date");
    CHECK(field_of(replace("first_date", "\"01/09/2026\"")) == "first_date");
    CHECK(field_of(replace("duration_minutes", "0")) == "duration_minutes");
    CHECK(field_of(replace("duration_minutes", "1441")) == "duration_minutes");
    CHECK(field_of(replace("duration_minutes", "\"90\"")) == "duration_minutes");
    CHECK(field_of(replace("count", "0")) == "count");
    CHECK(field_of(base + ",\"until\":\"2026-10-01\"") == "until");
    CHECK(field_of(base + ",\"timezone\":\"Mars/Olympus\"") == "timezone");
    CHECK(field_of(base + ",\"interval_weeks\":53") == "interval_weeks");
}

TEST_CASE("codec: roster and user operations", "[codec]") {
    Api a(0);
    auto r = a.call("roster_enroll", "{\"course_id\":\"c2\",\"user_id\":\"u\",\"role\":\"student\"}");
    CHECK(r == json::object{{"course_id", "c2"}, {"user_id", "u"}, {"role", "student"}});
    CHECK(str(a.call("roster_get_role", "{\"course_id\":\"c2\",\"user_id\":\"u\"}").at("role")) == "student");
    a.call("roster_set_role", "{\"course_id\":\"c2\",\"user_id\":\"u\",\"role\":\"moderator\"}");
    CHECK(str(a.call("roster_get_role", "{\"course_id\":\"c2\",\"user_id\":\"u\"}").at("role")) == "moderator");
    CHECK(str(a.call("roster_unenroll", "{\"course_id\":\"c2\",\"user_id\":\"u\"}").at("role")) == "none");
    CHECK(str(a.call("roster_get_role", "{\"course_id\":\"c2\",\"user_id\":\"u\"}").at("role")) == "none");
    CHECK(str(a.error("roster_enroll", "{\"course_id\":\"c2\",\"user_id\":\"u\",\"role\":\"none\"}").at("field")) ==
          "role");
    CHECK(str(a.error("roster_enroll", "{\"course_id\":\"c2\",\"user_id\":\"u\",\"role\":\"admin\"}").at("field")) ==
          "role");
    CHECK(str(a.error("roster_get_role", "{\"course_id\":\"\",\"user_id\":\"u\"}").at("field")) == "course_id");
    auto u = a.call("user_put", "{\"user_id\":\"u\",\"name\":\"Ada\",\"email\":\"ada@example.edu\"}");
    CHECK(u == json::object{{"user_id", "u"}, {"name", "Ada"}, {"email", "ada@example.edu"}, {"avatar", ""}});
}

TEST_CASE("codec: feed tokens and feeds: the feed is raw iCal text", "[codec]") {
    Api a;
    a.create();
    auto t = a.call("feed_token_get", "{\"user_id\":\"stu-0\"}");
    CHECK(keys(t) == std::set<std::string>{"user_id", "token"});
    auto token = str(t.at("token"));
    CHECK(str(a.call("feed_token_get", "{\"user_id\":\"stu-0\"}").at("token")) == token);
    auto feed = a.api.call_text("calendar_feed_by_token", "{\"token\":\"" + token + "\"}");
    CHECK(feed.rfind("BEGIN:VCALENDAR\r\n", 0) == 0);
    CHECK(feed.find("SUMMARY:Q&A sur la gouvernance") != std::string::npos);
    CHECK(a.api.call_text("calendar_feed", "{\"user_id\":\"stu-0\"}").rfind("BEGIN:VCALENDAR", 0) == 0);
    // call() hands the text back as a JSON string.
    CHECK(a.api.call("calendar_feed", json::object{{"user_id", "stu-0"}}).is_string());
    auto rotated = str(a.call("feed_token_rotate", "{\"user_id\":\"stu-0\"}").at("token"));
    CHECK(rotated != token);
    auto e = a.error("calendar_feed_by_token", "{\"token\":\"" + token + "\"}");
    CHECK(str(e.at("code")) == "invalid_token");
    CHECK(str(e.at("category")) == "unauthenticated");
    CHECK(str(a.error("calendar_feed_by_token", "{}").at("field")) == "token");
}

TEST_CASE("codec: request parsing is strict and names the field", "[codec]") {
    Api a;
    auto s = a.create();
    auto sid = Api::sid(s);
    auto field = [&](std::string_view op, const std::string& req) {
        auto e = a.error(op, req);
        CHECK(str(e.at("category")) == "invalid_argument");
        CHECK(str(e.at("code")) == "invalid_argument");
        return e.at("field").is_null() ? std::string("<null>") : str(e.at("field"));
    };
    auto create = [&](const std::string& fields) {
        return a.as(instructor, "\"course_id\":\"course-1\",\"title\":\"T\"," + fields);
    };
    const std::string times = "\"starts_at\":\"2026-03-08T10:00:00Z\",\"ends_at\":\"2026-03-08T11:00:00Z\"";
    CHECK(field("session_create", create("\"ends_at\":\"2026-03-08T11:00:00Z\"")) == "starts_at");
    CHECK(field("session_create", create("\"starts_at\":\"2026-03-08T10:00:00Z\"")) == "ends_at");
    CHECK(field("session_create", create("\"starts_at\":\"tomorrow\",\"ends_at\":\"2026-03-08T11:00:00Z\"")) ==
          "starts_at");
    CHECK(field("session_create", create("\"starts_at\":\"2026-03-08\",\"ends_at\":\"2026-03-08T11:00:00Z\"")) ==
          "starts_at");
    CHECK(field("session_create", create("\"starts_at\":1772964000,\"ends_at\":\"2026-03-08T11:00:00Z\"")) ==
          "starts_at");
    CHECK(field("session_create", create(times + ",\"max_participants\":\"50\"")) == "max_participants");
    CHECK(field("session_create", create(times + ",\"max_participants\":50.5")) == "max_participants");
    CHECK(field("session_create", create(times + ",\"max_participants\":50.0")) == "max_participants");
    CHECK(field("session_create", create(times + ",\"max_participants\":99999999999")) == "max_participants");
    CHECK(field("session_create", create(times + ",\"max_participants\":18446744073709551615")) ==
          "max_participants");
    CHECK(field("session_create", create(times + ",\"max_participants\":0")) == "max_participants");
    CHECK(field("session_create", create(times + ",\"recording_enabled\":1")) == "recording_enabled");
    CHECK(field("session_create", create(times + ",\"room_password\":\"yes\"")) == "room_password");
    CHECK(field("session_create", create(times + ",\"description\":42")) == "description");
    CHECK(field("session_create", create(times + ",\"timezone\":\"Nowhere/City\"")) == "timezone");
    CHECK(field("session_create", a.as(instructor, "\"course_id\":\"course-1\"," + times)) == "title");
    CHECK(field("session_create", a.as(instructor, "\"course_id\":7,\"title\":\"T\"," + times)) == "course_id");
    CHECK(field("session_create", a.as(instructor, "\"title\":\"T\"," + times)) == "course_id");
    CHECK(field("session_get", a.as(instructor, "")) == "session_id");
    CHECK(field("session_get", a.as(instructor, "\"session_id\":null")) == "session_id");
    CHECK(field("session_get", a.as(instructor, "\"session_id\":[1]")) == "session_id");
    CHECK(field("session_list", a.as(instructor, "\"course_id\":\"course-1\",\"status\":\"soon\"")) == "status");
    CHECK(field("session_update", a.as(instructor, sid + ",\"revision\":\"1\"")) == "revision");
    CHECK(field("session_update", a.as(instructor, sid + ",\"ends_at\":false")) == "ends_at");
    CHECK(field("chat_post", a.as(instructor, sid + ",\"type\":\"shout\",\"body\":\"x\"")) == "type");
    CHECK(field("chat_post", a.as(instructor, sid)) == "body");
    CHECK(field("chat_list", a.as(instructor, sid + ",\"limit\":\"10\"")) == "limit");
    CHECK(field("chat_list", a.as(instructor, sid + ",\"limit\":0")) == "limit");
    CHECK(field("session_end", a.as(instructor, sid + ",\"recording_url\":5")) == "recording_url");
    CHECK(field("session_cancel", a.as(instructor, sid + ",\"reason\":{}")) == "reason");
    CHECK(field("series_cancel", a.as(instructor, "\"series_id\":\"x\",\"from\":\"now\"")) == "from");
    CHECK(field("roster_enroll", "{\"course_id\":\"c\",\"user_id\":\"u\"}") == "role");
    CHECK(field("feed_token_get", "{}") == "user_id");

    // The actor.
    auto unauth = a.error("session_get", "{" + sid + "}");
    CHECK(str(unauth.at("category")) == "unauthenticated");
    CHECK(str(unauth.at("code")) == "unauthenticated");
    CHECK(str(unauth.at("field")) == "actor");
    CHECK(str(a.error("session_get", "{\"actor\":{}," + sid + "}").at("category")) == "unauthenticated");
    CHECK(str(a.error("session_get", "{\"actor\":{\"user_id\":\"\"}," + sid + "}").at("category")) ==
          "unauthenticated");
    CHECK(field("session_get", "{\"actor\":\"prof\"," + sid + "}") == "actor");
    CHECK(field("session_get", "{\"actor\":{\"user_id\":1}," + sid + "}") == "actor.user_id");
    CHECK(field("session_get", "{\"actor\":{\"user_id\":\"prof\",\"name\":[]}," + sid + "}") == "actor.name");
    CHECK(field("session_get", "{\"actor\":{\"user_id\":\"prof\",\"name\":\"a\\nb\"}," + sid + "}") == "actor.name");
    CHECK(field("session_get", "{\"actor\":{\"user_id\":\"prof\",\"avatar\":\"ftp://x\"}," + sid + "}") ==
          "actor.avatar");
    CHECK(field("session_get", "{\"actor\":{\"user_id\":\"" + std::string(129, 'u') + "\"}," + sid + "}") ==
          "actor.user_id");

    // The document itself.
    CHECK(field("session_get", "") == "request");
    CHECK(field("session_get", "{") == "request");
    CHECK(field("session_get", "[]") == "request");
    CHECK(field("session_get", "\"x\"") == "request");
    CHECK(field("session_get", "{\"a\":1,}") == "request");
    CHECK(field("session_get", "{/*c*/}") == "request");
    CHECK(field("session_get", "{} {}") == "request");
    CHECK(field("session_get", "{\"title\":\"\xff\"}") == "request");
    CHECK(field("session_get", "{\"title\":\"\xc3\"}") == "request");
    CHECK(field("session_get", "{\"title\":\"\xed\xa0\x80\"}") == "request");  // a UTF-16 surrogate
    // Unknown fields are ignored.
    CHECK(str(a.call("session_get", a.as(instructor, sid + ",\"x-extra\":[1,2]")).at("id")) == str(s.at("id")));
}

TEST_CASE("codec: engine errors map to the most specific code, the category and the field", "[codec]") {
    Api a(2);
    auto s = a.create("\"max_participants\":1");
    auto sid = Api::sid(s);
    auto check = [&](std::string_view op, const std::string& req, std::string code, std::string category) {
        auto e = a.error(op, req);
        CHECK(str(e.at("code")) == code);
        CHECK(str(e.at("category")) == category);
        CHECK(keys(e) == std::set<std::string>{"code", "category", "message", "field"});
        CHECK_FALSE(str(e.at("message")).empty());
    };
    check("session_get", a.as(instructor, "\"session_id\":\"no-such\""), "not_found", "not_found");
    check("session_get", a.as(outsider, sid), "not_enrolled", "forbidden");
    check("session_start", a.as(student(0), sid), "forbidden", "forbidden");
    check("session_join", a.as(student(0), sid), "not_live", "forbidden");
    check("no_such_operation", "{}", "not_found", "not_found");
    a.start(s);
    a.call("session_join", a.as(student(0), sid));
    check("session_join", a.as(student(1), sid), "session_full", "session_full");
    check("token_create", a.as(student(1), sid), "not_participant", "forbidden");
    a.call("session_end", a.as(instructor, sid));
    check("session_join", a.as(student(0), sid), "session_ended", "forbidden");

    CHECK(str(a.error("no_such_operation", "{}").at("field")) == "operation");
    CHECK(a.error("session_get", a.as(instructor, "\"session_id\":\"no-such\"")).at("field").is_null());
}

TEST_CASE("codec: error_to_json: every category, null field, valid UTF-8 whatever the message", "[codec]") {
    for (auto [code, name] : std::initializer_list<std::pair<ErrorCode, std::string>>{
             {ErrorCode::invalid_argument, "invalid_argument"},
             {ErrorCode::not_found, "not_found"},
             {ErrorCode::forbidden, "forbidden"},
             {ErrorCode::conflict, "conflict"},
             {ErrorCode::session_full, "session_full"},
             {ErrorCode::storage, "storage"},
             {ErrorCode::unauthenticated, "unauthenticated"},
             {ErrorCode::internal, "internal"},
             {ErrorCode::host_callback, "host_callback"},
             {ErrorCode::would_block, "would_block"}}) {
        auto e = error_to_json(Error(code, "boom")).at("error").as_object();
        CHECK(str(e.at("code")) == name);
        CHECK(str(e.at("category")) == name);
        CHECK(str(e.at("message")) == "boom");
        CHECK(e.at("field").is_null());
    }
    auto e = error_to_json(Error(ErrorCode::forbidden, "no", "not_enrolled", "course_id")).at("error").as_object();
    CHECK(str(e.at("code")) == "not_enrolled");
    CHECK(str(e.at("category")) == "forbidden");
    CHECK(str(e.at("field")) == "course_id");
    auto bad = error_to_json(Error::invalid("title", "title \xff\xc3 x"));
    auto text = json::serialize(bad);
    CHECK(text.find("title \xEF\xBF\xBD\xEF\xBF\xBD x") != std::string::npos);
    CHECK_NOTHROW(json::parse(text));
}

TEST_CASE("codec: engine configuration from JSON", "[codec]") {
    auto cfg = engine_config_from_json(
        parse_json_object(R"({"database":"/tmp/x.db",
          "jitsi":{"mode":"self_hosted","server_url":"https://meet.example.com","tenant":"t","app_id":"lms",
                   "app_secret":"0123456789abcdef0123456789abcdef","subject":"meet.example.com","audience":"aud",
                   "room_prefix":"mdsc","token_grace_seconds":60,"token_cap_seconds":7200,
                   "not_before_skew_seconds":5,"livestreaming":true,"resolution":720,"channel_last_n":10,
                   "start_audio_muted":false,"unknown":1},
          "calendar":{"join_url_pattern":"https://lms/{course}/{id}","organizer_email":"o@x.edu","uid_domain":"lms.edu",
                      "calendar_name":"Cours","feed_secret":"ffffffffffffffffffffffffffffffff"},
          "participants_may_share_screen":true})",
                          "config"));
    CHECK(cfg.database == "/tmp/x.db");
    CHECK(cfg.jitsi.mode == jitsi::Mode::self_hosted);
    CHECK(cfg.jitsi.server_url == "https://meet.example.com");
    CHECK(cfg.jitsi.tenant == "t");
    CHECK(cfg.jitsi.app_id == "lms");
    CHECK(cfg.jitsi.app_secret.size() == 32);
    CHECK(cfg.jitsi.subject == "meet.example.com");
    CHECK(cfg.jitsi.audience == "aud");
    CHECK(cfg.jitsi.room_prefix == "mdsc");
    CHECK(cfg.jitsi.token_grace == 60s);
    CHECK(cfg.jitsi.token_cap == 7200s);
    CHECK(cfg.jitsi.not_before_skew == 5s);
    CHECK(cfg.jitsi.livestreaming);
    CHECK(cfg.jitsi.resolution == 720);
    CHECK(cfg.jitsi.channel_last_n == 10);
    CHECK_FALSE(cfg.jitsi.start_audio_muted);
    CHECK(cfg.calendar.join_url_pattern == "https://lms/{course}/{id}");
    CHECK(cfg.calendar.organizer_email == "o@x.edu");
    CHECK(cfg.calendar.uid_domain == "lms.edu");
    CHECK(cfg.calendar.calendar_name == "Cours");
    CHECK(cfg.calendar.feed_secret.size() == 32);
    CHECK(cfg.participants_may_share_screen);

    auto defaults = engine_config_from_json(parse_json_object(R"({"database":"a.db"})"));
    CHECK(defaults.jitsi.mode == jitsi::Mode::public_server);
    CHECK(defaults.jitsi.token_grace == 15min);
    CHECK(defaults.calendar.feed_secret.empty());
    CHECK(engine_config_from_json(parse_json_object(R"({"database":"a","jitsi":{"mode":"public"}})")).jitsi.mode ==
          jitsi::Mode::public_server);
    CHECK(engine_config_from_json(parse_json_object(R"({"database":"a","jitsi":{"mode":"jaas"}})")).jitsi.mode ==
          jitsi::Mode::jaas);

    auto field = [](const char* text) {
        try {
            engine_config_from_json(parse_json_object(text, "config"));
        } catch (const Error& e) {
            CHECK(e.code() == ErrorCode::invalid_argument);
            return e.field();
        }
        FAIL("expected an error for " << text);
        return std::string();
    };
    CHECK(field("{}") == "database");
    CHECK(field(R"({"database":""})") == "database");
    CHECK(field(R"({"database":1})") == "database");
    CHECK(field(R"({"database":"a","jitsi":{"mode":"cloud"}})") == "jitsi.mode");
    CHECK(field(R"({"database":"a","jitsi":[]})") == "jitsi");
    CHECK(field(R"({"database":"a","jitsi":{"token_grace_seconds":-1}})") == "jitsi.token_grace_seconds");
    CHECK(field(R"({"database":"a","jitsi":{"resolution":"hd"}})") == "jitsi.resolution");
    CHECK(field(R"({"database":"a","calendar":{"feed_secret":7}})") == "calendar.feed_secret");
    CHECK(field(R"({"database":"a","participants_may_share_screen":"no"})") == "participants_may_share_screen");
    CHECK(field("not json") == "config");
}

TEST_CASE("codec: operations() lists exactly the C header's operations, in its order", "[codec]") {
    std::ifstream in(std::string(LIVECOURSE_TEST_DATA_DIR) + "/../../capi/include/livecourse.h");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<std::string> declared;
    std::regex re(R"(LC_OPERATION\(lc_([a-z_]+)\);)");
    auto s = text.str();
    for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it)
        declared.push_back((*it)[1]);
    CHECK(declared == JsonApi::operations());
    CHECK(declared.size() == 43);
}
