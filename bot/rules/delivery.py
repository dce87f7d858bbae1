"""When a message may go out: quiet hours and retry back-off. Pure: the time is passed in."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

QUIET_START = time(21, 0)
QUIET_END = time(8, 0)
MAX_ATTEMPTS = 8


def in_quiet_hours(
    instant: datetime, tz: ZoneInfo, start: time = QUIET_START, end: time = QUIET_END
) -> bool:
    if instant.tzinfo is None:
        raise ValueError("instant must be timezone-aware")
    local = instant.astimezone(tz).time()
    if start <= end:  # e.g. 13:00–14:00
        return start <= local < end
    return local >= start or local < end  # across midnight, e.g. 21:00–08:00


def after_quiet_hours(
    instant: datetime, tz: ZoneInfo, start: time = QUIET_START, end: time = QUIET_END
) -> datetime:
    """The instant itself, or the end of the quiet hours it falls in (local wall-clock)."""
    if not in_quiet_hours(instant, tz, start, end):
        return instant
    local = instant.astimezone(tz)
    morning = local.date() if local.time() < end else local.date() + timedelta(days=1)
    # Built from the wall-clock date so a daylight-saving night still ends at 08:00 local.
    return datetime.combine(morning, end, tzinfo=tz)


def retry_delay(attempts: int) -> timedelta:
    """Back-off after a network error or 5xx: 2 s, 4 s, 8 s ... capped at 10 minutes."""
    return timedelta(seconds=min(2 ** max(attempts, 1), 600))


def gives_up(attempts: int) -> bool:
    """After this many transient failures a message is marked failed for a person to look at."""
    return attempts >= MAX_ATTEMPTS
