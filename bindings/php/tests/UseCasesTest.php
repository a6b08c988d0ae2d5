<?php

declare(strict_types=1);

namespace LiveCourse\Tests;

use LiveCourse\CalendarEvent;
use LiveCourse\ChatType;
use LiveCourse\ForbiddenException;
use LiveCourse\JoinResult;
use LiveCourse\PresenceSource;
use LiveCourse\Role;
use LiveCourse\Session;
use LiveCourse\SessionFilter;
use LiveCourse\SessionStatus;

/** The seed's three use cases, end to end through the PHP binding. */
final class UseCasesTest extends EngineTestCase
{
    /** Q&A on Saturday 14:00, students join and ask, the instructor answers, 1 h. */
    public function testCase1QuestionAndAnswerSession(): void
    {
        $e = $this->engine;
        $course = $this->enrollCourse('gouvernance', 4);
        [$prof, $students] = [$course->instructor, $course->students];
        $saturday14h = self::paris('2026-03-07 14:00');
        $this->clock->set(self::utc('2026-03-02 09:00')); // created on the Monday before

        $session = $e->createSession(
            actor: $prof,
            courseId: $course->id,
            title: 'Q&A sur la gouvernance',
            description: 'Venez avec vos questions',
            startsAt: $saturday14h,
            endsAt: $saturday14h->modify('+1 hour'),
            timezone: 'Europe/Paris',
            maxParticipants: 50,
        );
        $this->assertInstanceOf(Session::class, $session);
        $this->assertSame(SessionStatus::Scheduled, $session->status);
        $this->assertEquals(self::utc('2026-03-07 13:00'), $session->startsAt);
        $this->assertSame('UTC', $session->startsAt->getTimezone()->getName());
        $this->assertSame($prof, $session->instructorId);
        $this->assertNotEmpty($session->jitsiRoomName);
        $this->assertSame('https://meet.jit.si', $session->jitsiServerUrl);

        // Students see it in their calendar and in the course's upcoming list.
        $events = $e->calendarEvents($students[0], '2026-03-01', '2026-03-31');
        $this->assertSame([$session->id], array_map(fn ($ev) => $ev->id, $events));
        $this->assertInstanceOf(CalendarEvent::class, $events[0]);
        $this->assertSame('live_session', $events[0]->type);
        $this->assertSame(SessionStatus::Scheduled, $events[0]->status);
        $upcoming = $e->listSessions($students[1], $course->id, SessionFilter::Upcoming);
        $this->assertSame([$session->id], array_map(fn ($s) => $s->id, $upcoming));
        // The room name is a key to the room: students have it only from join().
        $this->assertNull($upcoming[0]->jitsiRoomName);
        $this->assertArrayHasKey('jitsi_room_name', $upcoming[0]->raw);
        $this->assertNull($upcoming[0]->raw['jitsi_room_name']);
        $this->assertNull($e->getSession($students[0], $session->id)->jitsiRoomName);
        $this->assertSame($session->jitsiRoomName, $e->getSession($prof, $session->id)->jitsiRoomName);

        // Too early to join.
        try {
            $e->join($students[0], $session->id);
            $this->fail('joined before the start');
        } catch (ForbiddenException $early) {
            $this->assertSame('not_live', $early->reason);
        }

        // Saturday 14:00: the instructor starts, the students join.
        $this->clock->set($saturday14h);
        $live = $e->startSession($prof, $session->id);
        $this->assertSame(SessionStatus::Live, $live->status);
        $this->assertEquals($saturday14h, $live->actualStartAt);
        $this->assertGreaterThan($session->revision, $live->revision);
        $profIn = $e->join($prof, $session->id);
        $joined = array_map(fn ($s) => $e->join($s, $session->id), $students);
        foreach ($joined as $j) {
            $this->assertInstanceOf(JoinResult::class, $j);
            $this->assertSame($session->jitsiRoomName, $j->jitsiRoomName);
        }
        $this->assertStringStartsWith('https://meet.jit.si/', $profIn->jitsiJoinUrl);

        // Questions, and the instructor's answers.
        $this->clock->advance('+5 minutes');
        $q1 = $e->postChat($students[0], $session->id, "Qu'est-ce qu'un conseil d'administration ?", ChatType::Question);
        $q2 = $e->postChat($students[1], $session->id, 'Et la gouvernance publique ?', 'question');
        $e->postChat($students[2], $session->id, 'Bonjour à tous');
        $a1 = $e->postChat($prof, $session->id, "L'organe qui...", ChatType::Answer, replyTo: $q1->id);
        $this->assertSame(ChatType::Question, $q1->type);
        $this->assertSame(ChatType::Answer, $a1->type);
        $this->assertSame($q1->id, $a1->replyTo);
        $this->assertEquals(self::utc('2026-03-07 13:05'), $a1->createdAt);

        $page = $e->listChat($students[3], $session->id, limit: 2);
        $this->assertSame([$q1->id, $q2->id], array_map(fn ($m) => $m->id, $page->messages));
        $this->assertNotEmpty($page->nextCursor);
        $rest = $e->listChat($students[3], $session->id, cursor: $page->nextCursor, limit: 10);
        $this->assertSame(['Bonjour à tous', "L'organe qui..."], array_map(fn ($m) => $m->body, $rest->messages));
        $all = array_map(fn ($m) => $m->id, iterator_to_array($e->iterChat($prof, $session->id, pageSize: 1), false));
        $this->assertSame([$q1->id, $q2->id, $rest->messages[0]->id, $a1->id], $all);

        // One student leaves after 30 minutes; the session ends after one hour.
        $this->clock->advance('+25 minutes');
        $this->assertTrue($e->leave($students[3], $session->id));
        $this->assertFalse($e->leave($students[3], $session->id));
        // The instructor's page polls who is in the room.
        $roster = $e->liveRoster($prof, $session->id);
        $this->assertSame(SessionStatus::Live, $roster->status);
        $this->assertEquals(self::utc('2026-03-07 13:30'), $roster->observedAt);
        $inRoom = array_map(fn ($p) => $p->userId, $roster->participants);
        $expected = [$prof, $students[0], $students[1], $students[2]];
        sort($expected);
        $this->assertSame($expected, $inRoom);
        foreach ($roster->participants as $p) {
            $this->assertSame(1, $p->connections);
            $this->assertSame(PresenceSource::Client, $p->source);
            $this->assertEquals(self::utc('2026-03-07 13:00'), $p->joinedAt);
        }
        try {
            $e->liveRoster($students[0], $session->id);
            $this->fail('a student read the live roster');
        } catch (ForbiddenException $err) {
            $this->assertSame('forbidden', $err->reason);
        }
        $this->clock->set($saturday14h->modify('+1 hour'));
        $ended = $e->endSession($prof, $session->id);
        $this->assertSame(SessionStatus::Ended, $ended->session->status);
        $this->assertEquals(self::utc('2026-03-07 14:00'), $ended->session->actualEndAt);
        $stats = $ended->statistics;
        $this->assertSame($session->id, $stats->sessionId);
        $this->assertSame(3600, $stats->actualDurationSeconds);
        $this->assertSame(5, $stats->participantsCount); // four students and the instructor
        $this->assertSame(4, $stats->studentsCount);
        $this->assertSame(4, $stats->enrolledCount);
        $this->assertEqualsWithDelta(1.0, $stats->attendanceRate, 1e-9);
        $this->assertSame(5, $stats->peakConcurrent);
        $this->assertEqualsWithDelta((4 * 3600 + 1800) / 5, $stats->averagePresenceSeconds, 1e-6);
        $this->assertEqualsWithDelta(3600, $stats->medianPresenceSeconds, 1e-6);
        $this->assertEquals($stats, $e->statistics($prof, $session->id));

        $rows = [];
        foreach ($e->attendance($course->moderator, $session->id) as $row) {
            $rows[$row->userId] = $row;
        }
        $this->assertSame(1800, $rows[$students[3]]->presentSeconds);
        $this->assertFalse($rows[$students[3]]->isPresent);
        $this->assertEquals(self::utc('2026-03-07 13:30'), $rows[$students[3]]->lastLeaveAt);
        $this->assertSame(3600, $rows[$students[0]]->presentSeconds);
        $this->assertSame(1, $rows[$students[0]]->joins);
        $this->assertSame(Role::Instructor, $rows[$prof]->role);
        $this->assertSame(Role::Student, $rows[$students[0]]->role);
        $this->assertEquals(self::utc('2026-03-07 13:00'), $rows[$students[0]]->firstJoinAt);

        // Verdicts under the default policy: provisional right after the end.
        $verdicts = $e->attendanceOutcomes($prof, $session->id);
        $this->assertFalse($verdicts->final);
        $this->assertEquals(self::utc('2026-03-07 13:00'), $verdicts->windowStartsAt);
        $outcomes = [];
        foreach ($verdicts->outcomes as $o) {
            $outcomes[$o->userId] = $o;
        }
        $this->assertSame('present', $outcomes[$students[0]]->outcome);
        $this->assertSame('absent', $outcomes[$students[3]]->outcome);
        $this->assertSame([1800, 2160], [$outcomes[$students[3]]->countedSeconds, $outcomes[$students[3]]->requiredSeconds]);
        $this->assertSame(['below_minimum', 'left_early'], $outcomes[$students[3]]->reasons);

        // The course's gradebook for March: one column, one row per student.
        $march = $e->courseAttendance($prof, $course->id, '2026-03-01', '2026-04-01');
        $this->assertFalse($march->final);
        $this->assertEquals(self::utc('2026-03-01 00:00'), $march->rangeStartsAt);
        $this->assertSame([$session->id], array_map(fn ($c) => $c->sessionId, $march->sessions));
        $this->assertSame(SessionStatus::Ended, $march->sessions[0]->status);
        $byStudent = [];
        foreach ($march->students as $row) {
            $byStudent[$row->userId] = $row;
        }
        $this->assertEqualsCanonicalizing($students, array_keys($byStudent));
        $this->assertSame('present', $byStudent[$students[0]]->outcomes[0]['outcome']);
        $this->assertSame(1.0, $byStudent[$students[0]]->attendanceRate);
        $this->assertSame([1, 1800], [$byStudent[$students[3]]->absent, $byStudent[$students[3]]->countedSeconds]);
        $decided = $e->overrideAttendance($prof, $session->id, $students[3], 'present', 'by phone');
        $this->assertSame(['present', $prof], [$decided->outcome, $decided->decidedBy]);
        foreach ($e->attendanceOutcomes($prof, $session->id)->outcomes as $o) {
            if ($o->userId === $students[3]) {
                $this->assertSame(['present', 'absent'], [$o->outcome, $o->computedOutcome]);
                $this->assertSame('by phone', $o->decision?->reason);
            }
        }
        $e->overrideAttendance($prof, $session->id, $students[3], null, 'withdrawn');
        $this->assertSame(['present', null], array_map(fn ($d) => $d->outcome, $e->attendanceOverrideLog($prof, $session->id)));
        try {
            $e->courseAttendance($students[0], $course->id, '2026-03-01', '2026-04-01');
            $this->fail('a student read the course report');
        } catch (ForbiddenException) {
        }

        // Afterwards: in the past sessions, no longer joinable.
        $past = $e->listSessions($students[0], $course->id, 'past');
        $this->assertSame([$session->id], array_map(fn ($s) => $s->id, $past));
        try {
            $e->join($students[0], $session->id);
            $this->fail('joined after the end');
        } catch (ForbiddenException $late) {
            $this->assertSame('session_ended', $late->reason);
        }
    }

