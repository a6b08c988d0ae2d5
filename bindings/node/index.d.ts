// Type declarations for livecourse's Node binding. Field names are the
// library's JSON vocabulary (snake_case, one shape everywhere); timestamps
// come back as Date and are accepted as Date or RFC 3339 strings.

/** A point in time: a Date, or an RFC 3339 string ("2026-09-01T08:00:00Z"). */
export type Instant = Date | string;

export type Role = 'none' | 'student' | 'moderator' | 'instructor';
export type SessionStatus = 'scheduled' | 'live' | 'ended' | 'cancelled';
export type SessionFilter = 'upcoming' | 'live' | 'past' | 'all';
export type ChatType = 'text' | 'question' | 'answer';
export type AttendanceSource = 'client' | 'heartbeat' | 'video_server';
export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

/** The user on whose behalf a call is made; a bare string is the user id. */
export interface Actor {
  user_id: string;
  name?: string;
  email?: string;
  avatar?: string;
}
export type ActorLike = string | Actor;

export interface Session {
  id: string;
  course_id: string;
  instructor_id: string;
  title: string;
  description: string;
  starts_at: Date;
  ends_at: Date;
  timezone: string;
  max_participants: number;
  recording_enabled: boolean;
  /** A key to the room: null unless the reader is the course's instructor or a
   * moderator reading or managing this session. Students get it from join()
   * once admitted; listings and calendars never carry it. */
  jitsi_room_name: string | null;
  jitsi_server_url: string;
  status: SessionStatus;
  actual_start_at: Date | null;
  actual_end_at: Date | null;
  recording_url: string | null;
  cancel_reason: string | null;
  series_id: string | null;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

export interface SessionFields {
  title: string;
  description?: string;
  starts_at: Instant;
  ends_at: Instant;
  /** IANA zone name; default "UTC". */
  timezone?: string;
  max_participants?: number;
  recording_enabled?: boolean;
  /** Give the room a random password, handed to admitted participants only. */
  room_password?: boolean;
}

export interface SessionPatch {
  title?: string;
  description?: string;
  starts_at?: Instant;
  ends_at?: Instant;
  timezone?: string;
  max_participants?: number;
  recording_enabled?: boolean;
  /** The revision the change is based on; a different stored one fails with `revision_mismatch`. */
  revision?: number;
}

export interface Statistics {
  session_id: string;
  actual_duration_seconds: number;
  participants_count: number;
  students_count: number;
  enrolled_count: number;
  attendance_rate: number;
  average_presence_seconds: number;
  median_presence_seconds: number;
  peak_concurrent: number;
  recording_url: string | null;
}

export interface EndedSession extends Session {
  statistics: Statistics;
}

export interface JoinResult {
  session_id: string;
  jitsi_room_name: string;
  jitsi_join_url: string;
  jitsi_room_password: string | null;
  /** True when the user was already admitted (a rejoin takes no new seat). */
  rejoined: boolean;
}

export interface TokenResult {
  /** null in public (meet.jit.si) mode, which accepts no third-party tokens. */
  jwt: string | null;
  jitsi_join_url: string;
  expires_at: Date;
}

export interface AttendanceRow {
  user_id: string;
  role: Role;
  present_seconds: number;
  joins: number;
  first_join_at: Date | null;
  last_leave_at: Date | null;
  is_present: boolean;
  source: AttendanceSource;
}

export type AttendanceOutcome = 'present' | 'late' | 'left_early' | 'absent';
export type AttendanceReason = 'never_joined' | 'below_minimum' | 'joined_late' | 'left_early';

export interface StudentOutcome {
  user_id: string;
  /** A host's decision where there is one. */
  outcome: AttendanceOutcome;
  computed_outcome: AttendanceOutcome;
  decision: AttendanceOverride | null;
  counted_seconds: number;
  required_seconds: number;
  reference_seconds: number;
  first_counted_at: Date | null;
  last_counted_at: Date | null;
  reasons: AttendanceReason[];
}

/** A host's decision on one student's verdict (`outcome` null: a decision withdrawn). */
export interface AttendanceOverride {
  session_id: string;
  user_id: string;
  outcome: AttendanceOutcome | null;
  reason: string;
  decided_by: string;
  decided_at: Date;
}

export interface AttendanceOutcomes {
  session_id: string;
  state: 'provisional' | 'final';
  policy: {
    minimum_share: number;
    late_after_seconds: number;
    early_leave_before_seconds: number;
    count_before_instructor: boolean;
  };
  window_starts_at: Date;
  window_ends_at: Date;
  outcomes: StudentOutcome[];
}

/** A date range: instants, or dates "2026-03-01" (UTC days). */
export interface CourseAttendanceRange {
  from: Instant;
  /** Exclusive. */
  to: Instant;
}

/** A course's attendance over a range: one column per session held, one row per student. */
export interface CourseAttendance {
  course_id: string;
  range_starts_at: Date;
  range_ends_at: Date;
  state: 'provisional' | 'final';
  sessions: {
    session_id: string;
    title: string;
    starts_at: Date;
    status: SessionStatus;
    state: 'provisional' | 'final';
  }[];
  students: {
    user_id: string;
    /** One per session, in the order of `sessions`. */
    outcomes: { session_id: string; outcome: AttendanceOutcome; counted_seconds: number; overridden: boolean }[];
    present: number;
    late: number;
    left_early: number;
    absent: number;
    counted_seconds: number;
    /** Sessions attended (present, late or left early) / sessions; null when none was held. */
    attendance_rate: number | null;
  }[];
}

/** One participant in the room now. */
export interface RosterEntry {
  user_id: string;
  role: Role;
  /** The start of the earliest connection still open. */
  joined_at: Date;
  source: AttendanceSource;
  /** Connections open now (tabs, devices). */
  connections: number;
}

/** Who is in a session's room at `observed_at`; empty unless the session is live. */
export interface LiveRoster {
  session_id: string;
  status: SessionStatus;
  observed_at: Date;
  participants: RosterEntry[];
}

export interface ChatMessage {
  id: string;
  session_id: string;
  user_id: string;
  type: ChatType;
  body: string;
  reply_to: string | null;
  created_at: Date;
}

export interface ChatInput {
  /** Default "text". */
  type?: ChatType;
  body: string;
  /** The question an answer replies to (answers only). */
  reply_to?: string;
}

export interface ChatPage {
  messages: ChatMessage[];
  next_cursor: string | null;
}

export interface ChatListOptions {
  cursor?: string | null;
  /** 1..200, default 50. */
  limit?: number;
}

export interface SeriesFields {
  title: string;
  description?: string;
  max_participants?: number;
  recording_enabled?: boolean;
  room_password?: boolean;
  /** IANA zone in which start_time is wall-clock time. */
  timezone?: string;
  /** "2026-09-01", or a Date (its UTC calendar day). */
  first_date: string | Date;
  /** "10:00" */
  start_time: string;
  duration_minutes: number;
  weekdays: Weekday[];
  interval_weeks?: number;
  count?: number;
  /** "2027-06-30", or a Date (its UTC calendar day). */
  until?: string | Date;
}

export interface Series {
  id: string;
  course_id: string;
  instructor_id: string;
  /** A readable description of the recurrence ("FREQ=WEEKLY;...;BYDAY=TU;COUNT=12 start=... tz=..."). */
  rule: string;
  created_at: Date;
}

export interface SeriesResult {
  series: Series;
  sessions: Session[];
}

export interface CancelSeriesOptions {
  /** Occurrences starting at or after it are cancelled; default now. */
  from?: Instant;
  reason?: string;
}

export interface CalendarQuery {
  /** An instant, or a date "2024-03-01". */
  start: Instant;
  /** Exclusive; an instant or a date. */
  end: Instant;
  status?: SessionStatus;
}

export interface CalendarEvent {
  type: 'live_session';
  id: string;
  course_id: string;
  title: string;
  starts_at: Date;
  ends_at: Date;
  status: SessionStatus;
  join_url: string;
}

export interface Enrollment {
  course_id: string;
  user_id: string;
  role: Role;
}

type MaybePromise<T> = T | Promise<T>;

/**
 * Host hooks, called on the JavaScript thread while an engine call waits on
 * one of the engine's worker threads. Answer quickly, from memory or over the
 * network; a hook that awaits another call of the same engine needs a free
 * worker, and with every worker waiting in a hook it waits until
 * `hostTimeoutMs`. An answer later than `hostTimeoutMs` fails the call.
 */
export interface HostHooks {
  /** The user's role in the course; replaces the built-in roster when set. */
  roleOf?(courseId: string, userId: string): MaybePromise<Role | null | undefined>;
  /** The user's courses (needed for calendars when roleOf is set). */
  coursesOf?(userId: string): MaybePromise<Iterable<{ course_id: string; role: Role }>>;
  /** Students enrolled in a course, or null if unknown. */
  countStudents?(courseId: string): MaybePromise<number | null | undefined>;
  /** The current time (a Date or epoch milliseconds), for tests. */
  now?(): MaybePromise<Date | number>;
}

export interface JitsiConfig {
  mode?: 'public' | 'self_hosted' | 'jaas';
  server_url?: string;
  tenant?: string;
  app_id?: string;
  app_secret?: string;
  subject?: string;
  audience?: string;
  jaas_key_id?: string;
  jaas_private_key_pem?: string;
  room_prefix?: string;
  token_grace_seconds?: number;
  token_cap_seconds?: number;
  not_before_skew_seconds?: number;
  livestreaming?: boolean;
  resolution?: number;
  channel_last_n?: number;
  start_audio_muted?: number;
  [field: string]: unknown;
}

export interface CalendarConfig {
  join_url_pattern?: string;
  organizer_email?: string;
  uid_domain?: string;
  calendar_name?: string;
  /** At least 32 bytes; needed for feed tokens. */
  feed_secret?: string;
  [field: string]: unknown;
}

/** Video-server events, JaaS webhooks and heartbeats (docs/presence.md). */
export interface PresenceConfig {
  /** The event_sync bearer secret (>= 32 bytes). */
  video_events_secret?: string;
  jaas_webhook_secret?: string;
  /** Events of another JaaS AppID are ignored; default: jitsi.app_id in jaas mode. */
  jaas_app_id?: string;
  /** Default 300. */
  jaas_signature_tolerance_seconds?: number;
  /** Heartbeat silence that ends an interval; default 90. */
  presence_timeout_seconds?: number;
  /** Event times accepted ahead of the clock; default 60. */
  clock_skew_seconds?: number;
}

export type PresenceIgnoredReason =
  | 'unknown_room'
  | 'unknown_user'
  | 'never_live'
  | 'duplicate'
  | 'app_id_mismatch'
  | 'clock_skew'
  | 'no_attendance_data'
  | 'recording_url_already_set'
  | 'not_live'
  | 'nobody_absent'
  | (string & {});

/** What a presence report did; ignored reports are acknowledged, never errors. */
export interface PresenceAck {
  status: 'recorded' | 'ignored';
  reason: PresenceIgnoredReason | null;
}

export interface HeartbeatAck extends PresenceAck {
  session_id: string;
}

export interface RecordingResult extends PresenceAck {
  /** The session as it now is, or null when none was found. */
  session: Session | null;
}

/** One occupant of a room census: mod_muc_size's shape, or a user id. */
export interface CensusOccupant {
  email?: string;
  user_id?: string;
  id?: string;
  jid?: string;
  display_name?: string;
}

export interface RoomCensus {
  /** The room's name, or its MUC address (room@conference.example.org). */
  room: string;
  /** The main room's and the breakout rooms' occupants together. */
  occupants: CensusOccupant[];
  /** When the census was taken: Unix seconds or a Date (default: now). */
  at?: number | Date;
  /** How an occupant names a user: by e-mail (default) or by user id. */
  match?: 'email' | 'user_id';
}

export interface CensusAck extends PresenceAck {
  session_id: string | null;
  named: number;
  absent: number;
  unidentified: number;
}

export type JitsiEventKind = 'room/created' | 'room/destroyed' | 'occupant/joined' | 'occupant/left';

/** The notification outbox's retry policy (docs/notifications.md). */
export interface NotificationConfig {
  /** Failed attempts before a notification is parked dead; default 8. */
  max_attempts?: number;
  /** The default backoff doubles from this (default 5) up to max_retry_seconds (default 300). */
  first_retry_seconds?: number;
  max_retry_seconds?: number;
}

export type NotificationKind =
  | 'reminder_24h'
  | 'reminder_1h'
  | 'session_live'
  | 'session_cancelled'
  | 'session_rescheduled'
  | 'recording_available';
export type NotificationState = 'pending' | 'delivered' | 'dead';

/** One notification of the outbox; the same object as the reference server's webhook body. */
export interface Notification {
  /** Stable: the webhook-id of every delivery attempt. */
  id: string;
  kind: NotificationKind;
  /** The recipient. */
  user_id: string;
  course_id: string;
  session_id: string;
  /** The session as it was when the notification was planned. */
  title: string;
  starts_at: Date;
  ends_at: Date;
  timezone: string;
  join_url: string;
  cancel_reason: string | null;
  created_at: Date;
  due_at: Date;
  /** Claims so far. */
  attempts: number;
  /** Unique per planned event: deduplicate deliveries on it. */
  idempotency_key: string;
  state: NotificationState;
  /** Pending only: when it may next be claimed. */
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  last_error: string | null;
}

/** In-app lists add the read flag. */
export interface InAppNotification extends Notification {
  read: boolean;
}

export interface NotificationPage {
  notifications: Notification[];
  next_cursor: string | null;
}

export interface NotificationList {
  notifications: InAppNotification[];
  next_cursor: string | null;
  read_up_to: string | null;
  unread_count: number;
}

export interface ReadMarker {
  read_up_to: string | null;
  unread_count: number;
}

export interface ClaimOptions {
  /** 1..200, default 10. */
  limit?: number;
  /** 1..3600, default 60. */
  lease_seconds?: number;
}

export interface FailOptions {
  /** The `attempts` the claim returned: a report about an older claim is refused (`not_claimed`). */
  attempts?: number;
  /** Default: the engine's exponential backoff with jitter. */
  retry_in_seconds?: number;
  error?: string;
}

export interface NotificationStateListOptions {
  /** Default "dead". */
  state?: NotificationState;
  cursor?: string | null;
  /** 1..200, default 50. */
  limit?: number;
}

export interface EngineConfig {
  /** A SQLite file path. */
  database: string;
  jitsi?: JitsiConfig;
  calendar?: CalendarConfig;
  participants_may_share_screen?: boolean;
  presence?: PresenceConfig;
  notifications?: NotificationConfig;
  /** Hooks written in JavaScript (binding-only). */
  host?: HostHooks;
  /** How long a call waits for a host hook; default 10000, 0 waits forever (binding-only). */
  hostTimeoutMs?: number;
  /**
   * The engine's own worker threads, 1 to 256; default 16 (binding-only). Calls
   * run on them, not on libuv's thread pool; concurrent joins on them share
   * one commit, so a rush wants more threads than cores.
   */
  workerThreads?: number;
}

export type ErrorCategory =
  | 'invalid_argument'
  | 'not_found'
  | 'forbidden'
  | 'conflict'
  | 'session_full'
  | 'storage'
  | 'unauthenticated'
  | 'internal'
  | 'no_memory'
  | 'host_callback'
  | 'would_block'
  | (string & {});

export class LiveCourseError extends Error {
  constructor(
    message: string,
    details?: { code?: string; category?: string; field?: string | null; status?: number; cause?: unknown },
  );
  readonly name: 'LiveCourseError';
  /** The most specific stable code ("session_full", "not_enrolled", ..., else the category). */
  readonly code: string;
  readonly category: ErrorCategory;
  /** The reason when one applies, else null. */
  readonly reason: string | null;
  /** The offending input field, or null. */
  readonly field: string | null;
  /** The numeric lc_status. */
  readonly status: number;
}

export class Engine {
  /** Opens in the background; calls wait for it. Prefer `await Engine.open(config)`. */
  constructor(config: EngineConfig);
  static open(config: EngineConfig): Promise<Engine>;
  static readonly libraryVersion: string;
  /** Settles once the engine is open. */
  readonly ready: Promise<void>;
  /** Closes once every call in flight has settled; idempotent. */
  close(): Promise<void>;

