#include <livecourse/error.hpp>
#include <livecourse/recurrence.hpp>

#include <catch2/catch.hpp>
#include <date/tz.h>

#include <random>
#include <string>
#include <vector>

using namespace livecourse;
using namespace std::chrono_literals;
using date::Friday;
using date::Monday;
using date::Sunday;
using date::Tuesday;
using date::Wednesday;

namespace {

std::string iso(Instant t) { return date::format("%FT%TZ", t); }

std::string local(date::local_seconds t) { return date::format("%F %H:%M", t); }

std::vector<std::string> starts(const std::vector<Occurrence>& occ) {
    std::vector<std::string> s;
    for (const auto& o : occ) s.push_back(iso(o.starts_at));
    return s;
}

WeeklySeriesRule tuesdays_in_paris() {
    WeeklySeriesRule r;
    r.timezone = "Europe/Paris";
    r.first_date = date::year{2026} / 10 / 6;
    r.start_time = 10h;
    r.duration = 90min;
    r.weekdays = {Tuesday};
    r.count = 8;
    return r;
}

// The field named by the invalid_argument error `rule` raises, "" if none.
std::string rejected_field(const WeeklySeriesRule& rule) {
    try {
        (void)expand_weekly(rule);
    } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::invalid_argument);
        CHECK_FALSE(std::string(e.what()).empty());
        return e.field();
    }
    return "";
}

}  // namespace

TEST_CASE("every Tuesday 10:00 Europe/Paris keeps 10:00 local across the October change", "[series]") {
    const auto occ = expand_weekly(tuesdays_in_paris());
    // Summer time (+02:00) ends on Sunday 2026-10-25.
    CHECK(starts(occ) == std::vector<std::string>{
                             "2026-10-06T08:00:00Z", "2026-10-13T08:00:00Z", "2026-10-20T08:00:00Z",
                             "2026-10-27T09:00:00Z", "2026-11-03T09:00:00Z", "2026-11-10T09:00:00Z",
                             "2026-11-17T09:00:00Z", "2026-11-24T09:00:00Z"});
    for (const auto& o : occ) {
        CHECK(o.ends_at - o.starts_at == 90min);
        CHECK(local(o.local_start).substr(11) == "10:00");
    }
    CHECK(local(occ.front().local_start) == "2026-10-06 10:00");
    CHECK(local(occ.back().local_start) == "2026-11-24 10:00");
}

TEST_CASE("America/New_York moves from 14:00Z to 15:00Z after its November change", "[series]") {
    WeeklySeriesRule r = tuesdays_in_paris();
    r.timezone = "America/New_York";
    r.first_date = date::year{2026} / 10 / 13;
    r.count = 5;
    // EDT (-04:00) ends on Sunday 2026-11-01.
    CHECK(starts(expand_weekly(r)) == std::vector<std::string>{"2026-10-13T14:00:00Z", "2026-10-20T14:00:00Z",
                                                                "2026-10-27T14:00:00Z", "2026-11-03T15:00:00Z",
                                                                "2026-11-10T15:00:00Z"});
}

TEST_CASE("several weekdays come out in order, whatever order and repeats the rule lists", "[series]") {
    WeeklySeriesRule r = tuesdays_in_paris();
    r.first_date = date::year{2026} / 9 / 2;  // a Wednesday
    r.weekdays = {Friday, Monday, Wednesday, Monday};
    r.count = 5;
    CHECK(starts(expand_weekly(r)) == std::vector<std::string>{"2026-09-02T08:00:00Z", "2026-09-04T08:00:00Z",
                                                                "2026-09-07T08:00:00Z", "2026-09-09T08:00:00Z",
                                                                "2026-09-11T08:00:00Z"});
}

TEST_CASE("every two weeks counts weeks from the Monday-based week of first_date", "[series]") {
    WeeklySeriesRule r = tuesdays_in_paris();
    r.interval_weeks = 2;
    r.count = 3;
    SECTION("first_date on the weekday itself") {
        r.first_date = date::year{2026} / 9 / 1;  // a Tuesday
        CHECK(starts(expand_weekly(r)) ==
              std::vector<std::string>{"2026-09-01T08:00:00Z", "2026-09-15T08:00:00Z", "2026-09-29T08:00:00Z"});
    }
    SECTION("first_date after that week's Tuesday: the next Tuesday is in an off week") {
        r.first_date = date::year{2026} / 9 / 3;  // Thursday of the week of Monday 08-31
        CHECK(starts(expand_weekly(r)) ==
              std::vector<std::string>{"2026-09-15T08:00:00Z", "2026-09-29T08:00:00Z", "2026-10-13T08:00:00Z"});
    }
    SECTION("a Sunday first_date belongs to the week that began the Monday before") {
        r.first_date = date::year{2026} / 9 / 6;  // Sunday of the week of Monday 08-31
        r.weekdays = {Monday, Sunday};
        CHECK(starts(expand_weekly(r)) ==
              std::vector<std::string>{"2026-09-06T08:00:00Z", "2026-09-14T08:00:00Z", "2026-09-20T08:00:00Z"});
    }
}

