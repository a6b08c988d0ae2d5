"""The exception hierarchy: one class per lc_status category.

Every refusal of the library arrives as ``{"error": {"code", "category",
"message", "field"}}``. The *category* (the C status) chooses the class; the
*code* is the most specific stable code ("session_full", "not_enrolled",
"not_live", ... or the category itself when nothing more specific applies).

::

    LiveCourseError
     +-- ValidationError      (also a ValueError; .field names the input)
     +-- NotFound             (also a LookupError)
     +-- Forbidden            (.reason: "not_enrolled", "not_live", ...)
     +-- Conflict             (.reason: "invalid_transition", "revision_mismatch", ...)
     +-- SessionFull
     +-- StorageError
     +-- Unauthenticated
     +-- HostCallbackError    (__cause__: the exception the host callback raised)
     +-- InternalError
     |    +-- OutOfMemory     (also a MemoryError)
     +-- EngineClosed         (the engine was closed)
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Type

__all__ = [
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
    "STATUS_NAMES",
]

# lc_status values (stable, never reused) and their names, which are also the
# "category" of error documents. The loaded library's lc_status_name() is the
# authority; livecourse/_library.py refreshes this table from it at import.
STATUS_NAMES: Dict[int, str] = {
    0: "ok",
    1: "invalid_argument",
    2: "not_found",
    3: "forbidden",
    4: "conflict",
    5: "session_full",
    6: "storage",
    7: "unauthenticated",
    8: "internal",
    9: "no_memory",
    10: "host_callback",
    11: "would_block",
}


class LiveCourseError(Exception):
    """A refusal or failure reported by livecourse.

    Attributes:
        code: the most specific stable code ("session_full", "not_enrolled",
            ..., else the category).
        category: the category, the C status name ("invalid_argument",
            "not_found", "forbidden", ...).
        status: the numeric lc_status.
        field: the offending input field, or None.
        reason: the code when it is more specific than the category, else None.
        message: the human-readable message.
    """

    status: int = 8
    default_category: str = "internal"

    def __init__(
        self,
        message: str,
        *,
        code: Optional[str] = None,
        category: Optional[str] = None,
        field: Optional[str] = None,
        status: Optional[int] = None,
    ) -> None:
        super().__init__(message)
        self.message: str = message
        self.category: str = category or self.default_category
        self.code: str = code or self.category
        self.field: Optional[str] = field
        if status is not None:
            self.status = status

    @property
    def reason(self) -> Optional[str]:
        return self.code if self.code != self.category else None

    def __str__(self) -> str:
        parts = [self.message]
        if self.code and self.code not in self.message:
            parts.append(f"[{self.code}]")
        if self.field and self.field not in self.message:
            parts.append(f"(field: {self.field})")
        return " ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, code={self.code!r}, "
            f"category={self.category!r}, field={self.field!r})"
        )


class ValidationError(LiveCourseError, ValueError):
    """Bad input (LC_ERR_INVALID_ARGUMENT); ``.field`` names it."""

    status = 1
    default_category = "invalid_argument"


class NotFound(LiveCourseError, LookupError):
    """An id names nothing (LC_ERR_NOT_FOUND)."""

    status = 2
    default_category = "not_found"


class Forbidden(LiveCourseError):
    """Access refused (LC_ERR_FORBIDDEN); ``.reason`` says why."""

    status = 3
    default_category = "forbidden"

    @property
    def reason(self) -> Optional[str]:  # always set for a refusal
        return self.code


class Conflict(LiveCourseError):
    """Not possible in the session's status, or a concurrent change (LC_ERR_CONFLICT)."""

    status = 4
    default_category = "conflict"


class SessionFull(LiveCourseError):
    """No seat left (LC_ERR_FULL, code "session_full")."""

    status = 5
    default_category = "session_full"


class StorageError(LiveCourseError):
    """The database failed or is unreachable (LC_ERR_STORAGE)."""

    status = 6
    default_category = "storage"


class Unauthenticated(LiveCourseError):
    """No actor, or an invalid token (LC_ERR_UNAUTHENTICATED)."""

    status = 7
    default_category = "unauthenticated"


class InternalError(LiveCourseError):
    """A bug in livecourse (LC_ERR_INTERNAL): please report it."""

    status = 8
    default_category = "internal"


class OutOfMemory(InternalError, MemoryError):
    """The library ran out of memory (LC_ERR_NO_MEMORY)."""

    status = 9
    default_category = "no_memory"


class HostCallbackError(LiveCourseError):
    """A host hook (roster, clock) failed (LC_ERR_CALLBACK).

    When the hook was a Python callable that raised, that exception is
    ``__cause__`` (and ``.original``).
    """

    status = 10
    default_category = "host_callback"

    @property
    def original(self) -> Optional[BaseException]:
        return self.__cause__


class WouldBlock(LiveCourseError):
    """A call on a thread that may not wait would have had to (LC_ERR_WOULD_BLOCK).

    Only a host that set ``lc_thread_no_wait`` on its thread sees it (this
    binding never does); nothing was changed.
    """

    status = 11
    default_category = "would_block"


class EngineClosed(LiveCourseError):
    """The engine was used after close()."""

    status = 1
    default_category = "invalid_argument"


_BY_STATUS: Dict[int, Type[LiveCourseError]] = {
    1: ValidationError,
    2: NotFound,
    3: Forbidden,
    4: Conflict,
    5: SessionFull,
    6: StorageError,
    7: Unauthenticated,
    8: InternalError,
    9: OutOfMemory,
    10: HostCallbackError,
    11: WouldBlock,
}

# Category names as they may appear in error JSON, for a document whose status
# is unknown (the header's "lc_status name" could also be read as "full" and
# "callback": both spellings are accepted).
_BY_CATEGORY: Dict[str, Type[LiveCourseError]] = {
    "invalid_argument": ValidationError,
    "not_found": NotFound,
    "forbidden": Forbidden,
    "conflict": Conflict,
    "full": SessionFull,
    "session_full": SessionFull,
    "storage": StorageError,
    "unauthenticated": Unauthenticated,
    "internal": InternalError,
    "no_memory": OutOfMemory,
    "callback": HostCallbackError,
    "host_callback": HostCallbackError,
    "would_block": WouldBlock,
}


def error_class(status: int, category: Optional[str] = None) -> Type[LiveCourseError]:
    cls = _BY_STATUS.get(status)
    if cls is None and category:
        cls = _BY_CATEGORY.get(category)
    return cls or InternalError


def from_error_document(status: int, document: Optional[Mapping[str, Any]]) -> LiveCourseError:
    """The exception for a failed call: status plus its error JSON (if any)."""
    body: Mapping[str, Any] = {}
    if isinstance(document, Mapping):
        inner = document.get("error", document)
        if isinstance(inner, Mapping):
            body = inner
    category = body.get("category") if isinstance(body.get("category"), str) else None
    code = body.get("code") if isinstance(body.get("code"), str) else None
    field = body.get("field") if isinstance(body.get("field"), str) else None
    message = body.get("message") if isinstance(body.get("message"), str) else None
    name = STATUS_NAMES.get(status)
    cls = error_class(status, category)
    return cls(
        message or f"livecourse call failed with status {name or status}",
        code=code,
        category=category or name or cls.default_category,
        field=field,
        status=status,
    )
