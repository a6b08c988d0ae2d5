// The 10:00 rush through the Node binding, against a hand-written Node join.
//
//   npm ci --prefix bench/bindings      (better-sqlite3 builds from source:
//                                        npm_config_nodedir=<node prefix> when offline)
//   LIVECOURSE_NODE_ADDON=build/bindings/node/livecourse.node node bench/bindings/node_rush.mjs [--rounds N]
//
// Workload: 500 courses with one live session each, an instructor and 100
// students per course, every user with a name, an e-mail and an avatar;
// self-hosted Jitsi with HS256 tokens. Each case makes 22,000 joins (the first
// 2,000 are warm-up and not counted) in the order python_rush.py builds,
// drawn from the same generator (Python's random.Random): shuffled over all
// courses, 2% of them reconnects. Every join is timed on its own, from the
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
//
// With --core-output FILE (the output of `livecourse-bench rush` in the same
// run) or --core BINARY, each binding line is also set against the C++
// core's Engine::join on the same workload (1 in flight against its 1
// thread, 16 and 256 against its 16 threads), and the library's HS256 token
// against jsonwebtoken's for the same claims.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

const SEED = 20260307;

// Python's random.Random(seed) for a seed below 2^32 (MT19937 seeded by
// init_by_array), its shuffle and randrange: python_rush.py's order, bit for bit.
class PythonRandom {
  constructor(seed) {
    const mt = new Uint32Array(624);
    mt[0] = 19650218;
    for (let i = 1; i < 624; i += 1) mt[i] = Math.imul(1812433253, mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    let i = 1;
    for (let k = 0; k < 624; k += 1) {
      mt[i] = (mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1664525)) + seed;
      i += 1;
      if (i >= 624) { mt[0] = mt[623]; i = 1; }
    }
    for (let k = 0; k < 623; k += 1) {
      mt[i] = (mt[i] ^ Math.imul(mt[i - 1] ^ (mt[i - 1] >>> 30), 1566083941)) - i;
      i += 1;
      if (i >= 624) { mt[0] = mt[623]; i = 1; }
    }
    mt[0] = 0x80000000;
    this.mt = mt;
    this.index = 624;
  }

  next() {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let k = 0; k < 624; k += 1) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7fffffff);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    return (y ^ (y >>> 18)) >>> 0;
  }

  // A uniform integer in [0, bound): getrandbits(bound.bit_length()) until below.
  below(bound) {
    const bits = 32 - Math.clz32(bound);
    for (;;) {
      const r = this.next() >>> (32 - bits);
      if (r < bound) return r;
    }
  }

  shuffle(list) {
    for (let i = list.length - 1; i > 0; i -= 1) {
      const j = this.below(i + 1);
      [list[i], list[j]] = [list[j], list[i]];
    }
  }
}

// Member k of course c: 0 is the instructor. The profiles of python_rush.py.
function person(c, k) {
  if (k === 0) {
    return { user_id: `prof-${c}`, name: `Professor ${c}`, email: `prof${c}@example.edu`, avatar: `https://cdn.example.edu/avatars/prof-${c}.png` };
  }
  const s = `${c}-${k - 1}`;
  return { user_id: `stu-${s}`, name: `Student ${c}.${k - 1}`, email: `stu${c}.${k - 1}@example.edu`, avatar: `https://cdn.example.edu/avatars/stu-${s}.png` };
}

// Every member of every course, shuffled; the first 98% of them, then 2%
// reconnects drawn from the first half, then the second half shuffled again.
function joinOrder() {
  const all = [];
  for (let c = 0; c < COURSES; c += 1) for (let k = 0; k <= STUDENTS; k += 1) all.push({ course: c, actor: person(c, k) });
  const rng = new PythonRandom(SEED);
  rng.shuffle(all);
  const order = all.slice(0, JOINS - JOINS / 50);
  const firsts = Math.floor(order.length / 2);
  for (let i = 0; i < JOINS / 50; i += 1) order.push(order[rng.below(firsts)]);
  const half = Math.floor(order.length / 2);
  const second = order.slice(half);
  rng.shuffle(second);
  order.splice(half, second.length, ...second);
  return order;
}
const ORDER = joinOrder();

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
  const start = new Date(Date.now() - 60_000);
  const ends = new Date(start.getTime() + 60_000 + 2 * 3600_000);
  const sessions = new Array(COURSES);
  await inFlight(8, COURSES, async (c) => {
    const members = Array.from({ length: STUDENTS + 1 }, (_, k) => person(c, k));
    await Promise.all(members.flatMap((p, k) => [
      engine.putUser(p), engine.enroll(`course-${c}`, p.user_id, k === 0 ? 'instructor' : 'student')]));
    const s = await engine.createSession(members[0].user_id, `course-${c}`, {
      title: `Live class ${c}`, starts_at: start, ends_at: ends, max_participants: STUDENTS + 10,
    });
    await engine.startSession(members[0].user_id, s.id);
    sessions[c] = s.id;
  });
  await engine.close();
  return sessions;
}

// One join link on a copy of the database, to read the claims the library writes.
async function probeClaims(file, sessions) {
  const engine = await Engine.open(engineConfig(file));
  const probe = await engine.join(ORDER[0].actor, sessions[ORDER[0].course]);
  await engine.close();
  const jwt = new URL(probe.jitsi_join_url).searchParams.get('jwt');
  const [header, payload] = jwt.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url')));
  return { header, payload, size: jwt.length };
}

