<?php

declare(strict_types=1);

namespace LiveCourse;

/** Access refused (LC_ERR_FORBIDDEN); $reason says why: not_enrolled, forbidden, not_participant, not_live, session_ended, session_cancelled. */
class ForbiddenException extends LiveCourseException
{
    public const STATUS = 3;
    public const CATEGORY = 'forbidden';

    protected function reasonOf(string $code, string $category): ?string
    {
        return $code; // a refusal always has a reason, "forbidden" included
    }
}
