// Host hooks written in JavaScript: the engine asks them from a worker thread,
// they answer on the event loop (synchronously or with a Promise).
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'node:test';

import { Engine, HOUR, ManualClock, PACKAGE_DIR, T0, failure, tempDir } from './support.mjs';

/** An LMS's own roster: course -> user -> role. */
function lmsRoster() {
  const courses = new Map([
    ['gov-101', new Map([['prof', 'instructor'], ['ta', 'moderator'], ['ana', 'student'], ['kofi', 'student']])],
    ['law-201', new Map([['prof', 'instructor'], ['ana', 'student']])],
  ]);
  const calls = { roleOf: 0, coursesOf: 0, countStudents: 0 };
  return {
    calls,
    courses,
    roleOf(courseId, userId) {
      calls.roleOf += 1;
      return courses.get(courseId)?.get(userId) ?? 'none';
    },
    async coursesOf(userId) {
      calls.coursesOf += 1;
      await sleep(1);
      const out = [];
      for (const [course, members] of courses) if (members.has(userId)) out.push({ course_id: course, role: members.get(userId) });
      return out;
    },
    async countStudents(courseId) {
      calls.countStudents += 1;
      return [...(courses.get(courseId)?.values() ?? [])].filter((r) => r === 'student').length;
    },
  };
}

async function open(t, host, extra = {}) {
  const clock = new ManualClock(new Date(T0.getTime() - HOUR));
  const engine = await Engine.open({
    database: path.join(tempDir(t), 'host.db'),
    host: { ...host, now: () => clock.now() },
    ...extra,
  });
  t.after(() => engine.close());
  return { engine, clock };
}

test('a host roster decides who may do what, and feeds calendars and statistics', async (t) => {
  const roster = lmsRoster();
  const { engine, clock } = await open(t, roster);
  const s = await engine.createSession('prof', 'gov-101', {
    title: 'Q&A', starts_at: T0, ends_at: new Date(T0.getTime() + HOUR),
  });
  assert.equal(s.created_at.getTime(), clock.now().getTime(), 'the clock hook is used');
  assert.ok(roster.calls.roleOf >= 1);
  assert.equal(await engine.roleOf('gov-101', 'ta'), 'moderator');
  assert.equal(await engine.roleOf('gov-101', 'mallory'), 'none');

  assert.equal((await failure(engine.getSession('mallory', s.id))).code, 'not_enrolled');
  assert.equal((await failure(engine.startSession('ana', s.id))).code, 'forbidden');

  const events = await engine.calendarEvents('ana', { start: '2026-03-01', end: '2026-04-01' });
  assert.deepEqual(events.map((e) => e.id), [s.id]);
  assert.ok(roster.calls.coursesOf >= 1);
  assert.equal((await engine.calendarEvents('mallory', { start: '2026-03-01', end: '2026-04-01' })).length, 0);

  clock.set(T0);
  await engine.startSession('ta', s.id);
  await engine.join('ana', s.id);
  // The LMS enrols a student mid-session: the very next call sees it.
  roster.courses.get('gov-101').set('lea', 'student');
  await engine.join('lea', s.id);
  const stats = await engine.statistics('prof', s.id);
  assert.equal(stats.enrolled_count, 3);
  assert.equal(stats.students_count, 2);
  assert.ok(roster.calls.countStudents >= 1);
});

test('many concurrent joins through an asynchronous roster hook', async (t) => {
  const members = new Map([['prof', 'instructor']]);
  for (let i = 0; i < 120; i += 1) members.set(`s${i}`, 'student');
  const { engine, clock } = await open(t, {
    async roleOf(courseId, userId) {
      await sleep(Math.random() * 3);
      return courseId === 'big' ? (members.get(userId) ?? 'none') : 'none';
    },
  });
  const s = await engine.createSession('prof', 'big', {
    title: 'Big', starts_at: T0, ends_at: new Date(T0.getTime() + HOUR), max_participants: 40,
  });
  clock.set(T0);
  await engine.startSession('prof', s.id);
  const outcomes = await Promise.allSettled([...members.keys()].filter((u) => u !== 'prof').map((u) => engine.join(u, s.id)));
  assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 40);
  assert.ok(outcomes.filter((o) => o.status === 'rejected').every((o) => o.reason.code === 'session_full'));
});