TEST_CASE("until is an inclusive local date", "[series]") {
    WeeklySeriesRule r = tuesdays_in_paris();
    r.count.reset();
    r.first_date = date::year{2026} / 9 / 1;
    SECTION("until on an occurrence keeps it") {
        r.until = date::year{2026} / 9 / 29;
        const auto occ = expand_weekly(r);
        REQUIRE(occ.size() == 5);
        CHECK(iso(occ.back().starts_at) == "2026-09-29T08:00:00Z");
    }
    SECTION("until the day before drops it") {
        r.until = date::year{2026} / 9 / 28;
        const auto occ = expand_weekly(r);
        REQUIRE(occ.size() == 4);
        CHECK(iso(occ.back().starts_at) == "2026-09-22T08:00:00Z");
    }
    SECTION("until compares local dates: a late-evening start that is already the next day in UTC") {
        r.timezone = "Pacific/Auckland";  // +12:00 in September
        r.start_time = 23h;
        r.until = date::year{2026} / 9 / 29;
        const auto occ = expand_weekly(r);
        REQUIRE(occ.size() == 5);
        // 23:00 on Tuesday 29 in Auckland (NZDT, +13:00 since 09-27) is 10:00Z that day.
        CHECK(iso(occ.back().starts_at) == "2026-09-29T10:00:00Z");
        CHECK(local(occ.back().local_start) == "2026-09-29 23:00");
    }
}

TEST_CASE("count gives exactly that many weekly occurrences", "[series]") {
    WeeklySeriesRule r = tuesdays_in_paris();
    r.count = 12;
    const auto occ = expand_weekly(r);
    REQUIRE(occ.size() == 12);
    CHECK(local(occ.back().local_start) == "2026-12-22 10:00");
    for (std::size_t i = 1; i < occ.size(); ++i) CHECK(occ[i].starts_at > occ[i - 1].starts_at);

    r.count = 1;
    CHECK(expand_weekly(r).size() == 1);
    r.count = 200;
    r.weekdays = {Monday, Tuesday, Wednesday, date::Thursday, Friday, date::Saturday, Sunday};
    CHECK(expand_weekly(r).size() == 200);
}

TEST_CASE("a start in the spring-forward gap moves forward by the gap", "[series]") {
    // Europe/Paris skips 02:00-03:00 on Sunday 2027-03-28.
    WeeklySeriesRule r;
    r.timezone = "Europe/Paris";
    r.first_date = date::year{2027} / 3 / 28;
    r.start_time = 2h + 30min;
    r.duration = 60min;
    r.weekdays = {Sunday};
    r.count = 2;
    const auto occ = expand_weekly(r);
    REQUIRE(occ.size() == 2);
    // Read with the pre-gap offset (+01:00): 01:30Z, which the clocks show as 03:30.
    CHECK(iso(occ[0].starts_at) == "2027-03-28T01:30:00Z");
    CHECK(local(occ[0].local_start) == "2027-03-28 03:30");
    CHECK(iso(occ[0].ends_at) == "2027-03-28T02:30:00Z");
    // The next Sunday 02:30 exists again (+02:00).
    CHECK(iso(occ[1].starts_at) == "2027-04-04T00:30:00Z");
    CHECK(local(occ[1].local_start) == "2027-04-04 02:30");

    SECTION("the same rule in America/New_York (02:00 -> 03:00 on 2027-03-14)") {
        r.timezone = "America/New_York";
        r.first_date = date::year{2027} / 3 / 14;
        const auto ny = expand_weekly(r);
        CHECK(iso(ny[0].starts_at) == "2027-03-14T07:30:00Z");  // -05:00 before the gap
        CHECK(local(ny[0].local_start) == "2027-03-14 03:30");
    }
}

