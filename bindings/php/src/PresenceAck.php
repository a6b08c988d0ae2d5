<?php

declare(strict_types=1);

namespace LiveCourse;

/**
 * What a presence report did: "recorded", or "ignored" with the reason
 * (unknown_room, unknown_user, never_live, duplicate, app_id_mismatch,
 * clock_skew, no_attendance_data, not_live, nobody_absent, ...). Ignored reports are
 * acknowledged, never errors, so that senders do not retry them.
 */
final readonly class PresenceAck
{
    public function __construct(public string $status, public ?string $reason, public array $raw = [])
    {
    }

    public function recorded(): bool
    {
        return $this->status === 'recorded';
    }

    public static function fromJson(array $doc): self
    {
        return new self((string) $doc['status'], Json::str($doc['reason'] ?? null), $doc);
    }
}
