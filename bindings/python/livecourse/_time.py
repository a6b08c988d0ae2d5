"""Conversions between Python's date/time types and the ABI's strings.

Inputs: aware ``datetime`` objects are converted to UTC and written as
RFC 3339 with ``Z`` and whole seconds (fractions are dropped, as the library
itself does); naive ones are refused, since guessing a zone is how classes end
up an hour off. Outputs are aware UTC ``datetime`` objects.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Optional, Union

from .errors import ValidationError

UTC = _dt.timezone.utc

DateTimeLike = Union[_dt.datetime, str]
DateLike = Union[_dt.date, str]


def _naive(field: str) -> ValidationError:
    return ValidationError(
        f"{field}: a naive datetime has no time zone; pass an aware datetime "
        f"(e.g. datetime(..., tzinfo=timezone.utc) or ZoneInfo(...))",
        field=field,
    )


def format_instant(value: DateTimeLike, field: str) -> str:
    """An aware datetime (or an RFC 3339 string, passed through) as "...Z"."""
    if isinstance(value, str):
        return value
    if not isinstance(value, _dt.datetime):
        raise ValidationError(f"{field}: expected an aware datetime, got {type(value).__name__}", field=field)
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise _naive(field)
    utc = value.astimezone(UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
    )


def format_date_or_instant(value: Union[_dt.date, _dt.datetime, str], field: str) -> str:
    """A date ("2024-03-01") or an aware datetime (RFC 3339), for calendar bounds."""
    if isinstance(value, _dt.datetime):
        return format_instant(value, field)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise ValidationError(f"{field}: expected a date or an aware datetime, got {type(value).__name__}", field=field)


def format_date(value: DateLike, field: str) -> str:
    """A calendar date ("2026-09-01"). A datetime is refused: its time would be ignored."""
    if isinstance(value, _dt.datetime):
        raise ValidationError(f"{field}: expected a date, not a datetime", field=field)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise ValidationError(f"{field}: expected a date, got {type(value).__name__}", field=field)


def format_time_of_day(value: Union[_dt.time, str], field: str) -> str:
    """A local wall-clock time ("10:00"); the zone is the series' timezone."""
    if isinstance(value, _dt.time):
        if value.tzinfo is not None:
            raise ValidationError(
                f"{field}: a time of day is read in the series' timezone; pass a time without tzinfo",
                field=field,
            )
        if value.second or value.microsecond:
            raise ValidationError(f"{field}: whole minutes only", field=field)
        return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, str):
        return value
    raise ValidationError(f"{field}: expected a datetime.time, got {type(value).__name__}", field=field)


def parse_instant(text: str) -> _dt.datetime:
    """RFC 3339 ("2024-03-01T14:00:00Z" or with an offset) -> aware UTC datetime."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    value = _dt.datetime.fromisoformat(s)
    if value.tzinfo is None:  # the ABI always says Z; be lenient and read UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_optional_instant(text: Optional[str]) -> Optional[_dt.datetime]:
    return None if text is None else parse_instant(text)


def unix_seconds(value: Union[_dt.datetime, int, float]) -> int:
    """A clock reading as whole Unix seconds (floored)."""
    if isinstance(value, bool):
        raise TypeError("a clock must return a datetime or Unix seconds, not a bool")
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            raise _naive("clock")
        return int((value.astimezone(UTC) - _dt.datetime(1970, 1, 1, tzinfo=UTC)) // _dt.timedelta(seconds=1))
    if isinstance(value, (int, float)):
        return int(math.floor(value))
    raise TypeError(f"a clock must return a datetime or Unix seconds, not {type(value).__name__}")
