<?php

declare(strict_types=1);

namespace LiveCourse;

/** What a chat message is: text, a question, or the answer to one. */
enum ChatType: string
{
    case Text = 'text';
    case Question = 'question';
    case Answer = 'answer';
}
