<?php

declare(strict_types=1);

// opcache.preload script: compiles every class of the binding into the
// server's shared memory at start-up. With Debian's default
// ffi.enable=preload, PHP-FPM, Apache's mod_php and `php -S` let only
// preloaded code use FFI, so this is how a web server runs the binding
// without opening FFI to every script (ffi.enable=1). In php.ini:
//
//   opcache.enable=1
//   opcache.preload=/path/to/bindings/php/preload.php
//   opcache.preload_user=www-data
require __DIR__ . '/autoload.php';
foreach (glob(__DIR__ . '/src/*.php') as $file) {
    $class = 'LiveCourse\\' . basename($file, '.php');
    class_exists($class) || interface_exists($class) || enum_exists($class);
}
