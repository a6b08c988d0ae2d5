"""Every error category of the C ABI maps to its Python exception, with its details."""

from __future__ import annotations

import ctypes
import datetime as dt
import json

import pytest

import livecourse
from livecourse import (
    Conflict,
    Engine,
    EngineClosed,
    Forbidden,
    HostCallbackError,
    InternalError,
    LiveCourseError,
    NotFound,
    OutOfMemory,
    SessionFull,
    StorageError,
    Unauthenticated,
    ValidationError,
    WouldBlock,
)
from livecourse import errors as errors_module
from support import T0, schedule


def test_hierarchy():
    for cls in (ValidationError, NotFound, Forbidden, Conflict, SessionFull, StorageError, Unauthenticated,
                HostCallbackError, InternalError, OutOfMemory, EngineClosed):
        assert issubclass(cls, LiveCourseError)
    assert issubclass(ValidationError, ValueError)
    assert issubclass(NotFound, LookupError)
    assert issubclass(OutOfMemory, MemoryError)


@pytest.mark.parametrize(
    "status, category, cls",
    [
        (1, "invalid_argument", ValidationError),
        (2, "not_found", NotFound),
        (3, "forbidden", Forbidden),
        (4, "conflict", Conflict),
        (5, "session_full", SessionFull),
        (6, "storage", StorageError),
        (7, "unauthenticated", Unauthenticated),
        (8, "internal", InternalError),
        (9, "no_memory", OutOfMemory),
        (10, "host_callback", HostCallbackError),
        (11, "would_block", WouldBlock),
    ],
)
def test_each_status_maps_to_its_class(status, category, cls):
    """The table itself, for every lc_status, including those no test can provoke."""
    doc = {"error": {"code": "some_reason", "category": category, "message": "boom", "field": "f"}}
    exc = errors_module.from_error_document(status, doc)
    assert type(exc) is cls
    assert (exc.code, exc.category, exc.message, exc.field, exc.status) == ("some_reason", category, "boom", "f", status)
    # Without a document the status alone decides, and its name is the category.
    bare = errors_module.from_error_document(status, None)
    assert type(bare) is cls and bare.category == livecourse.errors.STATUS_NAMES[status] == bare.code
    # The C library names its statuses the same way.
    assert livecourse._library.LIB.lc_status_name(status).decode() == errors_module.STATUS_NAMES[status]


def test_validation_error_names_the_field(engine, course):
    with pytest.raises(ValidationError) as e:
        schedule(engine, course, hours=-1)
    assert e.value.field == "ends_at" and e.value.category == "invalid_argument" and e.value.code == "invalid_argument"
    assert e.value.status == 1 and "ends_at" in e.value.message
    with pytest.raises(ValidationError) as e:
        schedule(engine, course, max_participants=0)
    assert e.value.field == "max_participants"
    with pytest.raises(ValidationError) as e:
        schedule(engine, course, timezone="Mars/Olympus_Mons")
    assert e.value.field == "timezone"
    with pytest.raises(ValidationError) as e:
        engine.enroll(course_id=course.id, user_id="x", role="emperor")
    assert e.value.field == "role"
    with pytest.raises(ValidationError) as e:
        engine.create_session(actor=course.instructor, course_id=course.id, title="t",
                              starts_at="not a time", ends_at=T0)
    assert e.value.field == "starts_at"


def test_not_found(engine, course):
    with pytest.raises(NotFound) as e:
        engine.get_session(actor=course.instructor, session_id="no-such-session")
    assert e.value.category == "not_found" and e.value.reason is None
    with pytest.raises(NotFound):
        engine.cancel_series(actor=course.instructor, series_id="no-such-series")
    with pytest.raises(LookupError):
        engine.join(actor=course.students[0], session_id="../../etc/passwd")


def test_forbidden_reasons(engine, course, clock):
    session = schedule(engine, course)
    student = course.students[0]
    with pytest.raises(Forbidden) as e:
        engine.create_session(actor=student, course_id=course.id, title="mine", starts_at=T0, ends_at=T0 + dt.timedelta(hours=1))
    assert e.value.reason == "forbidden"
    with pytest.raises(Forbidden) as e:
        engine.get_session(actor=course.outsider, session_id=session.id)
    assert e.value.reason == "not_enrolled" and e.value.code == "not_enrolled" and e.value.category == "forbidden"
    with pytest.raises(Forbidden) as e:
        engine.join(actor=student, session_id=session.id)
    assert e.value.reason == "not_live"
    engine.start_session(actor=course.instructor, session_id=session.id)
    with pytest.raises(Forbidden) as e:
        engine.token(actor=student, session_id=session.id)
    assert e.value.reason == "not_participant"
    with pytest.raises(Forbidden) as e:
        engine.attendance(actor=student, session_id=session.id)
    assert e.value.reason == "forbidden"
    engine.end_session(actor=course.instructor, session_id=session.id)
    with pytest.raises(Forbidden) as e:
        engine.join(actor=student, session_id=session.id)
    assert e.value.reason == "session_ended"
    other = schedule(engine, course, start=T0 + dt.timedelta(days=1))
    engine.cancel_session(actor=course.instructor, session_id=other.id, reason="sick")
    with pytest.raises(Forbidden) as e:
        engine.join(actor=student, session_id=other.id)
    assert e.value.reason == "session_cancelled"
    assert "session_cancelled" in str(e.value)


