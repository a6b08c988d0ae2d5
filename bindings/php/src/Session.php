<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/**
 * One scheduled live class. The room password is never part of it.
 *
 * jitsiRoomName is a key to the room: null unless the reader is the course's
 * instructor or a moderator reading or managing this session. Students get
 * it from Engine::join() once admitted; listings and calendars never carry it.
 */
final readonly class Session
{
    public function __construct(
        public string $id,
        public string $courseId,
        public string $instructorId,
        public string $title,
        public string $description,
        public DateTimeImmutable $startsAt,
        public DateTimeImmutable $endsAt,
        public string $timezone,
        public int $maxParticipants,
        public bool $recordingEnabled,
        public ?string $jitsiRoomName,
        public string $jitsiServerUrl,
        public SessionStatus $status,
        public ?DateTimeImmutable $actualStartAt,
        public ?DateTimeImmutable $actualEndAt,
        public ?string $recordingUrl,
        public ?string $cancelReason,
        public ?string $seriesId,
        public int $revision,
        public DateTimeImmutable $createdAt,
        public DateTimeImmutable $updatedAt,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['id'],
            (string) $doc['course_id'],
            (string) ($doc['instructor_id'] ?? ''),
            (string) ($doc['title'] ?? ''),
            (string) ($doc['description'] ?? ''),
            Time::parse($doc['starts_at']),
            Time::parse($doc['ends_at']),
            (string) ($doc['timezone'] ?? 'UTC'),
            (int) ($doc['max_participants'] ?? 0),
            (bool) ($doc['recording_enabled'] ?? false),
            Json::str($doc['jitsi_room_name'] ?? null),
            (string) ($doc['jitsi_server_url'] ?? ''),
            SessionStatus::from($doc['status']),
            Time::parseOptional($doc['actual_start_at'] ?? null),
            Time::parseOptional($doc['actual_end_at'] ?? null),
            Json::str($doc['recording_url'] ?? null),
            Json::str($doc['cancel_reason'] ?? null),
            Json::str($doc['series_id'] ?? null),
            (int) ($doc['revision'] ?? 0),
            Time::parse($doc['created_at']),
            Time::parse($doc['updated_at']),
            $doc,
        );
    }

    /** @return list<self> */
    public static function listFromJson(array $docs): array
    {
        return array_map(self::fromJson(...), $docs);
    }
}
