<?php

declare(strict_types=1);

namespace LiveCourse;

/** Messages oldest first; pass nextCursor back as cursor for the next page. */
final readonly class ChatPage
{
    /** @param list<ChatMessage> $messages */
    public function __construct(public array $messages, public ?string $nextCursor)
    {
    }

    public static function fromJson(array $doc): self
    {
        return new self(array_map(ChatMessage::fromJson(...), $doc['messages'] ?? []), Json::str($doc['next_cursor'] ?? null));
    }
}