  enroll(courseId: string, userId: string, role?: Role): Promise<Enrollment>;
  unenroll(courseId: string, userId: string): Promise<Enrollment>;
  setRole(courseId: string, userId: string, role: Role): Promise<Enrollment>;
  roleOf(courseId: string, userId: string): Promise<Role>;
  putUser(user: Actor): Promise<Actor>;

  createSession(actor: ActorLike, courseId: string, fields: SessionFields): Promise<Session>;
  getSession(actor: ActorLike, sessionId: string): Promise<Session>;
  listSessions(actor: ActorLike, courseId: string, status?: SessionFilter): Promise<Session[]>;
  updateSession(actor: ActorLike, sessionId: string, patch: SessionPatch): Promise<Session>;
  cancelSession(actor: ActorLike, sessionId: string, reason?: string): Promise<Session>;
  startSession(actor: ActorLike, sessionId: string): Promise<Session>;
  endSession(actor: ActorLike, sessionId: string, recordingUrl?: string): Promise<EndedSession>;

  join(actor: ActorLike, sessionId: string): Promise<JoinResult>;
  /** True if an open connection was closed; false for a leave without a join. */
  leave(actor: ActorLike, sessionId: string): Promise<boolean>;
  token(actor: ActorLike, sessionId: string): Promise<TokenResult>;

