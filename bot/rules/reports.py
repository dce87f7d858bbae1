"""A client's month in figures: what the monthly report shows and what the invoice bills.

Pure: plain values in, plain values out (no database, no clock: `today` is passed in).
The monthly report [002 §3.4.2; in 000 the interim evaluation sent with each invoice] and
the billing read the same `MonthFigures`, so the two always agree.

What is counted, by program (DOMAIN.md, the programs table and "Attendance outcomes"):

- every program: meetings held with their hours, absences notified on time and late, no-
  shows, provider cancellations, and meetings still without an outcome; the hours used
  (held plus what late notices and no-shows bill) and the billable hours as recorded per
  meeting (bot.rules.billing decided them when the outcome was recorded). The hours are
  the billing basis of the hourly programs [002 §3.1, §3.4.3] and of the per-contract ones.
- `on-the-job` [000 "Palvelun hankinta ja hinnoittelu"]: 500 € + VAT "per toteutunut
  toimintakuukausi", +200 € per such month for a client with partial work ability for the
  span set in the client's profile, and the 1,500 € employment bonus "todentamalla
  oikeuden bonukseen". The months are the period's own, counted from its start date:
  month n runs from the day after `span_end(start, n − 1 months)` to `span_end(start, n
  months)` (bot.rules.periods.span_end, the arithmetic of the period's end), so a period
  of 2 months has exactly 2 whatever its start day. **Our reading** of a realised month
  ("toteutunut valmennuskuukausi", billed "kerran kuukaudessa jälkikäteen"): a period
  month is realised once it has begun (its first day is past or today, and the period had
  not ended before it) unless the period was suspended the whole of it; it is billed with
  the calendar month it begins in. So a period ended early after 5 weeks has begun 2
  months and bills 2; a start on the 29th–31st may begin two period months in one
  calendar month (31 Aug: 31 Aug, 1 Oct, 31 Oct, ...), which then bills both. The
  supplement follows the same months: a realised month the profile's span touches.
  `service_days` (the calendar days the period ran) is kept for a purchaser who reads it
  pro rata. The bonus [000]: the job, started at the latest 3 months after the period's
  end, on the open labour market, at least `min_weekly_work_hours` a week, must last 3
  full months (no recorded end before that), and the coach must have seen the pay
  certificate (`verified_on`). It is billed once, in the month of the later of the
  verification and the 3 months' last day (once that last day is past and the
  certificate seen); until then, from the month the 3 months are full, it shows as
  pending. A payable month fixed by the data keeps a month's billing the same when run
  again.
- `work-activity` [002 §2.4]: attendance days ("läsnäolopäivä": days actually attended),
  by day length; työraha 8 € for a 4-hour day, 12 € for a 6-hour day, nothing for a sick
  day; 2 days of leave accrue in a month with at least 14 attendance days. Työraha is
  per day: a day with two attended rows earns once, at the longest length it reached.

Months are calendar months in Europe/Helsinki time: a meeting at 00:30 on the 1st local
time belongs to that month although UTC still says the day before.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.rules.attendance import Outcome
from bot.rules.billing import planned_hours, work_allowance
from bot.rules.periods import Contract, Employment, bonus_may_apply, monthly_fee, span_end

HELSINKI = ZoneInfo("Europe/Helsinki")
# [000]: the job behind the bonus lasts at least this many months ("vähintään 3 kk
# kestävään työsuhteeseen").
JOB_MIN_MONTHS = 3
# The meeting kind of a work-activity day (storage.models.MeetingKind.WORK_DAY's value).
WORK_DAY = "work_day"
# An absence reason that makes a work-activity absence a sick day (AbsenceReason.ILL).
SICK = "ill"
ZERO = Decimal(0)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class MeetingRow:
    """One meeting of the client as the report needs it. `start`/`end` are aware times;
    `outcome` None: not recorded yet; `notice_timing` the absence notice's timing
    (on_time, late, after_start) when one is in force; `absence_reason` its reason."""

    start: datetime
    end: datetime
    kind: str
    outcome: Outcome | None
    hours_used: float | None
    billable_hours: float
    notice_timing: str | None = None
    absence_reason: str | None = None


@dataclass(frozen=True)
class MonthFigures:
    """One client's period in one calendar month. Money is Decimal euros (VAT 0 %:
    the seeds price without VAT); hours are Decimal hours."""

    program_key: str
    billing: str
    month: date
    service_days: int = 0  # days of the month the period ran, not suspended, up to today
    held: int = 0
    hours_held: Decimal = ZERO
    absent_on_time: int = 0
    on_time_hours: Decimal = ZERO  # planned hours of on-time absences: never billed
    absent_late: int = 0
    late_hours: Decimal = ZERO
    no_shows: int = 0
    no_show_hours: Decimal = ZERO
    cancelled: int = 0
    unrecorded: int = 0
    billable_hours: Decimal = ZERO  # for hourly and per-contract programs
    realised_months: int = 0  # the period's own months that began in this month
    month_fee: Decimal = ZERO
    supplement: Decimal = ZERO
    bonus: Decimal = ZERO
    # A job that may earn the bonus, its 3 months full by this month, not yet billed (not
    # verified yet, or its last day still to come).
    bonus_pending: bool = False
    attendance_days: int = 0
    work_days: Mapping[int, int] = field(default_factory=dict)  # day length (h) → days
    sick_days: int = 0
    absence_days: int = 0  # work days not attended (sick days included)
    work_allowance: Decimal = ZERO  # työraha, paid to the client
    leave_days: int = 0

    @property
    def realised_month(self) -> bool:
        """At least one realised month is billed with this calendar month."""
        return self.realised_months > 0

    @property
    def hours_used(self) -> Decimal:
        """Held hours plus the hours late notices and no-shows bill, as the cap counts."""
        return self.hours_held + self.late_hours + self.no_show_hours

    @property
    def invoiced(self) -> Decimal:
        """What the provider invoices by the month: fee, supplement and bonus (hours are
        priced by the contract, työraha is paid to the client)."""
        return self.month_fee + self.supplement + self.bonus


def month_of(day: date) -> date:
    return day.replace(day=1)


def last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def local_day(moment: datetime, tz: tzinfo = HELSINKI) -> date:
    """The Helsinki calendar date of an aware moment (a naive one is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).date()


