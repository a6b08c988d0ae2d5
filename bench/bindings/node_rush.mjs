// The 10:00 rush through the Node binding, against a hand-written Node join.
//
//   npm ci --prefix bench/bindings      (better-sqlite3 builds from source:
//                                        npm_config_nodedir=<node prefix> when offline)
//   LIVECOURSE_NODE_ADDON=build/bindings/node/livecourse.node node bench/bindings/node_rush.mjs [--rounds N]
//
// Workload: 500 courses with one live session each, an instructor and 100
// students per course, every user with a name, an e-mail and an avatar;
// self-hosted Jitsi with HS256 tokens. Each case makes 22,000 joins (the first
// 2,000 are warm-up and not counted), interleaved across the courses so that
// every join is a first admission. Every join is timed on its own, from the
// call to its result.
//
// Cases: the binding with 1, 16 and 256 joins in flight from one event loop,
// and a hand-written peer doing the same steps synchronously with
// better-sqlite3 on the same kind of file (WAL, synchronous=NORMAL, BEGIN
// IMMEDIATE, enrollment check, live and seat check, participant insert or
// reconnect, seat count, presence row) and then a jsonwebtoken HS256 token
// from a KeyObject with the claims the library writes (read from one of its
// own join links) and the same join link. Each round starts every case on a
// fresh copy of its database; a line reports the median over the rounds, and
// the ratio is the median of each round's ratio to that round's peer.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createSecretKey } from 'node:crypto';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const require = createRequire(path.join(HERE, 'package.json'));
const { Engine } = require(path.join(ROOT, 'bindings', 'node', 'index.js'));

const COURSES = 500;
const STUDENTS = 100;
const JOINS = 22000;
const WARMUP = 2000;
const CONCURRENCY = [1, 16, 256];
const SECRET = 'rush-secret-rush-secret-rush-secret-0123456789';
const SERVER = 'https://meet.example.org';
const APP_ID = 'lms';

const argv = process.argv.slice(2);
const rounds = Number(argv[argv.indexOf('--rounds') + 1] || 0) || (argv.includes('--quick') ? 1 : 3);

function loadPeer() {
  try {
    return { Database: require('better-sqlite3'), jwt: require('jsonwebtoken') };
  } catch (err) {
    console.error(`node_rush: the hand-written peer needs better-sqlite3 and jsonwebtoken (npm ci --prefix bench/bindings): ${err.message}`);
    process.exit(2);
  }
}
const peer = loadPeer();

// --------------------------------------------------------------- workload

const instructorOf = (c) => `prof-${c}`;
const studentOf = (c, k) => `stu-${c}-${k}`;
const profile = (id) => ({ user_id: id, name: `Name ${id}`, email: `${id}@example.edu`, avatar: `https://lms.example.edu/avatars/${id}.png` });

// Join i: course i mod 500, its (i / 500)-th member (the instructor first).
function joinAt(i) {
  const c = i % COURSES;
  const k = Math.floor(i / COURSES) % (STUDENTS + 1);
  return { course: c, user: k === 0 ? instructorOf(c) : studentOf(c, k) };
}
const ACTORS = Array.from({ length: JOINS }, (_, i) => profile(joinAt(i).user));

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function figures(latenciesMs, seconds) {
  const s = Float64Array.from(latenciesMs).sort();
  return { perSecond: latenciesMs.length / seconds, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1] };
}

// -------------------------------------------------------------- the binding

function engineConfig(database) {
  return { database, jitsi: { mode: 'self_hosted', server_url: SERVER, app_id: APP_ID, app_secret: SECRET } };
}

async function inFlight(limit, total, fn) {
  let next = 0;
  const lane = async () => {
    for (let i; (i = next++) < total;) await fn(i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, total) }, lane));
}

// Built once with the binding itself, then copied for every case.
async function buildLibraryDatabase(file) {
  const engine = await Engine.open(engineConfig(file));
  const start = new Date(Date.now() + 60_000);
  const ends = new Date(start.getTime() + 4 * 3600_000);
  const sessions = new Array(COURSES);
  await inFlight(8, COURSES, async (c) => {
    const members = [instructorOf(c), ...Array.from({ length: STUDENTS }, (_, k) => studentOf(c, k + 1))];
    await Promise.all(members.flatMap((u, k) => [
      engine.putUser(profile(u)), engine.enroll(`course-${c}`, u, k === 0 ? 'instructor' : 'student')]));
    const s = await engine.createSession(instructorOf(c), `course-${c}`, {
      title: `Live class ${c}`, starts_at: start, ends_at: ends, max_participants: STUDENTS + 1,
    });
    await engine.startSession(instructorOf(c), s.id);
    sessions[c] = s.id;
  });
  // One join link, to read the claims the library writes.
  const probe = await engine.join(profile(studentOf(0, STUDENTS)), sessions[0]);
  await engine.leave(studentOf(0, STUDENTS), sessions[0]);
  await engine.close();
  const jwt = new URL(probe.jitsi_join_url).searchParams.get('jwt');
  const [header, payload] = jwt.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url')));
  return { sessions, header, payload };
}

