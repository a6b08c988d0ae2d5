<?php

declare(strict_types=1);

namespace LiveCourse\Tests;

use LiveCourse\ConflictException;
use LiveCourse\Engine;
use LiveCourse\EngineClosedException;
use LiveCourse\ForbiddenException;
use LiveCourse\HostCallbackException;
use LiveCourse\InternalException;
use LiveCourse\Library;
use LiveCourse\LiveCourseException;
use LiveCourse\NotFoundException;
use LiveCourse\OutOfMemoryException;
use LiveCourse\SessionFullException;
use LiveCourse\StorageException;
use LiveCourse\UnauthenticatedException;
use LiveCourse\ValidationException;
use LiveCourse\WouldBlockException;

/** Typed exceptions mapped from the C ABI's statuses and error documents. */
final class ErrorsTest extends EngineTestCase
{
    /** @return array<string, array{int, string, class-string}> */
    public static function statuses(): array
    {
        return [
            'invalid_argument' => [1, 'invalid_argument', ValidationException::class],
            'not_found' => [2, 'not_found', NotFoundException::class],
            'forbidden' => [3, 'forbidden', ForbiddenException::class],
            'conflict' => [4, 'conflict', ConflictException::class],
            'session_full' => [5, 'session_full', SessionFullException::class],
            'storage' => [6, 'storage', StorageException::class],
            'unauthenticated' => [7, 'unauthenticated', UnauthenticatedException::class],
            'internal' => [8, 'internal', InternalException::class],
            'no_memory' => [9, 'no_memory', OutOfMemoryException::class],
            'host_callback' => [10, 'host_callback', HostCallbackException::class],
            'would_block' => [11, 'would_block', WouldBlockException::class],
        ];
    }

    /** @dataProvider statuses */
    public function testEachStatusMapsToItsClass(int $status, string $category, string $class): void
    {
        $e = LiveCourseException::fromDocument($status, ['error' => ['code' => 'some_reason', 'category' => $category, 'message' => 'boom', 'field' => 'f']]);
        $this->assertSame($class, get_class($e));
        $this->assertInstanceOf(LiveCourseException::class, $e);
        $this->assertSame(['some_reason', $category, 'boom', 'f', $status], [$e->errorCode, $e->category, $e->getMessage(), $e->field, $e->getCode()]);
        $this->assertSame('some_reason', $e->reason);
        // Without a document the status alone decides, and its name is the category.
        $bare = LiveCourseException::fromDocument($status, null);
        $this->assertSame($class, get_class($bare));
        $this->assertSame($category, $bare->category);
        $this->assertSame($category, $bare->errorCode);
        // The C library names its statuses the same way.
        $this->assertSame($category, Library::load()->lc_status_name($status));
    }

    public function testValidationNamesTheFieldAndChangesNothing(): void
    {
        $course = $this->enrollCourse();
        $start = self::utc('2026-03-07 13:00');
        $session = $this->engine->createSession($course->instructor, $course->id, 'Q&A', $start, $start->modify('+1 hour'));
        $before = $this->engine->listSessions($course->instructor, $course->id);

        $cases = [
            'ends_at' => fn () => $this->engine->createSession($course->instructor, $course->id, 'Q&A', $start, $start->modify('-1 hour')),
            'max_participants' => fn () => $this->engine->createSession($course->instructor, $course->id, 'Q&A', $start, $start->modify('+1 hour'), maxParticipants: 0),
            'timezone' => fn () => $this->engine->createSession($course->instructor, $course->id, 'Q&A', $start, $start->modify('+1 hour'), timezone: 'Mars/Olympus_Mons'),
            'starts_at' => fn () => $this->engine->createSession($course->instructor, $course->id, 'Q&A', 'not a time', $start),
            'title' => fn () => $this->engine->updateSession($course->instructor, $session->id, title: ''),
            'role' => fn () => $this->engine->enroll($course->id, 'x', 'emperor'),
        ];
        foreach ($cases as $field => $call) {
            try {
                $call();
                $this->fail("{$field}: accepted");
            } catch (ValidationException $e) {
                $this->assertSame($field, $e->field);
                $this->assertSame('invalid_argument', $e->category);
                $this->assertSame('invalid_argument', $e->errorCode);
                $this->assertNull($e->reason);
                $this->assertSame(1, $e->getCode());
                $this->assertStringContainsString($field, $e->getMessage());
            }
        }
        // Nothing changed: the same sessions, the same revision, nobody enrolled.
        $this->assertEquals($before, $this->engine->listSessions($course->instructor, $course->id));
        $this->assertSame($session->revision, $this->engine->getSession($course->instructor, $session->id)->revision);
        $this->assertSame('none', $this->engine->roleOf($course->id, 'x')->value);
    }

