<?php

declare(strict_types=1);

// The PSR-4 autoloader composer.json describes (LiveCourse\ => src/), for
// hosts and tests that do not use Composer: require this file once.
spl_autoload_register(static function (string $class): void {
    if (str_starts_with($class, 'LiveCourse\\')) {
        $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen('LiveCourse\\'))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
