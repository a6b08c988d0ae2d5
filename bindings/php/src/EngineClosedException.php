<?php

declare(strict_types=1);

namespace LiveCourse;

/** The engine was used after close(). */
class EngineClosedException extends LiveCourseException
{
    public const STATUS = 1;
    public const CATEGORY = 'invalid_argument';
}
