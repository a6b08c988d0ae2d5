// Calls run on the engine's own worker threads and finished calls are settled
// in groups, by one wake-up of the event loop: every call must still settle
// exactly once, with its own result or its own typed error, close() must wait
// for all of them, host hooks must still be asked, and a process may exit
// with calls in flight.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import test from 'node:test';

import { Engine, HOUR, LiveCourseError, MINUTE, PACKAGE_DIR, SECRET, T0, ManualClock, failure, tempDir } from './support.mjs';

const SERVER = 'https://meet.example.org';

function claimsOf(joinUrl) {
  const jwt = new URL(joinUrl).searchParams.get('jwt');
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));
}

async function rushEngine(t, { courses, students, seats, workerThreads }) {
  const engine = await Engine.open({
    database: path.join(tempDir(t), 'completions.db'),
    jitsi: { mode: 'self_hosted', server_url: SERVER, app_id: 'lms', app_secret: SECRET },
    ...(workerThreads ? { workerThreads } : {}),
  });
  t.after(() => engine.close());
  const start = new Date(Date.now() + MINUTE);
  const sessions = [];
  for (let c = 0; c < courses; c += 1) {
    await engine.enroll(`c${c}`, `prof${c}`, 'instructor');
    await Promise.all(Array.from({ length: students }, (_, k) => engine.enroll(`c${c}`, `u${c}-${k}`)));
    const s = await engine.createSession(`prof${c}`, `c${c}`, {
      title: `S${c}`, starts_at: start, ends_at: new Date(start.getTime() + HOUR), max_participants: seats,
    });
    await engine.startSession(`prof${c}`, s.id);
    sessions.push(s.id);
  }
  return { engine, sessions };
}

test('1,200 calls in flight each settle once, with their own result or their own typed error', async (t) => {
  const { engine, sessions } = await rushEngine(t, { courses: 4, students: 120, seats: 100 });
  const calls = [];
  let settled = 0;
  for (let k = 0; k < 120; k += 1) {
    for (let c = 0; c < 4; c += 1) {
      const user = `u${c}-${k}`;
      const actor = { user_id: user, name: `Name ${user}`, email: `${user}@example.edu` };
      // A join, a token and a refused join (another course's session) per user.
      const join = engine.join(actor, sessions[c]);
      const token = () => engine.token(actor, sessions[c]);
      calls.push({ kind: 'join', user, session: sessions[c], promise: join });
      // A token once the join settled, whatever its outcome (while other joins run).
      calls.push({ kind: 'token', user, session: sessions[c], join, promise: join.then(token, token) });
      calls.push({ kind: 'outsider', user, session: sessions[(c + 1) % 4], promise: engine.join(actor, sessions[(c + 1) % 4]) });
    }
  }
  for (const call of calls) call.promise.then(() => { settled += 1; }, () => { settled += 1; });
  const outcomes = await Promise.allSettled(calls.map((c) => c.promise));
  assert.equal(settled, calls.length, 'every call settled once');

  const admittedPerSession = new Map();
  outcomes.forEach((o, i) => {
    const call = calls[i];
    if (call.kind === 'outsider') {
      assert.equal(o.status, 'rejected', `${call.user} joined another course's session`);
      assert.ok(o.reason instanceof LiveCourseError);
      assert.equal(o.reason.code, 'not_enrolled');
      assert.equal(o.reason.category, 'forbidden');
      return;
    }
    if (call.kind === 'token') {
      // A token exactly for those admitted.
      const joined = outcomes[i - 1].status === 'fulfilled';
      assert.equal(o.status, joined ? 'fulfilled' : 'rejected', `token of ${call.user}`);
      if (!joined) {
        assert.ok(o.reason instanceof LiveCourseError, String(o.reason));
        assert.equal(o.reason.code, 'not_participant', o.reason.message);
        return;
      }
    } else if (o.status === 'rejected') {
      // 120 students, 100 seats: a join may be refused for the seat, nothing else.
      assert.ok(o.reason instanceof LiveCourseError, String(o.reason));
      assert.equal(o.reason.code, 'session_full', `${call.kind} ${call.user}: ${o.reason.message}`);
      return;
    }
    const value = o.value;
    const claims = claimsOf(value.jitsi_join_url);
    assert.equal(claims.context.user.id, call.user, `${call.kind} answered with another caller's result`);
    if (call.kind === 'join') {
      assert.equal(value.session_id, call.session);
      for (const key of ['jitsi_join_url', 'jitsi_room_name', 'jitsi_room_password']) assert.ok(key in value, key);
      admittedPerSession.set(call.session, (admittedPerSession.get(call.session) ?? 0) + 1);
    } else {
      assert.equal(typeof value.jwt, 'string');
      assert.ok(value.expires_at instanceof Date);
      assert.equal(value.expires_at.getTime() / 1000, claims.exp);
    }
  });
  for (const s of sessions) assert.equal(admittedPerSession.get(s), 100, 'exactly the seats were admitted');
});

