<?php

declare(strict_types=1);

namespace LiveCourse;

/** liblivecourse could not be loaded, or speaks another ABI version than this binding. */
final class LibraryException extends \RuntimeException
{
}
