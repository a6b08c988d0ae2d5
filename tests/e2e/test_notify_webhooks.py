#!/usr/bin/python3
"""End-to-end test of notification webhooks over real HTTP (docs/notifications.md).

Two livecourse-server processes share one database and both run the delivery
loop (LIVECOURSE_NOTIFY_URL) towards a receiver this test runs on a loopback
port. The receiver checks every request the way a host would, with its own
code: the Standard Webhooks signature (HMAC-SHA256 of "<id>.<timestamp>.<body>"
under the whsec_ secret's bytes), a fresh timestamp, webhook-id equal to the
body's id. It answers 500 to the first attempts of some notifications and to
every attempt of others, 200 otherwise.

Checked: every notification arrives and is acknowledged exactly once; the
flaky ones come back with the same webhook-id and a growing attempt count;
the hopeless ones are parked dead after the attempt limit, listed for the
operator and delivered once re-queued; no notification is ever in flight
twice at once across the two servers; the in-app list and read marker; the
configuration refusals; a clean SIGTERM with the loop running.

    /usr/bin/python3 tests/e2e/test_notify_webhooks.py build/examples/server/livecourse-server
"""

import base64
import datetime as dt
import hashlib
import hmac
import http.server
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_server as base  # noqa: E402  (RunningServer, Client, bearer, ...)

KEY = secrets.token_bytes(32)
NOTIFY_SECRET = "whsec_" + base64.b64encode(KEY).decode()
MAX_ATTEMPTS = 3
COURSE = "notify-101"
FLAKY = "stu-flaky"      # the first two attempts of each of its notifications fail
DOOMED = "stu-doomed"    # every attempt fails until the test relents
STUDENTS = [f"stu-{i}" for i in range(1, 7)] + [FLAKY, DOOMED]

ADMIN = base.bearer("lms-sync", "LMS", admin=True)
PROF = base.bearer("prof-notify", "Prof Notify", "prof@example.edu")
STU1 = base.bearer("stu-1", "Student 1")
KINDS = {"reminder_1h", "session_live", "session_cancelled"}
FIELDS = {"id", "kind", "user_id", "course_id", "session_id", "title", "starts_at", "ends_at", "timezone",
          "join_url", "cancel_reason", "created_at", "due_at", "attempts"}


