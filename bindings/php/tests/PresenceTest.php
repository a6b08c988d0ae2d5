<?php

declare(strict_types=1);

namespace LiveCourse\Tests;

use LiveCourse\CensusAck;
use LiveCourse\Engine;
use LiveCourse\UnauthenticatedException;

/** Presence the video server reports, from PHP: a room census closes a ghost's interval. */
final class PresenceTest extends EngineTestCase
{
    private const EVENTS_SECRET = 'event-sync-secret-0123456789abcdefghijklmnop';

    public function testRoomCensusEndsTheIntervalsOfUsersNoLongerListed(): void
    {
        $this->engine->close();
        $this->engine = new Engine($this->database, clock: $this->clock, presence: ['video_events_secret' => self::EVENTS_SECRET]);
        $e = $this->engine;
        $course = $this->enrollCourse('gov-101', 2);
        [$here, $ghost] = $course->students;
        $start = $this->clock->advance('+1 hour');
        $session = $e->createSession(actor: $course->instructor, courseId: $course->id, title: 'Live', startsAt: $start,
            endsAt: $start->modify('+1 hour'));
        $session = $e->startSession($course->instructor, $session->id);
        foreach ([$here, $ghost] as $user) {
            $e->putUser($user, $user, "$user@school.example.edu");
            $e->join($user, $session->id);
        }
        $this->clock->advance('+10 minutes');
        // mod_muc_size's GET /room answer: `here` and a guest.
        $occupants = [
            ['jid' => $session->jitsiRoomName . '@conference.meet.example.org/a1', 'email' => "$here@school.example.edu", 'display_name' => $here],
            ['jid' => $session->jitsiRoomName . '@conference.meet.example.org/g1', 'email' => '', 'display_name' => 'Guest'],
        ];
        $ack = $e->roomCensus(self::EVENTS_SECRET, $session->jitsiRoomName, $occupants, $start->getTimestamp() + 240);
        $this->assertInstanceOf(CensusAck::class, $ack);
        $this->assertTrue($ack->recorded());
        $this->assertSame([$session->id, 1, 1, 1], [$ack->sessionId, $ack->named, $ack->absent, $ack->unidentified]);
        $seconds = [];
        foreach ($e->attendance($course->instructor, $session->id) as $row) {
            $seconds[$row->userId] = $row->presentSeconds;
        }
        $this->assertSame(600, $seconds[$here]);
        $this->assertSame(240, $seconds[$ghost]);
        $this->assertSame('duplicate', $e->roomCensus(self::EVENTS_SECRET, $session->jitsiRoomName, $occupants, $start->getTimestamp() + 240)->reason);
        $this->expectException(UnauthenticatedException::class);
        $e->roomCensus('wrong', $session->jitsiRoomName, $occupants);
    }
}
