"""What a meeting's outcome is worth: billable hours, and the work-activity allowance.

Pure: plain values in, plain values out (no database, no clock). The table is the
"Attendance outcomes" section of DOMAIN.md, from [002 §3.4.2–3.4.3]: the provider bills
the hours actually used; a notice by the noon deadline makes the hours non-billable; a late
notice or a no-show leaves the planned hours billable; a meeting the provider cancelled is
not billed. The työraha of work activity [002 §2] is paid for days actually attended
("läsnäolopäivä"), 8 € for a 4-hour day and 12 € for a 6-hour day; a sick day earns nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from bot.rules.attendance import Outcome

# The work-activity preset's `rules.work_allowance_eur`; a program may carry its own table.
WORK_ALLOWANCE_EUR: Mapping[str, int] = {"4": 8, "6": 12}


def planned_hours(starts_at: datetime, ends_at: datetime) -> float:
    """The booked length in hours (to the minute), what a late notice or a no-show bills."""
    minutes = round((ends_at - starts_at).total_seconds() / 60)
    if minutes < 0:
        raise ValueError("a meeting cannot end before it starts")
    return round(minutes / 60, 4)


def billable_hours(outcome: Outcome, *, planned: float, used: float | None = None) -> float:
    """Billable hours for one meeting's outcome.

    `used` is required for an attended meeting (the coach records it); the other outcomes
    ignore it, because what the provider may bill then depends only on the booking.
    """
    if planned < 0 or (used is not None and used < 0):
        raise ValueError("hours cannot be negative")
    if outcome == Outcome.ATTENDED:
        if used is None:
            raise ValueError("an attended meeting needs the hours used")
        return float(used)
    if outcome in (Outcome.ABSENT_LATE, Outcome.NO_SHOW):
        return float(planned)
    return 0.0  # absent on time, or cancelled by the provider


def work_allowance(
    outcome: Outcome, hours: float | None, rates: Mapping[str, int | float] | None = None
) -> Decimal:
    """The työraha for one work-activity day, in euros.

    Only an attended day earns it, so sick days and every other absence earn nothing. The
    contract knows 4- and 6-hour days: a day earns the rate of the longest day length it
    reached (6 h or more → 12 €, 4 h or more → 8 €); a shorter stay reached no day length.
    """
    if outcome != Outcome.ATTENDED or hours is None:
        return Decimal(0)
    table = sorted(
        (
            (Decimal(str(length)), Decimal(str(euros)))
            for length, euros in (rates or WORK_ALLOWANCE_EUR).items()
        ),
        reverse=True,
    )
    worked = Decimal(str(hours))
    for length, euros in table:
        if worked >= length:
            return euros
    return Decimal(0)
