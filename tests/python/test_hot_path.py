"""The hot operations (join, leave, token, heartbeat): cheap requests and results, same answers."""

from __future__ import annotations

import dataclasses
import json
import threading
import time

import jwt
import pytest

from livecourse import (
    Actor,
    EngineClosed,
    JoinResult,
    PresenceAck,
    TokenResult,
    Unauthenticated,
    ValidationError,
)
from livecourse import _json
from support import enroll_course, schedule


def live_session(engine, course):
    s = schedule(engine, course)
    engine.start_session(actor=course.instructor, session_id=s.id)
    return s


def claims_of(url: str) -> dict:
    token = url.split("jwt=", 1)[1].split("#", 1)[0].split("&", 1)[0]
    return jwt.decode(token, options={"verify_signature": False})


ACTORS = [
    Actor("u1"),
    Actor("u2", name="Zoé Ünal", email="zoe@example.edu", avatar="https://cdn.example.edu/z.png"),
    Actor("u3", name='quote " backslash \\ tab \t line \u2028 nul \x00', email=None, avatar=None),
    Actor("u4", name="emoji 🎓", email="e@example.edu"),
]


@pytest.mark.parametrize("actor", ACTORS, ids=lambda a: a.user_id)
@pytest.mark.parametrize("session_id", ["s1", "sé \" \\ \u2028", ""])
def test_hot_requests_are_the_bytes_the_generic_encoder_writes(actor, session_id):
    expected = _json.encode({"actor": actor.to_json(), "session_id": session_id})
    assert _json.acting_on_session(actor._encoded(), session_id) == expected
    assert json.loads(expected) == {"actor": actor.to_json(), "session_id": session_id}


def test_cached_actor_encoding_reflects_the_actors_fields(self_hosted):
    engine = self_hosted
    course = enroll_course(engine)
    s = live_session(engine, course)
    ada = Actor(course.students[0], name="Ada", email="ada@example.edu", avatar="https://cdn.example.edu/ada.png")
    user = claims_of(engine.join(actor=ada, session_id=s.id).jitsi_join_url)["context"]["user"]
    assert (user["name"], user["email"], user["avatar"]) == ("Ada", "ada@example.edu", "https://cdn.example.edu/ada.png")

    # A changed copy encodes its own fields; the original keeps its own.
    grace = dataclasses.replace(ada, name="Grace", email=None)
    assert grace._encoded() != ada._encoded()
    user = claims_of(engine.token(actor=grace, session_id=s.id).jitsi_join_url)["context"]["user"]
    assert user["name"] == "Grace" and user.get("email", "") == ""
    user = claims_of(engine.token(actor=ada, session_id=s.id).jitsi_join_url)["context"]["user"]
    assert user["name"] == "Ada" and user["email"] == "ada@example.edu"

    # The cache is not a field: not compared, not shown, not in asdict.
    assert ada == Actor(ada.user_id, "Ada", "ada@example.edu", "https://cdn.example.edu/ada.png")
    assert set(dataclasses.asdict(ada)) == {"user_id", "name", "email", "avatar"}
    assert "_json_text" not in repr(ada)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ada.name = "changed"  # type: ignore[misc]


def test_unencodable_actor_or_session_id_is_refused_each_time(engine, course):
    s = live_session(engine, course)
    bad = Actor(course.students[0], name="bad\ud800surrogate")
    for _ in range(2):  # a failed encoding is not cached
        with pytest.raises(ValidationError):
            engine.join(actor=bad, session_id=s.id)
    with pytest.raises(ValidationError):
        engine.join(actor=course.students[0], session_id="bad\udc00")
    with pytest.raises(ValidationError):
        engine.join(actor="bad\udc00", session_id=s.id)


