"""Real threads: exact seat admission under a rush, and foreign calls that release the GIL."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from livecourse import Engine, EngineClosed, Role, Roster, SessionFull
from support import T0, enroll_course, schedule

THREADS = 16
SEATS = 50


def test_sixteen_threads_rush_a_fifty_seat_session(engine, course, clock):
    students = [f"rush-{i:03d}" for i in range(THREADS * 5)]  # 80 students for 50 seats
    for s in students:
        engine.enroll(course_id=course.id, user_id=s, role=Role.STUDENT)
    session = schedule(engine, course, max_participants=SEATS)
    engine.start_session(actor=course.instructor, session_id=session.id)

    start = threading.Barrier(THREADS)
    outcomes: Counter = Counter()
    admitted = []
    errors = []
    lock = threading.Lock()

    def rush(mine):
        start.wait()
        for user in mine:
            try:
                result = engine.join(actor=user, session_id=session.id)
                with lock:
                    outcomes["admitted"] += 1
                    admitted.append((user, result.jitsi_room_name))
            except SessionFull:
                with lock:
                    outcomes["full"] += 1
            except Exception as exc:  # pragma: no cover - reported below
                with lock:
                    errors.append(exc)

    threads = [threading.Thread(target=rush, args=(students[i::THREADS],)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert outcomes == {"admitted": SEATS, "full": len(students) - SEATS}
    assert len({u for u, _ in admitted}) == SEATS
    # The store agrees: exactly 50 students present, and staff still get in.
    engine.join(actor=course.instructor, session_id=session.id)
    clock.advance(minutes=1)
    stats = engine.statistics(actor=course.instructor, session_id=session.id)
    assert stats.students_count == SEATS and stats.peak_concurrent == SEATS + 1
    rows = engine.attendance(actor=course.instructor, session_id=session.id)
    assert sorted(r.user_id for r in rows if r.role is Role.STUDENT) == sorted(u for u, _ in admitted)


def test_two_engines_on_one_database_share_the_seats(tmp_path, clock):
    path = tmp_path / "shared.db"
    with Engine(database=path, clock=clock) as a, Engine(database=path, clock=clock) as b:
        course = enroll_course(a, students=0)
        users = [f"u{i}" for i in range(40)]
        for u in users:
            a.enroll(course_id=course.id, user_id=u)
        session = schedule(a, course, max_participants=25)
        b.start_session(actor=course.instructor, session_id=session.id)
        full = Counter()

        def go(engine, mine):
            for u in mine:
                try:
                    engine.join(actor=u, session_id=session.id)
                    full["in"] += 1
                except SessionFull:
                    full["full"] += 1

        threads = [threading.Thread(target=go, args=((a, b)[i % 2], users[i::8])) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert full == {"in": 25, "full": 15}


def test_asyncio_to_thread_joins_run_in_parallel(tmp_path, clock):
    """Eight joins are inside the library at the same moment: the roster hook of each
    waits on a barrier that only opens once all eight are there."""
    n = 8
    gate = threading.Barrier(n, timeout=20)
    armed = threading.Event()

    def role_of(course_id, user_id):
        if user_id == "prof":
            return Role.INSTRUCTOR
        if armed.is_set():
            gate.wait()  # raises BrokenBarrierError (-> HostCallbackError) if the joins were serialised
        return Role.STUDENT

    with Engine(database=tmp_path / "par.db", roster=Roster(role_of=role_of), clock=clock) as engine:
        session = engine.create_session(actor="prof", course_id="c", title="t", starts_at=T0,
                                        ends_at=T0 + dt.timedelta(hours=1))
        engine.start_session(actor="prof", session_id=session.id)
        armed.set()

        async def main():
            # The default executor has min(32, cpus + 4) threads: fewer than n on a small machine.
            asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=n))
            return await asyncio.gather(
                *(asyncio.to_thread(engine.join, actor=f"s{i}", session_id=session.id) for i in range(n))
            )

        results = asyncio.run(main())
        assert [r.session_id for r in results] == [session.id] * n


def test_event_loop_keeps_running_while_joins_wait_in_the_library(tmp_path, clock):
    """The GIL is released during foreign calls: while joins are blocked inside the
    library (another connection holds SQLite's write lock), the event loop ticks."""
    path = tmp_path / "gil.db"
    with Engine(database=path, clock=clock) as engine:
        course = enroll_course(engine, students=6)
        session = schedule(engine, course)
        engine.start_session(actor=course.instructor, session_id=session.id)

        blocker = sqlite3.connect(str(path), timeout=10, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # the write lock: joins wait in SQLite's busy handler

        async def main():
            joins = [asyncio.create_task(asyncio.to_thread(engine.join, actor=s, session_id=session.id))
                     for s in course.students]
            ticks = 0
            started = time.monotonic()
            while time.monotonic() - started < 0.6:
                await asyncio.sleep(0.01)
                ticks += 1
            assert not any(j.done() for j in joins), "joins should be waiting for the write lock"
            blocker.execute("ROLLBACK")
            results = await asyncio.gather(*joins)
            return ticks, results

        try:
            ticks, results = asyncio.run(main())
        finally:
            if blocker.in_transaction:
                blocker.execute("ROLLBACK")
            blocker.close()
        # With the GIL held by a blocked foreign call the loop would have frozen.
        assert ticks >= 20
        assert len(results) == len(course.students)


def test_python_threads_progress_during_a_blocked_call(tmp_path, clock):
    workers = 4
    path = tmp_path / "progress.db"
    with Engine(database=path, clock=clock) as engine:
        course = enroll_course(engine, students=workers)
        session = schedule(engine, course)
        engine.start_session(actor=course.instructor, session_id=session.id)
        blocker = sqlite3.connect(str(path), timeout=10, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        done = []
        threads = [threading.Thread(target=lambda u=u: done.append(engine.join(actor=u, session_id=session.id)))
                   for u in course.students]
        for t in threads:
            t.start()
        counted = 0
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            counted += 1  # pure Python work on the main thread
        assert not done
        blocker.execute("ROLLBACK")
        blocker.close()
        for t in threads:
            t.join()
        assert len(done) == workers and counted > 10_000


def test_close_waits_for_calls_in_flight(tmp_path, clock):
    entered, release = threading.Event(), threading.Event()

    def role_of(course_id, user_id):
        if user_id == "slow":
            entered.set()
            release.wait(10)
        return Role.INSTRUCTOR if user_id == "prof" else Role.STUDENT

    engine = Engine(database=tmp_path / "close.db", roster=role_of, clock=clock)
    session = engine.create_session(actor="prof", course_id="c", title="t", starts_at=T0,
                                    ends_at=T0 + dt.timedelta(hours=1))
    engine.start_session(actor="prof", session_id=session.id)
    results = []
    caller = threading.Thread(target=lambda: results.append(engine.join(actor="slow", session_id=session.id)))
    caller.start()
    assert entered.wait(10)
    closer = threading.Thread(target=engine.close)
    closer.start()
    closer.join(0.3)
    assert closer.is_alive(), "close() must wait for the join in flight"
    release.set()
    caller.join(10)
    closer.join(10)
    assert not closer.is_alive() and engine.closed
    assert results and results[0].session_id == session.id

    with pytest.raises(EngineClosed):
        engine.join(actor="s2", session_id=session.id)