    public function testNotFound(): void
    {
        $course = $this->enrollCourse();
        try {
            $this->engine->getSession($course->instructor, 'no-such-session');
            $this->fail('found');
        } catch (NotFoundException $e) {
            $this->assertSame('not_found', $e->category);
            $this->assertNull($e->reason);
        }
        $this->expectException(NotFoundException::class);
        $this->engine->join($course->students[0], '../../etc/passwd');
    }

    public function testForbiddenReasons(): void
    {
        $course = $this->enrollCourse();
        $student = $course->students[0];
        $t0 = self::utc('2026-03-07 13:00');
        $session = $this->engine->createSession($course->instructor, $course->id, 'Q&A', $t0, $t0->modify('+1 hour'));
        $reason = function (callable $call): string {
            try {
                $call();
            } catch (ForbiddenException $e) {
                $this->assertSame('forbidden', $e->category);
                return $e->reason;
            }
            $this->fail('allowed');
        };
        $this->assertSame('forbidden', $reason(fn () => $this->engine->createSession($student, $course->id, 'mine', $t0, $t0->modify('+1 hour'))));
        $this->assertSame('not_enrolled', $reason(fn () => $this->engine->getSession($course->outsider, $session->id)));
        $this->assertSame('not_live', $reason(fn () => $this->engine->join($student, $session->id)));
        $this->engine->startSession($course->instructor, $session->id);
        $this->assertSame('not_participant', $reason(fn () => $this->engine->token($student, $session->id)));
        $this->assertSame('forbidden', $reason(fn () => $this->engine->attendance($student, $session->id)));
        $this->engine->endSession($course->instructor, $session->id);
        $this->assertSame('session_ended', $reason(fn () => $this->engine->join($student, $session->id)));
        $other = $this->engine->createSession($course->instructor, $course->id, 'Q&A', $t0->modify('+1 day'), $t0->modify('+1 day +1 hour'));
        $this->engine->cancelSession($course->instructor, $other->id, 'sick');
        $this->assertSame('session_cancelled', $reason(fn () => $this->engine->join($student, $other->id)));
    }

    public function testConflict(): void
    {
        $course = $this->enrollCourse();
        $t0 = self::utc('2026-03-07 13:00');
        $session = $this->engine->createSession($course->instructor, $course->id, 'Q&A', $t0, $t0->modify('+1 hour'));
        try {
            $this->engine->endSession($course->instructor, $session->id); // not live yet
            $this->fail('ended');
        } catch (ConflictException $e) {
            $this->assertSame('conflict', $e->category);
            $this->assertNotNull($e->reason);
        }
        try {
            $this->engine->updateSession($course->instructor, $session->id, title: 'new', revision: $session->revision + 5);
            $this->fail('updated');
        } catch (ConflictException $e) {
            $this->assertSame('revision_mismatch', $e->reason);
            $this->assertSame('revision', $e->field);
        }
        $updated = $this->engine->updateSession($course->instructor, $session->id, title: 'new', revision: $session->revision);
        $this->assertSame('new', $updated->title);
        $this->assertSame($session->revision + 1, $updated->revision);
    }

