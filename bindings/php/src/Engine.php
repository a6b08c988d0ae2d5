<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeInterface;
use FFI;

/**
 * One livecourse engine over a database: the PHP face of one lc_engine.
 *
 * Each method is one operation of the C ABI (capi/include/livecourse.h),
 * with named arguments in PHP's camelCase, returning the readonly value
 * classes of this namespace and throwing the LiveCourseException subclasses.
 * Requests are the JSON vocabulary's objects, built here field by field and
 * sent as they are; responses are decoded from the same shapes.
 *
 * Wherever an actor is taken, an Actor or a user id string does. Instants
 * are any DateTimeInterface (sent as UTC) or an RFC 3339 string; instants
 * returned are DateTimeImmutable in UTC.
 *
 * Open engines after forking (PHP-FPM workers each open their own): an
 * engine holds database connections and a background thread. Several
 * engines, in one process or several, may open the same database.
 */
final class Engine
{
    private const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

    private FFI $ffi;
    private ?FFI\CData $handle = null;
    private HostHooks $hooks;
    /** Reused out-parameters: the library sets them to NULL on entry. */
    private FFI\CData $response;
    private FFI\CData $error;

    /**
     * @param string $database the SQLite file (created if missing) or a postgresql:// URI
     * @param array|null $jitsi the "jitsi" section, e.g. ['mode' => 'self_hosted',
     *        'server_url' => 'https://meet.example.edu', 'app_id' => 'lms', 'app_secret' => '<32+ bytes>'];
     *        default: public meet.jit.si
     * @param array|null $calendar the "calendar" section (join_url_pattern, organizer_email, uid_domain,
     *        calendar_name, feed_secret)
     * @param mixed $roster the host's roster, replacing the built-in one: a callable
     *        (courseId, userId) => Role|string|null, a Roster, or an object with roleOf()
     * @param callable|null $clock returns the current time (DateTimeInterface or Unix seconds), for tests
     * @param array|null $presence the "presence" section (video_events_secret, jaas_webhook_secret, ...)
     * @param array|null $notifications the "notifications" section (max_attempts, first_retry_seconds, ...)
     * @param string|null $library the path of liblivecourse.so (default: LIVECOURSE_LIBRARY, then the loader's path)
     */
    public function __construct(
        string $database,
        ?array $jitsi = null,
        ?array $calendar = null,
        mixed $roster = null,
        ?callable $clock = null,
        ?bool $participantsMayShareScreen = null,
        ?array $presence = null,
        ?array $notifications = null,
        ?string $library = null,
    ) {
        $this->ffi = Library::load($library);
        $this->response = $this->ffi->new('char *');
        $this->error = $this->ffi->new('char *');
        $config = self::fields([
            'database' => $database,
            'jitsi' => $jitsi,
            'calendar' => $calendar,
            'participants_may_share_screen' => $participantsMayShareScreen,
            'presence' => $presence,
            'notifications' => $notifications,
        ]);
        $this->hooks = new HostHooks($this->ffi, $roster, $clock === null ? null : \Closure::fromCallable($clock));
        $handle = $this->ffi->new('lc_engine *');
        $host = $this->hooks->struct === null ? null : FFI::addr($this->hooks->struct);
        $status = $this->ffi->lc_engine_open(Json::encode($config), $host, FFI::addr($handle), FFI::addr($this->error));
        $errorText = $this->take($this->error);
        if ($status !== 0) {
            throw LiveCourseException::fromDocument($status, $errorText === null ? null : Json::decode($errorText), $this->hooks->takePending());
        }
        $this->handle = $handle;
    }

    /** Closes the engine and its database connections. Idempotent. */
    public function close(): void
    {
        if ($this->handle !== null) {
            $handle = $this->handle;
            $this->handle = null;
            $this->ffi->lc_engine_close($handle);
        }
    }

    public function isClosed(): bool
    {
        return $this->handle === null;
    }

    public function __destruct()
    {
        $this->close();
    }

    /** The loaded liblivecourse's version ("0.1.0"). */
    public static function libraryVersion(?string $library = null): string
    {
        return Library::load($library)->lc_version();
    }

    // ------------------------------------------------------------- raw calls

