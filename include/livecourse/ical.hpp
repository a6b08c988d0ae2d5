// iCalendar (RFC 5545) export: live sessions as a subscribable calendar feed.
//
// `write_calendar` turns a list of events into one `VCALENDAR` that Google
// Calendar, Outlook, Apple Calendar and Thunderbird accept: CRLF line endings,
// lines folded at 75 octets without ever splitting a UTF-8 sequence, TEXT
// values escaped so that no input (a title containing "\r\nATTENDEE:...", a
// stray control character, invalid UTF-8) can inject a line or a property.
// Times are always written in UTC ("...Z"), so a feed needs no VTIMEZONE and
// reads the same in every client. Calendar apps apply a reschedule or a
// cancellation only when the event keeps its `UID` and its `SEQUENCE` grows,
// so hosts derive `uid` from the session id and `sequence` from its revision.
//
// The lower-level pieces (`append_text_escaped`, `append_folded_line`,
// `unfold`) are public for hosts that write their own properties and for tests.
//
// Thread-safety: pure functions of their arguments; safe to call concurrently.
#pragma once

#include <livecourse/clock.hpp>

#include <chrono>
#include <span>
#include <string>
#include <string_view>

namespace livecourse::ical {

enum class EventStatus { confirmed, tentative, cancelled };

struct Event {
    // Stable identity of the event for calendar apps; must never change for a
    // session (e.g. "session-<id>@<domain>"). Required.
    std::string uid;
    // DTSTAMP: when this representation was produced (usually the export time).
    Instant stamp{};
    Instant created{};
    Instant last_modified{};
    // DTSTART/DTEND, written in UTC. `end` must be later than `start`.
    Instant start{};
    Instant end{};
    std::string summary;
    std::string description;  // omitted when empty (and not cancelled with a reason)
    std::string url;          // the join page; omitted when empty; percent-encoded where needed
    std::string location;     // omitted when empty
    EventStatus status = EventStatus::confirmed;
    // Appended to DESCRIPTION as "<cancelled_label>: <reason>" when the status is
    // `cancelled`, because calendar apps show the description but no reason field.
    std::string cancel_reason;
    // SEQUENCE: must grow with every change a calendar app should apply
    // (reschedule, cancellation); hosts use the session's revision. >= 0.
    long long sequence = 0;
    // ORGANIZER;CN="<name>":mailto:<email>. Written only when the email is set
    // (the property's value is the address; a name alone is not valid).
    std::string organizer_name;
    std::string organizer_email;
};

struct CalendarInfo {
    std::string name = "Live sessions";                 // X-WR-CALNAME
    std::string prodid = "-//livecourse//livecourse//EN";
    // How often subscribed clients should poll (REFRESH-INTERVAL and
    // X-PUBLISHED-TTL); at least one minute. Clients treat it as a hint.
    std::chrono::minutes refresh{60};
    // Prefix of the cancellation reason appended to DESCRIPTION; hosts may
    // translate it ("Annulé", "Abgesagt", ...).
    std::string cancelled_label = "Cancelled";
};

// The whole feed, CRLF line endings, folded. Throws livecourse::Error
// (invalid_argument) naming the field when an event cannot be represented:
// empty "uid", "end" not after "start", a negative "sequence", an instant
// outside the years 0000..9999 ("stamp", "created", ...), or "refresh" < 1 min.
std::string write_calendar(const CalendarInfo& info, std::span<const Event> events);

// Appends `text` as an RFC 5545 TEXT value: backslash, semicolon and comma are
// escaped; CRLF, LF, a lone CR and the Unicode line breaks U+0085, U+2028 and
// U+2029 (which readers that split lines the Unicode way would break a line
// at) become "\n"; other control characters
// (except HTAB) are dropped; each ill-formed UTF-8 subsequence is replaced by
// U+FFFD. The output is therefore always valid UTF-8 with no line break.
void append_text_escaped(std::string& out, std::string_view text);

// Appends one content line (without its line break), folded so that no
// physical line exceeds 75 octets, then CRLF. Continuation lines begin with one
// space. A fold never splits a UTF-8 sequence nor a backslash escape pair.
// `line` must not contain a line break (CR, LF, U+0085, U+2028, U+2029:
// escape values first) and must not alias `out`; throws livecourse::Error
// (invalid_argument, field "line") on one.
void append_folded_line(std::string& out, std::string_view line);

// Undoes folding: removes every line break (CRLF, or a bare LF) that is
// followed by a space or a horizontal tab, together with that one character.
std::string unfold(std::string_view ics);

}  // namespace livecourse::ical
