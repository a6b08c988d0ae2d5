"""Values: enums and frozen dataclasses for the JSON vocabulary of DESIGN.md.

Every result keeps the document it was read from in ``raw`` (a read-only
mapping, left out of equality and repr), so fields the library adds later
are reachable before this binding learns their names.
"""

from __future__ import annotations

import datetime as _dt
import enum
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Dict, Mapping, Optional, Tuple, Type, TypeVar, Union

from ._json import encode as _encode_json
from ._time import parse_instant, parse_optional_instant

_T = TypeVar("_T")

__all__ = [
    "Role",
    "SessionStatus",
    "SessionFilter",
    "ChatType",
    "PresenceSource",
    "Actor",
    "Enrollment",
    "Session",
    "Statistics",
    "EndResult",
    "JoinResult",
    "TokenResult",
    "AttendanceRow",
    "LiveRoster",
    "RosterEntry",
    "ChatMessage",
    "ChatPage",
    "CalendarEvent",
    "Series",
    "SeriesResult",
    "PresenceAck",
    "RecordingResult",
    "NotificationKind",
    "NotificationState",
    "Notification",
    "NotificationPage",
    "NotificationList",
    "ReadMarker",
]


class _StrEnum(str, enum.Enum):
    def __str__(self) -> str:
        return str(self.value)


class Role(_StrEnum):
    """What a user is in a course (lc_role)."""

    NONE = "none"
    STUDENT = "student"
    MODERATOR = "moderator"
    INSTRUCTOR = "instructor"

    @property
    def code(self) -> int:
        """The stable lc_role value."""
        return _ROLE_CODES[self]

    @classmethod
    def from_code(cls, code: int) -> "Role":
        for role, value in _ROLE_CODES.items():
            if value == code:
                return role
        raise ValueError(f"unknown lc_role value {code}")

    @property
    def is_staff(self) -> bool:
        """Instructors and moderators run the class."""
        return self in (Role.INSTRUCTOR, Role.MODERATOR)


_ROLE_CODES = {Role.NONE: 0, Role.STUDENT: 1, Role.MODERATOR: 2, Role.INSTRUCTOR: 3}


