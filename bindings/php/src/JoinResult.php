<?php

declare(strict_types=1);

namespace LiveCourse;

/** An admitted participant's way in. The password is null when the room has none. */
final readonly class JoinResult
{
    public function __construct(
        public string $sessionId,
        public string $jitsiRoomName,
        public string $jitsiJoinUrl,
        public ?string $jitsiRoomPassword,
        public bool $rejoined = false,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['session_id'],
            (string) $doc['jitsi_room_name'],
            (string) $doc['jitsi_join_url'],
            Json::str($doc['jitsi_room_password'] ?? null),
            (bool) ($doc['rejoined'] ?? false),
            $doc,
        );
    }
}
