#!/usr/bin/python3
"""End-to-end test of livecourse-server over real HTTP.

Starts the real binary on a free loopback port with a temporary database and
fresh secrets (self-hosted Jitsi mode, so that Jitsi tokens are issued), then
drives the seed's three use cases as an LMS front end would, checks every
error status, the configuration refusals, demo mode and a clean SIGTERM
shutdown. The server is always stopped, even when a test fails.

Independent implementations check the server's output: PyJWT verifies the
Jitsi tokens and signs the bearer tokens, icalendar parses the .ics feed.

Run with Debian's interpreter (it has python3-jwt and python3-icalendar):
    /usr/bin/python3 tests/e2e/test_server.py build/examples/server/livecourse-server
"""

import csv
import datetime as dt
import http.client
import io
import json
import os
import re
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from zoneinfo import ZoneInfo

import icalendar
import jwt

SERVER = None  # path of the binary, from argv
UTC = dt.timezone.utc
PARIS = ZoneInfo("Europe/Paris")

API_SECRET = secrets.token_urlsafe(48)
FEED_SECRET = secrets.token_urlsafe(48)
JITSI_SECRET = secrets.token_urlsafe(40)
JITSI_APP_ID = "livecourse-e2e"
JITSI_DOMAIN = "meet.example.test"
MAX_BODY = 16384
# The server runs on the real clock and counts a participant once present for
# a whole second: the use cases pause that long between joining and leaving.
PRESENCE_PAUSE = 1.2

# Settings the server reads: cleared from the inherited environment so that
# the developer's own configuration cannot leak into the test.
SETTING_PREFIXES = ("LIVECOURSE_", "JITSI_", "JAAS_", "JWT_SECRET")


def clean_env(**settings):
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    env.update({k: str(v) for k, v in settings.items()})
    return env


def rfc3339(t):
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(s):
    return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def now():
    return dt.datetime.now(UTC).replace(microsecond=0)


def truthy(v):
    return v is True or v == "true"


class RunningServer:
    """One livecourse-server process; stop() always reaps it."""

    def __init__(self, env, args=(), workdir=None):
        self.workdir = workdir or tempfile.mkdtemp(prefix="lc-e2e-")
        self.log_path = os.path.join(self.workdir, "server.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([SERVER, *args], env=env, stdout=subprocess.PIPE, stderr=self.log,
                                     cwd=self.workdir)
        self.stdout = ""
        self.base = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536).decode()
                if not chunk:
                    break
                self.stdout += chunk
                m = re.search(r"listening on (http://\S+)", self.stdout)
                if m:
                    self.base = m.group(1)
                    break
        if not self.base:
            self.stop()
            raise RuntimeError("server did not start:\n" + self.stdout + "\n" + self.read_log())
        u = urllib.parse.urlparse(self.base)
        self.host, self.port = u.hostname, u.port

    def read_log(self):
        self.log.flush()
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def terminate(self, timeout=15):
        """SIGTERM, and the exit code (None if it had to be killed)."""
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def stop(self):
        try:
            self.terminate()
        finally:
            if self.proc.stdout:
                self.proc.stdout.close()
            self.log.close()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.raw = body
        ctype = headers.get("Content-Type", "")
        self.json = json.loads(body) if body and "json" in ctype else None

    @property
    def error(self):
        return (self.json or {}).get("error", {})

    def __repr__(self):
        return f"<{self.status} {self.raw[:300]!r}>"


class Client:
    def __init__(self, base):
        self.base = base

    def request(self, method, path, token=None, body=None, raw=None, headers=None, query=None):
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        h = dict(headers or {})
        data = None
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
        elif body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if token:
            h["Authorization"] = "Bearer " + token
        req = urllib.request.Request(url, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token, **kw)

    def post(self, path, token=None, body=None, **kw):
        return self.request("POST", path, token, body=body if body is not None else {}, **kw)

    def patch(self, path, token=None, body=None, **kw):
        return self.request("PATCH", path, token, body=body, **kw)

    def put(self, path, token=None, body=None, **kw):
        return self.request("PUT", path, token, body=body, **kw)

    def delete(self, path, token=None, **kw):
        return self.request("DELETE", path, token, **kw)


# What the server expects of an LMS's bearer token by default (docs/server.md).
API_ISSUER = "livecourse-lms"
API_AUDIENCE = "livecourse-api"


def bearer(sub, name=None, email=None, admin=False, secret=None, lifetime=3600, **extra):
    t = int(time.time())
    claims = {"sub": sub, "iat": t, "exp": t + lifetime, "iss": API_ISSUER, "aud": API_AUDIENCE}
    if name:
        claims["name"] = name
    if email:
        claims["email"] = email
    if admin:
        claims["admin"] = True
    claims.update(extra)
    return jwt.encode(claims, secret or API_SECRET, algorithm="HS256")


# The LMS's users.
ADMIN = bearer("lms-sync", "LMS", admin=True)
PROF = bearer("prof-diallo", "Aminata Diallo", "aminata@example.edu")
MOD = bearer("mod-okafor", "Chidi Okafor", "chidi@example.edu")
STU = [bearer(f"stu-{i}", f"Student {i}", f"stu{i}@example.edu") for i in range(1, 5)]
OUTSIDER = bearer("outsider", "Not Enrolled")

PUBLIC_URL = "https://lms.example.edu/live"
QA_COURSE = "gouvernance-101"
WEEKLY_COURSE = "cours-1"

server = None
api = None


def setUpModule():
    global server, api
    workdir = tempfile.mkdtemp(prefix="lc-e2e-")
    env = clean_env(
        LIVECOURSE_LISTEN="127.0.0.1:0",
        LIVECOURSE_DB=os.path.join(workdir, "var", "livecourse.db"),
        LIVECOURSE_API_SECRET=API_SECRET,
        LIVECOURSE_FEED_SECRET=FEED_SECRET,
        LIVECOURSE_PUBLIC_URL=PUBLIC_URL,
        LIVECOURSE_MAX_BODY_BYTES=MAX_BODY,
        LIVECOURSE_THREADS=4,
        JITSI_DOMAIN=JITSI_DOMAIN,
        JITSI_APP_ID=JITSI_APP_ID,
        JITSI_APP_SECRET=JITSI_SECRET,
    )
    server = RunningServer(env, workdir=workdir)
    api = Client(server.base)
    # The LMS pushes its roster (and profiles) with the admin token.
    roster = {
        QA_COURSE: [("prof-diallo", "instructor"), ("mod-okafor", "moderator"), ("stu-1", "student"),
                    ("stu-2", "student"), ("stu-3", "student")],
        WEEKLY_COURSE: [("prof-diallo", "instructor"), ("stu-1", "student"), ("stu-2", "student"),
                        ("stu-4", "student")],
    }
    for course, members in roster.items():
        for user, role in members:
            body = {"role": role}
            if user == "prof-diallo":
                body.update(name="Aminata Diallo", email="aminata@example.edu")
            r = api.put(f"/api/courses/{course}/roster/{user}", ADMIN, body)
            assert r.status == 200, r
            assert r.json["role"] == role, r