class SessionStatus(_StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


class SessionFilter(_StrEnum):
    """Listing filters: upcoming (scheduled), live, past (ended or cancelled), all."""

    ALL = "all"
    UPCOMING = "upcoming"
    LIVE = "live"
    PAST = "past"


class ChatType(_StrEnum):
    TEXT = "text"
    QUESTION = "question"
    ANSWER = "answer"


class PresenceSource(_StrEnum):
    CLIENT = "client"
    HEARTBEAT = "heartbeat"
    VIDEO_SERVER = "video_server"


def _raw(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(doc))


def _raw_field() -> Any:
    return field(default_factory=lambda: MappingProxyType({}), repr=False, compare=False, hash=False)


def _frozen(cls: Type[_T], values: Dict[str, Any]) -> _T:
    """An instance of a frozen dataclass (no __post_init__, no slots) with these field values."""
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj


def _opt_str(v: Any) -> Optional[str]:
    return None if v is None else str(v)


def _opt_int(v: Any) -> Optional[int]:
    return None if v is None else int(v)


def _opt_float(v: Any) -> Optional[float]:
    return None if v is None else float(v)


@dataclass(frozen=True)
class Actor:
    """Who acts: the LMS authenticates its users and tells the library who they are.

    Only ``user_id`` is required; name, e-mail and avatar go into Jitsi
    tokens and calendar organizers.
    """

    user_id: str
    name: Optional[str] = None
    email: Optional[str] = None
    avatar: Optional[str] = None

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"user_id": self.user_id}
        for key in ("name", "email", "avatar"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out

    def _encoded(self) -> bytes:
        """The JSON text of ``to_json()``, encoded once per actor.

        An Actor is frozen, so its text cannot go stale; ``dataclasses.replace``
        makes a new actor with its own. Kept out of the fields (not compared,
        not shown, not in ``asdict``).
        """
        text = self.__dict__.get("_json_text")
        if text is None:
            text = _encode_json(self.to_json())
            object.__setattr__(self, "_json_text", text)
        return text

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "Actor":
        return cls(
            user_id=str(doc["user_id"]),
            name=_opt_str(doc.get("name")),
            email=_opt_str(doc.get("email")),
            avatar=_opt_str(doc.get("avatar")),
        )


ActorLike = Union[Actor, str]


@dataclass(frozen=True)
class Enrollment:
    course_id: str
    user_id: str
    role: Role
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "Enrollment":
        return cls(str(doc["course_id"]), str(doc["user_id"]), Role(doc["role"]), _raw(doc))


@dataclass(frozen=True)
class Session:
    """One scheduled live class. The room password is never part of it."""

    id: str
    course_id: str
    instructor_id: str
    title: str
    description: str
    starts_at: _dt.datetime
    ends_at: _dt.datetime
    timezone: str
    max_participants: int
    recording_enabled: bool
    # The room name is a key to the room: None unless the reader is the
    # course's instructor or a moderator reading or managing this session.
    # Students get it from join() once admitted; listings and calendars never.
    jitsi_room_name: Optional[str]
    jitsi_server_url: str
    status: SessionStatus
    actual_start_at: Optional[_dt.datetime]
    actual_end_at: Optional[_dt.datetime]
    recording_url: Optional[str]
    cancel_reason: Optional[str]
    series_id: Optional[str]
    revision: int
    created_at: _dt.datetime
    updated_at: _dt.datetime
    raw: Mapping[str, Any] = _raw_field()

    @property
    def duration(self) -> _dt.timedelta:
        """The scheduled length."""
        return self.ends_at - self.starts_at

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "Session":
        return cls(
            id=str(doc["id"]),
            course_id=str(doc["course_id"]),
            instructor_id=str(doc.get("instructor_id") or ""),
            title=str(doc.get("title") or ""),
            description=str(doc.get("description") or ""),
            starts_at=parse_instant(doc["starts_at"]),
            ends_at=parse_instant(doc["ends_at"]),
            timezone=str(doc.get("timezone") or "UTC"),
            max_participants=int(doc.get("max_participants") or 0),
            recording_enabled=bool(doc.get("recording_enabled")),
            jitsi_room_name=_opt_str(doc.get("jitsi_room_name")),
            jitsi_server_url=str(doc.get("jitsi_server_url") or ""),
            status=SessionStatus(doc["status"]),
            actual_start_at=parse_optional_instant(doc.get("actual_start_at")),
            actual_end_at=parse_optional_instant(doc.get("actual_end_at")),
            recording_url=_opt_str(doc.get("recording_url")),
            cancel_reason=_opt_str(doc.get("cancel_reason")),
            series_id=_opt_str(doc.get("series_id")),
            revision=int(doc.get("revision") or 0),
            created_at=parse_instant(doc["created_at"]),
            updated_at=parse_instant(doc["updated_at"]),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class Statistics:
    """Attendance figures of a session (live: so far; ended: final)."""

    session_id: str
    actual_duration_seconds: int
    participants_count: int
    students_count: int
    enrolled_count: Optional[int]
    attendance_rate: Optional[float]
    average_presence_seconds: float
    median_presence_seconds: float
    peak_concurrent: int
    recording_url: Optional[str]
    raw: Mapping[str, Any] = _raw_field()

    @property
    def actual_duration(self) -> _dt.timedelta:
        return _dt.timedelta(seconds=self.actual_duration_seconds)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "Statistics":
        return cls(
            session_id=str(doc["session_id"]),
            actual_duration_seconds=int(doc.get("actual_duration_seconds") or 0),
            participants_count=int(doc.get("participants_count") or 0),
            students_count=int(doc.get("students_count") or 0),
            enrolled_count=_opt_int(doc.get("enrolled_count")),
            attendance_rate=_opt_float(doc.get("attendance_rate")),
            average_presence_seconds=float(doc.get("average_presence_seconds") or 0),
            median_presence_seconds=float(doc.get("median_presence_seconds") or 0),
            peak_concurrent=int(doc.get("peak_concurrent") or 0),
            recording_url=_opt_str(doc.get("recording_url")),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class EndResult:
    """What ending a session returns: the ended session and its final statistics."""

    session: Session
    statistics: Statistics

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "EndResult":
        stats = doc.get("statistics") or {}
        return cls(Session.from_json(doc), Statistics.from_json(stats))


@dataclass(frozen=True)
class JoinResult:
    """An admitted participant's way in. The password is None when the room has none."""

    session_id: str
    jitsi_room_name: str
    jitsi_join_url: str
    jitsi_room_password: Optional[str]
    rejoined: bool = False
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "JoinResult":
        return cls._from_owned(dict(doc))

    @classmethod
    def _from_owned(cls, doc: Dict[str, Any]) -> "JoinResult":
        # A document nobody else holds (just parsed): kept as raw without a
        # copy. The fields are set as the generated __init__ would set them,
        # minus its per-field frozen-setattr calls (the hot path of a join).
        password = doc.get("jitsi_room_password")
        return _frozen(cls, {
            "session_id": str(doc["session_id"]),
            "jitsi_room_name": str(doc["jitsi_room_name"]),
            "jitsi_join_url": str(doc["jitsi_join_url"]),
            "jitsi_room_password": None if password is None else str(password),
            "rejoined": bool(doc.get("rejoined", False)),
            "raw": MappingProxyType(doc),
        })


@dataclass(frozen=True)
class TokenResult:
    """A Jitsi token (None in public meet.jit.si mode) and the link that carries it."""

    jwt: Optional[str]
    jitsi_join_url: str
    expires_at: _dt.datetime
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "TokenResult":
        return cls._from_owned(dict(doc))

    @classmethod
    def _from_owned(cls, doc: Dict[str, Any]) -> "TokenResult":
        return _frozen(cls, {
            "jwt": _opt_str(doc.get("jwt")),
            "jitsi_join_url": str(doc["jitsi_join_url"]),
            "expires_at": parse_instant(doc["expires_at"]),
            "raw": MappingProxyType(doc),
        })


class AttendanceOutcome(str, enum.Enum):
    """A student's verdict under the attendance policy."""

    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    ABSENT = "absent"


@dataclass(frozen=True)
class StudentOutcome:
    """One student's verdict: the seconds counted and required, and why."""

    user_id: str
    outcome: AttendanceOutcome  # a host's decision where there is one
    computed_outcome: AttendanceOutcome
    decision: Optional["AttendanceOverride"]
    counted_seconds: int
    required_seconds: int
    reference_seconds: int
    first_counted_at: Optional[_dt.datetime]
    last_counted_at: Optional[_dt.datetime]
    reasons: Tuple[str, ...]  # "never_joined", "below_minimum", "joined_late", "left_early"
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "StudentOutcome":
        decision = doc.get("decision")
        return cls(
            user_id=str(doc["user_id"]),
            outcome=AttendanceOutcome(doc["outcome"]),
            computed_outcome=AttendanceOutcome(doc["computed_outcome"]),
            decision=None if decision is None else AttendanceOverride.from_json(decision),
            counted_seconds=int(doc["counted_seconds"]),
            required_seconds=int(doc["required_seconds"]),
            reference_seconds=int(doc["reference_seconds"]),
            first_counted_at=parse_optional_instant(doc.get("first_counted_at")),
            last_counted_at=parse_optional_instant(doc.get("last_counted_at")),
            reasons=tuple(str(r) for r in doc.get("reasons") or ()),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class AttendanceOverride:
    """A host's decision on one student's verdict (``outcome`` None: a decision withdrawn)."""

    session_id: str
    user_id: str
    outcome: Optional[AttendanceOutcome]
    reason: str
    decided_by: str
    decided_at: _dt.datetime
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "AttendanceOverride":
        outcome = doc.get("outcome")
        return cls(
            session_id=str(doc["session_id"]),
            user_id=str(doc["user_id"]),
            outcome=None if outcome is None else AttendanceOutcome(outcome),
            reason=str(doc["reason"]),
            decided_by=str(doc["decided_by"]),
            decided_at=parse_instant(doc["decided_at"]),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class AttendanceOutcomes:
    """Every admitted student's verdict for one session; ``final`` once it can no longer change."""

    session_id: str
    final: bool
    window_starts_at: _dt.datetime
    window_ends_at: _dt.datetime
    outcomes: Tuple[StudentOutcome, ...]
    raw: Mapping[str, Any] = _raw_field()

    @property
    def policy(self) -> Mapping[str, Any]:
        """The policy applied: minimum_share, late_after_seconds, early_leave_before_seconds, count_before_instructor."""
        return self.raw["policy"]  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "AttendanceOutcomes":
        return cls(
            session_id=str(doc["session_id"]),
            final=doc["state"] == "final",
            window_starts_at=parse_instant(doc["window_starts_at"]),
            window_ends_at=parse_instant(doc["window_ends_at"]),
            outcomes=tuple(StudentOutcome.from_json(o) for o in doc["outcomes"]),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class CourseSessionColumn:
    """One session held in a course attendance report's range."""

    session_id: str
    title: str
    starts_at: _dt.datetime
    status: SessionStatus
    final: bool
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "CourseSessionColumn":
        return cls(
            session_id=str(doc["session_id"]),
            title=str(doc["title"]),
            starts_at=parse_instant(doc["starts_at"]),
            status=SessionStatus(doc["status"]),
            final=doc["state"] == "final",
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class CourseSessionOutcome:
    """One cell of a course attendance report: a student's verdict for one session."""

    session_id: str
    outcome: AttendanceOutcome
    counted_seconds: int
    overridden: bool  # the outcome is a host's decision
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "CourseSessionOutcome":
        return cls(
            session_id=str(doc["session_id"]),
            outcome=AttendanceOutcome(doc["outcome"]),
            counted_seconds=int(doc["counted_seconds"]),
            overridden=bool(doc["overridden"]),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class CourseStudentAttendance:
    """One student's row: a verdict per session (in the columns' order), the counts and the rate."""

    user_id: str
    outcomes: Tuple[CourseSessionOutcome, ...]
    present: int
    late: int
    left_early: int
    absent: int
    counted_seconds: int
    attendance_rate: Optional[float]  # sessions attended (present, late, left early) / sessions; None if none held
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "CourseStudentAttendance":
        rate = doc.get("attendance_rate")
        return cls(
            user_id=str(doc["user_id"]),
            outcomes=tuple(CourseSessionOutcome.from_json(o) for o in doc["outcomes"]),
            present=int(doc["present"]),
            late=int(doc["late"]),
            left_early=int(doc["left_early"]),
            absent=int(doc["absent"]),
            counted_seconds=int(doc["counted_seconds"]),
            attendance_rate=None if rate is None else float(rate),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class CourseAttendance:
    """A course's attendance over [from, to): one column per session held, one row per student."""

    course_id: str
    range_starts_at: _dt.datetime
    range_ends_at: _dt.datetime
    final: bool
    sessions: Tuple[CourseSessionColumn, ...]
    students: Tuple[CourseStudentAttendance, ...]
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "CourseAttendance":
        return cls(
            course_id=str(doc["course_id"]),
            range_starts_at=parse_instant(doc["range_starts_at"]),
            range_ends_at=parse_instant(doc["range_ends_at"]),
            final=doc["state"] == "final",
            sessions=tuple(CourseSessionColumn.from_json(s) for s in doc["sessions"]),
            students=tuple(CourseStudentAttendance.from_json(s) for s in doc["students"]),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class RosterEntry:
    """One participant in the room now: since when (earliest open connection), from which source, how many connections."""

    user_id: str
    role: Role
    joined_at: _dt.datetime
    source: PresenceSource
    connections: int
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "RosterEntry":
        return cls(
            user_id=str(doc["user_id"]),
            role=Role(doc["role"]),
            joined_at=parse_instant(doc["joined_at"]),
            source=PresenceSource(doc["source"]),
            connections=int(doc["connections"]),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class LiveRoster:
    """Who is in a session's room at ``observed_at``; empty unless the session is live."""

    session_id: str
    status: SessionStatus
    observed_at: _dt.datetime
    participants: Tuple[RosterEntry, ...]
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "LiveRoster":
        return cls(
            session_id=str(doc["session_id"]),
            status=SessionStatus(doc["status"]),
            observed_at=parse_instant(doc["observed_at"]),
            participants=tuple(RosterEntry.from_json(p) for p in doc["participants"]),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class AttendanceRow:
    user_id: str
    role: Role
    present_seconds: int
    joins: int
    first_join_at: Optional[_dt.datetime]
    last_leave_at: Optional[_dt.datetime]
    is_present: bool
    source: PresenceSource
    raw: Mapping[str, Any] = _raw_field()

    @property
    def present(self) -> _dt.timedelta:
        return _dt.timedelta(seconds=self.present_seconds)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "AttendanceRow":
        return cls(
            user_id=str(doc["user_id"]),
            role=Role(doc["role"]),
            present_seconds=int(doc.get("present_seconds") or 0),
            joins=int(doc.get("joins") or 0),
            first_join_at=parse_optional_instant(doc.get("first_join_at")),
            last_leave_at=parse_optional_instant(doc.get("last_leave_at")),
            is_present=bool(doc.get("is_present")),
            source=PresenceSource(doc.get("source") or "client"),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class ChatMessage:
    id: str
    session_id: str
    user_id: str
    type: ChatType
    body: str
    reply_to: Optional[str]
    created_at: _dt.datetime
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "ChatMessage":
        return cls(
            id=str(doc["id"]),
            session_id=str(doc["session_id"]),
            user_id=str(doc["user_id"]),
            type=ChatType(doc["type"]),
            body=str(doc["body"]),
            reply_to=_opt_str(doc.get("reply_to")),
            created_at=parse_instant(doc["created_at"]),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class ChatPage:
    """Oldest first; pass ``next_cursor`` back as ``cursor`` for the next page."""

    messages: Tuple[ChatMessage, ...]
    next_cursor: Optional[str]

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "ChatPage":
        return cls(
            tuple(ChatMessage.from_json(m) for m in doc.get("messages") or ()),
            _opt_str(doc.get("next_cursor")),
        )


@dataclass(frozen=True)
class CalendarEvent:
    type: str
    id: str
    course_id: str
    title: str
    starts_at: _dt.datetime
    ends_at: _dt.datetime
    status: SessionStatus
    join_url: str
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "CalendarEvent":
        return cls(
            type=str(doc.get("type") or "live_session"),
            id=str(doc["id"]),
            course_id=str(doc["course_id"]),
            title=str(doc.get("title") or ""),
            starts_at=parse_instant(doc["starts_at"]),
            ends_at=parse_instant(doc["ends_at"]),
            status=SessionStatus(doc["status"]),
            join_url=str(doc.get("join_url") or ""),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class Series:
    """A weekly series; ``rule`` describes the rule as the host gave it."""

    id: str
    course_id: str
    rule: str
    instructor_id: Optional[str] = None
    created_at: Optional[_dt.datetime] = None
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "Series":
        rule = doc.get("rule")
        return cls(
            id=str(doc["id"]),
            course_id=str(doc["course_id"]),
            rule=rule if isinstance(rule, str) else "" if rule is None else str(rule),
            instructor_id=_opt_str(doc.get("instructor_id")),
            created_at=parse_optional_instant(doc.get("created_at")),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class SeriesResult:
    series: Series
    sessions: Tuple[Session, ...]

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "SeriesResult":
        return cls(
            Series.from_json(doc["series"]),
            tuple(Session.from_json(s) for s in doc.get("sessions") or ()),
        )


@dataclass(frozen=True)
class PresenceAck:
    """What a presence report did: ``recorded``, or ``ignored`` with the reason.

    Reasons: ``unknown_room``, ``unknown_user``, ``never_live``, ``duplicate``,
    ``app_id_mismatch``, ``clock_skew``, ``no_attendance_data``,
    ``recording_url_already_set``, ``not_live``, ``nobody_absent``. Ignored reports are
    acknowledged, never errors, so that senders do not retry them.
    """

    status: str
    reason: Optional[str]
    raw: Mapping[str, Any] = _raw_field()

    @property
    def recorded(self) -> bool:
        return self.status == "recorded"

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "PresenceAck":
        return cls._from_owned(dict(doc))

    @classmethod
    def _from_owned(cls, doc: Dict[str, Any]) -> "PresenceAck":
        return _frozen(cls, {"status": str(doc["status"]), "reason": _opt_str(doc.get("reason")),
                             "raw": MappingProxyType(doc)})


@dataclass(frozen=True)
class CensusAck:
    """What a room census did: the ack, and how many users it named and found absent.

    ``status`` is ``recorded`` when an absence was new; else ``reason`` is
    ``nobody_absent``, ``duplicate``, ``unknown_room``, ``never_live`` or
    ``clock_skew``. ``unidentified`` counts the occupants that named no user
    of the session (guests, the focus, strangers).
    """

    status: str
    reason: Optional[str]
    session_id: Optional[str]
    named: int
    absent: int
    unidentified: int
    raw: Mapping[str, Any] = _raw_field()

    @property
    def recorded(self) -> bool:
        return self.status == "recorded"

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "CensusAck":
        return cls(
            status=str(doc["status"]),
            reason=_opt_str(doc.get("reason")),
            session_id=_opt_str(doc.get("session_id")),
            named=int(doc["named"]),
            absent=int(doc["absent"]),
            unidentified=int(doc["unidentified"]),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class RecordingResult:
    """The acknowledgement of a recording URL and the session as it now is (None if none was found)."""

    status: str
    reason: Optional[str]
    session: Optional[Session]
    raw: Mapping[str, Any] = _raw_field()

    @property
    def recorded(self) -> bool:
        return self.status == "recorded"

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "RecordingResult":
        session = doc.get("session")
        return cls(
            status=str(doc["status"]),
            reason=_opt_str(doc.get("reason")),
            session=None if session is None else Session.from_json(session),
            raw=_raw(doc),
        )


# ------------------------------------------------------------ notifications
class NotificationKind(_StrEnum):
    REMINDER_24H = "reminder_24h"
    REMINDER_1H = "reminder_1h"
    SESSION_LIVE = "session_live"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_RESCHEDULED = "session_rescheduled"
    RECORDING_AVAILABLE = "recording_available"


class NotificationState(_StrEnum):
    """``pending`` (waiting, or claimed and not yet acknowledged), ``delivered``, ``dead``."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True)
class Notification:
    """One notification of the outbox (docs/notifications.md).

    ``id`` is stable (the webhook-id of every delivery attempt) and
    ``idempotency_key`` is unique per planned event: deduplicate on either.
    The session fields are the session as it was when the notification was
    planned. ``read`` is set in in-app lists only.
    """

    id: str
    kind: NotificationKind
    user_id: str
    course_id: str
    session_id: str
    title: str
    starts_at: _dt.datetime
    ends_at: _dt.datetime
    timezone: str
    join_url: str
    cancel_reason: Optional[str]
    created_at: _dt.datetime
    due_at: _dt.datetime
    attempts: int
    idempotency_key: str
    state: NotificationState
    next_attempt_at: Optional[_dt.datetime]
    delivered_at: Optional[_dt.datetime]
    last_error: Optional[str]
    read: Optional[bool] = None
    raw: Mapping[str, Any] = _raw_field()

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "Notification":
        read = doc.get("read")
        return cls(
            id=str(doc["id"]),
            kind=NotificationKind(doc["kind"]),
            user_id=str(doc["user_id"]),
            course_id=str(doc["course_id"]),
            session_id=str(doc["session_id"]),
            title=str(doc.get("title") or ""),
            starts_at=parse_instant(doc["starts_at"]),
            ends_at=parse_instant(doc["ends_at"]),
            timezone=str(doc.get("timezone") or "UTC"),
            join_url=str(doc.get("join_url") or ""),
            cancel_reason=_opt_str(doc.get("cancel_reason")),
            created_at=parse_instant(doc["created_at"]),
            due_at=parse_instant(doc["due_at"]),
            attempts=int(doc.get("attempts") or 0),
            idempotency_key=str(doc.get("idempotency_key") or ""),
            state=NotificationState(doc.get("state") or "pending"),
            next_attempt_at=parse_optional_instant(doc.get("next_attempt_at")),
            delivered_at=parse_optional_instant(doc.get("delivered_at")),
            last_error=_opt_str(doc.get("last_error")),
            read=None if read is None else bool(read),
            raw=_raw(doc),
        )


@dataclass(frozen=True)
class NotificationPage:
    """Notifications in one state, oldest first; pass ``next_cursor`` back as ``cursor``."""

    notifications: Tuple[Notification, ...]
    next_cursor: Optional[str]

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "NotificationPage":
        return cls(
            tuple(Notification.from_json(n) for n in doc.get("notifications") or ()),
            _opt_str(doc.get("next_cursor")),
        )


@dataclass(frozen=True)
class NotificationList:
    """A user's in-app notifications, newest first, with the read marker."""

    notifications: Tuple[Notification, ...]
    next_cursor: Optional[str]
    read_up_to: Optional[str]
    unread_count: int

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "NotificationList":
        return cls(
            tuple(Notification.from_json(n) for n in doc.get("notifications") or ()),
            _opt_str(doc.get("next_cursor")),
            _opt_str(doc.get("read_up_to")),
            int(doc.get("unread_count") or 0),
        )


@dataclass(frozen=True)
class ReadMarker:
    read_up_to: Optional[str]
    unread_count: int

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> "ReadMarker":
        return cls(_opt_str(doc.get("read_up_to")), int(doc.get("unread_count") or 0))
