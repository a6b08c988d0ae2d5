<?php

declare(strict_types=1);

namespace LiveCourse;

/** An id names nothing, whatever its form (LC_ERR_NOT_FOUND). */
class NotFoundException extends LiveCourseException
{
    public const STATUS = 2;
    public const CATEGORY = 'not_found';
}
