// An LMS-style host in Node: the seed's use case 2, "Cours en direct".
//
// An instructor creates a weekly course (every Tuesday at 10:00, Paris time),
// students enrolled in the LMS follow it live, the instructor shares the
// screen, and the class is recorded. Run it after building:
//   LIVECOURSE_NODE_ADDON=build/bindings/node/livecourse.node node examples/node_host.mjs
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine, LiveCourseError } from '../bindings/node/index.mjs';

const dir = mkdtempSync(join(tmpdir(), 'livecourse-node-host-'));
// The host's clock: a week before the first class, moved by the story below.
let now = new Date('2026-09-01T08:00:00Z');
const engine = await Engine.open({
  host: { now: () => now },
  database: join(dir, 'host.db'),
  jitsi: {
    mode: 'self_hosted',
    server_url: 'https://meet.example.edu',
    app_id: 'lms',
    app_secret: 'an-example-secret-that-is-long-enough-0123456789',
  },
});
try {
  const prof = { user_id: 'prof-diallo', name: 'Aminata Diallo' };
  await engine.enroll('gov-101', prof.user_id, 'instructor');
  for (let i = 1; i <= 5; i++) await engine.enroll('gov-101', `student-${i}`, 'student');

  const firstDate = now.toISOString().slice(0, 10);
  const series = await engine.createSeries(prof, 'gov-101', {
    title: 'Cours: Introduction à la gouvernance', first_date: firstDate, start_time: '10:00',
    duration_minutes: 90, weekdays: ['tuesday'], timezone: 'Europe/Paris', count: 12,
    max_participants: 4, recording_enabled: true,
  });
  console.log(`series ${series.series.id}: ${series.sessions.length} Tuesdays`);

  const first = series.sessions[0];
  now = first.starts_at;
  await engine.startSession(prof, first.id);
  const host = await engine.token(prof, first.id);
  console.log('instructor joins as moderator:', host.jitsi_join_url.split('#')[0]);

  const joins = await Promise.allSettled(
    [1, 2, 3, 4, 5].map((i) => engine.join({ user_id: `student-${i}` }, first.id)));
  joins.forEach((r, i) => console.log(`student-${i + 1}:`, r.status === 'fulfilled'
    ? 'joined' : r.reason instanceof LiveCourseError ? r.reason.code : r.reason));

  now = new Date(first.starts_at.getTime() + 90 * 60_000);
  const end = await engine.endSession(prof, first.id, 'https://recordings.example.edu/gov-101/1.mp4');
  const st = end.statistics;
  console.log(`ended: ${st.participants_count} present, ${st.students_count}/${st.enrolled_count} students, ` +
    `recording ${st.recording_url}`);
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}
