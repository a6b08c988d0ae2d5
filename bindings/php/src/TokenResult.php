<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** A Jitsi token (null in public meet.jit.si mode) and the link that carries it. */
final readonly class TokenResult
{
    public function __construct(public ?string $jwt, public string $jitsiJoinUrl, public DateTimeImmutable $expiresAt, public array $raw = [])
    {
    }

    public static function fromJson(array $doc): self
    {
        return new self(Json::str($doc['jwt'] ?? null), (string) $doc['jitsi_join_url'], Time::parse($doc['expires_at']), $doc);
    }
}