TEST_CASE("a start in the fall-back overlap takes the first, daylight-time occurrence", "[series]") {
    // Europe/Paris shows 02:00-03:00 twice on Sunday 2026-10-25.
    WeeklySeriesRule r;
    r.timezone = "Europe/Paris";
    r.first_date = date::year{2026} / 10 / 25;
    r.start_time = 2h + 30min;
    r.duration = 30min;
    r.weekdays = {Sunday};
    r.count = 2;
    const auto occ = expand_weekly(r);
    REQUIRE(occ.size() == 2);
    CHECK(iso(occ[0].starts_at) == "2026-10-25T00:30:00Z");  // +02:00, not 01:30Z
    CHECK(local(occ[0].local_start) == "2026-10-25 02:30");
    CHECK(iso(occ[1].starts_at) == "2026-11-01T01:30:00Z");

    SECTION("the duration is absolute: two hours from 01:30 local end at the second 02:30") {
        r.start_time = 1h + 30min;
        r.duration = 120min;
        const auto o = expand_weekly(r).front();
        CHECK(iso(o.starts_at) == "2026-10-24T23:30:00Z");
        CHECK(iso(o.ends_at) == "2026-10-25T01:30:00Z");
    }
}

TEST_CASE("occurrences keep their wall-clock time in many zones and years", "[series]") {
    const std::vector<std::string> zones = {"Europe/Paris",     "America/New_York", "Australia/Sydney",
                                            "America/Santiago", "Asia/Tokyo",       "Europe/London",
                                            "Pacific/Auckland", "UTC"};
    std::mt19937 rng(20261025);
    for (int n = 0; n < 300; ++n) {
        WeeklySeriesRule r;
        r.timezone = zones[rng() % zones.size()];
        r.first_date = date::year_month_day{date::sys_days{date::year{2025} / 1 / 1} + date::days{rng() % 1500}};
        r.start_time = std::chrono::minutes{rng() % (24 * 60)};
        r.duration = std::chrono::minutes{1 + rng() % 240};
        for (unsigned d = 0; d < 7; ++d)
            if (rng() % 3 == 0) r.weekdays.push_back(date::weekday{d});
        if (r.weekdays.empty()) r.weekdays.push_back(date::weekday{static_cast<unsigned>(rng() % 7)});
        r.interval_weeks = 1 + static_cast<int>(rng() % 4);
        r.count = 1 + static_cast<int>(rng() % (100 / r.interval_weeks));  // within two years
        INFO(r.timezone << " " << r.first_date << " start " << r.start_time.count() << "min");

        const auto occ = expand_weekly(r);
        REQUIRE(occ.size() == static_cast<std::size_t>(*r.count));
        const date::time_zone* zone = date::locate_zone(r.timezone);
        for (std::size_t i = 0; i < occ.size(); ++i) {
            const auto& o = occ[i];
            CHECK(o.ends_at - o.starts_at == r.duration);
            CHECK(o.local_start == zone->to_local(o.starts_at));
            if (i > 0) CHECK(o.starts_at > occ[i - 1].starts_at);
            const auto day = date::floor<date::days>(o.local_start);
            const auto tod = o.local_start - day;
            const auto ymd = date::year_month_day{date::sys_days{day.time_since_epoch()}};
            CHECK(ymd >= r.first_date);
            CHECK(std::find(r.weekdays.begin(), r.weekdays.end(), date::weekday{day}) != r.weekdays.end());
            // Either the rule's time, or a time moved forward out of a gap.
            if (tod != r.start_time) {
                const date::local_seconds wanted{day + r.start_time};
                CHECK(zone->get_info(wanted).result == date::local_info::nonexistent);
                CHECK(tod > r.start_time);
            }
        }
    }
}

