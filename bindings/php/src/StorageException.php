<?php

declare(strict_types=1);

namespace LiveCourse;

/** The database failed or is unreachable (LC_ERR_STORAGE). */
class StorageException extends LiveCourseException
{
    public const STATUS = 6;
    public const CATEGORY = 'storage';
}
