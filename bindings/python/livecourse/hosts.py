"""Host hooks: a roster the LMS answers, and a clock its tests drive.

The C library calls these through ``lc_host`` function pointers, possibly
from several threads at once. Python exceptions cannot cross C, so a hook that
raises reports a failure to the library (a negative value: the operation fails
with LC_ERR_CALLBACK) and the exception is kept, per thread, so that the
engine call raises ``HostCallbackError`` chained to it (``raise ... from``).
"""

from __future__ import annotations

import datetime as _dt
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Mapping, Optional, Protocol, Tuple, Union, runtime_checkable

from . import _library as _lib
from ._time import unix_seconds
from .models import Enrollment, Role

__all__ = ["Roster", "RosterLike", "RoleLike", "Clock", "CoursesResult"]

RoleLike = Union[Role, str, int, None]
#: What a courses_of hook may return: {course_id: role}, or (course_id, role)
#: pairs, or Enrollment values.
CoursesResult = Union[Mapping[str, RoleLike], Iterable[Union[Tuple[str, RoleLike], Enrollment]]]
#: A clock returns an aware datetime or Unix seconds.
Clock = Callable[[], Union[_dt.datetime, int, float]]


@runtime_checkable
class RosterLike(Protocol):
    """Any object with a ``role_of(course_id, user_id)`` method.

    ``courses_of(user_id)`` (for calendars) and ``count_students(course_id)``
    (for attendance rates) are optional methods.
    """

    def role_of(self, course_id: str, user_id: str) -> RoleLike: ...


@dataclass(frozen=True)
class Roster:
    """A host roster made of plain callables.

    ``role_of(course_id, user_id)`` returns a Role, its name, or None (not in
    the course). ``courses_of(user_id)`` returns the user's courses, as a
    mapping course_id -> role or as (course_id, role) pairs; without it,
    calendars are empty. ``count_students(course_id)`` returns an int, or None
    when unknown.
    """

    role_of: Callable[[str, str], RoleLike]
    courses_of: Optional[Callable[[str], CoursesResult]] = None
    count_students: Optional[Callable[[str], Optional[int]]] = None


def role_code(value: RoleLike) -> int:
    """The lc_role value of what a roster hook returned."""
    if value is None:
        return Role.NONE.code
    if isinstance(value, Role):
        return value.code
    if isinstance(value, str):
        try:
            return Role(value.strip().lower()).code
        except ValueError:
            raise ValueError(f"roster returned an unknown role {value!r}") from None
    if isinstance(value, int) and not isinstance(value, bool):
        return Role.from_code(value).code
    raise TypeError(f"roster must return a Role, a role name or None, not {type(value).__name__}")


def _course_pairs(result: CoursesResult) -> List[Tuple[str, int]]:
    pairs: List[Tuple[str, int]] = []
    if result is None:
        return pairs
    if isinstance(result, Mapping):
        for course_id, role in result.items():
            pairs.append((str(course_id), role_code(role)))
        return pairs
    for item in result:
        if isinstance(item, Enrollment):
            pairs.append((item.course_id, item.role.code))
        else:
            course_id, role = item
            pairs.append((str(course_id), role_code(role)))
    return pairs


