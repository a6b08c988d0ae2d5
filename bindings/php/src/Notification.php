<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/**
 * One notification of the outbox. id is stable (the webhook-id of every
 * delivery attempt) and idempotencyKey is unique per planned event:
 * deduplicate on either. read is set in in-app lists only.
 */
final readonly class Notification
{
    public function __construct(
        public string $id,
        public NotificationKind $kind,
        public string $userId,
        public string $courseId,
        public string $sessionId,
        public string $title,
        public DateTimeImmutable $startsAt,
        public DateTimeImmutable $endsAt,
        public string $timezone,
        public string $joinUrl,
        public ?string $cancelReason,
        public DateTimeImmutable $createdAt,
        public DateTimeImmutable $dueAt,
        public int $attempts,
        public string $idempotencyKey,
        public NotificationState $state,
        public ?DateTimeImmutable $nextAttemptAt,
        public ?DateTimeImmutable $deliveredAt,
        public ?string $lastError,
        public ?bool $read = null,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['id'],
            NotificationKind::from($doc['kind']),
            (string) $doc['user_id'],
            (string) $doc['course_id'],
            (string) $doc['session_id'],
            (string) ($doc['title'] ?? ''),
            Time::parse($doc['starts_at']),
            Time::parse($doc['ends_at']),
            (string) ($doc['timezone'] ?? 'UTC'),
            (string) ($doc['join_url'] ?? ''),
            Json::str($doc['cancel_reason'] ?? null),
            Time::parse($doc['created_at']),
            Time::parse($doc['due_at']),
            (int) ($doc['attempts'] ?? 0),
            (string) ($doc['idempotency_key'] ?? ''),
            NotificationState::from($doc['state'] ?? 'pending'),
            Time::parseOptional($doc['next_attempt_at'] ?? null),
            Time::parseOptional($doc['delivered_at'] ?? null),
            Json::str($doc['last_error'] ?? null),
            isset($doc['read']) ? (bool) $doc['read'] : null,
            $doc,
        );
    }

    /** @return list<self> */
    public static function listFromJson(array $docs): array
    {
        return array_map(self::fromJson(...), $docs);
    }
}
