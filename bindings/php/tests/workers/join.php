<?php

declare(strict_types=1);

// One PHP process of the seat race: opens its own engine on the shared
// database, says "ready", waits for "go" on stdin, then joins each user given
// and prints one line per user: "<user_id> admitted" or "<user_id> <code>".
//
//   php join.php <database> <session_id> <user_id>...
require __DIR__ . '/../../autoload.php';

[, $database, $sessionId] = $argv;
$users = array_slice($argv, 3);
$engine = new LiveCourse\Engine($database);
fwrite(STDOUT, "ready\n");
fflush(STDOUT);
fgets(STDIN);
$lines = [];
foreach ($users as $user) {
    try {
        $engine->join($user, $sessionId);
        $lines[] = "{$user} admitted";
    } catch (LiveCourse\LiveCourseException $e) {
        $lines[] = "{$user} {$e->errorCode}";
    }
}
$engine->close();
echo implode("\n", $lines), "\n";
