#!/usr/bin/python3
"""Several application servers on one PostgreSQL database, over real HTTP.

Starts a throwaway PostgreSQL cluster (initdb as the `postgres` system user,
a Unix socket in a temporary folder), three livecourse-server processes on
it, and checks what an LMS behind a load balancer relies on: exact seats when
300 students join 50 seats through all three servers at once, a status change
on one server seen by the others at once, statistics that agree whichever
server is asked, and a database outage answered with 503 `storage` and
recovered from without restarting the servers, with no acknowledged join
lost.

    /usr/bin/python3 tests/e2e/test_multi_server.py build/examples/server/livecourse-server
"""

import concurrent.futures as cf
import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_server as base  # noqa: E402  (the single-server test's helpers)

PG_BIN = "/usr/lib/postgresql/15/bin"


def as_postgres(*cmd):
    return subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True, text=True)


class Cluster:
    """A PostgreSQL 15 cluster of our own, deleted at the end whatever happens."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="lc-pg-")
        os.chmod(self.dir, 0o755)
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        as_postgres(f"{PG_BIN}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        as_postgres(f"{PG_BIN}/createdb", "-h", self.dir, "-U", "postgres", "livecourse")
        self.uri = f"postgresql:///livecourse?host={self.dir}&user=postgres"

    def start(self):
        as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.data, "-w", "-l", os.path.join(self.dir, "log"), "-o",
                    f"-k {self.dir} -c listen_addresses='' -c max_connections=200", "start")

    def stop_immediately(self):
        as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def destroy(self):
        try:
            self.stop_immediately()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


class MultiServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster()
        cls.servers = []
        try:
            env = base.clean_env(LIVECOURSE_LISTEN="127.0.0.1:0", LIVECOURSE_DB=cls.cluster.uri,
                                 LIVECOURSE_API_SECRET=base.API_SECRET, LIVECOURSE_FEED_SECRET=base.FEED_SECRET,
                                 JITSI_DOMAIN=base.JITSI_DOMAIN, JITSI_APP_ID=base.JITSI_APP_ID,
                                 JITSI_APP_SECRET=base.JITSI_SECRET)
            for _ in range(3):
                cls.servers.append(base.RunningServer(env))
        except Exception:
            cls.tearDownClass()
            raise
        cls.clients = [base.Client(s.base) for s in cls.servers]
        cls.students = [f"rush-{i}" for i in range(300)]
        admin = cls.clients[0]
        for user, role in [("prof-diallo", "instructor")] + [(s, "student") for s in cls.students]:
            r = admin.put(f"/api/courses/multi/roster/{user}", base.ADMIN, body={"role": role})
            assert r.status == 200, r

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            s.stop()
        cls.cluster.destroy()

    def test_database_password_is_redacted_in_the_log_and_the_banner(self):
        # libpq reads these forms (a query key may be percent-encoded); the
        # server's start line and the demo banner print the database.
        pw = "Zq7secretpw"
        for extra, args in ((f"&password={pw}", ()), (f"&pass%77ord={pw}", ()), (f"&password={pw}", ("--demo",))):
            with self.subTest(extra=extra, args=args):
                workdir = tempfile.mkdtemp(prefix="lc-e2e-pg-")
                env = base.clean_env(LIVECOURSE_LISTEN="127.0.0.1:0", LIVECOURSE_DB=self.cluster.uri + extra,
                                     LIVECOURSE_API_SECRET=base.API_SECRET, LIVECOURSE_FEED_SECRET=base.FEED_SECRET)
                srv = base.RunningServer(env, args, workdir=workdir)
                try:
                    self.assertEqual(base.Client(srv.base).get("/healthz").status, 200)
                    time.sleep(0.2)
                    out = srv.stdout + srv.read_log()
                    self.assertIn("livecourse", out)
                    self.assertNotIn(pw, out)
                finally:
                    srv.stop()
                    shutil.rmtree(workdir, ignore_errors=True)

    def live_session(self, create_on, start_on, capacity):
        start = base.now() + dt.timedelta(minutes=1)
        r = self.clients[create_on].post("/api/courses/multi/live-sessions", base.PROF, body={
            "title": "Rush", "starts_at": base.rfc3339(start),
            "ends_at": base.rfc3339(start + dt.timedelta(hours=1)), "max_participants": capacity})
        self.assertEqual(r.status, 201, r)
        sid = r.json["id"]
        r = self.clients[start_on].post(f"/api/live-sessions/{sid}/start", base.PROF)
        self.assertEqual(r.status, 200, r)
        return sid

    def join_all(self, sid, users):
        tokens = {u: base.bearer(u, u) for u in users}

        def join(i_user):
            i, user = i_user
            r = self.clients[i % 3].post(f"/api/live-sessions/{sid}/join", tokens[user])
            return user, r.status, r.error.get("code")

        with cf.ThreadPoolExecutor(max_workers=30) as pool:
            return list(pool.map(join, enumerate(users)))

    def test_seats_are_exact_across_three_servers(self):
        sid = self.live_session(create_on=1, start_on=2, capacity=50)
        # Started on server 2: seen as live on server 0 at once.
        r = self.clients[0].get(f"/api/live-sessions/{sid}", base.PROF)
        self.assertEqual(r.json["status"], "live")
        results = self.join_all(sid, self.students)
        admitted = [u for u, status, _ in results if status == 200]
        refused = [(status, code) for _, status, code in results if status != 200]
        self.assertEqual(len(admitted), 50)
        self.assertEqual(set(refused), {(403, "session_full")})
        # While the class is live its durations grow between two reads: every
        # server counts the same seats now, and the same durations once ended.
        stats = [c.get(f"/api/live-sessions/{sid}/stats", base.PROF).json for c in self.clients]
        counts = [{k: v for k, v in s.items() if not k.endswith("_seconds")} for s in stats]
        self.assertEqual(counts[0]["participants_count"], 50)
        self.assertEqual(counts[0], counts[1])
        self.assertEqual(counts[1], counts[2])
        r = self.clients[0].post(f"/api/live-sessions/{sid}/end", base.PROF)
        self.assertEqual(r.status, 200, r)
        stats = [c.get(f"/api/live-sessions/{sid}/stats", base.PROF).json for c in self.clients]
        self.assertEqual(stats[0], stats[1])
        self.assertEqual(stats[1], stats[2])
        rows = self.clients[1].get(f"/api/live-sessions/{sid}/attendance", base.PROF).json["attendance"]
        self.assertEqual(sorted(r["user_id"] for r in rows), sorted(admitted))

    def test_a_database_outage_is_a_503_and_the_servers_recover(self):
        sid = self.live_session(create_on=0, start_on=1, capacity=300)
        users = self.students[:200]
        with cf.ThreadPoolExecutor(max_workers=1) as stopper:
            stopping = stopper.submit(lambda: (time.sleep(0.3), self.cluster.stop_immediately()))
            results = self.join_all(sid, users)
            stopping.result()
        statuses = {status for _, status, _ in results}
        self.assertLessEqual(statuses, {200, 503})
        for _, status, code in results:
            if status == 503:
                self.assertEqual(code, "storage")
        for s in self.servers:
            self.assertIsNone(s.proc.poll(), "a server died during the outage")
        # While the database is down, requests fail fast with 503.
        t = time.monotonic()
        r = self.clients[2].get(f"/api/live-sessions/{sid}", base.PROF)
        self.assertEqual((r.status, r.error.get("code")), (503, "storage"))
        self.assertLess(time.monotonic() - t, 10)

        self.cluster.start()
        # Each server finds the database again by itself, within moments.
        for client in self.clients:
            deadline = time.monotonic() + 30
            while client.get(f"/api/live-sessions/{sid}", base.PROF).status != 200:
                self.assertLess(time.monotonic(), deadline, "a server did not recover")
                time.sleep(0.2)
        acknowledged = {u for u, status, _ in results if status == 200}
        rows = self.clients[0].get(f"/api/live-sessions/{sid}/attendance", base.PROF).json["attendance"]
        present = {r["user_id"] for r in rows}
        self.assertLessEqual(acknowledged, present)  # nothing acknowledged is lost
        # The same servers go on: the ones refused during the outage now get in.
        retry = self.join_all(sid, [u for u in users if u not in present])
        self.assertTrue(all(status == 200 for _, status, _ in retry), retry[:5])
        rows = self.clients[1].get(f"/api/live-sessions/{sid}/attendance", base.PROF).json["attendance"]
        self.assertEqual(len(rows), len(users))


if __name__ == "__main__":
    base.SERVER = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