TEST_CASE("every invalid rule is rejected naming its field", "[series]") {
    WeeklySeriesRule r = tuesdays_in_paris();
    REQUIRE(rejected_field(r).empty());

    SECTION("timezone") {
        r.timezone = "Mars/Olympus_Mons";
        CHECK(rejected_field(r) == "timezone");
        r.timezone = "";
        CHECK(rejected_field(r) == "timezone");
        r.timezone = "../../etc/passwd";
        CHECK(rejected_field(r) == "timezone");
    }
    SECTION("first_date") {
        r.first_date = date::year{2026} / 2 / 30;
        CHECK(rejected_field(r) == "first_date");
        r.first_date = date::year{1969} / 12 / 30;
        CHECK(rejected_field(r) == "first_date");
    }
    SECTION("start_time") {
        r.start_time = -1min;
        CHECK(rejected_field(r) == "start_time");
        r.start_time = 24h;
        CHECK(rejected_field(r) == "start_time");
        r.start_time = 23h + 59min;
        CHECK(rejected_field(r).empty());
    }
    SECTION("duration") {
        r.duration = 0min;
        CHECK(rejected_field(r) == "duration");
        r.duration = 24h + 1min;
        CHECK(rejected_field(r) == "duration");
        r.duration = 24h;
        CHECK(rejected_field(r).empty());
        r.duration = 1min;
        CHECK(rejected_field(r).empty());
    }
    SECTION("weekdays") {
        r.weekdays.clear();
        CHECK(rejected_field(r) == "weekdays");
        r.weekdays = {Tuesday, date::weekday{8u}};
        CHECK(rejected_field(r) == "weekdays");
    }
    SECTION("interval_weeks") {
        r.interval_weeks = 0;
        CHECK(rejected_field(r) == "interval_weeks");
        r.interval_weeks = 53;
        CHECK(rejected_field(r) == "interval_weeks");
        r.interval_weeks = 52;
        r.count = 2;
        CHECK(rejected_field(r).empty());
    }
    SECTION("count") {
        r.count.reset();
        CHECK(rejected_field(r) == "count");  // neither count nor until
        r.count = 0;
        CHECK(rejected_field(r) == "count");
        r.count = 201;
        CHECK(rejected_field(r) == "count");
        r.count = 200;  // 200 Tuesdays would run for almost four years
        CHECK(rejected_field(r) == "count");
        r.interval_weeks = 2;
        r.count = 53;  // ends 2028-10-03, inside the two years up to 2028-10-06
        CHECK(rejected_field(r).empty());
        r.count = 54;  // ends 2028-10-17, beyond them
        CHECK(rejected_field(r) == "count");
    }
    SECTION("until") {
        r.until = date::year{2026} / 12 / 31;
        CHECK(rejected_field(r) == "until");  // together with count
        r.count.reset();
        CHECK(rejected_field(r).empty());
        r.until = date::year{2026} / 10 / 5;  // before first_date
        CHECK(rejected_field(r) == "until");
        r.until = date::year{2026} / 2 / 30;
        CHECK(rejected_field(r) == "until");
        r.until = date::year{2028} / 10 / 6;  // exactly two years: accepted
        CHECK(rejected_field(r).empty());
        r.until = date::year{2028} / 10 / 7;
        CHECK(rejected_field(r) == "until");
        r.until = date::year{2026} / 10 / 8;  // Tue 6 .. Thu 8 but only Mondays
        r.weekdays = {Monday};
        CHECK(rejected_field(r) == "until");
        r.until = date::year{2027} / 10 / 6;  // every day for a year: more than 200
        r.weekdays = {Monday, Tuesday, Wednesday, date::Thursday, Friday, date::Saturday, Sunday};
        CHECK(rejected_field(r) == "until");
    }
}

TEST_CASE("a weekly rule is described in RRULE words plus its local start", "[domain][recurrence]") {
    using date::Thursday;
    struct Row {
        WeeklySeriesRule rule;
        const char* want;
    };
    auto rule = [](std::string tz, date::year_month_day first, std::chrono::minutes at, std::chrono::minutes length,
                   std::vector<date::weekday> days, int interval, std::optional<int> count,
                   std::optional<date::year_month_day> until) {
        WeeklySeriesRule r;
        r.timezone = std::move(tz);
        r.first_date = first;
        r.start_time = at;
        r.duration = length;
        r.weekdays = std::move(days);
        r.interval_weeks = interval;
        r.count = count;
        r.until = until;
        return r;
    };
    const Row rows[] = {
        {rule("Europe/Paris", date::year{2026} / 9 / 1, 10h, 90min, {Tuesday, Thursday}, 1, 12, std::nullopt),
         "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU,TH;COUNT=12 start=2026-09-01 at=10:00 tz=Europe/Paris duration=90min"},
        // Weekdays in the rule's order, Sunday as SU; UNTIL as a basic date.
        {rule("UTC", date::year{2026} / 9 / 4, 8h + 5min, 45min, {Sunday, Friday}, 2, std::nullopt,
              date::year{2027} / 1 / 31),
         "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,FR;UNTIL=20270131 start=2026-09-04 at=08:05 tz=UTC duration=45min"},
        {rule("America/New_York", date::year{2027} / 3 / 9, 0min, 24h, {Monday}, 52, 1, std::nullopt),
         "FREQ=WEEKLY;INTERVAL=52;BYDAY=MO;COUNT=1 start=2027-03-09 at=00:00 tz=America/New_York duration=1440min"},
        {rule("Asia/Tokyo", date::year{2030} / 12 / 31, 23h + 59min, 1min, {Wednesday, Monday, Wednesday}, 3,
              200, std::nullopt),
         "FREQ=WEEKLY;INTERVAL=3;BYDAY=WE,MO,WE;COUNT=200 start=2030-12-31 at=23:59 tz=Asia/Tokyo duration=1min"},
    };
    for (const auto& r : rows) CHECK(describe_weekly(r.rule) == r.want);
}
