<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** One session held in a course attendance report's range. */
final readonly class CourseSessionColumn
{
    public function __construct(
        public string $sessionId,
        public string $title,
        public DateTimeImmutable $startsAt,
        public SessionStatus $status,
        public bool $final,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['session_id'],
            (string) $doc['title'],
            Time::parse($doc['starts_at']),
            SessionStatus::from($doc['status']),
            $doc['state'] === 'final',
            $doc,
        );
    }
}
