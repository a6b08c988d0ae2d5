<?php

declare(strict_types=1);

namespace LiveCourse\Tests;

use DateTimeImmutable;
use DateTimeZone;
use LiveCourse\Engine;
use LiveCourse\Role;
use PHPUnit\Framework\TestCase;

/** A clock the tests move by hand; the engine reads it through the hook. */
final class ManualClock
{
    public function __construct(private DateTimeImmutable $now)
    {
    }

    public function __invoke(): DateTimeImmutable
    {
        return $this->now;
    }

    public function set(DateTimeImmutable $when): void
    {
        $this->now = $when;
    }

    public function advance(string $modifier): DateTimeImmutable
    {
        return $this->now = $this->now->modify($modifier);
    }
}

final class Course
{
    /** @param list<string> $students */
    public function __construct(
        public readonly string $id,
        public readonly string $instructor,
        public readonly string $moderator,
        public readonly array $students,
        public readonly string $outsider = 'mallory',
    ) {
    }
}

/** A fresh database and engine per test, on a clock the test drives. */
abstract class EngineTestCase extends TestCase
{
    public const FEED_SECRET = 'feed-secret-feed-secret-feed-secret-0123456789';

    protected string $dir;
    protected string $database;
    protected ManualClock $clock;
    protected Engine $engine;

    protected function setUp(): void
    {
        $this->dir = self::temporaryDirectory();
        $this->database = $this->dir . '/livecourse.db';
        // Saturday 7 March 2026, 14:00 in Paris (13:00Z): the seed's Q&A slot.
        $this->clock = new ManualClock(self::utc('2026-03-07 13:00'));
        $this->engine = new Engine($this->database, calendar: ['feed_secret' => self::FEED_SECRET], clock: $this->clock);
    }

    protected function tearDown(): void
    {
        $this->engine->close();
        self::removeDirectory($this->dir);
    }

    public static function utc(string $when): DateTimeImmutable
    {
        return new DateTimeImmutable($when, new DateTimeZone('UTC'));
    }

    public static function paris(string $when): DateTimeImmutable
    {
        return new DateTimeImmutable($when, new DateTimeZone('Europe/Paris'));
    }

    protected function enrollCourse(string $courseId = 'gov-101', int $students = 5): Course
    {
        $course = new Course(
            $courseId,
            'prof',
            'ta',
            array_map(static fn (int $i) => sprintf('student-%03d', $i), $students > 0 ? range(1, $students) : []),
        );
        $this->engine->enroll($course->id, $course->instructor, Role::Instructor);
        $this->engine->enroll($course->id, $course->moderator, Role::Moderator);
        foreach ($course->students as $student) {
            $this->engine->enroll($course->id, $student); // student by default
        }
        return $course;
    }

    public static function temporaryDirectory(): string
    {
        $dir = sys_get_temp_dir() . '/livecourse-php-' . bin2hex(random_bytes(6));
        mkdir($dir, 0700);
        return $dir;
    }

    public static function removeDirectory(string $dir): void
    {
        foreach (glob($dir . '/{,.}[!.]*', GLOB_BRACE) ?: [] as $file) {
            is_dir($file) ? self::removeDirectory($file) : unlink($file);
        }
        @rmdir($dir);
    }

    /** Runs a PHP script of the tests in a process of its own; its exit status and output. */
    public static function runPhp(array $arguments, ?string $stdin = null): array
    {
        $process = proc_open([PHP_BINARY, ...$arguments], [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
        fwrite($pipes[0], $stdin ?? '');
        fclose($pipes[0]);
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        return [proc_close($process), $out, $err];
    }
}