class Receiver:
    """The host's webhook endpoint: verifies, records, answers by policy."""

    def __init__(self, key):
        self.key = key
        self.lock = threading.Lock()
        self.attempts = {}      # id -> [(attempts field, status answered, monotonic time)]
        self.bodies = {}        # id -> last body
        self.acked = {}         # id -> number of 2xx answered
        self.in_flight = set()
        self.overlaps = []      # ids delivered twice at the same time
        self.bad = []           # signature or header problems
        self.doomed_relents = False
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.handle(self)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/livecourse?source=e2e"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def verify(self, msg_id, timestamp, signature, body):
        """Standard Webhooks verification, written from the specification."""
        if not msg_id or not timestamp or not signature:
            return "missing webhook headers"
        if abs(time.time() - int(timestamp)) > 300:
            return f"stale timestamp {timestamp}"
        expected = base64.b64encode(
            hmac.new(self.key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
        for part in signature.split(" "):
            version, _, sig = part.partition(",")
            if version == "v1" and hmac.compare_digest(sig, expected):
                return None
        return f"bad signature {signature!r}"

    def handle(self, req):
        length = int(req.headers.get("Content-Length", "0"))
        body = req.rfile.read(length)
        msg_id = req.headers.get("webhook-id")
        problem = self.verify(msg_id, req.headers.get("webhook-timestamp"), req.headers.get("webhook-signature"), body)
        doc = None
        if problem is None:
            try:
                doc = json.loads(body)
            except ValueError:
                problem = "body is not JSON"
        if problem is None and (doc.get("id") != msg_id or req.headers.get("Content-Type") != "application/json"
                                or not req.path.startswith("/hooks/livecourse")):
            problem = f"id/content-type/path mismatch: {msg_id} {doc.get('id')} {req.headers.get('Content-Type')}"
        if problem:
            with self.lock:
                self.bad.append(problem)
            req.send_response(400)
            req.end_headers()
            return
        with self.lock:
            if msg_id in self.in_flight:
                self.overlaps.append(msg_id)
            self.in_flight.add(msg_id)
            tries = self.attempts.setdefault(msg_id, [])
            if doc["user_id"] == FLAKY:
                status = 500 if len(tries) < 2 else 200
            elif doc["user_id"] == DOOMED:
                status = 200 if self.doomed_relents else 500
            else:
                status = 200
            if self.acked.get(msg_id):
                status = 200  # a duplicate after an ack would be recorded below
            tries.append((doc["attempts"], status, time.monotonic()))
            self.bodies[msg_id] = doc
        time.sleep(0.05)  # a little work, so that overlapping deliveries would be seen
        with self.lock:
            self.in_flight.discard(msg_id)
            if status == 200:
                self.acked[msg_id] = self.acked.get(msg_id, 0) + 1
        req.send_response(status)
        req.send_header("Content-Length", "0")
        req.end_headers()

    def snapshot(self):
        with self.lock:
            return (dict(self.acked), {k: list(v) for k, v in self.attempts.items()}, dict(self.bodies))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def wait_for(predicate, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


receiver = None
servers = []
api = None


def start_server(workdir, db, **extra):
    env = base.clean_env(
        LIVECOURSE_LISTEN="127.0.0.1:0",
        LIVECOURSE_DB=db,
        LIVECOURSE_API_SECRET=base.API_SECRET,
        LIVECOURSE_FEED_SECRET=base.FEED_SECRET,
        LIVECOURSE_NOTIFY_URL=receiver.url,
        LIVECOURSE_NOTIFY_SECRET=NOTIFY_SECRET,
        LIVECOURSE_NOTIFY_MAX_ATTEMPTS=MAX_ATTEMPTS,
        LIVECOURSE_NOTIFY_FIRST_RETRY_SECONDS=1,
        LIVECOURSE_NOTIFY_MAX_RETRY_SECONDS=2,
        LIVECOURSE_NOTIFY_POLL_MS=100,
        LIVECOURSE_NOTIFY_TIMEOUT_SECONDS=5,
        LIVECOURSE_NOTIFY_WORKERS=3,
        **extra,
    )
    return base.RunningServer(env, workdir=workdir)


def setUpModule():
    global receiver, api
    receiver = Receiver(KEY)
    workdir = tempfile.mkdtemp(prefix="lc-e2e-notify-")
    db = os.path.join(workdir, "var", "livecourse.db")
    # Two delivery loops on one database, as two servers behind a balancer.
    for i in range(2):
        d = os.path.join(workdir, f"server-{i}")
        os.makedirs(d)
        servers.append(start_server(d, db))
    api = base.Client(servers[0].base)
    members = [("prof-notify", "instructor"), ("mod-notify", "moderator")] + [(s, "student") for s in STUDENTS]
    for user, role in members:
        r = api.put(f"/api/courses/{COURSE}/roster/{user}", ADMIN, {"role": role})
        assert r.status == 200, r


def tearDownModule():
    problems = []
    for s in servers:
        code = s.terminate()
        log = s.read_log()
        s.stop()
        if code != 0:
            problems.append(f"SIGTERM: the server exited with {code}\n{log[-3000:]}")
    if receiver:
        receiver.close()
    if servers:
        shutil.rmtree(os.path.dirname(servers[0].workdir), ignore_errors=True)
    if problems:
        raise AssertionError("\n".join(problems))


class Delivery(unittest.TestCase):
    def test_1_every_notification_arrives_signed_and_is_acknowledged_once(self):
        now = base.now()
        other = base.Client(servers[1].base)
        # A reminder due in 3 s (a session starting in 1 h 3 s); a session
        # started (session_live) and one cancelled (session_cancelled), from
        # both servers.
        r = api.post(f"/api/courses/{COURSE}/live-sessions", PROF,
                     base.session_body("Soon", now + dt.timedelta(seconds=3603)))
        self.assertEqual(r.status, 201, r)
        live = other.post(f"/api/courses/{COURSE}/live-sessions", PROF,
                          base.session_body("Live", now + dt.timedelta(hours=2))).json["id"]
        self.assertEqual(other.post(f"/api/live-sessions/{live}/start", PROF).status, 200)
        gone = api.post(f"/api/courses/{COURSE}/live-sessions", PROF,
                        base.session_body("Gone", now + dt.timedelta(hours=3))).json["id"]
        r = api.post(f"/api/live-sessions/{gone}/cancel", PROF, {"reason": "Salle indisponible"})
        self.assertEqual(r.status, 200, r)

        recipients = 1 + len(STUDENTS)  # the moderator and the students; never the instructor who acted
        expected = 3 * recipients

        def settled():
            acked, attempts, _ = receiver.snapshot()
            doomed = [i for i, b in receiver.bodies.items() if b["user_id"] == DOOMED]
            return (len(acked) == expected - 3 and len(doomed) == 3
                    and all(len(attempts[i]) == MAX_ATTEMPTS for i in doomed))

        wait_for(settled, 90, "every notification delivered or exhausted")
        wait_for(lambda: len(api.get("/api/admin/notifications", ADMIN, query={"state": "dead"})
                             .json["notifications"]) == 3, 30, "the hopeless ones parked dead")
        time.sleep(2.5)  # anything duplicated would show up by now

        acked, attempts, bodies = receiver.snapshot()
        self.assertEqual(receiver.bad, [])
        self.assertEqual(receiver.overlaps, [])
        self.assertEqual(len(bodies), expected)
        self.assertEqual({b["kind"] for b in bodies.values()}, KINDS)
        users = {}
        for msg_id, body in bodies.items():
            self.assertTrue(FIELDS <= set(body), body)
            self.assertEqual(body["course_id"], COURSE)
            self.assertNotEqual(body["user_id"], "prof-notify")
            users.setdefault(body["kind"], set()).add(body["user_id"])
            tries = attempts[msg_id]
            # The same webhook-id on every attempt, the attempt count growing.
            self.assertEqual([t[0] for t in tries], list(range(1, len(tries) + 1)), (msg_id, tries))
            if body["user_id"] == DOOMED:
                self.assertNotIn(msg_id, acked)
                self.assertEqual([t[1] for t in tries], [500] * MAX_ATTEMPTS)
            else:
                self.assertEqual(acked.get(msg_id), 1, (msg_id, tries))
                self.assertEqual(tries[-1][1], 200)
                self.assertEqual(len(tries), 3 if body["user_id"] == FLAKY else 1, (body, tries))
            if body["user_id"] == FLAKY:
                # Retried promptly: each retry within the configured backoff (+ the poll).
                gaps = [b[2] - a[2] for a, b in zip(tries, tries[1:])]
                self.assertTrue(all(g < 5 for g in gaps), gaps)
            if body["kind"] == "session_cancelled":
                self.assertEqual(body["cancel_reason"], "Salle indisponible")
            else:
                self.assertIsNone(body["cancel_reason"])
        for kind in KINDS:
            self.assertEqual(users[kind], {"mod-notify", *STUDENTS}, kind)

        dead = api.get("/api/admin/notifications", ADMIN, query={"state": "dead"}).json["notifications"]
        self.assertEqual({d["user_id"] for d in dead}, {DOOMED})
        for d in dead:
            self.assertEqual((d["state"], d["attempts"], d["last_error"]), ("dead", MAX_ATTEMPTS, "HTTP 500"))
        delivered = api.get("/api/admin/notifications", ADMIN, query={"state": "delivered", "limit": 200})
        self.assertEqual(len(delivered.json["notifications"]), expected - 3)

        # Across both delivery loops, no delivery was logged twice.
        logged = []
        for s in servers:
            mine = [json.loads(line)["message"].split()[1] for line in s.read_log().splitlines()
                    if '"notify_delivered"' in line]
            print(f"  server {s.port}: {len(mine)} deliveries acknowledged", file=sys.stderr)
            logged += mine
        self.assertEqual(sorted(logged), sorted(acked))

    def test_2_an_operator_requeues_a_dead_notification(self):
        dead = api.get("/api/admin/notifications", ADMIN, query={"state": "dead"}).json["notifications"]
        self.assertEqual(len(dead), 3)
        r = api.get("/api/admin/notifications", STU1, query={"state": "dead"})
        self.assertEqual(r.status, 403, r)
        self.assertEqual(api.post(f"/api/admin/notifications/{dead[0]['id']}/retry", STU1).status, 403)
        with receiver.lock:
            receiver.doomed_relents = True
        for d in dead:
            r = api.post(f"/api/admin/notifications/{d['id']}/retry", ADMIN)
            self.assertEqual(r.status, 200, r)
            self.assertEqual((r.json["id"], r.json["state"], r.json["attempts"]), (d["id"], "pending", 0))
        wait_for(lambda: all(receiver.snapshot()[0].get(d["id"]) == 1 for d in dead), 30, "the retried ones")
        time.sleep(1)
        acked, attempts, _ = receiver.snapshot()
        for d in dead:
            self.assertEqual(acked[d["id"]], 1)
            self.assertEqual(attempts[d["id"]][-1][:2], (1, 200))  # attempts restart at 1
        self.assertEqual(api.get("/api/admin/notifications", ADMIN).json["notifications"], [])
        r = api.post(f"/api/admin/notifications/{dead[0]['id']}/retry", ADMIN)
        self.assertEqual((r.status, r.error.get("code")), (409, "not_dead"))
        r = api.post("/api/admin/notifications/424242/retry", ADMIN)
        self.assertEqual(r.status, 404, r)
        self.assertEqual(receiver.bad, [])
        self.assertEqual(receiver.overlaps, [])

    def test_3_in_app_list_and_read_marker(self):
        r = api.get("/api/notifications", STU1, query={"limit": 2})
        self.assertEqual(r.status, 200, r)
        page = r.json
        self.assertEqual(len(page["notifications"]), 2)
        self.assertEqual(page["unread_count"], 3)
        self.assertIsNone(page["read_up_to"])
        self.assertTrue(page["next_cursor"])
        dues = [n["due_at"] for n in page["notifications"]]
        self.assertEqual(dues, sorted(dues, reverse=True))
        rest = api.get("/api/notifications", STU1, query={"cursor": page["next_cursor"]}).json
        self.assertEqual(len(rest["notifications"]), 1)
        self.assertIsNone(rest["next_cursor"])
        r = api.post("/api/notifications/read", STU1, {"up_to": page["notifications"][0]["id"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json, {"read_up_to": page["notifications"][0]["id"], "unread_count": 0})
        listed = api.get("/api/notifications", STU1).json["notifications"]
        self.assertTrue(all(n["read"] for n in listed))
        r = api.post("/api/notifications/read", base.bearer("mod-notify"), {"up_to": listed[0]["id"]})
        self.assertEqual((r.status, r.error.get("field")), (404, "up_to"))
        self.assertEqual(api.get("/api/notifications").status, 401)
        self.assertEqual(api.get("/api/notifications", STU1, query={"cursor": "x"}).status, 422)


class Configuration(unittest.TestCase):
    def run_refused(self, **settings):
        d = tempfile.mkdtemp(prefix="lc-e2e-notify-cfg-")
        try:
            env = base.clean_env(LIVECOURSE_LISTEN="127.0.0.1:0", LIVECOURSE_DB=os.path.join(d, "db"),
                                 LIVECOURSE_API_SECRET=base.API_SECRET, **settings)
            p = subprocess.run([base.SERVER], env=env, capture_output=True, text=True, timeout=30, cwd=d)
            self.assertEqual(p.returncode, 2, p)
            return p.stderr
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def test_refuses_a_missing_malformed_or_short_secret(self):
        url = "http://127.0.0.1:9/hooks"
        self.assertIn("LIVECOURSE_NOTIFY_SECRET", self.run_refused(LIVECOURSE_NOTIFY_URL=url))
        err = self.run_refused(LIVECOURSE_NOTIFY_URL=url, LIVECOURSE_NOTIFY_SECRET=base64.b64encode(KEY).decode())
        self.assertIn("whsec_", err)
        short = "whsec_" + base64.b64encode(b"x" * 31).decode()
        err = self.run_refused(LIVECOURSE_NOTIFY_URL=url, LIVECOURSE_NOTIFY_SECRET=short)
        self.assertIn("31 bytes", err)
        self.assertNotIn(short, err)
        err = self.run_refused(LIVECOURSE_NOTIFY_URL=url, LIVECOURSE_NOTIFY_SECRET="whsec_not*base64")
        self.assertIn("base64", err)
        err = self.run_refused(LIVECOURSE_NOTIFY_URL="ftp://example.org/x", LIVECOURSE_NOTIFY_SECRET=NOTIFY_SECRET)
        self.assertIn("LIVECOURSE_NOTIFY_URL", err)


def main():
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} path/to/livecourse-server [unittest args]")
    base.SERVER = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0]] + sys.argv[2:], verbosity=2)


if __name__ == "__main__":
    main()
