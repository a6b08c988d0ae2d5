'use strict';
// livecourse for Node: live classes on Jitsi Meet for an LMS backend.
//
// A thin, asynchronous layer over the C ABI (capi/include/livecourse.h): every
// method sends one JSON request to the native addon, which runs it on the
// engine's own worker threads and settles a Promise (calls that finish
// together are settled together, by one wake-up of the event loop). Results keep the library's JSON
// vocabulary (snake_case fields, one shape everywhere) with every timestamp
// (`*_at`) turned into a Date; failures are LiveCourseError with the stable
// `.code`, `.category`, `.reason` and `.field`.

const path = require('node:path');
const fs = require('node:fs');

// ------------------------------------------------------------ the addon

function addonCandidates() {
  const out = [];
  if (process.env.LIVECOURSE_NODE_ADDON) out.push(path.resolve(process.env.LIVECOURSE_NODE_ADDON));
  out.push(path.join(__dirname, 'livecourse.node'));
  // Built by `npm install` (scripts/install.js, node-gyp).
  out.push(path.join(__dirname, 'build', 'Release', 'livecourse.node'));
  // Straight from the source tree, after `cmake -B build && cmake --build build`.
  const root = path.resolve(__dirname, '..', '..');
  out.push(path.join(root, 'build', 'bindings', 'node', 'livecourse.node'));
  return out;
}

function loadAddon() {
  const tried = [];
  for (const file of addonCandidates()) {
    if (!fs.existsSync(file)) {
      tried.push(file);
      continue;
    }
    // A file that exists but fails to load (missing liblivecourse.so, ABI
    // mismatch) is reported as is: falling through would hide the reason.
    return require(file);
  }
  const err = new Error(
    'livecourse: the native addon livecourse.node was not found (looked in ' + tried.join(', ') +
      '). Install the package with npm (which builds it), build it with CMake, or point LIVECOURSE_NODE_ADDON at it.');
  err.code = 'ERR_LIVECOURSE_ADDON_NOT_FOUND';
  throw err;
}

const native = loadAddon();

// Operations travel as their index in the addon's table, not as names.
const OPERATIONS = new Map(native.operations.map((name, i) => [name, i]));
function operationIndex(name) {
  const index = OPERATIONS.get(name);
  if (index === undefined) throw new TypeError(`unknown livecourse operation ${name}`);
  return index;
}
const OP_JOIN = operationIndex('session_join');
const OP_LEAVE = operationIndex('session_leave');
const OP_TOKEN = operationIndex('token_create');
const OP_HEARTBEAT = operationIndex('presence_heartbeat');

// -------------------------------------------------------------- errors

// lc_status values, by number, named as the library names them.
const STATUS_CATEGORIES = [
  'ok', 'invalid_argument', 'not_found', 'forbidden', 'conflict', 'session_full', 'storage',
  'unauthenticated', 'internal', 'no_memory', 'host_callback', 'would_block',
];
// Codes that are only a category; any other code is a reason ("not_live",
// "session_full", ...), even when it names its category too.
const GENERIC_CODES = new Set(STATUS_CATEGORIES.filter((c) => c !== 'session_full'));

class LiveCourseError extends Error {
  constructor(message, { code, category, field = null, status = undefined, cause = undefined } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'LiveCourseError';
    /** The most specific stable code: the reason when there is one, else the category. */
    this.code = code || category || 'internal';
    /** The lc_status name: "invalid_argument", "not_found", "forbidden", ... */
    this.category = category || this.code;
    /** The reason ("session_full", "not_enrolled", ...), or null when the category says it all. */
    this.reason = GENERIC_CODES.has(this.code) ? null : this.code;
    /** The offending input field, or null. */
    this.field = field ?? null;
    /** The numeric lc_status. */
    this.status = status ?? Math.max(0, STATUS_CATEGORIES.indexOf(this.category));
  }
}

function fromNativeFailure(failure) {
  if (!failure || typeof failure.status !== 'number') return failure;  // not ours: a bug, rethrow as is
  let doc = null;
  try {
    doc = failure.errorJson ? JSON.parse(failure.errorJson).error : null;
  } catch {
    doc = null;
  }
  const category = (doc && doc.category) || STATUS_CATEGORIES[failure.status] || 'internal';
  let message = (doc && doc.message) || `livecourse call failed (${category})`;
  if (failure.hostMessage) message += ` (${failure.hostMessage})`;
  return new LiveCourseError(message, {
    code: (doc && doc.code) || category,
    category,
    field: doc ? doc.field : null,
    status: failure.status,
  });
}

