<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** One participant's presence in a session. */
final readonly class AttendanceRow
{
    public function __construct(
        public string $userId,
        public Role $role,
        public int $presentSeconds,
        public int $joins,
        public ?DateTimeImmutable $firstJoinAt,
        public ?DateTimeImmutable $lastLeaveAt,
        public bool $isPresent,
        public PresenceSource $source,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['user_id'],
            Role::from($doc['role']),
            (int) ($doc['present_seconds'] ?? 0),
            (int) ($doc['joins'] ?? 0),
            Time::parseOptional($doc['first_join_at'] ?? null),
            Time::parseOptional($doc['last_leave_at'] ?? null),
            (bool) ($doc['is_present'] ?? false),
            PresenceSource::from($doc['source'] ?? 'client'),
            $doc,
        );
    }
}