class HostHooks:
    """The ctypes callbacks of one engine, and the exceptions they caught.

    The CFUNCTYPE objects must stay alive as long as the engine: the library
    keeps the raw function pointers.
    """

    def __init__(self, roster: Any = None, clock: Optional[Clock] = None) -> None:
        self._local = threading.local()
        self._orphan_lock = threading.Lock()
        self._orphan: Optional[BaseException] = None
        self.struct: Optional[_lib.HostStruct] = None
        self._keep: List[Any] = []

        role_of, courses_of, count_students = _split_roster(roster)
        if role_of is None and clock is None:
            return
        host = _lib.HostStruct()
        host.user_data = None
        if role_of is not None:
            host.role_of = self._keep_alive(_lib.ROLE_OF(self._wrap_role_of(role_of)))
        if courses_of is not None:
            host.courses_of = self._keep_alive(_lib.COURSES_OF(self._wrap_courses_of(courses_of)))
        if count_students is not None:
            host.count_students = self._keep_alive(_lib.COUNT_STUDENTS(self._wrap_count_students(count_students)))
        if clock is not None:
            unix_seconds(clock())  # fail fast on a clock that returns the wrong thing
            host.now = self._keep_alive(_lib.NOW(self._wrap_now(clock)))
        self.struct = host

    def _keep_alive(self, fn: Any) -> Any:
        self._keep.append(fn)
        return fn

    # ---------------------------------------------------------- pending errors
    def begin(self) -> None:
        """Marks the calling thread as inside an engine call."""
        self._local.depth = getattr(self._local, "depth", 0) + 1
        if self._local.depth == 1:
            self._local.pending = None

    def end(self) -> Optional[BaseException]:
        """Leaves the call; returns what a hook raised during it, if anything."""
        self._local.depth -= 1
        pending = getattr(self._local, "pending", None)
        if self._local.depth == 0:
            self._local.pending = None
        return pending

    def in_call(self) -> bool:
        return getattr(self._local, "depth", 0) > 0

    def take_orphan(self) -> Optional[BaseException]:
        with self._orphan_lock:
            exc, self._orphan = self._orphan, None
            return exc

    def _record(self, exc: BaseException) -> None:
        if getattr(self._local, "depth", 0) > 0:
            if getattr(self._local, "pending", None) is None:
                self._local.pending = exc
        else:  # called from a thread of the library's own, not a caller's
            with self._orphan_lock:
                self._orphan = exc

    # --------------------------------------------------------------- wrappers
    def _wrap_role_of(self, fn: Callable[[str, str], RoleLike]) -> Callable[..., int]:
        def role_of(_user_data: Any, course_id: bytes, user_id: bytes) -> int:
            try:
                return role_code(fn(course_id.decode("utf-8"), user_id.decode("utf-8")))
            except BaseException as exc:  # noqa: B902 - nothing may cross into C
                self._record(exc)
                return -1

        return role_of

    def _wrap_courses_of(self, fn: Callable[[str], CoursesResult]) -> Callable[..., int]:
        def courses_of(_user_data: Any, user_id: bytes, sink: Any, sink_context: Any) -> int:
            try:
                pairs = _course_pairs(fn(user_id.decode("utf-8")))
                for course_id, code in pairs:
                    sink(sink_context, course_id.encode("utf-8"), code)
                return 0
            except BaseException as exc:  # noqa: B902
                self._record(exc)
                return -1

        return courses_of

    def _wrap_count_students(self, fn: Callable[[str], Optional[int]]) -> Callable[..., int]:
        def count_students(_user_data: Any, course_id: bytes) -> int:
            try:
                n = fn(course_id.decode("utf-8"))
                if n is None:
                    return -1
                if isinstance(n, bool) or not isinstance(n, int):
                    raise TypeError(f"count_students must return an int or None, not {type(n).__name__}")
                return n if n >= 0 else -1
            except BaseException as exc:  # noqa: B902
                self._record(exc)
                return -1

        return count_students

    def _wrap_now(self, fn: Clock) -> Callable[..., int]:
        def now(_user_data: Any) -> int:
            try:
                return unix_seconds(fn())
            except BaseException as exc:  # noqa: B902
                # The header gives lc_host.now no failure value; the library
                # refuses a time before 1970 as a failed hook (LC_ERR_CALLBACK),
                # so -1 fails the operation. Should a library accept it, the
                # engine call still raises afterwards (see Engine._call).
                self._record(exc)
                return -1

        return now


def _split_roster(roster: Any) -> Tuple[Optional[Callable[..., Any]], Optional[Callable[..., Any]], Optional[Callable[..., Any]]]:
    if roster is None:
        return None, None, None
    role_of = getattr(roster, "role_of", None)
    if callable(role_of):
        return role_of, _optional(roster, "courses_of"), _optional(roster, "count_students")
    if callable(roster):
        return roster, None, None
    raise TypeError("roster must be a callable (course_id, user_id) -> role, or an object with role_of()")


def _optional(obj: Any, name: str) -> Optional[Callable[..., Any]]:
    fn = getattr(obj, name, None)
    return fn if callable(fn) else None
