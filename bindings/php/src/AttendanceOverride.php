<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** A host's decision on one student's verdict ($outcome null: a decision withdrawn). */
final readonly class AttendanceOverride
{
    public function __construct(
        public string $sessionId,
        public string $userId,
        public ?string $outcome,
        public string $reason,
        public string $decidedBy,
        public DateTimeImmutable $decidedAt,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['session_id'],
            (string) $doc['user_id'],
            isset($doc['outcome']) ? (string) $doc['outcome'] : null,
            (string) $doc['reason'],
            (string) $doc['decided_by'],
            Time::parse($doc['decided_at']),
            $doc,
        );
    }
}
