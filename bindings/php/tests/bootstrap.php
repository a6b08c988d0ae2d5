<?php

declare(strict_types=1);

// Run from the repository root against the library CMake built:
//
//   LIVECOURSE_LIBRARY=$PWD/build/capi/liblivecourse.so phpunit -c bindings/php/phpunit.xml.dist
//
// Without LIVECOURSE_LIBRARY the first build*/capi/liblivecourse.so of the
// repository is used.
require __DIR__ . '/../autoload.php';
require __DIR__ . '/Support.php';

if (!getenv('LIVECOURSE_LIBRARY')) {
    $built = glob(dirname(__DIR__, 3) . '/build*/capi/liblivecourse.so') ?: [];
    if ($built !== []) {
        putenv('LIVECOURSE_LIBRARY=' . $built[0]);
    }
}
