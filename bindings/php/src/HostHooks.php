<?php

declare(strict_types=1);

namespace LiveCourse;

use FFI;

/**
 * The lc_host of one engine: a roster the LMS answers and a clock its tests
 * drive, as FFI callbacks.
 *
 * A PHP exception must not cross C, so a hook that throws reports a failure
 * to the library (a negative value: the operation fails with
 * LC_ERR_CALLBACK) and the exception is kept until the engine call returns,
 * which then throws HostCallbackException with it as the previous exception.
 * The struct (and with it the callbacks) lives as long as the engine: the
 * library keeps the function pointers.
 *
 * @internal
 */
final class HostHooks
{
    public readonly ?FFI\CData $struct;
    private ?\Throwable $pending = null;

    public function __construct(FFI $ffi, mixed $roster, ?\Closure $clock)
    {
        [$roleOf, $coursesOf, $countStudents] = self::split($roster);
        if ($roleOf === null && $clock === null) {
            $this->struct = null;
            return;
        }
        $host = $ffi->new('lc_host');
        if ($roleOf !== null) {
            $host->role_of = fn ($userData, string $courseId, string $userId): int
                => $this->guard(fn () => self::roleCode($roleOf($courseId, $userId)), -1);
        }
        if ($coursesOf !== null) {
            $host->courses_of = fn ($userData, string $userId, $sink, $context): int => $this->guard(function () use ($coursesOf, $userId, $sink, $context) {
                foreach (self::coursePairs($coursesOf($userId)) as [$courseId, $code]) {
                    $sink($context, $courseId, $code);
                }
                return 0;
            }, -1);
        }
        if ($countStudents !== null) {
            $host->count_students = fn ($userData, string $courseId): int => $this->guard(function () use ($countStudents, $courseId) {
                $n = $countStudents($courseId);
                if ($n !== null && !is_int($n)) {
                    throw new \TypeError('countStudents must return an int or null, not ' . get_debug_type($n));
                }
                return $n === null || $n < 0 ? -1 : $n;
            }, -1);
        }
        if ($clock !== null) {
            self::unixSeconds($clock()); // fail fast on a clock that returns the wrong thing
            // lc_host.now has no failure value; the library refuses a time
            // before 1970 as a failed hook, so -1 fails the operation.
            $host->now = fn ($userData): int => $this->guard(fn () => self::unixSeconds($clock()), -1);
        }
        $this->struct = $host;
    }

    /** What a hook threw during the call that just returned (and forgets it). */
    public function takePending(): ?\Throwable
    {
        $pending = $this->pending;
        $this->pending = null;
        return $pending;
    }

    private function guard(\Closure $hook, int $failure): int
    {
        try {
            return $hook();
        } catch (\Throwable $e) {
            $this->pending ??= $e;
            return $failure;
        }
    }

    /** @return array{?callable, ?callable, ?callable} */
    private static function split(mixed $roster): array
    {
        if ($roster === null) {
            return [null, null, null];
        }
        if ($roster instanceof Roster) {
            return [$roster->roleOf, $roster->coursesOf, $roster->countStudents];
        }
        if (is_object($roster) && method_exists($roster, 'roleOf')) {
            $optional = static fn (string $name) => method_exists($roster, $name) ? $roster->$name(...) : null;
            return [$roster->roleOf(...), $optional('coursesOf'), $optional('countStudents')];
        }
        if (is_callable($roster)) {
            return [$roster, null, null];
        }
        throw new \TypeError('roster must be a callable (courseId, userId) => role, a Roster, or an object with roleOf()');
    }

    private static function roleCode(mixed $role): int
    {
        return match (true) {
            $role === null => Role::None->code(),
            $role instanceof Role => $role->code(),
            is_string($role) => (Role::tryFrom(strtolower(trim($role))) ?? throw new \UnexpectedValueException("roster returned an unknown role '{$role}'"))->code(),
            is_int($role) => Role::fromCode($role)->code(),
            default => throw new \TypeError('roster must return a Role, a role name or null, not ' . get_debug_type($role)),
        };
    }

    /** @return list<array{string, int}> */
    private static function coursePairs(mixed $courses): array
    {
        $pairs = [];
        foreach ($courses ?? [] as $key => $item) {
            $pairs[] = match (true) {
                $item instanceof Enrollment => [$item->courseId, $item->role->code()],
                is_array($item) => [(string) $item[0], self::roleCode($item[1])],
                default => [(string) $key, self::roleCode($item)],
            };
        }
        return $pairs;
    }

    public static function unixSeconds(mixed $now): int
    {
        if ($now instanceof \DateTimeInterface) {
            return $now->getTimestamp();
        }
        if (is_int($now)) {
            return $now;
        }
        if (is_float($now)) {
            return (int) floor($now);
        }
        throw new \TypeError('a clock must return a DateTimeInterface or Unix seconds, not ' . get_debug_type($now));
    }
}
