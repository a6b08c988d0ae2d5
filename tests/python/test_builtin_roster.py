"""The built-in roster, user profiles and actors."""

from __future__ import annotations

import urllib.parse

import pytest

from livecourse import Actor, Enrollment, Forbidden, Role
from support import schedule


def test_enroll_set_role_unenroll(engine):
    e = engine.enroll(course_id="c1", user_id="ana")
    assert e == Enrollment("c1", "ana", Role.STUDENT)
    assert engine.role_of(course_id="c1", user_id="ana") is Role.STUDENT
    assert engine.set_role(course_id="c1", user_id="ana", role="moderator").role is Role.MODERATOR
    assert engine.role_of(course_id="c1", user_id="ana") is Role.MODERATOR
    assert engine.role_of(course_id="c2", user_id="ana") is Role.NONE
    assert engine.unenroll(course_id="c1", user_id="ana").role is Role.NONE
    assert engine.role_of(course_id="c1", user_id="ana") is Role.NONE
    assert Role.INSTRUCTOR.is_staff and not Role.STUDENT.is_staff
    assert [r.code for r in Role] == [0, 1, 2, 3]
    assert str(Role.MODERATOR) == "moderator"


def test_unenrolled_student_loses_access(engine, course, clock):
    session = schedule(engine, course)
    engine.start_session(actor=course.instructor, session_id=session.id)
    leaver = course.students[0]
    engine.unenroll(course_id=course.id, user_id=leaver)
    with pytest.raises(Forbidden) as e:
        engine.join(actor=leaver, session_id=session.id)
    assert e.value.reason == "not_enrolled"


def test_put_user_and_actor_profiles(engine, course):
    ana = Actor(course.students[0], name="Ana Lúcia", email="ana@example.org", avatar="https://img.example.org/a.png")
    assert engine.put_user(ana).user_id == ana.user_id
    assert engine.put_user(user_id="bob", name="Bob").name == "Bob"
    session = schedule(engine, course)
    engine.start_session(actor=Actor(course.instructor, name="Prof"), session_id=session.id)
    link = engine.join(actor=ana, session_id=session.id).jitsi_join_url
    # The display name travels in the link's fragment as JSON, percent-encoded.
    fragment = urllib.parse.unquote(urllib.parse.urlsplit(link).fragment)
    assert 'userInfo.displayName="Ana Lúcia"' in fragment


def test_actor_must_be_an_actor_or_a_string(engine, course):
    with pytest.raises(TypeError):
        engine.get_session(actor=42, session_id="x")  # type: ignore[arg-type]
