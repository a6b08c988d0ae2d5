<?php

declare(strict_types=1);

namespace LiveCourse;

/** What a notification of the outbox announces. */
enum NotificationKind: string
{
    case Reminder24h = 'reminder_24h';
    case Reminder1h = 'reminder_1h';
    case SessionLive = 'session_live';
    case SessionCancelled = 'session_cancelled';
    case SessionRescheduled = 'session_rescheduled';
    case RecordingAvailable = 'recording_available';
}