    public function testSessionFull(): void
    {
        $course = $this->enrollCourse();
        $t0 = self::utc('2026-03-07 13:00');
        $session = $this->engine->createSession($course->instructor, $course->id, 'Q&A', $t0, $t0->modify('+1 hour'), maxParticipants: 2);
        $this->engine->startSession($course->instructor, $session->id);
        $this->engine->join($course->students[0], $session->id);
        $this->engine->join($course->students[1], $session->id);
        try {
            $this->engine->join($course->students[2], $session->id);
            $this->fail('admitted');
        } catch (SessionFullException $e) {
            $this->assertSame('session_full', $e->errorCode);
            $this->assertSame(5, $e->getCode());
        }
        // Staff never count against the limit; a student holding a seat may rejoin.
        $this->engine->join($course->moderator, $session->id);
        $this->assertTrue($this->engine->join($course->students[0], $session->id)->rejoined);
    }

    public function testStorage(): void
    {
        file_put_contents($this->dir . '/garbage.db', str_repeat('this is not a SQLite database file ', 200));
        try {
            new Engine($this->dir . '/garbage.db');
            $this->fail('opened');
        } catch (StorageException $e) {
            $this->assertSame('storage', $e->category);
        }
        file_put_contents($this->dir . '/file', 'x');
        $this->expectException(StorageException::class);
        new Engine($this->dir . '/file/sub/live.db');
    }

    public function testUnauthenticated(): void
    {
        $course = $this->enrollCourse();
        $t0 = self::utc('2026-03-07 13:00');
        $session = $this->engine->createSession($course->instructor, $course->id, 'Q&A', $t0, $t0->modify('+1 hour'));
        try {
            $this->engine->getSession('', $session->id);
            $this->fail('read');
        } catch (UnauthenticatedException $e) {
            $this->assertSame('unauthenticated', $e->category);
        }
        try {
            $this->engine->calendarFeedByToken('bm9ib2R5.forged');
            $this->fail('fed');
        } catch (UnauthenticatedException $e) {
            $this->assertSame('invalid_token', $e->reason);
        }
        $this->expectException(UnauthenticatedException::class);
        $this->engine->callJson('session_get', ['session_id' => $session->id]); // no actor at all
    }

    public function testHostCallbackExceptionKeepsWhatTheHookThrew(): void
    {
        $roster = static fn (string $courseId, string $userId) => throw new \DomainException("LMS unreachable while asking about {$userId}");
        $engine = new Engine($this->dir . '/cb.db', roster: $roster);
        $t0 = self::utc('2026-03-07 13:00');
        try {
            $engine->createSession('prof', 'c', 't', $t0, $t0->modify('+1 hour'));
            $this->fail('created');
        } catch (HostCallbackException $e) {
            $this->assertInstanceOf(\DomainException::class, $e->getPrevious());
            $this->assertSame('LMS unreachable while asking about prof', $e->getPrevious()->getMessage());
            $this->assertSame(10, $e->getCode());
        } finally {
            $engine->close();
        }
    }

    public function testInvalidUtf8IsRefusedBeforeTheCall(): void
    {
        try {
            $this->engine->getSession('prof', "bad\xff\xfe");
            $this->fail('sent');
        } catch (ValidationException $e) {
            $this->assertSame('request', $e->field);
        }
        $this->expectException(ValidationException::class);
        $this->engine->callJson('no_such_operation', []);
    }

    public function testEngineClosed(): void
    {
        $engine = new Engine($this->dir . '/closed.db');
        $engine->close();
        $engine->close(); // idempotent
        $this->assertTrue($engine->isClosed());
        $this->expectException(EngineClosedException::class);
        $engine->feedToken('u');
    }

    public function testBadConfigurationNamesTheField(): void
    {
        try {
            new Engine($this->dir . '/x.db', jitsi: ['mode' => 'self_hosted', 'server_url' => 'https://m.example.org', 'app_id' => 'lms', 'app_secret' => 'short']);
            $this->fail('opened');
        } catch (ValidationException $e) {
            $this->assertSame('jitsi.app_secret', $e->field);
        }
        try {
            new Engine($this->dir . '/x.db', calendar: ['feed_secret' => 'short']);
            $this->fail('opened');
        } catch (ValidationException $e) {
            $this->assertSame('calendar.feed_secret', $e->field);
        }
    }
}
