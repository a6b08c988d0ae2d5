<?php

declare(strict_types=1);

namespace LiveCourse;

/**
 * The request encoder and response decoder: compact UTF-8 JSON, the
 * vocabulary's field names as they are (the library is the one source of
 * shapes; nothing is renamed here).
 *
 * @internal
 */
final class Json
{
    private const FLAGS = JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_PRESERVE_ZERO_FRACTION | JSON_THROW_ON_ERROR;

    /** A request object; an empty one is {} (PHP's [] would be a JSON array). */
    public static function encode(array|object $value): string
    {
        if ($value === []) {
            return '{}';
        }
        try {
            return json_encode($value, self::FLAGS);
        } catch (\JsonException $e) {
            throw new ValidationException("the request cannot be encoded as JSON: {$e->getMessage()}", null, null, 'request', null, $e);
        }
    }

    public static function decode(string $text): array
    {
        return json_decode($text, true, 512, JSON_THROW_ON_ERROR | JSON_BIGINT_AS_STRING);
    }

    public static function str(mixed $value): ?string
    {
        return $value === null ? null : (string) $value;
    }
}
