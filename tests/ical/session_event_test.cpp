#include "ical/session_event.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace livecourse;
namespace ical = livecourse::ical;

TEST_CASE("a session's page link fills in the pattern's {course} and {id}", "[ical][session_event]") {
    struct Row {
        const char* pattern;
        const char* want;
    };
    const Row rows[] = {
        {"/courses/{course}/live-sessions/{id}/join", "/courses/math-1/live-sessions/42/join"},
        {"https://lms.example.edu/s/{id}?c={course}&again={id}", "https://lms.example.edu/s/42?c=math-1&again=42"},
        {"/static", "/static"},
        {"{id}{id}{course}", "4242math-1"},
        {"{ID}/{courses}", "{ID}/{courses}"},  // keys are exact and case-sensitive
        {"", ""},
    };
    for (const auto& r : rows) CHECK(ical::session_page_url(r.pattern, "math-1", "42") == r.want);
    // An id containing its own key is written once, not expanded again.
    CHECK(ical::session_page_url("{id}-{id}", "c", "{id}") == "{id}-{id}");
}

namespace {
Session session() {
    Session s;
    s.id = "42";
    s.course_id = "math-1";
    s.instructor_id = "prof";
    s.title = "Algebra";
    s.description = "Chapter 3";
    s.starts_at = Instant(Seconds(1'800'000'000));
    s.ends_at = s.starts_at + Seconds(3600);
    s.created_at = Instant(Seconds(1'790'000'000));
    s.updated_at = Instant(Seconds(1'795'000'000));
    s.revision = 1;
    return s;
}
}  // namespace

TEST_CASE("a session becomes an event keyed by its id, sequenced by its revision", "[ical][session_event]") {
    const Instant stamp(Seconds(1'799'000'000));
    Actor prof{"prof", "Ada Lovelace", "ada@example.edu", ""};
    auto e = ical::session_event(session(), stamp, {"lms.example.edu", "/s/42", &prof, "noreply@example.edu"});
    CHECK(e.uid == "session-42@lms.example.edu");
    CHECK(e.stamp == stamp);
    CHECK(e.created == Instant(Seconds(1'790'000'000)));
    CHECK(e.last_modified == Instant(Seconds(1'795'000'000)));
    CHECK(e.start == Instant(Seconds(1'800'000'000)));
    CHECK(e.end == Instant(Seconds(1'800'003'600)));
    CHECK(e.summary == "Algebra");
    CHECK(e.description == "Chapter 3");
    CHECK(e.url == "/s/42");
    CHECK(e.status == ical::EventStatus::confirmed);
    CHECK(e.cancel_reason.empty());
    CHECK(e.sequence == 0);
    CHECK(e.organizer_name == "Ada Lovelace");
    CHECK(e.organizer_email == "ada@example.edu");
}

TEST_CASE("an event's status, sequence and organizer follow the session and the profile", "[ical][session_event]") {
    struct Row {
        SessionStatus status;
        std::optional<std::string> cancel_reason;
        std::int64_t revision;
        std::optional<Actor> organizer;
        ical::EventStatus want_status;
        const char* want_reason;
        long long want_sequence;
        const char* want_name;
        const char* want_email;
    };
    const Row rows[] = {
        {SessionStatus::cancelled, "ill", 3, std::nullopt, ical::EventStatus::cancelled, "ill", 2, "prof",
         "noreply@example.edu"},
        {SessionStatus::cancelled, std::nullopt, 2, Actor{"prof", "", "", ""}, ical::EventStatus::cancelled, "", 1,
         "prof", "noreply@example.edu"},
        {SessionStatus::live, std::nullopt, 5, Actor{"prof", "Ada", "", ""}, ical::EventStatus::confirmed, "", 4, "Ada",
         "noreply@example.edu"},
        {SessionStatus::ended, std::nullopt, 9, Actor{"prof", "", "ada@example.edu", ""}, ical::EventStatus::confirmed,
         "", 8, "prof", "ada@example.edu"},
    };
    for (const auto& r : rows) {
        INFO(to_string(r.status) << " revision " << r.revision);
        Session s = session();
        s.status = r.status;
        s.cancel_reason = r.cancel_reason;
        s.revision = r.revision;
        auto e = ical::session_event(s, Instant{}, {"d", "", r.organizer ? &*r.organizer : nullptr,
                                                    "noreply@example.edu"});
        CHECK(e.status == r.want_status);
        CHECK(e.cancel_reason == r.want_reason);
        CHECK(e.sequence == r.want_sequence);
        CHECK(e.organizer_name == r.want_name);
        CHECK(e.organizer_email == r.want_email);
    }
}
