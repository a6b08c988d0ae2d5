<?php

declare(strict_types=1);

namespace LiveCourse\Tests;

use LiveCourse\Engine;

/**
 * Seats are decided by the database, not by a lock in a process: PHP
 * processes (as PHP-FPM workers are) joining one session on one SQLite file
 * admit exactly as many students as there are seats.
 */
final class SeatRaceTest extends EngineTestCase
{
    private const WORKERS = 8;
    private const USERS_PER_WORKER = 5;
    private const SEATS = 13;

    public function testExactlyTheSeatsAreTakenByRacingProcesses(): void
    {
        // The workers use the system clock: schedule the session around now.
        $engine = new Engine($this->dir . '/race.db');
        $engine->enroll('race-101', 'prof', 'instructor');
        $students = [];
        for ($i = 1; $i <= self::WORKERS * self::USERS_PER_WORKER; ++$i) {
            $students[] = $student = sprintf('racer-%03d', $i);
            $engine->enroll('race-101', $student);
        }
        $now = new \DateTimeImmutable();
        $session = $engine->createSession('prof', 'race-101', 'Rush', $now, $now->modify('+1 hour'), maxParticipants: self::SEATS);
        $engine->startSession('prof', $session->id);

        $workers = [];
        foreach (array_chunk($students, self::USERS_PER_WORKER) as $chunk) {
            $process = proc_open(
                [PHP_BINARY, __DIR__ . '/workers/join.php', $this->dir . '/race.db', $session->id, ...$chunk],
                [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']],
                $pipes,
            );
            $workers[] = [$process, $pipes];
        }
        foreach ($workers as [, $pipes]) {
            $ready = fgets($pipes[1]);
            if ($ready !== "ready\n") {
                $this->fail('a worker did not start: ' . stream_get_contents($pipes[2]));
            }
        }
        foreach ($workers as [, $pipes]) { // every worker is waiting: release them together
            fwrite($pipes[0], "go\n");
            fclose($pipes[0]);
        }
        $outcomes = [];
        foreach ($workers as [$process, $pipes]) {
            $out = stream_get_contents($pipes[1]);
            $err = stream_get_contents($pipes[2]);
            fclose($pipes[1]);
            fclose($pipes[2]);
            $this->assertSame(0, proc_close($process), $err);
            foreach (explode("\n", trim($out)) as $line) {
                [$user, $outcome] = explode(' ', $line);
                $outcomes[$user] = $outcome;
            }
        }

        $this->assertCount(count($students), $outcomes);
        $counts = array_count_values($outcomes);
        $this->assertSame(['admitted' => self::SEATS, 'session_full' => count($students) - self::SEATS], [
            'admitted' => $counts['admitted'] ?? 0,
            'session_full' => $counts['session_full'] ?? 0,
        ]);
        // The database agrees with what the processes were told.
        $present = array_map(fn ($row) => $row->userId, $engine->attendance('prof', $session->id));
        $admitted = array_keys(array_filter($outcomes, fn ($o) => $o === 'admitted'));
        sort($present);
        sort($admitted);
        $this->assertSame($admitted, $present);
        $engine->close();
    }
}
