"""When an unacknowledged caseworker alert is sent again: one working day later.

Pure: the alert's creation time and the zone go in. "One working day" is the same
wall-clock time on the next Finnish working day, so an alert raised on Friday afternoon
is sent again on Monday afternoon, not on Saturday.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.rules.calendar import next_working_day


def resend_due(created_at: datetime, tz: ZoneInfo) -> datetime:
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    local = created_at.astimezone(tz)
    day = next_working_day(local.date())
    return datetime.combine(day, local.time(), tzinfo=tz)
