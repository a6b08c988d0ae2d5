<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** Who is in a session's room at $observedAt; empty unless the session is live. */
final readonly class LiveRoster
{
    /** @param list<RosterEntry> $participants */
    public function __construct(
        public string $sessionId,
        public SessionStatus $status,
        public DateTimeImmutable $observedAt,
        public array $participants,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['session_id'],
            SessionStatus::from($doc['status']),
            Time::parse($doc['observed_at']),
            array_map(RosterEntry::fromJson(...), $doc['participants']),
            $doc,
        );
    }
}