function rethrowNative(failure) {
  throw fromNativeFailure(failure);
}

function identity(value) {
  return value;
}

function invalid(field, message) {
  return new LiveCourseError(message, { code: 'invalid_argument', category: 'invalid_argument', field });
}

// ------------------------------------------------------- JSON and Dates

// Fields that hold a calendar date ("2026-09-01"), not an instant.
const DATE_ONLY_FIELDS = new Set(['first_date', 'until']);

function pad(n, width = 2) {
  return String(n).padStart(width, '0');
}

function dateToWire(key, date) {
  if (Number.isNaN(date.getTime())) throw invalid(key || null, `${key || 'value'}: invalid Date`);
  if (DATE_ONLY_FIELDS.has(key)) {
    return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  }
  // RFC 3339 UTC, whole seconds (the library's resolution): drop milliseconds.
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function toWire(request) {
  return JSON.stringify(request, function replacer(key, value) {
    // JSON.stringify calls Date#toJSON before the replacer: read the raw value.
    const raw = this[key];
    if (raw instanceof Date) return dateToWire(key, raw);
    return value;
  });
}

// Every `*_at` string becomes a Date, at any depth. A walk after parsing is
// several times cheaper than a JSON.parse reviver, which calls back into
// JavaScript for every value; this runs on the event loop for every result.
function reviveTimes(value) {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const v = value[i];
      if (v !== null && typeof v === 'object') reviveTimes(v);
    }
  } else {
    for (const key in value) {
      const v = value[key];
      if (typeof v === 'string') {
        if (key.endsWith('_at')) value[key] = new Date(v);
      } else if (v !== null && typeof v === 'object') {
        reviveTimes(v);
      }
    }
  }
  return value;
}

function fromWire(text) {
  const value = JSON.parse(text);
  return value !== null && typeof value === 'object' ? reviveTimes(value) : value;
}

function leftOf(text) {
  return JSON.parse(text).left;
}

// {actor, session_id} written without toWire's replacer (which calls back into
// JavaScript for every value): the text is the same whenever the actor holds
// no object (a Date) and the session id is JSON. Anything else takes toWire.
function actorSessionWire(actor, sessionId) {
  const sid = JSON.stringify(sessionId);
  if (sid !== undefined) {
    if (typeof actor === 'string') return `{"actor":{"user_id":${JSON.stringify(actor)}},"session_id":${sid}}`;
    if (actor && typeof actor === 'object' && Object.getPrototypeOf(actor) === Object.prototype) {
      let plain = true;
      for (const key in actor) {
        const v = actor[key];
        if (v !== null && typeof v === 'object') {
          plain = false;
          break;
        }
      }
      if (plain) return `{"actor":${JSON.stringify(actor)},"session_id":${sid}}`;
    }
  }
  return toWire({ actor: actorOf(actor), session_id: sessionId });
}

// -------------------------------------------------------------- actors

function actorOf(actor) {
  if (typeof actor === 'string') return { user_id: actor };
  if (actor && typeof actor === 'object') return actor;
  throw new LiveCourseError('an actor (a user id or {user_id, name, email, avatar}) is required', {
    code: 'unauthenticated', category: 'unauthenticated', field: 'actor.user_id',
  });
}

function fieldsOf(fields, name) {
  if (fields === undefined || fields === null) return {};
  if (typeof fields !== 'object') throw invalid(null, `${name} must be an object`);
  return fields;
}

// ---------------------------------------------------------- host hooks

const ROLES = ['none', 'student', 'moderator', 'instructor'];
const HOOK_KINDS = ['roleOf', 'coursesOf', 'countStudents', 'now'];

function roleNumber(role) {
  if (role === undefined || role === null) return 0;
  const n = typeof role === 'number' ? role : ROLES.indexOf(role);
  if (!Number.isInteger(n) || n < 0 || n > 3) throw new TypeError(`unknown role ${JSON.stringify(role)}`);
  return n;
}

function encodeHostAnswer(kind, value) {
  switch (kind) {
    case 0:  // roleOf
      return roleNumber(value);
    case 1: {  // coursesOf
      if (!value || typeof value[Symbol.iterator] !== 'function') throw new TypeError('coursesOf must return an array');
      const out = [];
      for (const entry of value) {
        const courseId = entry && (entry.course_id ?? entry.courseId);
        if (typeof courseId !== 'string') throw new TypeError('coursesOf entries are {course_id, role}');
        out.push([courseId, roleNumber(entry.role)]);
      }
      return out;
    }
    case 2:  // countStudents
      if (value === undefined || value === null) return -1;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError('countStudents must return a number');
      return Math.trunc(value);
    case 3: {  // now
      const ms = value instanceof Date ? value.getTime() : value;
      if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new TypeError('now must return a Date or milliseconds');
      return Math.floor(ms / 1000);
    }
    default:
      throw new TypeError('unknown host hook');
  }
}

