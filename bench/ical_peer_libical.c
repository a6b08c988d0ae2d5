/* libical (C) at the benchmark's iCal work: 10,000 events with the same
 * fields as livecourse writes, serialised to text. Prints the median time in
 * nanoseconds. Built only for the benchmark. */
#include <libical/ical.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

int main(void) {
    long long times[3];
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    time_t base = 1767607200; /* 2026-01-05T10:00:00Z */
    for (int run = 0; run < 3; ++run) {
        long long t = now_ns();
        icalcomponent *cal = icalcomponent_vanew(ICAL_VCALENDAR_COMPONENT, icalproperty_new_version("2.0"),
                                                 icalproperty_new_prodid("-//peer//EN"),
                                                 icalproperty_new_method(ICAL_METHOD_PUBLISH), (void *)0);
        char buf[256];
        for (int i = 0; i < 10000; ++i) {
            time_t start = base + (time_t)(i % 365) * 86400;
            icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
            snprintf(buf, sizeof buf, "session-%d@livecourse", i);
            icalcomponent_add_property(ev, icalproperty_new_uid(buf));
            icalcomponent_add_property(ev, icalproperty_new_dtstamp(icaltime_from_timet_with_zone(base, 0, utc)));
            icalcomponent_add_property(ev, icalproperty_new_created(icaltime_from_timet_with_zone(base, 0, utc)));
            icalcomponent_add_property(ev, icalproperty_new_lastmodified(icaltime_from_timet_with_zone(base, 0, utc)));
            icalcomponent_add_property(ev, icalproperty_new_dtstart(icaltime_from_timet_with_zone(start, 0, utc)));
            icalcomponent_add_property(ev, icalproperty_new_dtend(icaltime_from_timet_with_zone(start + 5400, 0, utc)));
            snprintf(buf, sizeof buf, "Cours %d: Introduction \xc3\xa0 la gouvernance, partie %d", i, i % 7);
            icalcomponent_add_property(ev, icalproperty_new_summary(buf));
            icalcomponent_add_property(ev, icalproperty_new_description(
                "S\xc3\xa9" "ance en direct; apportez vos questions.\nLien dans l'espace du cours."));
            snprintf(buf, sizeof buf, "https://lms.example.edu/courses/gov/live-sessions/%d/join", i);
            icalcomponent_add_property(ev, icalproperty_new_url(buf));
            icalcomponent_add_property(ev, icalproperty_new_sequence(i % 3));
            icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_CONFIRMED));
            icalproperty *org = icalproperty_new_organizer("mailto:aminata@example.edu");
            icalproperty_add_parameter(org, icalparameter_new_cn("Aminata Diallo"));
            icalcomponent_add_property(ev, org);
            icalcomponent_add_component(cal, ev);
        }
        char *text = icalcomponent_as_ical_string_r(cal);
        if (!text || !text[0]) return 1;
        free(text);
        icalcomponent_free(cal);
        times[run] = now_ns() - t;
    }
    qsort(times, 3, sizeof times[0], cmp);
    printf("%lld\n", times[1]);
    return 0;
}
