"""Presence the video server reports, heartbeats and recordings, from Python.

The JaaS signatures are computed here with Python's own hmac module, so the
library's verifier is checked against an independent implementation.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from pathlib import Path
from typing import Iterator

import pytest

from livecourse import CensusAck, Engine, PresenceAck, RecordingResult, Unauthenticated, ValidationError

from support import FEED_SECRET, ManualClock, enroll_course, schedule

EVENTS_SECRET = "event-sync-secret-0123456789abcdefghijklmnop"
JAAS_SECRET = "whsec_python_binding_secret_0123456789"
FIXTURES = Path(__file__).resolve().parents[1] / "data" / "presence"


@pytest.fixture
def engine(db_path: Path, clock: ManualClock) -> Iterator[Engine]:
    presence = {"video_events_secret": EVENTS_SECRET, "jaas_webhook_secret": JAAS_SECRET,
                "presence_timeout_seconds": dt.timedelta(seconds=90)}
    with Engine(database=db_path, calendar={"feed_secret": FEED_SECRET}, clock=clock, presence=presence) as e:
        yield e


def unix(t: dt.datetime) -> int:
    return int(t.timestamp())


def sign(body: bytes, t: int, secret: str = JAAS_SECRET) -> str:
    mac = hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256).digest()
    return f"t={t},v1={base64.b64encode(mac).decode()}"


def start(engine: Engine, course, clock: ManualClock):
    session = schedule(engine, course)
    clock.set(session.starts_at)
    return engine.start_session(actor=course.instructor, session_id=session.id)


def test_event_sync_occupants_become_attendance(engine: Engine, course, clock: ManualClock):
    s = start(engine, course, clock)
    base = unix(s.actual_start_at)
    student = course.students[0]
    occupant = {"occupant_jid": "abc@meet.example.org/X1", "id": student, "name": "S", "joined_at": base + 60}
    payload = {"event_name": "muc-occupant-joined", "room_name": s.jitsi_room_name, "occupant": occupant}
    clock.advance(minutes=10)
    ack = engine.jitsi_event(secret=EVENTS_SECRET, kind="occupant/joined", payload=payload)
    assert isinstance(ack, PresenceAck) and ack.recorded and ack.reason is None
    # The left, as raw body text with the header value, arrives twice.
    left = dict(payload, event_name="muc-occupant-left", occupant=dict(occupant, left_at=base + 360))
    body = json.dumps(left).encode()
    assert engine.jitsi_event(secret="Bearer " + EVENTS_SECRET, kind="occupant/left", body=body).recorded
    again = engine.jitsi_event(secret=EVENTS_SECRET, kind="occupant/left", body=body)
    assert (again.status, again.reason) == ("ignored", "duplicate")
    rows = {r.user_id: r for r in engine.attendance(actor=course.instructor, session_id=s.id)}
    assert rows[student].present_seconds == 300
    assert rows[student].source.value == "video_server"

    unknown = engine.jitsi_event(secret=EVENTS_SECRET, kind="occupant/joined",
                                 payload=dict(payload, room_name="lc-nowhere"))
    assert (unknown.status, unknown.reason) == ("ignored", "unknown_room")
    with pytest.raises(Unauthenticated) as err:
        engine.jitsi_event(secret="wrong", kind="occupant/joined", payload=payload)
    assert err.value.code == "invalid_secret"
    with pytest.raises(ValidationError) as bad:
        engine.jitsi_event(secret=EVENTS_SECRET, kind="occupant/joined", body=b"{not json")
    assert bad.value.field == "body"


def test_room_census_closes_what_the_reports_missed(engine: Engine, course, clock: ManualClock):
    s = start(engine, course, clock)
    here, ghost = course.students[0], course.students[1]
    for user in (here, ghost):
        engine.put_user(user_id=user, name=user, email=f"{user}@School.example.edu")
        engine.join(actor=user, session_id=s.id)
    clock.advance(minutes=10)
    # mod_muc_size's GET /room answer for the main room, as the host received it.
    occupants = [{"jid": f"{s.jitsi_room_name}@conference.meet.example.org/3f2a", "email": f"{here}@school.example.edu",
                  "display_name": here},
                 {"jid": f"{s.jitsi_room_name}@conference.meet.example.org/9d1c", "email": "", "display_name": "Guest"}]
    at = s.actual_start_at + dt.timedelta(minutes=4)
    ack = engine.room_census(secret=EVENTS_SECRET, room=s.jitsi_room_name, occupants=occupants, at=at)
    assert isinstance(ack, CensusAck) and ack.recorded
    assert (ack.session_id, ack.named, ack.absent, ack.unidentified) == (s.id, 1, 1, 1)
    rows = {r.user_id: r for r in engine.attendance(actor=course.instructor, session_id=s.id)}
    assert rows[here].present_seconds == 600 and rows[here].is_present
    assert rows[ghost].present_seconds == 240 and not rows[ghost].is_present
    again = engine.room_census(secret=EVENTS_SECRET, room=s.jitsi_room_name, occupants=occupants, at=unix(at))
    assert (again.recorded, again.reason) == (False, "duplicate")
    with pytest.raises(Unauthenticated):
        engine.room_census(secret="wrong", room=s.jitsi_room_name, occupants=occupants)
    with pytest.raises(ValidationError) as bad:
        engine.room_census(secret=EVENTS_SECRET, room=s.jitsi_room_name, occupants=[{"email": 3}])
    assert bad.value.field == "occupants[0].email"


def test_jaas_webhook_signed_with_pythons_hmac(engine: Engine, course, clock: ManualClock):
    s = start(engine, course, clock)
    clock.advance(minutes=5)
    now = unix(clock())
    student = course.students[1]

    def body(event, ms, key, **data):
        return json.dumps({"idempotencyKey": key, "customerId": "c", "appId": "vpaas-magic-cookie-x",
                           "eventType": event, "sessionId": "m", "timestamp": ms,
                           "fqn": "vpaas-magic-cookie-x/" + s.jitsi_room_name, "data": data}).encode()

    joined = body("PARTICIPANT_JOINED", (unix(s.actual_start_at) + 30) * 1000, "k1", id=student, participantId="p1")
    left = body("PARTICIPANT_LEFT", (unix(s.actual_start_at) + 90) * 1000 + 999, "k2", id=student, participantId="p1")
    # The left first: order does not matter.
    assert engine.jaas_webhook(body=left, signature=sign(left, now)).recorded
    assert engine.jaas_webhook(body=joined, signature=sign(joined, now)).recorded
    assert engine.jaas_webhook(body=joined, signature=sign(joined, now)).reason == "duplicate"
    rows = {r.user_id: r for r in engine.attendance(actor=course.instructor, session_id=s.id)}
    assert rows[student].present_seconds == 60

    refused = [
        (joined.replace(b"p1", b"p2"), sign(joined, now)),            # tampered body
        (joined, sign(joined, now, "another-secret-0123456789abcdef")),  # wrong secret
        (joined, sign(joined, now - 301)),                            # stale t
        (joined, sign(joined, now).replace("v1=", "v2=")),            # unknown scheme only
        (joined, None),                                               # no signature
    ]
    for payload, signature in refused:
        with pytest.raises(Unauthenticated) as err:
            engine.jaas_webhook(body=payload, signature=signature)
        assert err.value.code in ("invalid_signature", "stale_signature")
    rows = {r.user_id: r for r in engine.attendance(actor=course.instructor, session_id=s.id)}
    assert rows[student].present_seconds == 60  # nothing was recorded by the refused ones


def test_heartbeats_on_a_manual_clock(engine: Engine, course, clock: ManualClock):
    s = start(engine, course, clock)
    student = course.students[0]
    engine.join(actor=student, session_id=s.id)
    for _ in range(10):  # 0..270 s
        assert engine.heartbeat(actor=student, session_id=s.id).recorded
        clock.advance(seconds=30)
    clock.advance(seconds=600)  # the tab was closed: no heartbeat, no leave
    row = [r for r in engine.attendance(actor=course.instructor, session_id=s.id) if r.user_id == student][0]
    assert row.present_seconds == 270
    assert not row.is_present
    assert row.source.value == "heartbeat"
    assert engine.heartbeat(actor=student, session_id=s.id).recorded  # back: a new interval
    row = [r for r in engine.attendance(actor=course.instructor, session_id=s.id) if r.user_id == student][0]
    assert row.joins == 2 and row.is_present


def test_recording_by_instructor_and_by_secret(engine: Engine, course, clock: ManualClock):
    s = start(engine, course, clock)
    clock.advance(minutes=45)
    engine.end_session(actor=course.instructor, session_id=s.id)
    r = engine.set_recording(secret=EVENTS_SECRET, session_id=s.jitsi_room_name,
                             recording_url="https://media.example.edu/jibri/1.mp4")
    assert isinstance(r, RecordingResult) and r.recorded
    assert r.session is not None and r.session.recording_url == "https://media.example.edu/jibri/1.mp4"
    again = engine.set_recording(secret=EVENTS_SECRET, session_id=s.id, recording_url="https://media.example.edu/2.mp4")
    assert again.reason == "recording_url_already_set"
    final = engine.set_recording(actor=course.instructor, session_id=s.id,
                                 recording_url="https://media.example.edu/final.mp4")
    assert final.recorded and final.session.recording_url == "https://media.example.edu/final.mp4"
    with pytest.raises(ValidationError):
        engine.set_recording(session_id=s.id, recording_url="https://x.example/1.mp4")


def test_the_event_sync_fixture_replays_through_python(engine: Engine, clock: ManualClock):
    fixture = json.loads((FIXTURES / "event_sync_class.json").read_text())
    course = enroll_course(engine, course_id="c-fixture", students=0)
    for student in fixture["course_students"]:
        engine.enroll(course_id=course.id, user_id=student)
    s = start(engine, course, clock)
    base = unix(s.actual_start_at)

    def real(v, key=""):
        if isinstance(v, dict):
            return {k: real(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return [real(x, key) for x in v]
        if isinstance(v, str):
            return v.replace("{room}", s.jitsi_room_name)
        if isinstance(v, int) and not isinstance(v, bool) and key in ("joined_at", "left_at", "created_at", "destroyed_at"):
            return base + v
        return v

    clock.advance(seconds=fixture["duration_seconds"] + 1)
    for event in fixture["events"]:
        ack = engine.jitsi_event(secret=EVENTS_SECRET, kind=event["kind"], payload=real(event["payload"]))
        assert (ack.status if ack.recorded else f"ignored:{ack.reason}") == event["ack"], event["note"]
    engine.end_session(actor=course.instructor, session_id=s.id)
    rows = {r.user_id: r for r in engine.attendance(actor=course.instructor, session_id=s.id) if r.present_seconds}
    want = fixture["expected"]["attendance"]
    assert {u: r.present_seconds for u, r in rows.items()} == {u: w["present_seconds"] for u, w in want.items()}
    stats = engine.statistics(actor=course.instructor, session_id=s.id)
    assert stats.peak_concurrent == fixture["expected"]["statistics"]["peak_concurrent"]
    assert stats.average_presence_seconds == pytest.approx(fixture["expected"]["statistics"]["average_presence_seconds"])
