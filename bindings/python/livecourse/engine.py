"""Engine: the Pythonic face of one ``lc_engine``.

Each method is one operation of the C ABI (capi/include/livecourse.h) with
keyword arguments, returning frozen dataclasses from :mod:`livecourse.models`
and raising the exceptions of :mod:`livecourse.errors`.

Thread-safety: one Engine may be used from any number of threads at once.
Every call releases the GIL while the library works (ctypes.CDLL), so threads
and ``asyncio.to_thread`` really run in parallel. ``close()`` waits for calls
in flight, then closes the handle; later calls raise ``EngineClosed``.

Calls take no lock: each registers itself in a list (``append`` and ``pop``
are atomic) before it reads the handle, and ``close()`` clears the handle
before it waits for that list to empty, so a call either sees the closed
engine or is waited for. The hot operations (join, leave, token, heartbeat)
send a request assembled from pre-encoded pieces (an Actor encodes itself
once) through function objects bound at import.
"""

from __future__ import annotations

import ctypes
import datetime as _dt
import json
import os
import threading
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union

from . import _json as _codec
from . import _library as _lib
from ._time import (
    DateLike,
    DateTimeLike,
    format_date,
    format_date_or_instant,
    format_instant,
    format_time_of_day,
)
from .errors import EngineClosed, HostCallbackError, ValidationError, from_error_document
from .hosts import Clock, HostHooks
from .models import (
    Actor,
    ActorLike,
    AttendanceOutcome,
    AttendanceOutcomes,
    AttendanceOverride,
    AttendanceRow,
    CalendarEvent,
    ChatMessage,
    ChatPage,
    ChatType,
    CourseAttendance,
    EndResult,
    Enrollment,
    JoinResult,
    LiveRoster,
    Notification,
    NotificationList,
    NotificationPage,
    NotificationState,
    ReadMarker,
    PresenceAck,
    CensusAck,
    RecordingResult,
    Role,
    Session,
    SessionFilter,
    SessionStatus,
    SeriesResult,
    Statistics,
    TokenResult,
)

