<?php

declare(strict_types=1);

namespace LiveCourse;

/** Where an attendance row was counted from. */
enum PresenceSource: string
{
    case Client = 'client';
    case Heartbeat = 'heartbeat';
    case VideoServer = 'video_server';
}
