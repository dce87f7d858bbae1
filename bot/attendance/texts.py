"""What the attendance feature says, as catalog ids: the outbox renders them in each
recipient's language when they are sent, so only the ids and their parameters are stored."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.meetings.notices import KIND_NAMES
from messages.i18n import N_
from messages.render import at, clock, lines, msg, on
from storage.meetings import MeetingView
from storage.models import MeetingKind

PROMPT = N_("How did the meeting go?\n{when}–{end}\n{client}, {kind}")
REMIND = N_(
    "Reminder: this meeting is not recorded yet.\n{when}–{end}\n{client}, {kind}\nHow did it go?"
)
BUTTON_ATTENDED = N_("Attended")
BUTTON_NO_SHOW = N_("No-show")
BUTTON_CANCELLED = N_("Cancelled by the provider")

ASK_CLIENT = N_("You did not come to the meeting on {when}. What happened?")
CLIENT_REASONS = {
    "ill": N_("I was ill"),
    "child": N_("My child was ill"),
    "forgot": N_("I forgot"),
    "other": N_("Something else"),
}
# What is stored (reason_text) and shown to the coach for a button answer; free text is
# stored as written. Reports show it with msg(), which leaves the client's words as they are.
REASONS = {
    "ill": N_("was ill"),
    "child": N_("child was ill"),
    "forgot": N_("forgot"),
}
TOLD_COACH_REASON = N_("{client} told why they missed the meeting on {when}: {reason}")
TOLD_CLIENT_CANCELLED = N_(
    "Your meeting on {when} was cancelled by the service provider. "
    "It does not count as your absence."
)


def params(found: MeetingView) -> dict[str, Any]:
    """The meeting as every attendance message names it: when, until, who and what."""
    m = found.meeting
    return {
        "when": at(m.starts_at),
        "end": clock(m.ends_at),
        "client": found.client.display_name,
        "kind": msg(KIND_NAMES[MeetingKind(m.kind)]),
    }


def reason_param(reason: str) -> str | dict[str, str]:
    """A button's reason is translated for the reader; the client's own words are not."""
    return msg(reason) if reason in REASONS.values() else reason


def date_list(days: list[date]) -> dict[str, Any]:
    """Dates for the reader, comma-separated on one line, each in the reader's format."""
    names = {f"d{n}": on(day) for n, day in enumerate(days)}
    return lines((", ".join("{" + name + "}" for name in names), names))
