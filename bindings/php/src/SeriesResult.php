<?php

declare(strict_types=1);

namespace LiveCourse;

/** A created series and its sessions, in order. */
final readonly class SeriesResult
{
    /** @param list<Session> $sessions */
    public function __construct(public Series $series, public array $sessions)
    {
    }

    public static function fromJson(array $doc): self
    {
        return new self(Series::fromJson($doc['series']), Session::listFromJson($doc['sessions'] ?? []));
    }
}
