<?php

declare(strict_types=1);

namespace LiveCourse\Tests;

use LiveCourse\Engine;
use LiveCourse\ForbiddenException;
use LiveCourse\HostCallbackException;
use LiveCourse\Role;
use LiveCourse\Roster;

/** An LMS that keeps enrollment in its own tables answers through PHP callables. */
final class HostRosterTest extends EngineTestCase
{
    private const TABLE = [
        ['gov-101', 'prof-ada', 'instructor'],
        ['gov-101', 'stu-alan', 'student'],
        ['gov-101', 'stu-grace', 'student'],
    ];

    public function testTheHostRosterDecidesAccessCalendarsAndRates(): void
    {
        $asked = 0;
        $roster = new Roster(
            roleOf: function (string $courseId, string $userId) use (&$asked): ?string {
                ++$asked;
                foreach (self::TABLE as [$c, $u, $role]) {
                    if ($c === $courseId && $u === $userId) {
                        return $role;
                    }
                }
                return null;
            },
            coursesOf: fn (string $userId): array => array_column(array_filter(self::TABLE, fn ($row) => $row[1] === $userId), 2, 0),
            countStudents: fn (string $courseId): int => count(array_filter(self::TABLE, fn ($row) => $row[0] === $courseId && $row[2] === 'student')),
        );
        $engine = new Engine($this->dir . '/host.db', roster: $roster, clock: $this->clock);
        $t0 = self::utc('2026-03-07 13:00');
        $session = $engine->createSession('prof-ada', 'gov-101', 'Q&A', $t0, $t0->modify('+1 hour'));
        $this->assertSame(Role::Student, $engine->roleOf('gov-101', 'stu-alan'));
        $this->assertSame([$session->id], array_map(fn ($e) => $e->id, $engine->calendarEvents('stu-grace', '2026-03-01', '2026-04-01')));
        $engine->startSession('prof-ada', $session->id);
        $engine->join('stu-alan', $session->id);
        try {
            $engine->join('mallory', $session->id);
            $this->fail('admitted');
        } catch (ForbiddenException $e) {
            $this->assertSame('not_enrolled', $e->reason);
        }
        $this->clock->advance('+1 hour');
        $stats = $engine->endSession('prof-ada', $session->id)->statistics;
        $this->assertSame(2, $stats->enrolledCount);
        $this->assertEqualsWithDelta(0.5, $stats->attendanceRate, 1e-9);
        $this->assertGreaterThan(0, $asked);
        $engine->close();
    }

    public function testAClockThatThrowsFailsTheCallWithItsException(): void
    {
        $fail = false;
        $engine = new Engine($this->dir . '/clock.db', clock: function () use (&$fail) {
            if ($fail) {
                throw new \RuntimeException('clock broke');
            }
            return 1772888400;
        });
        $engine->enroll('c', 'prof', Role::Instructor);
        $fail = true;
        try {
            $engine->createSession('prof', 'c', 't', '2026-03-08T10:00:00Z', '2026-03-08T11:00:00Z');
            $this->fail('created');
        } catch (HostCallbackException $e) {
            $this->assertSame('clock broke', $e->getPrevious()?->getMessage());
        }
        $fail = false;
        $this->assertSame([], $engine->listSessions('prof', 'c'));
        $engine->close();
    }
}
