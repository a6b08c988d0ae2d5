<?php

declare(strict_types=1);

namespace LiveCourse;

/**
 * What a room census did: "recorded" when an absence was new, else
 * "ignored" with the reason (nobody_absent, duplicate, unknown_room,
 * never_live, clock_skew); how many users of the session it named and found
 * absent, and how many occupants named nobody of the session (guests, the
 * focus, strangers).
 */
final readonly class CensusAck
{
    public function __construct(
        public string $status,
        public ?string $reason,
        public ?string $sessionId,
        public int $named,
        public int $absent,
        public int $unidentified,
        public array $raw = [],
    ) {
    }

    public function recorded(): bool
    {
        return $this->status === 'recorded';
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['status'],
            Json::str($doc['reason'] ?? null),
            Json::str($doc['session_id'] ?? null),
            (int) $doc['named'],
            (int) $doc['absent'],
            (int) $doc['unidentified'],
            $doc,
        );
    }
}
