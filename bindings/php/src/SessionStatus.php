<?php

declare(strict_types=1);

namespace LiveCourse;

/** The four statuses: scheduled -> live -> ended, or cancelled. */
enum SessionStatus: string
{
    case Scheduled = 'scheduled';
    case Live = 'live';
    case Ended = 'ended';
    case Cancelled = 'cancelled';
}
