<?php

declare(strict_types=1);

namespace LiveCourse;

/** No seat left (LC_ERR_FULL, code "session_full"); a host may offer a retry or a waiting list. */
class SessionFullException extends LiveCourseException
{
    public const STATUS = 5;
    public const CATEGORY = 'session_full';
}
