#!/usr/bin/python3
"""An LMS-style host in Python: the seed's use case 2, "Cours en direct".

An instructor creates a weekly course (every Tuesday at 10:00, Paris time),
students enrolled in the LMS follow it live, the instructor shares the screen,
and the class is recorded. Enrollment stays in the LMS's own tables: the
library asks them through a roster callback.

Run it with the wheel installed (bindings/python/README.md):
    python examples/python_host.py [db]
or from the source tree after building: LIVECOURSE_LIBRARY=build/capi/liblivecourse.so \
    PYTHONPATH=bindings/python /usr/bin/python3 examples/python_host.py [db]
"""
import sys
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from livecourse import Engine, Roster, Role, SessionFull

# The LMS's own enrollment table.
LMS_ENROLLMENTS = {
    ("gov-101", "prof-diallo"): "instructor",
    **{("gov-101", f"student-{i}"): "student" for i in range(1, 6)},
}

roster = Roster(
    role_of=lambda course, user: LMS_ENROLLMENTS.get((course, user)),
    courses_of=lambda user: {c: r for (c, u), r in LMS_ENROLLMENTS.items() if u == user},
    count_students=lambda course: sum(1 for (c, _), r in LMS_ENROLLMENTS.items() if c == course and r == "student"),
)

JITSI = {  # a self-hosted Jitsi with prosody token authentication
    "mode": "self_hosted",
    "server_url": "https://meet.example.edu",
    "app_id": "lms",
    "app_secret": "an-example-secret-that-is-long-enough-0123456789",
}


def main(db: str) -> None:
    # The host's clock starts a week before the first class.
    now = [datetime(2026, 9, 1, 8, 0, tzinfo=timezone.utc)]
    with Engine(database=db, jitsi=JITSI, roster=roster, clock=lambda: now[0],
                participants_may_share_screen=False) as engine:
        prof = "prof-diallo"
        series = engine.create_series(
            actor=prof, course_id="gov-101", title="Cours: Introduction à la gouvernance",
            first_date=date(2026, 9, 1), start_time="10:00", duration_minutes=90,
            weekdays=["tuesday"], timezone="Europe/Paris", count=12,
            max_participants=4, recording_enabled=True)
        print(f"series {series.series.id}: {len(series.sessions)} Tuesdays")
        for s in series.sessions[6:9]:
            print(f"  {s.starts_at:%Y-%m-%d %H:%MZ}  room {s.jitsi_room_name}")

        first = series.sessions[0]
        now[0] = first.starts_at
        engine.start_session(actor=prof, session_id=first.id)
        host = engine.token(actor=prof, session_id=first.id)
        print("instructor joins as moderator (screen sharing, recording):", host.jitsi_join_url.split("#")[0])

        for i in range(1, 6):
            try:
                engine.join(actor=f"student-{i}", session_id=first.id)
                print(f"student-{i} joins")
            except SessionFull:
                print(f"student-{i}: the class is full")

        now[0] = first.starts_at + timedelta(minutes=90)
        end = engine.end_session(actor=prof, session_id=first.id,
                                 recording_url="https://recordings.example.edu/gov-101/1.mp4")
        st = end.statistics
        print(f"ended: {st.participants_count} present, {st.students_count}/{st.enrolled_count} students, "
              f"recording {st.recording_url}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as d:
            main(str(Path(d) / "host.db"))