__all__ = ["Engine"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

PathLike = Union[str, "os.PathLike[str]"]
WeekdayLike = Union[str, int]


_LIB = _lib.LIB
_FUNCTIONS = _lib.FUNCTIONS
_string_at = ctypes.string_at
_c_void_p = ctypes.c_void_p
_loads = json.loads


def _actor_text(actor: ActorLike) -> bytes:
    """The encoded "actor" of a request."""
    if isinstance(actor, Actor):
        return actor._encoded()
    if isinstance(actor, str):
        return b'{"user_id":' + _codec.encode_string(actor) + b"}"
    raise TypeError(f"actor must be an Actor or a user id string, not {type(actor).__name__}")


def _actor_json(actor: ActorLike) -> Dict[str, Any]:
    if isinstance(actor, Actor):
        return actor.to_json()
    if isinstance(actor, str):
        return {"user_id": actor}
    raise TypeError(f"actor must be an Actor or a user id string, not {type(actor).__name__}")


def _enum_value(value: Any, enum_type: Any, field: str) -> str:
    if isinstance(value, enum_type):
        return str(value.value)
    if isinstance(value, str):
        return value
    raise ValidationError(f"{field}: expected a {enum_type.__name__} or its name", field=field)


def _weekday(value: WeekdayLike, field: str = "weekdays") -> str:
    if isinstance(value, bool):
        raise ValidationError(f"{field}: not a weekday: {value!r}", field=field)
    if isinstance(value, int):
        # date.weekday() and the calendar module's constants: Monday is 0.
        if 0 <= value <= 6:
            return _WEEKDAYS[value]
        raise ValidationError(f"{field}: a weekday number is 0 (Monday) to 6 (Sunday)", field=field)
    if isinstance(value, str):
        return value.strip().lower()
    raise ValidationError(f"{field}: not a weekday: {value!r}", field=field)


def _jsonable_config(section: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    if section is None:
        return None
    out: Dict[str, Any] = {}
    for key, value in section.items():
        if isinstance(value, _dt.timedelta):
            value = int(value.total_seconds())
        out[key] = value
    return out


def _put(request: Dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        request[key] = value


class Engine:
    """One livecourse engine over a SQLite database.

    Args:
        database: the SQLite file (created if missing). Several engines, in
            one process or several, may open the same file.
        jitsi: the Jitsi section of the configuration, e.g.
            ``{"mode": "self_hosted", "server_url": "https://meet.example.org",
            "app_id": "lms", "app_secret": "<32+ bytes>"}``; default: public
            meet.jit.si. timedelta values are sent as whole seconds.
        calendar: the calendar section (``join_url_pattern``,
            ``organizer_email``, ``uid_domain``, ``calendar_name``,
            ``feed_secret``).
        roster: the host's roster, replacing the built-in one: a callable
            ``(course_id, user_id) -> Role | str | None``, or an object with
            ``role_of`` and optionally ``courses_of(user_id)`` and
            ``count_students(course_id)`` (see :class:`livecourse.Roster`).
        clock: a callable returning the current time (aware datetime or Unix
            seconds), for tests.
        participants_may_share_screen: whether students may share screens.
        presence: video-server events and heartbeats, e.g.
            ``{"video_events_secret": "<32+ bytes>", "jaas_webhook_secret": "...",
            "presence_timeout_seconds": 90}`` (see docs/presence.md).
    """

    def __init__(
        self,
        database: PathLike,
        jitsi: Optional[Mapping[str, Any]] = None,
        calendar: Optional[Mapping[str, Any]] = None,
        roster: Any = None,
        clock: Optional[Clock] = None,
        *,
        participants_may_share_screen: Optional[bool] = None,
        presence: Optional[Mapping[str, Any]] = None,
    ) -> None:
        # Calls in flight (see the module's docstring): one entry per call.
        self._calls: List[None] = []
        self._drained = threading.Event()
        self._close_lock = threading.Lock()
        self._handle: Optional[int] = None
        config: Dict[str, Any] = {"database": os.fspath(database)}
        _put(config, "jitsi", _jsonable_config(jitsi))
        _put(config, "calendar", _jsonable_config(calendar))
        _put(config, "participants_may_share_screen", participants_may_share_screen)
        _put(config, "presence", _jsonable_config(presence))
        self._hooks = HostHooks(roster, clock)
        # Without hooks nothing can raise inside a call: no per-thread bookkeeping.
        self._hooked = self._hooks.struct is not None
        host = ctypes.byref(self._hooks.struct) if self._hooks.struct is not None else None
        handle = ctypes.c_void_p()
        err = ctypes.c_void_p()
        status = _lib.LIB.lc_engine_open(self._encode(config), host, ctypes.byref(handle), ctypes.byref(err))
        err_text = _lib.take_string(_lib.LIB, err.value)
        if status != 0:
            raise from_error_document(status, json.loads(err_text) if err_text else None)
        if not handle.value:
            raise from_error_document(8, {"error": {"message": "lc_engine_open returned no engine"}})
        self._handle = handle.value

    # ---------------------------------------------------------------- lifetime
    def close(self) -> None:
        """Waits for calls in flight, then closes the engine. Idempotent."""
        if self._hooks.in_call():
            raise RuntimeError("an Engine cannot be closed from inside one of its own host hooks")
        with self._close_lock:
            handle, self._handle = self._handle, None
            if handle is None:
                return
            # From here on every new call sees no handle; wait for the ones
            # that read it before. The last one out sets the event; the
            # timeout only bounds a wake-up lost to a call that started
            # (and failed with EngineClosed) in between.
            while self._calls:
                self._drained.clear()
                if self._calls:
                    self._drained.wait(0.01)
        _lib.LIB.lc_engine_close(handle)

    @property
    def closed(self) -> bool:
        return self._handle is None

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if getattr(self, "_handle", None) is not None:
                self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def __repr__(self) -> str:
        return f"<livecourse.Engine {'closed' if self.closed else 'open'}>"

    # ------------------------------------------------------------- raw calls
    @staticmethod
    def _encode(request: Mapping[str, Any]) -> bytes:
        return _codec.encode(request)

    def call_json(self, operation: str, request: Mapping[str, Any]) -> Any:
        """Runs one C ABI operation by name ("session_join", ...) on a raw request.

        Returns the parsed JSON response (the iCal text for the feed
        operations). For fields this binding does not wrap yet.
        """
        returns_json = _lib.OPERATIONS.get(operation)
        if returns_json is None:
            raise ValidationError(f"unknown operation {operation!r}", field="operation")
        text = self._call(operation, dict(request))
        return json.loads(text) if returns_json else text

    def _call(self, operation: str, request: Dict[str, Any]) -> str:
        return self._invoke(operation, self._encode(request)).decode("utf-8")

    def _invoke(self, operation: str, payload: bytes) -> bytes:
        """Runs lc_<operation> on an encoded request; the response's bytes."""
        fn = _FUNCTIONS[operation]
        calls = self._calls
        calls.append(None)
        try:
            handle = self._handle
            if handle is None:
                raise EngineClosed("the engine is closed")
            response = _c_void_p()
            error = _c_void_p()
            if self._hooked:
                self._hooks.begin()
                try:
                    status = fn(handle, payload, response, error)
                finally:
                    pending = self._hooks.end()
            else:
                status = fn(handle, payload, response, error)
                pending = None
        finally:
            calls.pop()
            if not calls and self._handle is None:
                self._drained.set()
        pointer = response.value
        if status == 0 and pending is None and pointer and not error.value:
            try:
                return _string_at(pointer)
            finally:
                _LIB.lc_free(pointer)
        return self._failed(operation, status, pending, pointer, error.value)

    def _failed(self, operation: str, status: int, pending: Optional[BaseException],
                pointer: Optional[int], error_pointer: Optional[int]) -> bytes:
        """The response of a call that failed, or that a host hook failed in: raises, or returns the response."""
        text = _lib.take_bytes(_lib.LIB, pointer)
        err_text = _lib.take_string(_lib.LIB, error_pointer)
        if status != 0:
            exc = from_error_document(status, json.loads(err_text) if err_text else None)
            if pending is None and status == HostCallbackError.status:
                pending = self._hooks.take_orphan()
            if pending is not None:
                if not isinstance(pending, Exception):
                    raise pending  # KeyboardInterrupt, SystemExit: not ours to wrap
                raise exc from pending
            raise exc
        if pending is not None:
            if not isinstance(pending, Exception):
                raise pending
            raise HostCallbackError(
                f"a host hook raised during {operation} ({type(pending).__name__}: {pending}); "
                "the operation itself completed",
            ) from pending
        if text is None:
            raise from_error_document(8, {"error": {"message": f"lc_{operation} succeeded without a response"}})
        return text

    def _json(self, operation: str, request: Dict[str, Any]) -> Any:
        return _loads(self._invoke(operation, self._encode(request)))

    def _on_session(self, operation: str, actor: ActorLike, session_id: str) -> Any:
        """The parsed response of a {"actor", "session_id"} operation."""
        if type(session_id) is str:  # noqa: E721 - exactly a str: anything else takes the generic encoder
            payload = _codec.acting_on_session(_actor_text(actor), session_id)
        else:
            payload = self._encode(self._acting(actor, session_id=session_id))
        return _loads(self._invoke(operation, payload))

    def _acting(self, actor: ActorLike, **fields: Any) -> Dict[str, Any]:
        request: Dict[str, Any] = {"actor": _actor_json(actor)}
        for key, value in fields.items():
            _put(request, key, value)
        return request

    # ------------------------------------------------------------------ roster
    def enroll(self, *, course_id: str, user_id: str, role: Union[Role, str] = Role.STUDENT) -> Enrollment:
        """Adds the user to the course's built-in roster (or changes the role)."""
        request = {"course_id": course_id, "user_id": user_id, "role": _enum_value(role, Role, "role")}
        return Enrollment.from_json(self._json("roster_enroll", request))

    def unenroll(self, *, course_id: str, user_id: str) -> Enrollment:
        return Enrollment.from_json(self._json("roster_unenroll", {"course_id": course_id, "user_id": user_id}))

    def set_role(self, *, course_id: str, user_id: str, role: Union[Role, str]) -> Enrollment:
        request = {"course_id": course_id, "user_id": user_id, "role": _enum_value(role, Role, "role")}
        return Enrollment.from_json(self._json("roster_set_role", request))

    def role_of(self, *, course_id: str, user_id: str) -> Role:
        """The user's role in the course, as the roster in use answers."""
        doc = self._json("roster_get_role", {"course_id": course_id, "user_id": user_id})
        return Role(doc["role"])

    def put_user(
        self,
        profile: Optional[Actor] = None,
        *,
        user_id: Optional[str] = None,
        name: Optional[str] = None,
        email: Optional[str] = None,
        avatar: Optional[str] = None,
    ) -> Actor:
        """Records a user's profile (name, e-mail, avatar) for tokens and calendars."""
        if profile is None:
            if user_id is None:
                raise ValidationError("user_id: required", field="user_id")
            profile = Actor(user_id, name, email, avatar)
        return Actor.from_json(self._json("user_put", profile.to_json()))

    # ---------------------------------------------------------------- sessions
    def create_session(
        self,
        *,
        actor: ActorLike,
        course_id: str,
        title: str,
        starts_at: DateTimeLike,
        ends_at: DateTimeLike,
        description: Optional[str] = None,
        timezone: Optional[str] = None,
        max_participants: Optional[int] = None,
        recording_enabled: Optional[bool] = None,
        room_password: Optional[bool] = None,
    ) -> Session:
        """Schedules a session (status ``scheduled``); the actor must be staff of the course."""
        request = self._acting(
            actor,
            course_id=course_id,
            title=title,
            description=description,
            starts_at=format_instant(starts_at, "starts_at"),
            ends_at=format_instant(ends_at, "ends_at"),
            timezone=timezone,
            max_participants=max_participants,
            recording_enabled=recording_enabled,
            room_password=room_password,
        )
        return Session.from_json(self._json("session_create", request))

    def get_session(self, *, actor: ActorLike, session_id: str) -> Session:
        return Session.from_json(self._json("session_get", self._acting(actor, session_id=session_id)))

    def list_sessions(
        self,
        *,
        actor: ActorLike,
        course_id: str,
        status: Union[SessionFilter, SessionStatus, str] = SessionFilter.ALL,
    ) -> List[Session]:
        """A course's sessions: ``upcoming``, ``live``, ``past`` or ``all``."""
        if isinstance(status, SessionStatus):
            status = status.value
        request = self._acting(actor, course_id=course_id, status=_enum_value(status, SessionFilter, "status"))
        return [Session.from_json(s) for s in self._json("session_list", request)["sessions"]]

    def update_session(
        self,
        *,
        actor: ActorLike,
        session_id: str,
        title: Optional[str] = None,
        description: Optional[str] = None,
        starts_at: Optional[DateTimeLike] = None,
        ends_at: Optional[DateTimeLike] = None,
        timezone: Optional[str] = None,
        max_participants: Optional[int] = None,
        recording_enabled: Optional[bool] = None,
        revision: Optional[int] = None,
    ) -> Session:
        """Edits a scheduled session; only the arguments given change.

        ``revision``: apply only if the session is still at this revision
        (else ``Conflict`` with reason ``revision_mismatch``).
        """
        request = self._acting(
            actor,
            session_id=session_id,
            title=title,
            description=description,
            starts_at=None if starts_at is None else format_instant(starts_at, "starts_at"),
            ends_at=None if ends_at is None else format_instant(ends_at, "ends_at"),
            timezone=timezone,
            max_participants=max_participants,
            recording_enabled=recording_enabled,
            revision=revision,
        )
        return Session.from_json(self._json("session_update", request))

    def cancel_session(self, *, actor: ActorLike, session_id: str, reason: Optional[str] = None) -> Session:
        request = self._acting(actor, session_id=session_id, reason=reason)
        return Session.from_json(self._json("session_cancel", request))

    def start_session(self, *, actor: ActorLike, session_id: str) -> Session:
        return Session.from_json(self._json("session_start", self._acting(actor, session_id=session_id)))

    def end_session(self, *, actor: ActorLike, session_id: str, recording_url: Optional[str] = None) -> EndResult:
        """Ends a live session; returns it with its final statistics."""
        request = self._acting(actor, session_id=session_id, recording_url=recording_url)
        return EndResult.from_json(self._json("session_end", request))

    # ----------------------------------------------------------------- joining
    def join(self, *, actor: ActorLike, session_id: str) -> JoinResult:
        """Admits the actor to a live session (a seat for a student) and returns the way in.

        Raises ``SessionFull`` when no seat is left, ``Forbidden`` with reason
        ``not_enrolled``, ``not_live``, ``session_ended`` or ``session_cancelled``.
        """
        return JoinResult._from_owned(self._on_session("session_join", actor, session_id))

    def leave(self, *, actor: ActorLike, session_id: str) -> bool:
        """Closes the actor's open connection; False if there was none."""
        return bool(self._on_session("session_leave", actor, session_id)["left"])

    def token(self, *, actor: ActorLike, session_id: str) -> TokenResult:
        """A fresh Jitsi token and join link for an admitted participant."""
        return TokenResult._from_owned(self._on_session("token_create", actor, session_id))

    # -------------------------------------------------------------- attendance
    def attendance(self, *, actor: ActorLike, session_id: str) -> List[AttendanceRow]:
        doc = self._json("attendance_get", self._acting(actor, session_id=session_id))
        return [AttendanceRow.from_json(r) for r in doc["attendance"]]

    def attendance_outcomes(self, *, actor: ActorLike, session_id: str) -> AttendanceOutcomes:
        """Each admitted student's verdict (present, late, left_early, absent) under the engine's policy."""
        return AttendanceOutcomes.from_json(
            self._json("attendance_outcomes_get", self._acting(actor, session_id=session_id)))

    def live_roster(self, *, actor: ActorLike, session_id: str) -> LiveRoster:
        """Who is in the room now (instructor and moderators); cheap enough to poll every few seconds."""
        return LiveRoster.from_json(self._json("presence_roster_get", self._acting(actor, session_id=session_id)))

    def override_attendance(
        self,
        *,
        actor: ActorLike,
        session_id: str,
        user_id: str,
        outcome: Union[AttendanceOutcome, str, None],
        reason: str,
    ) -> AttendanceOverride:
        """Decides one student's verdict (None withdraws the decision), with a reason; logged (staff only)."""
        request = self._acting(actor, session_id=session_id, user_id=user_id, reason=reason)
        request["outcome"] = None if outcome is None else _enum_value(outcome, AttendanceOutcome, "outcome")
        return AttendanceOverride.from_json(self._json("attendance_override_set", request))

    def attendance_override_log(self, *, actor: ActorLike, session_id: str) -> List[AttendanceOverride]:
        """Every decision and withdrawal on the session, oldest first (staff only)."""
        doc = self._json("attendance_override_log", self._acting(actor, session_id=session_id))
        return [AttendanceOverride.from_json(d) for d in doc["decisions"]]

    def course_attendance(
        self,
        *,
        actor: ActorLike,
        course_id: str,
        start: Union[_dt.date, _dt.datetime, str],
        end: Union[_dt.date, _dt.datetime, str],
    ) -> CourseAttendance:
        """The course's verdicts for the sessions held in [start, end) (staff only): one row per student."""
        request = self._acting(
            actor,
            course_id=course_id,
            **{"from": format_date_or_instant(start, "from"), "to": format_date_or_instant(end, "to")},
        )
        return CourseAttendance.from_json(self._json("course_attendance_get", request))

    def statistics(self, *, actor: ActorLike, session_id: str) -> Statistics:
        return Statistics.from_json(self._json("statistics_get", self._acting(actor, session_id=session_id)))

    # -------------------------------------------------------------------- chat
    def post_chat(
        self,
        *,
        actor: ActorLike,
        session_id: str,
        body: str,
        type: Union[ChatType, str] = ChatType.TEXT,
        reply_to: Optional[str] = None,
    ) -> ChatMessage:
        """Posts a message; an ``answer`` names the question it answers in ``reply_to``."""
        request = self._acting(
            actor, session_id=session_id, type=_enum_value(type, ChatType, "type"), body=body, reply_to=reply_to
        )
        return ChatMessage.from_json(self._json("chat_post", request))

    def list_chat(
        self, *, actor: ActorLike, session_id: str, cursor: Optional[str] = None, limit: Optional[int] = None
    ) -> ChatPage:
        """One page of messages, oldest first."""
        request = self._acting(actor, session_id=session_id, cursor=cursor, limit=limit)
        return ChatPage.from_json(self._json("chat_list", request))

    def iter_chat(self, *, actor: ActorLike, session_id: str, page_size: int = 100) -> Iterator[ChatMessage]:
        """Every message of the session, oldest first, page by page."""
        cursor: Optional[str] = None
        while True:
            page = self.list_chat(actor=actor, session_id=session_id, cursor=cursor, limit=page_size)
            yield from page.messages
            if not page.next_cursor or not page.messages:
                return
            cursor = page.next_cursor

    # ------------------------------------------------------------------ series
    def create_series(
        self,
        *,
        actor: ActorLike,
        course_id: str,
        title: str,
        first_date: DateLike,
        start_time: Union[_dt.time, str],
        duration_minutes: Union[int, _dt.timedelta],
        weekdays: Sequence[WeekdayLike],
        timezone: str,
        count: Optional[int] = None,
        until: Optional[DateLike] = None,
        interval_weeks: Optional[int] = None,
        description: Optional[str] = None,
        max_participants: Optional[int] = None,
        recording_enabled: Optional[bool] = None,
        room_password: Optional[bool] = None,
    ) -> SeriesResult:
        """A weekly series in the instructor's zone ("every Tuesday 10:00 Europe/Paris").

        ``start_time`` is local wall-clock time in ``timezone`` (kept across
        DST changes); weekdays are names ("tuesday") or numbers (Monday = 0,
        as ``date.weekday()``). Give exactly one of ``count`` and ``until``.
        """
        if isinstance(duration_minutes, _dt.timedelta):
            minutes, rest = divmod(duration_minutes, _dt.timedelta(minutes=1))
            if rest:
                raise ValidationError("duration_minutes: whole minutes only", field="duration_minutes")
            duration_minutes = int(minutes)
        if isinstance(weekdays, (str, int)):
            weekdays = [weekdays]
        request = self._acting(
            actor,
            course_id=course_id,
            title=title,
            description=description,
            max_participants=max_participants,
            recording_enabled=recording_enabled,
            room_password=room_password,
            timezone=timezone,
            first_date=format_date(first_date, "first_date"),
            start_time=format_time_of_day(start_time, "start_time"),
            duration_minutes=duration_minutes,
            weekdays=[_weekday(d) for d in weekdays],
            interval_weeks=interval_weeks,
            count=count,
            until=None if until is None else format_date(until, "until"),
        )
        return SeriesResult.from_json(self._json("series_create", request))

    def cancel_series(
        self,
        *,
        actor: ActorLike,
        series_id: str,
        from_: Optional[DateTimeLike] = None,
        reason: Optional[str] = None,
    ) -> List[Session]:
        """Cancels every still-scheduled occurrence starting at or after ``from_`` (default: now)."""
        request = self._acting(
            actor,
            series_id=series_id,
            reason=reason,
            **{"from": None if from_ is None else format_instant(from_, "from")},
        )
        return [Session.from_json(s) for s in self._json("series_cancel", request)["sessions"]]

    # ---------------------------------------------------------------- calendar
    def calendar_events(
        self,
        *,
        actor: ActorLike,
        start: Union[_dt.date, _dt.datetime, str],
        end: Union[_dt.date, _dt.datetime, str],
        status: Union[SessionStatus, str, None] = None,
    ) -> List[CalendarEvent]:
        """The actor's live sessions in [start, end); dates or aware datetimes."""
        request = self._acting(
            actor,
            start=format_date_or_instant(start, "start"),
            end=format_date_or_instant(end, "end"),
            status=None if status is None else _enum_value(status, SessionStatus, "status"),
        )
        return [CalendarEvent.from_json(e) for e in self._json("calendar_query", request)["events"]]

    def calendar_feed(self, *, user_id: str) -> str:
        """The user's calendar as RFC 5545 text (text/calendar)."""
        return self._call("calendar_feed", {"user_id": user_id})

    def calendar_feed_by_token(self, *, token: str) -> str:
        """The feed of the user a feed token was issued to; ``Unauthenticated`` if invalid."""
        return self._call("calendar_feed_by_token", {"token": token})

    def feed_token(self, *, user_id: str) -> str:
        """A token that lets a calendar app fetch the user's feed without a login."""
        return str(self._json("feed_token_get", {"user_id": user_id})["token"])

    def rotate_feed_token(self, *, user_id: str) -> str:
        """Revokes every earlier feed token of the user and returns a new one."""
        return str(self._json("feed_token_rotate", {"user_id": user_id})["token"])

    # ---------------------------------------------------------------- presence
    def jitsi_event(
        self,
        *,
        secret: str,
        kind: str,
        payload: Optional[Mapping[str, Any]] = None,
        body: Union[str, bytes, None] = None,
    ) -> PresenceAck:
        """One event of Jitsi's event_sync module (self-hosted Jitsi).

        ``kind`` is the route it posted to (``"occupant/joined"``, ``"occupant/left"``,
        ``"room/created"``, ``"room/destroyed"``); ``secret`` the bearer token it sent
        (a whole ``"Bearer ..."`` header value is fine). Give the parsed ``payload``
        or the raw request ``body`` (then the secret is checked before the body is
        read). Raises ``Unauthenticated`` (reason ``invalid_secret``) for a wrong
        secret, ``ValidationError`` for a malformed payload.
        """
        request: Dict[str, Any] = {"secret": secret, "kind": kind}
        if body is not None:
            request["body"] = body.decode("utf-8") if isinstance(body, bytes) else body
        if payload is not None:
            request["payload"] = dict(payload)
        return PresenceAck.from_json(self._json("presence_jitsi_event", request))

    def jaas_webhook(self, *, body: Union[str, bytes], signature: Optional[str]) -> PresenceAck:
        """One JaaS webhook: the body exactly as received and its X-Jaas-Signature header.

        Raises ``Unauthenticated`` (``invalid_signature``, ``stale_signature``)
        when the signature does not hold; nothing is recorded then.
        """
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        request = {"body": text, "signature": signature or ""}
        return PresenceAck.from_json(self._json("presence_jaas_webhook", request))

    def room_census(
        self,
        *,
        secret: str,
        room: str,
        occupants: Sequence[Mapping[str, Any]],
        at: Union[_dt.datetime, int, None] = None,
        match: str = "email",
    ) -> CensusAck:
        """Who the video server says is in the conference (main room and breakout rooms).

        ``occupants`` as Jitsi's mod_muc_size lists them on ``GET /room``
        (``{"jid", "email", "display_name"}``), concatenated over the rooms;
        ``match="user_id"`` when each names the user by ``user_id`` (or ``id``).
        Every user of the session the census could have named and did not is
        absent at ``at`` (default now): their open intervals end there. By
        e-mail, only users whose profile e-mail the library knows can be absent.
        """
        request: Dict[str, Any] = {"secret": secret, "room": room, "match": match,
                                   "occupants": [dict(o) for o in occupants]}
        if at is not None:
            request["at"] = at if isinstance(at, int) else int(at.timestamp())
        return CensusAck.from_json(self._json("presence_room_census", request))

    def heartbeat(self, *, actor: ActorLike, session_id: str) -> PresenceAck:
        """The actor's page is still in the conference (every 30 s; public meet.jit.si)."""
        return PresenceAck._from_owned(self._on_session("presence_heartbeat", actor, session_id))

    def set_recording(
        self,
        *,
        session_id: str,
        recording_url: str,
        actor: Optional[ActorLike] = None,
        secret: Optional[str] = None,
    ) -> RecordingResult:
        """Sets the recording URL of a session that took place.

        By an instructor or moderator (``actor``; replaces an earlier URL), or
        with the video-events secret (``secret``; ``session_id`` may then be the
        room name, and the URL is set only while none is).
        """
        if (actor is None) == (secret is None):
            raise ValidationError("give either actor or secret", field="actor")
        request: Dict[str, Any] = {"session_id": session_id, "recording_url": recording_url}
        if actor is not None:
            request["actor"] = _actor_json(actor)
        else:
            request["secret"] = secret
        return RecordingResult.from_json(self._json("recording_set", request))

    # ----------------------------------------------------------- notifications
    # The outbox (docs/notifications.md). claim/ack/fail/retry and the state
    # listing are the host's side and act for no user.
    def claim_notifications(
        self, *, limit: Optional[int] = None, lease: Union[int, _dt.timedelta, None] = None
    ) -> List[Notification]:
        """Leases up to ``limit`` due notifications (default 10) for ``lease`` (default 60 s).

        No other consumer, in any process, gets them before the lease ends.
        Deliver each, then ``ack_notifications`` or ``fail_notification``.
        """
        if isinstance(lease, _dt.timedelta):
            lease = int(lease.total_seconds())
        request: Dict[str, Any] = {}
        _put(request, "limit", limit)
        _put(request, "lease_seconds", lease)
        return [Notification.from_json(n) for n in self._json("notification_claim", request)["notifications"]]

    def ack_notifications(self, ids: Sequence[str]) -> List[str]:
        """Marks claimed notifications delivered; returns the ids that changed."""
        if isinstance(ids, str):
            ids = [ids]
        return [str(i) for i in self._json("notification_ack", {"ids": list(ids)})["acked"]]

    def fail_notification(
        self,
        notification_id: str,
        *,
        attempts: Optional[int] = None,
        retry_in: Union[int, _dt.timedelta, None] = None,
        error: Optional[str] = None,
    ) -> Notification:
        """Reports a failed delivery attempt; returns the notification (pending again, or dead).

        ``attempts``: the value the claim returned (then a report about an
        older claim is refused with ``Conflict``, reason ``not_claimed``).
        ``retry_in``: the delay before the next attempt (default: the engine's
        exponential backoff with jitter).
        """
        if isinstance(retry_in, _dt.timedelta):
            retry_in = int(retry_in.total_seconds())
        request: Dict[str, Any] = {"id": notification_id}
        _put(request, "attempts", attempts)
        _put(request, "retry_in_seconds", retry_in)
        _put(request, "error", error)
        return Notification.from_json(self._json("notification_fail", request))

    def list_dead_notifications(
        self,
        *,
        state: Union[NotificationState, str] = NotificationState.DEAD,
        cursor: Optional[str] = None,
        limit: Optional[int] = None,
    ) -> NotificationPage:
        """The notifications parked dead (or in another state), oldest first, for an operator."""
        request: Dict[str, Any] = {"state": _enum_value(state, NotificationState, "state")}
        _put(request, "cursor", cursor)
        _put(request, "limit", limit)
        return NotificationPage.from_json(self._json("notification_dead_list", request))

    def retry_notification(self, notification_id: str) -> Notification:
        """Queues a dead notification again (due now, attempts reset)."""
        return Notification.from_json(self._json("notification_retry", {"id": notification_id}))

    def list_notifications(
        self, *, actor: ActorLike, cursor: Optional[str] = None, limit: Optional[int] = None
    ) -> NotificationList:
        """The actor's due notifications, newest first, each with ``read``."""
        return NotificationList.from_json(
            self._json("notification_list", self._acting(actor, cursor=cursor, limit=limit))
        )

    def mark_notifications_read(self, *, actor: ActorLike, up_to: str) -> ReadMarker:
        """Marks the actor's notifications read up to and including ``up_to`` (never backwards)."""
        return ReadMarker.from_json(self._json("notification_mark_read", self._acting(actor, up_to=up_to)))
