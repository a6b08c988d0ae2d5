<?php

declare(strict_types=1);

namespace LiveCourse;

/** A call on a thread set to lc_thread_no_wait would have had to wait (LC_ERR_WOULD_BLOCK); nothing changed. */
class WouldBlockException extends LiveCourseException
{
    public const STATUS = 11;
    public const CATEGORY = 'would_block';
}
