<?php

declare(strict_types=1);

/*
 * The join handler of a Moodle activity's view.php, without Moodle: the user
 * clicks "Join" on a live session and is sent into the Jitsi room, or shown
 * why not. Every refusal comes from livecourse as a typed exception with a
 * stable code; the page only chooses words and an HTTP status for it.
 *
 *   GET moodle_view.php?id=<session id>      (as mod/<yours>/view.php?id=...)
 *
 * In Moodle the first lines would be
 *
 *   require_once(__DIR__ . '/../../config.php');
 *   $id = required_param('id', PARAM_ALPHANUMEXT);
 *   require_login($course, false, $cm);       // then $USER is the student
 *
 * and the database would live in $CFG->dataroot. Here the user comes from the
 * web server's authentication (REMOTE_USER) or an authenticating proxy's
 * X-Lms-User header, and the database from LIVECOURSE_DATABASE.
 *
 * The web server's PHP must be allowed to use FFI: preload the binding
 * (opcache.preload=bindings/php/preload.php) or set ffi.enable=1; see
 * bindings/php/README.md.
 */

// With Composer: require_once __DIR__ . '/vendor/autoload.php';
require_once __DIR__ . '/../../bindings/php/autoload.php';

use LiveCourse\Actor;
use LiveCourse\Engine;
use LiveCourse\LibraryException;
use LiveCourse\LiveCourseException;

/** The words of a refusal, by livecourse's stable code (Moodle: get_string()). */
const REFUSALS = [
    'session_full' => [403, 'This session is full', 'Every seat is taken. Try again in a moment: a seat frees up when someone leaves.'],
    'not_enrolled' => [403, 'You are not enrolled', 'Only students enrolled in this course can join its live sessions.'],
    'not_live' => [403, 'Not started yet', 'The instructor has not started this session yet. This page will let you in once it is live.'],
    'session_ended' => [403, 'This session has ended', 'Look for its recording on the course page.'],
    'session_cancelled' => [403, 'This session was cancelled', 'The instructor cancelled this session.'],
    'forbidden' => [403, 'Not allowed', 'You may not join this session.'],
    'not_found' => [404, 'No such session', 'This live session does not exist.'],
    'unauthenticated' => [401, 'Please log in', 'You must be logged in to join a live session.'],
    'invalid_argument' => [400, 'Bad request', 'This link is not a live session link.'],
];

function refuse(string $code, ?string $detail = null): never
{
    [$status, $title, $text] = REFUSALS[$code] ?? [503, 'Live sessions are unavailable', 'Please try again later.'];
    http_response_code($status);
    header('Content-Type: text/html; charset=utf-8');
    header('Cache-Control: no-store');
    $h = static fn (string $s): string => htmlspecialchars($s, ENT_QUOTES | ENT_HTML5, 'UTF-8');
    echo "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{$h($title)}</title></head>\n",
        "<body><main class=\"live-session-refusal\" data-code=\"{$h($code)}\">\n",
        "<h1>{$h($title)}</h1>\n<p>{$h($text)}</p>\n",
        $detail === null ? '' : "<!-- {$h($detail)} -->\n",
        "</main></body></html>\n";
    exit;
}

$sessionId = is_string($_GET['id'] ?? null) ? $_GET['id'] : '';
$userId = (string) ($_SERVER['REMOTE_USER'] ?? $_SERVER['HTTP_X_LMS_USER'] ?? '');
if ($userId === '') {
    refuse('unauthenticated');
}
if ($sessionId === '') {
    refuse('invalid_argument');
}

try {
    // One engine per request is fine for SQLite (opening is cheap); a
    // long-running worker may keep one per process, opened after the fork.
    $engine = new Engine(getenv('LIVECOURSE_DATABASE') ?: sys_get_temp_dir() . '/livecourse.db');
    $actor = new Actor($userId, $_SERVER['HTTP_X_LMS_USER_NAME'] ?? null, $_SERVER['HTTP_X_LMS_USER_EMAIL'] ?? null);
    $join = $engine->join($actor, $sessionId);
} catch (LiveCourseException $e) {
    // $e->errorCode is the reason where one applies (session_full, not_live,
    // ...), else the category; the message is for logs, not for students.
    error_log("livecourse: {$userId} cannot join {$sessionId}: {$e->getMessage()}");
    refuse($e->errorCode);
} catch (LibraryException $e) {
    error_log($e->getMessage());
    refuse('unavailable');
}

// Admitted (a seat is held; joining again is a rejoin, not a second seat).
// 303: the browser follows with a GET to the video room.
header('Cache-Control: no-store');
header('Location: ' . $join->jitsiJoinUrl, true, 303);
