<?php

declare(strict_types=1);

namespace LiveCourse;

/**
 * A host roster made of plain callables, for an LMS that answers "what is
 * this user in this course?" from its own tables (it replaces the built-in
 * roster for every access decision).
 *
 * - roleOf(string $courseId, string $userId): Role|string|null (null: not in the course)
 * - coursesOf(string $userId): iterable of courseId => Role|string, or of
 *   [courseId, role] pairs, or of Enrollment; without it, calendars are empty
 * - countStudents(string $courseId): ?int (null: unknown; then enrolledCount
 *   and attendanceRate are null)
 *
 * Any object with a roleOf() method (and optionally coursesOf() and
 * countStudents()) does too. A hook that throws fails the engine call with
 * HostCallbackException, whose getPrevious() is what it threw.
 */
final readonly class Roster
{
    public function __construct(
        public \Closure $roleOf,
        public ?\Closure $coursesOf = null,
        public ?\Closure $countStudents = null,
    ) {
    }
}
