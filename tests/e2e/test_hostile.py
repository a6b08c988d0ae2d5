#!/usr/bin/python3
"""Hostile clients against the real livecourse-server, over raw sockets.

Each case is an attack that once worked: request smuggling through framing
that two parsers read two ways, slow clients that held every worker,
unbounded headers, the room name leaking past the seat limit in public mode,
the handoff file followed through a symlink, world-readable files, shared
secrets, unbounded bearer tokens and secrets in logs. Loopback only; every
case is bounded in bytes and time.

Run with Debian's interpreter (it has python3-jwt and python3-icalendar):
    /usr/bin/python3 tests/e2e/test_hostile.py build/examples/server/livecourse-server
"""

import datetime as dt
import gzip
import json
import os
import pwd
import re
import secrets
import select
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import jwt

import test_server as base
from test_server import bearer, clean_env, session_body, now

MAX_BODY = 16384
HEADER_TIMEOUT = 2  # seconds, so that slow clients are dropped within the test
ADMIN = base.ADMIN
PROF = base.PROF
STU = base.STU
COURSE = "hostile-101"
VIDEO_EVENTS_SECRET = secrets.token_urlsafe(40)

server = None


def start(workdir=None, args=(), **settings):
    workdir = workdir or tempfile.mkdtemp(prefix="lc-hostile-")
    env = dict(LIVECOURSE_LISTEN="127.0.0.1:0", LIVECOURSE_DB=os.path.join(workdir, "var", "livecourse.db"),
               LIVECOURSE_API_SECRET=base.API_SECRET, LIVECOURSE_FEED_SECRET=base.FEED_SECRET)
    env.update(settings)
    return base.RunningServer(clean_env(**{k: v for k, v in env.items() if v is not None}), args, workdir=workdir)


def refused(**settings):
    """Starts the server expecting it to refuse its configuration: (exit code, stderr)."""
    d = tempfile.mkdtemp(prefix="lc-hostile-")
    try:
        env = dict(LIVECOURSE_LISTEN="127.0.0.1:0", LIVECOURSE_DB=os.path.join(d, "var", "livecourse.db"),
                   LIVECOURSE_API_SECRET=base.API_SECRET)
        env.update(settings)
        args = env.pop("args", ())
        p = subprocess.run([base.SERVER, *args], env=clean_env(**{k: v for k, v in env.items() if v is not None}),
                           cwd=d, capture_output=True, timeout=30)
        return p.returncode, (p.stdout + p.stderr).decode(errors="replace")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def setUpModule():
    global server
    server = start(LIVECOURSE_MAX_BODY_BYTES=MAX_BODY, LIVECOURSE_HTTP_HEADER_TIMEOUT_SECONDS=HEADER_TIMEOUT,
                   LIVECOURSE_HTTP_IDLE_TIMEOUT_SECONDS=HEADER_TIMEOUT, LIVECOURSE_THREADS=4,
                   LIVECOURSE_PUBLIC_URL="https://lms.example.edu",
                   LIVECOURSE_VIDEO_EVENTS_SECRET=VIDEO_EVENTS_SECRET)  # public meet.jit.si mode: no Jitsi secret
    api = base.Client(server.base)
    for user, role in (("prof-diallo", "instructor"), ("stu-1", "student"), ("stu-2", "student"),
                       ("stu-3", "student")):
        assert api.put(f"/api/courses/{COURSE}/roster/{user}", ADMIN, {"role": role}).status == 200


def tearDownModule():
    if server:
        server.stop()
        shutil.rmtree(server.workdir, ignore_errors=True)


