#!/usr/bin/python3
"""Parse an .ics file with the independent `icalendar` library and print what
it understood as JSON, for the C++ interoperability test.

Usage: parse_ics.py FEED.ics

Prints {"calendar": {...}, "events": [...], "errors": [...], "lines": N};
"errors" lists every property the parser could not read (icalendar records
them per component instead of raising); "lines" is how many lines Python's
own str.splitlines finds in the feed, which breaks lines at U+0085, U+2028
and U+2029 too (a reader splitting that way must see the same lines as one
splitting at CRLF). Exits non-zero if the file cannot be parsed.
"""
import json
import sys
from datetime import timezone

import icalendar


def utc_iso(value):
    dt = value.dt
    if dt.tzinfo is None or dt.utcoffset().total_seconds() != 0:
        raise ValueError("not a UTC date-time: %r" % (dt,))
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def text(component, name):
    value = component.get(name)
    return None if value is None else str(value)


def main(path):
    with open(path, "rb") as f:
        raw = f.read()
    cal = icalendar.Calendar.from_ical(raw)
    errors = []
    for component in cal.walk():
        for prop, message in getattr(component, "errors", []):
            errors.append("%s %s: %s" % (component.name, prop, message))
    events = []
    for ev in cal.walk("VEVENT"):
        organizer = ev.get("ORGANIZER")
        events.append({
            "uid": text(ev, "UID"),
            "summary": text(ev, "SUMMARY"),
            "description": text(ev, "DESCRIPTION"),
            "location": text(ev, "LOCATION"),
            "url": text(ev, "URL"),
            "dtstamp": utc_iso(ev["DTSTAMP"]),
            "dtstart": utc_iso(ev["DTSTART"]),
            "dtend": utc_iso(ev["DTEND"]),
            "created": utc_iso(ev["CREATED"]),
            "last_modified": utc_iso(ev["LAST-MODIFIED"]),
            "status": text(ev, "STATUS"),
            "sequence": int(ev.decoded("SEQUENCE")),
            "organizer": None if organizer is None else str(organizer),
            "organizer_cn": None if organizer is None else organizer.params.get("CN"),
        })
    calendar = {name.lower(): text(cal, name) for name in
                ("VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME",
                 "REFRESH-INTERVAL", "X-PUBLISHED-TTL")}
    lines = len(raw.decode("utf-8").splitlines())
    json.dump({"calendar": calendar, "events": events, "errors": errors, "lines": lines},
              sys.stdout, ensure_ascii=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
