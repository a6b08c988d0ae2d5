<?php

declare(strict_types=1);

namespace LiveCourse;

/** What ending a session returns: the ended session and its final statistics. */
final readonly class EndResult
{
    public function __construct(public Session $session, public Statistics $statistics)
    {
    }

    public static function fromJson(array $doc): self
    {
        return new self(Session::fromJson($doc), Statistics::fromJson($doc['statistics'] ?? []));
    }
}