async function libraryCase(file, sessions, limit) {
  const engine = await Engine.open(engineConfig(file));
  const lat = [];
  let t0 = 0;
  const one = async (i) => {
    if (i === WARMUP) t0 = performance.now();
    const started = performance.now();
    const r = await engine.join(ORDER[i].actor, sessions[ORDER[i].course]);
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
  const ends = Math.floor(Date.now() / 1000) + 2 * 3600;
  const enroll = db.prepare('INSERT INTO enrollments VALUES (?, ?, ?)');
  const session = db.prepare("INSERT INTO sessions (id, course_id, status, room, max_participants, ends_at) VALUES (?, ?, 'live', ?, ?, ?)");
  db.transaction(() => {
    for (let c = 0; c < COURSES; c += 1) {
      for (let k = 0; k <= STUDENTS; k += 1) enroll.run(`course-${c}`, person(c, k).user_id, k === 0 ? 'instructor' : 'student');
      session.run(c + 1, `course-${c}`, `live-class-${c}-0123456789abcdef`, STUDENTS + 10, ends);
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
    const { course, actor } = ORDER[i];
    const started = performance.now();
    const r = join(actor, course + 1, course);
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

// The figures of `livecourse-bench rush` (the C++ core on this workload), if given.
function readCore() {
  let text;
  const at = (flag) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  if (at('--core-output')) text = readFileSync(at('--core-output'), 'utf8');
  else if (at('--core')) text = execFileSync(at('--core'), ['rush'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  else return null;
  const starting = (prefix) => {
    const l = text.split('\n').find((x) => x.startsWith(prefix));
    if (!l) throw new Error(`livecourse-bench rush printed no "${prefix}" line`);
    return l;
  };
  const perJoin = (prefix) => 1e6 / Number(/([\d.]+) joins\/s/.exec(starting(prefix))[1]);
  return {
    one: perJoin('rush (livecourse join), 1 thread'),
    sixteen: perJoin('rush (livecourse join), 16 threads'),
    tokenUs: Number(/([\d.]+) us\/op/.exec(starting('rush, HS256 token alone'))[1]),
  };
}

// jsonwebtoken.sign of the library's claims with a KeyObject, median us.
function jsonwebtokenUs(header, payload) {
  const key = createSecretKey(Buffer.from(SECRET));
  const extra = Object.fromEntries(Object.entries(header).filter(([k]) => !['alg', 'typ'].includes(k)));
  const options = { algorithm: 'HS256', ...(Object.keys(extra).length ? { header: extra } : {}) };
  const perOp = [];
  for (let r = 0; r < 7; r += 1) {
    const t0 = performance.now();
    for (let i = 0; i < 5000; i += 1) peer.jwt.sign(payload, key, options);
    perOp.push(((performance.now() - t0) * 1000) / 5000);
  }
  return median(perOp);
}

const dir = mkdtempSync(path.join(tmpdir(), 'livecourse-node-rush-'));
try {
  const began = performance.now();
  const core = readCore();
  const libraryBase = path.join(dir, 'library-base.db');
  const peerBase = path.join(dir, 'peer-base.db');
  const sessions = await buildLibraryDatabase(libraryBase);
  const probeFile = path.join(dir, 'probe.db');
  copyDatabase(libraryBase, probeFile);
  const { header, payload, size } = await probeClaims(probeFile, sessions);
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

  const line = (name, runs, ratios, note = '') => {
    const f = (k) => median(runs.map((r) => r[k]));
    const ratio = ratios ? `${median(ratios).toFixed(2)}x peer` : '1.00x (reference)';
    console.log(`${name.padEnd(50)} ${f('perSecond').toFixed(0).padStart(7)} joins/s  p50 ${(f('p50') * 1000).toFixed(0).padStart(6)} us  ` +
      `p99 ${(f('p99') * 1000).toFixed(0).padStart(7)} us  max ${(f('max') * 1000).toFixed(0).padStart(8)} us  ${ratio}${note}`);
  };
  line('hand-written peer (better-sqlite3 + jsonwebtoken)', results.peer, null);
  for (const c of CONCURRENCY) {
    const ratios = results[c].map((r, i) => r.perSecond / results.peer[i].perSecond);
    let note = '';
    if (core) {
      const mine = 1e6 / median(results[c].map((r) => r.perSecond));
      const [threads, theirs] = c === 1 ? ['1 thread', core.one] : ['16 threads', core.sixteen];
      note = `; binding ${mine.toFixed(1)} us/join = ${(mine / theirs).toFixed(2)}x core ${theirs.toFixed(1)} us/join (${threads})`;
    }
    line(`binding, ${c} join${c === 1 ? '' : 's'} in flight`, results[c], ratios, note);
  }
  const jwtUs = jsonwebtokenUs(header, payload);
  console.log(`HS256 token, the library's claims (${size} bytes): jsonwebtoken.sign with a KeyObject ${jwtUs.toFixed(2)} us` +
    (core ? ` = ${(jwtUs / core.tokenUs).toFixed(2)}x the library's ${core.tokenUs.toFixed(2)} us (C++ core, same claims)` : ''));
  console.log(`node_rush: ${((performance.now() - began) / 1000).toFixed(1)} s in all`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