  attendance(actor: ActorLike, sessionId: string): Promise<AttendanceRow[]>;
  statistics(actor: ActorLike, sessionId: string): Promise<Statistics>;
  /** Each admitted student's verdict under the engine's attendance policy. */
  attendanceOutcomes(actor: ActorLike, sessionId: string): Promise<AttendanceOutcomes>;
  /** Who is in the room now (instructor and moderators); cheap enough to poll every few seconds. */
  liveRoster(actor: ActorLike, sessionId: string): Promise<LiveRoster>;
  courseAttendance(actor: ActorLike, courseId: string, range: CourseAttendanceRange): Promise<CourseAttendance>;
  overrideAttendance(actor: ActorLike, sessionId: string, userId: string, outcome: AttendanceOutcome | null,
                     reason: string): Promise<AttendanceOverride>;
  attendanceOverrideLog(actor: ActorLike, sessionId: string): Promise<AttendanceOverride[]>;

  postChat(actor: ActorLike, sessionId: string, message: ChatInput | string): Promise<ChatMessage>;
  listChat(actor: ActorLike, sessionId: string, options?: ChatListOptions): Promise<ChatPage>;

  createSeries(actor: ActorLike, courseId: string, fields: SeriesFields): Promise<SeriesResult>;
  cancelSeries(actor: ActorLike, seriesId: string, options?: CancelSeriesOptions): Promise<Session[]>;