    /**
     * Runs one C ABI operation by name ("session_join", ...) on a raw request
     * (the vocabulary's field names); the decoded response (the iCal text for
     * the feed operations). For fields this binding does not wrap yet.
     */
    public function callJson(string $operation, array $request): array|string
    {
        $json = Library::OPERATIONS[$operation]
            ?? throw new ValidationException("unknown operation '{$operation}'", null, null, 'operation');
        $text = $this->invoke($operation, Json::encode($request));
        return $json ? Json::decode($text) : $text;
    }

    private function call(string $operation, array $request): array
    {
        return Json::decode($this->invoke($operation, Json::encode($request)));
    }

    /** Runs lc_<operation> on an encoded request; the response's text. */
    private function invoke(string $operation, string $request): string
    {
        $handle = $this->handle ?? throw new EngineClosedException('the engine is closed');
        $status = $this->ffi->{'lc_' . $operation}($handle, $request, FFI::addr($this->response), FFI::addr($this->error));
        $text = $this->take($this->response);
        $errorText = $this->take($this->error);
        $pending = $this->hooks->takePending();
        if ($status !== 0) {
            throw LiveCourseException::fromDocument($status, $errorText === null ? null : Json::decode($errorText), $pending);
        }
        if ($pending !== null) {
            throw new HostCallbackException(
                "a host hook threw during {$operation} (" . get_class($pending) . ": {$pending->getMessage()}); the operation itself completed",
                null, null, null, null, $pending,
            );
        }
        return $text ?? throw new InternalException("lc_{$operation} succeeded without a response");
    }

    /** Copies a string the library returned and releases it with lc_free. */
    private function take(FFI\CData $pointer): ?string
    {
        if (FFI::isNull($pointer)) {
            return null;
        }
        try {
            return FFI::string($pointer);
        } finally {
            $this->ffi->lc_free($pointer);
        }
    }

    /** The fields that are not null (absent, as the vocabulary says). */
    private static function fields(array $fields): array
    {
        return array_filter($fields, static fn ($value) => $value !== null);
    }

    private static function acting(Actor|string $actor, array $fields = []): array
    {
        return ['actor' => $actor instanceof Actor ? $actor->toJson() : ['user_id' => $actor]] + self::fields($fields);
    }

    private static function onSession(Actor|string $actor, string $sessionId): array
    {
        return self::acting($actor, ['session_id' => $sessionId]);
    }

    private static function enumValue(\BackedEnum|string|null $value): ?string
    {
        return $value instanceof \BackedEnum ? (string) $value->value : $value;
    }

    // ---------------------------------------------------------------- roster

    /** Adds the user to the course's built-in roster (or changes the role). */
    public function enroll(string $courseId, string $userId, Role|string $role = Role::Student): Enrollment
    {
        return Enrollment::fromJson($this->call('roster_enroll', ['course_id' => $courseId, 'user_id' => $userId, 'role' => self::enumValue($role)]));
    }

    public function unenroll(string $courseId, string $userId): Enrollment
    {
        return Enrollment::fromJson($this->call('roster_unenroll', ['course_id' => $courseId, 'user_id' => $userId]));
    }

    public function setRole(string $courseId, string $userId, Role|string $role): Enrollment
    {
        return Enrollment::fromJson($this->call('roster_set_role', ['course_id' => $courseId, 'user_id' => $userId, 'role' => self::enumValue($role)]));
    }

    /** The user's role in the course, as the roster in use answers. */
    public function roleOf(string $courseId, string $userId): Role
    {
        return Role::from($this->call('roster_get_role', ['course_id' => $courseId, 'user_id' => $userId])['role']);
    }

    /** Records a user's profile (name, e-mail, avatar) for tokens and calendars. */
    public function putUser(Actor|string $user, ?string $name = null, ?string $email = null, ?string $avatar = null): Actor
    {
        $profile = $user instanceof Actor ? $user : new Actor($user, $name, $email, $avatar);
        return Actor::fromJson($this->call('user_put', $profile->toJson()));
    }

    // -------------------------------------------------------------- sessions

    /** Schedules a session (status scheduled); the actor must be staff of the course. */
    public function createSession(
        Actor|string $actor,
        string $courseId,
        string $title,
        DateTimeInterface|string $startsAt,
        DateTimeInterface|string $endsAt,
        ?string $description = null,
        ?string $timezone = null,
        ?int $maxParticipants = null,
        ?bool $recordingEnabled = null,
        ?bool $roomPassword = null,
    ): Session {
        return Session::fromJson($this->call('session_create', self::acting($actor, [
            'course_id' => $courseId,
            'title' => $title,
            'description' => $description,
            'starts_at' => Time::instant($startsAt),
            'ends_at' => Time::instant($endsAt),
            'timezone' => $timezone,
            'max_participants' => $maxParticipants,
            'recording_enabled' => $recordingEnabled,
            'room_password' => $roomPassword,
        ])));
    }

