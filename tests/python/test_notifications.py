"""The notification outbox through the Python binding: planning, claims, acks,
failures, dead letters and retries, the in-app list and its read marker."""

from __future__ import annotations

import datetime as dt

import pytest

from livecourse import (
    Conflict,
    NotFound,
    Notification,
    NotificationKind,
    NotificationList,
    NotificationState,
    Role,
    ValidationError,
)

from support import T0, schedule


def test_creating_a_session_plans_reminders_for_every_member_but_the_actor(engine, course, clock):
    start = T0 + dt.timedelta(days=2)
    session = schedule(engine, course, start=start, timezone="Europe/Paris")
    assert engine.claim_notifications() == []  # nothing due yet

    clock.set(start - dt.timedelta(hours=24))
    claimed = engine.claim_notifications(limit=50, lease=dt.timedelta(seconds=30))
    assert {n.user_id for n in claimed} == {course.moderator, *course.students}
    for n in claimed:
        assert isinstance(n, Notification)
        assert n.kind is NotificationKind.REMINDER_24H
        assert n.session_id == session.id and n.course_id == course.id
        assert n.title == session.title and n.timezone == "Europe/Paris"
        assert n.starts_at == start and n.due_at == start - dt.timedelta(hours=24)
        assert n.attempts == 1 and n.state is NotificationState.PENDING
        assert n.next_attempt_at == clock() + dt.timedelta(seconds=30)
        assert n.join_url.endswith(f"/live-sessions/{session.id}/join")
        assert n.idempotency_key == f"reminder_24h:{session.id}:{int(start.timestamp())}:{n.user_id}"
        assert n.cancel_reason is None and n.delivered_at is None
    assert sorted(engine.ack_notifications([n.id for n in claimed])) == sorted(n.id for n in claimed)
    assert engine.ack_notifications([claimed[0].id]) == []


def test_cancel_and_start_notify_everyone_else(engine, course, clock):
    start = T0 + dt.timedelta(hours=3)
    cancelled = schedule(engine, course, start=start)
    engine.cancel_session(actor=course.instructor, session_id=cancelled.id, reason="Grève")
    notes = engine.claim_notifications(limit=50)
    assert {n.kind for n in notes} == {NotificationKind.SESSION_CANCELLED}
    assert {n.cancel_reason for n in notes} == {"Grève"}
    assert course.instructor not in {n.user_id for n in notes}
    engine.ack_notifications([n.id for n in notes])

    live = schedule(engine, course, start=start, title="Live one")
    clock.set(start)
    engine.start_session(actor=course.moderator, session_id=live.id)
    notes = engine.claim_notifications(limit=50)
    assert {n.kind for n in notes} == {NotificationKind.SESSION_LIVE}
    assert {n.user_id for n in notes} == {course.instructor, *course.students}


def test_late_enrollment_and_unenrollment(engine, course, clock):
    start = T0 + dt.timedelta(days=2)
    schedule(engine, course, start=start)
    engine.enroll(course_id=course.id, user_id="late", role=Role.STUDENT)
    engine.unenroll(course_id=course.id, user_id=course.students[0])
    pending = engine.list_dead_notifications(state=NotificationState.PENDING, limit=200).notifications
    users = [n.user_id for n in pending]
    assert users.count("late") == 2
    assert course.students[0] not in users


def test_failures_back_off_then_die_and_an_operator_retries(db_path, clock):
    from livecourse import Engine

    from support import enroll_course

    with Engine(database=db_path, clock=clock) as engine:
        # The default retry policy, set through the engine's configuration.
        course = enroll_course(engine, students=0)
        schedule(engine, course, start=T0 + dt.timedelta(hours=1))  # the moderator's 1 h reminder, due now
        (n,) = engine.claim_notifications()
        failed = engine.fail_notification(n.id, attempts=n.attempts, error="HTTP 500")
        assert failed.state is NotificationState.PENDING
        assert failed.last_error == "HTTP 500"
        assert dt.timedelta(seconds=2) <= failed.next_attempt_at - clock() <= dt.timedelta(seconds=5)
        with pytest.raises(Conflict) as stale:
            engine.fail_notification(n.id, attempts=n.attempts)
        assert stale.value.code == "not_claimed"
        with pytest.raises(NotFound):
            engine.fail_notification("424242")

        for _ in range(7):
            clock.set(failed.next_attempt_at)
            (n,) = engine.claim_notifications()
            failed = engine.fail_notification(n.id, attempts=n.attempts, retry_in=1)
        assert failed.state is NotificationState.DEAD and failed.attempts == 8
        dead = engine.list_dead_notifications()
        assert [d.id for d in dead.notifications] == [n.id] and dead.next_cursor is None

        retried = engine.retry_notification(n.id)
        assert retried.state is NotificationState.PENDING and retried.attempts == 0
        with pytest.raises(Conflict) as not_dead:
            engine.retry_notification(n.id)
        assert not_dead.value.code == "not_dead"
        (again,) = engine.claim_notifications()
        assert again.id == n.id and again.idempotency_key == n.idempotency_key


def test_in_app_list_and_read_marker(engine, course, clock):
    student = course.students[0]
    for i in range(3):
        schedule(engine, course, start=clock() + dt.timedelta(hours=1), title=f"S{i}")
        clock.advance(seconds=1)
    page = engine.list_notifications(actor=student, limit=2)
    assert isinstance(page, NotificationList)
    assert [n.title for n in page.notifications] == ["S2", "S1"]
    assert page.unread_count == 3 and page.read_up_to is None and page.next_cursor
    rest = engine.list_notifications(actor=student, cursor=page.next_cursor)
    assert [n.title for n in rest.notifications] == ["S0"] and rest.next_cursor is None

    marker = engine.mark_notifications_read(actor=student, up_to=page.notifications[1].id)
    assert marker.read_up_to == page.notifications[1].id and marker.unread_count == 1
    listed = engine.list_notifications(actor=student)
    assert [n.read for n in listed.notifications] == [False, True, True]
    with pytest.raises(NotFound) as other:
        engine.mark_notifications_read(actor=course.moderator, up_to=page.notifications[0].id)
    assert other.value.field == "up_to"
    with pytest.raises(ValidationError):
        engine.list_notifications(actor=student, cursor="nope")
