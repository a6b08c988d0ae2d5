<?php

declare(strict_types=1);

namespace LiveCourse;

/** pending (waiting, or claimed and not yet acknowledged), delivered, dead. */
enum NotificationState: string
{
    case Pending = 'pending';
    case Delivered = 'delivered';
    case Dead = 'dead';
}
