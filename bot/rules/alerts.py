"""When an unacknowledged caseworker alert is sent again, and how old an alert is.

Pure: the alert's creation time, `now` and the zone go in. An alert nobody acknowledges
is sent again every working day at the wall-clock time it was raised, until someone
acknowledges it: raised on Friday at 14.00, it goes again on Monday, Tuesday, Wednesday…
at 14.00 (never on a weekend or a holiday), so daylight saving never moves it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.rules.calendar import is_working_day, next_working_day


def _aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")


def resend_due(created_at: datetime, tz: ZoneInfo) -> datetime:
    """The first time it is sent again: the next working day, at the time it was raised."""
    _aware(created_at, "created_at")
    local = created_at.astimezone(tz)
    day = next_working_day(local.date())
    return datetime.combine(day, local.time(), tzinfo=tz)


def latest_resend(created_at: datetime, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The latest time at or before `now` it is due to be sent again (one a working day,
    at the time it was raised), or None while the first one is still ahead. A bot that
    was down for days sends it once on its return, not once per missed day."""
    _aware(created_at, "created_at")
    _aware(now, "now")
    raised = created_at.astimezone(tz)
    day = now.astimezone(tz).date()
    while day > raised.date():
        slot = datetime.combine(day, raised.time(), tzinfo=tz)
        if is_working_day(day) and slot <= now:
            return slot
        day -= timedelta(days=1)
    return None


def resend_day(slot: datetime, tz: ZoneInfo) -> date:
    """The local day a re-send belongs to: one re-send (and one outbox key) per day."""
    return slot.astimezone(tz).date()


def age_in_days(created_at: datetime, now: datetime, tz: ZoneInfo) -> int:
    """How many calendar days ago (local dates) the alert was raised: 0 today, 1 yesterday."""
    _aware(created_at, "created_at")
    _aware(now, "now")
    return max(0, (now.astimezone(tz).date() - created_at.astimezone(tz).date()).days)