// The dispatcher the addon calls on the JavaScript thread. It captures the
// hooks only (not the engine), so an engine that is never closed can still be
// garbage-collected.
function makeDispatcher(host) {
  const hooks = HOOK_KINDS.map((name) => (typeof host[name] === 'function' ? host[name].bind(host) : null));
  return function dispatch(kind, id, a, b) {
    let answer;
    try {
      const hook = hooks[kind];
      answer = kind === 0 ? hook(a, b) : kind === 3 ? hook() : hook(a);
    } catch (err) {
      native.hostReply(id, false, String((err && err.message) || err));
      return;
    }
    Promise.resolve(answer).then(
      (value) => {
        let encoded;
        try {
          encoded = encodeHostAnswer(kind, value);
        } catch (err) {
          native.hostReply(id, false, String(err.message));
          return;
        }
        native.hostReply(id, true, encoded);
      },
      (err) => native.hostReply(id, false, String((err && err.message) || err)),
    );
  };
}

// --------------------------------------------------------------- engine

const BINDING_ONLY_CONFIG = new Set(['host', 'hostTimeoutMs', 'workerThreads']);

class Engine {
  #handle = null;
  #ready;

  /**
   * Opens an engine in the background; calls wait for it. Prefer
   * `await Engine.open(config)`, which reports a bad configuration at once.
   */
  constructor(config) {
    if (!config || typeof config !== 'object') throw invalid(null, 'config must be an object');
    const wire = {};
    for (const [k, v] of Object.entries(config)) if (!BINDING_ONLY_CONFIG.has(k)) wire[k] = v;
    const host = config.host && typeof config.host === 'object' ? config.host : null;
    let dispatch;
    let mask = 0;
    if (host) {
      HOOK_KINDS.forEach((name, i) => {
        if (typeof host[name] === 'function') mask |= 1 << i;
      });
      if (mask) dispatch = makeDispatcher(host);
    }
    const timeout = config.hostTimeoutMs ?? 10000;
    const workers = config.workerThreads;
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || workers > 256)) {
      throw invalid('workerThreads', 'workerThreads must be an integer from 1 to 256');
    }
    this.#ready = native.open(toWire(wire), dispatch, mask, timeout, workers).then(
      (handle) => {
        this.#handle = handle;
      },
      (failure) => {
        throw fromNativeFailure(failure);
      },
    );
    // Reported by the first call (or by `ready`), never as an unhandled rejection.
    this.#ready.catch(() => {});
  }

  static async open(config) {
    const engine = new Engine(config);
    await engine.ready;
    return engine;
  }

  /** Settles once the engine is open (rejects with the opening error). */
  get ready() {
    return this.#ready;
  }

  /** The version of the loaded liblivecourse ("0.1.0"). */
  static get libraryVersion() {
    return native.libraryVersion();
  }

  /** Closes the engine once every call in flight has settled. Idempotent. */
  async close() {
    try {
      await this.#ready;
    } catch {
      return;  // never opened: nothing to close
    }
    await native.close(this.#handle);
  }

  async [Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')]() {
    await this.close();
  }

  // One call: `decode` turns the result text into what the method returns.
  // Plain promise chains rather than async functions: each await would cost
  // the hot calls another turn of the microtask queue.
  #send(operation, wire, decode) {
    if (this.#handle === null) return this.#ready.then(() => this.#send(operation, wire, decode));
    return native.call(this.#handle, operation, wire).then(decode, rethrowNative);
  }

  #request(operation, request, decode) {
    let wire;
    try {
      wire = toWire(request);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#send(operationIndex(operation), wire, decode);
  }

  #raw(operation, request) {
    return this.#request(operation, request, identity);
  }

  #call(operation, request) {
    return this.#request(operation, request, fromWire);
  }

  // join, leave, token and heartbeat: the calls of the rush.
  #actorSession(operation, actor, sessionId, decode) {
    let wire;
    try {
      wire = actorSessionWire(actor, sessionId);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#send(operation, wire, decode);
  }

  // --- roster (the built-in one; a host roster answers for itself)
  async enroll(courseId, userId, role = 'student') {
    return this.#call('roster_enroll', { course_id: courseId, user_id: userId, role });
  }
  async unenroll(courseId, userId) {
    return this.#call('roster_unenroll', { course_id: courseId, user_id: userId });
  }
  async setRole(courseId, userId, role) {
    return this.#call('roster_set_role', { course_id: courseId, user_id: userId, role });
  }
  async roleOf(courseId, userId) {
    return (await this.#call('roster_get_role', { course_id: courseId, user_id: userId })).role;
  }
  async putUser(user) {
    return this.#call('user_put', { ...actorOf(user) });
  }

  // --- sessions
  async createSession(actor, courseId, fields) {
    return this.#call('session_create', { ...fieldsOf(fields, 'fields'), actor: actorOf(actor), course_id: courseId });
  }
  async getSession(actor, sessionId) {
    return this.#call('session_get', { actor: actorOf(actor), session_id: sessionId });
  }
  async listSessions(actor, courseId, status = 'all') {
    return (await this.#call('session_list', { actor: actorOf(actor), course_id: courseId, status })).sessions;
  }
  async updateSession(actor, sessionId, patch) {
    return this.#call('session_update', { ...fieldsOf(patch, 'patch'), actor: actorOf(actor), session_id: sessionId });
  }
  async cancelSession(actor, sessionId, reason) {
    const request = { actor: actorOf(actor), session_id: sessionId };
    if (reason !== undefined && reason !== null) request.reason = reason;
    return this.#call('session_cancel', request);
  }
  async startSession(actor, sessionId) {
    return this.#call('session_start', { actor: actorOf(actor), session_id: sessionId });
  }
  async endSession(actor, sessionId, recordingUrl) {
    const request = { actor: actorOf(actor), session_id: sessionId };
    if (recordingUrl !== undefined && recordingUrl !== null) request.recording_url = recordingUrl;
    return this.#call('session_end', request);
  }

  // --- joining
  join(actor, sessionId) {
    return this.#actorSession(OP_JOIN, actor, sessionId, fromWire);
  }
  leave(actor, sessionId) {
    return this.#actorSession(OP_LEAVE, actor, sessionId, leftOf);
  }
  token(actor, sessionId) {
    return this.#actorSession(OP_TOKEN, actor, sessionId, fromWire);
  }

  // --- attendance
  async attendance(actor, sessionId) {
    return (await this.#call('attendance_get', { actor: actorOf(actor), session_id: sessionId })).attendance;
  }

  attendanceOutcomes(actor, sessionId) {
    return this.#call('attendance_outcomes_get', { actor: actorOf(actor), session_id: sessionId });
  }

  overrideAttendance(actor, sessionId, userId, outcome, reason) {
    return this.#call('attendance_override_set', {
      actor: actorOf(actor), session_id: sessionId, user_id: userId, outcome: outcome ?? null, reason,
    });
  }

  async attendanceOverrideLog(actor, sessionId) {
    return (await this.#call('attendance_override_log', { actor: actorOf(actor), session_id: sessionId })).decisions;
  }

  courseAttendance(actor, courseId, range) {
    return this.#call('course_attendance_get', { ...fieldsOf(range, 'range'), actor: actorOf(actor), course_id: courseId });
  }

  liveRoster(actor, sessionId) {
    return this.#call('presence_roster_get', { actor: actorOf(actor), session_id: sessionId });
  }

  async statistics(actor, sessionId) {
    return this.#call('statistics_get', { actor: actorOf(actor), session_id: sessionId });
  }

  // --- chat
  async postChat(actor, sessionId, message) {
    const m = typeof message === 'string' ? { body: message } : fieldsOf(message, 'message');
    return this.#call('chat_post', { type: 'text', ...m, actor: actorOf(actor), session_id: sessionId });
  }
  async listChat(actor, sessionId, options) {
    const o = fieldsOf(options, 'options');
    const request = { limit: 50, ...o, actor: actorOf(actor), session_id: sessionId };
    if (request.cursor === undefined || request.cursor === null) delete request.cursor;
    return this.#call('chat_list', request);
  }

  // --- series
  async createSeries(actor, courseId, fields) {
    return this.#call('series_create', { ...fieldsOf(fields, 'fields'), actor: actorOf(actor), course_id: courseId });
  }
  async cancelSeries(actor, seriesId, options) {
    const request = { ...fieldsOf(options, 'options'), actor: actorOf(actor), series_id: seriesId };
    return (await this.#call('series_cancel', request)).sessions;
  }

  // --- calendar
  async calendarEvents(actor, query) {
    return (await this.#call('calendar_query', { ...fieldsOf(query, 'query'), actor: actorOf(actor) })).events;
  }
  async calendarFeed(userId) {
    return this.#raw('calendar_feed', { user_id: userId });
  }
  async calendarFeedByToken(token) {
    return this.#raw('calendar_feed_by_token', { token });
  }
  async feedToken(userId) {
    return (await this.#call('feed_token_get', { user_id: userId })).token;
  }
  async rotateFeedToken(userId) {
    return (await this.#call('feed_token_rotate', { user_id: userId })).token;
  }

  // --- presence the video server reports, heartbeats, recordings (docs/presence.md)
  /**
   * One event of Jitsi's event_sync module: `kind` is its route ("occupant/joined", ...),
   * `secret` the bearer token it sent, `payload` the parsed object or the raw body
   * (string or Buffer; the secret is then checked before the body is read).
   */
  async jitsiEvent(secret, kind, payload) {
    const request = { secret, kind };
    if (typeof payload === 'string') request.body = payload;
    else if (payload instanceof Uint8Array) request.body = Buffer.from(payload).toString('utf8');
    else request.payload = fieldsOf(payload, 'payload');
    return this.#call('presence_jitsi_event', request);
  }
  /**
   * A room census: who the video server says is in the conference, e.g. the
   * arrays Jitsi's mod_muc_size answers on GET /room, concatenated over the
   * main and breakout rooms. Users of the session it could have named and
   * did not are absent at `at` (Unix seconds or a Date; default now).
   */
  async roomCensus(secret, census) {
    const { room, occupants, at, match } = fieldsOf(census, 'census');
    const request = { secret, room, occupants, match: match ?? 'email' };
    if (at instanceof Date) request.at = Math.floor(at.getTime() / 1000);
    else if (at !== undefined && at !== null) request.at = at;
    return this.#call('presence_room_census', request);
  }
  /** One JaaS webhook: the body exactly as received and its X-Jaas-Signature header. */
  async jaasWebhook(body, signature) {
    const text = body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : body;
    return this.#call('presence_jaas_webhook', { body: text, signature: signature ?? '' });
  }
  heartbeat(actor, sessionId) {
    return this.#actorSession(OP_HEARTBEAT, actor, sessionId, fromWire);
  }
  /** `by`: an instructor or moderator (actor), or `{ secret }` (the video-events secret). */
  async setRecording(by, sessionId, recordingUrl) {
    const request = { session_id: sessionId, recording_url: recordingUrl };
    if (by && typeof by === 'object' && typeof by.secret === 'string' && by.user_id === undefined) {
      request.secret = by.secret;
    } else {
      request.actor = actorOf(by);
    }
    return this.#call('recording_set', request);
  }

  // --- notifications (docs/notifications.md). claim/ack/fail/retry and the
  // state listing are the host's side of the outbox and act for no user.
  /** Leases up to `limit` due notifications (default 10) for `lease_seconds` (default 60). */
  async claimNotifications(options) {
    return (await this.#call('notification_claim', { ...fieldsOf(options, 'options') })).notifications;
  }
  /** Marks claimed notifications delivered; resolves to the ids that changed. */
  async ackNotifications(ids) {
    return (await this.#call('notification_ack', { ids: typeof ids === 'string' ? [ids] : ids })).acked;
  }
  /** Reports a failed attempt: `{ attempts, retry_in_seconds, error }`, all optional. */
  async failNotification(id, options) {
    return this.#call('notification_fail', { ...fieldsOf(options, 'options'), id });
  }
  /** Notifications in one state (default: the dead ones), oldest first: `{ state, cursor, limit }`. */
  async listDeadNotifications(options) {
    const request = { ...fieldsOf(options, 'options') };
    if (request.cursor === undefined || request.cursor === null) delete request.cursor;
    return this.#call('notification_dead_list', request);
  }
  /** Queues a dead notification again (due now, attempts reset). */
  async retryNotification(id) {
    return this.#call('notification_retry', { id });
  }
  /** The actor's due notifications, newest first, each with `read`: `{ cursor, limit }`. */
  async listNotifications(actor, options) {
    const request = { ...fieldsOf(options, 'options'), actor: actorOf(actor) };
    if (request.cursor === undefined || request.cursor === null) delete request.cursor;
    return this.#call('notification_list', request);
  }
  /** Marks the actor's notifications read up to and including `upTo` (never backwards). */
  async markNotificationsRead(actor, upTo) {
    return this.#call('notification_mark_read', { actor: actorOf(actor), up_to: upTo });
  }
}

module.exports = {
  Engine,
  LiveCourseError,
  ROLES: Object.freeze([...ROLES]),
  ABI_VERSION: native.abiVersion,
  version: native.libraryVersion(),
};
// `import livecourse from 'livecourse'` and `require('livecourse').default` alike.
module.exports.default = module.exports;
