// Presence the video server reports, heartbeats and recordings, from Node.
// JaaS signatures are computed with Node's own crypto (an independent HMAC).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import test from 'node:test';

import { ManualClock, MINUTE, enrollCourse, failure, openEngine, schedule } from './support.mjs';

const EVENTS_SECRET = 'event-sync-secret-0123456789abcdefghijklmnop';
const JAAS_SECRET = 'whsec_node_binding_secret_0123456789';
const presence = { video_events_secret: EVENTS_SECRET, jaas_webhook_secret: JAAS_SECRET };

function sign(body, t, secret = JAAS_SECRET) {
  const mac = createHmac('sha256', secret).update(`${t}.`).update(body).digest('base64');
  return `t=${t},v1=${mac}`;
}

async function liveSession(t) {
  const clock = new ManualClock();
  const engine = await openEngine(t, { clock, presence });
  const course = await enrollCourse(engine);
  const session = await schedule(engine, course);
  clock.set(session.starts_at);
  const live = await engine.startSession(course.instructor, session.id);
  return { clock, engine, course, session: live, base: Math.floor(live.actual_start_at.getTime() / 1000) };
}

test('event_sync occupants: idempotent, order-independent, attendance from the video server', async (t) => {
  const { clock, engine, course, session, base } = await liveSession(t);
  const student = course.students[0];
  const occupant = { occupant_jid: 'n1@meet.example.org/A', id: student, joined_at: base + 10, left_at: base + 130 };
  clock.advance(5 * MINUTE);
  const left = await engine.jitsiEvent(EVENTS_SECRET, 'occupant/left', { room_name: session.jitsi_room_name, occupant });
  assert.deepEqual(left, { status: 'recorded', reason: null });
  const { left_at: _ignored, ...joinedOccupant } = occupant;
  const raw = JSON.stringify({ room_name: session.jitsi_room_name, occupant: joinedOccupant });
  const joined = await engine.jitsiEvent(`Bearer ${EVENTS_SECRET}`, 'occupant/joined', Buffer.from(raw));
  assert.deepEqual(joined, { status: 'ignored', reason: 'duplicate' });
  const rows = await engine.attendance(course.instructor, session.id);
  const row = rows.find((r) => r.user_id === student);
  assert.equal(row.present_seconds, 120);
  assert.equal(row.source, 'video_server');
  assert.ok(row.first_join_at instanceof Date);

  const err = await failure(engine.jitsiEvent('nope', 'occupant/joined', { room_name: session.jitsi_room_name }));
  assert.equal(err.category, 'unauthenticated');
  assert.equal(err.code, 'invalid_secret');
  const bad = await failure(engine.jitsiEvent(EVENTS_SECRET, 'occupant/joined', '{"room_name": 3}'));
  assert.equal(bad.category, 'invalid_argument');
  assert.equal(bad.field, 'room_name');
});

test('a room census ends the intervals of users the video server no longer lists', async (t) => {
  const { clock, engine, course, session, base } = await liveSession(t);
  const [here, ghost] = course.students;
  for (const user of [here, ghost]) {
    await engine.putUser({ user_id: user, name: user, email: `${user}@school.example.edu` });
    await engine.join(user, session.id);
  }
  clock.advance(10 * MINUTE);
  // Matched by user id: the census names `here` only, and a guest.
  const census = { room: session.jitsi_room_name, at: base + 240, match: 'user_id', occupants: [{ user_id: here }, { jid: 'x/guest' }] };
  const ack = await engine.roomCensus(EVENTS_SECRET, census);
  assert.deepEqual(ack, { status: 'recorded', reason: null, session_id: session.id, named: 1, absent: 1, unidentified: 1 });
  const rows = await engine.attendance(course.instructor, session.id);
  assert.equal(rows.find((r) => r.user_id === here).present_seconds, 600);
  assert.equal(rows.find((r) => r.user_id === ghost).present_seconds, 240);
  const again = await engine.roomCensus(EVENTS_SECRET, { ...census, at: new Date((base + 240) * 1000) });
  assert.equal(again.reason, 'duplicate');
  const bad = await failure(engine.roomCensus(EVENTS_SECRET, { room: session.jitsi_room_name }));
  assert.equal(bad.category, 'invalid_argument');
  assert.equal(bad.field, 'occupants');
  const refused = await failure(engine.roomCensus('nope', census));
  assert.equal(refused.code, 'invalid_secret');
});

