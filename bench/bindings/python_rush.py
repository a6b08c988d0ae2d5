"""The 10:00 rush through the Python binding, against the same steps written by hand.

Workload (the same for every case, on a fresh database each time): 500
courses with one live session each, an instructor and 100 students per
course, every user with a profile (name, e-mail, avatar); self-hosted Jitsi
with HS256 tokens. 22,000 joins in a shuffled order over all courses, the
first 2,000 a warm-up; each join is timed alone. Every join must be admitted
or a reconnect.

Cases:
  binding       livecourse.Engine.join (one Engine), 1 and 16 threads
  hand-written  what a Python LMS developer writes for the same steps
                (python_peer.py: sqlite3 in WAL mode, BEGIN IMMEDIATE, the
                enrollment, live and seat checks, participant, seat count,
                presence row, then a PyJWT HS256 token with our claims),
                1 thread, and 16 threads with a connection per thread
  core          the C++ engine's own join, from the library's benchmark
                (``livecourse-bench joins``: its 1-thread line, a join with
                token and URL on a SQLite WAL file), when the binary is given

Usage (with the interpreter that has PyJWT, Debian's python3-jwt):

    LIVECOURSE_LIBRARY=build/capi/liblivecourse.so PYTHONPATH=bindings/python \\
        /usr/bin/python3 bench/bindings/python_rush.py [--core build/bench/livecourse-bench]

Every line prints joins/s, p50, p99 and the slowest join, and the ratio
against the hand-written peer with the same number of threads measured in
the same run. Absolute figures on a shared machine are noise; the ratios are
the result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import python_peer  # noqa: E402

import livecourse  # noqa: E402

COURSES = 500
STUDENTS = 100
JOINS = 22_000
WARMUP = 2_000
SEED = 20260307
SERVER_URL = "https://meet.example.org"
APP_ID = "lms"
APP_SECRET = "rush-secret-rush-secret-rush-secret-0123456789"  # >= 32 bytes


class Person(NamedTuple):
    user_id: str
    name: str
    email: str
    avatar: str


class Figures(NamedTuple):
    per_second: float
    p50_us: float
    p99_us: float
    max_us: float


def people(course: int) -> Tuple[Person, List[Person]]:
    prof = Person(f"prof-{course}", f"Professor {course}", f"prof{course}@example.edu",
                  f"https://cdn.example.edu/avatars/prof-{course}.png")
    students = [
        Person(f"stu-{course}-{i}", f"Student {course}.{i}", f"stu{course}.{i}@example.edu",
               f"https://cdn.example.edu/avatars/stu-{course}-{i}.png")
        for i in range(STUDENTS)
    ]
    return prof, students


def join_order() -> List[Tuple[int, Person]]:
    """JOINS (course, person) pairs, shuffled: students mostly, some instructors, a few reconnects."""
    pairs: List[Tuple[int, Person]] = []
    for c in range(COURSES):
        prof, students = people(c)
        pairs.append((c, prof))
        pairs.extend((c, s) for s in students)
    rng = random.Random(SEED)
    rng.shuffle(pairs)
    order = pairs[: JOINS - JOINS // 50]
    # 2% reconnects: people who already joined click again (a reloaded page).
    order += [order[rng.randrange(len(order) // 2)] for _ in range(JOINS // 50)]
    rng.shuffle(order[len(order) // 2:])
    return order


def figures(latencies_ns: List[int], seconds: float) -> Figures:
    lat = sorted(latencies_ns)
    n = len(lat)

    def at(q: float) -> float:
        return lat[min(n - 1, int(q * n))] / 1000.0

    return Figures(n / seconds, at(0.50), at(0.99), lat[-1] / 1000.0)


def run_timed(join: Callable[[int, Person], None], order: Sequence[Tuple[int, Person]], threads: int) -> Figures:
    """Runs the warm-up, then times each of the other joins alone, `threads` callers sharing the list."""

    def drive(items: Sequence[Tuple[int, Person]], timed: bool) -> Tuple[List[int], float]:
        position = iter(range(len(items)))  # next() on it is atomic under the GIL
        lat: List[List[int]] = [[] for _ in range(threads)]
        errors: List[BaseException] = []
        start = threading.Barrier(threads + 1)
        clock = time.perf_counter_ns

        def worker(mine: List[int]) -> None:
            start.wait()
            try:
                for i in position:
                    course, person = items[i]
                    t0 = clock()
                    join(course, person)
                    if timed:
                        mine.append(clock() - t0)
            except BaseException as exc:  # reported below
                errors.append(exc)

        pool = [threading.Thread(target=worker, args=(lat[k],)) for k in range(threads)]
        for t in pool:
            t.start()
        start.wait()
        t0 = time.perf_counter()
        for t in pool:
            t.join()
        elapsed = time.perf_counter() - t0
        if errors:
            raise RuntimeError(f"a join failed: {errors[0]!r}") from errors[0]
        return [x for part in lat for x in part], elapsed

    drive(order[:WARMUP], False)
    lat, seconds = drive(order[WARMUP:], True)
    return figures(lat, seconds)


# ------------------------------------------------------------------ binding
def binding_case(workdir: str, order: Sequence[Tuple[int, Person]], threads: int) -> Figures:
    path = os.path.join(workdir, f"binding-{threads}.db")
    jitsi = {"mode": "self_hosted", "server_url": SERVER_URL, "app_id": APP_ID, "app_secret": APP_SECRET}
    with livecourse.Engine(path, jitsi=jitsi) as engine:
        now = dt.datetime.now(dt.timezone.utc)
        sessions: List[str] = []
        actors = {}
        for c in range(COURSES):
            prof, students = people(c)
            course_id = f"course-{c}"
            for p, role in [(prof, livecourse.Role.INSTRUCTOR)] + [(s, livecourse.Role.STUDENT) for s in students]:
                engine.enroll(course_id=course_id, user_id=p.user_id, role=role)
                actors[p.user_id] = engine.put_user(user_id=p.user_id, name=p.name, email=p.email, avatar=p.avatar)
            session = engine.create_session(actor=actors[prof.user_id], course_id=course_id, title=f"Live class {c}",
                                            starts_at=now - dt.timedelta(minutes=1),
                                            ends_at=now + dt.timedelta(hours=2), max_participants=STUDENTS + 10)
            engine.start_session(actor=actors[prof.user_id], session_id=session.id)
            sessions.append(session.id)
        first = set()  # set.add and `in` are atomic under the GIL

        def join(course: int, person: Person) -> None:
            result = engine.join(actor=actors[person.user_id], session_id=sessions[course])
            if result.session_id != sessions[course] or "jwt=" not in result.jitsi_join_url:
                raise AssertionError(f"unexpected join result {result!r}")
            if result.rejoined:
                if (course, person.user_id) not in first:
                    raise AssertionError("a first join answered as a reconnect")
            else:
                first.add((course, person.user_id))

        return run_timed(join, order, threads)


# ---------------------------------------------------------------- hand-written
def peer_case(workdir: str, order: Sequence[Tuple[int, Person]], threads: int) -> Figures:
    path = os.path.join(workdir, f"peer-{threads}.db")
    courses = []
    for c in range(COURSES):
        prof, students = people(c)
        courses.append((f"course-{c}", prof, students))
    sessions = python_peer.seed(path, courses, max_participants=STUDENTS + 10)
    local = threading.local()
    lms = python_peer.HandWrittenJoin(SERVER_URL, APP_ID, APP_SECRET)

    def join(course: int, person: Person) -> None:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = python_peer.connect(path)
        result = lms.join(conn, sessions[course], person)
        if "jwt=" not in result["jitsi_join_url"]:
            raise AssertionError(f"unexpected join result {result!r}")

    return run_timed(join, order, threads)


# ------------------------------------------------------------------ the core
def core_case(binary: str) -> Figures:
    """The 1-thread library join of livecourse-bench's joins section (its median of 7 runs)."""
    out = subprocess.run([binary, "joins"], capture_output=True, text=True, timeout=600, check=True).stdout
    line = next((l for l in out.splitlines() if l.startswith("join (livecourse), 1 thread")), None)
    if line is None:
        raise RuntimeError(f"{binary} joins printed no 1-thread line:\n{out}")
    m = re.search(r"([\d.]+) joins/s\s+p50\s+([\d.]+) us\s+p99\s+([\d.]+) us.*max\s+([\d.]+) us", line)
    if not m:
        raise RuntimeError(f"cannot read {line!r}")
    return Figures(float(m.group(1)), float(m.group(2)), float(m.group(3)), float(m.group(4)))


