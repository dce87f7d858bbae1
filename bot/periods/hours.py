"""A period's hours against its cap, and whether a booking fits the contract.

[002 §3.2]: at most 35 (job-search) or 21 (job-retention) hours per client, a lower cap
if the agreement sets one, group hours included; warn before the cap is reached; a
booking that would pass it is refused. [002 §3.4.3]: once a three-party meeting is called
to decide on ending the service, nothing else is booked until it is held. [002 §2]:
work-activity days of 4 or 6 hours between 08 and 17, 2–5 days a week, read from the
program (bot.rules.periods), never from constants.

`check_booking` is asked twice: by /schedule at its confirm step (to show the figures and
refuse early) and by bot.meetings.actions in the write path (the one that counts: it locks
the period row, so two bookings for one client are counted one after the other).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from sqlmodel import Session

from bot.periods.terms import terms_of
from bot.rules.absence import NoticeTiming
from bot.rules.attendance import Outcome
from bot.rules.billing import planned_hours
from bot.rules.periods import (
    Contract,
    Hours,
    Problem,
    booking_problem,
    dates_problem,
    days_per_week_problem,
    hour_cap,
    more_hours_possible,
    work_day_problem,
)
from messages.formatting import HELSINKI, locale_of
from storage import period_hours
from storage import periods as period_rows
from storage.models import MeetingKind, ServicePeriod

# ServicePeriod.procedure while a three-party meeting called to end the service is ahead.
THREE_PARTY = "three_party"


@dataclass(frozen=True)
class BookingCheck:
    """What a booking would do to the period: `before` and `after` are None when the
    client has no period (nothing to count against); `warn` at 80 % of the cap."""

    problem: Problem | None
    before: Hours | None
    after: Hours | None
    warn: bool
    terms: Contract | None = None
    period_id: int | None = None
    # How many more hours the caseworker may still grant (up to the program's cap).
    more_possible: float = 0.0

    @property
    def ok(self) -> bool:
        return self.problem is None


class BookingRefused(Exception):
    """The write path refuses a booking or a move; the handler says why politely."""

    def __init__(self, check: BookingCheck) -> None:
        super().__init__(check.problem)
        self.check = check


def window(period: ServicePeriod, tz: ZoneInfo = HELSINKI) -> tuple[datetime, datetime | None]:
    """The period's days as instants: from its first day's midnight to the midnight after
    its last day (the day it ended, else its planned end; open-ended: None)."""
    since = datetime.combine(period.start_date, time(0), tzinfo=tz)
    last = period.ended_on or period.planned_end
    until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz) if last else None
    return since, until


def hours_of(
    session: Session, period: ServicePeriod, now: datetime, *, tz: ZoneInfo = HELSINKI
) -> Hours:
    """The period's cap, the hours used (every recorded outcome: the hours held, the
    planned hours of a late notice or a no-show, nothing for an on-time notice or a
    provider's cancellation) and the hours still booked (scheduled, no outcome yet, no
    on-time notice). A past meeting nobody has recorded yet still counts as booked, so
    `now` does not change the figures; it is kept so every feature asks the same way."""
    terms = terms_of(session, period.program_key)
    cap = hour_cap(terms, period.hour_cap, period.extra_hours or 0.0)
    since, until = window(period, tz)
    assert period.client_id is not None
    used, coached = period_hours.used_hours(
        session, period.client_id, since, until, attended=Outcome.ATTENDED.value
    )
    spans = period_hours.booked_spans(
        session, period.client_id, since, until, on_time=NoticeTiming.ON_TIME.value
    )
    booked = sum(planned_hours(start, end) for start, end in spans)
    return Hours(cap=cap, used=round(used, 4), booked=round(booked, 4), coached=round(coached, 4))


def hours_of_clients(
    session: Session, client_ids: list[int], now: datetime, *, tz: ZoneInfo = HELSINKI
) -> dict[int, Hours]:
    """The hours of each client's current period (for /clients): two queries a client."""
    periods = period_hours.periods_of_clients(session, client_ids)
    return {cid: hours_of(session, period, now, tz=tz) for cid, period in periods.items()}


def _day_problem(
    terms: Contract, kind: MeetingKind, spans: list[tuple[datetime, datetime]], tz: ZoneInfo
) -> Problem | None:
    """A work-activity day follows the program's day rules; a weekly series of them is
    on as many weekdays a week as the program allows."""
    if kind is not MeetingKind.WORK_DAY or not has_day_rules(terms):
        return None
    for start, end in spans:
        minutes = round((end - start).total_seconds() / 60)
        problem = work_day_problem(terms, start.astimezone(tz), minutes)
        if problem is not None:
            return problem
    return None


def has_day_rules(terms: Contract) -> bool:
    """Only a program with day rules (work activity) constrains its work days."""
    return terms.day_hours is not None or terms.day_window is not None


def series_days_problem(terms: Contract, weekdays: int) -> Problem | None:
    """A weekly series of work days is the client's week: 2–5 days [002 §2]."""
    return days_per_week_problem(terms, weekdays) if has_day_rules(terms) else None


def check_booking(
    session: Session,
    *,
    client_id: int,
    kind: MeetingKind,
    spans: list[tuple[datetime, datetime]],
    now: datetime,
    tz: ZoneInfo = HELSINKI,
    moving: bool = False,
    lock: bool = False,
) -> BookingCheck:
    """Whether booking `spans` (or, with `moving`, moving meetings already counted to
    them) fits the client's current period: PROCEDURE while a three-party meeting called
    to end the service is ahead (only that meeting may be booked), the program's day
    rules for a work-activity day, and OVER_CAP when the hours would pass the cap.
    `lock`: the write path's call (the period row stays locked until it commits)."""
    period = period_rows.current_period(session, client_id, lock=lock)
    if period is None:
        return BookingCheck(problem=None, before=None, after=None, warn=False)
    terms = terms_of(session, period.program_key)
    before = hours_of(session, period, now, tz=tz)
    new = 0.0 if moving else sum(planned_hours(start, end) for start, end in spans)
    after = before.plus(new)
    problem: Problem | None = None
    if period.procedure == THREE_PARTY and kind is not MeetingKind.THREE_PARTY:
        problem = Problem.PROCEDURE
    if problem is None:
        suspended = None
        if period.suspended_from is not None and period.suspended_until is not None:
            suspended = (period.suspended_from, period.suspended_until)
        days = [s.astimezone(tz).date() for s, _ in spans]
        problem = dates_problem(period.start_date, period.planned_end, suspended, days)
    if problem is None:
        problem = _day_problem(terms, kind, spans, tz)
    if problem is None and not moving and kind is MeetingKind.WORK_DAY and len(spans) > 1:
        problem = series_days_problem(terms, len({s.astimezone(tz).weekday() for s, _ in spans}))
    if problem is None and not moving:
        problem = booking_problem(before, new)
    return BookingCheck(
        problem=problem, before=before, after=after, warn=after.warn and not after.over,
        terms=terms, period_id=period.id,
        more_possible=more_hours_possible(terms, period.hour_cap, period.extra_hours),
    )  # fmt: skip


def show_hours(value: float, language: str) -> str:
    """Hours as the reader writes them: '17,5' in Finnish, '17.5' in English."""
    return format_decimal(round(value, 2), format="#,##0.##", locale=locale_of(language))
