// The seed's first use case, end to end through the Node binding: an
// instructor schedules "Q&A sur la gouvernance" for Saturday 14:00 (Paris),
// students see it in their calendar, the instructor starts it, students join
// and ask questions, the instructor answers, and the session ends after an
// hour with statistics and attendance.
import assert from 'node:assert/strict';
import test from 'node:test';

import { HOUR, MINUTE, ManualClock, T0, enrollCourse, failure, openEngine } from './support.mjs';

test('Q&A session: schedule, calendar, start, join, ask, answer, end, statistics', async (t) => {
  const clock = new ManualClock(new Date(T0.getTime() - 2 * 24 * HOUR));  // Thursday before
  const engine = await openEngine(t, { clock });
  const course = await enrollCourse(engine, 'gov-101', 3);
  const [ana, kofi, lea] = course.students;
  const instructor = { user_id: course.instructor, name: 'Aminata Diallo', email: 'aminata@example.edu' };

  // 1. The instructor schedules it (Saturday 14:00 in Paris is 13:00Z).
  const session = await engine.createSession(instructor, course.id, {
    title: 'Q&A sur la gouvernance',
    description: 'Bring your questions about chapters 1 to 3.',
    starts_at: '2026-03-07T13:00:00Z',
    ends_at: new Date('2026-03-07T14:00:00Z'),
    timezone: 'Europe/Paris',
    max_participants: 50,
    room_password: true,
  });
  assert.equal(session.status, 'scheduled');
  assert.equal(session.course_id, course.id);
  assert.equal(session.instructor_id, course.instructor);
  assert.ok(session.starts_at instanceof Date);
  assert.equal(session.starts_at.toISOString(), '2026-03-07T13:00:00.000Z');
  assert.equal(session.ends_at.getTime() - session.starts_at.getTime(), HOUR);
  assert.equal(session.timezone, 'Europe/Paris');
  assert.equal(session.actual_start_at, null);
  assert.equal(session.revision, 1);
  assert.ok(session.created_at instanceof Date);
  assert.equal(session.created_at.getTime(), clock.now().getTime());
  assert.match(session.jitsi_room_name, /\S{10,}/);
  assert.ok(!('room_password' in session), 'the room password is never part of a session');

  // 2. Students see it: in the course listing and in their calendar.
  const upcoming = await engine.listSessions(ana, course.id, 'upcoming');
  assert.deepEqual(upcoming.map((s) => s.id), [session.id]);
  // The room name is a key to the room: students have it only from join().
  assert.equal(upcoming[0].jitsi_room_name, null);
  assert.equal((await engine.getSession(ana, session.id)).jitsi_room_name, null);
  assert.equal((await engine.getSession(instructor, session.id)).jitsi_room_name, session.jitsi_room_name);
  const events = await engine.calendarEvents(ana, { start: '2026-03-01', end: new Date('2026-04-01T00:00:00Z') });
  assert.equal(events.length, 1);
  assert.equal(events[0].type, 'live_session');
  assert.equal(events[0].id, session.id);
  assert.equal(events[0].status, 'scheduled');
  assert.ok(events[0].starts_at instanceof Date);
  assert.equal(events[0].starts_at.getTime(), session.starts_at.getTime());
  assert.ok(events[0].join_url.includes(session.id));

  // Before the start, joining is refused.
  const early = await failure(engine.join(ana, session.id));
  assert.equal(early.code, 'not_live');

  // 3. Saturday 14:00: the instructor starts it.
  clock.set(T0);
  const live = await engine.startSession(instructor, session.id);
  assert.equal(live.status, 'live');
  assert.equal(live.actual_start_at.getTime(), T0.getTime());
  assert.equal(live.revision, 2);
  const host = await engine.join(instructor, session.id);
  assert.equal(host.session_id, session.id);
  assert.ok(host.jitsi_join_url.includes(session.jitsi_room_name));

  // 4. Students join, one a minute, with the room password.
  for (const student of [ana, kofi, lea]) {
    const joined = await engine.join(student, session.id);
    assert.equal(joined.jitsi_room_name, session.jitsi_room_name);
    assert.equal(typeof joined.jitsi_room_password, 'string');
    assert.ok(joined.jitsi_room_password.length >= 8);
    clock.advance(MINUTE);
  }
  assert.equal((await engine.listSessions(kofi, course.id, 'live')).length, 1);

  // 5. Questions and answers in the chat.
  const question = await engine.postChat(kofi, session.id, { type: 'question', body: 'Who appoints the board?' });
  assert.equal(question.type, 'question');
  assert.equal(question.user_id, kofi);
  assert.ok(question.created_at instanceof Date);
  assert.equal(question.reply_to, null);
  clock.advance(MINUTE);
  const answer = await engine.postChat(instructor, session.id, {
    type: 'answer',
    body: 'The general assembly does.',
    reply_to: question.id,
  });
  assert.equal(answer.reply_to, question.id);
  await engine.postChat(ana, session.id, 'Merci !');
  const page = await engine.listChat(lea, session.id);
  assert.deepEqual(page.messages.map((m) => m.type), ['question', 'answer', 'text']);
  assert.deepEqual(page.messages.map((m) => m.body), ['Who appoints the board?', 'The general assembly does.', 'Merci !']);
  assert.equal(page.next_cursor, null);
  const first = await engine.listChat(lea, session.id, { limit: 2 });
  assert.equal(first.messages.length, 2);
  assert.equal(typeof first.next_cursor, 'string');
  const rest = await engine.listChat(lea, session.id, { limit: 2, cursor: first.next_cursor });
  assert.deepEqual(rest.messages.map((m) => m.body), ['Merci !']);

  // 6. Léa leaves early; live attendance shows it.
  clock.advance(20 * MINUTE);
  assert.equal(await engine.leave(lea, session.id), true);
  assert.equal(await engine.leave(lea, session.id), false);
  const during = await engine.attendance(course.moderator, session.id);
  const leaRow = during.find((r) => r.user_id === lea);
  assert.equal(leaRow.is_present, false);
  assert.ok(leaRow.last_leave_at instanceof Date);
  assert.equal(leaRow.present_seconds, 22 * 60);  // joined at +2 min, left at +24 min
  // The instructor's page polls who is in the room: Léa is gone.
  const roster = await engine.liveRoster(instructor, session.id);
  assert.equal(roster.status, 'live');
  assert.ok(roster.observed_at instanceof Date);
  assert.equal(roster.observed_at.getTime(), clock.now().getTime());
  assert.deepEqual(roster.participants.map((p) => p.user_id), [course.instructor, ana, kofi].sort());
  const kofiIn = roster.participants.find((p) => p.user_id === kofi);
  assert.equal(kofiIn.role, 'student');
  assert.equal(kofiIn.source, 'client');
  assert.equal(kofiIn.connections, 1);
  assert.equal(kofiIn.joined_at.getTime(), T0.getTime() + MINUTE);  // kofi joined second
  assert.equal((await failure(engine.liveRoster(ana, session.id))).code, 'forbidden');

  // 7. After an hour the instructor ends it: statistics.
  clock.set(new Date(T0.getTime() + HOUR));
  const ended = await engine.endSession(instructor, session.id, 'https://recordings.example.edu/qa.mp4');
  assert.equal(ended.status, 'ended');
  assert.equal(ended.actual_end_at.getTime(), T0.getTime() + HOUR);
  assert.equal(ended.recording_url, 'https://recordings.example.edu/qa.mp4');
  const stats = ended.statistics;
  assert.equal(stats.session_id, session.id);
  assert.equal(stats.actual_duration_seconds, 3600);
  assert.equal(stats.participants_count, 4);
  assert.equal(stats.students_count, 3);
  assert.equal(stats.enrolled_count, 3);
  assert.equal(stats.attendance_rate, 1);
  assert.equal(stats.recording_url, 'https://recordings.example.edu/qa.mp4');
  assert.deepEqual(await engine.statistics(instructor, session.id), stats);

  const rows = await engine.attendance(instructor, session.id);
  const byUser = Object.fromEntries(rows.map((r) => [r.user_id, r]));
  assert.equal(byUser[course.instructor].present_seconds, 3600);
  assert.equal(byUser[ana].present_seconds, 3600);
  assert.equal(byUser[ana].role, 'student');
  assert.equal(byUser[ana].joins, 1);
  assert.equal(byUser[ana].first_join_at.getTime(), T0.getTime());
  assert.equal(byUser[ana].is_present, false);
  assert.equal(byUser[kofi].present_seconds, 3540);
  assert.equal(byUser[lea].present_seconds, 22 * 60);
  assert.equal(byUser[ana].source, 'client');

  // Verdicts under the default policy (60%, late after 10 min, leaving more
  // than 10 min early): provisional just after the end.
  const verdicts = await engine.attendanceOutcomes(instructor, session.id);
  assert.equal(verdicts.state, 'provisional');
  assert.ok(verdicts.window_starts_at instanceof Date);
  const outcome = Object.fromEntries(verdicts.outcomes.map((o) => [o.user_id, o]));
  assert.deepEqual(Object.keys(outcome).sort(), [ana, kofi, lea].sort());
  assert.equal(outcome[ana].outcome, 'present');
  assert.equal(outcome[kofi].outcome, 'present');
  assert.equal(outcome[lea].outcome, 'absent');
  assert.equal(outcome[lea].counted_seconds, 22 * 60);
  assert.deepEqual(outcome[lea].reasons, ['below_minimum', 'left_early']);
  assert.equal((await failure(engine.attendanceOutcomes(ana, session.id))).code, 'forbidden');

  // The course's gradebook over the day: one column, one row per student.
  const day = new Date(Date.UTC(T0.getUTCFullYear(), T0.getUTCMonth(), T0.getUTCDate()));
  const nextDay = new Date(day.getTime() + 24 * HOUR);
  const report = await engine.courseAttendance(instructor, course.id, { from: day, to: nextDay });
  assert.equal(report.state, 'provisional');
  assert.equal(report.range_starts_at.getTime(), day.getTime());
  assert.equal(report.range_ends_at.getTime(), nextDay.getTime());
  assert.deepEqual(report.sessions.map((c) => c.session_id), [session.id]);
  assert.ok(report.sessions[0].starts_at instanceof Date);
  const reportRow = Object.fromEntries(report.students.map((r) => [r.user_id, r]));
  assert.deepEqual(Object.keys(reportRow).sort(), [ana, kofi, lea].sort());
  assert.deepEqual(reportRow[lea].outcomes, [{ session_id: session.id, outcome: 'absent', counted_seconds: 22 * 60, overridden: false }]);
  assert.equal(reportRow[lea].attendance_rate, 0);
  assert.equal(reportRow[ana].present, 1);
  assert.equal(reportRow[ana].attendance_rate, 1);
  assert.equal((await failure(engine.courseAttendance(ana, course.id, { from: day, to: nextDay }))).code, 'forbidden');
  // The instructor decides for Léa, then withdraws it: both logged.
  const decided = await engine.overrideAttendance(instructor, session.id, lea, 'late', 'on the phone');
  assert.equal(decided.outcome, 'late');
  assert.ok(decided.decided_at instanceof Date);
  const leaNow = (await engine.attendanceOutcomes(instructor, session.id)).outcomes.find((o) => o.user_id === lea);
  assert.equal(leaNow.outcome, 'late');
  assert.equal(leaNow.computed_outcome, 'absent');
  assert.equal(leaNow.decision.reason, 'on the phone');
  await engine.overrideAttendance(instructor, session.id, lea, null, 'withdrawn');
  assert.deepEqual((await engine.attendanceOverrideLog(instructor, session.id)).map((d) => d.outcome), ['late', null]);
  assert.equal((await failure(engine.overrideAttendance(ana, session.id, lea, 'present', 'me'))).code, 'forbidden');
  const backwards = await failure(engine.courseAttendance(instructor, course.id, { from: nextDay, to: day }));
  assert.equal(backwards.code, 'invalid_argument');
  assert.equal(backwards.field, 'to');

  // After the session: listed as past, no longer joinable.
  assert.deepEqual((await engine.listSessions(ana, course.id, 'past')).map((s) => s.id), [session.id]);
  assert.equal((await failure(engine.join(ana, session.id))).code, 'session_ended');
  assert.equal((await engine.getSession(ana, session.id)).status, 'ended');
});

test('the instructor edits, then cancels a session; students see why', async (t) => {
  const clock = new ManualClock(new Date(T0.getTime() - 24 * HOUR));
  const engine = await openEngine(t, { clock });
  const course = await enrollCourse(engine);
  const s = await engine.createSession(course.instructor, course.id, {
    title: 'Révision avant examen',
    starts_at: T0,
    ends_at: new Date(T0.getTime() + HOUR),
  });
  const moved = await engine.updateSession(course.instructor, s.id, {
    starts_at: new Date(T0.getTime() + HOUR),
    ends_at: new Date(T0.getTime() + 3 * HOUR),
    revision: s.revision,
  });
  assert.equal(moved.revision, 2);
  assert.equal(moved.starts_at.getTime(), T0.getTime() + HOUR);
  assert.ok(moved.updated_at instanceof Date);
  const cancelled = await engine.cancelSession(course.instructor, s.id, 'Instructor ill');
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.cancel_reason, 'Instructor ill');
  const seen = await engine.getSession(course.students[0], s.id);
  assert.equal(seen.cancel_reason, 'Instructor ill');
  assert.equal((await failure(engine.join(course.students[0], s.id))).code, 'session_cancelled');
});
