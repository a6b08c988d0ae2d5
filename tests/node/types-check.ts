// Compiled (never run) by types.test.mjs with `tsc --noEmit --strict`: a
// host's use of the binding must type-check against index.d.ts, and misuse
// must not.
import { Engine, LiveCourseError, ROLES, version } from '../../bindings/node/index.js';
import type {
  AttendanceRow, CalendarEvent, ChatPage, EndedSession, EngineConfig, JoinResult, Role, Session, SeriesResult,
  Statistics, TokenResult, PresenceAck, RecordingResult,
  Notification, NotificationList, NotificationPage, ReadMarker,
} from '../../bindings/node/index.js';

async function main(): Promise<void> {
  const config: EngineConfig = {
    database: './var/livecourse.db',
    jitsi: { mode: 'self_hosted', server_url: 'https://meet.example.org', app_id: 'lms', app_secret: 'x'.repeat(32) },
    calendar: { feed_secret: 'y'.repeat(32) },
    presence: { video_events_secret: 'z'.repeat(32), presence_timeout_seconds: 90 },
    host: {
      roleOf: async (courseId: string, userId: string): Promise<Role> => (courseId && userId ? 'student' : 'none'),
      coursesOf: (userId: string) => [{ course_id: `c-${userId}`, role: 'student' as const }],
      countStudents: () => 30,
      now: () => new Date(),
    },
    hostTimeoutMs: 5000,
  };
  const engine: Engine = await Engine.open(config);
  const alsoEngine = new Engine({ database: ':memory:' });
  await alsoEngine.ready;

  const role: Role = await engine.roleOf('gov-101', 'ana');
  await engine.enroll('gov-101', 'ana', 'student');
  const session: Session = await engine.createSession({ user_id: 'prof', name: 'Prof' }, 'gov-101', {
    title: 'Q&A', starts_at: new Date(), ends_at: '2026-03-07T14:00:00Z', max_participants: 50,
  });
  const starts: Date = session.starts_at;
  const actual: Date | null = session.actual_start_at;
  const joined: JoinResult = await engine.join('ana', session.id);
  const password: string | null = joined.jitsi_room_password;
  const token: TokenResult = await engine.token('ana', session.id);
  const jwt: string | null = token.jwt;
  const expires: Date = token.expires_at;
  const left: boolean = await engine.leave('ana', session.id);
  await engine.postChat('ana', session.id, { type: 'question', body: 'Why?' });
  await engine.postChat('ana', session.id, 'plain text');
  const page: ChatPage = await engine.listChat('prof', session.id, { limit: 10 });
  const rows: AttendanceRow[] = await engine.attendance('prof', session.id);
  const stats: Statistics = await engine.statistics('prof', session.id);
  const ended: EndedSession = await engine.endSession('prof', session.id, 'https://rec.example.edu/1.mp4');
  const listed: Session[] = await engine.listSessions('ana', 'gov-101', 'past');
  const series: SeriesResult = await engine.createSeries('prof', 'gov-101', {
    title: 'Weekly', first_date: '2026-09-01', start_time: '10:00', duration_minutes: 90, weekdays: ['tuesday'], count: 12,
  });
  const cancelled: Session[] = await engine.cancelSeries('prof', series.series.id, { from: new Date(), reason: 'cut' });
  const events: CalendarEvent[] = await engine.calendarEvents('ana', { start: '2026-09-01', end: new Date() });
  const ics: string = await engine.calendarFeed('ana');
  const feed: string = await engine.calendarFeedByToken(await engine.rotateFeedToken('ana'));
  const ack: PresenceAck = await engine.jitsiEvent('secret', 'occupant/joined', { room_name: 'r', occupant: {} });
  const ackReason: string | null = (await engine.jaasWebhook(new Uint8Array([123, 125]), 't=1,v1=x')).reason;
  const beat: string = (await engine.heartbeat('ana', session.id)).session_id;
  // The room name is null for a reader who may not see it: a host narrows it before use.
  const room: string | null = session.jitsi_room_name;
  const rec: RecordingResult = await engine.setRecording({ secret: 's' }, room ?? session.id, 'https://x.example/1.mp4');
  const recSession: Session | null = (await engine.setRecording('prof', session.id, 'https://x.example/1.mp4')).session;
  void [ack.status, ackReason, beat, rec, recSession];
  const claimed: Notification[] = await engine.claimNotifications({ limit: 10, lease_seconds: 60 });
  const due: Date = claimed[0].due_at;
  const acked: string[] = await engine.ackNotifications(claimed.map((n) => n.id));
  const failedOne: Notification = await engine.failNotification('1', { attempts: 1, error: 'HTTP 500' });
  const dead: NotificationPage = await engine.listDeadNotifications({ state: 'dead', limit: 20 });
  const retried: Notification = await engine.retryNotification(dead.notifications[0].id);
  const inbox: NotificationList = await engine.listNotifications('ana', { limit: 20 });
  const isRead: boolean = inbox.notifications[0].read;
  const marker: ReadMarker = await engine.markNotificationsRead('ana', inbox.notifications[0].id);
  void [due, acked, failedOne.state, retried.kind, isRead, marker.unread_count];
  // @ts-expect-error: not a notification state
  await engine.listDeadNotifications({ state: 'lost' });
  // @ts-expect-error: not an event_sync route
  await engine.jitsiEvent('secret', 'occupant/kicked', {});

  try {
    await engine.join('mallory', session.id);
  } catch (err) {
    if (err instanceof LiveCourseError) {
      const code: string = err.code;
      const field: string | null = err.field;
      const reason: string | null = err.reason;
      void [code, field, reason, err.category, err.status];
    }
  }

  // Misuse the declarations must reject.
  // @ts-expect-error: not a role
  await engine.enroll('gov-101', 'ana', 'emperor');
  // @ts-expect-error: a session needs a title
  await engine.createSession('prof', 'gov-101', { starts_at: new Date(), ends_at: new Date() });
  // @ts-expect-error: starts_at is a Date in results
  const wrong: string = session.starts_at;
  // @ts-expect-error: a session's room name is null for readers who may not see it
  const alwaysRoom: string = session.jitsi_room_name;
  // @ts-expect-error: not a session filter
  await engine.listSessions('ana', 'gov-101', 'tomorrow');
  // @ts-expect-error: the config needs a database
  await Engine.open({});

  await engine.close();
  void [role, starts, actual, password, jwt, expires, left, page, rows, stats, ended, listed, cancelled, events, ics,
    feed, wrong, alwaysRoom, ROLES, version];
}

void main;
