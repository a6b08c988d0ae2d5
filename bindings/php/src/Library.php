<?php

declare(strict_types=1);

namespace LiveCourse;

use FFI;

/**
 * liblivecourse loaded through PHP's FFI, with the C ABI declared once.
 *
 * The library is looked for, in order: the path given to the Engine's
 * constructor, the LIVECOURSE_LIBRARY environment variable (an explicit
 * choice: if it cannot be loaded, nothing else is tried), then
 * liblivecourse.so.0 on the dynamic loader's path (where the Debian package
 * installs it). Each path is loaded once per process and shared by every
 * engine opened on it.
 *
 * FFI must be allowed: Debian's default `ffi.enable=preload` allows it in
 * CLI scripts; under PHP-FPM, Apache or `php -S` either preload this binding
 * (`opcache.preload` = bindings/php/preload.php: only preloaded code may then
 * use FFI) or set `ffi.enable=1`.
 *
 * @internal
 */
final class Library
{
    /** The LC_ABI_VERSION this binding was written for (capi/include/livecourse.h). */
    public const ABI_VERSION = 1;

    public const DEFAULT_NAME = 'liblivecourse.so.0';

    /** Every operation of the header (C name without "lc_") => whether it answers JSON. */
    public const OPERATIONS = [
        'roster_enroll' => true,
        'roster_unenroll' => true,
        'roster_set_role' => true,
        'roster_get_role' => true,
        'user_put' => true,
        'session_create' => true,
        'session_get' => true,
        'session_list' => true,
        'session_update' => true,
        'session_cancel' => true,
        'session_start' => true,
        'session_end' => true,
        'session_join' => true,
        'session_leave' => true,
        'token_create' => true,
        'attendance_get' => true,
        'statistics_get' => true,
        'chat_post' => true,
        'chat_list' => true,
        'series_create' => true,
        'series_cancel' => true,
        'calendar_query' => true,
        'calendar_feed' => false, // text/calendar, not JSON
        'calendar_feed_by_token' => false,
        'feed_token_get' => true,
        'feed_token_rotate' => true,
        'presence_jitsi_event' => true,
        'presence_jaas_webhook' => true,
        'presence_heartbeat' => true,
        'recording_set' => true,
        'notification_claim' => true,
        'notification_ack' => true,
        'notification_fail' => true,
        'notification_list' => true,
        'notification_mark_read' => true,
        'notification_dead_list' => true,
        'notification_retry' => true,
        'attendance_outcomes_get' => true,
        'presence_roster_get' => true,
        'course_attendance_get' => true,
        'attendance_override_set' => true,
        'attendance_override_log' => true,
        'presence_room_census' => true,
    ];

    /**
     * The header as PHP's FFI parser reads it: no preprocessor, so the enums
     * are plain ints (the same size in the C ABI) and every operation is
     * spelled out (they all have lc_operation's signature).
     */
    private const DECLARATIONS = <<<'C'
        typedef struct lc_engine lc_engine;
        typedef void (*lc_course_sink)(void *sink_context, const char *course_id, int role);
        typedef struct lc_host {
            void *user_data;
            int (*role_of)(void *user_data, const char *course_id, const char *user_id);
            int (*courses_of)(void *user_data, const char *user_id, lc_course_sink sink, void *sink_context);
            int64_t (*count_students)(void *user_data, const char *course_id);
            int64_t (*now)(void *user_data);
        } lc_host;
        const char *lc_version(void);
        int lc_abi_version(void);
        void lc_free(void *p);
        const char *lc_last_error(void);
        const char *lc_status_name(int status);
        int lc_engine_open(const char *config_json, const lc_host *host, lc_engine **engine, char **error_json);
        void lc_engine_close(lc_engine *engine);
        int lc_thread_no_wait(int no_wait);
        C;

    /** @var array<string, FFI> */
    private static array $loaded = [];

    /** Where each loaded FFI instance came from. */
    private static array $paths = [];

    /**
     * The FFI instance for a library path (null: the environment or the
     * loader's path).
     *
     * @throws LibraryException when it cannot be loaded or speaks another ABI
     */
    public static function load(?string $path = null): FFI
    {
        $explicit = $path ?? (getenv('LIVECOURSE_LIBRARY') ?: null);
        $where = $explicit ?? self::DEFAULT_NAME;
        if (isset(self::$loaded[$where])) {
            return self::$loaded[$where];
        }
        try {
            $ffi = FFI::cdef(self::declarations(), $where);
        } catch (\FFI\Exception $e) {
            $how = $path !== null ? 'the library argument' : ($explicit !== null ? 'LIVECOURSE_LIBRARY' : 'the dynamic loader\'s path');
            throw new LibraryException(
                "livecourse: {$where} (from {$how}) could not be loaded: {$e->getMessage()}. "
                . 'Build it (cmake --build build --target livecourse_capi) and set LIVECOURSE_LIBRARY='
                . '/path/to/liblivecourse.so, or install the livecourse Debian package. If the message says '
                . 'FFI is restricted, see the binding\'s README (ffi.enable / opcache.preload).',
                0,
                $e,
            );
        }
        $abi = $ffi->lc_abi_version();
        if ($abi !== self::ABI_VERSION) {
            throw new LibraryException(
                "livecourse: {$where} has C ABI version {$abi}, but this PHP binding was written for ABI version "
                . self::ABI_VERSION . '; install matching versions of the library and the binding',
            );
        }
        self::$paths[spl_object_id($ffi)] = $where;
        return self::$loaded[$where] = $ffi;
    }

    /** The path (or loader name) an FFI instance was loaded from. */
    public static function pathOf(FFI $ffi): string
    {
        return self::$paths[spl_object_id($ffi)] ?? self::DEFAULT_NAME;
    }

    /** The declarations given to FFI::cdef (the checked copy of livecourse.h). */
    public static function declarations(): string
    {
        $text = self::DECLARATIONS . "\n";
        foreach (array_keys(self::OPERATIONS) as $operation) {
            $text .= "int lc_{$operation}(lc_engine *engine, const char *request_json, char **response_json, char **error_json);\n";
        }
        return $text;
    }
}
