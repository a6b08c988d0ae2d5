"""Jitsi tokens, checked by an independent JWT implementation (PyJWT)."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import jwt
import pytest

from livecourse import Engine, TokenResult
from support import SECRET, UTC, enroll_course


def _live_now(engine):
    course = enroll_course(engine)
    now = dt.datetime.now(UTC)
    session = engine.create_session(actor=course.instructor, course_id=course.id, title="Live now",
                                    starts_at=now - dt.timedelta(minutes=1), ends_at=now + dt.timedelta(hours=1),
                                    recording_enabled=True)
    engine.start_session(actor=course.instructor, session_id=session.id)
    return course, session


def _decode(token):
    return jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi")


def test_self_hosted_tokens_verify_with_pyjwt(self_hosted):
    course, session = _live_now(self_hosted)
    student = course.students[0]
    joined = self_hosted.join(actor=student, session_id=session.id)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(joined.jitsi_join_url).query)
    claims = _decode(query["jwt"][0])
    assert jwt.get_unverified_header(query["jwt"][0]) == {"alg": "HS256", "typ": "JWT"}
    assert claims["iss"] == "lms" and claims["aud"] == "jitsi"
    assert claims["sub"] == "meet.example.org"
    assert claims["room"] == session.jitsi_room_name.lower()
    assert claims["context"]["user"]["id"] == student
    assert claims["context"]["user"]["moderator"] in (False, "false")

    result = self_hosted.token(actor=student, session_id=session.id)
    assert isinstance(result, TokenResult) and result.jwt
    claims = _decode(result.jwt)
    assert claims["exp"] == int(result.expires_at.timestamp())
    assert result.expires_at.tzinfo is UTC
    # Ends at the scheduled end plus the default 15-minute grace.
    assert result.expires_at == session.ends_at + dt.timedelta(minutes=15)
    assert result.jitsi_join_url.startswith(f"https://meet.example.org/{session.jitsi_room_name}?jwt=")


def test_instructor_token_is_a_moderator_with_recording(self_hosted):
    course, session = _live_now(self_hosted)
    from livecourse import Actor

    prof = Actor(course.instructor, name="Prof. Émile", email="emile@example.org")
    self_hosted.put_user(prof)
    claims = _decode(self_hosted.token(actor=prof, session_id=session.id).jwt)
    user = claims["context"]["user"]
    assert user["moderator"] in (True, "true")
    assert user["name"] == "Prof. Émile" and user["email"] == "emile@example.org"
    assert claims["context"]["features"]["recording"] in (True, "true")


def test_tokens_signed_with_another_secret_do_not_verify(self_hosted):
    course, session = _live_now(self_hosted)
    token = self_hosted.token(actor=course.instructor, session_id=session.id).jwt
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, SECRET + "x", algorithms=["HS256"], audience="jitsi")


def test_public_mode_has_no_token(tmp_path):
    with Engine(database=tmp_path / "pub.db") as engine:
        course, session = _live_now(engine)
        result = engine.token(actor=course.instructor, session_id=session.id)
        assert result.jwt is None
        assert result.jitsi_join_url.startswith(f"https://meet.jit.si/{session.jitsi_room_name}")
        assert "jwt=" not in result.jitsi_join_url
