"""The host roster: the LMS answers "what is this user in this course?" from Python."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from livecourse import Engine, Forbidden, HostCallbackError, Role, Roster, RosterLike
from support import T0

LMS = {
    ("law", "prof"): "instructor",
    ("law", "ta"): Role.MODERATOR,
    ("law", "ana"): "student",
    ("law", "bob"): Role.STUDENT,
    ("law", "cy"): 1,  # lc_role value of a student
}


def one_hour(engine, actor="prof", course_id="law", **kw):
    return engine.create_session(actor=actor, course_id=course_id, title="t", starts_at=T0,
                                 ends_at=T0 + dt.timedelta(hours=1), **kw)


def test_plain_callable_roster(tmp_path, clock):
    calls = []

    def role_of(course_id: str, user_id: str):
        calls.append((course_id, user_id))
        return LMS.get((course_id, user_id))  # None: not in the course

    with Engine(database=tmp_path / "r.db", roster=role_of, clock=clock) as engine:
        assert engine.role_of(course_id="law", user_id="prof") is Role.INSTRUCTOR
        assert engine.role_of(course_id="law", user_id="ta") is Role.MODERATOR
        assert engine.role_of(course_id="law", user_id="cy") is Role.STUDENT
        assert engine.role_of(course_id="law", user_id="zed") is Role.NONE
        s = one_hour(engine)
        engine.start_session(actor="ta", session_id=s.id)
        assert engine.join(actor="ana", session_id=s.id).session_id == s.id
        with pytest.raises(Forbidden) as e:
            engine.join(actor="zed", session_id=s.id)
        assert e.value.reason == "not_enrolled"
        with pytest.raises(Forbidden) as e:
            one_hour(engine, actor="bob")
        assert e.value.reason == "forbidden"
    assert ("law", "ana") in calls and ("law", "zed") in calls


def test_roster_object_with_courses_and_counts(tmp_path, clock):
    class Lms:
        def role_of(self, course_id, user_id):
            return LMS.get((course_id, user_id))

        def courses_of(self, user_id):
            return {c: r for (c, u), r in LMS.items() if u == user_id}

        def count_students(self, course_id):
            return 10 if course_id == "law" else None

    lms = Lms()
    assert isinstance(lms, RosterLike)
    with Engine(database=tmp_path / "o.db", roster=lms, clock=clock) as engine:
        s = one_hour(engine)
        events = engine.calendar_events(actor="ana", start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1))
        assert [e.id for e in events] == [s.id]
        assert engine.calendar_events(actor="zed", start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1)) == []
        engine.start_session(actor="prof", session_id=s.id)
        for user in ("ana", "bob", "cy"):
            engine.join(actor=user, session_id=s.id)
        stats = engine.statistics(actor="prof", session_id=s.id)
        assert stats.students_count == 3 and stats.enrolled_count == 10
        assert stats.attendance_rate == pytest.approx(0.3)


def test_roster_dataclass_of_callables(tmp_path, clock):
    roster = Roster(
        role_of=lambda c, u: LMS.get((c, u)),
        courses_of=lambda u: [(c, r) for (c, uu), r in LMS.items() if uu == u],
        count_students=lambda c: None,  # unknown: no attendance rate
    )
    with Engine(database=tmp_path / "d.db", roster=roster, clock=clock) as engine:
        s = one_hour(engine)
        assert [e.id for e in engine.calendar_events(actor="bob", start=dt.date(2026, 3, 7),
                                                     end=dt.date(2026, 3, 8))] == [s.id]
        engine.start_session(actor="prof", session_id=s.id)
        engine.join(actor="bob", session_id=s.id)
        stats = engine.statistics(actor="prof", session_id=s.id)
        assert stats.enrolled_count is None and stats.attendance_rate is None


def test_raising_roster_fails_the_call_and_chains_the_exception(tmp_path, clock):
    class LmsDown(ConnectionError):
        pass

    healthy = threading.Event()
    healthy.set()

    def role_of(course_id, user_id):
        if not healthy.is_set():
            raise LmsDown("LMS database unreachable")
        return LMS.get((course_id, user_id))

    with Engine(database=tmp_path / "x.db", roster=role_of, clock=clock) as engine:
        s = one_hour(engine)
        engine.start_session(actor="prof", session_id=s.id)
        healthy.clear()
        with pytest.raises(HostCallbackError) as e:
            engine.join(actor="ana", session_id=s.id)
        assert isinstance(e.value.__cause__, LmsDown)
        assert str(e.value.__cause__) == "LMS database unreachable"
        assert e.value.category == "host_callback"
        # The failure is not sticky: the next call works again.
        healthy.set()
        assert engine.join(actor="ana", session_id=s.id).session_id == s.id


def test_roster_returning_nonsense_is_a_callback_error(tmp_path, clock):
    answers = {"prof": "instructor", "ana": "emperor", "bob": 3.5, "cy": 42}
    with Engine(database=tmp_path / "n.db", roster=lambda c, u: answers.get(u), clock=clock) as engine:
        s = one_hour(engine)
        engine.start_session(actor="prof", session_id=s.id)
        with pytest.raises(HostCallbackError) as e:
            engine.join(actor="ana", session_id=s.id)
        assert isinstance(e.value.__cause__, ValueError) and "emperor" in str(e.value.__cause__)
        with pytest.raises(HostCallbackError) as e:
            engine.join(actor="bob", session_id=s.id)
        assert isinstance(e.value.__cause__, TypeError)
        with pytest.raises(HostCallbackError) as e:
            engine.join(actor="cy", session_id=s.id)
        assert isinstance(e.value.__cause__, ValueError)


def test_raising_courses_of_fails_calendars(tmp_path, clock):
    def courses_of(user_id):
        raise KeyError(user_id)

    roster = Roster(role_of=lambda c, u: LMS.get((c, u)), courses_of=courses_of)
    with Engine(database=tmp_path / "c.db", roster=roster, clock=clock) as engine:
        with pytest.raises(HostCallbackError) as e:
            engine.calendar_events(actor="ana", start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1))
        assert isinstance(e.value.__cause__, KeyError)


def test_roster_callbacks_run_concurrently_and_the_callables_stay_alive(tmp_path, clock):
    """The engine keeps its ctypes callbacks; a roster made of temporaries still works later."""
    import gc

    def make_engine():
        return Engine(database=tmp_path / "alive.db", roster=Roster(role_of=lambda c, u: LMS.get((c, u))),
                      clock=clock)

    engine = make_engine()
    gc.collect()
    try:
        s = one_hour(engine)
        engine.start_session(actor="prof", session_id=s.id)
        results = []
        threads = [threading.Thread(target=lambda u=u: results.append(engine.join(actor=u, session_id=s.id)))
                   for u in ("ana", "bob", "cy", "ta")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results) == 4
    finally:
        engine.close()
