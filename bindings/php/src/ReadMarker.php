<?php

declare(strict_types=1);

namespace LiveCourse;

/** How far a user has read their notifications. */
final readonly class ReadMarker
{
    public function __construct(public ?string $readUpTo, public int $unreadCount)
    {
    }

    public static function fromJson(array $doc): self
    {
        return new self(Json::str($doc['read_up_to'] ?? null), (int) ($doc['unread_count'] ?? 0));
    }
}
