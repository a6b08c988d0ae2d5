// The VCALENDAR/VEVENT writer. A feed of 10,000 sessions is written into one
// string reserved up front: each content line is escaped straight into it and
// only the rare line longer than 75 octets is folded (see fold_tail).
#include "ical/content_line.hpp"

#include <livecourse/error.hpp>
#include <livecourse/ical.hpp>

#include <charconv>

namespace livecourse::ical {
namespace {

using namespace std::string_view_literals;

// Fixed octets of one VEVENT besides its variable values (property names,
// five date-times, line breaks, a little folding), rounded up.
constexpr std::size_t event_overhead = 420;

class FeedWriter {
public:
    explicit FeedWriter(std::string& out) : out_(out) {}

    // A property whose value needs no escaping (fixed keywords, durations).
    void literal(std::string_view name_and_value) {
        out_.append(name_and_value);
        out_.append("\r\n", 2);
    }

    void text(std::string_view name, std::string_view value) {
        const std::size_t begin = start(name);
        append_text_escaped(out_, value);
        finish(begin);
    }

    void uri(std::string_view name, std::string_view value) {
        const std::size_t begin = start(name);
        detail::append_uri(out_, value);
        finish(begin);
    }

    void datetime(std::string_view name, Instant t, const char* field) {
        out_.append(name);
        out_.push_back(':');
        if (!detail::append_utc_datetime(out_, t))
            throw Error::invalid(field, "instant outside the years 0000..9999 cannot be written in iCalendar");
        out_.append("\r\n", 2);
    }

    void integer(std::string_view name, long long value) {
        out_.append(name);
        out_.push_back(':');
        char buf[24];
        const auto res = std::to_chars(buf, buf + sizeof buf, value);
        out_.append(buf, res.ptr);
        out_.append("\r\n", 2);
    }

    void description(const Event& e, std::string_view cancelled_label) {
        const bool with_reason = e.status == EventStatus::cancelled && !e.cancel_reason.empty();
        if (e.description.empty() && !with_reason) return;
        const std::size_t begin = start("DESCRIPTION"sv);
        append_text_escaped(out_, e.description);
        if (with_reason) {
            if (!e.description.empty()) out_.append("\\n\\n", 4);  // a blank line before the reason
            append_text_escaped(out_, cancelled_label);
            out_.append(": ", 2);
            append_text_escaped(out_, e.cancel_reason);
        }
        finish(begin);
    }

    void organizer(const Event& e) {
        if (e.organizer_email.empty()) return;
        const std::size_t begin = out_.size();
        out_.append("ORGANIZER", 9);
        if (!e.organizer_name.empty()) {
            // Always quoted: a name may hold ',', ';' or ':', which would end an
            // unquoted parameter value.
            out_.append(";CN=", 4);
            detail::append_quoted_param(out_, e.organizer_name);
        }
        out_.push_back(':');
        std::string_view email = e.organizer_email;
        if (!has_mailto_prefix(email)) out_.append("mailto:", 7);
        detail::append_uri(out_, email);
        finish(begin);
    }

private:
    static bool has_mailto_prefix(std::string_view s) {
        constexpr std::string_view letters = "mailto";
        if (s.size() <= letters.size() || s[letters.size()] != ':') return false;
        for (std::size_t i = 0; i < letters.size(); ++i)
            if ((s[i] | 0x20) != letters[i]) return false;  // ASCII case folding of letters
        return true;
    }

    std::size_t start(std::string_view name) {
        const std::size_t begin = out_.size();
        out_.append(name);
        out_.push_back(':');
        return begin;
    }

    void finish(std::size_t begin) {
        detail::fold_tail(out_, begin);
        out_.append("\r\n", 2);
    }

    std::string& out_;
};

// "PT1H", "PT1H30M", "PT45M": a dur-time, which every client reads.
std::string refresh_duration(std::chrono::minutes refresh) {
    const long long h = refresh.count() / 60, m = refresh.count() % 60;
    std::string d = "PT";
    if (h) d += std::to_string(h) + "H";
    if (m) d += std::to_string(m) + "M";
    return d;
}

std::string_view status_keyword(EventStatus s) {
    switch (s) {
        case EventStatus::confirmed: return "STATUS:CONFIRMED";
        case EventStatus::tentative: return "STATUS:TENTATIVE";
        case EventStatus::cancelled: return "STATUS:CANCELLED";
    }
    throw Error::invalid("status", "unknown event status");
}

void validate(const Event& e) {
    if (e.uid.empty()) throw Error::invalid("uid", "an event needs a UID");
    if (e.end <= e.start) throw Error::invalid("end", "an event must end after it starts");
    if (e.sequence < 0) throw Error::invalid("sequence", "SEQUENCE cannot be negative");
}

std::size_t estimated_size(const CalendarInfo& info, std::span<const Event> events) {
    std::size_t n = 256 + info.name.size() + info.prodid.size();
    for (const Event& e : events) {
        const std::size_t values = e.uid.size() + e.summary.size() + e.description.size() + e.url.size() +
                                   e.location.size() + e.cancel_reason.size() + e.organizer_name.size() +
                                   e.organizer_email.size() + info.cancelled_label.size();
        n += event_overhead + values + values / 16;  // escapes and folds add a few percent
    }
    return n;
}

}  // namespace

std::string write_calendar(const CalendarInfo& info, std::span<const Event> events) {
    if (info.refresh < std::chrono::minutes{1})
        throw Error::invalid("refresh", "the refresh interval must be at least one minute");

    std::string out;
    out.reserve(estimated_size(info, events));
    FeedWriter w(out);

    w.literal("BEGIN:VCALENDAR");
    w.literal("VERSION:2.0");
    w.text("PRODID", info.prodid);
    w.literal("CALSCALE:GREGORIAN");
    w.literal("METHOD:PUBLISH");
    w.text("X-WR-CALNAME", info.name);
    // REFRESH-INTERVAL is RFC 7986; Outlook reads only X-PUBLISHED-TTL.
    const std::string refresh = refresh_duration(info.refresh);
    out.append("REFRESH-INTERVAL;VALUE=DURATION:").append(refresh).append("\r\n");
    out.append("X-PUBLISHED-TTL:").append(refresh).append("\r\n");

    for (const Event& e : events) {
        validate(e);
        w.literal("BEGIN:VEVENT");
        w.text("UID", e.uid);
        w.datetime("DTSTAMP", e.stamp, "stamp");
        w.datetime("DTSTART", e.start, "start");
        w.datetime("DTEND", e.end, "end");
        w.text("SUMMARY", e.summary);
        w.description(e, info.cancelled_label);
        if (!e.location.empty()) w.text("LOCATION", e.location);
        if (!e.url.empty()) w.uri("URL", e.url);
        w.literal(status_keyword(e.status));
        w.integer("SEQUENCE", e.sequence);
        w.datetime("CREATED", e.created, "created");
        w.datetime("LAST-MODIFIED", e.last_modified, "last_modified");
        w.organizer(e);
        w.literal("END:VEVENT");
    }
    w.literal("END:VCALENDAR");
    return out;
}

}  // namespace livecourse::ical
