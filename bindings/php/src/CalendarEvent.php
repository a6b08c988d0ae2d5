<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** A live session in a calendar (type "live_session"). */
final readonly class CalendarEvent
{
    public function __construct(
        public string $type,
        public string $id,
        public string $courseId,
        public string $title,
        public DateTimeImmutable $startsAt,
        public DateTimeImmutable $endsAt,
        public SessionStatus $status,
        public string $joinUrl,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) ($doc['type'] ?? 'live_session'),
            (string) $doc['id'],
            (string) $doc['course_id'],
            (string) ($doc['title'] ?? ''),
            Time::parse($doc['starts_at']),
            Time::parse($doc['ends_at']),
            SessionStatus::from($doc['status']),
            (string) ($doc['join_url'] ?? ''),
            $doc,
        );
    }
}
