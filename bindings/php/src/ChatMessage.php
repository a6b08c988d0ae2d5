<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** A chat message; an answer names the question it answers in replyTo. */
final readonly class ChatMessage
{
    public function __construct(
        public string $id,
        public string $sessionId,
        public string $userId,
        public ChatType $type,
        public string $body,
        public ?string $replyTo,
        public DateTimeImmutable $createdAt,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['id'],
            (string) $doc['session_id'],
            (string) $doc['user_id'],
            ChatType::from($doc['type']),
            (string) $doc['body'],
            Json::str($doc['reply_to'] ?? null),
            Time::parse($doc['created_at']),
            $doc,
        );
    }
}