test('JaaS webhooks verified against a signature made with node:crypto', async (t) => {
  const { clock, engine, course, session, base } = await liveSession(t);
  clock.advance(MINUTE);
  const now = Math.floor(clock.now().getTime() / 1000);
  const body = JSON.stringify({
    idempotencyKey: 'node-1', customerId: 'c', appId: 'vpaas-magic-cookie-x', eventType: 'PARTICIPANT_JOINED',
    sessionId: 'm', timestamp: (base + 5) * 1000, fqn: `vpaas-magic-cookie-x/${session.jitsi_room_name}`,
    data: { id: course.students[1], participantId: 'p1' },
  });
  assert.equal((await engine.jaasWebhook(body, sign(body, now))).status, 'recorded');
  assert.equal((await engine.jaasWebhook(Buffer.from(body), sign(body, now))).reason, 'duplicate');
  for (const [b, s] of [
    [body.replace('p1', 'p2'), sign(body, now)],
    [body, sign(body, now, 'wrong-secret-wrong-secret-0123456')],
    [body, sign(body, now - 3600)],
    [body, sign(body, now).replace('v1=', 'v9=')],
    [body, undefined],
  ]) {
    const err = await failure(engine.jaasWebhook(b, s));
    assert.equal(err.category, 'unauthenticated');
    assert.match(err.code, /^(invalid|stale)_signature$/);
  }
  const rows = await engine.attendance(course.instructor, session.id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].is_present, true);
});

test('heartbeats on a manual clock; recordings by the instructor and by the secret', async (t) => {
  const { clock, engine, course, session } = await liveSession(t);
  const student = course.students[2];
  await engine.join(student, session.id);
  for (let i = 0; i < 5; i += 1) {
    const ack = await engine.heartbeat(student, session.id);
    assert.deepEqual(ack, { status: 'recorded', reason: null, session_id: session.id });
    clock.advance(30 * 1000);
  }
  clock.advance(10 * MINUTE);
  let row = (await engine.attendance(course.instructor, session.id)).find((r) => r.user_id === student);
  assert.equal(row.present_seconds, 120);
  assert.equal(row.is_present, false);
  assert.equal(row.source, 'heartbeat');

  await engine.endSession(course.instructor, session.id);
  assert.equal((await engine.heartbeat(student, session.id)).reason, 'not_live');
  const bySecret = await engine.setRecording({ secret: EVENTS_SECRET }, session.jitsi_room_name, 'https://m.example.edu/1.mp4');
  assert.equal(bySecret.status, 'recorded');
  assert.equal(bySecret.session.recording_url, 'https://m.example.edu/1.mp4');
  assert.ok(bySecret.session.actual_end_at instanceof Date);
  const again = await engine.setRecording({ secret: EVENTS_SECRET }, session.id, 'https://m.example.edu/2.mp4');
  assert.equal(again.reason, 'recording_url_already_set');
  const byProf = await engine.setRecording(course.instructor, session.id, 'https://m.example.edu/final.mp4');
  assert.equal(byProf.session.recording_url, 'https://m.example.edu/final.mp4');
  const forbidden = await failure(engine.setRecording(student, session.id, 'https://m.example.edu/x.mp4'));
  assert.equal(forbidden.category, 'forbidden');
  row = (await engine.attendance(course.instructor, session.id)).find((r) => r.user_id === student);
  assert.equal(row.present_seconds, 120);
});