  calendarEvents(actor: ActorLike, query: CalendarQuery): Promise<CalendarEvent[]>;
  /** The user's calendar as RFC 5545 text. */
  calendarFeed(userId: string): Promise<string>;
  calendarFeedByToken(token: string): Promise<string>;
  feedToken(userId: string): Promise<string>;
  rotateFeedToken(userId: string): Promise<string>;

  /** An event of Jitsi's event_sync module; `payload` parsed, or the raw body. */
  jitsiEvent(secret: string, kind: JitsiEventKind, payload: object | string | Uint8Array): Promise<PresenceAck>;
  /** A room census with the video-events secret: users it does not name stop counting at `at`. */
  roomCensus(secret: string, census: RoomCensus): Promise<CensusAck>;
  /** A JaaS webhook: the raw body and its X-Jaas-Signature header. */
  jaasWebhook(body: string | Uint8Array, signature: string | undefined | null): Promise<PresenceAck>;
  heartbeat(actor: ActorLike, sessionId: string): Promise<HeartbeatAck>;
  /** By an instructor or moderator, or with `{ secret }` (the video-events secret). */
  setRecording(by: ActorLike | { secret: string }, sessionId: string, recordingUrl: string): Promise<RecordingResult>;

  // The notification outbox (docs/notifications.md): the host's side, on behalf of no user.
  claimNotifications(options?: ClaimOptions): Promise<Notification[]>;
  ackNotifications(ids: string[] | string): Promise<string[]>;
  failNotification(id: string, options?: FailOptions): Promise<Notification>;
  listDeadNotifications(options?: NotificationStateListOptions): Promise<NotificationPage>;
  retryNotification(id: string): Promise<Notification>;
  // A user's in-app list and read marker.
  listNotifications(actor: ActorLike, options?: ChatListOptions): Promise<NotificationList>;
  markNotificationsRead(actor: ActorLike, upTo: string): Promise<ReadMarker>;
}

export const ROLES: readonly Role[];
/** LC_ABI_VERSION the addon was built for. */
export const ABI_VERSION: number;
/** The loaded library's version ("0.1.0"). */
export const version: string;

declare const livecourse: {
  Engine: typeof Engine;
  LiveCourseError: typeof LiveCourseError;
  ROLES: typeof ROLES;
  ABI_VERSION: number;
  version: string;
};
export default livecourse;
