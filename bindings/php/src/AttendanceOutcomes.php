<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** Every admitted student's verdict for one session; final once it can no longer change. */
final readonly class AttendanceOutcomes
{
    /**
     * @param list<StudentOutcome> $outcomes
     * @param array<string, mixed> $policy minimum_share, late_after_seconds, early_leave_before_seconds, count_before_instructor
     */
    public function __construct(
        public string $sessionId,
        public bool $final,
        public array $policy,
        public DateTimeImmutable $windowStartsAt,
        public DateTimeImmutable $windowEndsAt,
        public array $outcomes,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['session_id'],
            $doc['state'] === 'final',
            $doc['policy'],
            Time::parse($doc['window_starts_at']),
            Time::parse($doc['window_ends_at']),
            array_map(StudentOutcome::fromJson(...), $doc['outcomes']),
            $doc,
        );
    }
}
