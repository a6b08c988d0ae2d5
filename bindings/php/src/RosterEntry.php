<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** One participant in the room now: since when (the earliest open connection), from which source, how many connections. */
final readonly class RosterEntry
{
    public function __construct(
        public string $userId,
        public Role $role,
        public DateTimeImmutable $joinedAt,
        public PresenceSource $source,
        public int $connections,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['user_id'],
            Role::from($doc['role']),
            Time::parse($doc['joined_at']),
            PresenceSource::from($doc['source']),
            (int) $doc['connections'],
            $doc,
        );
    }
}
