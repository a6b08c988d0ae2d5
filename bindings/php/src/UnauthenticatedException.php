<?php

declare(strict_types=1);

namespace LiveCourse;

/** No actor, or an invalid token, secret or signature (LC_ERR_UNAUTHENTICATED). */
class UnauthenticatedException extends LiveCourseException
{
    public const STATUS = 7;
    public const CATEGORY = 'unauthenticated';
}
