"""Loading liblivecourse and declaring its C ABI for ctypes.

The library is looked for, in order:

1. the path in the ``LIVECOURSE_LIBRARY`` environment variable (an explicit
   choice: if it is set and cannot be loaded, nothing else is tried);
2. inside this package (``liblivecourse.so`` or ``liblivecourse.so.0`` in the
   package directory: where the wheel carries it);
3. the dynamic loader's path (``ctypes.util.find_library("livecourse")``, then
   ``liblivecourse.so.0`` and ``liblivecourse.so``).

``ctypes.CDLL`` releases the GIL around every foreign call, which is what lets
threads and ``asyncio.to_thread`` run engine calls in parallel.

Every function gets its ``argtypes`` and ``restype`` here. Strings the
library hands over through ``char **`` out-parameters are declared as
``c_void_p`` so that ctypes keeps the raw pointer (a ``c_char_p`` would copy
the bytes and lose it), and ``take_string`` copies then releases it with
``lc_free``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Any, Dict, List, Optional, Tuple

__all__ = [
    "ABI_VERSION",
    "LibraryNotFoundError",
    "AbiMismatchError",
    "LIB",
    "LIBRARY_PATH",
    "OPERATIONS",
    "HostStruct",
    "ROLE_OF",
    "COURSES_OF",
    "COURSE_SINK",
    "COUNT_STUDENTS",
    "NOW",
    "FUNCTIONS",
    "take_string",
    "take_bytes",
]

#: The LC_ABI_VERSION this binding was written for (capi/include/livecourse.h).
ABI_VERSION = 1

_NAMES = ("liblivecourse.so", "liblivecourse.so.0")


class LibraryNotFoundError(ImportError):
    """liblivecourse could not be found or loaded."""


class AbiMismatchError(ImportError):
    """The loaded liblivecourse speaks another ABI version than this binding."""


def _candidates() -> List[Tuple[str, str]]:
    """(how it was found, what to pass to CDLL), in order of preference."""
    here = os.path.dirname(os.path.abspath(__file__))
    out: List[Tuple[str, str]] = []
    for name in _NAMES:
        path = os.path.join(here, name)
        if os.path.exists(path):
            out.append(("next to the package", path))
    found = ctypes.util.find_library("livecourse")
    if found:
        out.append(("on the loader path", found))
    for name in reversed(_NAMES):
        out.append(("on the loader path", name))
    return out


def _load() -> Tuple[ctypes.CDLL, str]:
    explicit = os.environ.get("LIVECOURSE_LIBRARY")
    if explicit:
        try:
            return ctypes.CDLL(explicit), explicit
        except OSError as exc:
            raise LibraryNotFoundError(
                f"livecourse: LIVECOURSE_LIBRARY={explicit!r} could not be loaded: {exc}"
            ) from exc
    errors: List[str] = []
    for how, what in _candidates():
        try:
            return ctypes.CDLL(what), what
        except OSError as exc:
            errors.append(f"  {what} ({how}): {exc}")
    raise LibraryNotFoundError(
        "livecourse: the native library liblivecourse.so was not found.\n"
        "Install the wheel, which carries it (pip wheel --no-build-isolation --no-deps "
        "bindings/python -w dist, then pip install dist/livecourse-*.whl), or build it "
        "(cmake --build <build> --target livecourse_capi) and set "
        "LIVECOURSE_LIBRARY=/path/to/liblivecourse.so, or install it on the dynamic "
        "loader's path.\nTried:\n" + "\n".join(errors)
    )


# lc_host hooks. CFUNCTYPE callbacks take the GIL back when C calls them.
ROLE_OF = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p)
COURSE_SINK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int)
COURSES_OF = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, COURSE_SINK, ctypes.c_void_p)
COUNT_STUDENTS = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p, ctypes.c_char_p)
NOW = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p)


class HostStruct(ctypes.Structure):
    """struct lc_host."""

    _fields_ = [
        ("user_data", ctypes.c_void_p),
        ("role_of", ROLE_OF),
        ("courses_of", COURSES_OF),
        ("count_students", COUNT_STUDENTS),
        ("now", NOW),
    ]


#: Every operation of the header (C name without "lc_") -> whether it answers JSON.
OPERATIONS = {
    "roster_enroll": True,
    "roster_unenroll": True,
    "roster_set_role": True,
    "roster_get_role": True,
    "user_put": True,
    "session_create": True,
    "session_get": True,
    "session_list": True,
    "session_update": True,
    "session_cancel": True,
    "session_start": True,
    "session_end": True,
    "session_join": True,
    "session_leave": True,
    "token_create": True,
    "attendance_get": True,
    "statistics_get": True,
    "chat_post": True,
    "chat_list": True,
    "series_create": True,
    "series_cancel": True,
    "calendar_query": True,
    "calendar_feed": False,  # text/calendar, not JSON
    "calendar_feed_by_token": False,
    "feed_token_get": True,
    "feed_token_rotate": True,
    "presence_jitsi_event": True,
    "presence_jaas_webhook": True,
    "presence_heartbeat": True,
    "recording_set": True,
    "notification_claim": True,
    "notification_ack": True,
    "notification_fail": True,
    "notification_list": True,
    "notification_mark_read": True,
    "notification_dead_list": True,
    "notification_retry": True,
    "attendance_outcomes_get": True,
    "presence_roster_get": True,
    "course_attendance_get": True,
    "attendance_override_set": True,
    "attendance_override_log": True,
    "presence_room_census": True,
}


#: Every operation -> its declared ``lc_<operation>`` function object, bound
#: once at import (filled by ``_open``) so that a call looks nothing up by name.
FUNCTIONS: Dict[str, Any] = {}


def _declare(lib: ctypes.CDLL) -> None:
    P = ctypes.POINTER
    lib.lc_version.argtypes = []
    lib.lc_version.restype = ctypes.c_char_p  # static: never freed
    lib.lc_abi_version.argtypes = []
    lib.lc_abi_version.restype = ctypes.c_int
    lib.lc_free.argtypes = [ctypes.c_void_p]
    lib.lc_free.restype = None
    lib.lc_last_error.argtypes = []
    lib.lc_last_error.restype = ctypes.c_char_p  # owned by the library
    lib.lc_status_name.argtypes = [ctypes.c_int]
    lib.lc_status_name.restype = ctypes.c_char_p  # static
    lib.lc_engine_open.argtypes = [ctypes.c_char_p, P(HostStruct), P(ctypes.c_void_p), P(ctypes.c_void_p)]
    lib.lc_engine_open.restype = ctypes.c_int
    lib.lc_engine_close.argtypes = [ctypes.c_void_p]
    lib.lc_engine_close.restype = None
    lib.lc_thread_no_wait.argtypes = [ctypes.c_int]
    lib.lc_thread_no_wait.restype = ctypes.c_int
    for op in OPERATIONS:
        fn = getattr(lib, "lc_" + op)
        # Out-parameters are POINTER(c_void_p): a c_void_p passed there is
        # passed by reference without a byref() per call.
        fn.argtypes = [ctypes.c_void_p, ctypes.c_char_p, P(ctypes.c_void_p), P(ctypes.c_void_p)]
        fn.restype = ctypes.c_int
        FUNCTIONS[op] = fn


def _check_abi(lib: ctypes.CDLL, where: str) -> None:
    try:
        abi = lib.lc_abi_version
    except AttributeError as exc:
        raise AbiMismatchError(f"livecourse: {where} does not export lc_abi_version: not a livecourse library") from exc
    abi.argtypes = []
    abi.restype = ctypes.c_int
    found = abi()
    if found != ABI_VERSION:
        raise AbiMismatchError(
            f"livecourse: {where} has C ABI version {found}, but this Python binding was written for "
            f"ABI version {ABI_VERSION}; install matching versions of the library and the binding"
        )


def take_string(lib: ctypes.CDLL, pointer: Optional[int]) -> Optional[str]:
    """Copies a library-owned UTF-8 string and releases it with lc_free."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.lc_free(pointer)


def take_bytes(lib: ctypes.CDLL, pointer: Optional[int]) -> Optional[bytes]:
    """The bytes of a library-owned string (one copy), released with lc_free."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer)
    finally:
        lib.lc_free(pointer)


def _adopt_status_names(lib: ctypes.CDLL) -> None:
    from .errors import STATUS_NAMES

    for status in list(STATUS_NAMES):
        name = lib.lc_status_name(status)
        if name and name != b"unknown":
            STATUS_NAMES[status] = name.decode("ascii")


def _open() -> Tuple[ctypes.CDLL, str]:
    lib, where = _load()
    _check_abi(lib, where)
    try:
        _declare(lib)
    except AttributeError as exc:
        raise AbiMismatchError(f"livecourse: {where} lacks a function of the C ABI: {exc}") from exc
    _adopt_status_names(lib)
    return lib, where


LIB, LIBRARY_PATH = _open()
