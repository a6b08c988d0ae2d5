// Who learns a session's Jitsi room name. On a public server the name is the
// key to the room: it reaches an admitted participant through the join
// result and the course's staff reading or managing one session, and nobody
// through listings, calendars, feeds or notifications.
#include "support/fixtures.hpp"

#include <livecourse/json_api.hpp>

#include <set>

using namespace lc_test;

namespace {

const std::string events_secret = "room-name-events-secret-0123456789abcdef";

EngineConfig with_events_secret() {
    EngineConfig c;
    c.presence.video_events_secret = events_secret;
    return c;
}

bool mentions(std::string_view text, std::string_view room) { return text.find(room) != std::string_view::npos; }

}  // namespace

TEST_CASE("room name: a student refused a seat reads it nowhere", "[engine][room]") {
    World w(3);
    auto& e = *w.engine;
    auto s = w.live(1);
    const std::string room = s.jitsi_room_name;
    REQUIRE_FALSE(room.empty());

    auto admitted = e.join(student(0), s.id);
    CHECK(admitted.jitsi_room_name == room);
    CHECK(mentions(admitted.jitsi_join_url, room));
    auto refused = error_of([&] { e.join(student(1), s.id); });
    REQUIRE(refused.reason() == "session_full");

    CHECK(e.get_session(student(1), s.id).jitsi_room_name.empty());
    auto listed = e.list_sessions(student(1), course, SessionFilter::all);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].jitsi_room_name.empty());
    auto events = e.calendar_events(student(1), {s.starts_at - 1h, s.ends_at + 1h, {}});
    REQUIRE(events.size() == 1);
    CHECK(events[0].session.jitsi_room_name.empty());
    CHECK_FALSE(mentions(events[0].join_url, room));
    auto feed = e.ical_feed(student(1).user_id);
    REQUIRE(mentions(feed, "session-" + s.id + "@"));
    CHECK_FALSE(mentions(feed, room));
    CHECK_FALSE(mentions(e.ical_feed_by_token(e.feed_token(student(1).user_id)), room));

    // The same answers in the JSON every host and binding reads.
    CHECK(to_json(e.get_session(student(1), s.id)).at("jitsi_room_name").is_null());
    CHECK_FALSE(mentions(to_json_text(to_json_array(listed)), room));
    CHECK_FALSE(mentions(to_json_text(to_json_array(events)), room));
}

TEST_CASE("room name: an admitted student has it from the join result only", "[engine][room]") {
    World w(2);
    auto& e = *w.engine;
    auto s = w.live(5);
    auto joined = e.join(student(0), s.id);
    CHECK(joined.jitsi_room_name == s.jitsi_room_name);
    CHECK(e.join(student(0), s.id).jitsi_room_name == s.jitsi_room_name);  // a rejoin too
    // A session read by a student is the same for every student, admitted or not.
    CHECK(e.get_session(student(0), s.id).jitsi_room_name.empty());
    CHECK(e.token(student(0), s.id).jitsi_join_url.find(s.jitsi_room_name) != std::string::npos);
}

TEST_CASE("room name: a student's read of a session not yet live has none", "[engine][room]") {
    World w(2);
    auto& e = *w.engine;
    auto s = w.scheduled();
    REQUIRE_FALSE(s.jitsi_room_name.empty());
    auto seen = e.get_session(student(0), s.id);
    CHECK(seen.id == s.id);
    CHECK(seen.title == s.title);
    CHECK(seen.jitsi_server_url == s.jitsi_server_url);
    CHECK(seen.jitsi_room_name.empty());
    CHECK(error_of([&] { e.join(student(0), s.id); }).reason() == "not_live");
    CHECK(e.get_session(student(0), s.id).jitsi_room_name.empty());
    // An outsider is refused the session itself.
    CHECK(error_of([&] { e.get_session(outsider, s.id); }).reason() == "not_enrolled");
}

TEST_CASE("room name: staff read it in one session and in their operations' results", "[engine][room]") {
    World w(2);
    auto& e = *w.engine;
    auto s = w.scheduled();
    const std::string room = s.jitsi_room_name;
    REQUIRE_FALSE(room.empty());
    CHECK(e.get_session(instructor, s.id).jitsi_room_name == room);
    CHECK(e.get_session(moderator, s.id).jitsi_room_name == room);
    SessionPatch patch;
    patch.title = "Q&A, moved";
    CHECK(e.update_session(instructor, s.id, patch).jitsi_room_name == room);
    w.clock->set(s.starts_at);
    CHECK(e.start_session(moderator, s.id).jitsi_room_name == room);
    CHECK(e.join(instructor, s.id).jitsi_room_name == room);
    CHECK(e.end_session(instructor, s.id).session.jitsi_room_name == room);
    auto other = w.scheduled();
    CHECK(e.cancel_session(instructor, other.id, "ill").jitsi_room_name == other.jitsi_room_name);

    // Listings and calendars are the same for everyone: no room, staff included.
    for (const auto& listed : e.list_sessions(instructor, course, SessionFilter::all))
        CHECK(listed.jitsi_room_name.empty());
    for (const auto& ev : e.calendar_events(instructor, {s.starts_at - 2h, s.ends_at + 2h, {}}))
        CHECK(ev.session.jitsi_room_name.empty());
    CHECK_FALSE(mentions(e.ical_feed(instructor.user_id), room));
}

TEST_CASE("room name: no notification carries it, nor the recording sender's answer", "[engine][room]") {
    World w(2, with_events_secret());
    auto& e = *w.engine;
    auto s = w.scheduled();
    const std::string room = s.jitsi_room_name;
    w.clock->set(s.starts_at);
    s = e.start_session(instructor, s.id);
    w.clock->advance(30min);
    s = e.end_session(instructor, s.id).session;
    REQUIRE(s.jitsi_room_name == room);

    // Jibri's finalize script names the session by its room; it is not told it back.
    auto r = e.set_recording_by_secret(events_secret, room, "https://rec.example.edu/1.mp4");
    REQUIRE(r.ack.recorded);
    REQUIRE(r.session);
    CHECK(r.session->id == s.id);
    CHECK(r.session->jitsi_room_name.empty());
    // The instructor setting it is staff managing the session.
    CHECK(e.set_recording(instructor, s.id, "https://rec.example.edu/2.mp4").session->jitsi_room_name == room);

    auto claimed = e.claim_notifications(200, 60s);
    std::set<NotificationKind> kinds;
    for (const auto& n : claimed) kinds.insert(n.kind);
    REQUIRE(kinds.count(NotificationKind::session_live) == 1);
    REQUIRE(kinds.count(NotificationKind::recording_available) == 1);
    CHECK_FALSE(mentions(to_json_text(to_json_array(claimed)), room));
    auto inbox = e.list_notifications(student(0), std::nullopt, 50);
    REQUIRE_FALSE(inbox.notifications.empty());
    CHECK_FALSE(mentions(to_json_text(to_json(inbox)), room));
}