def test_conflict(engine, course):
    session = schedule(engine, course)
    with pytest.raises(Conflict) as e:
        engine.end_session(actor=course.instructor, session_id=session.id)  # not live yet
    assert e.value.category == "conflict" and e.value.reason
    with pytest.raises(Conflict) as e:
        engine.update_session(actor=course.instructor, session_id=session.id, title="new", revision=session.revision + 5)
    assert e.value.reason == "revision_mismatch" and e.value.field == "revision"
    updated = engine.update_session(actor=course.instructor, session_id=session.id, title="new", revision=session.revision)
    assert updated.title == "new" and updated.revision == session.revision + 1


def test_session_full(engine, course):
    session = schedule(engine, course, max_participants=2)
    engine.start_session(actor=course.instructor, session_id=session.id)
    engine.join(actor=course.students[0], session_id=session.id)
    engine.join(actor=course.students[1], session_id=session.id)
    with pytest.raises(SessionFull) as e:
        engine.join(actor=course.students[2], session_id=session.id)
    assert e.value.code == "session_full" and e.value.status == 5
    # Staff never count against the limit; a student holding a seat may rejoin.
    engine.join(actor=course.moderator, session_id=session.id)
    assert engine.join(actor=course.students[0], session_id=session.id).rejoined


def test_storage_error(tmp_path):
    not_a_db = tmp_path / "garbage.db"
    not_a_db.write_bytes(b"this is not a SQLite database file " * 200)
    with pytest.raises(StorageError) as e:
        Engine(database=not_a_db)
    assert e.value.category == "storage"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StorageError):
        Engine(database=blocker / "sub" / "live.db")


def test_unauthenticated(engine, course):
    session = schedule(engine, course)
    with pytest.raises(Unauthenticated) as e:
        engine.get_session(actor="", session_id=session.id)
    assert e.value.category == "unauthenticated"
    with pytest.raises(Unauthenticated) as e:
        engine.calendar_feed_by_token(token="bm9ib2R5.forged")
    assert e.value.reason == "invalid_token"
    # No actor at all, through the raw call.
    with pytest.raises(Unauthenticated):
        engine.call_json("session_get", {"session_id": session.id})


def test_host_callback_error_chains_the_original(tmp_path):
    class Boom(RuntimeError):
        pass

    def roster(course_id, user_id):
        raise Boom(f"LMS unreachable while asking about {user_id}")

    with Engine(database=tmp_path / "cb.db", roster=roster) as engine:
        with pytest.raises(HostCallbackError) as e:
            engine.create_session(actor="prof", course_id="c", title="t", starts_at=T0, ends_at=T0 + dt.timedelta(hours=1))
    assert isinstance(e.value.__cause__, Boom) and e.value.original is e.value.__cause__
    assert "LMS unreachable while asking about prof" in str(e.value.__cause__)
    assert e.value.status == 10


def test_invalid_json_and_null_pointers_are_invalid_argument_in_the_c_abi(engine):
    """The ABI's own promise, checked through ctypes directly."""
    lib = livecourse._library.LIB
    handle = engine._handle
    resp, err = ctypes.c_void_p(), ctypes.c_void_p()
    status = lib.lc_session_get(handle, b"{not json", ctypes.byref(resp), ctypes.byref(err))
    assert status == 1 and resp.value is None
    doc = json.loads(livecourse._library.take_string(lib, err.value))
    assert doc["error"]["category"] == "invalid_argument"
    assert json.loads(lib.lc_last_error().decode())["error"]["category"] == "invalid_argument"
    status = lib.lc_session_get(handle, None, ctypes.byref(resp), None)
    assert status == 1 and resp.value is None
    status = lib.lc_session_get(handle, b'{"session_id": "\xff\xfe"}', ctypes.byref(resp), None)
    assert status == 1
    # After a success there is no last error.
    status = lib.lc_feed_token_get(handle, b'{"user_id": "u"}', ctypes.byref(resp), None)
    assert status == 0 and lib.lc_last_error() is None
    livecourse._library.take_string(lib, resp.value)


def test_unencodable_strings_are_refused_before_the_call(engine, course):
    with pytest.raises(ValidationError):
        engine.get_session(actor=course.instructor, session_id="bad\ud800surrogate")


def test_engine_closed(db_path):
    engine = Engine(database=db_path)
    engine.close()
    engine.close()  # idempotent
    assert engine.closed
    with pytest.raises(EngineClosed):
        engine.feed_token(user_id="u")


def test_bad_configuration_is_a_validation_error(tmp_path):
    with pytest.raises(ValidationError) as e:
        Engine(database=tmp_path / "x.db", jitsi={"mode": "self_hosted", "server_url": "https://m.example.org",
                                                  "app_id": "lms", "app_secret": "short"})
    assert e.value.field == "jitsi.app_secret"
    with pytest.raises(ValidationError) as e:
        Engine(database=tmp_path / "x.db", calendar={"feed_secret": "short"})
    assert e.value.field == "calendar.feed_secret"
