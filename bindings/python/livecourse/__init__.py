"""livecourse: live classes on Jitsi Meet for an LMS backend.

A pure-Python binding (ctypes, standard library only) over the C ABI of
liblivecourse. Quick start::

    from datetime import datetime, timedelta, timezone
    from livecourse import Engine, Role

    with Engine(database="live.db") as engine:
        engine.enroll(course_id="c1", user_id="prof", role=Role.INSTRUCTOR)
        ...

The wheel carries the native library inside this package
(``livecourse/liblivecourse.so``), where it is loaded from; the
``LIVECOURSE_LIBRARY`` environment variable overrides it, and without either
the dynamic loader's path is searched. Importing fails with an ImportError
that says what was tried if it is missing or speaks another ABI version.
"""

from __future__ import annotations

from ._library import ABI_VERSION, LIBRARY_PATH, AbiMismatchError, LibraryNotFoundError
from ._library import LIB as _LIB
from .engine import Engine
from .errors import (
    Conflict,
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
from .hosts import Roster, RosterLike
from .models import (
    Actor,
    AttendanceOutcome,
    AttendanceOutcomes,
    AttendanceOverride,
    AttendanceRow,
    CalendarEvent,
    ChatMessage,
    ChatPage,
    ChatType,
    CourseAttendance,
    CourseSessionColumn,
    CourseSessionOutcome,
    CourseStudentAttendance,
    EndResult,
    Enrollment,
    JoinResult,
    LiveRoster,
    Notification,
    NotificationKind,
    NotificationList,
    NotificationPage,
    NotificationState,
    PresenceAck,
    CensusAck,
    PresenceSource,
    ReadMarker,
    RecordingResult,
    Role,
    RosterEntry,
    Series,
    SeriesResult,
    Session,
    StudentOutcome,
    SessionFilter,
    SessionStatus,
    Statistics,
    TokenResult,
)

__version__ = "0.1.0"


def library_version() -> str:
    """The loaded liblivecourse's version ("0.1.0")."""
    version: bytes = _LIB.lc_version()
    return version.decode("ascii")


def library_abi_version() -> int:
    """LC_ABI_VERSION of the loaded library (equal to ABI_VERSION, or import failed)."""
    return int(_LIB.lc_abi_version())


__all__ = [
    "ABI_VERSION",
    "LIBRARY_PATH",
    "AbiMismatchError",
    "LibraryNotFoundError",
    "library_version",
    "library_abi_version",
    "Engine",
    "Roster",
    "RosterLike",
    "Actor",
    "AttendanceOutcome",
    "AttendanceOutcomes",
    "AttendanceOverride",
    "AttendanceRow",
    "CalendarEvent",
    "ChatMessage",
    "ChatPage",
    "ChatType",
    "CourseAttendance",
    "CourseSessionColumn",
    "CourseSessionOutcome",
    "CourseStudentAttendance",
    "EndResult",
    "Enrollment",
    "JoinResult",
    "LiveRoster",
    "Notification",
    "NotificationKind",
    "NotificationList",
    "NotificationPage",
    "NotificationState",
    "ReadMarker",
    "PresenceAck",
    "CensusAck",
    "PresenceSource",
    "RecordingResult",
    "Role",
    "RosterEntry",
    "Series",
    "SeriesResult",
    "Session",
    "StudentOutcome",
    "SessionFilter",
    "SessionStatus",
    "Statistics",
    "TokenResult",
    "LiveCourseError",
    "ValidationError",
    "NotFound",
    "Forbidden",
    "Conflict",
    "SessionFull",
    "StorageError",
    "Unauthenticated",
    "HostCallbackError",
    "InternalError",
    "OutOfMemory",
    "EngineClosed",
    "WouldBlock",
]
