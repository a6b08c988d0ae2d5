"""The seed's three use cases, end to end through the Python binding."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from livecourse import (
    AttendanceOutcome,
    LiveRoster,
    PresenceSource,
    CalendarEvent,
    ChatType,
    Forbidden,
    JoinResult,
    Role,
    Session,
    SessionFilter,
    SessionStatus,
    ValidationError,
)
from support import UTC, enroll_course

PARIS = ZoneInfo("Europe/Paris")


def test_case_1_question_and_answer_session(engine, clock):
    """Q&A on Saturday 14:00, students join and ask, the instructor answers, 1 h."""
    course = enroll_course(engine, "gouvernance", students=4)
    prof, students = course.instructor, course.students
    saturday_14h = dt.datetime(2026, 3, 7, 14, 0, tzinfo=PARIS)
    clock.set(dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # created on the Monday before

    session = engine.create_session(
        actor=prof,
        course_id=course.id,
        title="Q&A sur la gouvernance",
        description="Venez avec vos questions",
        starts_at=saturday_14h,
        ends_at=saturday_14h + dt.timedelta(hours=1),
        timezone="Europe/Paris",
        max_participants=50,
    )
    assert isinstance(session, Session)
    assert session.status is SessionStatus.SCHEDULED
    assert session.starts_at == dt.datetime(2026, 3, 7, 13, 0, tzinfo=UTC)
    assert session.starts_at.tzinfo is UTC
    assert session.instructor_id == prof
    assert session.jitsi_room_name and session.jitsi_server_url == "https://meet.jit.si"

    # Students see it in their calendar and in the course's upcoming list.
    events = engine.calendar_events(actor=students[0], start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    assert [e.id for e in events] == [session.id]
    assert isinstance(events[0], CalendarEvent)
    assert events[0].type == "live_session" and events[0].status is SessionStatus.SCHEDULED
    upcoming = engine.list_sessions(actor=students[1], course_id=course.id, status=SessionFilter.UPCOMING)
    assert [s.id for s in upcoming] == [session.id]
    # The room name is a key to the room: students have it only from join().
    assert upcoming[0].jitsi_room_name is None and upcoming[0].raw["jitsi_room_name"] is None
    assert engine.get_session(actor=students[0], session_id=session.id).jitsi_room_name is None
    assert engine.get_session(actor=prof, session_id=session.id).jitsi_room_name == session.jitsi_room_name

    # Too early to join.
    with pytest.raises(Forbidden) as early:
        engine.join(actor=students[0], session_id=session.id)
    assert early.value.reason == "not_live"

    # Saturday 14:00: the instructor starts, the students join.
    clock.set(saturday_14h)
    live = engine.start_session(actor=prof, session_id=session.id)
    assert live.status is SessionStatus.LIVE
    assert live.actual_start_at == saturday_14h.astimezone(UTC)
    assert live.revision > session.revision
    prof_in = engine.join(actor=prof, session_id=session.id)
    joined = [engine.join(actor=s, session_id=session.id) for s in students]
    assert all(isinstance(j, JoinResult) and j.jitsi_room_name == session.jitsi_room_name for j in joined)
    assert prof_in.jitsi_join_url.startswith("https://meet.jit.si/")

    # Questions, and the instructor's answers.
    clock.advance(minutes=5)
    q1 = engine.post_chat(actor=students[0], session_id=session.id, type=ChatType.QUESTION, body="Qu'est-ce qu'un conseil d'administration ?")
    q2 = engine.post_chat(actor=students[1], session_id=session.id, type="question", body="Et la gouvernance publique ?")
    engine.post_chat(actor=students[2], session_id=session.id, body="Bonjour à tous")
    a1 = engine.post_chat(actor=prof, session_id=session.id, type=ChatType.ANSWER, body="L'organe qui...", reply_to=q1.id)
    assert q1.type is ChatType.QUESTION and a1.type is ChatType.ANSWER and a1.reply_to == q1.id
    assert a1.created_at == dt.datetime(2026, 3, 7, 13, 5, tzinfo=UTC)

    page = engine.list_chat(actor=students[3], session_id=session.id, limit=2)
    assert [m.id for m in page.messages] == [q1.id, q2.id]
    assert page.next_cursor
    rest = engine.list_chat(actor=students[3], session_id=session.id, cursor=page.next_cursor, limit=10)
    assert [m.body for m in rest.messages] == ["Bonjour à tous", "L'organe qui..."]
    assert [m.id for m in engine.iter_chat(actor=prof, session_id=session.id, page_size=1)] == [
        q1.id, q2.id, rest.messages[0].id, a1.id
    ]

    # One student leaves after 30 minutes; the session ends after one hour.
    clock.advance(minutes=25)
    assert engine.leave(actor=students[3], session_id=session.id) is True
    assert engine.leave(actor=students[3], session_id=session.id) is False
    # The instructor's page polls who is in the room.
    roster = engine.live_roster(actor=prof, session_id=session.id)
    assert isinstance(roster, LiveRoster) and roster.status is SessionStatus.LIVE
    assert roster.observed_at == dt.datetime(2026, 3, 7, 13, 30, tzinfo=UTC)
    assert [p.user_id for p in roster.participants] == sorted([prof, *students[:3]])
    assert all(p.connections == 1 and p.source is PresenceSource.CLIENT for p in roster.participants)
    assert {p.joined_at for p in roster.participants} == {saturday_14h.astimezone(UTC)}
    assert {p.user_id: p.role for p in roster.participants}[prof] is Role.INSTRUCTOR
    with pytest.raises(Forbidden):
        engine.live_roster(actor=students[0], session_id=session.id)
    clock.set(saturday_14h + dt.timedelta(hours=1))
    ended = engine.end_session(actor=prof, session_id=session.id)
    assert ended.session.status is SessionStatus.ENDED
    assert ended.session.actual_end_at == dt.datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
    stats = ended.statistics
    assert stats.session_id == session.id
    assert stats.actual_duration_seconds == 3600
    assert stats.actual_duration == dt.timedelta(hours=1)
    assert stats.participants_count == 5  # four students and the instructor
    assert stats.students_count == 4
    assert stats.enrolled_count == 4
    assert stats.attendance_rate == pytest.approx(1.0)
    assert stats.peak_concurrent == 5
    assert stats.average_presence_seconds == pytest.approx((4 * 3600 + 1800) / 5)
    assert stats.median_presence_seconds == pytest.approx(3600)
    assert engine.statistics(actor=prof, session_id=session.id) == stats

    rows = {r.user_id: r for r in engine.attendance(actor=course.moderator, session_id=session.id)}
    assert rows[students[3]].present_seconds == 1800 and rows[students[3]].is_present is False
    assert rows[students[3]].last_leave_at == dt.datetime(2026, 3, 7, 13, 30, tzinfo=UTC)
    assert rows[students[0]].present_seconds == 3600 and rows[students[0]].joins == 1
    assert rows[prof].role is Role.INSTRUCTOR and rows[students[0]].role is Role.STUDENT
    assert rows[students[0]].first_join_at == dt.datetime(2026, 3, 7, 13, 0, tzinfo=UTC)

    # Verdicts a gradebook can take (the default policy: 60% of the class,
    # late after 10 minutes, leaving more than 10 minutes early), provisional
    # while video-server reports may still arrive, final afterwards.
    verdicts = engine.attendance_outcomes(actor=prof, session_id=session.id)
    assert verdicts.final is False
    assert verdicts.policy["minimum_share"] == pytest.approx(0.6)
    assert verdicts.window_starts_at == dt.datetime(2026, 3, 7, 13, 0, tzinfo=UTC)
    by_student = {o.user_id: o for o in verdicts.outcomes}
    assert sorted(by_student) == sorted(students)
    assert [by_student[s].outcome for s in students[:3]] == [AttendanceOutcome.PRESENT] * 3
    gone = by_student[students[3]]
    assert gone.outcome is AttendanceOutcome.ABSENT
    assert (gone.counted_seconds, gone.required_seconds) == (1800, 2160)
    assert gone.reasons == ("below_minimum", "left_early")
    clock.advance(minutes=11)
    assert engine.attendance_outcomes(actor=course.moderator, session_id=session.id).final is True
    clock.set(saturday_14h + dt.timedelta(hours=1))
    with pytest.raises(Forbidden):
        engine.attendance_outcomes(actor=students[0], session_id=session.id)

    # The course's gradebook for March: one column (this session), one row per student.
    march = engine.course_attendance(actor=prof, course_id=course.id, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1))
    assert march.range_starts_at == dt.datetime(2026, 3, 1, tzinfo=UTC) and march.final is False
    assert march.range_ends_at == dt.datetime(2026, 4, 1, tzinfo=UTC)
    assert [c.session_id for c in march.sessions] == [session.id]
    assert march.sessions[0].status is SessionStatus.ENDED
    rows_by_student = {r.user_id: r for r in march.students}
    assert sorted(rows_by_student) == sorted(students)
    assert rows_by_student[students[0]].outcomes[0].outcome is AttendanceOutcome.PRESENT
    assert rows_by_student[students[0]].attendance_rate == pytest.approx(1.0)
    assert (rows_by_student[students[3]].absent, rows_by_student[students[3]].counted_seconds) == (1, 1800)
    assert rows_by_student[students[3]].attendance_rate == pytest.approx(0.0)
    # The instructor decides: the student who left was there by phone.
    decided = engine.override_attendance(actor=prof, session_id=session.id, user_id=students[3],
                                         outcome=AttendanceOutcome.PRESENT, reason="by phone after 30 min")
    assert decided.outcome is AttendanceOutcome.PRESENT and decided.decided_by == prof
    row3 = {o.user_id: o for o in engine.attendance_outcomes(actor=prof, session_id=session.id).outcomes}[students[3]]
    assert row3.outcome is AttendanceOutcome.PRESENT and row3.computed_outcome is AttendanceOutcome.ABSENT
    assert row3.decision is not None and row3.decision.reason == "by phone after 30 min"
    cell = {r.user_id: r for r in engine.course_attendance(
        actor=prof, course_id=course.id, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1)).students}[students[3]]
    assert cell.outcomes[0].overridden and cell.attendance_rate == pytest.approx(1.0)
    engine.override_attendance(actor=prof, session_id=session.id, user_id=students[3], outcome=None, reason="withdrawn")
    log = engine.attendance_override_log(actor=prof, session_id=session.id)
    assert [d.outcome for d in log] == [AttendanceOutcome.PRESENT, None]
    with pytest.raises(ValidationError) as bad:
        engine.override_attendance(actor=prof, session_id=session.id, user_id=students[3], outcome="maybe", reason="x")
    assert bad.value.field == "outcome"
    with pytest.raises(Forbidden):
        engine.course_attendance(actor=students[0], course_id=course.id, start=dt.date(2026, 3, 1), end=dt.date(2026, 4, 1))
    with pytest.raises(ValidationError) as backwards:
        engine.course_attendance(actor=prof, course_id=course.id, start=dt.date(2026, 4, 1), end=dt.date(2026, 3, 1))
    assert backwards.value.field == "to"

    # Afterwards: in the past sessions, no longer joinable.
    past = engine.list_sessions(actor=students[0], course_id=course.id, status="past")
    assert [s.id for s in past] == [session.id]
    with pytest.raises(Forbidden) as late:
        engine.join(actor=students[0], session_id=session.id)
    assert late.value.reason == "session_ended"


def test_case_2_weekly_course_series_every_tuesday(engine, clock):
    """Every Tuesday 10:00 Europe/Paris, recorded; DST keeps the wall-clock time."""
    course = enroll_course(engine, "intro-101", students=3)
    prof = course.instructor
    clock.set(dt.datetime(2026, 8, 20, 12, 0, tzinfo=UTC))
    result = engine.create_series(
        actor=prof,
        course_id=course.id,
        title="Cours 1 : Introduction",
        description="Le cours hebdomadaire",
        first_date=dt.date(2026, 9, 1),
        start_time=dt.time(10, 0),
        duration_minutes=dt.timedelta(minutes=90),
        weekdays=["tuesday"],
        timezone="Europe/Paris",
        count=12,
        recording_enabled=True,
        max_participants=30,
    )
    sessions = result.sessions
    assert len(sessions) == 12
    assert result.series.course_id == course.id and result.series.id
    assert isinstance(result.series.rule, str)
    for s in sessions:
        local = s.starts_at.astimezone(PARIS)
        assert (local.weekday(), local.hour, local.minute) == (1, 10, 0)  # Tuesday 10:00 in Paris
        assert s.ends_at - s.starts_at == dt.timedelta(minutes=90)
        assert s.recording_enabled and s.series_id == result.series.id
        assert s.timezone == "Europe/Paris" and s.status is SessionStatus.SCHEDULED
        assert s.max_participants == 30
    # Summer time (UTC+2) until 25 October 2026, then winter time (UTC+1).
    assert sessions[0].starts_at == dt.datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    assert sessions[7].starts_at == dt.datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
    assert sessions[8].starts_at == dt.datetime(2026, 10, 27, 9, 0, tzinfo=UTC)
    assert len({s.jitsi_room_name for s in sessions}) == 12

    # Students enrolled later see every occurrence in their calendar.
    engine.enroll(course_id=course.id, user_id="late-student", role=Role.STUDENT)
    events = engine.calendar_events(actor="late-student", start=dt.date(2026, 9, 1), end=dt.date(2026, 12, 1))
    assert [e.id for e in events] == [s.id for s in sessions]  # the last one is on 17 November

    # Each Tuesday the instructor starts the class, students follow, it is recorded.
    first = sessions[0]
    clock.set(first.starts_at)
    engine.start_session(actor=prof, session_id=first.id)
    for s in course.students:
        engine.join(actor=s, session_id=first.id)
    clock.advance(minutes=90)
    ended = engine.end_session(actor=prof, session_id=first.id, recording_url="https://recordings.example.org/intro-101/1.mp4")
    assert ended.session.recording_url == "https://recordings.example.org/intro-101/1.mp4"
    assert ended.statistics.recording_url == ended.session.recording_url
    assert ended.statistics.students_count == 3
    # Students find the recording on the past session.
    seen = engine.get_session(actor=course.students[0], session_id=first.id)
    assert seen.recording_url == ended.session.recording_url

    # The term is cut short: cancel the rest from November on (3, 10 and 17 November).
    cancelled = engine.cancel_series(
        actor=prof, series_id=result.series.id, from_=dt.datetime(2026, 11, 1, tzinfo=PARIS), reason="Fin anticipée"
    )
    assert [s.id for s in cancelled] == [s.id for s in sessions[9:]]
    assert all(s.status is SessionStatus.CANCELLED and s.cancel_reason == "Fin anticipée" for s in cancelled)
    still = engine.list_sessions(actor=prof, course_id=course.id, status=SessionFilter.UPCOMING)
    assert len(still) == 12 - 1 - len(cancelled)


def test_case_3_revision_session_the_day_before_the_exam(engine, clock):
    """A recorded revision session on the eve of the exam; students ask, the instructor clarifies."""
    course = enroll_course(engine, "droit-201", students=6)
    prof, students = course.instructor, course.students
    exam = dt.datetime(2026, 6, 16, 9, 0, tzinfo=PARIS)
    eve = dt.datetime.combine(exam.date() - dt.timedelta(days=1), dt.time(18, 0), tzinfo=PARIS)
    clock.set(dt.datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    session = engine.create_session(
        actor=prof,
        course_id=course.id,
        title="Révision avant examen",
        starts_at=eve,
        ends_at=eve + dt.timedelta(hours=2),
        timezone="Europe/Paris",
        recording_enabled=True,
        room_password=True,
    )
    assert session.starts_at == dt.datetime(2026, 6, 15, 16, 0, tzinfo=UTC)
    assert "password" not in str(dict(session.raw))  # the password is never part of a session

    # The moderator (a teaching assistant) may start it too.
    clock.set(eve)
    engine.start_session(actor=course.moderator, session_id=session.id)
    joined = [engine.join(actor=s, session_id=session.id) for s in students[:5]]
    assert len({j.jitsi_room_password for j in joined}) == 1 and joined[0].jitsi_room_password
    clock.advance(minutes=10)
    q = engine.post_chat(actor=students[0], session_id=session.id, type=ChatType.QUESTION, body="L'article 1240 ?")
    engine.post_chat(actor=prof, session_id=session.id, type=ChatType.ANSWER, body="Responsabilité délictuelle.", reply_to=q.id)
    # A sixth enrolled student did not come.
    clock.set(eve + dt.timedelta(hours=2))
    ended = engine.end_session(actor=prof, session_id=session.id, recording_url="https://recordings.example.org/revision.mp4")
    assert ended.session.status is SessionStatus.ENDED
    assert ended.statistics.students_count == 5
    assert ended.statistics.enrolled_count == 6
    assert ended.statistics.attendance_rate == pytest.approx(5 / 6)
    # Recorded for later consultation, by every enrolled student, even the absent one.
    later = engine.get_session(actor=students[5], session_id=session.id)
    assert later.recording_url == "https://recordings.example.org/revision.mp4"
    assert later.recording_enabled
