<?php

declare(strict_types=1);

namespace LiveCourse;

/** A user's role in a course of the built-in roster. */
final readonly class Enrollment
{
    public function __construct(public string $courseId, public string $userId, public Role $role, public array $raw = [])
    {
    }

    public static function fromJson(array $doc): self
    {
        return new self((string) $doc['course_id'], (string) $doc['user_id'], Role::from($doc['role']), $doc);
    }
}
