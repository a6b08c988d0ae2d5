<?php

declare(strict_types=1);

namespace LiveCourse;

/**
 * Who acts: the LMS authenticates its users and tells the library who they
 * are. Only userId is required; name, e-mail and avatar go into Jitsi tokens
 * and calendar organizers. Wherever an actor is taken, a user id string does too.
 */
final readonly class Actor
{
    public function __construct(
        public string $userId,
        public ?string $name = null,
        public ?string $email = null,
        public ?string $avatar = null,
    ) {
    }

    /** The "actor" object of a request (absent values left out). */
    public function toJson(): array
    {
        return array_filter(
            ['user_id' => $this->userId, 'name' => $this->name, 'email' => $this->email, 'avatar' => $this->avatar],
            static fn ($value) => $value !== null,
        );
    }

    public static function fromJson(array $doc): self
    {
        return new self((string) $doc['user_id'], Json::str($doc['name'] ?? null), Json::str($doc['email'] ?? null), Json::str($doc['avatar'] ?? null));
    }
}
