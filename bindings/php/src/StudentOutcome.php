<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** One student's verdict (a host's decision where there is one): present, late, left_early or absent, the seconds counted and required, and why. */
final readonly class StudentOutcome
{
    /** @param list<string> $reasons never_joined, below_minimum, joined_late, left_early */
    public function __construct(
        public string $userId,
        public string $outcome,
        public string $computedOutcome,
        public ?AttendanceOverride $decision,
        public int $countedSeconds,
        public int $requiredSeconds,
        public int $referenceSeconds,
        public ?DateTimeImmutable $firstCountedAt,
        public ?DateTimeImmutable $lastCountedAt,
        public array $reasons,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['user_id'],
            (string) $doc['outcome'],
            (string) $doc['computed_outcome'],
            isset($doc['decision']) ? AttendanceOverride::fromJson($doc['decision']) : null,
            (int) $doc['counted_seconds'],
            (int) $doc['required_seconds'],
            (int) $doc['reference_seconds'],
            Time::parseOptional($doc['first_counted_at'] ?? null),
            Time::parseOptional($doc['last_counted_at'] ?? null),
            array_map('strval', $doc['reasons'] ?? []),
            $doc,
        );
    }
}
