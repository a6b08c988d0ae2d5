<?php

declare(strict_types=1);

namespace LiveCourse;

use DateTimeImmutable;
use DateTimeInterface;
use DateTimeZone;

/**
 * Conversions between PHP's DateTimeInterface and the ABI's strings.
 *
 * In: any DateTimeInterface (in any zone) is converted to UTC and written as
 * RFC 3339 with "Z" and whole seconds (fractions are dropped, as the library
 * itself does); strings are passed through for the library to validate.
 * Out: DateTimeImmutable in UTC.
 *
 * @internal
 */
final class Time
{
    private static ?DateTimeZone $utc = null;

    public static function utc(): DateTimeZone
    {
        return self::$utc ??= new DateTimeZone('UTC');
    }

    public static function instant(DateTimeInterface|string $value): string
    {
        if (is_string($value)) {
            return $value;
        }
        return DateTimeImmutable::createFromInterface($value)->setTimezone(self::utc())->format('Y-m-d\TH:i:s\Z');
    }

    public static function optionalInstant(DateTimeInterface|string|null $value): ?string
    {
        return $value === null ? null : self::instant($value);
    }

    /** A calendar date ("2026-09-01"): a DateTimeInterface gives its date in its own zone. */
    public static function date(DateTimeInterface|string $value): string
    {
        return is_string($value) ? $value : $value->format('Y-m-d');
    }

    /** A local wall-clock time ("10:00"): a DateTimeInterface gives its hour and minute in its own zone. */
    public static function timeOfDay(DateTimeInterface|string $value, string $field): string
    {
        if (is_string($value)) {
            return $value;
        }
        if ((int) $value->format('s') !== 0 || (int) $value->format('u') !== 0) {
            throw new ValidationException("{$field}: whole minutes only", null, null, $field);
        }
        return $value->format('H:i');
    }

    /** RFC 3339 ("2026-03-07T13:00:00Z" as the library writes it, or with an offset) as UTC. */
    public static function parse(string $text): DateTimeImmutable
    {
        // The exact format first: a tenth of the cost of PHP's free-form parser.
        return DateTimeImmutable::createFromFormat('!Y-m-d\\TH:i:s\\Z', $text, self::utc())
            ?: (new DateTimeImmutable($text, self::utc()))->setTimezone(self::utc());
    }

    public static function parseOptional(mixed $text): ?DateTimeImmutable
    {
        return is_string($text) ? self::parse($text) : null;
    }
}
