"""Render a stored message (catalog id + parameters) in the recipient's language.

Parameters are JSON. A plain number is used as it is; a tagged value is formatted for the
reader: {"$dt": iso instant} as a Helsinki date and time, {"$date": iso date},
{"$msg": catalog id} translated (e.g. a program or a reason), {"$time": iso instant}
as a local time of day, {"$lines": [[catalog id, params], ...]} one rendered line each.
A plain string, often what a person wrote (a name, a place, a note): it is shown cleaned of
control and bidirectional-override characters (messages.clean), so no message of the
outbox carries them to another person, whatever was stored.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from messages.clean import clean
from messages.formatting import (
    HELSINKI,
    show_clock,
    show_date,
    show_datetime,
    show_short_datetime,
)
from messages.i18n import translator


def at(instant: datetime) -> dict[str, str]:
    """Tag an instant for rendering in the reader's language."""
    if instant.tzinfo is None:
        raise ValueError("instants are timezone-aware")
    return {"$dt": instant.isoformat()}


def near(instant: datetime) -> dict[str, str]:
    """Tag an instant shown without the year ('ma 23.11. klo 12.00')."""
    if instant.tzinfo is None:
        raise ValueError("instants are timezone-aware")
    return {"$near": instant.isoformat()}


def on(day: date) -> dict[str, str]:
    return {"$date": day.isoformat()}


def msg(catalog_id: str) -> dict[str, str]:
    return {"$msg": catalog_id}


def clock(instant: datetime) -> dict[str, str]:
    """Tag an instant to be shown as a bare local time of day ('11.00', '11:00')."""
    if instant.tzinfo is None:
        raise ValueError("instants are timezone-aware")
    return {"$time": instant.isoformat()}


def lines(*items: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """Several rendered messages, one a line (an agenda, a list)."""
    return {"$lines": [[message, params] for message, params in items]}


def _value(value: Any, language: str, tz: ZoneInfo) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$dt":
            return show_datetime(datetime.fromisoformat(raw), language, tz)
        if tag == "$date":
            return show_date(date.fromisoformat(raw), language)
        if tag == "$msg":
            return translator(language)(raw)
        if tag == "$near":
            return show_short_datetime(datetime.fromisoformat(raw), language, tz)
        if tag == "$time":
            return show_clock(datetime.fromisoformat(raw).astimezone(tz), language)
        if tag == "$lines":
            return "\n".join(render(message, params, language, tz) for message, params in raw)
    return value


def render(message: str, params: dict[str, Any], language: str, tz: ZoneInfo = HELSINKI) -> str:
    t = translator(language)
    values = {name: _value(value, language, tz) for name, value in params.items()}
    return t(message, **values)


def render_buttons(buttons: list[Any] | None, language: str) -> list[list[tuple[str, str]]] | None:
    """[[{"text": catalog id, "data": callback data}]] → rows of (label, data)."""
    if not buttons:
        return None
    translate = translator(language)
    return [[(translate(button["text"]), str(button["data"])) for button in row] for row in buttons]