test('a hook that throws, rejects or answers nonsense fails the call with host_callback', async (t) => {
  let mode = 'ok';
  const { engine } = await open(t, {
    roleOf() {
      if (mode === 'throw') throw new Error('LMS database unreachable');
      if (mode === 'reject') return Promise.reject(new Error('LMS timed out'));
      if (mode === 'nonsense') return 'emperor';
      return 'instructor';
    },
  });
  const s = await engine.createSession('prof', 'c', { title: 'x', starts_at: T0, ends_at: new Date(T0.getTime() + HOUR) });
  for (const [m, text] of [['throw', 'LMS database unreachable'], ['reject', 'LMS timed out'], ['nonsense', 'emperor']]) {
    mode = m;
    const err = await failure(engine.getSession('prof', s.id));
    assert.equal(err.category, 'host_callback', m);
    assert.equal(err.code, 'host_callback');
    assert.equal(err.status, 10);
    assert.ok(err.message.includes(text), err.message);
  }
  mode = 'ok';
  assert.equal((await engine.getSession('prof', s.id)).id, s.id, 'the engine works again');
});

test('a hook that answers too late fails the call after hostTimeoutMs; its late answer is dropped', async (t) => {
  let hang = false;
  let lateAnswers = 0;
  const { engine } = await open(t, {
    roleOf() {
      if (!hang) return 'instructor';
      return sleep(600).then(() => {
        lateAnswers += 1;
        return 'instructor';
      });
    },
  }, { hostTimeoutMs: 300 });
  const s = await engine.createSession('prof', 'c', { title: 'x', starts_at: T0, ends_at: new Date(T0.getTime() + HOUR) });
  hang = true;
  const started = Date.now();
  const err = await failure(engine.getSession('prof', s.id));
  assert.equal(err.category, 'host_callback');
  assert.match(err.message, /did not answer within 300 ms/);
  assert.ok(Date.now() - started >= 250);
  hang = false;
  await sleep(500);
  assert.equal(lateAnswers, 1, 'the late answer arrived, and was dropped');
  assert.equal((await engine.getSession('prof', s.id)).id, s.id);
});

test('a hook that never answers, with no timeout, is released when the engine\'s thread shuts down', async (t) => {
  // A worker thread whose hook never answers is terminated: the engine's
  // waiting threads are released (else they would be lost for good), and
  // the engine is closed once they have run.
  const { Worker } = await import('node:worker_threads');
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    const { Engine } = require(workerData.index);
    Engine.open({ database: workerData.db, host: { roleOf: () => new Promise(() => {}) }, hostTimeoutMs: 0 })
      .then((engine) => {
        for (let i = 0; i < 8; i += 1) engine.getSession('u', '1').catch(() => {});
        setTimeout(() => parentPort.postMessage('waiting'), 100);
      });
  `;
  const worker = new Worker(source, {
    eval: true,
    workerData: { index: path.join(PACKAGE_DIR, 'index.js'), db: path.join(tempDir(t), 'worker.db') },
  });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  // Engines opened afterwards work.
  const engine = await Engine.open({ database: path.join(tempDir(t), 'after.db') });
  t.after(() => engine.close());
  await Promise.all(Array.from({ length: 16 }, (_, i) => engine.enroll('c', `u${i}`)));
});

test('a clock hook that fails fails the call (no silent fallback to the system clock)', async (t) => {
  let broken = false;
  const engine = await Engine.open({
    database: path.join(tempDir(t), 'clock.db'),
    host: {
      now() {
        if (broken) throw new Error('clock unplugged');
        return T0;
      },
    },
  });
  t.after(() => engine.close());
  await engine.enroll('c', 'prof', 'instructor');
  const fields = { title: 'x', starts_at: T0, ends_at: new Date(T0.getTime() + HOUR) };
  const s = await engine.createSession('prof', 'c', fields);
  assert.equal(s.created_at.getTime(), T0.getTime());
  broken = true;
  const err = await failure(engine.createSession('prof', 'c', fields));
  assert.equal(err.category, 'host_callback');
  assert.ok(err.message.includes('clock unplugged'), err.message);
});
