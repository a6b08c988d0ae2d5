#include "ical/session_event.hpp"

#include <fmt/format.h>

namespace livecourse::ical {

std::string session_page_url(std::string_view pattern, std::string_view course_id, std::string_view session_id) {
    std::string out(pattern);
    auto replace = [&](std::string_view key, std::string_view value) {
        for (auto pos = out.find(key); pos != std::string::npos; pos = out.find(key, pos + value.size()))
            out.replace(pos, key.size(), value);
    };
    replace("{course}", course_id);
    replace("{id}", session_id);
    return out;
}

Event session_event(const Session& s, Instant stamp, const SessionEventSource& source) {
    Event e;
    e.uid = fmt::format("session-{}@{}", s.id, source.uid_domain);
    e.stamp = stamp;
    e.created = s.created_at;
    e.last_modified = s.updated_at;
    e.start = s.starts_at;
    e.end = s.ends_at;
    e.summary = s.title;
    e.description = s.description;
    e.url = std::string(source.url);
    e.status = s.status == SessionStatus::cancelled ? EventStatus::cancelled : EventStatus::confirmed;
    e.cancel_reason = s.cancel_reason.value_or("");
    e.sequence = s.revision - 1;
    const Actor* organizer = source.organizer;
    e.organizer_name = organizer && !organizer->name.empty() ? organizer->name : s.instructor_id;
    e.organizer_email = organizer && !organizer->email.empty() ? organizer->email
                                                               : std::string(source.default_organizer_email);
    return e;
}

}  // namespace livecourse::ical
