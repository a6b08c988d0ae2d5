<?php

declare(strict_types=1);

namespace LiveCourse;

/** A user's in-app notifications, newest first, with the read marker. */
final readonly class NotificationList
{
    /** @param list<Notification> $notifications */
    public function __construct(public array $notifications, public ?string $nextCursor, public ?string $readUpTo, public int $unreadCount)
    {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            Notification::listFromJson($doc['notifications'] ?? []),
            Json::str($doc['next_cursor'] ?? null),
            Json::str($doc['read_up_to'] ?? null),
            (int) ($doc['unread_count'] ?? 0),
        );
    }
}
