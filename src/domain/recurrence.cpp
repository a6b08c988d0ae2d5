#include <livecourse/error.hpp>
#include <livecourse/recurrence.hpp>

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace livecourse {
namespace {

using std::chrono::minutes;
using namespace std::chrono_literals;

const date::time_zone* locate_zone(const std::string& name) {
    if (name.empty()) throw Error::invalid("timezone", "a series needs an IANA time zone");
    try {
        return date::locate_zone(name);
    } catch (const std::exception&) {
        throw Error::invalid("timezone", "unknown IANA time zone: " + name);
    }
}

// The last local date a series may reach: first_date two years on, or the
// 28th of February when first_date is a 29th of February.
date::year_month_day series_horizon(date::year_month_day first) {
    date::year_month_day h = first + max_series_span;
    if (!h.ok()) h = h.year() / h.month() / date::last;
    return h;
}

// One rule for every kind of local time: subtract the offset of `first`. date/tz
// reports a unique time with one sys_info; an ambiguous one with the earlier
// (pre-transition) sys_info first; a nonexistent one with the sys_info that
// ends at the gap first. Using that offset is exactly RFC 5545 section 3.3.5:
// the first occurrence of a repeated time, the pre-gap offset for a missing one.
Instant to_instant(const date::time_zone& zone, date::local_seconds local) {
    const date::local_info info = zone.get_info(local);
    return Instant{local.time_since_epoch()} - info.first.offset;
}

void validate(const WeeklySeriesRule& r) {
    if (!r.first_date.ok() || r.first_date.year() < date::year{1970} || r.first_date.year() > date::year{9997})
        throw Error::invalid("first_date", "first_date must be a valid date between 1970 and 9997");
    if (r.start_time < 0min || r.start_time >= 24h)
        throw Error::invalid("start_time", "start_time must be a time of day in [00:00, 24:00)");
    if (r.duration < 1min || r.duration > 24h)
        throw Error::invalid("duration", "duration must be between 1 minute and 24 hours");
    if (r.weekdays.empty()) throw Error::invalid("weekdays", "a series needs at least one weekday");
    if (std::any_of(r.weekdays.begin(), r.weekdays.end(), [](date::weekday d) { return !d.ok(); }))
        throw Error::invalid("weekdays", "invalid weekday");
    if (r.interval_weeks < 1 || r.interval_weeks > 52)
        throw Error::invalid("interval_weeks", "interval_weeks must be between 1 and 52");
    if (r.count && r.until) throw Error::invalid("until", "give either count or until, not both");
    if (!r.count && !r.until) throw Error::invalid("count", "a series needs either count or until");
    if (r.count && (*r.count < 1 || *r.count > max_series_occurrences))
        throw Error::invalid("count", "count must be between 1 and 200");
    if (r.until) {
        if (!r.until->ok()) throw Error::invalid("until", "until must be a valid date");
        if (*r.until < r.first_date) throw Error::invalid("until", "until cannot be before first_date");
        if (*r.until > series_horizon(r.first_date))
            throw Error::invalid("until", "a series cannot span more than two years");
    }
}

}  // namespace

std::vector<Occurrence> expand_weekly(const WeeklySeriesRule& rule) {
    validate(rule);
    const date::time_zone* zone = locate_zone(rule.timezone);

    // Days after Monday of each selected weekday, sorted and without repeats,
    // so that one week's occurrences come out in chronological order.
    std::array<bool, 7> selected{};
    for (const date::weekday d : rule.weekdays) selected[(d - date::Monday).count()] = true;

    const date::sys_days first{rule.first_date};
    const date::sys_days first_monday = first - (date::weekday{first} - date::Monday);
    // The last admissible day: until when given (validated not to exceed the
    // two-year horizon), else the horizon, which a count must not pass.
    const date::sys_days last =
        rule.until ? date::sys_days{*rule.until} : date::sys_days{series_horizon(rule.first_date)};
    const std::size_t wanted = rule.count ? static_cast<std::size_t>(*rule.count) : 0;

    std::vector<Occurrence> out;
    out.reserve(rule.count ? wanted : 16);
    // Terminates: days grow every week and `last` ends the loop.
    for (date::days week{0};; week += date::days{7 * rule.interval_weeks}) {
        for (unsigned offset = 0; offset < 7; ++offset) {
            if (!selected[offset]) continue;
            const date::sys_days day = first_monday + week + date::days{offset};
            if (day < first) continue;
            if (day > last) {
                if (!rule.until)
                    throw Error::invalid("count", "a series cannot span more than two years; lower count or interval");
                if (out.empty()) throw Error::invalid("until", "no occurrence falls between first_date and until");
                return out;
            }
            if (out.size() == static_cast<std::size_t>(max_series_occurrences))
                throw Error::invalid("until", "a series cannot have more than 200 occurrences");

            const date::local_seconds local{date::local_days{day.time_since_epoch()} + rule.start_time};
            const Instant starts_at = to_instant(*zone, local);
            out.push_back(Occurrence{starts_at, starts_at + rule.duration, zone->to_local(starts_at)});
            if (rule.count && out.size() == wanted) return out;
        }
    }
}

std::string describe_weekly(const WeeklySeriesRule& r) {
    static constexpr const char* days[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
    std::string byday;
    for (auto d : r.weekdays) {
        if (!byday.empty()) byday += ',';
        byday += days[d.c_encoding() % 7];
    }
    std::string end = r.count ? fmt::format("COUNT={}", *r.count)
                              : r.until ? fmt::format("UNTIL={:04}{:02}{:02}", int(r.until->year()),
                                                      unsigned(r.until->month()), unsigned(r.until->day()))
                                        : std::string();
    return fmt::format("FREQ=WEEKLY;INTERVAL={};BYDAY={};{} start={:04}-{:02}-{:02} at={:02}:{:02} tz={} duration={}min",
                       r.interval_weeks, byday, end, int(r.first_date.year()), unsigned(r.first_date.month()),
                       unsigned(r.first_date.day()), r.start_time.count() / 60, r.start_time.count() % 60, r.timezone,
                       r.duration.count());
}

}  // namespace livecourse
