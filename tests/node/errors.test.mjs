// Every failure the library reports reaches JavaScript as a LiveCourseError
// with the stable code (most specific), category, reason and field.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import test from 'node:test';

import {
  Engine, HOUR, LiveCourseError, ManualClock, PACKAGE_DIR, T0, enrollCourse, failure, openEngine, schedule, tempDir,
} from './support.mjs';

async function setup(t) {
  const clock = new ManualClock(new Date(T0.getTime() - HOUR));
  const engine = await openEngine(t, { clock });
  const course = await enrollCourse(engine, 'gov-101', 3);
  return { clock, engine, course };
}

function expectError(err, { code, category, field = null, reason }) {
  assert.ok(err instanceof LiveCourseError, 'a LiveCourseError');
  assert.ok(err instanceof Error, 'an Error');
  assert.equal(err.name, 'LiveCourseError');
  assert.equal(err.code, code, err.message);
  assert.equal(err.category, category);
  assert.equal(err.field, field);
  assert.equal(err.reason, reason === undefined ? (code === category ? null : code) : reason);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0);
  assert.equal(typeof err.status, 'number');
  assert.ok(typeof err.stack === 'string' && err.stack.includes('LiveCourseError'));
}

test('not_found: an id that names nothing', async (t) => {
  const { engine, course } = await setup(t);
  const err = await failure(engine.getSession(course.instructor, 'no-such-session'));
  expectError(err, { code: 'not_found', category: 'not_found' });
  assert.equal(err.status, 2);
  expectError(await failure(engine.join(course.students[0], '42')), { code: 'not_found', category: 'not_found' });
  expectError(await failure(engine.cancelSeries(course.instructor, 'nope')), { code: 'not_found', category: 'not_found' });
});

test('invalid_argument names the field', async (t) => {
  const { engine, course } = await setup(t);
  const base = { title: 'T', starts_at: T0, ends_at: new Date(T0.getTime() + HOUR) };
  const cases = [
    [{ ...base, title: undefined }, 'title'],
    [{ ...base, title: '' }, 'title'],
    [{ ...base, ends_at: new Date(T0.getTime() - HOUR) }, 'ends_at'],
    [{ ...base, ends_at: new Date(T0.getTime() + 25 * HOUR) }, 'ends_at'],
    [{ ...base, max_participants: 0 }, 'max_participants'],
    [{ ...base, max_participants: 'fifty' }, 'max_participants'],
    [{ ...base, timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    [{ ...base, starts_at: 'next saturday' }, 'starts_at'],
    [{ ...base, starts_at: new Date('garbage') }, 'starts_at'],
    [{ ...base, recording_enabled: 'yes' }, 'recording_enabled'],
  ];
  for (const [fields, field] of cases) {
    const err = await failure(engine.createSession(course.instructor, course.id, fields));
    expectError(err, { code: 'invalid_argument', category: 'invalid_argument', field });
    assert.equal(err.status, 1);
  }
  const s = await schedule(engine, course, { start: T0 });
  await engine.startSession(course.instructor, s.id);
  await engine.join(course.students[0], s.id);
  expectError(await failure(engine.postChat(course.students[0], s.id, { type: 'shout', body: 'hi' })),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'type' });
  expectError(await failure(engine.postChat(course.students[0], s.id, { type: 'answer', body: 'hi' })),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'reply_to' });
  expectError(await failure(engine.listChat(course.students[0], s.id, { limit: 0 })),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'limit' });
  expectError(await failure(engine.enroll(course.id, 'someone', 'king')),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'role' });
  expectError(await failure(engine.listSessions(course.instructor, course.id, 'someday')),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'status' });
  expectError(await failure(engine.calendarEvents(course.students[0], { start: '2026-03-10', end: '2026-03-01' })),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'end' });
  const series = { title: 'S', first_date: '2026-09-01', start_time: '10:00', duration_minutes: 60,
    weekdays: ['tuesday'], count: 2 };
  expectError(await failure(engine.createSeries(course.instructor, course.id, { ...series, weekdays: ['funday'] })),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'weekdays' });
  expectError(await failure(engine.createSeries(course.instructor, course.id, { ...series, start_time: '25:00' })),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'start_time' });
  expectError(await failure(engine.createSeries(course.instructor, course.id, { ...series, duration_minutes: 0 })),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'duration_minutes' });
  expectError(await failure(engine.createSeries(course.instructor, course.id, { ...series, first_date: '2026-02-30' })),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'first_date' });
});

test('unauthenticated: no actor', async (t) => {
  const { engine, course } = await setup(t);
  const s = await schedule(engine, course);
  expectError(await failure(engine.getSession({ user_id: '' }, s.id)),
    { code: 'unauthenticated', category: 'unauthenticated', field: 'actor.user_id' });
  expectError(await failure(engine.getSession(null, s.id)),
    { code: 'unauthenticated', category: 'unauthenticated', field: 'actor.user_id' });
});

