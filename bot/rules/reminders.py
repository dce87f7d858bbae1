"""When meeting reminders go out. Pure: the meeting, the preferences and the zone go in.

Defaults: to the client at 16:00 on the day before and 2 hours before, and at 09:00 on the
day of the meeting's absence-notice deadline (the noon rule, bot.rules.absence), while a
notice still counts as on time; to the coach an agenda at 08:00 on working days. Each
person may change or switch off their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.rules.absence import absence_deadline
from bot.rules.delivery import QUIET_END, QUIET_START, after_quiet_hours, in_quiet_hours

DEFAULTS: dict[str, Any] = {
    "day_before": "16:00",
    "hours_before": 2,
    "deadline": "09:00",
    "agenda": "08:00",
}
# A reminder that would arrive closer to the start than this is not worth sending.
MIN_LEAD = timedelta(minutes=30)


@dataclass(frozen=True)
class Reminder:
    kind: str  # "day_before", "hours_before" or "deadline"
    due: datetime
    # Not worth sending from this instant on: the meeting's start, or for the deadline
    # reminder the deadline itself (after it, the reminder would tell of a passed chance).
    until: datetime


def preference(preferences: dict[str, Any], key: str) -> Any:
    """The person's own value, the default when unset; None means switched off."""
    return preferences.get(key, DEFAULTS[key])


def _out_of_quiet(due: datetime, tz: ZoneInfo, quiet: tuple[time, time]) -> datetime:
    return after_quiet_hours(due, tz, *quiet) if in_quiet_hours(due, tz, *quiet) else due


def client_reminders(
    start: datetime,
    preferences: dict[str, Any],
    *,
    now: datetime,
    tz: ZoneInfo,
    quiet: tuple[time, time] = (QUIET_START, QUIET_END),
) -> list[Reminder]:
    """The client's reminders for a meeting, in the future only, never during quiet hours.

    The deadline reminder comes on the deadline's own day (for a Monday meeting: the
    Friday before, or the last working day before a holiday) at the chosen morning time,
    held past quiet hours; none if that is not before the deadline."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    found: list[Reminder] = []
    day_before = preference(preferences, "day_before")
    if day_before:
        local_day = start.astimezone(tz).date() - timedelta(days=1)
        # Wall-clock time on the calendar day before, so a DST night does not shift it.
        due = datetime.combine(local_day, time.fromisoformat(day_before), tzinfo=tz)
        found.append(Reminder("day_before", due, start))
    hours = preference(preferences, "hours_before")
    if hours:
        due = _out_of_quiet(start - timedelta(hours=float(hours)), tz, quiet)
        found.append(Reminder("hours_before", due, start))
    morning = preference(preferences, "deadline")
    if morning:
        deadline = absence_deadline(start, tz=tz)
        due = datetime.combine(deadline.date(), time.fromisoformat(morning), tzinfo=tz)
        found.append(Reminder("deadline", _out_of_quiet(due, tz, quiet), deadline))
    return [r for r in found if now < r.due <= start - MIN_LEAD and r.due < r.until]


def agenda_due(day_local: datetime, preferences: dict[str, Any], tz: ZoneInfo) -> datetime | None:
    """The coach's agenda time on that local day, or None when switched off."""
    agenda = preference(preferences, "agenda")
    if not agenda:
        return None
    return datetime.combine(day_local.date(), time.fromisoformat(agenda), tzinfo=tz)