    /** Every Tuesday 10:00 Europe/Paris, recorded; DST keeps the wall-clock time. */
    public function testCase2WeeklyCourseSeriesEveryTuesday(): void
    {
        $e = $this->engine;
        $course = $this->enrollCourse('intro-101', 3);
        $prof = $course->instructor;
        $this->clock->set(self::utc('2026-08-20 12:00'));
        $result = $e->createSeries(
            actor: $prof,
            courseId: $course->id,
            title: 'Cours 1 : Introduction',
            description: 'Le cours hebdomadaire',
            firstDate: '2026-09-01',
            startTime: '10:00',
            durationMinutes: new \DateInterval('PT1H30M'),
            weekdays: ['tuesday'],
            timezone: 'Europe/Paris',
            count: 12,
            recordingEnabled: true,
            maxParticipants: 30,
        );
        $sessions = $result->sessions;
        $this->assertCount(12, $sessions);
        $this->assertSame($course->id, $result->series->courseId);
        $this->assertNotEmpty($result->series->id);
        $paris = new \DateTimeZone('Europe/Paris');
        foreach ($sessions as $s) {
            $this->assertSame('2 10:00', $s->startsAt->setTimezone($paris)->format('N H:i')); // Tuesday 10:00 in Paris
            $this->assertSame(90 * 60, $s->endsAt->getTimestamp() - $s->startsAt->getTimestamp());
            $this->assertTrue($s->recordingEnabled);
            $this->assertSame($result->series->id, $s->seriesId);
            $this->assertSame('Europe/Paris', $s->timezone);
            $this->assertSame(SessionStatus::Scheduled, $s->status);
            $this->assertSame(30, $s->maxParticipants);
        }
        // Summer time (UTC+2) until 25 October 2026, then winter time (UTC+1).
        $this->assertEquals(self::utc('2026-09-01 08:00'), $sessions[0]->startsAt);
        $this->assertEquals(self::utc('2026-10-20 08:00'), $sessions[7]->startsAt);
        $this->assertEquals(self::utc('2026-10-27 09:00'), $sessions[8]->startsAt);
        $this->assertCount(12, array_unique(array_map(fn ($s) => $s->jitsiRoomName, $sessions)));

        // Students enrolled later see every occurrence in their calendar.
        $e->enroll($course->id, 'late-student', Role::Student);
        $events = $e->calendarEvents('late-student', '2026-09-01', '2026-12-01');
        $this->assertSame(array_map(fn ($s) => $s->id, $sessions), array_map(fn ($ev) => $ev->id, $events));

        // Each Tuesday the instructor starts the class, students follow, it is recorded.
        $first = $sessions[0];
        $this->clock->set($first->startsAt);
        $e->startSession($prof, $first->id);
        foreach ($course->students as $s) {
            $e->join($s, $first->id);
        }
        $this->clock->advance('+90 minutes');
        $ended = $e->endSession($prof, $first->id, 'https://recordings.example.org/intro-101/1.mp4');
        $this->assertSame('https://recordings.example.org/intro-101/1.mp4', $ended->session->recordingUrl);
        $this->assertSame($ended->session->recordingUrl, $ended->statistics->recordingUrl);
        $this->assertSame(3, $ended->statistics->studentsCount);
        // Students find the recording on the past session.
        $seen = $e->getSession($course->students[0], $first->id);
        $this->assertSame($ended->session->recordingUrl, $seen->recordingUrl);

        // The term is cut short: cancel the rest from November on (3, 10 and 17 November).
        $cancelled = $e->cancelSeries($prof, $result->series->id, self::paris('2026-11-01 00:00'), 'Fin anticipée');
        $this->assertSame(array_map(fn ($s) => $s->id, array_slice($sessions, 9)), array_map(fn ($s) => $s->id, $cancelled));
        foreach ($cancelled as $s) {
            $this->assertSame(SessionStatus::Cancelled, $s->status);
            $this->assertSame('Fin anticipée', $s->cancelReason);
        }
        $still = $e->listSessions($prof, $course->id, SessionFilter::Upcoming);
        $this->assertCount(12 - 1 - count($cancelled), $still);
    }

