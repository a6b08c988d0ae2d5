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
  bare ctypes   lc_session_join called through ctypes on the request bytes
                the binding sends, 1 thread: the binding minus its Python side
  core          the C++ engine's Engine::join on this same workload and join
                order (``livecourse-bench rush``, 1 and 16 threads), run here
                or read from its output (--core-output), when either is given

Usage (with the interpreter that has PyJWT, Debian's python3-jwt):

    LIVECOURSE_LIBRARY=build/capi/liblivecourse.so PYTHONPATH=bindings/python \\
        /usr/bin/python3 bench/bindings/python_rush.py [--core build/bench/livecourse-bench | --core-output FILE]

Every line prints joins/s, p50, p99 and the slowest join, and the ratio
against the hand-written peer with the same number of threads measured in
the same run. Absolute figures on a shared machine are noise; the ratios are
the result.
"""

from __future__ import annotations

import argparse
import base64
import ctypes
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import python_peer  # noqa: E402

import jwt  # noqa: E402  PyJWT
import livecourse  # noqa: E402
from livecourse import _json as livecourse_json  # noqa: E402
from livecourse import _library as livecourse_library  # noqa: E402

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
    cpu_us: float = 0.0  # CPU time of the joining threads per join (the whole process's on 16 threads)


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
    second_half = order[len(order) // 2:]
    rng.shuffle(second_half)
    order[len(order) // 2:] = second_half
    return order


def figures(latencies_ns: List[int], seconds: float, cpu_ns: int = 0) -> Figures:
    lat = sorted(latencies_ns)
    n = len(lat)

    def at(q: float) -> float:
        return lat[min(n - 1, int(q * n))] / 1000.0

    return Figures(n / seconds, at(0.50), at(0.99), lat[-1] / 1000.0, cpu_ns / n / 1000.0)


def run_timed(join: Callable[[int, Person], None], order: Sequence[Tuple[int, Person]], threads: int) -> Figures:
    """Runs the warm-up, then times each of the other joins alone, `threads` callers sharing the list."""

    def drive(items: Sequence[Tuple[int, Person]], timed: bool) -> Tuple[List[int], float, int]:
        position = iter(range(len(items)))  # next() on it is atomic under the GIL
        lat: List[List[int]] = [[] for _ in range(threads)]
        errors: List[BaseException] = []
        cpu: List[int] = []
        start = threading.Barrier(threads + 1)
        clock = time.perf_counter_ns

        def worker(mine: List[int]) -> None:
            start.wait()
            cpu0 = time.thread_time_ns()
            try:
                for i in position:
                    course, person = items[i]
                    t0 = clock()
                    join(course, person)
                    if timed:
                        mine.append(clock() - t0)
            except BaseException as exc:  # reported below
                errors.append(exc)
            cpu.append(time.thread_time_ns() - cpu0)

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
        return [x for part in lat for x in part], elapsed, sum(cpu)

    drive(order[:WARMUP], False)
    lat, seconds, cpu_ns = drive(order[WARMUP:], True)
    return figures(lat, seconds, cpu_ns)


# ------------------------------------------------------------------ binding
def rush_engine(path: str) -> Tuple["livecourse.Engine", List[str], Dict[str, "livecourse.Actor"]]:
    """An Engine on a new database with the rush's courses: the engine, session ids by course, actors by user id."""
    jitsi = {"mode": "self_hosted", "server_url": SERVER_URL, "app_id": APP_ID, "app_secret": APP_SECRET}
    engine = livecourse.Engine(path, jitsi=jitsi)
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
    return engine, sessions, actors


class TokenFigures(NamedTuple):
    claims: Dict[str, Any]  # the payload of a token the binding returned
    header: Dict[str, Any]
    size: int               # bytes of that token
    pyjwt_us: float         # jwt.encode of the same claims and header
    token_create_us: float  # Engine.token: session, roster and participant reads, token and link


def median_us(op: Callable[[], Any], ops: int = 5000, runs: int = 7) -> float:
    """The median over `runs` of the calling thread's CPU time per call (what a busy machine disturbs least)."""
    per_op = []
    for _ in range(runs):
        t0 = time.thread_time_ns()
        for _ in range(ops):
            op()
        per_op.append((time.thread_time_ns() - t0) / ops / 1000.0)
    per_op.sort()
    return per_op[len(per_op) // 2]


def token_figures(engine: "livecourse.Engine", session_id: str, actor: "livecourse.Actor") -> TokenFigures:
    """The library's HS256 token beside PyJWT's for the same claims (those of a token the binding returned)."""
    url = engine.join(actor=actor, session_id=session_id).jitsi_join_url
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["jwt"][0]
    header, claims = (json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
                      for part in token.split(".")[:2])
    extra = {k: v for k, v in header.items() if k not in ("alg", "typ")}
    pyjwt = median_us(lambda: jwt.encode(claims, APP_SECRET, algorithm="HS256", headers=extra or None))
    created = median_us(lambda: engine.token(actor=actor, session_id=session_id))
    return TokenFigures(claims, header, len(token), pyjwt, created)


def binding_case(workdir: str, order: Sequence[Tuple[int, Person]], threads: int,
                 tokens: Optional[List[TokenFigures]] = None) -> Figures:
    engine, sessions, actors = rush_engine(os.path.join(workdir, f"binding-{threads}.db"))
    with engine:
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

        result = run_timed(join, order, threads)
        if tokens is not None:
            course, person = order[0]
            tokens.append(token_figures(engine, sessions[course], actors[person.user_id]))
        return result


def ctypes_case(workdir: str, order: Sequence[Tuple[int, Person]]) -> Figures:
    """The same joins on one thread as bare ctypes calls of lc_session_join, each on the request bytes the
    binding sends (encoded beforehand), with the binding's one copy of the answer: the binding's Python side
    left out."""
    engine, sessions, actors = rush_engine(os.path.join(workdir, "ctypes.db"))
    with engine:
        fn = livecourse_library.FUNCTIONS["session_join"]
        free = livecourse_library.LIB.lc_free
        handle = engine._handle  # noqa: SLF001 - the bench drives the C ABI under the binding
        requests = [livecourse_json.acting_on_session(actors[p.user_id]._encoded(), sessions[c])  # noqa: SLF001
                    for c, p in order]
        response, error = ctypes.c_void_p(), ctypes.c_void_p()
        position = iter(range(len(order)))
        string_at = ctypes.string_at

        def join(course: int, person: Person) -> None:
            if fn(handle, requests[next(position)], response, error) != 0:
                raise AssertionError("lc_session_join failed")
            string_at(response.value)
            free(response.value)

        return run_timed(join, order, 1)


def ctypes_call_us() -> Tuple[float, int]:
    """What ctypes adds to one call: a call of a C ABI function that does nothing (lc_free(NULL)) and the
    copy of a join's answer (ctypes.string_at of as many bytes); the time and the answer's size."""
    free = livecourse_library.LIB.lc_free
    answer = ctypes.create_string_buffer(b"x" * 900)
    address = ctypes.addressof(answer)
    string_at = ctypes.string_at
    return median_us(lambda: free(None)) + median_us(lambda: string_at(address)), len(answer.value)


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
class Core(NamedTuple):
    one: Figures           # Engine::join, 1 thread
    sixteen: Figures       # Engine::join, 16 threads
    token_us: float        # the HS256 token alone, the rush's claims
    layers: Dict[str, float]  # us per join of one join on 1 thread


JOIN_LINE = re.compile(r"([\d.]+) joins/s\s+p50\s+([\d.]+) us\s+p99\s+([\d.]+) us.*max\s+([\d.]+) us.*"
                       r"cpu ([\d.]+) us/join")


def core_output(binary: str) -> str:
    return subprocess.run([binary, "rush"], capture_output=True, text=True, timeout=1800, check=True).stdout


def read_core(text: str) -> Core:
    """The figures of ``livecourse-bench rush`` (the same workload through Engine::join, medians of 3 runs)."""
    def starting(prefix: str) -> str:
        line = next((l for l in text.splitlines() if l.startswith(prefix)), None)
        if line is None:
            raise RuntimeError(f"livecourse-bench rush printed no {prefix!r} line:\n{text}")
        return line

    def join_line(prefix: str) -> Figures:
        m = JOIN_LINE.search(starting(prefix))
        if not m:
            raise RuntimeError(f"cannot read {starting(prefix)!r}")
        return Figures(*(float(g) for g in m.groups()))

    token = float(re.search(r"([\d.]+) us/op", starting("rush, HS256 token alone")).group(1))
    layers = {k: float(v) for k, v in re.findall(r"([a-zA-Z:. ]+?) ([\d.-]+)(?:,|$)",
                                                  starting("rush, one join on 1 thread (cpu us):").split("):", 1)[1])}
    return Core(join_line("rush (livecourse join), 1 thread"), join_line("rush (livecourse join), 16 threads"),
                token, {k.strip(): v for k, v in layers.items()})


def show(name: str, f: Figures, ratio: str) -> None:
    print(f"{name:<40} {f.per_second:>8.0f} joins/s  p50 {f.p50_us:>7.1f} us  p99 {f.p99_us:>8.1f} us  "
          f"max {f.max_us / 1000:>7.2f} ms  cpu {f.cpu_us:>5.1f} us/join  {ratio}", flush=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--core", metavar="LIVECOURSE_BENCH",
                        help="the livecourse-bench binary, run as `livecourse-bench rush` for the C++ core on the "
                             "same workload (default: the one of the build the library comes from, if there is one)")
    parser.add_argument("--core-output", metavar="FILE",
                        help="the output of a `livecourse-bench rush` of this run, instead of running it")
    args = parser.parse_args(argv)
    if args.core is None and args.core_output is None:
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
        tokens: List[TokenFigures] = []
        peer1 = peer_case(workdir, order, 1)
        bind1 = binding_case(workdir, order, 1, tokens)
        bare = ctypes_case(workdir, order)
        peer16 = peer_case(workdir, order, 16)
        bind16 = binding_case(workdir, order, 16)
        show("hand-written Python, 1 thread", peer1, "1.00x")
        show("livecourse binding, 1 thread", bind1, f"{bind1.per_second / peer1.per_second:.2f}x hand-written")
        show("hand-written Python, 16 threads", peer16, "1.00x")
        show("livecourse binding, 16 threads", bind16, f"{bind16.per_second / peer16.per_second:.2f}x hand-written")
        show("bare ctypes lc_session_join, 1 thread", bare, f"{bare.per_second / peer1.per_second:.2f}x hand-written")
        if args.core_output:
            with open(args.core_output, encoding="utf-8") as f:
                core: Optional[Core] = read_core(f.read())
        elif args.core:
            core = read_core(core_output(args.core))
        else:
            core = None
            print("C++ core: not measured (no livecourse-bench found; give --core or --core-output)")
        us = lambda f: 1e6 / f.per_second  # noqa: E731 - mean time per join
        if core:
            for name, binding, mine in (("1 thread", bind1, core.one), ("16 threads", bind16, core.sixteen)):
                show(f"C++ core (livecourse-bench rush), {name}", mine,
                     f"binding {us(binding):.1f} us/join = {us(binding) / us(mine):.2f}x core {us(mine):.1f} us/join "
                     f"(cpu {binding.cpu_us / mine.cpu_us:.2f}x)")
        t = tokens[0]
        print(f"HS256 token, the library's claims ({t.size} bytes, claims {', '.join(t.claims)})")
        if core:
            print(f"  {'livecourse token (C++ core, same claims)':<38} {core.token_us:>8.2f} us  1.00x")
            print(f"  {'PyJWT jwt.encode':<38} {t.pyjwt_us:>8.2f} us  {t.pyjwt_us / core.token_us:.2f}x the library's")
        else:
            print(f"  {'PyJWT jwt.encode':<38} {t.pyjwt_us:>8.2f} us")
        print(f"  {'binding Engine.token (with reads)':<38} {t.token_create_us:>8.2f} us  "
              f"{t.token_create_us / t.pyjwt_us:.2f}x PyJWT (session, roster and participant reads, token and link)")
        call, answer = ctypes_call_us()
        print(f"one join through Python, 1 thread, CPU us per join of the joining thread: binding {bind1.cpu_us:.1f} "
              f"= Python side {bind1.cpu_us - bare.cpu_us:.1f} + bare ctypes join {bare.cpu_us:.1f}; "
              f"a ctypes call and a {answer}-byte answer copy alone {call:.1f}")
        if core:
            layers = core.layers
            print("  in the core (livecourse-bench rush, CPU us per join): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in layers.items())
                  + f"; bare ctypes join - the core's C ABI join: {bare.cpu_us - core.one.cpu_us - layers['C ABI codec']:.1f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
