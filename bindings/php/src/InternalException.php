<?php

declare(strict_types=1);

namespace LiveCourse;

/** A bug in livecourse (LC_ERR_INTERNAL): please report it. */
class InternalException extends LiveCourseException
{
    public const STATUS = 8;
    public const CATEGORY = 'internal';
}
