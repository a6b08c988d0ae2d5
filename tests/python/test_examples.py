"""The Python host example (examples/python_host.py) runs and tells the story of use case 2."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_python_host_example_walks_the_weekly_course(tmp_path):
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python_host.py"), str(tmp_path / "host.db")],
        check=True, capture_output=True, text=True, env=dict(os.environ), timeout=120,
    ).stdout
    assert "12 Tuesdays" in out
    # 10:00 Paris is 08:00Z in summer time and 09:00Z after the October change.
    assert "2026-10-13 08:00Z" in out and "2026-10-27 09:00Z" in out
    assert "jwt=" in out  # self-hosted mode: the instructor's link carries a token
    assert out.count(" joins\n") == 4 and "student-5: the class is full" in out
    assert "4/5 students" in out and "recording https://recordings.example.edu/gov-101/1.mp4" in out
