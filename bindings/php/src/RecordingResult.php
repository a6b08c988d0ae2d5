<?php

declare(strict_types=1);

namespace LiveCourse;

/** The acknowledgement of a recording URL and the session as it now is (null if none was found). */
final readonly class RecordingResult
{
    public function __construct(public string $status, public ?string $reason, public ?Session $session, public array $raw = [])
    {
    }

    public function recorded(): bool
    {
        return $this->status === 'recorded';
    }

    public static function fromJson(array $doc): self
    {
        $session = $doc['session'] ?? null;
        return new self((string) $doc['status'], Json::str($doc['reason'] ?? null), is_array($session) ? Session::fromJson($session) : null, $doc);
    }
}
