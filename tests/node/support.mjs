// Helpers shared by the Node binding's tests (node --test tests/node/).
//
// The addon is the one LIVECOURSE_NODE_ADDON names (make test-node sets it);
// without it, index.js looks in the source tree's build/ directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PACKAGE_DIR = path.join(ROOT, 'bindings', 'node');

const livecourse = await import(path.join(PACKAGE_DIR, 'index.mjs'));
export const { Engine, LiveCourseError } = livecourse;

// Saturday 7 March 2026, 14:00 in Paris (13:00Z): the seed's Q&A slot.
export const T0 = new Date('2026-03-07T13:00:00Z');
export const SECRET = 's3cret-s3cret-s3cret-s3cret-s3cret-0123456789';  // >= 32 bytes
export const FEED_SECRET = 'feed-secret-feed-secret-feed-secret-0123456789';
export const HOUR = 3600 * 1000;
export const MINUTE = 60 * 1000;

/** A clock the tests move by hand; the engine reads it through the `now` hook. */
export class ManualClock {
  constructor(start = T0) {
    this.ms = start.getTime();
  }
  now() {
    return new Date(this.ms);
  }
  set(date) {
    this.ms = date.getTime();
  }
  advance(ms) {
    this.ms += ms;
    return this.now();
  }
}

/** A fresh directory for one test's database, removed by `t.after`. */
export function tempDir(t) {
  const dir = mkdtempSync(path.join(tmpdir(), 'livecourse-node-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An engine on a fresh database, closed after the test. */
export async function openEngine(t, { clock, ...config } = {}) {
  const dir = tempDir(t);
  const host = { ...(config.host || {}) };
  if (clock) host.now = () => clock.now();
  const engine = await Engine.open({
    database: path.join(dir, 'livecourse.db'),
    calendar: { feed_secret: FEED_SECRET, ...(config.calendar || {}) },
    ...config,
    host,
  });
  t.after(() => engine.close());
  return engine;
}

/** An instructor, a moderator and `students` students in course `id`. */
export async function enrollCourse(engine, id = 'gov-101', students = 5) {
  const course = {
    id,
    instructor: 'prof',
    moderator: 'ta',
    students: Array.from({ length: students }, (_, i) => `student-${String(i + 1).padStart(3, '0')}`),
    outsider: 'mallory',
  };
  await engine.enroll(id, course.instructor, 'instructor');
  await engine.enroll(id, course.moderator, 'moderator');
  await Promise.all(course.students.map((s) => engine.enroll(id, s)));
  return course;
}

export function schedule(engine, course, { start = T0, hours = 1, ...fields } = {}) {
  return engine.createSession(course.instructor, course.id, {
    title: 'Q&A sur la gouvernance',
    starts_at: start,
    ends_at: new Date(start.getTime() + hours * HOUR),
    ...fields,
  });
}

/** Resolves to the LiveCourseError a promise rejects with (fails if it resolves). */
export async function failure(promise) {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof LiveCourseError)) throw err;
    return err;
  }
  throw new Error('expected a LiveCourseError, the call succeeded');
}