def _eur(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _hours(value: float | None) -> Decimal:
    return ZERO if value is None else Decimal(str(round(value, 4)))


def service_days(
    month: date,
    period_start: date,
    period_end: date | None,
    suspended: tuple[date, date] | None,
    today: date,
) -> int:
    """The days of `month` the period ran, up to and including today, not suspended."""
    first = max(month_of(month), period_start)
    last = min(last_day(month), today)
    if period_end is not None:
        last = min(last, period_end)
    if last < first:
        return 0
    days = (last - first).days + 1
    if suspended is not None:
        off_first, off_last = max(first, suspended[0]), min(last, suspended[1])
        if off_last >= off_first:
            days -= (off_last - off_first).days + 1
    return days


Span = tuple[date, date | None]


def partial_work_ability_in(month: date, span: Span | None) -> bool:
    """The client's profile sets the supplement for a span [000 "määräajan ... erikseen
    määritelty työnhakijaprofiilissa"]: it applies to a calendar month the span touches."""
    return _touches(span, month_of(month), last_day(month))


def _touches(span: Span | bool | None, first: date, last: date) -> bool:
    """`span` touches [first, last]; True: the whole time, False/None: never."""
    if span is None or isinstance(span, bool):
        return bool(span)
    return span[0] <= last and (span[1] is None or span[1] >= first)


def period_months(period_start: date, until: date) -> Iterator[tuple[date, date]]:
    """The period's own months [first, last] that begin by `until`: month n runs from the
    day after span_end(start, n − 1 months) to span_end(start, n months), so the last of
    a period of n months ends on the period's own end (see the module doc)."""
    first, n = period_start, 1
    while first <= until:
        last = span_end(period_start, relativedelta(months=n))
        yield first, last
        first, n = last + timedelta(days=1), n + 1


def realised_months(
    month: date,
    period_start: date,
    period_end: date | None,
    suspended: tuple[date, date] | None,
    today: date,
) -> list[tuple[date, date]]:
    """The period months realised and billed with the calendar month of `month`: those
    beginning in it, by today and by the period's end, not suspended the whole of their
    run (each given as its first day and its last day the period ran)."""
    month = month_of(month)
    until = min(last_day(month), today)
    if period_end is not None:
        until = min(until, period_end)
    found = []
    for first, last in period_months(period_start, until):
        if first < month:
            continue
        ran_until = last if period_end is None else min(last, period_end)
        if suspended is not None and suspended[0] <= first and ran_until <= suspended[1]:
            continue
        found.append((first, ran_until))
    return found


def job_full_on(job: Employment) -> date:
    """The last day of the job's first 3 months: the day its length is verified."""
    return span_end(job.start, relativedelta(months=JOB_MIN_MONTHS))


def bonus_may_be_earned(
    terms: Contract,
    job: Employment | None,
    period_start: date,
    period_end: date | None,
    job_ended: date | None = None,
) -> bool:
    """The job may earn the bonus [000]: not when it has too few hours, is not on the open
    labour market, started before the period or more than 3 months after its end, or ended
    before its 3 months were full."""
    if job is None or job.start < period_start:
        return False
    if not bonus_may_apply(terms, job, period_end if period_end is not None else job.start):
        return False
    return job_ended is None or job_ended >= job_full_on(job)


def bonus_month(
    terms: Contract,
    job: Employment | None,
    period_start: date,
    period_end: date | None,
    job_ended: date | None = None,
    verified_on: date | None = None,
) -> date | None:
    """The month the employment bonus is billed in [000 "todentamalla oikeuden
    bonukseen"]: the month of the later of the day the pay certificate was seen and the
    job's 3 months' last day; None while not verified or when the job cannot earn it."""
    if verified_on is None or not bonus_may_be_earned(
        terms, job, period_start, period_end, job_ended
    ):
        return None
    assert job is not None
    return month_of(max(verified_on, job_full_on(job)))


def _belongs(row: MeetingRow, terms: Contract) -> bool:
    """Work-activity days are that program's; other programs' meetings are the rest (a
    client may hold a work-activity placement and coaching at once)."""
    return (row.kind == WORK_DAY) == (terms.day_hours is not None)


def month_figures(
    terms: Contract,
    month: date,
    period_start: date,
    period_end: date | None,
    suspended: tuple[date, date] | None,
    meetings: Iterable[MeetingRow],
    partial_work_ability: bool | Span | None,
    employment: Employment | None,
    today: date,
    *,
    job_ended: date | None = None,
    verified_on: date | None = None,
    tz: tzinfo = HELSINKI,
) -> MonthFigures:
    """The month's figures for one client's period. `month` is any day of it; `meetings`
    may hold the client's other meetings too: only those of this program on the period's
    days within the month (local time) count. `period_end` is the day it ended or its
    planned end. `partial_work_ability`: the profile's span (True: the whole time).
    `job_ended` is the job's last day if it ended; `verified_on` the day the pay
    certificate was seen."""
    month = month_of(month)
    end = last_day(month)
    first = max(month, period_start)
    last = end if period_end is None else min(end, period_end)
    rows = [
        row
        for row in meetings
        if first <= local_day(row.start, tz) <= last and _belongs(row, terms)
    ]
    counts: dict[str, int] = {}
    sums: dict[str, Decimal] = {}

    def add(name: str, hours: Decimal) -> None:
        counts[name] = counts.get(name, 0) + 1
        sums[name] = sums.get(name, ZERO) + hours

    billable = ZERO
    for row in rows:
        if row.outcome is None:
            counts["unrecorded"] = counts.get("unrecorded", 0) + 1
            continue
        billable += _hours(row.billable_hours)
        if row.outcome == Outcome.ATTENDED:
            add("held", _hours(row.hours_used))
        elif row.outcome == Outcome.ABSENT_ON_TIME:
            add("on_time", _hours(planned_hours(row.start, row.end)))
        elif row.outcome == Outcome.ABSENT_LATE:
            add("late", _hours(row.billable_hours))
        elif row.outcome == Outcome.NO_SHOW:
            add("no_show", _hours(row.billable_hours))
        else:
            counts["cancelled"] = counts.get("cancelled", 0) + 1

    days = service_days(month, period_start, period_end, suspended, today)
    realised: list[tuple[date, date]] = []
    fee = supplement = bonus = ZERO
    if terms.monthly_fee_eur is not None:
        realised = realised_months(month, period_start, period_end, suspended, today)
        base = _eur(terms.monthly_fee_eur)
        extra = _eur(monthly_fee(terms, partial_work_ability=True) or 0) - base
        fee = base * len(realised)
        supplement = extra * sum(
            1 for first, last in realised if _touches(partial_work_ability, first, last)
        )
    pending = False
    if bonus_may_be_earned(terms, employment, period_start, period_end, job_ended):
        assert employment is not None and terms.employment_bonus_eur is not None
        full = job_full_on(employment)
        payable = bonus_month(terms, employment, period_start, period_end, job_ended, verified_on)
        due = verified_on is not None and today > full and today >= verified_on
        if payable == month and due:
            bonus = _eur(terms.employment_bonus_eur)
        elif month_of(full) <= month and (payable is None or payable >= month):
            pending = True

    work: dict[int, int] = {}
    attended: dict[date, float] = {}  # day → the longest stay recorded that day
    absent: set[date] = set()
    sick: set[date] = set()
    allowance = ZERO
    leave = 0
    if terms.day_hours is not None:
        rates = terms.work_allowance_eur
        lengths = sorted(((float(k), int(float(k))) for k in (rates or {})), reverse=True)
        for row in rows:
            day = local_day(row.start, tz)
            if row.outcome == Outcome.ATTENDED:
                hours = (
                    row.hours_used
                    if row.hours_used is not None
                    else planned_hours(row.start, row.end)
                )
                attended[day] = max(hours, attended.get(day, 0.0))
            elif row.outcome in (Outcome.ABSENT_ON_TIME, Outcome.ABSENT_LATE, Outcome.NO_SHOW):
                absent.add(day)
                if row.absence_reason == SICK:
                    sick.add(day)
        # One työraha a day [002 §2.4: per attendance day], at the longest length reached.
        for hours in attended.values():
            allowance += work_allowance(Outcome.ATTENDED, hours, rates)
            reached = next((h for length, h in lengths if hours >= length), None)
            if reached is not None:
                work[reached] = work.get(reached, 0) + 1
        needed = terms.leave_min_attendance_days
        if terms.leave_days_per_month is not None and needed is not None:
            leave = terms.leave_days_per_month if len(attended) >= needed else 0

    hourly = terms.billing in ("hourly", "contract")
    return MonthFigures(
        program_key=terms.key,
        billing=terms.billing,
        month=month,
        service_days=days,
        held=counts.get("held", 0),
        hours_held=sums.get("held", ZERO),
        absent_on_time=counts.get("on_time", 0),
        on_time_hours=sums.get("on_time", ZERO),
        absent_late=counts.get("late", 0),
        late_hours=sums.get("late", ZERO),
        no_shows=counts.get("no_show", 0),
        no_show_hours=sums.get("no_show", ZERO),
        cancelled=counts.get("cancelled", 0),
        unrecorded=counts.get("unrecorded", 0),
        billable_hours=billable if hourly else ZERO,
        realised_months=len(realised),
        month_fee=fee,
        supplement=supplement,
        bonus=bonus,
        bonus_pending=pending,
        attendance_days=len(attended),
        work_days=dict(sorted(work.items())),
        sick_days=len(sick),
        absence_days=len(absent - attended.keys()),
        work_allowance=_eur(allowance),
        leave_days=leave,
    )


def relevant(figures: MonthFigures) -> bool:
    """A line belongs on the month's billing when the period ran in it, a realised month
    is billed with it (one may begin on a suspended day) or a bonus falls or waits."""
    return (
        figures.service_days > 0
        or figures.realised_months > 0
        or figures.bonus > 0
        or figures.bonus_pending
    )


def month_span(month: date, tz: tzinfo = HELSINKI) -> tuple[datetime, datetime]:
    """[start, end) of the calendar month in local time, as aware moments: the window
    the month's meetings are loaded in."""
    month = month_of(month)
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    following = last_day(month) + timedelta(days=1)
    return start, datetime(following.year, following.month, 1, tzinfo=tz)