async function libraryCase(file, sessions, limit) {
  const engine = await Engine.open(engineConfig(file));
  const lat = [];
  let t0 = 0;
  const one = async (i) => {
    if (i === WARMUP) t0 = performance.now();
    const started = performance.now();
    const r = await engine.join(ACTORS[i], sessions[joinAt(i).course]);
    const ms = performance.now() - started;
    if (typeof r.jitsi_join_url !== 'string') throw new Error('join without a link');
    if (i >= WARMUP) lat.push(ms);
  };
  await inFlight(limit, JOINS, one);
  const seconds = (performance.now() - t0) / 1000;
  await engine.close();
  return figures(lat, seconds);
}

// ----------------------------------------------------------- the peer

const PEER_SCHEMA = `
  PRAGMA journal_mode = WAL;
  CREATE TABLE enrollments (course_id TEXT NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (course_id, user_id)) WITHOUT ROWID;
  CREATE TABLE sessions (id INTEGER PRIMARY KEY, course_id TEXT NOT NULL, status TEXT NOT NULL, room TEXT NOT NULL,
                         max_participants INTEGER NOT NULL, seats_taken INTEGER NOT NULL DEFAULT 0,
                         ends_at INTEGER NOT NULL, recording INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE participants (session_id INTEGER NOT NULL, user_id TEXT NOT NULL, role TEXT NOT NULL, takes_seat INTEGER NOT NULL,
                             admitted_at INTEGER NOT NULL, PRIMARY KEY (session_id, user_id)) WITHOUT ROWID;
  CREATE TABLE presence (id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL, user_id TEXT NOT NULL, joined_at INTEGER NOT NULL,
                         left_at INTEGER, source TEXT NOT NULL);
  CREATE INDEX presence_by_user ON presence (session_id, user_id);
`;

function buildPeerDatabase(file) {
  const db = new peer.Database(file);
  db.exec(PEER_SCHEMA);
  const ends = Math.floor(Date.now() / 1000) + 4 * 3600;
  const enroll = db.prepare('INSERT INTO enrollments VALUES (?, ?, ?)');
  const session = db.prepare("INSERT INTO sessions (id, course_id, status, room, max_participants, ends_at) VALUES (?, ?, 'live', ?, ?, ?)");
  db.transaction(() => {
    for (let c = 0; c < COURSES; c += 1) {
      enroll.run(`course-${c}`, instructorOf(c), 'instructor');
      for (let k = 1; k <= STUDENTS; k += 1) enroll.run(`course-${c}`, studentOf(c, k), 'student');
      session.run(c + 1, `course-${c}`, `live-class-${c}-0123456789abcdef`, STUDENTS + 1, ends);
    }
  })();
  db.close();
}

