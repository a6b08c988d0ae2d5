"""The peer of python_rush.py: a join as a Python LMS developer writes it by hand.

The same steps as the library's join, on the same kind of file: Python's
sqlite3 on a WAL database (synchronous=NORMAL, as the library runs it), one
``BEGIN IMMEDIATE`` transaction with the statements sqlite3 prepares once and
caches: the session (live? seats left?), the enrollment, the participant
(inserted, or already there: a reconnect), the seat count, a presence row.
Then a PyJWT HS256 token with the claims the library's self-hosted tokens
carry (aud, iss, sub, room, iat, nbf, exp, context.user and
context.features) and the same kind of join link (token in the query,
Jitsi config and user info in the fragment).
"""

from __future__ import annotations

import secrets
import sqlite3
import time
import urllib.parse
from typing import Any, Dict, List, Sequence, Tuple

import jwt  # PyJWT

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, avatar TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrollments (
    course_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (course_id, user_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, course_id TEXT NOT NULL, status TEXT NOT NULL, room_name TEXT NOT NULL,
    max_participants INTEGER NOT NULL, seats_taken INTEGER NOT NULL DEFAULT 0,
    starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS participants (
    session_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, joined_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, user_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS presence (
    id INTEGER PRIMARY KEY, session_id TEXT NOT NULL, user_id TEXT NOT NULL,
    joined_at INTEGER NOT NULL, left_at INTEGER, source TEXT NOT NULL);
"""

#: Token lifetime past the session's end, and the not-before skew, as the library's defaults.
TOKEN_GRACE_SECONDS = 15 * 60
NOT_BEFORE_SKEW_SECONDS = 10
#: The Jitsi options of the join link's fragment.
CONFIG_FRAGMENT = "config.startWithAudioMuted=true&config.resolution=360&config.channelLastN=20"


class JoinRefused(Exception):
    """not_found, not_enrolled, not_live or session_full."""


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=True)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def seed(path: str, courses: Sequence[Tuple[str, Any, Sequence[Any]]], max_participants: int) -> List[str]:
    """Users, enrollments and one live session per course; the session ids, in course order."""
    conn = connect(path)
    conn.executescript(SCHEMA)
    now = int(time.time())
    sessions: List[str] = []
    conn.execute("BEGIN")
    for n, (course_id, prof, students) in enumerate(courses):
        rows = [(p.user_id, p.name, p.email, p.avatar) for p in [prof, *students]]
        conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?)", rows)
        conn.execute("INSERT INTO enrollments VALUES (?, ?, 'instructor')", (course_id, prof.user_id))
        conn.executemany("INSERT INTO enrollments VALUES (?, ?, 'student')",
                         [(course_id, s.user_id) for s in students])
        session_id = f"s-{n}-{secrets.token_hex(8)}"
        room = f"lc-{course_id}-session-{n}-{secrets.token_hex(10)}"
        conn.execute("INSERT INTO sessions VALUES (?, ?, 'live', ?, ?, 0, ?, ?)",
                     (session_id, course_id, room, max_participants, now - 60, now + 7200))
        sessions.append(session_id)
    conn.execute("COMMIT")
    conn.close()
    return sessions


class HandWrittenJoin:
    def __init__(self, server_url: str, app_id: str, app_secret: str) -> None:
        self.server_url = server_url.rstrip("/")
        self.host = urllib.parse.urlsplit(server_url).hostname or ""
        self.app_id = app_id
        self.app_secret = app_secret

    def join(self, conn: sqlite3.Connection, session_id: str, person: Any) -> Dict[str, Any]:
        now = int(time.time())
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute(
                "SELECT course_id, status, room_name, max_participants, seats_taken, ends_at FROM sessions WHERE id = ?",
                (session_id,),
            ).fetchone()
            if row is None:
                raise JoinRefused("not_found")
            course_id, status, room, capacity, taken, ends_at = row
            enrolled = conn.execute(
                "SELECT role FROM enrollments WHERE course_id = ? AND user_id = ?", (course_id, person.user_id)
            ).fetchone()
            if enrolled is None:
                raise JoinRefused("not_enrolled")
            if status != "live":
                raise JoinRefused("not_live")
            role = enrolled[0]
            inserted = conn.execute(
                "INSERT INTO participants (session_id, user_id, role, joined_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (session_id, person.user_id, role, now),
            ).rowcount
            rejoined = inserted == 0
            if not rejoined and role == "student":
                if taken >= capacity:
                    raise JoinRefused("session_full")
                conn.execute("UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = ?", (session_id,))
            conn.execute(
                "INSERT INTO presence (session_id, user_id, joined_at, source) VALUES (?, ?, ?, 'client')",
                (session_id, person.user_id, now),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        moderator = role != "student"
        claims = {
            "aud": "jitsi",
            "iss": self.app_id,
            "sub": self.host,
            "room": room,
            "iat": now,
            "nbf": now - NOT_BEFORE_SKEW_SECONDS,
            "exp": ends_at + TOKEN_GRACE_SECONDS,
            "context": {
                "user": {
                    "id": person.user_id,
                    "name": person.name,
                    "email": person.email,
                    "avatar": person.avatar,
                    "moderator": moderator,
                },
                "features": {
                    "livestreaming": False,
                    "outbound-call": False,
                    "recording": moderator,
                    "screen-sharing": moderator,
                    "transcription": False,
                },
            },
        }
        token = jwt.encode(claims, self.app_secret, algorithm="HS256")
        fragment = (
            f"{CONFIG_FRAGMENT}&userInfo.displayName={urllib.parse.quote(chr(34) + person.name + chr(34))}"
            f"&userInfo.email={urllib.parse.quote(chr(34) + person.email + chr(34))}"
        )
        url = f"{self.server_url}/{room}?jwt={token}#{fragment}"
        return {
            "session_id": session_id,
            "jitsi_room_name": room,
            "jitsi_join_url": url,
            "jitsi_room_password": None,
            "rejoined": rejoined,
        }
