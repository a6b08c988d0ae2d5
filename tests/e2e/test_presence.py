#!/usr/bin/python3
"""End-to-end test of the presence routes of livecourse-server over real HTTP.

Starts the real binary (JaaS token mode, with the event_sync secret and the
JaaS webhook secret set) and replays the fixture streams of
tests/data/presence/ as Jitsi's event_sync module and JaaS would post them:
duplicates, reversed and shuffled orders, two tabs, a breakout move, a network
drop, a left never delivered. Attendance and statistics must equal the
hand-computed values to the second. JaaS signatures are made here with
Python's hmac. Then: refused secrets and signatures record nothing and answer
the same whether the room exists or not, malformed and oversized bodies are
400, heartbeats and recordings through their routes, and a load of 5,000
occupant events for 500 participants posted from 8 threads equals a serial
replay.

    /usr/bin/python3 tests/e2e/test_presence.py build/examples/server/livecourse-server
"""

import base64
import concurrent.futures
import copy
import datetime as dt
import hashlib
import hmac
import http.client
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
from pathlib import Path

import test_server as base  # RunningServer, Client, bearer, clean_env

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "data" / "presence"
EVENTS_SECRET = secrets.token_urlsafe(40)
JAAS_SECRET = secrets.token_urlsafe(32)
MAX_BODY = 65536
COURSE = "presence-101"
LOAD_COURSE = "load-101"
LOAD_PARTICIPANTS = 500

server = None
api = None
ADMIN = PROF = None
JAAS_APP = json.loads((FIXTURES / "jaas_class.json").read_text())["app_id"]


def parse_time(s):
    return int(dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc).timestamp())


def sign(body, t=None, secret=JAAS_SECRET):
    t = int(time.time()) if t is None else t
    mac = hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256).digest()
    return f"t={t},v1={base64.b64encode(mac).decode()}"


def setUpModule():
    global server, api, ADMIN, PROF
    workdir = tempfile.mkdtemp(prefix="lc-e2e-presence-")
    key = os.path.join(workdir, "jaas.pem")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
    env = base.clean_env(
        LIVECOURSE_LISTEN="127.0.0.1:0",
        LIVECOURSE_DB=os.path.join(workdir, "var", "livecourse.db"),
        LIVECOURSE_API_SECRET=base.API_SECRET,
        LIVECOURSE_FEED_SECRET=base.FEED_SECRET,
        LIVECOURSE_MAX_BODY_BYTES=MAX_BODY,
        LIVECOURSE_THREADS=8,
        LIVECOURSE_VIDEO_EVENTS_SECRET=EVENTS_SECRET,
        JAAS_WEBHOOK_SECRET=JAAS_SECRET,
        JAAS_APP_ID=JAAS_APP,
        JAAS_KEY_ID="e2e-key",
        JAAS_PRIVATE_KEY_FILE=key,
    )
    server = base.RunningServer(env, workdir=workdir)
    api = base.Client(server.base)
    ADMIN = base.bearer("lms-sync", "LMS", admin=True)
    PROF = base.bearer("prof", "Ada Lovelace")
    members = [("prof", "instructor")] + [(f"stu-{i}", "student") for i in range(7)]
    for user, role in members:
        assert api.put(f"/api/courses/{COURSE}/roster/{user}", ADMIN, {"role": role}).status == 200
    assert api.put(f"/api/courses/{LOAD_COURSE}/roster/prof", ADMIN, {"role": "instructor"}).status == 200
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: api.put(f"/api/courses/{LOAD_COURSE}/roster/load-{i}", ADMIN,
                                                 {"role": "student"}).status, range(LOAD_PARTICIPANTS)))
    assert set(codes) == {200}, codes


def tearDownModule():
    if server is None:
        return
    code = server.terminate()
    log = server.read_log()
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)
    if code != 0:
        raise AssertionError(f"SIGTERM: the server exited with {code}\n{log[-3000:]}")


def live_session(course=COURSE, title="Présence"):
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
    r = api.post(f"/api/courses/{course}/live-sessions", PROF, base.session_body(title, start, recording_enabled=True))
    assert r.status == 201, r
    r = api.post(f"/api/live-sessions/{r.json['id']}/start", PROF)
    assert r.status == 200, r
    return r.json


