<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;

/** A weekly series; rule describes the rule as the host gave it. */
final readonly class Series
{
    public function __construct(
        public string $id,
        public string $courseId,
        public string $rule,
        public ?string $instructorId = null,
        public ?DateTimeImmutable $createdAt = null,
        public array $raw = [],
    ) {
    }

    public static function fromJson(array $doc): self
    {
        $rule = $doc['rule'] ?? '';
        return new self(
            (string) $doc['id'],
            (string) $doc['course_id'],
            is_string($rule) ? $rule : Json::encode($rule),
            Json::str($doc['instructor_id'] ?? null),
            Time::parseOptional($doc['created_at'] ?? null),
            $doc,
        );
    }
}