// The same steps as the library's join, written by hand.
function peerCase(file, claims, stampIat) {
  const db = new peer.Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 10000');
  const key = createSecretKey(Buffer.from(SECRET));
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const role = db.prepare('SELECT role FROM enrollments WHERE course_id = ? AND user_id = ?').pluck();
  const sess = db.prepare('SELECT status, max_participants, seats_taken, room, ends_at, recording FROM sessions WHERE id = ?');
  const admit = db.prepare('INSERT INTO participants VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const seat = db.prepare('UPDATE sessions SET seats_taken = seats_taken + 1 WHERE id = ?');
  const presence = db.prepare("INSERT INTO presence (session_id, user_id, joined_at, source) VALUES (?, ?, ?, 'client')");
  const join = (actor, sessionId, course) => {
    const now = Math.floor(Date.now() / 1000);
    begin.run();
    let s;
    let r;
    try {
      r = role.get(`course-${course}`, actor.user_id);
      if (r === undefined || r === 'none') throw new Error('not_enrolled');
      s = sess.get(sessionId);
      if (!s || s.status !== 'live') throw new Error('not_live');
      const takesSeat = r === 'student' ? 1 : 0;
      if (takesSeat && s.seats_taken >= s.max_participants) throw new Error('session_full');
      const admitted = admit.run(sessionId, actor.user_id, r, takesSeat, now).changes === 1;
      if (admitted && takesSeat) seat.run(sessionId);
      presence.run(sessionId, actor.user_id, now);
      commit.run();
    } catch (err) {
      if (db.inTransaction) rollback.run();
      throw err;
    }
    const moderator = r !== 'student';
    const token = peer.jwt.sign({
      ...claims,
      room: s.room,
      nbf: now - 10,
      exp: s.ends_at + 900,
      context: {
        ...claims.context,
        user: { id: actor.user_id, name: actor.name, email: actor.email, avatar: actor.avatar, moderator },
        features: { ...claims.context?.features, recording: moderator && s.recording === 1 },
      },
    }, key, { algorithm: 'HS256', noTimestamp: !stampIat });
    return { session_id: String(sessionId), jitsi_room_name: s.room, jitsi_join_url: `${SERVER}/${s.room}?jwt=${token}`, jitsi_room_password: null };
  };
  const lat = [];
  let t0 = 0;
  for (let i = 0; i < JOINS; i += 1) {
    if (i === WARMUP) t0 = performance.now();
    const { course } = joinAt(i);
    const started = performance.now();
    const r = join(ACTORS[i], course + 1, course);
    const ms = performance.now() - started;
    if (typeof r.jitsi_join_url !== 'string') throw new Error('join without a link');
    if (i >= WARMUP) lat.push(ms);
  }
  const seconds = (performance.now() - t0) / 1000;
  db.close();
  return figures(lat, seconds);
}

// ------------------------------------------------------------------ run

function copyDatabase(from, to) {
  copyFileSync(from, to);
  if (existsSync(`${from}-wal`)) copyFileSync(`${from}-wal`, `${to}-wal`);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const dir = mkdtempSync(path.join(tmpdir(), 'livecourse-node-rush-'));
try {
  const began = performance.now();
  const libraryBase = path.join(dir, 'library-base.db');
  const peerBase = path.join(dir, 'peer-base.db');
  const { sessions, header, payload } = await buildLibraryDatabase(libraryBase);
  buildPeerDatabase(peerBase);
  const claims = Object.fromEntries(Object.entries(payload).filter(([k]) => !['room', 'nbf', 'exp', 'iat'].includes(k)));
  const stampIat = payload.iat !== undefined;
  if (header.alg !== 'HS256') throw new Error(`the library's token is ${header.alg}, not HS256`);
  console.log(`node_rush: ${COURSES} courses x ${STUDENTS + 1} members, ${JOINS - WARMUP} timed joins per case after ${WARMUP} warm-up, ` +
    `median of ${rounds} round(s); set-up ${((performance.now() - began) / 1000).toFixed(1)} s`);

  const results = { peer: [] };
  for (const c of CONCURRENCY) results[c] = [];
  for (let round = 0; round < rounds; round += 1) {
    const peerFile = path.join(dir, `peer-${round}.db`);
    copyDatabase(peerBase, peerFile);
    results.peer.push(peerCase(peerFile, claims, stampIat));
    for (const c of CONCURRENCY) {
      const file = path.join(dir, `library-${round}-${c}.db`);
      copyDatabase(libraryBase, file);
      results[c].push(await libraryCase(file, sessions, c));
    }
  }

  const line = (name, runs, ratios) => {
    const f = (k) => median(runs.map((r) => r[k]));
    const ratio = ratios ? `${median(ratios).toFixed(2)}x peer` : '1.00x (reference)';
    console.log(`${name.padEnd(50)} ${f('perSecond').toFixed(0).padStart(7)} joins/s  p50 ${(f('p50') * 1000).toFixed(0).padStart(6)} us  ` +
      `p99 ${(f('p99') * 1000).toFixed(0).padStart(7)} us  max ${(f('max') * 1000).toFixed(0).padStart(8)} us  ${ratio}`);
  };
  line('hand-written peer (better-sqlite3 + jsonwebtoken)', results.peer, null);
  for (const c of CONCURRENCY) {
    const ratios = results[c].map((r, i) => r.perSecond / results.peer[i].perSecond);
    line(`binding, ${c} join${c === 1 ? '' : 's'} in flight`, results[c], ratios);
  }
  console.log(`node_rush: ${((performance.now() - began) / 1000).toFixed(1)} s in all`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
