<?php

declare(strict_types=1);

namespace LiveCourse\Tests;

use LiveCourse\Engine;
use LiveCourse\Library;
use LiveCourse\LibraryException;
use PHPUnit\Framework\TestCase;

/** The binding's copy of the C ABI, and how the library is found. */
final class LibraryTest extends TestCase
{
    public function testEveryOperationOfTheHeaderIsDeclaredAndNoOther(): void
    {
        $header = (string) file_get_contents(dirname(__DIR__, 3) . '/capi/include/livecourse.h');
        preg_match_all('/^LC_OPERATION\((lc_\w+)\);/m', $header, $m);
        $inHeader = array_map(fn ($name) => substr($name, 3), $m[1]);
        $this->assertNotEmpty($inHeader);
        $declared = array_keys(Library::OPERATIONS);
        sort($inHeader);
        sort($declared);
        $this->assertSame($inHeader, $declared);
        // The library functions too, and the ABI version the binding speaks.
        preg_match_all('/^LC_API [^;]*?\b(lc_\w+)\(/m', $header, $f);
        foreach ($f[1] as $function) {
            $this->assertMatchesRegularExpression("/\\b{$function}\\(/", Library::declarations());
        }
        // The host hooks' struct, member for member (its layout is the ABI).
        $normalize = fn (string $text): string => preg_replace('/\s+/', ' ', $text);
        preg_match('/typedef struct lc_host \{.*?\} lc_host;/s', $header, $struct);
        $this->assertStringContainsString($normalize($struct[0]), $normalize(Library::declarations()));
        preg_match('/#define LC_ABI_VERSION (\d+)/', $header, $abi);
        $this->assertSame((int) $abi[1], Library::ABI_VERSION);
    }

    public function testVersion(): void
    {
        $this->assertMatchesRegularExpression('/^\d+\.\d+\.\d+$/', Engine::libraryVersion());
        $composer = json_decode((string) file_get_contents(dirname(__DIR__) . '/composer.json'), true);
        $this->assertSame('livecourse/livecourse', $composer['name']);
        $this->assertSame(['LiveCourse\\' => 'src/'], $composer['autoload']['psr-4']);
    }

    public function testAMissingLibraryIsALibraryExceptionSayingWhatWasTried(): void
    {
        try {
            new Engine(sys_get_temp_dir() . '/never.db', library: '/nonexistent/liblivecourse.so');
            $this->fail('loaded');
        } catch (LibraryException $e) {
            $this->assertStringContainsString('/nonexistent/liblivecourse.so', $e->getMessage());
            $this->assertStringContainsString('LIVECOURSE_LIBRARY', $e->getMessage());
        }
        $this->assertFileDoesNotExist(sys_get_temp_dir() . '/never.db');
    }
}
