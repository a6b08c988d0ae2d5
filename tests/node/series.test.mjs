// The seed's second use case: a weekly course ("every Tuesday at 10:00"),
// across a daylight-saving change, in calendars and iCal feeds.
import assert from 'node:assert/strict';
import test from 'node:test';

import { ManualClock, enrollCourse, failure, openEngine } from './support.mjs';

const AUGUST = new Date('2026-08-20T12:00:00Z');

test('a weekly series keeps 10:00 Paris time across the DST change', async (t) => {
  const clock = new ManualClock(AUGUST);
  const engine = await openEngine(t, { clock });
  const course = await enrollCourse(engine, 'law-201', 2);

  const { series, sessions } = await engine.createSeries(course.instructor, course.id, {
    title: 'Cours 1: Introduction',
    timezone: 'Europe/Paris',
    first_date: '2026-09-01',
    start_time: '10:00',
    duration_minutes: 90,
    weekdays: ['tuesday'],
    count: 12,
    max_participants: 30,
    recording_enabled: true,
  });
  assert.equal(typeof series.id, 'string');
  assert.equal(series.course_id, course.id);
  assert.ok(series.created_at instanceof Date);
  assert.equal(sessions.length, 12);
  for (const s of sessions) {
    assert.equal(s.series_id, series.id);
    assert.equal(s.status, 'scheduled');
    assert.equal(s.timezone, 'Europe/Paris');
    assert.equal(s.recording_enabled, true);
    assert.ok(s.starts_at instanceof Date);
    assert.equal(s.starts_at.getUTCDay(), 2, 'every occurrence is a Tuesday');
    assert.equal(s.ends_at - s.starts_at, 90 * 60 * 1000);
  }
  // Summer time (UTC+2) until Sunday 25 October 2026, then UTC+1.
  assert.equal(sessions[0].starts_at.toISOString(), '2026-09-01T08:00:00.000Z');
  assert.equal(sessions[7].starts_at.toISOString(), '2026-10-20T08:00:00.000Z');
  assert.equal(sessions[8].starts_at.toISOString(), '2026-10-27T09:00:00.000Z');
  assert.equal(sessions[11].starts_at.toISOString(), '2026-11-17T09:00:00.000Z');

  // Calendar: September holds five Tuesdays.
  const september = await engine.calendarEvents(course.students[0], {
    start: '2026-09-01',
    end: new Date('2026-10-01T00:00:00Z'),
  });
  assert.equal(september.length, 5);
  assert.ok(september.every((e) => e.type === 'live_session' && e.course_id === course.id));

  // Cancel the rest of the series from the DST change on.
  const cancelled = await engine.cancelSeries(course.instructor, series.id, {
    from: new Date('2026-10-26T00:00:00Z'),
    reason: 'Semester cut short',
  });
  assert.deepEqual(cancelled.map((s) => s.id), sessions.slice(8).map((s) => s.id));
  assert.ok(cancelled.every((s) => s.status === 'cancelled' && s.cancel_reason === 'Semester cut short'));
  const all = await engine.listSessions(course.instructor, course.id);
  assert.equal(all.filter((s) => s.status === 'cancelled').length, 4);
  const cancelledEvents = await engine.calendarEvents(course.students[1], {
    start: '2026-09-01', end: '2026-12-01', status: 'cancelled',
  });
  assert.equal(cancelledEvents.length, 4);
});

test('a series with `until` given as a Date, on two weekdays', async (t) => {
  const clock = new ManualClock(AUGUST);
  const engine = await openEngine(t, { clock });
  const course = await enrollCourse(engine, 'bio-110', 1);
  const { sessions } = await engine.createSeries(course.instructor, course.id, {
    title: 'Lab',
    timezone: 'America/New_York',
    first_date: new Date('2026-09-07T00:00:00Z'),  // Monday
    start_time: '18:30',
    duration_minutes: 60,
    weekdays: ['monday', 'thursday'],
    until: new Date('2026-09-20T00:00:00Z'),
  });
  assert.deepEqual(
    sessions.map((s) => s.starts_at.toISOString()),
    ['2026-09-07T22:30:00.000Z', '2026-09-10T22:30:00.000Z', '2026-09-14T22:30:00.000Z', '2026-09-17T22:30:00.000Z'],
  );
});

test('iCal feeds: by user, by token, and token rotation', async (t) => {
  const clock = new ManualClock(AUGUST);
  const engine = await openEngine(t, { clock });
  const course = await enrollCourse(engine, 'law-201', 1);
  const student = course.students[0];
  const { sessions } = await engine.createSeries(course.instructor, course.id, {
    title: 'Cours; "quoted", with, commas',
    description: 'Line one\nBEGIN:VEVENT\nLine three',
    timezone: 'Europe/Paris',
    first_date: '2026-09-01',
    start_time: '10:00',
    duration_minutes: 90,
    weekdays: ['tuesday'],
    count: 3,
  });
  await engine.cancelSession(course.instructor, sessions[2].id, 'Holiday');

  const feed = await engine.calendarFeed(student);
  assert.equal(typeof feed, 'string');
  assert.ok(feed.startsWith('BEGIN:VCALENDAR\r\n'));
  assert.ok(feed.trimEnd().endsWith('END:VCALENDAR'));
  assert.equal(feed.split('\r\nBEGIN:VEVENT\r\n').length - 1, 3);
  assert.ok(feed.includes('STATUS:CANCELLED'));
  assert.ok(feed.includes('DTSTART:20260901T080000Z'));
  // Text is escaped: a newline in the description never starts a content line.
  assert.ok(feed.includes('Cours\\; "quoted"\\, with\\, commas'));
  for (const line of feed.split('\r\n').filter(Boolean)) {
    assert.match(line, /^([A-Z-]+[;:]|[ \t])/, `content line: ${JSON.stringify(line)}`);
  }

  const token = await engine.feedToken(student);
  assert.equal(typeof token, 'string');
  assert.equal(await engine.feedToken(student), token, 'a feed token is stable until rotated');
  assert.equal(await engine.calendarFeedByToken(token), await engine.calendarFeed(student));

  const rotated = await engine.rotateFeedToken(student);
  assert.notEqual(rotated, token);
  assert.ok((await engine.calendarFeedByToken(rotated)).includes('BEGIN:VEVENT'));
  const refused = await failure(engine.calendarFeedByToken(token));
  assert.equal(refused.code, 'invalid_token');
  assert.equal(refused.category, 'unauthenticated');
  assert.equal(refused.reason, 'invalid_token');
});
