"""Datetimes: aware in, aware UTC out; naive refused; the clock hook."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from livecourse import Engine, HostCallbackError, SessionStatus, ValidationError
from support import T0, UTC, enroll_course, schedule

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def test_aware_datetimes_round_trip_as_utc(engine, course):
    start = dt.datetime(2026, 7, 14, 10, 30, 45, 987654, tzinfo=PARIS)  # 08:30:45Z, fractions dropped
    end = dt.datetime(2026, 7, 14, 6, 0, tzinfo=NEW_YORK)  # 10:00Z
    s = engine.create_session(actor=course.instructor, course_id=course.id, title="t", starts_at=start, ends_at=end)
    assert s.starts_at == dt.datetime(2026, 7, 14, 8, 30, 45, tzinfo=UTC)
    assert s.ends_at == dt.datetime(2026, 7, 14, 10, 0, tzinfo=UTC)
    for value in (s.starts_at, s.ends_at, s.created_at, s.updated_at):
        assert value.tzinfo is UTC and value.utcoffset() == dt.timedelta(0)
    assert s.raw["starts_at"] == "2026-07-14T08:30:45Z"
    again = engine.get_session(actor=course.students[0], session_id=s.id)
    # A student reads the same session without its room name (a key to the room).
    assert again == dataclasses.replace(s, jitsi_room_name=None)
    assert again.actual_start_at is None and again.actual_end_at is None
    # A fixed-offset zone works the same.
    plus_five = dt.timezone(dt.timedelta(hours=5, minutes=30))
    moved = engine.update_session(actor=course.instructor, session_id=s.id,
                                  starts_at=dt.datetime(2026, 7, 14, 13, 0, tzinfo=plus_five))
    assert moved.starts_at == dt.datetime(2026, 7, 14, 7, 30, tzinfo=UTC)
    # RFC 3339 strings pass through, offsets included.
    moved = engine.update_session(actor=course.instructor, session_id=s.id, starts_at="2026-07-14T09:00:00+02:00")
    assert moved.starts_at == dt.datetime(2026, 7, 14, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
def test_naive_datetimes_are_refused(engine, course, field):
    times = {"starts_at": T0, "ends_at": T0 + dt.timedelta(hours=1)}
    times[field] = times[field].replace(tzinfo=None)
    with pytest.raises(ValidationError) as e:
        engine.create_session(actor=course.instructor, course_id=course.id, title="t", **times)
    assert e.value.field == field and "naive" in e.value.message
    assert engine.list_sessions(actor=course.instructor, course_id=course.id) == []


def test_naive_datetimes_are_refused_everywhere(engine, course):
    s = schedule(engine, course)
    naive = dt.datetime(2026, 3, 8, 10, 0)
    with pytest.raises(ValidationError) as e:
        engine.update_session(actor=course.instructor, session_id=s.id, ends_at=naive)
    assert e.value.field == "ends_at"
    with pytest.raises(ValidationError) as e:
        engine.calendar_events(actor=course.instructor, start=naive, end=T0)
    assert e.value.field == "start"
    with pytest.raises(ValidationError) as e:
        engine.cancel_series(actor=course.instructor, series_id="x", from_=naive)
    assert e.value.field == "from"
    with pytest.raises(ValidationError) as e:
        engine.create_series(actor=course.instructor, course_id=course.id, title="t", first_date=naive,
                             start_time=dt.time(10), duration_minutes=60, weekdays=[1], timezone="UTC", count=1)
    assert e.value.field == "first_date"
    with pytest.raises(ValidationError) as e:
        engine.create_series(actor=course.instructor, course_id=course.id, title="t", first_date=dt.date(2026, 9, 1),
                             start_time=dt.time(10, tzinfo=PARIS), duration_minutes=60, weekdays=[1],
                             timezone="UTC", count=1)
    assert e.value.field == "start_time"


def test_calendar_bounds_take_dates_and_aware_datetimes(engine, course):
    s = schedule(engine, course, start=dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    by_date = engine.calendar_events(actor=course.students[0], start=dt.date(2026, 3, 10), end=dt.date(2026, 3, 11))
    assert [e.id for e in by_date] == [s.id]
    # 09:30 Paris is 08:30Z: before the class; 10:30 Paris is 09:30Z: during it.
    window = engine.calendar_events(
        actor=course.students[0],
        start=dt.datetime(2026, 3, 10, 9, 30, tzinfo=PARIS),
        end=dt.datetime(2026, 3, 10, 10, 30, tzinfo=PARIS),
    )
    assert [e.id for e in window] == [s.id]
    assert window[0].starts_at == dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    none = engine.calendar_events(actor=course.students[0], start=dt.date(2026, 3, 11), end=dt.date(2026, 3, 12),
                                  status=SessionStatus.SCHEDULED)
    assert none == []


def test_clock_hook_drives_the_engines_time(engine, course, clock):
    clock.set(dt.datetime(2026, 3, 7, 13, 2, 17, tzinfo=UTC))
    s = schedule(engine, course)
    assert s.created_at == dt.datetime(2026, 3, 7, 13, 2, 17, tzinfo=UTC)
    clock.advance(minutes=3)
    live = engine.start_session(actor=course.instructor, session_id=s.id)
    assert live.actual_start_at == dt.datetime(2026, 3, 7, 13, 5, 17, tzinfo=UTC) == live.updated_at


def test_clock_may_return_unix_seconds(tmp_path):
    seconds = [1_780_000_000.75]
    with Engine(database=tmp_path / "c.db", clock=lambda: seconds[0]) as engine:
        course = enroll_course(engine)
        s = schedule(engine, course)
        assert s.created_at == dt.datetime.fromtimestamp(1_780_000_000, tz=UTC)
        seconds[0] += 60
        live = engine.start_session(actor=course.instructor, session_id=s.id)
        assert live.actual_start_at == dt.datetime.fromtimestamp(1_780_000_060, tz=UTC)


def test_default_clock_is_the_system_clock(tmp_path):
    with Engine(database=tmp_path / "sys.db") as engine:
        course = enroll_course(engine)
        before = dt.datetime.now(UTC).replace(microsecond=0)
        s = schedule(engine, course)
        after = dt.datetime.now(UTC)
        assert before <= s.created_at <= after


def test_naive_clock_is_refused_at_construction(tmp_path):
    with pytest.raises(ValidationError) as e:
        Engine(database=tmp_path / "n.db", clock=lambda: dt.datetime(2026, 1, 1))
    assert e.value.field == "clock"


def test_failing_clock_fails_the_call(tmp_path):
    state = {"fail": False}

    def clock():
        if state["fail"]:
            raise OSError("NTP is down")
        return T0

    with Engine(database=tmp_path / "f.db", clock=clock) as engine:
        course = enroll_course(engine)
        state["fail"] = True
        with pytest.raises(HostCallbackError) as e:
            schedule(engine, course)
        assert isinstance(e.value.__cause__, OSError) and str(e.value.__cause__) == "NTP is down"
        state["fail"] = False
        assert engine.list_sessions(actor=course.instructor, course_id=course.id) == []
        assert schedule(engine, course).created_at == T0