def end(session):
    r = api.post(f"/api/live-sessions/{session['id']}/end", PROF)
    assert r.status == 200, r
    return r.json


def real(value, room, start, key=""):
    """The fixture's relative times and '{room}' made real for one session."""
    if isinstance(value, dict):
        return {k: real(v, room, start, k) for k, v in value.items()}
    if isinstance(value, list):
        return [real(v, room, start, key) for v in value]
    if isinstance(value, str):
        return value.replace("{room}", room)
    if isinstance(value, int) and not isinstance(value, bool):
        if key == "timestamp":
            return start * 1000 + value
        if key in ("joined_at", "left_at", "created_at", "destroyed_at"):
            return start + value
    return value


def post_event(fixture, event, session, run):
    """Posts one fixture event as its sender would; returns the HTTP response."""
    start = parse_time(session["actual_start_at"])
    if fixture["source"] == "jaas":
        body = real(event["body"], session["jitsi_room_name"], start)
        body["idempotencyKey"] += run
        raw = json.dumps(body).encode()
        return api.request("POST", "/api/jaas/webhook", raw=raw,
                           headers={"Content-Type": "application/json", "X-Jaas-Signature": sign(raw)})
    raw = json.dumps(real(event["payload"], session["jitsi_room_name"], start)).encode()
    return api.request("POST", "/api/jitsi/events/" + event["kind"], token=EVENTS_SECRET, raw=raw,
                       headers={"Content-Type": "application/json"})


def ack_of(response):
    assert response.status == 200, response
    j = response.json
    return "recorded" if j["status"] == "recorded" else "ignored:" + j["reason"]


class FixtureStreams(unittest.TestCase):
    """The fixture streams over HTTP, in four orders, end with the hand-computed attendance."""

    def check(self, fixture, session):
        start = parse_time(session["actual_start_at"])
        r = api.get(f"/api/live-sessions/{session['id']}/attendance", PROF)
        self.assertEqual(r.status, 200, r)
        rows = {row["user_id"]: row for row in r.json["attendance"] if row["present_seconds"] or row["is_present"]}
        want = fixture["expected"]["attendance"]
        self.assertEqual(sorted(rows), sorted(want))
        for user, w in want.items():
            row = rows[user]
            self.assertEqual(row["role"], w["role"], user)
            self.assertEqual(row["present_seconds"], w["present_seconds"], user)
            self.assertEqual(row["joins"], w["joins"], user)
            self.assertEqual(row["source"], "video_server", user)
            self.assertEqual(parse_time(row["first_join_at"]) - start, w["first_join_at"], user)
            self.assertEqual(parse_time(row["last_leave_at"]) - start, w["last_leave_at"], user)
            self.assertFalse(row["is_present"], user)
        r = api.get(f"/api/live-sessions/{session['id']}/stats", PROF)
        self.assertEqual(r.status, 200, r)
        st, ws = r.json, fixture["expected"]["statistics"]
        for k in ("participants_count", "students_count", "enrolled_count", "peak_concurrent"):
            self.assertEqual(st[k], ws[k], k)
        self.assertAlmostEqual(st["average_presence_seconds"], ws["average_presence_seconds"], places=9)
        self.assertAlmostEqual(st["median_presence_seconds"], ws["median_presence_seconds"], places=9)
        self.assertAlmostEqual(st["attendance_rate"], ws["students_count"] / ws["enrolled_count"], places=9)
        self.assertEqual(st["actual_duration_seconds"],
                         parse_time(session["actual_end_at"]) - parse_time(session["actual_start_at"]))
        if "recording_url" in fixture["expected"]:
            self.assertEqual(st["recording_url"], real(fixture["expected"]["recording_url"],
                                                        session["jitsi_room_name"], start))

    def test_streams_in_every_order(self):
        runs = []
        for name in ("event_sync_class.json", "jaas_class.json"):
            fixture = json.loads((FIXTURES / name).read_text())
            for order in ("forward", "reversed", "shuffled", "twice"):
                runs.append((name, order, fixture, live_session(title=f"{name} {order}")))
        # The class happens; its events arrive late, some after the end.
        latest = max(parse_time(s["actual_start_at"]) for *_, s in runs)
        time.sleep(max(0.0, latest + 11 - time.time()))
        for i, (name, order, fixture, session) in enumerate(runs):
            if i % 2 == 0:
                runs[i] = (name, order, fixture, end(session))
        for i, (name, order, fixture, session) in enumerate(runs):
            events = list(fixture["events"])
            if order == "reversed":
                events.reverse()
            elif order == "shuffled":
                random.Random(20260307).shuffle(events)
            elif order == "twice":
                events = events + events
            acks = [ack_of(post_event(fixture, e, session, run=f"-{i}")) for e in events]
            if order == "forward":
                self.assertEqual(acks, [e["ack"] for e in events], name)
            if order == "twice":
                self.assertEqual(acks.count("recorded"), [e["ack"] for e in fixture["events"]].count("recorded"))
        for i, (name, order, fixture, session) in enumerate(runs):
            if session["status"] == "live":
                session = end(session)
            with self.subTest(fixture=name, order=order):
                self.check(fixture, session)


