<?php

declare(strict_types=1);

namespace LiveCourse\Tests;

use LiveCourse\ForbiddenException;

/**
 * Every string the C ABI returns (responses and error documents) is released
 * with lc_free: the process's resident memory stays flat over many calls.
 * The library allocates outside PHP's heap, so memory_get_usage() would not
 * see a leak; the resident set does.
 */
final class MemoryTest extends EngineTestCase
{
    private static function residentBytes(): int
    {
        $fields = explode(' ', (string) file_get_contents('/proc/self/statm'));
        return (int) $fields[1] * 4096;
    }

    public function testResponsesAndErrorsAreFreed(): void
    {
        $course = $this->enrollCourse('leak-101', 2);
        $t0 = self::utc('2026-03-07 13:00');
        $session = $this->engine->createSession($course->instructor, $course->id, str_repeat('Q&A ', 50), $t0, $t0->modify('+1 hour'), description: str_repeat('d', 2000));
        $round = function (int $n) use ($course, $session): void {
            for ($i = 0; $i < $n; ++$i) {
                $this->engine->getSession($course->instructor, $session->id); // a ~3 KB response
                try {
                    $this->engine->join($course->students[0], $session->id); // an error document
                } catch (ForbiddenException) {
                }
            }
        };
        if (!is_readable('/proc/self/statm')) {
            $this->markTestSkipped('no /proc/self/statm');
        }
        $round(2000); // warm up: caches, statements, the allocator's arenas
        gc_collect_cycles();
        $before = self::residentBytes();
        $round(10000);
        gc_collect_cycles();
        $grown = self::residentBytes() - $before;
        // Unreleased, these calls would keep over 30 MB.
        $this->assertLessThan(2 * 1024 * 1024, $grown, "resident memory grew by {$grown} bytes over 20000 calls");
    }
}
