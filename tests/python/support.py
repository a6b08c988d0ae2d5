"""Helpers shared by the Python binding's tests (imported by conftest and tests)."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import List

from livecourse import Engine, Role

UTC = dt.timezone.utc
# Saturday 7 March 2026, 14:00 in Paris (13:00Z): the seed's Q&A slot.
T0 = dt.datetime(2026, 3, 7, 13, 0, tzinfo=UTC)
SECRET = "s3cret-s3cret-s3cret-s3cret-s3cret-0123456789"  # >= 32 bytes
FEED_SECRET = "feed-secret-feed-secret-feed-secret-0123456789"


class ManualClock:
    """A clock the tests move by hand; the engine reads it through the hook."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self._lock = threading.Lock()
        self._now = start

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, when: dt.datetime) -> None:
        with self._lock:
            self._now = when

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self._now += dt.timedelta(**delta)
            return self._now


@dataclass
class Course:
    id: str
    instructor: str
    moderator: str
    students: List[str] = field(default_factory=list)
    outsider: str = "mallory"


def enroll_course(engine: Engine, course_id: str = "gov-101", students: int = 5) -> Course:
    course = Course(
        id=course_id,
        instructor="prof",
        moderator="ta",
        students=[f"student-{i:03d}" for i in range(1, students + 1)],
    )
    engine.enroll(course_id=course.id, user_id=course.instructor, role=Role.INSTRUCTOR)
    engine.enroll(course_id=course.id, user_id=course.moderator, role=Role.MODERATOR)
    for s in course.students:
        engine.enroll(course_id=course.id, user_id=s)  # student by default
    return course


def schedule(engine: Engine, course: Course, start: dt.datetime = T0, hours: float = 1, **kw):
    return engine.create_session(
        actor=course.instructor,
        course_id=course.id,
        title=kw.pop("title", "Q&A sur la gouvernance"),
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        **kw,
    )