class Refusals(unittest.TestCase):
    """Wrong secrets and signatures: 401, nothing recorded, nothing revealed."""

    def joined_payload(self, session, user="stu-0", jid="r1@meet/x"):
        return {"room_name": session["jitsi_room_name"],
                "occupant": {"occupant_jid": jid, "id": user, "joined_at": parse_time(session["actual_start_at"])}}

    def attendance(self, session):
        r = api.get(f"/api/live-sessions/{session['id']}/attendance", PROF)
        self.assertEqual(r.status, 200, r)
        return r.json["attendance"]

    def test_event_sync_secret(self):
        s = live_session(title="refusals")
        known = json.dumps(self.joined_payload(s)).encode()
        unknown = json.dumps(dict(self.joined_payload(s), room_name="lc-no-such-room")).encode()
        answers = []
        for raw in (known, unknown):
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Bearer " + EVENTS_SECRET[:-1]},
                            {"Authorization": "Basic " + EVENTS_SECRET}, {"Authorization": EVENTS_SECRET + "x"}):
                r = api.request("POST", "/api/jitsi/events/occupant/joined", raw=raw,
                                headers=dict(headers, **{"Content-Type": "application/json"}))
                self.assertEqual(r.status, 401, r)
                self.assertEqual(r.error["code"], "invalid_secret")
                answers.append(r.raw)
            # Wrong secret and a malformed body: still 401, the body is never read.
            r = api.request("POST", "/api/jitsi/events/occupant/joined", token="wrong", raw=b"{oops")
            self.assertEqual(r.status, 401, r)
        self.assertEqual(len(set(answers)), 1, "the answer must depend on nothing, the room least of all")
        self.assertEqual(self.attendance(s), [])
        # The right secret: malformed and oversized are 400; an unknown room is acknowledged.
        for raw in (b"{oops", b"[]", b'{"room_name": 7}', b"\xff\xfe"):
            r = api.request("POST", "/api/jitsi/events/occupant/joined", token=EVENTS_SECRET, raw=raw)
            self.assertEqual(r.status, 400, r)
        big = json.dumps(dict(self.joined_payload(s), padding="x" * (MAX_BODY + 10))).encode()
        r = api.request("POST", "/api/jitsi/events/occupant/joined", token=EVENTS_SECRET, raw=big)
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.error["code"], "payload_too_large")
        r = api.request("POST", "/api/jitsi/events/occupant/joined", token=EVENTS_SECRET, raw=unknown)
        self.assertEqual((r.status, r.json), (200, {"status": "ignored", "reason": "unknown_room"}))
        r = api.request("POST", "/api/jitsi/events/occupant/joined", token=EVENTS_SECRET, raw=known)
        self.assertEqual((r.status, r.json), (200, {"status": "recorded", "reason": None}))
        self.assertEqual(len(self.attendance(s)), 1)

    def test_jaas_signatures(self):
        s = live_session(title="jaas refusals")
        body = json.dumps({"idempotencyKey": secrets.token_hex(8), "customerId": "c", "appId": JAAS_APP,
                           "eventType": "PARTICIPANT_JOINED", "sessionId": "m",
                           "timestamp": parse_time(s["actual_start_at"]) * 1000,
                           "fqn": f"{JAAS_APP}/{s['jitsi_room_name']}",
                           "data": {"id": "stu-1", "participantId": "e2e1"}}).encode()
        # A vector computed here with Python's hmac, checked by the library.
        now = int(time.time())
        good = sign(body, now)
        refused = [
            (body.replace(b"e2e1", b"e2e2"), good, "invalid_signature"),                  # tampered body
            (body, sign(body, now, "not-the-secret-" + JAAS_SECRET), "invalid_signature"),  # wrong secret
            (body, sign(body, now - 600), "stale_signature"),                            # stale t
            (body, sign(body, now + 600), "stale_signature"),                            # from the future
            (body, good.replace("v1=", "v0="), "invalid_signature"),                     # unknown scheme only
            (body, f"t={now}", "invalid_signature"),
            (body, None, "invalid_signature"),
        ]
        for raw, sig, code in refused:
            headers = {"Content-Type": "application/json"}
            if sig is not None:
                headers["X-Jaas-Signature"] = sig
            r = api.request("POST", "/api/jaas/webhook", raw=raw, headers=headers)
            self.assertEqual(r.status, 401, (sig, r))
            self.assertEqual(r.error["code"], code)
        self.assertEqual(self.attendance(s), [])
        # Other schemes next to v1 are ignored.
        r = api.request("POST", "/api/jaas/webhook", raw=body,
                        headers={"X-Jaas-Signature": "v0=bogus," + good, "Content-Type": "application/json"})
        self.assertEqual((r.status, r.json["status"]), (200, "recorded"), r)
        r = api.request("POST", "/api/jaas/webhook", raw=body, headers={"X-Jaas-Signature": good})
        self.assertEqual(r.json, {"status": "ignored", "reason": "duplicate"})
        self.assertEqual(len(self.attendance(s)), 1)
        # Signed but malformed: 400.
        r = api.request("POST", "/api/jaas/webhook", raw=b"{oops", headers={"X-Jaas-Signature": sign(b"{oops")})
        self.assertEqual(r.status, 400, r)

    def test_jaas_route_needs_its_secret(self):
        workdir = tempfile.mkdtemp(prefix="lc-e2e-nojaas-")
        env = base.clean_env(LIVECOURSE_LISTEN="127.0.0.1:0", LIVECOURSE_DB=os.path.join(workdir, "lc.db"),
                             LIVECOURSE_API_SECRET=base.API_SECRET)
        other = base.RunningServer(env, workdir=workdir)
        try:
            client = base.Client(other.base)
            body = b'{"eventType":"ROOM_CREATED"}'
            r = client.request("POST", "/api/jaas/webhook", raw=body, headers={"X-Jaas-Signature": sign(body)})
            self.assertEqual(r.status, 404, r)
            r = client.request("POST", "/api/jitsi/events/room/created", token="anything", raw=b"{}")
            self.assertEqual(r.status, 401, r)  # no event_sync secret configured: nothing is accepted
        finally:
            other.stop()
            shutil.rmtree(workdir, ignore_errors=True)