def tearDownModule():
    if server is None:
        return
    code = server.terminate()
    log = server.read_log()
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)
    if code != 0:
        raise AssertionError(f"SIGTERM: the server exited with {code}\n{log[-3000:]}")


def next_weekday(weekday, hour, minute=0, tz=PARIS, min_days=1):
    """The next local date with that weekday (Mon=0), at least min_days ahead."""
    d = dt.datetime.now(tz).date() + dt.timedelta(days=min_days)
    while d.weekday() != weekday:
        d += dt.timedelta(days=1)
    return dt.datetime(d.year, d.month, d.day, hour, minute, tzinfo=tz)


def session_body(title, start, minutes=60, **extra):
    body = {"title": title, "description": f"{title}: bring your questions", "starts_at": rfc3339(start),
            "ends_at": rfc3339(start + dt.timedelta(minutes=minutes)), "timezone": "Europe/Paris",
            "max_participants": 50, "recording_enabled": False}
    body.update(extra)
    return body


def fetch_feed(token):
    r = api.get("/api/calendar/feed-url", token)
    assert r.status == 200, r
    url = r.json["url"]
    # Built from LIVECOURSE_PUBLIC_URL (the reverse proxy's address), never from Host.
    assert url.startswith(PUBLIC_URL + "/api/calendar/feed/") and url.endswith(".ics"), url
    url = server.base + url[len(PUBLIC_URL):]
    with urllib.request.urlopen(url, timeout=20) as f:  # no Authorization: the URL is the credential
        assert f.headers.get_content_type() == "text/calendar", f.headers
        return icalendar.Calendar.from_ical(f.read()), url


def feed_events(cal):
    return {str(e.get("UID")): e for e in cal.walk("VEVENT")}


def uid_of(session_id):
    return f"session-{session_id}@"


def find_event(cal, session_id):
    for uid, e in feed_events(cal).items():
        if uid.startswith(uid_of(session_id)):
            return e
    return None


def decode_jitsi(token, room=None):
    claims = jwt.decode(token, JITSI_SECRET, algorithms=["HS256"], audience="jitsi", issuer=JITSI_APP_ID)
    header = jwt.get_unverified_header(token)
    assert header["typ"] == "JWT" and header["alg"] == "HS256", header
    assert claims["sub"] == JITSI_DOMAIN, claims
    if room is not None:
        assert claims["room"] == room.lower(), claims
    return claims


