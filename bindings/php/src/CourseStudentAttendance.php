<?php

declare(strict_types=1);

namespace LiveCourse;

/** One student's row: a verdict per session (in the columns' order), the counts and the rate. */
final readonly class CourseStudentAttendance
{
    /** @param list<array{session_id: string, outcome: string, counted_seconds: int, overridden: bool}> $outcomes */
    public function __construct(
        public string $userId,
        public array $outcomes,
        public int $present,
        public int $late,
        public int $leftEarly,
        public int $absent,
        public int $countedSeconds,
        public ?float $attendanceRate,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['user_id'],
            array_map(
                static fn (array $o): array => [
                    'session_id' => (string) $o['session_id'],
                    'outcome' => (string) $o['outcome'],
                    'counted_seconds' => (int) $o['counted_seconds'],
                    'overridden' => (bool) $o['overridden'],
                ],
                $doc['outcomes'],
            ),
            (int) $doc['present'],
            (int) $doc['late'],
            (int) $doc['left_early'],
            (int) $doc['absent'],
            (int) $doc['counted_seconds'],
            isset($doc['attendance_rate']) ? (float) $doc['attendance_rate'] : null,
            $doc,
        );
    }
}
