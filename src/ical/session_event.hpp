// How a live session appears in a calendar: the link its calendar entry and
// its notifications point to, and its iCalendar event.
//
// The UID is derived from the session id alone, so it never changes; the
// SEQUENCE is the revision less one (0 for a session never changed), so it
// grows with every change a calendar app must apply.
//
// Thread-safety: pure functions.
#pragma once

#include <livecourse/ical.hpp>
#include <livecourse/session.hpp>
#include <livecourse/user.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace livecourse::ical {

// `pattern` with every "{course}" and "{id}" replaced by the session's
// course id and id (calendar.join_url_pattern).
std::string session_page_url(std::string_view pattern, std::string_view course_id, std::string_view session_id);

// Where a feed's events come from, beyond the session itself.
struct SessionEventSource {
    std::string_view uid_domain;       // UID "session-<id>@<uid_domain>"
    std::string_view url;              // the session's page (session_page_url)
    const Actor* organizer = nullptr;  // the instructor's profile, when known
    // ORGANIZER e-mail when the profile has none; CN falls back to the
    // instructor's id.
    std::string_view default_organizer_email;
};

// The session as an event stamped `stamp`: cancelled sessions are CANCELLED
// with their reason, every other status CONFIRMED.
Event session_event(const Session& s, Instant stamp, const SessionEventSource& source);

}  // namespace livecourse::ical