    public function getSession(Actor|string $actor, string $sessionId): Session
    {
        return Session::fromJson($this->call('session_get', self::onSession($actor, $sessionId)));
    }

    /**
     * A course's sessions: upcoming, live, past or all.
     *
     * @return list<Session>
     */
    public function listSessions(Actor|string $actor, string $courseId, SessionFilter|SessionStatus|string $status = SessionFilter::All): array
    {
        $request = self::acting($actor, ['course_id' => $courseId, 'status' => self::enumValue($status)]);
        return Session::listFromJson($this->call('session_list', $request)['sessions']);
    }

    /**
     * Edits a scheduled session; only the arguments given change. With
     * $revision, applies only if the session is still at that revision (else
     * ConflictException, reason revision_mismatch).
     */
    public function updateSession(
        Actor|string $actor,
        string $sessionId,
        ?string $title = null,
        ?string $description = null,
        DateTimeInterface|string|null $startsAt = null,
        DateTimeInterface|string|null $endsAt = null,
        ?string $timezone = null,
        ?int $maxParticipants = null,
        ?bool $recordingEnabled = null,
        ?int $revision = null,
    ): Session {
        return Session::fromJson($this->call('session_update', self::acting($actor, [
            'session_id' => $sessionId,
            'title' => $title,
            'description' => $description,
            'starts_at' => Time::optionalInstant($startsAt),
            'ends_at' => Time::optionalInstant($endsAt),
            'timezone' => $timezone,
            'max_participants' => $maxParticipants,
            'recording_enabled' => $recordingEnabled,
            'revision' => $revision,
        ])));
    }

    public function cancelSession(Actor|string $actor, string $sessionId, ?string $reason = null): Session
    {
        return Session::fromJson($this->call('session_cancel', self::acting($actor, ['session_id' => $sessionId, 'reason' => $reason])));
    }

    public function startSession(Actor|string $actor, string $sessionId): Session
    {
        return Session::fromJson($this->call('session_start', self::onSession($actor, $sessionId)));
    }

    /** Ends a live session; returns it with its final statistics. */
    public function endSession(Actor|string $actor, string $sessionId, ?string $recordingUrl = null): EndResult
    {
        return EndResult::fromJson($this->call('session_end', self::acting($actor, ['session_id' => $sessionId, 'recording_url' => $recordingUrl])));
    }

    // --------------------------------------------------------------- joining

    /**
     * Admits the actor to a live session (a seat for a student) and returns
     * the way in. Throws SessionFullException when no seat is left,
     * ForbiddenException with reason not_enrolled, not_live, session_ended or
     * session_cancelled.
     */
    public function join(Actor|string $actor, string $sessionId): JoinResult
    {
        return JoinResult::fromJson($this->call('session_join', self::onSession($actor, $sessionId)));
    }

    /** Closes the actor's open connection; false if there was none. */
    public function leave(Actor|string $actor, string $sessionId): bool
    {
        return (bool) $this->call('session_leave', self::onSession($actor, $sessionId))['left'];
    }

    /** A fresh Jitsi token and join link for an admitted participant. */
    public function token(Actor|string $actor, string $sessionId): TokenResult
    {
        return TokenResult::fromJson($this->call('token_create', self::onSession($actor, $sessionId)));
    }

    // ------------------------------------------------------------ attendance

    /** @return list<AttendanceRow> */
    public function attendance(Actor|string $actor, string $sessionId): array
    {
        return array_map(AttendanceRow::fromJson(...), $this->call('attendance_get', self::onSession($actor, $sessionId))['attendance']);
    }

    public function statistics(Actor|string $actor, string $sessionId): Statistics
    {
        return Statistics::fromJson($this->call('statistics_get', self::onSession($actor, $sessionId)));
    }

    /** Each admitted student's verdict (present, late, left_early, absent) under the engine's policy. */
    public function attendanceOutcomes(Actor|string $actor, string $sessionId): AttendanceOutcomes
    {
        return AttendanceOutcomes::fromJson($this->call('attendance_outcomes_get', self::onSession($actor, $sessionId)));
    }