@pytest.mark.parametrize("op", ["join", "leave", "token", "heartbeat"])
def test_hot_operations_keep_typed_errors_naming_the_field(engine, course, op):
    s = live_session(engine, course)
    call = getattr(engine, op)
    student = course.students[0]
    with pytest.raises(Unauthenticated) as e:
        call(actor=Actor(""), session_id=s.id)
    assert e.value.field == "actor.user_id"
    with pytest.raises(ValidationError) as e:
        call(actor=Actor(student, name="n" * 5000), session_id=s.id)
    assert e.value.field == "actor.name"
    with pytest.raises(ValidationError) as e:
        call(actor=Actor(student, email="e" * 5000), session_id=s.id)
    assert e.value.field == "actor.email"
    with pytest.raises(ValidationError) as e:
        call(actor=Actor(student, avatar="not a url"), session_id=s.id)
    assert e.value.field == "actor.avatar"
    with pytest.raises(ValidationError) as e:
        call(actor=Actor(student, name=7), session_id=s.id)  # type: ignore[arg-type]
    assert e.value.field == "actor.name"
    with pytest.raises(ValidationError) as e:
        call(actor=student, session_id=7)  # type: ignore[arg-type]
    assert e.value.field == "session_id"
    with pytest.raises(ValidationError) as e:
        call(actor=student, session_id=None)  # type: ignore[arg-type]
    assert e.value.field == "session_id"
    with pytest.raises(TypeError):
        call(actor=7, session_id=s.id)  # type: ignore[arg-type]


def test_hot_results_are_the_vocabularys_dataclasses(self_hosted):
    engine = self_hosted
    course = enroll_course(engine)
    s = live_session(engine, course)
    student = Actor(course.students[1], name="Student One")
    joined = engine.join(actor=student, session_id=s.id)
    assert isinstance(joined, JoinResult) and joined == JoinResult.from_json(joined.raw)
    assert joined.session_id == s.id and joined.jitsi_room_password is None and not joined.rejoined
    assert set(joined.raw) == {"session_id", "jitsi_room_name", "jitsi_join_url", "jitsi_room_password", "rejoined"}
    assert hash(joined) == hash(JoinResult.from_json(dict(joined.raw)))
    with pytest.raises(TypeError):
        joined.raw["session_id"] = "x"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        joined.rejoined = True  # type: ignore[misc]
    assert engine.join(actor=student, session_id=s.id).rejoined

    token = engine.token(actor=student, session_id=s.id)
    assert isinstance(token, TokenResult) and token == TokenResult.from_json(token.raw)
    assert token.jwt and token.expires_at.tzinfo is not None
    ack = engine.heartbeat(actor=student, session_id=s.id)
    assert isinstance(ack, PresenceAck) and ack.recorded and ack.raw["session_id"] == s.id
    assert engine.leave(actor=student, session_id=s.id) is True
    lefts = [engine.leave(actor=student, session_id=s.id) for _ in range(3)]  # joined twice: maybe one more open
    assert lefts[-1] is False and all(isinstance(x, bool) for x in lefts)

    # from_json keeps a copy: the caller's document may change afterwards.
    doc = dict(joined.raw)
    copy = JoinResult.from_json(doc)
    doc["session_id"] = "changed"
    assert copy.raw["session_id"] == s.id


def test_every_call_after_close_raises_engine_closed(engine, course):
    s = live_session(engine, course)
    engine.close()
    for op in ("join", "leave", "token", "heartbeat"):
        with pytest.raises(EngineClosed):
            getattr(engine, op)(actor=course.students[0], session_id=s.id)
    with pytest.raises(EngineClosed):
        engine.get_session(actor=course.instructor, session_id=s.id)


def test_close_during_a_rush_waits_and_later_calls_raise_engine_closed(tmp_path):
    from livecourse import Engine

    engine = Engine(database=tmp_path / "rush-close.db")  # no hooks: the lock-free path
    course = enroll_course(engine, students=8)
    s = live_session(engine, course)
    go = threading.Barrier(len(course.students) + 1)
    outcomes = {"ok": 0, "closed": 0}
    errors = []
    count = threading.Lock()

    def rush(user):
        go.wait()
        while True:
            try:
                engine.join(actor=user, session_id=s.id)
                engine.heartbeat(actor=user, session_id=s.id)
                with count:
                    outcomes["ok"] += 1
            except EngineClosed:
                with count:
                    outcomes["closed"] += 1
                return
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return

    threads = [threading.Thread(target=rush, args=(u,)) for u in course.students]
    for t in threads:
        t.start()
    go.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not errors:
        with count:
            if outcomes["ok"] >= 50:
                break
        time.sleep(0.001)
    engine.close()
    assert engine.closed and not engine._calls  # nothing was in flight once close returned
    for t in threads:
        t.join(10)
    assert errors == []
    assert outcomes["closed"] == len(course.students)