test('forbidden, with the reason: not_enrolled, forbidden, not_participant, not_live', async (t) => {
  const { engine, course } = await setup(t);
  const s = await schedule(engine, course, { start: T0 });
  expectError(await failure(engine.getSession(course.outsider, s.id)),
    { code: 'not_enrolled', category: 'forbidden' });
  expectError(await failure(engine.createSession(course.students[0], course.id, {
    title: 'Mine', starts_at: T0, ends_at: new Date(T0.getTime() + HOUR),
  })), { code: 'forbidden', category: 'forbidden' });
  expectError(await failure(engine.startSession(course.students[0], s.id)), { code: 'forbidden', category: 'forbidden' });
  expectError(await failure(engine.attendance(course.students[0], s.id)), { code: 'forbidden', category: 'forbidden' });
  const early = await failure(engine.join(course.students[0], s.id));
  expectError(early, { code: 'not_live', category: 'forbidden', reason: 'not_live' });
  assert.equal(early.status, 3);
  await engine.startSession(course.instructor, s.id);
  expectError(await failure(engine.token(course.students[1], s.id)),
    { code: 'not_participant', category: 'forbidden' });
  expectError(await failure(engine.postChat(course.students[1], s.id, 'hello?')),
    { code: 'not_participant', category: 'forbidden' });
  expectError(await failure(engine.join(course.outsider, s.id)), { code: 'not_enrolled', category: 'forbidden' });
});

test('conflict: transitions, ended and cancelled sessions, stale revisions', async (t) => {
  const { engine, course } = await setup(t);
  const a = await schedule(engine, course, { start: T0 });
  await engine.startSession(course.instructor, a.id);
  expectError(await failure(engine.startSession(course.instructor, a.id)),
    { code: 'not_scheduled', category: 'conflict', field: 'status' });
  await engine.endSession(course.instructor, a.id);
  expectError(await failure(engine.join(course.students[0], a.id)),
    { code: 'session_ended', category: 'forbidden' });
  expectError(await failure(engine.endSession(course.instructor, a.id)),
    { code: 'session_ended', category: 'conflict', field: 'status' });
  expectError(await failure(engine.updateSession(course.instructor, a.id, { title: 'Later' })),
    { code: 'session_ended', category: 'conflict', field: 'status' });

  const b = await schedule(engine, course, { start: T0 });
  await engine.cancelSession(course.instructor, b.id);
  expectError(await failure(engine.join(course.students[0], b.id)),
    { code: 'session_cancelled', category: 'forbidden' });
  expectError(await failure(engine.startSession(course.instructor, b.id)),
    { code: 'session_cancelled', category: 'conflict', field: 'status' });

  const c = await schedule(engine, course, { start: T0 });
  await engine.updateSession(course.instructor, c.id, { title: 'Renamed', revision: 1 });
  const stale = await failure(engine.updateSession(course.instructor, c.id, { title: 'Again', revision: 1 }));
  expectError(stale, { code: 'revision_mismatch', category: 'conflict', field: 'revision' });
  assert.equal(stale.status, 4);
});

test('session_full: no seat left', async (t) => {
  const { engine, course } = await setup(t);
  const s = await schedule(engine, course, { start: T0, max_participants: 1 });
  await engine.startSession(course.instructor, s.id);
  await engine.join(course.students[0], s.id);
  const full = await failure(engine.join(course.students[1], s.id));
  expectError(full, { code: 'session_full', category: 'session_full', reason: 'session_full' });
  assert.equal(full.status, 5);
  // Staff never take a seat; the admitted student may rejoin.
  await engine.join(course.moderator, s.id);
  await engine.join(course.students[0], s.id);
});

test('invalid_token: a feed token that was never issued', async (t) => {
  const { engine } = await setup(t);
  expectError(await failure(engine.calendarFeedByToken('not-a-token')),
    { code: 'invalid_token', category: 'unauthenticated' });
});

test('opening: bad configuration names the field; storage failures are storage', async (t) => {
  const dir = tempDir(t);
  expectError(await failure(Engine.open({})), { code: 'invalid_argument', category: 'invalid_argument', field: 'database' });
  expectError(await failure(Engine.open({ database: path.join(dir, 'x.db'), jitsi: { mode: 'bogus' } })),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'jitsi.mode' });
  const storage = await failure(Engine.open({ database: path.join(dir, 'no', 'such', 'dir', 'x.db') }));
  expectError(storage, { code: 'storage', category: 'storage' });
  assert.equal(storage.status, 6);
  // The constructor reports the same error on the first call.
  const engine = new Engine({ database: path.join(dir, 'y.db'), jitsi: { mode: 'bogus' } });
  expectError(await failure(engine.roleOf('c', 'u')),
    { code: 'invalid_argument', category: 'invalid_argument', field: 'jitsi.mode' });
  await engine.close();
});

test('a closed engine refuses calls; close is idempotent and waits for calls in flight', async (t) => {
  const dir = tempDir(t);
  const engine = await Engine.open({ database: path.join(dir, 'z.db') });
  const pending = Array.from({ length: 20 }, (_, i) => engine.enroll('c', `u${i}`));
  const closing = engine.close();
  const results = await Promise.all(pending);
  assert.equal(results.length, 20, 'calls issued before close() complete');
  await closing;
  await engine.close();
  expectError(await failure(engine.roleOf('c', 'u1')), { code: 'engine_closed', category: 'invalid_argument' });
  // The data is on disk: another engine reads it back.
  const again = await Engine.open({ database: path.join(dir, 'z.db') });
  assert.equal(await again.roleOf('c', 'u7'), 'student');
  await again.close();
});

test('CommonJS and ES module entry points share one class', async () => {
  const require = createRequire(import.meta.url);
  const cjs = require(path.join(PACKAGE_DIR, 'index.js'));
  assert.equal(cjs.LiveCourseError, LiveCourseError);
  assert.equal(cjs.Engine, Engine);
  assert.equal(cjs.default, cjs);
  assert.equal(typeof cjs.version, 'string');
  assert.equal(cjs.ABI_VERSION, 1);
  const err = new LiveCourseError('x', { code: 'session_full', category: 'session_full' });
  assert.equal(err.reason, 'session_full');
});
