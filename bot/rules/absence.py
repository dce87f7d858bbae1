"""The absence-notice deadline: the noon rule of [002 §3.4.3].

"Mikäli asiakas ilmoittaa poissaolostaan viimeistään tapaamista edeltävänä arkipäivänä
klo 12 mennessä, ei palveluntuottaja voi laskuttaa ko. työtunneista." — a notice by 12:00
on the arkipäivä before the meeting makes its hours non-billable.

Pure: the notice time is passed in, never read from the clock. Instants may be in any
time zone; the rule itself is evaluated on the Europe/Helsinki wall clock, so daylight
saving never moves the deadline away from 12:00 local time.
"""

from __future__ import annotations

import enum
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.rules.calendar import previous_working_day

HELSINKI = ZoneInfo("Europe/Helsinki")
DEADLINE_TIME = time(12, 0)


class NoticeTiming(enum.StrEnum):
    ON_TIME = "on_time"  # at or before the deadline: the hours are not billable
    LATE = "late"  # after the deadline, before the meeting starts: planned hours billable
    AFTER_START = "after_start"  # at or after the start: treated like late (billable)


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def absence_deadline(
    meeting_start: datetime,
    *,
    tz: ZoneInfo = HELSINKI,
    saturday_is_working_day: bool = False,
) -> datetime:
    """12:00 local time on the last working day strictly before the meeting's local date.

    Per [002 §3.4.3] the deadline is "tapaamista edeltävänä arkipäivänä klo 12": it is tied
    to the calendar day, not "24 hours before", so an 08:00 meeting on Wednesday has its
    deadline at Tuesday 12:00. The result is aware, in `tz`.
    """
    _require_aware(meeting_start, "meeting_start")
    meeting_day = meeting_start.astimezone(tz).date()
    deadline_day = previous_working_day(
        meeting_day, saturday_is_working_day=saturday_is_working_day
    )
    # 12:00 is never inside a DST gap or fold in Europe/Helsinki (changes happen at 03/04).
    return datetime.combine(deadline_day, DEADLINE_TIME, tzinfo=tz)


def classify_notice(
    meeting_start: datetime,
    notified_at: datetime,
    *,
    tz: ZoneInfo = HELSINKI,
    saturday_is_working_day: bool = False,
) -> NoticeTiming:
    """Whether an absence notice came on time, late, or only once the meeting had begun.

    "viimeistään ... klo 12 mennessä" [002 §3.4.3]: a notice exactly at the deadline is
    still on time. `notified_at` is when the notice reached the bot (stored in UTC);
    instants are compared, so the two arguments may be in different time zones.
    """
    _require_aware(notified_at, "notified_at")
    deadline = absence_deadline(
        meeting_start, tz=tz, saturday_is_working_day=saturday_is_working_day
    )
    if notified_at <= deadline:
        return NoticeTiming.ON_TIME
    if notified_at < meeting_start:
        return NoticeTiming.LATE
    return NoticeTiming.AFTER_START


def billable_hours_for_notice(timing: NoticeTiming, planned_hours: float) -> float:
    """Hours the provider may bill for a meeting the client said they would miss.

    On time: none [002 §3.4.3]. Late (or after the start): the planned hours, as in the
    "Attendance outcomes" table of DOMAIN.md.
    """
    if planned_hours < 0:
        raise ValueError(f"planned_hours must not be negative, got {planned_hours}")
    return 0.0 if timing == NoticeTiming.ON_TIME else planned_hours