class UseCase1QandA(unittest.TestCase):
    """Q&A: scheduled, seen in calendars and feeds, started, joined, chat, leave, end, statistics."""

    def test_q_and_a_session(self):
        start = next_weekday(5, 14)  # Saturday 14:00 in Paris
        r = api.post(f"/api/courses/{QA_COURSE}/live-sessions", PROF,
                     session_body("Q&A sur la gouvernance", start, room_password=True, recording_enabled=True))
        self.assertEqual(r.status, 201, r)
        s = r.json
        sid = s["id"]
        self.assertEqual(r.headers["Location"], f"/api/live-sessions/{sid}")
        self.assertEqual(s["status"], "scheduled")
        self.assertTrue(s["jitsi_room_name"])
        self.assertRegex(s["jitsi_room_name"], r"^[a-z0-9-]+$")
        self.assertEqual(s["starts_at"], rfc3339(start))
        self.assertEqual(s["timezone"], "Europe/Paris")
        self.assertEqual(s["jitsi_server_url"], f"https://{JITSI_DOMAIN}")
        self.assertNotIn("room_password", s)
        self.assertNotIn("jitsi_room_password", s)
        for field in ("actual_start_at", "actual_end_at", "recording_url", "cancel_reason"):
            self.assertIsNone(s[field])
        room = s["jitsi_room_name"]

        # Students see it: session page, course listing, calendar, .ics feed.
        # The room name is a key to the room: a student has it from the join only.
        r = api.get(f"/api/live-sessions/{sid}", STU[0])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["title"], "Q&A sur la gouvernance")
        self.assertIsNone(r.json["jitsi_room_name"])
        self.assertNotIn(room, r.raw.decode())
        r = api.get(f"/api/courses/{QA_COURSE}/live-sessions", STU[1], query={"status": "upcoming"})
        self.assertEqual(r.status, 200, r)
        self.assertIn(sid, [x["id"] for x in r.json["sessions"]])
        self.assertNotIn(room, r.raw.decode())
        r = api.get(f"/api/live-sessions/{sid}", PROF)
        self.assertEqual(r.json["jitsi_room_name"], room)
        day = start.astimezone(UTC).date()
        window = {"start": str(day - dt.timedelta(days=1)), "end": str(day + dt.timedelta(days=1))}
        r = api.get("/api/calendar/events", STU[0], query=window)
        self.assertEqual(r.status, 200, r)
        ev = [e for e in r.json["events"] if e["id"] == sid]
        self.assertEqual(len(ev), 1, r)
        self.assertEqual(ev[0]["type"], "live_session")
        self.assertEqual(ev[0]["starts_at"], rfc3339(start))
        self.assertEqual(ev[0]["status"], "scheduled")
        self.assertNotIn(room, json.dumps(r.json))
        r = api.get("/api/calendar/events", OUTSIDER, query=window)
        self.assertEqual(r.status, 200, r)
        self.assertNotIn(sid, [e["id"] for e in r.json["events"]])

        cal, feed_url = fetch_feed(STU[0])
        e = find_event(cal, sid)
        self.assertIsNotNone(e, "the session is in the student's feed")
        self.assertNotIn(room, re.sub(r"\r\n[ \t]", "", cal.to_ical().decode()))
        self.assertEqual(str(e.get("SUMMARY")), "Q&A sur la gouvernance")
        self.assertEqual(e.get("DTSTART").dt, start.astimezone(UTC))
        self.assertEqual(e.get("DTEND").dt, start.astimezone(UTC) + dt.timedelta(hours=1))
        self.assertIn("aminata@example.edu", str(e.get("ORGANIZER")))
        outsider_cal, _ = fetch_feed(OUTSIDER)
        self.assertIsNone(find_event(outsider_cal, sid))

        # Not joinable before it starts.
        r = api.post(f"/api/live-sessions/{sid}/join", STU[0])
        self.assertEqual((r.status, r.error.get("code")), (403, "not_live"), r)

        # The instructor starts it.
        r = api.post(f"/api/live-sessions/{sid}/start", PROF)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "live")
        self.assertIsNotNone(r.json["actual_start_at"])
        self.assertLessEqual(abs((parse_time(r.json["actual_start_at"]) - now()).total_seconds()), 5)

        # Instructor and students join and get tokens that verify.
        r = api.post(f"/api/live-sessions/{sid}/join", PROF)
        self.assertEqual(r.status, 200, r)
        for i in (0, 1):
            r = api.post(f"/api/live-sessions/{sid}/join", STU[i])
            self.assertEqual(r.status, 200, r)
            j = r.json
            self.assertEqual(j["jitsi_room_name"], room)
            self.assertTrue(j["jitsi_join_url"].startswith(f"https://{JITSI_DOMAIN}/{room}?jwt="), j)
            self.assertRegex(j["jitsi_room_password"] or "", r"^[23456789a-hjkmnp-z]{14}$")
            url_jwt = urllib.parse.parse_qs(urllib.parse.urlparse(j["jitsi_join_url"]).query)["jwt"][0]
            claims = decode_jitsi(url_jwt, room)
            self.assertEqual(claims["context"]["user"]["id"], f"stu-{i + 1}")
        # Presence is counted in whole seconds of the server's real clock.
        time.sleep(PRESENCE_PAUSE)

        r = api.post(f"/api/live-sessions/{sid}/jitsi-token", STU[0])
        self.assertEqual(r.status, 200, r)
        claims = decode_jitsi(r.json["jwt"], room)
        self.assertEqual(claims["context"]["user"]["id"], "stu-1")
        self.assertEqual(claims["context"]["user"]["name"], "Student 1")
        self.assertFalse(truthy(claims["context"]["user"]["moderator"]))
        self.assertFalse(truthy(claims["context"]["features"]["recording"]))
        self.assertEqual(claims["exp"], int(parse_time(r.json["expires_at"]).timestamp()))
        self.assertIn(r.json["jwt"], r.json["jitsi_join_url"])
        r = api.post(f"/api/live-sessions/{sid}/jitsi-token", PROF)
        self.assertEqual(r.status, 200, r)
        claims = decode_jitsi(r.json["jwt"], room)
        self.assertTrue(truthy(claims["context"]["user"]["moderator"]))
        self.assertTrue(truthy(claims["context"]["features"]["recording"]))
        # A token is for admitted participants only.
        r = api.post(f"/api/live-sessions/{sid}/jitsi-token", STU[2])
        self.assertEqual((r.status, r.error.get("code")), (403, "not_participant"), r)
        student_jwt = api.post(f"/api/live-sessions/{sid}/jitsi-token", STU[0]).json["jwt"]
        with self.assertRaises(jwt.InvalidSignatureError):
            jwt.decode(student_jwt, "a-different-secret-of-enough-length!!", algorithms=["HS256"], audience="jitsi")

        # Questions and answers.
        r = api.post(f"/api/live-sessions/{sid}/chat", STU[1], {"type": "question", "body": "Qui nomme le conseil ?"})
        self.assertEqual(r.status, 201, r)
        q = r.json
        self.assertEqual((q["type"], q["user_id"], q["reply_to"]), ("question", "stu-2", None))
        r = api.post(f"/api/live-sessions/{sid}/chat", PROF,
                     {"type": "answer", "body": "L'assemblée générale.", "reply_to": q["id"]})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["reply_to"], q["id"])
        r = api.post(f"/api/live-sessions/{sid}/chat", STU[0], {"type": "text", "body": "Merci !"})
        self.assertEqual(r.status, 201, r)
        r = api.get(f"/api/live-sessions/{sid}/chat", STU[0])
        self.assertEqual(r.status, 200, r)
        self.assertEqual([m["type"] for m in r.json["messages"]], ["question", "answer", "text"])
        self.assertEqual(r.json["messages"][1]["body"], "L'assemblée générale.")
        page = api.get(f"/api/live-sessions/{sid}/chat", STU[0], query={"limit": 2})
        self.assertEqual(page.status, 200, page)
        self.assertEqual(len(page.json["messages"]), 2)
        self.assertIsNotNone(page.json["next_cursor"])
        rest = api.get(f"/api/live-sessions/{sid}/chat", STU[0], query={"limit": 2, "cursor": page.json["next_cursor"]})
        self.assertEqual([m["body"] for m in rest.json["messages"]], ["Merci !"])
        r = api.post(f"/api/live-sessions/{sid}/chat", STU[2], {"type": "text", "body": "not joined"})
        self.assertEqual((r.status, r.error.get("code")), (403, "not_participant"), r)

        # A student leaves; statistics are for staff only.
        r = api.post(f"/api/live-sessions/{sid}/leave", STU[1])
        self.assertEqual((r.status, r.json["left"]), (200, True), r)
        r = api.post(f"/api/live-sessions/{sid}/leave", STU[1])
        self.assertEqual((r.status, r.json["left"]), (200, False), r)
        r = api.get(f"/api/live-sessions/{sid}/stats", STU[0])
        self.assertEqual((r.status, r.error.get("code")), (403, "forbidden"), r)
        r = api.get(f"/api/live-sessions/{sid}/attendance", STU[0])
        self.assertEqual(r.status, 403, r)
        r = api.get(f"/api/live-sessions/{sid}/stats", MOD)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["participants_count"], 3)
        # Who is in the room now, for the instructor's page.
        r = api.get(f"/api/live-sessions/{sid}/presence", PROF)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "live")
        self.assertEqual([(p["user_id"], p["role"], p["connections"]) for p in r.json["participants"]],
                         [("prof-diallo", "instructor", 1), ("stu-1", "student", 1)])
        r = api.get(f"/api/live-sessions/{sid}/presence", STU[0])
        self.assertEqual((r.status, r.error.get("code")), (403, "forbidden"), r)

        # The instructor ends it with the recording.
        recording = "https://recordings.example.edu/qa-gouvernance.mp4"
        r = api.post(f"/api/live-sessions/{sid}/end", PROF, {"recording_url": recording})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "ended")
        self.assertIsNotNone(r.json["actual_end_at"])
        self.assertEqual(r.json["recording_url"], recording)
        st = r.json["statistics"]
        self.assertEqual(st["session_id"], sid)
        self.assertEqual((st["participants_count"], st["students_count"], st["enrolled_count"]), (3, 2, 3))
        self.assertEqual(st["recording_url"], recording)
        self.assertGreaterEqual(st["actual_duration_seconds"], 0)
        for key in ("attendance_rate", "average_presence_seconds", "median_presence_seconds", "peak_concurrent"):
            self.assertIn(key, st)

        r = api.get(f"/api/live-sessions/{sid}/stats", PROF)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["recording_url"], recording)
        r = api.get(f"/api/live-sessions/{sid}/attendance", PROF)
        self.assertEqual(r.status, 200, r)
        rows = {row["user_id"]: row for row in r.json["attendance"]}
        self.assertEqual(set(rows), {"prof-diallo", "stu-1", "stu-2"})
        self.assertEqual(rows["stu-1"]["role"], "student")
        self.assertFalse(any(row["is_present"] for row in rows.values()))
        self.assertEqual(rows["stu-2"]["joins"], 1)

        r = api.get(f"/api/live-sessions/{sid}/attendance/outcomes", PROF)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["state"], "provisional")
        self.assertEqual({o["user_id"] for o in r.json["outcomes"]}, {"stu-1", "stu-2"})
        for o in r.json["outcomes"]:
            self.assertIn(o["outcome"], ("present", "late", "left_early", "absent"))
        r = api.get(f"/api/live-sessions/{sid}/attendance/outcomes", STU[0])
        self.assertEqual(r.status, 403, r)
        # The same verdicts as CSV, read back by Python's own csv module.
        json_rows = {o["user_id"]: o for o in api.get(f"/api/live-sessions/{sid}/attendance/outcomes", PROF).json["outcomes"]}
        r = api.get(f"/api/live-sessions/{sid}/attendance/outcomes.csv", PROF)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/csv"))
        self.assertIn(b"\r\n", r.raw)
        records = list(csv.DictReader(io.StringIO(r.raw.decode("utf-8"), newline="")))
        self.assertEqual({row["user_id"] for row in records}, set(json_rows))
        for row in records:
            want = json_rows[row["user_id"]]
            self.assertEqual(row["session_id"], sid)
            self.assertEqual(row["outcome"], want["outcome"])
            self.assertEqual(int(row["counted_seconds"]), want["counted_seconds"])
            self.assertEqual(row["reasons"].split(";") if row["reasons"] else [], want["reasons"])
            self.assertEqual(row["state"], "provisional")
        self.assertEqual(api.get(f"/api/live-sessions/{sid}/attendance/outcomes.csv", STU[0]).status, 403)

        # The course's report over a range holding this session: JSON, and
        # CSV with one column per session, read back by Python's csv module.
        starts_at = api.get(f"/api/live-sessions/{sid}", PROF).json["starts_at"]
        until = (dt.datetime.fromisoformat(starts_at.replace("Z", "+00:00")) + dt.timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        window = {"from": starts_at, "to": until}
        r = api.get(f"/api/courses/{QA_COURSE}/attendance", PROF, query=window)
        self.assertEqual(r.status, 200, r)
        report = r.json
        self.assertEqual([c["session_id"] for c in report["sessions"]], [sid])
        by_student = {row["user_id"]: row for row in report["students"]}
        self.assertLessEqual({"stu-1", "stu-2"}, set(by_student))
        for user, want in json_rows.items():
            self.assertEqual(by_student[user]["outcomes"][0]["outcome"], want["outcome"])
            self.assertEqual(by_student[user]["counted_seconds"], want["counted_seconds"])
        r = api.get(f"/api/courses/{QA_COURSE}/attendance.csv", PROF, query=window)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers["Content-Type"].startswith("text/csv"))
        records = list(csv.reader(io.StringIO(r.raw.decode("utf-8"), newline="")))
        self.assertEqual(records[0], ["course_id", "user_id", f"{starts_at} #{sid}", "present", "late", "left_early",
                                      "absent", "counted_seconds", "attendance_rate", "state"])
        self.assertEqual({row[1] for row in records[1:]}, set(by_student))
        for row in records[1:]:
            want = by_student[row[1]]
            self.assertEqual(row[0], QA_COURSE)
            self.assertEqual(row[2], want["outcomes"][0]["outcome"])
            self.assertEqual(int(row[7]), want["counted_seconds"])
            self.assertEqual(float(row[8]), want["attendance_rate"])
            self.assertEqual(row[9], report["state"])
        self.assertEqual(api.get(f"/api/courses/{QA_COURSE}/attendance", STU[0], query=window).status, 403)

        # The instructor decides one verdict; the decision wins and is logged.
        r = api.put(f"/api/live-sessions/{sid}/attendance/outcomes/stu-1", PROF,
                    body={"outcome": "late", "reason": "came through the phone bridge"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["user_id"], r.json["outcome"], r.json["decided_by"]), ("stu-1", "late", "prof-diallo"))
        rows = {o["user_id"]: o for o in api.get(f"/api/live-sessions/{sid}/attendance/outcomes", PROF).json["outcomes"]}
        self.assertEqual(rows["stu-1"]["outcome"], "late")
        self.assertEqual(rows["stu-1"]["computed_outcome"], json_rows["stu-1"]["outcome"])
        self.assertEqual(rows["stu-1"]["decision"]["reason"], "came through the phone bridge")
        r = api.get(f"/api/live-sessions/{sid}/attendance/decisions", PROF)
        self.assertEqual([d["outcome"] for d in r.json["decisions"]], ["late"])
        r = api.put(f"/api/live-sessions/{sid}/attendance/outcomes/stu-1", STU[0], body={"outcome": "present", "reason": "me"})
        self.assertEqual(r.status, 403, r)
        r = api.put(f"/api/live-sessions/{sid}/attendance/outcomes/stu-1", PROF, body={"outcome": "late"})
        self.assertEqual((r.status, r.error.get("field")), (422, "reason"))
        r = api.get(f"/api/courses/{QA_COURSE}/attendance", PROF, query={"from": until, "to": starts_at})
        self.assertEqual((r.status, r.error.get("field")), (422, "to"))

        # Past: visible with its recording, no longer joinable or startable.
        r = api.get(f"/api/live-sessions/{sid}", STU[0])
        self.assertEqual((r.json["status"], r.json["recording_url"]), ("ended", recording))
        r = api.get(f"/api/courses/{QA_COURSE}/live-sessions", STU[0], query={"status": "past"})
        self.assertIn(sid, [x["id"] for x in r.json["sessions"]])
        r = api.post(f"/api/live-sessions/{sid}/join", STU[2])
        self.assertEqual((r.status, r.error.get("code")), (403, "session_ended"), r)
        r = api.post(f"/api/live-sessions/{sid}/start", PROF)
        self.assertEqual((r.status, r.error.get("code")), (409, "session_ended"), r)
        self.assertEqual(r.error.get("category"), "conflict")