# ------------------------------------------------------------------ raw HTTP
def connect():
    s = socket.create_connection((server.host, server.port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s, timeout=8.0):
    """Everything the server sends until it closes (or `timeout`): (bytes, closed)."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([s], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def parse_responses(data):
    """The HTTP responses in `data`, in order: [(status, headers, body)]."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError(f"truncated response: {data[:200]!r}")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        out.append((status, headers, rest[:n]))
        data = rest[n:]
    return out


def exchange(raw, half_close=False, timeout=8.0):
    s = connect()
    try:
        s.sendall(raw)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        data, closed = read_all(s, timeout)
    finally:
        s.close()
    return parse_responses(data), closed


def smuggled():
    """A request that must never run: the admin listing with the admin's token."""
    return (f"GET /api/admin/notifications HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\n\r\n").encode()


def chunked(body):
    return f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"


class Smuggling(unittest.TestCase):
    def test_chunked_in_any_case_is_one_body(self):
        # "Chunked" is chunked: the request inside the body is body, never a
        # second request.
        inner = smuggled()
        for spelling in (b"Chunked", b"CHUNKED", b"chunked"):
            with self.subTest(spelling):
                raw = (b"POST /api/jaas/webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + spelling +
                       b"\r\n\r\n" + chunked(inner))
                responses, closed = exchange(raw, half_close=True)
                self.assertEqual(len(responses), 1, responses)
                self.assertNotIn(b"notifications", responses[0][2])
                self.assertTrue(closed)

    def test_ambiguous_framing_is_refused_and_closes(self):
        body = b'{"x":1}'
        variants = {
            "TE and CL": f"Transfer-Encoding: chunked\r\nContent-Length: {len(chunked(body))}\r\n",
            "CL and TE": f"Content-Length: {len(chunked(body))}\r\nTransfer-Encoding: chunked\r\n",
            "TE gzip, chunked": "Transfer-Encoding: gzip, chunked\r\n",
            "TE chunked, identity": "Transfer-Encoding: chunked, identity\r\n",
            "TE identity": "Transfer-Encoding: identity\r\n",
            "TE twice": "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
            "TE xchunked": "Transfer-Encoding: xchunked\r\n",
            "space before colon": "Transfer-Encoding : chunked\r\n",
            "two lengths": f"Content-Length: {len(body)}\r\nContent-Length: {len(body) + 5}\r\n",
            "length list": f"Content-Length: {len(body)}, {len(body)}\r\n",
            "signed length": f"Content-Length: +{len(body)}\r\n",
        }
        for name, headers in variants.items():
            with self.subTest(name):
                payload = chunked(body) if "TE" in name or "colon" in name else body
                raw = (f"POST /api/jaas/webhook HTTP/1.1\r\nHost: x\r\n{headers}\r\n").encode() + payload + smuggled()
                responses, closed = exchange(raw)
                self.assertEqual([r[0] for r in responses], [400], responses)
                self.assertTrue(closed, "the connection must end after a refused request")
        with self.subTest("chunked in HTTP/1.0"):
            raw = b"POST /api/jaas/webhook HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(body) + smuggled()
            responses, closed = exchange(raw)
            self.assertEqual([r[0] for r in responses], [400], responses)
            self.assertTrue(closed)

    def test_body_past_the_bound_ends_the_connection(self):
        with self.subTest("chunked"):
            part = b"x" * 8192
            # Past any drain bound (once 4 x the limit): the rest must not become a request.
            body = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for _ in range(6 * MAX_BODY // len(part)))
            raw = b"POST /api/jaas/webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body
            raw += b"0\r\n\r\n" + smuggled()
            responses, closed = exchange(raw)
            self.assertEqual([r[0] for r in responses], [400], responses)  # the video server's 413 is a 400
            self.assertTrue(closed)
            raw = raw.replace(b"/api/jaas/webhook", f"/api/courses/{COURSE}/live-sessions".encode(), 1)
            responses, closed = exchange(raw)
            self.assertEqual([r[0] for r in responses], [413], responses)
            self.assertTrue(closed)
        with self.subTest("content-length"):
            raw = (f"POST /api/courses/{COURSE}/live-sessions HTTP/1.1\r\nHost: x\r\n"
                   f"Content-Length: {4 * MAX_BODY}\r\n\r\n").encode() + b"x" * (4 * MAX_BODY) + smuggled()
            responses, closed = exchange(raw)
            self.assertEqual([r[0] for r in responses], [413], responses)
            self.assertTrue(closed)

    def test_compressed_request_bodies_are_refused(self):
        bomb = gzip.compress(b'{"a":"' + b"x" * (8 << 20) + b'"}')
        self.assertLess(len(bomb), MAX_BODY)
        raw = (f"POST /api/courses/{COURSE}/live-sessions HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\n"
               f"Authorization: Bearer {PROF}\r\nContent-Length: {len(bomb)}\r\n\r\n").encode() + bomb + smuggled()
        responses, closed = exchange(raw)
        self.assertEqual([r[0] for r in responses], [415], responses)
        self.assertTrue(closed)

    def test_pipelined_requests_are_answered_in_order(self):
        body = b"{}"
        raw = (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /api/nothing-here HTTP/1.1\r\nHost: x\r\n\r\n"
               b"POST /api/live-sessions/x/leave HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n" + body +
               b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        responses, closed = exchange(raw)
        self.assertEqual([r[0] for r in responses], [200, 404, 401, 200])
        self.assertTrue(closed)


class SlowClients(unittest.TestCase):
    def test_200_slow_clients_cost_no_one_an_answer(self):
        slow = []
        try:
            for _ in range(200):
                s = connect()
                slow.append(s)
            # A few idle kept-alive connections as well.
            for _ in range(20):
                s = connect()
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                slow.append(s)
            stop = threading.Event()
            line = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"y" * 1000

            def drip():
                i = 0
                while not stop.wait(0.25):
                    for s in slow[:200]:
                        try:
                            s.send(line[i:i + 1])
                        except OSError:
                            pass
                    i = min(i + 1, len(line) - 1)

            t = threading.Thread(target=drip, daemon=True)
            t.start()
            try:
                took = []
                for _ in range(20):
                    started = time.monotonic()
                    s = connect()
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    data, _ = read_all(s, 5)
                    s.close()
                    took.append(time.monotonic() - started)
                    self.assertEqual([r[0] for r in parse_responses(data)], [200])
                    time.sleep(0.05)
                self.assertLess(max(took), 0.2, took)
                # The header block has a deadline, not a timeout per read: the
                # drippers are dropped once it passes, though they keep sending.
                time.sleep(HEADER_TIMEOUT + 1.5)
            finally:
                stop.set()
                t.join()
            dropped = 0
            for s in slow[:200]:
                try:
                    s.setblocking(False)
                    if s.recv(65536) == b"":
                        dropped += 1
                except (ConnectionResetError, BrokenPipeError):
                    dropped += 1
                except BlockingIOError:
                    pass
            self.assertEqual(dropped, 200)
        finally:
            for s in slow:
                s.close()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


class Headers(unittest.TestCase):
    def send_and_read(self, raw):
        s = connect()
        result = {}

        def send():
            try:
                s.sendall(raw)
            except OSError:
                pass  # the server stopped reading: expected

        t = threading.Thread(target=send, daemon=True)
        t.start()
        try:
            data, closed = read_all(s, 8)
        finally:
            t.join(10)
            s.close()
        return parse_responses(data), closed

    def test_a_1_mib_header_is_refused_with_431_in_bounded_memory(self):
        before = rss_kib(server.proc.pid)
        for _ in range(5):
            raw = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
            responses, closed = self.send_and_read(raw)
            self.assertEqual([r[0] for r in responses], [431])
            self.assertTrue(closed)
        self.assertLess(rss_kib(server.proc.pid) - before, 2048)

    def test_40000_header_lines_are_refused(self):
        raw = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-a: b\r\n" * 40000 + b"\r\n"
        responses, closed = self.send_and_read(raw)
        self.assertEqual([r[0] for r in responses], [431])
        self.assertTrue(closed)
        raw = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-a: b\r\n" * 100 + b"\r\n"
        responses, _ = self.send_and_read(raw)
        self.assertEqual([r[0] for r in responses], [431])

    def test_a_long_method_is_logged_truncated(self):
        method = "A" * 1024
        responses, _ = exchange(f"{method} /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        self.assertEqual([r[0] for r in responses], [405])
        time.sleep(0.2)
        self.assertNotIn(method[:100], server.read_log())


class Tokens(unittest.TestCase):
    def status(self, token):
        return base.Client(server.base).get(f"/api/courses/{COURSE}/live-sessions", token).status

    def test_bearer_tokens_are_bounded_and_for_this_api(self):
        t = int(time.time())
        self.assertEqual(self.status(bearer("stu-1")), 200)
        self.assertEqual(self.status(bearer("stu-1", lifetime=23 * 3600)), 200)
        self.assertEqual(self.status(bearer("stu-1", lifetime=25 * 3600)), 401)
        self.assertEqual(self.status(bearer("stu-1", exp=253402300799)), 401)  # year 9999
        self.assertEqual(self.status(bearer("stu-1", iat=t - 30 * 3600, exp=t + 600)), 401)
        self.assertEqual(self.status(bearer("stu-1", aud="jitsi")), 401)
        self.assertEqual(self.status(bearer("stu-1", iss="someone-else")), 401)
        no_aud = jwt.encode({"sub": "stu-1", "iat": t, "exp": t + 600, "iss": base.API_ISSUER}, base.API_SECRET,
                            algorithm="HS256")
        self.assertEqual(self.status(no_aud), 401)

    def test_the_body_cannot_name_the_caller(self):
        api = base.Client(server.base)
        sid = api.post(f"/api/courses/{COURSE}/live-sessions", PROF,
                       session_body("recording", now() + dt.timedelta(hours=1))).json["id"]
        self.assertEqual(api.post(f"/api/live-sessions/{sid}/start", PROF).status, 200)
        self.assertEqual(api.post(f"/api/live-sessions/{sid}/end", PROF).status, 200)
        first = "https://recordings.example.edu/a.mp4"
        r = api.post(f"/api/live-sessions/{sid}/recording", VIDEO_EVENTS_SECRET, {"recording_url": first})
        self.assertEqual(r.status, 200, r)
        # The event_sync secret sets a URL only while none is set, whatever
        # "actor" its body claims.
        r = api.post(f"/api/live-sessions/{sid}/recording", VIDEO_EVENTS_SECRET,
                     {"recording_url": "https://evil.example/b.mp4", "actor": {"user_id": "prof-diallo"}})
        self.assertEqual((r.status, r.json["status"], r.json["reason"]), (200, "ignored", "recording_url_already_set"))
        self.assertEqual(api.get(f"/api/live-sessions/{sid}", PROF).json["recording_url"], first)
        # A student's body cannot become the instructor either.
        r = api.post(f"/api/live-sessions/{sid}/recording", STU[0],
                     {"recording_url": "https://evil.example/c.mp4", "actor": {"user_id": "prof-diallo"}})
        self.assertEqual(r.status, 403, r)


class PublicRoom(unittest.TestCase):
    """Public meet.jit.si mode: the room name is the key to the room."""

    def test_the_room_name_reaches_only_the_admitted_and_staff(self):
        api = base.Client(server.base)
        start_at = now() + dt.timedelta(hours=2)
        sid = api.post(f"/api/courses/{COURSE}/live-sessions", PROF,
                       session_body("one seat", start_at, max_participants=1)).json["id"]
        room = api.get(f"/api/live-sessions/{sid}", PROF).json["jitsi_room_name"]
        self.assertTrue(room)
        # Before it is live, a student learns nothing of the room.
        self.assertIsNone(api.get(f"/api/live-sessions/{sid}", STU[0]).json["jitsi_room_name"])
        self.assertEqual(api.post(f"/api/live-sessions/{sid}/start", PROF).status, 200)
        j = api.post(f"/api/live-sessions/{sid}/join", STU[0])
        self.assertEqual(j.status, 200, j)
        self.assertEqual(j.json["jitsi_room_name"], room)
        r = api.post(f"/api/live-sessions/{sid}/join", STU[1])
        self.assertEqual((r.status, r.error.get("code")), (403, "session_full"), r)
        # The refused student: the session, the listing, the calendar, the feed.
        day = start_at.date()
        bodies = [api.get(f"/api/live-sessions/{sid}", STU[1]),
                  api.get(f"/api/courses/{COURSE}/live-sessions", STU[1]),
                  api.get("/api/calendar/events", STU[1],
                          query={"start": str(day - dt.timedelta(days=1)), "end": str(day + dt.timedelta(days=2))})]
        for r in bodies:
            self.assertEqual(r.status, 200, r)
            self.assertNotIn(room.encode(), r.raw, r)
        self.assertIsNone(bodies[0].json["jitsi_room_name"])
        url = api.get("/api/calendar/feed-url", STU[1]).json["url"]
        feed = base.Client(server.base).get(url[len("https://lms.example.edu"):])
        self.assertEqual(feed.status, 200)
        self.assertIn(b"BEGIN:VEVENT", feed.raw)
        self.assertNotIn(room.encode(), feed.raw)
        # Even the admitted student's listing does not carry it: the join answer does.
        self.assertNotIn(room.encode(), api.get(f"/api/courses/{COURSE}/live-sessions", STU[0]).raw)
        self.assertEqual(api.get(f"/api/live-sessions/{sid}", PROF).json["jitsi_room_name"], room)

    def test_line_separators_are_escaped_in_json(self):
        api = base.Client(server.base)
        sid = api.post(f"/api/courses/{COURSE}/live-sessions", PROF,
                       session_body("separators", now() + dt.timedelta(hours=1))).json["id"]
        self.assertEqual(api.post(f"/api/live-sessions/{sid}/start", PROF).status, 200)
        r = api.post(f"/api/live-sessions/{sid}/chat", PROF, {"body": "a\u2028b\u2029c\u0085d"})
        self.assertEqual(r.status, 201, r)
        for raw in (r.raw, api.get(f"/api/live-sessions/{sid}/chat", PROF).raw):
            self.assertIn(b"a\\u2028b\\u2029c\\u0085d", raw)
            for c in ("\u2028", "\u2029", "\u0085"):
                self.assertNotIn(c.encode(), raw)
        self.assertEqual(r.json["body"], "a\u2028b\u2029c\u0085d")


class Configuration(unittest.TestCase):
    def test_equal_secrets_are_refused(self):
        same = secrets.token_urlsafe(40)
        code, out = refused(LIVECOURSE_API_SECRET=same, JITSI_DOMAIN="meet.example.test", JITSI_APP_ID="app",
                            JITSI_APP_SECRET=same)
        self.assertEqual(code, 2, out)
        self.assertIn("LIVECOURSE_API_SECRET and JITSI_APP_SECRET are the same secret", out)
        code, out = refused(LIVECOURSE_API_SECRET=same, LIVECOURSE_VIDEO_EVENTS_SECRET=same)
        self.assertEqual(code, 2, out)
        code, out = refused(LIVECOURSE_VIDEO_EVENTS_SECRET=same, JAAS_WEBHOOK_SECRET=same)
        self.assertEqual(code, 2, out)
        self.assertNotIn(same, out)

    def test_database_passwords_never_reach_the_output(self):
        pw = "Zq7secretpw"
        for uri in (f"postgresql://lc:{pw}?x@127.0.0.1:1/lc", f"postgresql://lc@127.0.0.1:1/lc?password={pw}",
                    f"postgresql://lc@127.0.0.1:1/lc?pass%77ord={pw}", f"postgres://lc:{pw}@127.0.0.1:1/lc"):
            with self.subTest(uri):
                code, out = refused(LIVECOURSE_DB=uri)
                self.assertNotEqual(code, 0, out)
                self.assertIn("127.0.0.1", out)  # the message still says where
                self.assertNotIn(pw, out)

    def test_short_jaas_webhook_secret_is_refused(self):
        code, out = refused(JAAS_WEBHOOK_SECRET="short")
        self.assertEqual(code, 2, out)
        self.assertIn("JAAS_WEBHOOK_SECRET", out)

    def test_demo_serves_loopback_only(self):
        code, out = refused(args=("--demo",), LIVECOURSE_API_SECRET=None, LIVECOURSE_LISTEN="0.0.0.0:0")
        self.assertEqual(code, 2, out)
        self.assertIn("loopback", out)

    def test_feed_urls_need_a_public_url(self):
        srv = start()
        try:
            api = base.Client(srv.base)
            r = api.get("/api/calendar/feed-url", STU[0], headers={"Host": "evil.example"})
            self.assertEqual((r.status, r.error.get("code")), (503, "not_configured"), r)
            self.assertNotIn(b"evil.example", r.raw)
        finally:
            srv.stop()
            shutil.rmtree(srv.workdir, ignore_errors=True)

    def test_webhook_url_is_logged_without_credentials_or_query(self):
        key = "whsec_" + __import__("base64").b64encode(os.urandom(32)).decode()
        srv = start(LIVECOURSE_NOTIFY_URL="http://hook-user:hookpass@127.0.0.1:9/hook?token=querysecret",
                    LIVECOURSE_NOTIFY_SECRET=key)
        try:
            time.sleep(0.2)
            log = srv.read_log() + srv.stdout
            self.assertIn("http://127.0.0.1:9/hook", log)
            self.assertNotIn("querysecret", log)
            self.assertNotIn("hookpass", log)
        finally:
            srv.stop()
            shutil.rmtree(srv.workdir, ignore_errors=True)

    def test_files_are_private(self):
        d = tempfile.mkdtemp(prefix="lc-hostile-")
        srv = start(workdir=d)
        try:
            api = base.Client(srv.base)
            self.assertEqual(api.put("/api/courses/c/roster/p", ADMIN, {"role": "instructor"}).status, 200)
            var = os.path.join(d, "var")
            self.assertEqual(stat.S_IMODE(os.stat(var).st_mode), 0o700)
            names = sorted(os.listdir(var))
            self.assertIn("livecourse.db", names)
            for name in names:
                self.assertEqual(stat.S_IMODE(os.stat(os.path.join(var, name)).st_mode), 0o600, name)
        finally:
            srv.stop()
            shutil.rmtree(d, ignore_errors=True)
        d = tempfile.mkdtemp(prefix="lc-hostile-")
        srv = start(workdir=d, args=("--demo",), LIVECOURSE_API_SECRET=None, LIVECOURSE_FEED_SECRET=None)
        try:
            secret_file = os.path.join(d, "var", "demo-api-secret")
            self.assertEqual(stat.S_IMODE(os.stat(secret_file).st_mode), 0o600)
        finally:
            srv.stop()
            shutil.rmtree(d, ignore_errors=True)

    def test_demo_secret_is_not_followed_through_a_symlink(self):
        d = tempfile.mkdtemp(prefix="lc-hostile-")
        try:
            os.makedirs(os.path.join(d, "var"))
            target = os.path.join(d, "elsewhere")
            with open(target, "w") as f:
                f.write("not yours\n")
            os.symlink(target, os.path.join(d, "var", "demo-api-secret"))
            code, out = 0, ""
            p = subprocess.run([base.SERVER, "--demo"], cwd=d, capture_output=True, timeout=30,
                               env=clean_env(LIVECOURSE_LISTEN="127.0.0.1:0",
                                             LIVECOURSE_DB=os.path.join(d, "var", "livecourse.db")))
            self.assertEqual(p.returncode, 2, p)
            with open(target) as f:
                self.assertEqual(f.read(), "not yours\n")
        finally:
            shutil.rmtree(d, ignore_errors=True)


def main():
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.argv[0]} path/to/livecourse-server [unittest args]")
    base.SERVER = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], *sys.argv[2:]], verbosity=2)


if __name__ == "__main__":
    main()