class HeartbeatsAndRecordings(unittest.TestCase):
    def test_heartbeat_route(self):
        s = live_session(title="heartbeats")
        stu = base.bearer("stu-2", "Student 2")
        self.assertEqual(api.post(f"/api/live-sessions/{s['id']}/heartbeat", stu).status, 403)  # join first
        self.assertEqual(api.post(f"/api/live-sessions/{s['id']}/join", stu).status, 200)
        r = api.post(f"/api/live-sessions/{s['id']}/heartbeat", stu)
        self.assertEqual((r.status, r.json), (200, {"status": "recorded", "reason": None, "session_id": s["id"]}))
        r = api.request("POST", f"/api/live-sessions/{s['id']}/heartbeat", token=stu)  # no body at all
        self.assertEqual(r.status, 200, r)
        self.assertEqual(api.post(f"/api/live-sessions/{s['id']}/heartbeat", None).status, 401)
        self.assertEqual(api.post(f"/api/live-sessions/{s['id']}/heartbeat", base.bearer("outsider")).status, 403)
        self.assertEqual(api.post("/api/live-sessions/999999/heartbeat", stu).status, 404)
        rows = api.get(f"/api/live-sessions/{s['id']}/attendance", PROF).json["attendance"]
        row = [r for r in rows if r["user_id"] == "stu-2"][0]
        self.assertEqual(row["source"], "heartbeat")
        self.assertTrue(row["is_present"])
        end(s)
        r = api.post(f"/api/live-sessions/{s['id']}/heartbeat", stu)
        self.assertEqual(r.json["reason"], "not_live")

    def test_census_route(self):
        s = live_session(title="census")
        here, ghost = base.bearer("stu-3", "Student 3"), base.bearer("stu-4", "Student 4")
        for who in (here, ghost):
            self.assertEqual(api.post(f"/api/live-sessions/{s['id']}/join", who).status, 200)
        time.sleep(1.1)  # a census closes what was open before its second, never what opened in it
        census = {"room": s["jitsi_room_name"] + "@conference.meet.example.org", "at": int(time.time()),
                  "match": "user_id", "occupants": [{"user_id": "stu-3"}, {"jid": "x/guest", "display_name": "Guest"}]}
        r = api.request("POST", "/api/jitsi/census", token=EVENTS_SECRET, raw=json.dumps(census).encode(),
                        headers={"Content-Type": "application/json"})
        self.assertEqual((r.status, r.json), (200, {"status": "recorded", "reason": None, "session_id": s["id"],
                                                    "named": 1, "absent": 1, "unidentified": 1}))
        rows = {row["user_id"]: row for row in api.get(f"/api/live-sessions/{s['id']}/attendance", PROF).json["attendance"]}
        self.assertTrue(rows["stu-3"]["is_present"])
        self.assertFalse(rows["stu-4"]["is_present"])
        roster = api.get(f"/api/live-sessions/{s['id']}/presence", PROF).json
        self.assertEqual([e["user_id"] for e in roster["participants"]], ["stu-3"])
        # The video-events secret is required; a malformed census is named.
        r = api.request("POST", "/api/jitsi/census", token="wrong", raw=json.dumps(census).encode(),
                        headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 401, r)
        r = api.request("POST", "/api/jitsi/census", token=EVENTS_SECRET, raw=json.dumps({"room": "x"}).encode(),
                        headers={"Content-Type": "application/json"})
        self.assertEqual((r.status, r.json["error"]["field"]), (422, "occupants"))
        end(s)

    def test_recording_route(self):
        s = end(live_session(title="recording"))
        url = "https://media.example.edu/jibri/e2e.mp4"
        # Jibri's finalize script: the video-events secret and the room name.
        r = api.post(f"/api/live-sessions/{s['jitsi_room_name']}/recording", EVENTS_SECRET, {"recording_url": url})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["status"], "recorded")
        self.assertEqual(r.json["session"]["recording_url"], url)
        r = api.post(f"/api/live-sessions/{s['id']}/recording", EVENTS_SECRET, {"recording_url": url + "?2"})
        self.assertEqual(r.json["reason"], "recording_url_already_set")
        r = api.post(f"/api/live-sessions/{s['id']}/recording", PROF, {"recording_url": url + "?final"})
        self.assertEqual(r.json["session"]["recording_url"], url + "?final")
        self.assertEqual(api.post(f"/api/live-sessions/{s['id']}/recording", base.bearer("stu-1"),
                                  {"recording_url": url}).status, 403)
        self.assertEqual(api.post(f"/api/live-sessions/{s['id']}/recording", "not-a-token",
                                  {"recording_url": url}).status, 401)
        r = api.post(f"/api/live-sessions/{s['id']}/recording", PROF, {"recording_url": "ftp://x/y"})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.error["field"], "recording_url")
        self.assertEqual(api.get(f"/api/live-sessions/{s['id']}", PROF).json["recording_url"], url + "?final")


