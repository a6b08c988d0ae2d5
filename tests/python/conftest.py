"""Fixtures for the Python binding's tests.

Run with Debian's interpreter (the one python3-pytest and python3-jwt are
installed for), against the C ABI library built by CMake:

    LIVECOURSE_LIBRARY=$PWD/build/capi/liblivecourse.so PYTHONPATH=bindings/python \
        /usr/bin/python3 -m pytest -q tests/python

Without those variables the tests use the package from the source tree and
the first liblivecourse.so found in a build directory of the repository.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "bindings" / "python"

if str(PACKAGE_DIR) not in sys.path:
    sys.path.insert(0, str(PACKAGE_DIR))

if not os.environ.get("LIVECOURSE_LIBRARY"):
    for build in sorted(ROOT.glob("build*/capi/liblivecourse.so")):
        os.environ["LIVECOURSE_LIBRARY"] = str(build)
        break

from livecourse import Engine  # noqa: E402

from support import FEED_SECRET, SECRET, Course, ManualClock, enroll_course, schedule  # noqa: E402


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "livecourse.db"


@pytest.fixture
def engine(db_path: Path, clock: ManualClock) -> Iterator[Engine]:
    with Engine(database=db_path, calendar={"feed_secret": FEED_SECRET}, clock=clock) as e:
        yield e


@pytest.fixture
def self_hosted(db_path: Path) -> Iterator[Engine]:
    """Self-hosted Jitsi (HS256 tokens), on the system clock so that exp/nbf are real."""
    jitsi = {
        "mode": "self_hosted",
        "server_url": "https://meet.example.org",
        "app_id": "lms",
        "app_secret": SECRET,
    }
    with Engine(database=db_path, jitsi=jitsi) as e:
        yield e


@pytest.fixture
def course(engine: Engine) -> Course:
    return enroll_course(engine)


@pytest.fixture
def live_session(engine: Engine, course: Course):
    session = schedule(engine, course)
    return engine.start_session(actor=course.instructor, session_id=session.id)

