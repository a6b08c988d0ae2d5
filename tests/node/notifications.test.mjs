// The notification outbox through the Node binding: planning, claims, acks,
// failures, dead letters, retries, the in-app list and its read marker.
import assert from 'node:assert/strict';
import test from 'node:test';

import { HOUR, ManualClock, T0, enrollCourse, failure, openEngine, schedule } from './support.mjs';

test('a new session plans reminders for every member but the actor; claims lease them once', async (t) => {
  const clock = new ManualClock();
  const engine = await openEngine(t, { clock });
  const course = await enrollCourse(engine);
  const start = new Date(T0.getTime() + 48 * HOUR);
  const session = await schedule(engine, course, { start, timezone: 'Europe/Paris' });
  assert.deepEqual(await engine.claimNotifications(), []);

  clock.set(new Date(start.getTime() - 24 * HOUR));
  const claimed = await engine.claimNotifications({ limit: 50, lease_seconds: 30 });
  assert.deepEqual(new Set(claimed.map((n) => n.user_id)), new Set([course.moderator, ...course.students]));
  for (const n of claimed) {
    assert.equal(n.kind, 'reminder_24h');
    assert.equal(n.session_id, session.id);
    assert.equal(n.timezone, 'Europe/Paris');
    assert.ok(n.starts_at instanceof Date && n.due_at instanceof Date && n.next_attempt_at instanceof Date);
    assert.equal(n.starts_at.getTime(), start.getTime());
    assert.equal(n.attempts, 1);
    assert.equal(n.state, 'pending');
    assert.equal(n.idempotency_key, `reminder_24h:${session.id}:${start.getTime() / 1000}:${n.user_id}`);
  }
  assert.deepEqual(await engine.claimNotifications({ limit: 50 }), []);  // leased
  const acked = await engine.ackNotifications(claimed.map((n) => n.id));
  assert.equal(acked.length, claimed.length);
  assert.deepEqual(await engine.ackNotifications(claimed[0].id), []);
});

test('failures back off, the last one parks the notification dead, an operator retries it', async (t) => {
  const clock = new ManualClock();
  const engine = await openEngine(t, { clock, notifications: { max_attempts: 2 } });
  const course = await enrollCourse(engine, 'c', 0);
  await schedule(engine, course, { start: new Date(T0.getTime() + HOUR) });  // the moderator's 1 h reminder
  const [first] = await engine.claimNotifications();
  const failed = await engine.failNotification(first.id, { attempts: first.attempts, error: 'HTTP 500', retry_in_seconds: 7 });
  assert.equal(failed.state, 'pending');
  assert.equal(failed.last_error, 'HTTP 500');
  assert.equal(failed.next_attempt_at.getTime(), clock.now().getTime() + 7000);
  const stale = await failure(engine.failNotification(first.id, { attempts: first.attempts }));
  assert.equal(stale.code, 'not_claimed');
  assert.equal(stale.category, 'conflict');

  clock.advance(7000);
  const [second] = await engine.claimNotifications();
  assert.equal(second.attempts, 2);
  assert.equal((await engine.failNotification(second.id)).state, 'dead');
  const dead = await engine.listDeadNotifications();
  assert.deepEqual(dead.notifications.map((n) => n.id), [first.id]);
  assert.equal(dead.next_cursor, null);
  const back = await engine.retryNotification(first.id);
  assert.equal(back.state, 'pending');
  assert.equal(back.attempts, 0);
  assert.equal((await failure(engine.retryNotification(first.id))).code, 'not_dead');
  assert.equal((await failure(engine.retryNotification('424242'))).code, 'not_found');
});

test('cancelling tells everyone else why; the in-app list pages and keeps a read marker', async (t) => {
  const clock = new ManualClock();
  const engine = await openEngine(t, { clock });
  const course = await enrollCourse(engine);
  const student = course.students[0];
  const sessions = [];
  for (let i = 0; i < 3; i += 1) {
    sessions.push(await schedule(engine, course, { start: new Date(clock.now().getTime() + 3 * HOUR), title: `S${i}` }));
    clock.advance(1000);
  }
  for (const s of sessions) await engine.cancelSession(course.instructor, s.id, 'Grève');
  const page = await engine.listNotifications(student, { limit: 2 });
  assert.equal(page.unread_count, 3);
  assert.equal(page.read_up_to, null);
  assert.deepEqual(page.notifications.map((n) => n.kind), ['session_cancelled', 'session_cancelled']);
  assert.equal(page.notifications[0].cancel_reason, 'Grève');
  assert.equal(page.notifications[0].read, false);
  const rest = await engine.listNotifications(student, { cursor: page.next_cursor });
  assert.equal(rest.notifications.length, 1);
  assert.equal(rest.next_cursor, null);

  const marker = await engine.markNotificationsRead(student, page.notifications[0].id);
  assert.equal(marker.unread_count, 0);
  const listed = await engine.listNotifications(student);
  assert.ok(listed.notifications.every((n) => n.read));
  const instructorsOwn = await engine.listNotifications(course.instructor);
  assert.equal(instructorsOwn.notifications.length, 0);
  const err = await failure(engine.markNotificationsRead(course.moderator, page.notifications[0].id));
  assert.equal(err.field, 'up_to');
});
