<?php

declare(strict_types=1);

namespace LiveCourse;

/** A host hook (roster, clock) failed (LC_ERR_CALLBACK); getPrevious() is what a PHP hook threw. */
class HostCallbackException extends LiveCourseException
{
    public const STATUS = 10;
    public const CATEGORY = 'host_callback';
}