def show(name: str, f: Figures, ratio: str) -> None:
    print(f"{name:<40} {f.per_second:>8.0f} joins/s  p50 {f.p50_us:>7.1f} us  p99 {f.p99_us:>8.1f} us  "
          f"max {f.max_us / 1000:>7.2f} ms  {ratio}", flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--core", metavar="LIVECOURSE_BENCH",
                        help="the livecourse-bench binary, for the C++ core's time per join "
                             "(default: the one of the build the library comes from, if there is one)")
    args = parser.parse_args(argv)
    if args.core is None:
        # The benchmark of the build the library comes from: <build>/capi/liblivecourse.so.
        guess = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(livecourse.LIBRARY_PATH))),
                             "bench", "livecourse-bench")
        if os.access(guess, os.X_OK):
            args.core = guess
    order = join_order()
    workdir = tempfile.mkdtemp(prefix="livecourse-rush-")
    try:
        print(f"{COURSES} courses x {STUDENTS} students + instructor, {JOINS} joins ({WARMUP} warm-up) per case",
              flush=True)
        peer1 = peer_case(workdir, order, 1)
        bind1 = binding_case(workdir, order, 1)
        peer16 = peer_case(workdir, order, 16)
        bind16 = binding_case(workdir, order, 16)
        show("hand-written Python, 1 thread", peer1, "1.00x")
        show("livecourse binding, 1 thread", bind1, f"{bind1.per_second / peer1.per_second:.2f}x hand-written")
        show("hand-written Python, 16 threads", peer16, "1.00x")
        show("livecourse binding, 16 threads", bind16, f"{bind16.per_second / peer16.per_second:.2f}x hand-written")
        if not args.core:
            print("C++ core: not measured (no livecourse-bench found; give --core)")
        else:
            core = core_case(args.core)
            per_join_binding = 1e6 / bind1.per_second
            per_join_core = 1e6 / core.per_second
            show("C++ core (livecourse-bench), 1 thread", core,
                 f"binding {per_join_binding:.1f} us/join = {per_join_binding / per_join_core:.2f}x core "
                 f"{per_join_core:.1f} us/join")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
