<?php

declare(strict_types=1);

namespace LiveCourse;

/** Listing filters: upcoming (scheduled), live, past (ended or cancelled), all. */
enum SessionFilter: string
{
    case All = 'all';
    case Upcoming = 'upcoming';
    case Live = 'live';
    case Past = 'past';
}
