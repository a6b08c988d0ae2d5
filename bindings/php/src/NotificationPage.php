<?php

declare(strict_types=1);

namespace LiveCourse;

/** Notifications in one state, oldest first; pass nextCursor back as cursor. */
final readonly class NotificationPage
{
    /** @param list<Notification> $notifications */
    public function __construct(public array $notifications, public ?string $nextCursor)
    {
    }

    public static function fromJson(array $doc): self
    {
        return new self(Notification::listFromJson($doc['notifications'] ?? []), Json::str($doc['next_cursor'] ?? null));
    }
}