class UseCase2WeeklyCourse(unittest.TestCase):
    """A weekly course: every Tuesday at 10:00 Paris, screen sharing, recorded."""

    def test_weekly_series(self):
        first = next_weekday(1, 10)  # a Tuesday
        body = {"title": "Cours: Introduction", "description": "Weekly lecture", "max_participants": 30,
                "recording_enabled": True, "timezone": "Europe/Paris", "first_date": str(first.date()),
                "start_time": "10:00", "duration_minutes": 90, "weekdays": ["tuesday"], "interval_weeks": 1,
                "count": 4}
        r = api.post(f"/api/courses/{WEEKLY_COURSE}/live-series", PROF, body)
        self.assertEqual(r.status, 201, r)
        series, sessions = r.json["series"], r.json["sessions"]
        self.assertEqual(series["course_id"], WEEKLY_COURSE)
        self.assertEqual(len(sessions), 4)
        for k, s in enumerate(sessions):
            local = parse_time(s["starts_at"]).astimezone(PARIS)
            self.assertEqual((local.weekday(), local.hour, local.minute), (1, 10, 0), s["starts_at"])
            self.assertEqual(local.date(), first.date() + dt.timedelta(weeks=k))
            self.assertEqual(parse_time(s["ends_at"]) - parse_time(s["starts_at"]), dt.timedelta(minutes=90))
            self.assertEqual(s["series_id"], series["id"])
            self.assertEqual(s["status"], "scheduled")
            self.assertTrue(s["recording_enabled"])
        self.assertEqual(len({s["jitsi_room_name"] for s in sessions}), 4)

        # Students of the course see every occurrence; others do not.
        window = {"start": str(first.date() - dt.timedelta(days=1)),
                  "end": str(first.date() + dt.timedelta(weeks=4))}
        ids = {s["id"] for s in sessions}
        r = api.get("/api/calendar/events", STU[3], query=window)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(ids & {e["id"] for e in r.json["events"]}, ids)
        r = api.get("/api/calendar/events", STU[2], query=window)  # not in cours-1
        self.assertFalse(ids & {e["id"] for e in r.json["events"]})
        cal, _ = fetch_feed(STU[3])
        for s in sessions:
            self.assertIsNotNone(find_event(cal, s["id"]), s["id"])

        # This Tuesday: started, the instructor shares the screen, recorded.
        sid = sessions[0]["id"]
        room = sessions[0]["jitsi_room_name"]
        self.assertEqual(api.post(f"/api/live-sessions/{sid}/start", PROF).status, 200)
        r = api.post(f"/api/live-sessions/{sid}/join", PROF)
        self.assertEqual(r.status, 200, r)
        r = api.post(f"/api/live-sessions/{sid}/jitsi-token", PROF)
        features = decode_jitsi(r.json["jwt"], room)["context"]["features"]
        self.assertTrue(truthy(features["screen-sharing"]))
        self.assertTrue(truthy(features["recording"]))
        for t, user in ((STU[0], "stu-1"), (STU[3], "stu-4")):
            r = api.post(f"/api/live-sessions/{sid}/join", t)
            self.assertEqual(r.status, 200, r)
            r = api.post(f"/api/live-sessions/{sid}/jitsi-token", t)
            claims = decode_jitsi(r.json["jwt"], room)
            self.assertEqual(claims["context"]["user"]["id"], user)
            self.assertFalse(truthy(claims["context"]["features"]["screen-sharing"]))
            self.assertFalse(truthy(claims["context"]["features"]["recording"]))
        time.sleep(PRESENCE_PAUSE)
        recording = "https://recordings.example.edu/cours-1/week-1.mp4"
        r = api.post(f"/api/live-sessions/{sid}/end", PROF, {"recording_url": recording})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["statistics"]["students_count"], 2)
        r = api.get(f"/api/live-sessions/{sid}", STU[1])  # for revision, even for a student who missed it
        self.assertEqual((r.json["status"], r.json["recording_url"]), ("ended", recording))

        # The rest of the series is cancelled: feeds say so.
        r = api.post(f"/api/live-series/{series['id']}/cancel", PROF, {"reason": "Course moved online-only"})
        self.assertEqual(r.status, 200, r)
        cancelled = {s["id"] for s in r.json["sessions"]}
        self.assertEqual(cancelled, ids - {sid})
        cal, _ = fetch_feed(STU[3])
        for s in sessions[1:]:
            self.assertEqual(str(find_event(cal, s["id"]).get("STATUS")), "CANCELLED")
        r = api.get(f"/api/live-sessions/{sessions[1]['id']}", STU[0])
        self.assertEqual((r.json["status"], r.json["cancel_reason"]), ("cancelled", "Course moved online-only"))


