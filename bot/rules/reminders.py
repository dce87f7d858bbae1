"""When meeting reminders go out. Pure: the meeting, the preferences and the zone go in.

Defaults: to the client at 16:00 on the day before and 2 hours before; to the coach an
agenda at 08:00 on working days. Each person may change or switch off their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.rules.delivery import QUIET_END, QUIET_START, after_quiet_hours, in_quiet_hours

DEFAULTS: dict[str, Any] = {"day_before": "16:00", "hours_before": 2, "agenda": "08:00"}
# A reminder that would arrive closer to the start than this is not worth sending.
MIN_LEAD = timedelta(minutes=30)


@dataclass(frozen=True)
class Reminder:
    kind: str  # "day_before" or "hours_before"
    due: datetime


def preference(preferences: dict[str, Any], key: str) -> Any:
    """The person's own value, the default when unset; None means switched off."""
    return preferences.get(key, DEFAULTS[key])


def client_reminders(
    start: datetime,
    preferences: dict[str, Any],
    *,
    now: datetime,
    tz: ZoneInfo,
    quiet: tuple[time, time] = (QUIET_START, QUIET_END),
) -> list[Reminder]:
    """The client's reminders for a meeting, in the future only, never during quiet hours."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    found: list[Reminder] = []
    day_before = preference(preferences, "day_before")
    if day_before:
        local_day = start.astimezone(tz).date() - timedelta(days=1)
        # Wall-clock time on the calendar day before, so a DST night does not shift it.
        due = datetime.combine(local_day, time.fromisoformat(day_before), tzinfo=tz)
        found.append(Reminder("day_before", due))
    hours = preference(preferences, "hours_before")
    if hours:
        due = start - timedelta(hours=float(hours))
        if in_quiet_hours(due, tz, *quiet):
            due = after_quiet_hours(due, tz, *quiet)
        found.append(Reminder("hours_before", due))
    return [r for r in found if now < r.due <= start - MIN_LEAD]


def agenda_due(day_local: datetime, preferences: dict[str, Any], tz: ZoneInfo) -> datetime | None:
    """The coach's agenda time on that local day, or None when switched off."""
    agenda = preference(preferences, "agenda")
    if not agenda:
        return None
    return datetime.combine(day_local.date(), time.fromisoformat(agenda), tzinfo=tz)