    /** Who is in the room now (instructor and moderators); cheap enough to poll every few seconds. */
    public function liveRoster(Actor|string $actor, string $sessionId): LiveRoster
    {
        return LiveRoster::fromJson($this->call('presence_roster_get', self::onSession($actor, $sessionId)));
    }

    /** Decides one student's verdict (null withdraws the decision), with a reason; logged (staff only). */
    public function overrideAttendance(Actor|string $actor, string $sessionId, string $userId, ?string $outcome, string $reason): AttendanceOverride
    {
        $request = self::acting($actor, ['session_id' => $sessionId, 'user_id' => $userId, 'reason' => $reason]);
        $request['outcome'] = $outcome;
        return AttendanceOverride::fromJson($this->call('attendance_override_set', $request));
    }

    /** @return list<AttendanceOverride> every decision and withdrawal on the session, oldest first (staff only) */
    public function attendanceOverrideLog(Actor|string $actor, string $sessionId): array
    {
        return array_map(AttendanceOverride::fromJson(...), $this->call('attendance_override_log', self::onSession($actor, $sessionId))['decisions']);
    }

    /** The course's verdicts for the sessions held in [$from, $to) (instants or dates; staff only): one row per student. */
    public function courseAttendance(Actor|string $actor, string $courseId, DateTimeInterface|string $from, DateTimeInterface|string $to): CourseAttendance
    {
        $request = self::acting($actor, ['course_id' => $courseId, 'from' => Time::instant($from), 'to' => Time::instant($to)]);
        return CourseAttendance::fromJson($this->call('course_attendance_get', $request));
    }

    // ------------------------------------------------------------------ chat

    /** Posts a message; an answer names the question it answers in $replyTo. */
    public function postChat(Actor|string $actor, string $sessionId, string $body, ChatType|string $type = ChatType::Text, ?string $replyTo = null): ChatMessage
    {
        return ChatMessage::fromJson($this->call('chat_post', self::acting($actor, [
            'session_id' => $sessionId,
            'type' => self::enumValue($type),
            'body' => $body,
            'reply_to' => $replyTo,
        ])));
    }

    /** One page of messages, oldest first. */
    public function listChat(Actor|string $actor, string $sessionId, ?string $cursor = null, ?int $limit = null): ChatPage
    {
        return ChatPage::fromJson($this->call('chat_list', self::acting($actor, ['session_id' => $sessionId, 'cursor' => $cursor, 'limit' => $limit])));
    }

    /**
     * Every message of the session, oldest first, page by page.
     *
     * @return \Generator<int, ChatMessage>
     */
    public function iterChat(Actor|string $actor, string $sessionId, int $pageSize = 100): \Generator
    {
        $cursor = null;
        do {
            $page = $this->listChat($actor, $sessionId, $cursor, $pageSize);
            yield from $page->messages;
            $cursor = $page->nextCursor;
        } while ($cursor !== null && $page->messages !== []);
    }

    // ---------------------------------------------------------------- series

    /**
     * A weekly series in the instructor's zone ("every Tuesday 10:00
     * Europe/Paris"). $startTime is local wall-clock time in $timezone (kept
     * across DST changes); weekdays are names ("tuesday") or numbers (Monday
     * = 1 ... Sunday = 7, as date('N')). Give exactly one of $count and $until.
     *
     * @param list<string|int>|string|int $weekdays
     */
    public function createSeries(
        Actor|string $actor,
        string $courseId,
        string $title,
        DateTimeInterface|string $firstDate,
        DateTimeInterface|string $startTime,
        int|\DateInterval $durationMinutes,
        array|string|int $weekdays,
        string $timezone,
        ?int $count = null,
        DateTimeInterface|string|null $until = null,
        ?int $intervalWeeks = null,
        ?string $description = null,
        ?int $maxParticipants = null,
        ?bool $recordingEnabled = null,
        ?bool $roomPassword = null,
    ): SeriesResult {
        if ($durationMinutes instanceof \DateInterval) {
            if ($durationMinutes->s !== 0 || $durationMinutes->f != 0 || $durationMinutes->y !== 0 || $durationMinutes->m !== 0) {
                throw new ValidationException('duration_minutes: whole minutes (and hours, days) only', null, null, 'duration_minutes');
            }
            $durationMinutes = ($durationMinutes->d * 24 + $durationMinutes->h) * 60 + $durationMinutes->i;
        }
        $weekdays = is_array($weekdays) ? $weekdays : [$weekdays];
        return SeriesResult::fromJson($this->call('series_create', self::acting($actor, [
            'course_id' => $courseId,
            'title' => $title,
            'description' => $description,
            'max_participants' => $maxParticipants,
            'recording_enabled' => $recordingEnabled,
            'room_password' => $roomPassword,
            'timezone' => $timezone,
            'first_date' => Time::date($firstDate),
            'start_time' => Time::timeOfDay($startTime, 'start_time'),
            'duration_minutes' => $durationMinutes,
            'weekdays' => array_map(self::weekday(...), array_values($weekdays)),
            'interval_weeks' => $intervalWeeks,
            'count' => $count,
            'until' => $until === null ? null : Time::date($until),
        ])));
    }