class UseCase3Revision(unittest.TestCase):
    """A revision session the day before the exam: moved once, recorded."""

    def test_revision_session(self):
        exam_eve = (dt.datetime.now(PARIS) + dt.timedelta(days=3)).replace(hour=18, minute=0, second=0,
                                                                           microsecond=0)
        r = api.post(f"/api/courses/{QA_COURSE}/live-sessions", PROF,
                     session_body("Révision avant examen", exam_eve, 90, recording_enabled=True))
        self.assertEqual(r.status, 201, r)
        s = r.json
        sid = s["id"]

        # Moved by an hour while scheduled: the feed carries the new time and a
        # higher SEQUENCE so calendar apps update the event.
        moved = exam_eve + dt.timedelta(hours=1)
        r = api.patch(f"/api/live-sessions/{sid}", PROF,
                      {"starts_at": rfc3339(moved), "ends_at": rfc3339(moved + dt.timedelta(minutes=90)),
                       "revision": s["revision"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["starts_at"], r.json["revision"]), (rfc3339(moved), s["revision"] + 1))
        r = api.patch(f"/api/live-sessions/{sid}", PROF, {"title": "stale", "revision": s["revision"]})
        self.assertEqual((r.status, r.error.get("code")), (409, "revision_mismatch"), r)
        r = api.patch(f"/api/live-sessions/{sid}", STU[0], {"title": "hijack"})
        self.assertEqual((r.status, r.error.get("code")), (403, "forbidden"), r)
        cal, _ = fetch_feed(STU[2])
        e = find_event(cal, sid)
        self.assertEqual(e.get("DTSTART").dt, moved.astimezone(UTC))
        self.assertGreaterEqual(int(e.get("SEQUENCE")), 1)
        self.assertEqual(str(e.get("SUMMARY")), "Révision avant examen")

        self.assertEqual(api.post(f"/api/live-sessions/{sid}/start", MOD).status, 200)  # a moderator may start
        r = api.patch(f"/api/live-sessions/{sid}", PROF, {"title": "too late"})
        self.assertEqual((r.status, r.error.get("code")), (409, "not_scheduled"), r)
        for t in STU[:3]:
            self.assertEqual(api.post(f"/api/live-sessions/{sid}/join", t).status, 200)
        q = api.post(f"/api/live-sessions/{sid}/chat", STU[2], {"type": "question", "body": "Chapitre 3 ?"}).json
        r = api.post(f"/api/live-sessions/{sid}/chat", MOD, {"type": "answer", "body": "Oui.", "reply_to": q["id"]})
        self.assertEqual(r.status, 201, r)
        time.sleep(PRESENCE_PAUSE)
        recording = "https://recordings.example.edu/revision.mp4"
        r = api.post(f"/api/live-sessions/{sid}/end", PROF, {"recording_url": recording})
        self.assertEqual(r.status, 200, r)
        st = r.json["statistics"]
        self.assertEqual((st["students_count"], st["enrolled_count"]), (3, 3))
        self.assertAlmostEqual(st["attendance_rate"], 1.0)

        # Another session is cancelled with a reason.
        other = api.post(f"/api/courses/{QA_COURSE}/live-sessions", PROF,
                         session_body("Séance supplémentaire", exam_eve + dt.timedelta(days=1))).json
        r = api.post(f"/api/live-sessions/{other['id']}/cancel", PROF, {"reason": "Salle indisponible"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json["status"], r.json["cancel_reason"]), ("cancelled", "Salle indisponible"))
        r = api.post(f"/api/live-sessions/{other['id']}/join", STU[0])
        self.assertEqual((r.status, r.error.get("code")), (403, "session_cancelled"), r)
        cal, _ = fetch_feed(STU[0])
        self.assertEqual(str(find_event(cal, other["id"]).get("STATUS")), "CANCELLED")


class SeatLimit(unittest.TestCase):
    def test_full_session_refuses_students_only(self):
        start = now() + dt.timedelta(hours=2)
        sid = api.post(f"/api/courses/{QA_COURSE}/live-sessions", PROF,
                       session_body("Petit groupe", start, max_participants=2)).json["id"]
        self.assertEqual(api.post(f"/api/live-sessions/{sid}/start", PROF).status, 200)
        self.assertEqual(api.post(f"/api/live-sessions/{sid}/join", STU[0]).status, 200)
        self.assertEqual(api.post(f"/api/live-sessions/{sid}/join", STU[1]).status, 200)
        r = api.post(f"/api/live-sessions/{sid}/join", STU[2])
        self.assertEqual((r.status, r.error.get("code")), (403, "session_full"), r)
        self.assertEqual(r.error.get("category"), "session_full")
        self.assertEqual(api.post(f"/api/live-sessions/{sid}/join", MOD).status, 200)  # staff take no seat
        self.assertEqual(api.post(f"/api/live-sessions/{sid}/join", STU[0]).status, 200)  # a rejoin keeps its seat
        self.assertEqual(api.post(f"/api/live-sessions/{sid}/end", PROF).status, 200)


class Errors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sid = api.post(f"/api/courses/{QA_COURSE}/live-sessions", PROF,
                           session_body("Erreurs", now() + dt.timedelta(days=2))).json["id"]

    def assertError(self, r, status, code, field=None):
        self.assertEqual(r.status, status, r)
        self.assertIn("application/json", r.headers.get("Content-Type", ""), r)
        self.assertEqual(set(r.json), {"error"}, r)
        self.assertEqual(r.error["code"], code, r)
        self.assertIsInstance(r.error["message"], str)
        self.assertIn("field", r.error)
        if field is not None:
            self.assertEqual(r.error["field"], field, r)
        low = r.raw.decode().lower()
        for leak in ("sqlite", "select ", "insert ", "traceback", "std::", "what()"):
            self.assertNotIn(leak, low)

    def test_401_missing_or_bad_bearer(self):
        path = f"/api/live-sessions/{self.sid}"
        r = api.get(path)
        self.assertError(r, 401, "unauthenticated")
        self.assertEqual(r.headers.get("WWW-Authenticate"), "Bearer")
        self.assertError(api.get(path, headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401, "invalid_token")
        self.assertError(api.get(path, "not-a-jwt"), 401, "invalid_token")
        self.assertError(api.get(path, bearer("stu-1", secret="x" * 40)), 401, "invalid_token")
        self.assertError(api.get(path, bearer("stu-1", lifetime=-60)), 401, "token_expired")
        self.assertError(api.get(path, bearer("stu-1", nbf=int(time.time()) + 600)), 401, "token_not_yet_valid")
        unsigned = jwt.encode({"sub": "stu-1", "exp": int(time.time()) + 60}, None, algorithm="none")
        self.assertError(api.get(path, unsigned), 401, "invalid_token")
        nosub = jwt.encode({"exp": int(time.time()) + 60, "name": "x"}, API_SECRET, algorithm="HS256")
        self.assertError(api.get(path, nosub), 401, "invalid_token")
        self.assertError(api.post(f"/api/courses/{QA_COURSE}/live-sessions", None, {"title": "x"}), 401,
                         "unauthenticated")
        self.assertError(api.get("/api/calendar/feed/bm9ib2R5.AAAA.ics"), 401, "invalid_token")

    def test_403_with_reason(self):
        r = api.post(f"/api/courses/{QA_COURSE}/live-sessions", STU[0],
                     session_body("student tries", now() + dt.timedelta(days=1)))
        self.assertError(r, 403, "forbidden")
        self.assertError(api.get(f"/api/live-sessions/{self.sid}", OUTSIDER), 403, "not_enrolled")
        self.assertError(api.post(f"/api/live-sessions/{self.sid}/join", OUTSIDER), 403, "not_enrolled")
        self.assertError(api.post(f"/api/live-sessions/{self.sid}/start", STU[0]), 403, "forbidden")
        self.assertError(api.put(f"/api/courses/{QA_COURSE}/roster/stu-9", PROF, {"role": "student"}), 403,
                         "forbidden")
        self.assertError(api.delete(f"/api/courses/{QA_COURSE}/roster/stu-1", STU[0]), 403, "forbidden")

    def test_404(self):
        self.assertError(api.get("/api/live-sessions/999999", STU[0]), 404, "not_found")
        self.assertError(api.post("/api/live-sessions/no-such-session/start", PROF), 404, "not_found")
        self.assertError(api.get("/api/nothing-here", STU[0]), 404, "not_found")
        self.assertError(api.post("/api/nothing-here", STU[0]), 404, "not_found")
        r = api.request("DELETE", "/healthz")
        self.assertError(r, 405, "method_not_allowed")
        self.assertEqual(r.headers.get("Allow"), "GET")

    def test_409_invalid_transition(self):
        r = api.post(f"/api/live-sessions/{self.sid}/end", PROF)
        self.assertError(r, 409, "not_live", "status")
        self.assertEqual(r.error["category"], "conflict")

    def test_422_names_the_field(self):
        create = f"/api/courses/{QA_COURSE}/live-sessions"
        good = session_body("valid", now() + dt.timedelta(days=1))
        self.assertError(api.post(create, PROF, {k: v for k, v in good.items() if k != "title"}), 422,
                         "invalid_argument", "title")
        self.assertError(api.post(create, PROF, dict(good, ends_at=good["starts_at"])), 422, "invalid_argument",
                         "ends_at")
        self.assertError(api.post(create, PROF, dict(good, starts_at="next tuesday")), 422, "invalid_argument",
                         "starts_at")
        self.assertError(api.post(create, PROF, dict(good, max_participants="many")), 422, "invalid_argument",
                         "max_participants")
        self.assertError(api.post(create, PROF, dict(good, timezone="Mars/Olympus")), 422, "invalid_argument",
                         "timezone")
        self.assertError(api.get(f"/api/live-sessions/{self.sid}/chat", PROF, query={"limit": "lots"}), 422,
                         "invalid_argument", "limit")
        self.assertError(api.put(f"/api/courses/{QA_COURSE}/roster/stu-9", ADMIN, {"role": "dean"}), 422,
                         "invalid_argument", "role")

    def test_400_bad_json(self):
        create = f"/api/courses/{QA_COURSE}/live-sessions"
        h = {"Content-Type": "application/json"}
        self.assertError(api.request("POST", create, PROF, raw='{"title": "x",', headers=h), 400, "invalid_json")
        self.assertError(api.request("POST", create, PROF, raw='["title"]', headers=h), 400, "invalid_json")
        self.assertError(api.request("POST", create, PROF, raw=b'{"title": "\xff"}', headers=h), 400,
                         "invalid_json")

    def test_413_oversized_body(self):
        body = session_body("big", now() + dt.timedelta(days=1), description="x" * (MAX_BODY + 100))
        self.assertError(api.post(f"/api/courses/{QA_COURSE}/live-sessions", PROF, body), 413, "payload_too_large")
        # The connection and the server are fine afterwards.
        self.assertEqual(api.get("/healthz").status, 200)

    def test_post_without_content_length(self):
        # `curl -X POST` sends neither Content-Length nor a body.
        with socket.create_connection((server.host, server.port), timeout=5) as s:
            s.sendall((f"POST /api/live-sessions/{self.sid}/leave HTTP/1.1\r\nHost: {server.host}\r\n"
                       f"Authorization: Bearer {STU[0]}\r\nConnection: close\r\n\r\n").encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        status_line = data.split(b"\r\n", 1)[0]
        self.assertIn(b" 200 ", status_line, data)
        self.assertIn(b'"left":false', data)

    def test_keep_alive_after_errors(self):
        conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
        try:
            for body, expected in ((b"{oops", 400), (b"{}", 422), (b'{"title":"k"}', 422)):
                conn.request("POST", f"/api/courses/{QA_COURSE}/live-sessions", body=body,
                             headers={"Authorization": "Bearer " + PROF, "Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                self.assertEqual(r.status, expected)
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            self.assertEqual((r.status, json.loads(r.read())["status"]), (200, "ok"))
        finally:
            conn.close()

    def test_keep_alive_responses_are_not_held_back(self):
        # Headers and body leave in separate writes; with Nagle's algorithm
        # on, each response on a kept-alive connection waited for the
        # client's delayed ACK (about 40 ms).
        conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
        took = []
        try:
            for _ in range(25):
                started = time.perf_counter()
                conn.request("GET", "/healthz")
                r = conn.getresponse()
                r.read()
                took.append(time.perf_counter() - started)
                self.assertEqual(r.status, 200)
        finally:
            conn.close()
        took.sort()
        self.assertLess(took[len(took) // 2], 0.02, took)


class Operations(unittest.TestCase):
    def test_healthz(self):
        r = api.get("/healthz")
        self.assertEqual((r.status, r.json["status"]), (200, "ok"))

    def test_roster_sync(self):
        r = api.put(f"/api/courses/{QA_COURSE}/roster/stu-late", ADMIN, {"role": "student", "name": "Late Comer"})
        self.assertEqual((r.status, r.json["role"]), (200, "student"))
        r = api.get(f"/api/courses/{QA_COURSE}/roster/stu-late", ADMIN)
        self.assertEqual((r.status, r.json["role"]), (200, "student"))
        late = bearer("stu-late", "Late Comer")
        self.assertEqual(api.get(f"/api/courses/{QA_COURSE}/live-sessions", late).status, 200)
        r = api.delete(f"/api/courses/{QA_COURSE}/roster/stu-late", ADMIN)
        self.assertEqual((r.status, r.json["role"]), (200, "none"))
        r = api.get(f"/api/courses/{QA_COURSE}/live-sessions", late)
        self.assertEqual((r.status, r.error.get("code")), (403, "not_enrolled"))

    def test_feed_url_rotation_revokes(self):
        token = bearer("stu-3", "Student 3")
        _, old_url = fetch_feed(token)
        r = api.post("/api/calendar/feed-url", token)
        self.assertEqual(r.status, 200, r)
        new_url = server.base + r.json["url"][len(PUBLIC_URL):]
        self.assertNotEqual(new_url, old_url)
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(old_url, timeout=10)
        self.assertEqual(ctx.exception.code, 401)
        with urllib.request.urlopen(new_url, timeout=10) as f:
            self.assertEqual(f.status, 200)

    def test_access_log_is_structured_and_secret_free(self):
        api.get("/healthz")
        _, feed_url = fetch_feed(STU[0])
        time.sleep(0.2)
        log = server.read_log()
        lines = [json.loads(line) for line in log.splitlines() if line.strip()]
        requests = [l for l in lines if l.get("event") == "request"]
        self.assertTrue(requests)
        for l in requests:
            for key in ("ts", "method", "path", "status", "duration_us"):
                self.assertIn(key, l)
        self.assertTrue(any(l["route"] == "/api/live-sessions/:sessionId/join" for l in requests))
        # The bearer's user is named (its id, never its token), also on refusals.
        joins = [l for l in requests if l["route"] == "/api/live-sessions/:sessionId/join"]
        self.assertTrue(joins and all(l.get("user") for l in joins), joins)
        self.assertTrue(any(l.get("user") == "prof-diallo" for l in requests))
        self.assertFalse(any("user" in l for l in requests if l["path"] == "/healthz"))
        feed_token = feed_url.rsplit("/", 1)[1][:-4]
        for secret in [API_SECRET, JITSI_SECRET, FEED_SECRET, PROF, STU[0], ADMIN, feed_token]:
            self.assertNotIn(secret, log)
        for part in feed_token.split("."):
            self.assertNotIn(part, log)


class Lifecycle(unittest.TestCase):
    """Separate server processes: configuration refusals, config file, demo mode, SIGTERM."""

    def run_refused(self, **settings):
        d = tempfile.mkdtemp(prefix="lc-e2e-cfg-")
        try:
            env = clean_env(LIVECOURSE_LISTEN="127.0.0.1:0", LIVECOURSE_DB=os.path.join(d, "db"), **settings)
            p = subprocess.run([SERVER], env=env, capture_output=True, text=True, timeout=30, cwd=d)
            self.assertNotEqual(p.returncode, 0, p)
            return p.stderr
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_refuses_weak_or_missing_secrets(self):
        err = self.run_refused()
        self.assertIn("LIVECOURSE_API_SECRET", err)
        err = self.run_refused(LIVECOURSE_API_SECRET="short-secret")
        self.assertIn("LIVECOURSE_API_SECRET", err)
        self.assertIn("32", err)
        err = self.run_refused(LIVECOURSE_API_SECRET=API_SECRET, JITSI_DOMAIN=JITSI_DOMAIN, JITSI_APP_ID="x",
                               JITSI_APP_SECRET="too-short")
        self.assertIn("JITSI_APP_SECRET", err)
        err = self.run_refused(LIVECOURSE_API_SECRET=API_SECRET, JITSI_DOMAIN=JITSI_DOMAIN, JITSI_APP_ID="x",
                               JWT_SECRET="too-short")
        self.assertIn("JWT_SECRET", err)
        err = self.run_refused(LIVECOURSE_API_SECRET=API_SECRET, LIVECOURSE_FEED_SECRET="short")
        self.assertIn("LIVECOURSE_FEED_SECRET", err)
        self.assertNotIn(API_SECRET, err)

    def test_config_file_env_override_and_sigterm(self):
        d = tempfile.mkdtemp(prefix="lc-e2e-file-")
        srv = None
        try:
            cfg = os.path.join(d, "livecourse.json")
            with open(cfg, "w") as f:
                json.dump({"LIVECOURSE_LISTEN": "127.0.0.1:1", "LIVECOURSE_API_SECRET": API_SECRET,
                           "LIVECOURSE_DB": os.path.join(d, "from-file.db"), "JWT_SECRET": JITSI_SECRET,
                           "JITSI_DOMAIN": JITSI_DOMAIN, "JITSI_APP_ID": JITSI_APP_ID}, f)
            # The environment overrides the file: a free port, another database.
            env = clean_env(LIVECOURSE_LISTEN="127.0.0.1:0", LIVECOURSE_DB=os.path.join(d, "from-env.db"))
            srv = RunningServer(env, ["--config", cfg], workdir=d)
            c = Client(srv.base)
            self.assertEqual(c.get("/healthz").status, 200)
            self.assertTrue(os.path.exists(os.path.join(d, "from-env.db")))
            self.assertFalse(os.path.exists(os.path.join(d, "from-file.db")))
            # JWT_SECRET stands in for JITSI_APP_SECRET (as the seed says): tokens are issued.
            c.put("/api/courses/c/roster/p", ADMIN, {"role": "instructor"})
            sid = c.post("/api/courses/c/live-sessions", bearer("p"),
                         session_body("cfg", now() + dt.timedelta(hours=1))).json["id"]
            c.post(f"/api/live-sessions/{sid}/start", bearer("p"))
            j = c.post(f"/api/live-sessions/{sid}/join", bearer("p")).json
            self.assertIn("?jwt=", j["jitsi_join_url"])
            # A request in flight when SIGTERM arrives is still answered.
            with socket.create_connection((srv.host, srv.port), timeout=10) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n")
                time.sleep(0.3)
                srv.proc.send_signal(signal.SIGTERM)
                time.sleep(0.3)
                s.sendall(b"\r\n")
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
            self.assertTrue(data.startswith(b"HTTP/1.1 200 "), data)
            self.assertEqual(srv.terminate(), 0)
            log = srv.read_log()
            self.assertIn('"event":"shutdown"', log)
            self.assertIn('"event":"stop"', log)
        finally:
            if srv:
                srv.stop()
            shutil.rmtree(d, ignore_errors=True)

    def test_unknown_setting_in_config_file(self):
        d = tempfile.mkdtemp(prefix="lc-e2e-file-")
        try:
            cfg = os.path.join(d, "bad.json")
            with open(cfg, "w") as f:
                json.dump({"LIVECOURSE_LISTNE": "127.0.0.1:0"}, f)
            env = clean_env(LIVECOURSE_API_SECRET=API_SECRET)
            p = subprocess.run([SERVER, "--config", cfg], env=env, capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 2, p)
            self.assertIn("LIVECOURSE_LISTNE", p.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_demo_mode(self):
        d = tempfile.mkdtemp(prefix="lc-e2e-demo-")
        srv = None
        try:
            env = clean_env(LIVECOURSE_LISTEN="127.0.0.1:0", LIVECOURSE_DB=os.path.join(d, "var", "livecourse.db"))
            srv = RunningServer(env, ["--demo"], workdir=d)
            tokens = dict(re.findall(r"^export (\w+)=(\S+)", srv.stdout, re.M))
            self.assertEqual(tokens.get("LC"), srv.base)
            for name in ("PROF", "MOD", "ANA", "KOFI", "LEA", "ADMIN"):
                self.assertIn(name, tokens)
            self.assertIn("curl ", srv.stdout)
            c = Client(srv.base)
            r = c.get("/api/courses/demo-course/live-sessions", tokens["ANA"])
            self.assertEqual((r.status, r.json["sessions"]), (200, []))
            r = c.post("/api/courses/demo-course/live-sessions", tokens["PROF"],
                       session_body("demo", now() + dt.timedelta(hours=1)))
            self.assertEqual(r.status, 201, r)
            self.assertEqual(c.get("/api/courses/demo-course/roster/stu-ana", tokens["ADMIN"]).json["role"], "student")
            self.assertEqual(srv.terminate(), 0)
            srv.stop()
            # A restart keeps the secret (the printed tokens still work) and the data.
            srv = RunningServer(env, ["--demo"], workdir=d)
            r = Client(srv.base).get("/api/courses/demo-course/live-sessions", tokens["ANA"])
            self.assertEqual((r.status, len(r.json["sessions"])), (200, 1))
            self.assertNotIn("seeded", srv.read_log())
            self.assertEqual(srv.terminate(), 0)
        finally:
            if srv:
                srv.stop()
            shutil.rmtree(d, ignore_errors=True)


def main():
    global SERVER
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} path/to/livecourse-server [unittest args]")
    SERVER = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], *sys.argv[2:]], verbosity=2)


if __name__ == "__main__":
    main()
