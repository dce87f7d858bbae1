"""Stale buttons: a conversation's buttons pressed after it was restarted or left.

A test records the buttons each step showed (`seen`, at once: the fake edits a message
in place), leaves the conversation one of three ways (`leave`) and presses them all
(`press_stale`): every press must get the one polite answer and change nothing on screen.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.fakeapi import Conversation
from bot.fakeapi.models import BotMessage
from tests.e2e.harness import Harness

# "This button is no longer valid." in Finnish, as every test person speaks Finnish.
REFUSED = "Tämä painike ei ole enää voimassa."
# The same command again, another command, or /cancel.
LEAVES = ("restart", "command", "cancel")


@dataclass(frozen=True)
class Seen:
    """The buttons one step showed, on the message it showed them on."""

    message_id: int
    data: tuple[str, ...]


def seen(message: BotMessage) -> Seen:
    data = (d for row in message.buttons for _, d in row if d is not None)
    return Seen(message.message_id, tuple(dict.fromkeys(data)))


async def leave(chat: Conversation, how: str, command: str) -> BotMessage:
    """Restart the conversation with `command`, or leave it with /help or /cancel."""
    return await chat.say({"restart": command, "command": "/help", "cancel": "/cancel"}[how])


async def press_stale(bot: Harness, chat: Conversation, steps: list[Seen]) -> int:
    """Press every button of every step: each is answered "no longer valid" with an
    alert, and no message is sent or edited. Returns how many were pressed."""
    screen = [(m.message_id, m.edits) for m in chat.messages]
    pressed = 0
    for step in steps:
        for data in step.data:
            query = await bot.fake.press_button(chat.user_id, step.message_id, data, strict=False)
            answer = await chat.answer(query)
            assert (answer.text, answer.show_alert) == (REFUSED, True), data
            pressed += 1
    assert [(m.message_id, m.edits) for m in chat.messages] == screen
    return pressed