    /** A recorded revision session on the eve of the exam; students ask, the instructor clarifies. */
    public function testCase3RevisionSessionTheDayBeforeTheExam(): void
    {
        $e = $this->engine;
        $course = $this->enrollCourse('droit-201', 6);
        [$prof, $students] = [$course->instructor, $course->students];
        $exam = self::paris('2026-06-16 09:00');
        $eve = $exam->modify('-1 day')->setTime(18, 0);
        $this->clock->set(self::utc('2026-06-01 08:00'));
        $session = $e->createSession(
            actor: $prof,
            courseId: $course->id,
            title: 'Révision avant examen',
            startsAt: $eve,
            endsAt: $eve->modify('+2 hours'),
            timezone: 'Europe/Paris',
            recordingEnabled: true,
            roomPassword: true,
        );
        $this->assertEquals(self::utc('2026-06-15 16:00'), $session->startsAt);
        $this->assertStringNotContainsString('password', json_encode($session->raw)); // never part of a session

        // The moderator (a teaching assistant) may start it too.
        $this->clock->set($eve);
        $e->startSession($course->moderator, $session->id);
        $joined = array_map(fn ($s) => $e->join($s, $session->id), array_slice($students, 0, 5));
        $this->assertCount(1, array_unique(array_map(fn ($j) => $j->jitsiRoomPassword, $joined)));
        $this->assertNotEmpty($joined[0]->jitsiRoomPassword);
        $this->clock->advance('+10 minutes');
        $q = $e->postChat($students[0], $session->id, "L'article 1240 ?", ChatType::Question);
        $e->postChat($prof, $session->id, 'Responsabilité délictuelle.', ChatType::Answer, $q->id);
        // A sixth enrolled student did not come.
        $this->clock->set($eve->modify('+2 hours'));
        $ended = $e->endSession($prof, $session->id, 'https://recordings.example.org/revision.mp4');
        $this->assertSame(SessionStatus::Ended, $ended->session->status);
        $this->assertSame(5, $ended->statistics->studentsCount);
        $this->assertSame(6, $ended->statistics->enrolledCount);
        $this->assertEqualsWithDelta(5 / 6, $ended->statistics->attendanceRate, 1e-9);
        // Recorded for later consultation, by every enrolled student, even the absent one.
        $later = $e->getSession($students[5], $session->id);
        $this->assertSame('https://recordings.example.org/revision.mp4', $later->recordingUrl);
        $this->assertTrue($later->recordingEnabled);
    }
}
