<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** A course's attendance over [$rangeStartsAt, $rangeEndsAt): one column per session held, one row per student. */
final readonly class CourseAttendance
{
    /**
     * @param list<CourseSessionColumn> $sessions by start time
     * @param list<CourseStudentAttendance> $students by user id
     */
    public function __construct(
        public string $courseId,
        public DateTimeImmutable $rangeStartsAt,
        public DateTimeImmutable $rangeEndsAt,
        public bool $final,
        public array $sessions,
        public array $students,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['course_id'],
            Time::parse($doc['range_starts_at']),
            Time::parse($doc['range_ends_at']),
            $doc['state'] === 'final',
            array_map(CourseSessionColumn::fromJson(...), $doc['sessions']),
            array_map(CourseStudentAttendance::fromJson(...), $doc['students']),
            $doc,
        );
    }
}
