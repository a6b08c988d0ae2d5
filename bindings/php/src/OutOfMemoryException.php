<?php

declare(strict_types=1);

namespace LiveCourse;

/** The library ran out of memory (LC_ERR_NO_MEMORY). */
class OutOfMemoryException extends InternalException
{
    public const STATUS = 9;
    public const CATEGORY = 'no_memory';
}
