"""Calendar feeds: iCal text parsed by an independent parser, feed tokens and rotation."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from livecourse import Unauthenticated
from support import UTC, schedule


def _events(text):
    cal = icalendar.Calendar.from_ical(text)
    return [c for c in cal.walk() if c.name == "VEVENT"]


def test_feed_lists_the_users_sessions(engine, course, clock):
    now = clock()
    s1 = schedule(engine, course, start=now + dt.timedelta(days=2), title="Semaine 1")
    s2 = schedule(engine, course, start=now + dt.timedelta(days=9), title="Semaine 2; avec, virgules \\ et barre")
    text = engine.calendar_feed(user_id=course.students[0])
    assert isinstance(text, str) and text.startswith("BEGIN:VCALENDAR")
    events = _events(text)
    assert sorted(str(e["SUMMARY"]) for e in events) == sorted([s1.title, s2.title])
    starts = sorted(e.decoded("DTSTART") for e in events)
    assert starts == [s1.starts_at, s2.starts_at]
    assert all(e.decoded("DTSTART").utcoffset() == dt.timedelta(0) for e in events)
    # Someone outside the course gets an empty calendar.
    assert _events(engine.calendar_feed(user_id=course.outsider)) == []


def test_feed_tokens_and_rotation(engine, course, clock):
    schedule(engine, course, start=clock() + dt.timedelta(days=1))
    user = course.students[1]
    token = engine.feed_token(user_id=user)
    assert token == engine.feed_token(user_id=user)  # stable until rotated
    assert engine.calendar_feed_by_token(token=token) == engine.calendar_feed(user_id=user)
    rotated = engine.rotate_feed_token(user_id=user)
    assert rotated != token
    assert _events(engine.calendar_feed_by_token(token=rotated))
    with pytest.raises(Unauthenticated) as e:
        engine.calendar_feed_by_token(token=token)
    assert e.value.reason == "invalid_token"


def test_cancelled_session_stays_in_the_feed_as_cancelled(engine, course, clock):
    s = schedule(engine, course, start=clock() + dt.timedelta(days=3))
    engine.cancel_session(actor=course.instructor, session_id=s.id, reason="Grève")
    (event,) = _events(engine.calendar_feed(user_id=course.students[0]))
    assert str(event["STATUS"]).upper() == "CANCELLED"
    events = engine.calendar_events(actor=course.students[0], start=clock(), end=clock() + dt.timedelta(days=7))
    assert [e.status.value for e in events] == ["cancelled"]
    assert events[0].starts_at.tzinfo is UTC
