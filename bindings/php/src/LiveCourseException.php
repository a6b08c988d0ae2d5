<?php

declare(strict_types=1);

namespace LiveCourse;

/**
 * A refusal or failure reported by livecourse.
 *
 * Every refusal of the library arrives as {"error": {"code", "category",
 * "message", "field"}}. The category (the C status) chooses the subclass;
 * the code is the most specific stable code ("session_full",
 * "not_enrolled", "not_live", ... or the category itself).
 *
 *     LiveCourseException
 *      +-- ValidationException      ($field names the input)
 *      +-- NotFoundException
 *      +-- ForbiddenException       ($reason: "not_enrolled", "not_live", ...)
 *      +-- ConflictException        ($reason: "not_scheduled", "revision_mismatch", ...)
 *      +-- SessionFullException
 *      +-- StorageException
 *      +-- UnauthenticatedException
 *      +-- HostCallbackException    (getPrevious(): what the PHP hook threw)
 *      +-- WouldBlockException      (only on a thread set to lc_thread_no_wait)
 *      +-- InternalException
 *      |    +-- OutOfMemoryException
 *      +-- EngineClosedException    (the engine was closed)
 *
 * getCode() is the numeric lc_status; branch on the class or on $errorCode,
 * never on the message.
 */
class LiveCourseException extends \RuntimeException
{
    public const STATUS = 8;
    public const CATEGORY = 'internal';

    /** The most specific stable code ("session_full", "not_enrolled", ..., else the category). */
    public readonly string $errorCode;
    /** The category: the C status name ("invalid_argument", "forbidden", ...). */
    public readonly string $category;
    /** The offending input field in the vocabulary's words ("starts_at", "actor.user_id"), or null. */
    public readonly ?string $field;
    /** The code when it is more specific than the category, else null. */
    public readonly ?string $reason;

    public function __construct(
        string $message,
        ?string $errorCode = null,
        ?string $category = null,
        ?string $field = null,
        ?int $status = null,
        ?\Throwable $previous = null,
    ) {
        parent::__construct($message, $status ?? static::STATUS, $previous);
        $this->category = $category ?? static::CATEGORY;
        $this->errorCode = $errorCode ?? $this->category;
        $this->field = $field;
        $this->reason = $this->reasonOf($this->errorCode, $this->category);
    }

    /** lc_status => the class of its failures. */
    private const BY_STATUS = [
        1 => ValidationException::class,
        2 => NotFoundException::class,
        3 => ForbiddenException::class,
        4 => ConflictException::class,
        5 => SessionFullException::class,
        6 => StorageException::class,
        7 => UnauthenticatedException::class,
        8 => InternalException::class,
        9 => OutOfMemoryException::class,
        10 => HostCallbackException::class,
        11 => WouldBlockException::class,
    ];

    /**
     * The exception of a failed call: its status and its error document
     * ({"error": {...}}), or null when the library wrote none.
     *
     * @internal
     */
    public static function fromDocument(int $status, ?array $document, ?\Throwable $previous = null): self
    {
        $body = $document['error'] ?? $document ?? [];
        $text = static fn (string $key): ?string => is_array($body) && is_string($body[$key] ?? null) ? $body[$key] : null;
        $class = self::BY_STATUS[$status] ?? InternalException::class;
        return new $class(
            $text('message') ?? "livecourse call failed with status {$status}",
            $text('code'),
            $text('category') ?? $class::CATEGORY,
            $text('field'),
            $status,
            $previous,
        );
    }

    protected function reasonOf(string $code, string $category): ?string
    {
        return $code !== $category ? $code : null;
    }
}
