<?php

declare(strict_types=1);

namespace LiveCourse;

/** Attendance figures of a session (live: so far; ended: final). */
final readonly class Statistics
{
    public function __construct(
        public string $sessionId,
        public int $actualDurationSeconds,
        public int $participantsCount,
        public int $studentsCount,
        public ?int $enrolledCount,
        public ?float $attendanceRate,
        public float $averagePresenceSeconds,
        public float $medianPresenceSeconds,
        public int $peakConcurrent,
        public ?string $recordingUrl,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        return new self(
            (string) $doc['session_id'],
            (int) ($doc['actual_duration_seconds'] ?? 0),
            (int) ($doc['participants_count'] ?? 0),
            (int) ($doc['students_count'] ?? 0),
            isset($doc['enrolled_count']) ? (int) $doc['enrolled_count'] : null,
            isset($doc['attendance_rate']) ? (float) $doc['attendance_rate'] : null,
            (float) ($doc['average_presence_seconds'] ?? 0),
            (float) ($doc['median_presence_seconds'] ?? 0),
            (int) ($doc['peak_concurrent'] ?? 0),
            Json::str($doc['recording_url'] ?? null),
            $doc,
        );
    }
}
