<?php

declare(strict_types=1);

namespace LiveCourse\Tests;

use LiveCourse\Engine;

/**
 * examples/php/moodle_view.php served by `php -S` on a loopback port, the way
 * a web SAPI runs it: with Debian's ffi.enable=preload, FFI is allowed only
 * to the preloaded binding (bindings/php/preload.php).
 */
final class MoodleViewTest extends EngineTestCase
{
    /** @var resource|null */
    private $server = null;
    private int $port = 0;
    private string $sessionId = '';

    protected function setUp(): void
    {
        parent::setUp();
        // The server's requests use the system clock: a session live now, one seat.
        $engine = new Engine($this->database);
        $engine->enroll('moodle-101', 'prof', 'instructor');
        $engine->enroll('moodle-101', 'ana');
        $engine->enroll('moodle-101', 'ben');
        $now = new \DateTimeImmutable();
        $session = $engine->createSession('prof', 'moodle-101', 'Q&A', $now, $now->modify('+1 hour'), maxParticipants: 1);
        $engine->startSession('prof', $session->id);
        $this->sessionId = $session->id;
        $engine->close();
    }

    protected function tearDown(): void
    {
        if ($this->server !== null) {
            proc_terminate($this->server);
            proc_close($this->server);
        }
        parent::tearDown();
    }

    private function serve(bool $preload): void
    {
        $root = dirname(__DIR__, 3);
        $probe = stream_socket_server('tcp://127.0.0.1:0');
        $this->port = (int) substr(strrchr(stream_socket_get_name($probe, false), ':'), 1);
        fclose($probe);
        $ini = ['-d', 'ffi.enable=preload'];
        if ($preload) {
            $ini = [...$ini, '-d', 'opcache.enable=1', '-d', 'opcache.enable_cli=1',
                '-d', 'opcache.preload=' . $root . '/bindings/php/preload.php',
                '-d', 'opcache.preload_user=' . posix_getpwuid(posix_geteuid())['name']];
        }
        $env = ['LIVECOURSE_DATABASE' => $this->database, 'LIVECOURSE_LIBRARY' => (string) getenv('LIVECOURSE_LIBRARY'), 'PATH' => (string) getenv('PATH')];
        $this->server = proc_open(
            [PHP_BINARY, ...$ini, '-S', "127.0.0.1:{$this->port}", '-t', $root . '/examples/php'],
            [0 => ['file', '/dev/null', 'r'], 1 => ['file', '/dev/null', 'w'], 2 => ['file', $this->dir . '/server.log', 'w']],
            $pipes,
            null,
            $env,
        );
        for ($i = 0; $i < 100; ++$i) {
            $connection = @stream_socket_client("tcp://127.0.0.1:{$this->port}", $errno, $error, 0.1);
            if ($connection !== false) {
                fclose($connection);
                return;
            }
            usleep(50_000);
        }
        $this->fail('php -S did not start: ' . file_get_contents($this->dir . '/server.log'));
    }

    /** @return array{int, array<string, string>, string} status, headers (lower-case names), body */
    private function get(string $query, ?string $user): array
    {
        $headers = $user === null ? [] : ["X-Lms-User: {$user}"];
        $context = stream_context_create(['http' => ['header' => $headers, 'follow_location' => 0, 'ignore_errors' => true, 'timeout' => 10]]);
        $body = (string) file_get_contents("http://127.0.0.1:{$this->port}/moodle_view.php?{$query}", false, $context);
        $status = 0;
        $fields = [];
        foreach ($http_response_header as $line) {
            if (preg_match('#^HTTP/\S+ (\d+)#', $line, $m)) {
                $status = (int) $m[1];
            } elseif (str_contains($line, ':')) {
                [$name, $value] = explode(':', $line, 2);
                $fields[strtolower($name)] = trim($value);
            }
        }
        return [$status, $fields, $body];
    }

    public function testAdmittedStudentsAreRedirectedToTheRoomOthersSeeWhy(): void
    {
        $this->serve(preload: true);
        $id = 'id=' . rawurlencode($this->sessionId);

        [$status, $headers] = $this->get($id, 'ana');
        $this->assertSame(303, $status, (string) file_get_contents($this->dir . '/server.log'));
        $this->assertStringStartsWith('https://meet.jit.si/lc-course-moodle-101-session-', $headers['location']);

        [$status, , $body] = $this->get($id, 'ben'); // the one seat is ana's
        $this->assertSame(403, $status);
        $this->assertStringContainsString('data-code="session_full"', $body);
        $this->assertStringContainsString('This session is full', $body);

        [$status, $headers] = $this->get($id, 'ana'); // a rejoin keeps her seat
        $this->assertSame(303, $status);

        [$status, , $body] = $this->get($id, 'mallory');
        $this->assertSame(403, $status);
        $this->assertStringContainsString('data-code="not_enrolled"', $body);

        [$status, , $body] = $this->get('id=no-such-session', 'ana');
        $this->assertSame(404, $status);
        $this->assertStringContainsString('data-code="not_found"', $body);

        [$status] = $this->get($id, null);
        $this->assertSame(401, $status);
    }

    public function testWithoutPreloadFfiIsRestrictedInAWebServer(): void
    {
        $this->serve(preload: false);
        [$status, , $body] = $this->get('id=' . rawurlencode($this->sessionId), 'ana');
        $this->assertSame(503, $status);
        $this->assertStringContainsString('Live sessions are unavailable', $body);
        $this->assertStringContainsString('ffi.enable', (string) file_get_contents($this->dir . '/server.log'));
    }
}
