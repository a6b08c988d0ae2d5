<?php

declare(strict_types=1);

namespace LiveCourse;

/** Bad input (LC_ERR_INVALID_ARGUMENT); $field names it; nothing was changed. */
class ValidationException extends LiveCourseException
{
    public const STATUS = 1;
    public const CATEGORY = 'invalid_argument';
}
