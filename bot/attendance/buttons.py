"""The attendance buttons' callback data: `at:<meeting id>:<action>`, ids and actions only.

Coach: `attended` → hours `h<minutes>` → a diary line as text; `noshow` → is the reason
known, `unknown` (alert now) or `wait`; `cancelled`. Client: `r:<reason>`, or `r:other`
and a few words. Each pattern below matches one action exactly, so the handlers route a
press by its shape and the rest of the data never reaches a step function; every press
is still checked against the database (whose meeting, which state).
"""

from __future__ import annotations

from bot.attendance import texts

PREFIX = "at:"
_ID = r"(\d{1,12})"

ATTENDED = rf"^at:{_ID}:attended$"
NO_SHOW = rf"^at:{_ID}:noshow$"
CANCELLED = rf"^at:{_ID}:cancelled$"
HOURS = rf"^at:{_ID}:h(\d{{1,4}})$"
REASON_UNKNOWN = rf"^at:{_ID}:unknown$"
REASON_WAIT = rf"^at:{_ID}:wait$"
CLIENT_REASON = rf"^at:{_ID}:r:({'|'.join(texts.REASONS)})$"
CLIENT_OTHER = rf"^at:{_ID}:r:other$"


def data(meeting_id: int, action: str) -> str:
    return f"at:{meeting_id}:{action}"


def hours(meeting_id: int, minutes: int) -> str:
    return data(meeting_id, f"h{minutes}")


def prompt(meeting_id: int) -> list[list[dict[str, str]]]:
    """The prompt's buttons, as the outbox stores them (labels are catalog ids)."""
    return [
        [{"text": texts.BUTTON_ATTENDED, "data": data(meeting_id, "attended")}],
        [{"text": texts.BUTTON_NO_SHOW, "data": data(meeting_id, "noshow")}],
        [{"text": texts.BUTTON_CANCELLED, "data": data(meeting_id, "cancelled")}],
    ]


def client_reasons(meeting_id: int) -> list[list[dict[str, str]]]:
    """The client's answers to "what happened?", as the outbox stores them."""
    return [
        [{"text": label, "data": data(meeting_id, f"r:{key}")}]
        for key, label in texts.CLIENT_REASONS.items()
    ]
