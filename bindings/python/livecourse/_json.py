"""Request encoding: the JSON text every lc_ function reads.

One encoder for every request (compact, UTF-8, no NaN), so that the hot
operations, which assemble their request from pre-encoded pieces, send
exactly the bytes ``json.dumps`` would have sent for the same request.
"""

from __future__ import annotations

import json
import json.encoder
from typing import Any, Callable

# The C escaper json.dumps(ensure_ascii=False) uses (typeshed does not declare it).
_quote: Callable[[str], str] = getattr(json.encoder, "encode_basestring")

from .errors import ValidationError

__all__ = ["encode", "encode_string", "acting_on_session"]


def encode(value: Any) -> bytes:
    """Compact UTF-8 JSON text of a request (or part of one)."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(f"a string is not valid Unicode text: {exc}") from None
    except ValueError as exc:
        raise ValidationError(f"request cannot be encoded: {exc}") from None


def encode_string(text: str) -> bytes:
    """A JSON string literal, as ``encode(text)`` writes it."""
    try:
        return _quote(text).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationError(f"a string is not valid Unicode text: {exc}") from None


def acting_on_session(actor_json: bytes, session_id: str) -> bytes:
    """``{"actor": <actor_json>, "session_id": <session_id>}``: join, leave, token, heartbeat."""
    return b'{"actor":' + actor_json + b',"session_id":' + encode_string(session_id) + b"}"