class Load(unittest.TestCase):
    """5,000 occupant events for 500 participants: 8 threads equal a serial replay."""

    class Poster:
        """Posts as event_sync does: one connection per event."""

        def post(self, kind, payload):
            raw = json.dumps(payload).encode()
            headers = {"Authorization": "Bearer " + EVENTS_SECRET, "Content-Type": "application/json",
                       "Connection": "close"}
            conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
            try:
                conn.request("POST", "/api/jitsi/events/" + kind, body=raw, headers=headers)
                r = conn.getresponse()
                return r.status, json.loads(r.read())
            finally:
                conn.close()

    def events_for(self, session, rng):
        start = parse_time(session["actual_start_at"])
        out = []
        for p in range(LOAD_PARTICIPANTS):
            t = rng.randint(0, 3)
            for c in range(5):
                length = rng.randint(1, 4)
                occupant = {"occupant_jid": f"p{p}c{c}@meet.example.test/r", "id": f"load-{p}",
                            "joined_at": start + t}
                out.append(("occupant/joined", {"room_name": session["jitsi_room_name"], "occupant": dict(occupant)}))
                occupant["left_at"] = start + t + length
                out.append(("occupant/left", {"room_name": session["jitsi_room_name"], "occupant": occupant}))
                t = max(0, t + rng.randint(-2, 4))
        assert len(out) == 5000
        return out

    def test_concurrent_equals_serial(self):
        serial = live_session(LOAD_COURSE, "load serial")
        concurrent_s = live_session(LOAD_COURSE, "load concurrent")
        poster = self.Poster()
        serial_events = self.events_for(serial, random.Random(1))
        concurrent_events = self.events_for(concurrent_s, random.Random(1))
        for kind, payload in serial_events:
            status, body = poster.post(kind, payload)
            self.assertEqual(status, 200, body)
        random.Random(2).shuffle(concurrent_events)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda e: poster.post(*e), concurrent_events))
        self.assertEqual({status for status, _ in results}, {200})
        self.assertEqual({body["status"] for _, body in results}, {"recorded", "ignored"})
        # Every event lies within 25 s of its session's start: wait, then end both.
        latest = max(parse_time(serial["actual_start_at"]), parse_time(concurrent_s["actual_start_at"]))
        time.sleep(max(0.0, latest + 26 - time.time()))
        rows = []
        for s in (serial, concurrent_s):
            end(s)
            r = api.get(f"/api/live-sessions/{s['id']}/attendance", PROF)
            self.assertEqual(r.status, 200, r)
            rows.append({row["user_id"]: row for row in r.json["attendance"]})
        a, b = rows
        self.assertEqual(sorted(a), sorted(b))
        self.assertEqual(len(a), LOAD_PARTICIPANTS)
        start_a, start_b = parse_time(serial["actual_start_at"]), parse_time(concurrent_s["actual_start_at"])
        for user in a:
            self.assertEqual(a[user]["present_seconds"], b[user]["present_seconds"], user)
            self.assertEqual(a[user]["joins"], b[user]["joins"], user)
            self.assertEqual(parse_time(a[user]["first_join_at"]) - start_a,
                             parse_time(b[user]["first_join_at"]) - start_b, user)
            self.assertEqual(parse_time(a[user]["last_leave_at"]) - start_a,
                             parse_time(b[user]["last_leave_at"]) - start_b, user)
        sa = api.get(f"/api/live-sessions/{serial['id']}/stats", PROF).json
        sb = api.get(f"/api/live-sessions/{concurrent_s['id']}/stats", PROF).json
        for k in ("participants_count", "students_count", "peak_concurrent", "average_presence_seconds",
                  "median_presence_seconds"):
            self.assertEqual(sa[k], sb[k], k)
        self.assertGreater(sum(row["present_seconds"] for row in a.values()), 0)


if __name__ == "__main__":
    base.SERVER = os.path.abspath(sys.argv.pop(1)) if len(sys.argv) > 1 else None
    if not base.SERVER:
        sys.exit("usage: test_presence.py path/to/livecourse-server")
    unittest.main(verbosity=2)