    /**
     * Cancels every still-scheduled occurrence starting at or after $from (default: now).
     *
     * @return list<Session> the cancelled sessions
     */
    public function cancelSeries(Actor|string $actor, string $seriesId, DateTimeInterface|string|null $from = null, ?string $reason = null): array
    {
        $request = self::acting($actor, ['series_id' => $seriesId, 'reason' => $reason, 'from' => Time::optionalInstant($from)]);
        return Session::listFromJson($this->call('series_cancel', $request)['sessions']);
    }

    private static function weekday(string|int $day): string
    {
        if (is_int($day)) {
            return self::WEEKDAYS[$day - 1]
                ?? throw new ValidationException('weekdays: a weekday number is 1 (Monday) to 7 (Sunday)', null, null, 'weekdays');
        }
        return strtolower(trim($day));
    }

    // -------------------------------------------------------------- calendar

    /**
     * The actor's live sessions in [start, end): instants, or dates ("2026-03-01", meaning 00:00Z).
     *
     * @return list<CalendarEvent>
     */
    public function calendarEvents(Actor|string $actor, DateTimeInterface|string $start, DateTimeInterface|string $end, SessionStatus|string|null $status = null): array
    {
        $request = self::acting($actor, ['start' => Time::instant($start), 'end' => Time::instant($end), 'status' => self::enumValue($status)]);
        return array_map(CalendarEvent::fromJson(...), $this->call('calendar_query', $request)['events']);
    }

    /** The user's calendar as RFC 5545 text (text/calendar). */
    public function calendarFeed(string $userId): string
    {
        return $this->invoke('calendar_feed', Json::encode(['user_id' => $userId]));
    }

    /** The feed of the user a feed token was issued to; UnauthenticatedException if invalid. */
    public function calendarFeedByToken(string $token): string
    {
        return $this->invoke('calendar_feed_by_token', Json::encode(['token' => $token]));
    }

    /** A token that lets a calendar app fetch the user's feed without a login. */
    public function feedToken(string $userId): string
    {
        return (string) $this->call('feed_token_get', ['user_id' => $userId])['token'];
    }

    /** Revokes every earlier feed token of the user and returns a new one. */
    public function rotateFeedToken(string $userId): string
    {
        return (string) $this->call('feed_token_rotate', ['user_id' => $userId])['token'];
    }

    // -------------------------------------------------------------- presence

    /**
     * One event of Jitsi's event_sync module (self-hosted Jitsi). $kind is the
     * route it posted to ("occupant/joined", "occupant/left", "room/created",
     * "room/destroyed"), $secret the bearer token it sent. Give the parsed
     * $payload or the raw request $body (then the secret is checked before
     * the body is read).
     */
    public function jitsiEvent(string $secret, string $kind, ?array $payload = null, ?string $body = null): PresenceAck
    {
        return PresenceAck::fromJson($this->call('presence_jitsi_event', self::fields([
            'secret' => $secret, 'kind' => $kind, 'body' => $body, 'payload' => $payload,
        ])));
    }

    /**
     * A room census: who the video server says is in the conference, e.g.
     * the arrays Jitsi's mod_muc_size answers on GET /room, concatenated over
     * the main and breakout rooms. Users of the session it could have named
     * and did not are absent at $at (Unix seconds, default now); $match is
     * "email" or "user_id".
     *
     * @param list<array<string, mixed>> $occupants
     */
    public function roomCensus(string $secret, string $room, array $occupants, ?int $at = null, string $match = 'email'): CensusAck
    {
        return CensusAck::fromJson($this->call('presence_room_census', self::fields([
            'secret' => $secret, 'room' => $room, 'occupants' => $occupants, 'at' => $at, 'match' => $match,
        ])));
    }

