<?php

declare(strict_types=1);

namespace LiveCourse;

/** Not possible in the session's status, or a concurrent change (LC_ERR_CONFLICT): not_live, not_scheduled, session_ended, session_cancelled, revision_mismatch, ... */
class ConflictException extends LiveCourseException
{
    public const STATUS = 4;
    public const CATEGORY = 'conflict';
}
