"""The package itself: loading and ABI checks, API completeness, README.

The wheel (pip wheel, then pip install into a fresh venv) is ctest's
package_wheel (tests/package/check_wheel.sh)."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import livecourse
from livecourse import Engine

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "bindings" / "python"
HEADER = ROOT / "capi" / "include" / "livecourse.h"

# Each operation of the header -> the Engine method that wraps it.
METHODS = {
    "roster_enroll": "enroll",
    "roster_unenroll": "unenroll",
    "roster_set_role": "set_role",
    "roster_get_role": "role_of",
    "user_put": "put_user",
    "session_create": "create_session",
    "session_get": "get_session",
    "session_list": "list_sessions",
    "session_update": "update_session",
    "session_cancel": "cancel_session",
    "session_start": "start_session",
    "session_end": "end_session",
    "session_join": "join",
    "session_leave": "leave",
    "token_create": "token",
    "attendance_get": "attendance",
    "statistics_get": "statistics",
    "attendance_outcomes_get": "attendance_outcomes",
    "presence_roster_get": "live_roster",
    "course_attendance_get": "course_attendance",
    "attendance_override_set": "override_attendance",
    "attendance_override_log": "attendance_override_log",
    "presence_room_census": "room_census",
    "chat_post": "post_chat",
    "chat_list": "list_chat",
    "series_create": "create_series",
    "series_cancel": "cancel_series",
    "calendar_query": "calendar_events",
    "calendar_feed": "calendar_feed",
    "calendar_feed_by_token": "calendar_feed_by_token",
    "feed_token_get": "feed_token",
    "feed_token_rotate": "rotate_feed_token",
    "presence_jitsi_event": "jitsi_event",
    "presence_jaas_webhook": "jaas_webhook",
    "presence_heartbeat": "heartbeat",
    "recording_set": "set_recording",
    "notification_claim": "claim_notifications",
    "notification_ack": "ack_notifications",
    "notification_fail": "fail_notification",
    "notification_list": "list_notifications",
    "notification_mark_read": "mark_notifications_read",
    "notification_dead_list": "list_dead_notifications",
    "notification_retry": "retry_notification",
}


def _run(code: str, env_extra=None, cwd=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_every_header_operation_is_wrapped():
    declared = re.findall(r"^LC_OPERATION\((lc_\w+)\);", HEADER.read_text(), flags=re.M)
    assert declared, "no operations found in the header"
    names = [d[len("lc_"):] for d in declared]
    assert sorted(names) == sorted(METHODS) == sorted(livecourse._library.OPERATIONS)
    for op, method in METHODS.items():
        assert callable(getattr(Engine, method)), method


def test_every_exported_function_has_a_prototype():
    lib = livecourse._library.LIB
    names = set(re.findall(r"\b(lc_\w+)\s*\(", HEADER.read_text())) - {"lc_course_sink"}
    names |= {"lc_" + op for op in METHODS}
    for name in sorted(names):
        fn = getattr(lib, name)
        assert fn.argtypes is not None, name
        assert fn.restype is not None or name in ("lc_free", "lc_engine_close"), name


def test_abi_and_version():
    assert livecourse.library_abi_version() == livecourse.ABI_VERSION == 1
    assert re.fullmatch(r"\d+\.\d+\.\d+", livecourse.library_version())
    assert livecourse.library_version() == livecourse.__version__
    assert os.path.exists(livecourse.LIBRARY_PATH)


def test_results_are_frozen(engine, course):
    from support import schedule

    s = schedule(engine, course)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.title = "changed"  # type: ignore[misc]
    assert hash(s) == hash(engine.get_session(actor=course.instructor, session_id=s.id))
    with pytest.raises(TypeError):
        s.raw["title"] = "changed"  # type: ignore[index]


def test_missing_library_is_a_clear_import_error(tmp_path):
    missing = tmp_path / "nowhere" / "liblivecourse.so"
    env = {"LIVECOURSE_LIBRARY": str(missing), "PYTHONPATH": str(PACKAGE_DIR)}
    r = _run("import livecourse", env)
    assert r.returncode != 0
    assert "LibraryNotFoundError" in r.stderr and "LIVECOURSE_LIBRARY" in r.stderr and str(missing) in r.stderr
    r = _run("try:\n import livecourse\nexcept ImportError as e:\n print('caught', type(e).__name__)\n", env)
    assert r.stdout.strip() == "caught LibraryNotFoundError"


def test_wrong_abi_version_is_refused(tmp_path):
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    assert cc, "a C compiler is part of this project's toolchain"
    src = tmp_path / "fake.c"
    src.write_text("int lc_abi_version(void) { return 99; }\n")
    lib = tmp_path / "liblivecourse.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    r = _run(
        "try:\n import livecourse\nexcept ImportError as e:\n print(type(e).__name__, e)\n",
        {"LIVECOURSE_LIBRARY": str(lib), "PYTHONPATH": str(PACKAGE_DIR)},
    )
    assert r.stdout.startswith("AbiMismatchError"), r.stderr
    assert "ABI version 99" in r.stdout and "ABI version 1" in r.stdout


def test_library_next_to_the_package_is_found(tmp_path):
    pkg = tmp_path / "site" / "livecourse"
    shutil.copytree(PACKAGE_DIR / "livecourse", pkg)
    shutil.copy(livecourse.LIBRARY_PATH, pkg / "liblivecourse.so")
    env = {k: v for k, v in os.environ.items() if k != "LIVECOURSE_LIBRARY"}
    env["PYTHONPATH"] = str(tmp_path / "site")
    r = subprocess.run([sys.executable, "-c", "import livecourse; print(livecourse.LIBRARY_PATH)"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(pkg / "liblivecourse.so")


def test_library_on_the_loader_path_is_found(tmp_path):
    libdir = tmp_path / "lib"
    libdir.mkdir()
    shutil.copy(livecourse.LIBRARY_PATH, libdir / "liblivecourse.so.0")  # the SONAME, as a package installs it
    env = {k: v for k, v in os.environ.items() if k != "LIVECOURSE_LIBRARY"}
    env["PYTHONPATH"] = str(PACKAGE_DIR)
    env["LD_LIBRARY_PATH"] = str(libdir)
    r = subprocess.run([sys.executable, "-c", "import livecourse; print(livecourse.library_version())"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == livecourse.__version__


def _readme_quick_start() -> str:
    text = (PACKAGE_DIR / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README.md has no ```python block"
    return blocks[0]


def test_readme_quick_start_runs_verbatim(tmp_path):
    code = _readme_quick_start()
    assert len(code.strip().splitlines()) <= 10
    r = _run(code, {"PYTHONPATH": str(PACKAGE_DIR)}, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith("https://meet.jit.si/"), r.stdout
    assert any(p.suffix == ".db" for p in tmp_path.iterdir())  # the temp dir held its database