    /** One JaaS webhook: the body exactly as received and its X-Jaas-Signature header. */
    public function jaasWebhook(string $body, ?string $signature): PresenceAck
    {
        return PresenceAck::fromJson($this->call('presence_jaas_webhook', ['body' => $body, 'signature' => $signature ?? '']));
    }

    /** The actor's page is still in the conference (every 30 s; public meet.jit.si). */
    public function heartbeat(Actor|string $actor, string $sessionId): PresenceAck
    {
        return PresenceAck::fromJson($this->call('presence_heartbeat', self::onSession($actor, $sessionId)));
    }

    /**
     * Sets the recording URL of a session that took place: by an instructor
     * or moderator ($actor; replaces an earlier URL), or with the
     * video-events secret ($secret; $sessionId may then be the room name, and
     * the URL is set only while none is).
     */
    public function setRecording(string $sessionId, string $recordingUrl, Actor|string|null $actor = null, ?string $secret = null): RecordingResult
    {
        if (($actor === null) === ($secret === null)) {
            throw new ValidationException('give either actor or secret', null, null, 'actor');
        }
        $request = ['session_id' => $sessionId, 'recording_url' => $recordingUrl];
        $request = $actor !== null ? self::acting($actor, $request) : $request + ['secret' => $secret];
        return RecordingResult::fromJson($this->call('recording_set', $request));
    }

    // --------------------------------------------------------- notifications
    // The outbox (docs/notifications.md). claim/ack/fail/retry and the state
    // listing are the host's side and act for no user.

    /**
     * Leases up to $limit due notifications (default 10) for $leaseSeconds
     * (default 60). No other consumer, in any process, gets them before the
     * lease ends. Deliver each, then ackNotifications() or failNotification().
     *
     * @return list<Notification>
     */
    public function claimNotifications(?int $limit = null, ?int $leaseSeconds = null): array
    {
        $request = self::fields(['limit' => $limit, 'lease_seconds' => $leaseSeconds]);
        return Notification::listFromJson($this->call('notification_claim', $request)['notifications']);
    }

    /**
     * Marks claimed notifications delivered; returns the ids that changed.
     *
     * @param list<string>|string $ids
     * @return list<string>
     */
    public function ackNotifications(array|string $ids): array
    {
        $ids = is_array($ids) ? array_values($ids) : [$ids];
        return array_map('strval', $this->call('notification_ack', ['ids' => $ids])['acked']);
    }

    /**
     * Reports a failed delivery attempt; returns the notification (pending
     * again, or dead). $attempts: the value the claim returned (then a report
     * about an older claim is refused with ConflictException, reason
     * not_claimed). $retryInSeconds: default the engine's backoff.
     */
    public function failNotification(string $id, ?int $attempts = null, ?int $retryInSeconds = null, ?string $error = null): Notification
    {
        return Notification::fromJson($this->call('notification_fail', self::fields([
            'id' => $id, 'attempts' => $attempts, 'retry_in_seconds' => $retryInSeconds, 'error' => $error,
        ])));
    }

    /** The notifications parked dead (or in another state), oldest first, for an operator. */
    public function listDeadNotifications(NotificationState|string $state = NotificationState::Dead, ?string $cursor = null, ?int $limit = null): NotificationPage
    {
        return NotificationPage::fromJson($this->call('notification_dead_list', self::fields([
            'state' => self::enumValue($state), 'cursor' => $cursor, 'limit' => $limit,
        ])));
    }

    /** Queues a dead notification again (due now, attempts reset). */
    public function retryNotification(string $id): Notification
    {
        return Notification::fromJson($this->call('notification_retry', ['id' => $id]));
    }

    /** The actor's due notifications, newest first, each with read. */
    public function listNotifications(Actor|string $actor, ?string $cursor = null, ?int $limit = null): NotificationList
    {
        return NotificationList::fromJson($this->call('notification_list', self::acting($actor, ['cursor' => $cursor, 'limit' => $limit])));
    }

    /** Marks the actor's notifications read up to and including $upTo (never backwards). */
    public function markNotificationsRead(Actor|string $actor, string $upTo): ReadMarker
    {
        return ReadMarker::fromJson($this->call('notification_mark_read', self::acting($actor, ['up_to' => $upTo])));
    }
}
