<?php

declare(strict_types=1);

namespace LiveCourse;

/** What a user is in a course (lc_role). Instructors and moderators are staff. */
enum Role: string
{
    case None = 'none';
    case Student = 'student';
    case Moderator = 'moderator';
    case Instructor = 'instructor';

    /** The stable lc_role value. */
    public function code(): int
    {
        return match ($this) {
            self::None => 0,
            self::Student => 1,
            self::Moderator => 2,
            self::Instructor => 3,
        };
    }

    public static function fromCode(int $code): self
    {
        foreach (self::cases() as $role) {
            if ($role->code() === $code) {
                return $role;
            }
        }
        throw new \ValueError("unknown lc_role value {$code}");
    }

    public function isStaff(): bool
    {
        return $this === self::Instructor || $this === self::Moderator;
    }
}