test('close() called with hundreds of calls in flight waits for every one; later calls are refused', async (t) => {
  const { engine, sessions } = await rushEngine(t, { courses: 2, students: 200, seats: 500, workerThreads: 8 });
  let settled = 0;
  const pending = [];
  for (let k = 0; k < 200; k += 1) {
    for (let c = 0; c < 2; c += 1) {
      const p = engine.join(`u${c}-${k}`, sessions[c]);
      p.then(() => { settled += 1; });
      pending.push(p);
    }
  }
  await engine.close();
  assert.equal(settled, pending.length, 'close() resolved before every call in flight had settled');
  const results = await Promise.all(pending);
  assert.ok(results.every((r, i) => r.session_id === sessions[i % 2]));
  const err = await failure(engine.join('u0-0', sessions[0]));
  assert.equal(err.code, 'engine_closed');
  assert.equal(err.category, 'invalid_argument');
  await engine.close();  // idempotent
});

test('host hooks are asked from every worker thread while many calls are in flight', async (t) => {
  const clock = new ManualClock(new Date(T0.getTime() - HOUR));
  const calls = { roleOf: 0, now: 0 };
  const engine = await Engine.open({
    database: path.join(tempDir(t), 'hooks.db'),
    workerThreads: 32,
    host: {
      roleOf(course, user) {
        calls.roleOf += 1;
        if (user === 'prof') return 'instructor';
        // Half answer at once, half later: answers interleave with completions.
        const role = user.startsWith('s') ? 'student' : 'none';
        return Number(user.slice(1)) % 2 ? role : new Promise((resolve) => setImmediate(() => resolve(role)));
      },
      now() {
        calls.now += 1;
        return clock.now();
      },
    },
  });
  t.after(() => engine.close());
  const s = await engine.createSession('prof', 'big', { title: 'Big', starts_at: T0, ends_at: new Date(T0.getTime() + HOUR), max_participants: 150 });
  clock.set(T0);
  await engine.startSession('prof', s.id);
  const before = { ...calls };
  const users = [...Array.from({ length: 200 }, (_, i) => `s${i}`), ...Array.from({ length: 20 }, (_, i) => `x${i}`)];
  const outcomes = await Promise.allSettled(users.map((u) => engine.join(u, s.id)));
  const codes = outcomes.map((o) => (o.status === 'fulfilled' ? 'ok' : o.reason.code));
  assert.equal(codes.filter((c) => c === 'ok').length, 150);
  assert.equal(codes.filter((c) => c === 'session_full').length, 50);
  assert.deepEqual(codes.slice(200), Array(20).fill('not_enrolled'));
  assert.ok(calls.roleOf - before.roleOf >= users.length, 'each join asked the roster hook');
  assert.ok(calls.now > before.now, 'the clock hook was asked');
  const rows = await engine.attendance('prof', s.id);
  assert.ok(rows.every((r) => r.first_join_at.getTime() === T0.getTime()), 'joins ran on the host clock');
});

test('workerThreads is checked: 1 works, 0 and 257 are refused', async (t) => {
  const one = await Engine.open({ database: path.join(tempDir(t), 'one.db'), workerThreads: 1 });
  await Promise.all(Array.from({ length: 50 }, (_, i) => one.enroll('c', `u${i}`)));
  assert.equal(await one.roleOf('c', 'u49'), 'student');
  await one.close();
  for (const workerThreads of [0, 257, 2.5, 'many']) {
    assert.throws(() => new Engine({ database: path.join(tempDir(t), 'bad.db'), workerThreads }),
      (err) => err instanceof LiveCourseError && err.field === 'workerThreads', String(workerThreads));
  }
});

// A child process with a live session, joining.
function child(t, body) {
  const script = `
    const { Engine } = require(${JSON.stringify(path.join(PACKAGE_DIR, 'index.js'))});
    (async () => {
      const engine = await Engine.open({ database: process.argv[1] });
      await engine.enroll('c', 'prof', 'instructor');
      for (let i = 0; i < 400; i += 1) await engine.enroll('c', 'u' + i);
      const now = Date.now();
      const s = await engine.createSession('prof', 'c', {
        title: 'x', starts_at: new Date(now + 60000), ends_at: new Date(now + 3600000), max_participants: 1000 });
      await engine.startSession('prof', s.id);
      ${body}
    })().catch((err) => { console.error(err); process.exit(3); });
  `;
  const proc = spawn(process.execPath, ['-e', script, path.join(tempDir(t), 'child.db')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { err += d; });
  return new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, out, err })));
}

test('a process that exits with calls in flight exits cleanly', async (t) => {
  for (let round = 0; round < 3; round += 1) {
    const r = await child(t, `
      let done = 0;
      for (let i = 0; i < 400; i += 1) engine.join('u' + i, s.id).then(() => { if (++done === 20) process.exit(0); });
    `);
    assert.equal(r.signal, null, `killed by ${r.signal}: ${r.err}`);
    assert.equal(r.code, 0, r.err);
  }
});

test('calls in flight keep the process alive until they settle, without close()', async (t) => {
  const r = await child(t, `
    let done = 0;
    for (let i = 0; i < 400; i += 1) engine.join('u' + i, s.id).then(() => { done += 1; });
    process.on('exit', () => console.log('settled ' + done));
  `);
  assert.equal(r.signal, null, r.err);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), 'settled 400');
});
