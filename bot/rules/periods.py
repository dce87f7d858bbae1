"""The service period as the contract: a program's rules, read from its preset row, and
what they allow. Pure: plain values in, plain values out (no database, no clock).

A program is data, not code (DOMAIN.md, "The services the bot must support"): every
field of a preset row is parsed here into one `Contract`, and an unknown field is an
error, so a preset never carries a rule nobody reads (tests/rules/test_contract_fields.py
fails when a Contract field is read by no code outside this module).

The sources: [002 §3.1–3.2] job-search (35 h, interim evaluation after at most 21 h,
6 months + at most 2) and job-retention (21 h, only after job-search led to a job);
[002 §3.4.3] suspension for a month, ending by interruption or at the time limit;
[001] job coaching 2 weeks – 4 months, at most two consecutive periods, at most 8
months in any 12; [002 §2] work activity in 4- or 6-hour days between 08 and 17, 2–5
days a week, evaluated at least yearly; [000] on-the-job coaching billed by the month.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from dateutil.relativedelta import relativedelta

from bot.rules.calendar import is_working_day, previous_working_day

# Warn the coach when the booked and used hours reach this share of the cap [002 §3.2:
# "warn before they are reached"].
WARN_SHARE = 0.8
# Remind the coach of the interim evaluation this many coaching hours before it is due
# (at 18 h for job-search's 21 h) [002 §3.1 a].
INTERIM_NOTICE_HOURS = 3.0
# Reminders before a period's end: two weeks, and two working days [DOMAIN "Time limits"].
END_NOTICE_DAYS = 14
END_NOTICE_WORKING_DAYS = 2
# [000]: the employment bonus counts a job that starts at the latest this many months
# after the period ("viimeistään 3 kk:n kuluessa palvelujakson päättymisestä").
BONUS_WITHIN_MONTHS = 3
# Hours are sums of floats (0.25 h steps, 1.1 h): compare with this much slack.
EPSILON = 1e-9
# A second period is "consecutive" when it starts at the latest this many days after the
# first ended [001: "enintään kaksi peräkkäistä jaksoa"].
CONSECUTIVE_GAP_DAYS = 1

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def duration(text: str | None) -> relativedelta | None:
    """An ISO 8601 period of the presets ("P6M", "P2W", "P1Y"); None stays None."""
    if text is None:
        return None
    found = _DURATION.match(text)
    if not found or not any(found.groups()):
        raise ValueError(f"not a duration: {text!r}")
    years, months, weeks, days = (int(g) if g else 0 for g in found.groups())
    return relativedelta(years=years, months=months, days=7 * weeks + days)


class EndReason(enum.StrEnum):
    """How a period ended [002 §3.4.3]: the final report gives it, with the background."""

    GOAL_REACHED = "goal_reached"
    TIME_LIMIT = "time_limit"
    CLIENT = "client"  # interrupted by the client
    PROVIDER = "provider"  # interrupted on the provider's initiative
    PURCHASER = "purchaser"  # interrupted by the purchaser (the caseworker)
    NO_SHOW = "no_show"  # the client did not come to the three-party meeting


INTERRUPTIONS = frozenset({EndReason.CLIENT, EndReason.PROVIDER, EndReason.PURCHASER})


@dataclass(frozen=True)
class Contract:
    """Every rule of one program, as the code reads it."""

    key: str
    source: str
    min_length: relativedelta | None
    max_length: relativedelta | None
    max_extension: relativedelta | None
    hour_cap: float | None
    interim_evaluation_hours: float | None
    no_show_alert_threshold: int
    billing: str
    monthly_fee_eur: float | None = None
    partial_work_ability_extra_eur: float | None = None
    employment_bonus_eur: float | None = None
    min_weekly_work_hours: float | None = None
    max_consecutive_periods: int | None = None
    max_months_in_12: int | None = None
    meetings_per_week: tuple[int, int] | None = None
    face_to_face: bool = False
    min_goals_reached: int | None = None
    requires_program: str | None = None
    day_hours: tuple[int, ...] | None = None
    day_window: tuple[time, time] | None = None
    days_per_week: tuple[int, int] | None = None
    work_allowance_eur: Mapping[str, float] | None = None
    leave_days_per_month: int | None = None
    leave_min_attendance_days: int | None = None
    evaluation_interval: relativedelta | None = None
    log_employer_contacts: bool = False
    suspension_max: relativedelta | None = None
    suspension_moves_end: bool = False
    unknown: tuple[str, ...] = field(default=(), repr=False)

    @property
    def open_ended(self) -> bool:
        return self.max_length is None


# The preset row's own columns; `rules` holds the rest.
COLUMNS = (
    "key",
    "source",
    "min_length",
    "max_length",
    "max_extension",
    "hour_cap",
    "interim_evaluation_hours",
    "no_show_alert_threshold",
)


def _pair(value: Sequence[Any] | None) -> tuple[int, int] | None:
    return None if value is None else (int(value[0]), int(value[1]))


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


_RULES: dict[str, Any] = {
    "billing": str,
    "monthly_fee_eur": float,
    "partial_work_ability_extra_eur": float,
    "employment_bonus_eur": float,
    "min_weekly_work_hours": float,
    "max_consecutive_periods": int,
    "max_months_in_12": int,
    "meetings_per_week": _pair,
    "face_to_face": bool,
    "min_goals_reached": int,
    "requires_program": str,
    "day_hours": lambda v: tuple(int(h) for h in v),
    "day_window": lambda v: (_clock(v[0]), _clock(v[1])),
    "days_per_week": _pair,
    "work_allowance_eur": lambda v: {str(k): float(r) for k, r in v.items()},
    "leave_days_per_month": int,
    "leave_min_attendance_days": int,
    "evaluation_interval": duration,
    "log_employer_contacts": bool,
    "suspension_max": duration,
    "suspension_moves_end": bool,
}


def contract(row: Mapping[str, Any], *, strict: bool = True) -> Contract:
    """A program preset row (its columns and its `rules` mapping) as a Contract.

    `strict`: an unknown column or rules key raises, so a preset never holds a rule no
    code reads; a running bot reads leniently and keeps the unknown names
    (`Contract.unknown`)."""
    rules = dict(row.get("rules") or {})
    unknown = tuple(sorted((set(row) - set(COLUMNS) - {"rules"}) | (set(rules) - set(_RULES))))
    if unknown and strict:
        raise ValueError(f"program {row['key']!r} has rules no code reads: {unknown}")
    values = {name: _RULES[name](value) for name, value in rules.items() if name in _RULES}
    values.setdefault("billing", "contract")
    return Contract(
        key=str(row["key"]),
        source=str(row["source"]),
        min_length=duration(row.get("min_length")),
        max_length=duration(row.get("max_length")),
        max_extension=duration(row.get("max_extension")),
        hour_cap=row.get("hour_cap"),
        interim_evaluation_hours=row.get("interim_evaluation_hours"),
        no_show_alert_threshold=int(row.get("no_show_alert_threshold") or 2),
        unknown=unknown,
        **values,
    )


# --- length, extension, suspension --------------------------------------------------------


def span_end(start: date, length: relativedelta) -> date:
    """The last day of a span of `length` that begins on `start` (both days included):
    the day before the same date `length` later. When that month has no such date (6
    months from 31 Aug: no 31 Feb), the span fills the month and ends on its last day,
    so a later start never ends earlier and 31 Aug + 6 months is 31 Aug – 28 Feb."""
    anniversary = start + relativedelta(years=length.years, months=length.months)
    if anniversary.day != start.day:  # clamped to the month's last day
        anniversary += timedelta(days=1)
    return anniversary + timedelta(days=length.days) - timedelta(days=1)


def default_end(terms: Contract, start: date) -> date | None:
    """The last day of a period started on `start` ("within 6 months of the start"
    [002 §3.2]): the span of the program's maximum length; None when open-ended (IPS
    [003])."""
    if terms.max_length is None:
        return None
    return span_end(start, terms.max_length)


def latest_end(terms: Contract, start: date, suspended_days: int = 0) -> date | None:
    """The last day the period can reach by extension: the maximum length plus the
    program's extension [002 §3.2: "enintään 2 kuukaudella"], moved by the days of
    suspension when the program moves the end with them."""
    if terms.max_length is None:
        return None
    end = span_end(start, terms.max_length + (terms.max_extension or relativedelta()))
    if terms.suspension_moves_end:
        end += timedelta(days=suspended_days)
    return end


class Problem(enum.StrEnum):
    """Why a period, extension, suspension or booking is refused (texts in the feature)."""

    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    END_BEFORE_START = "end_before_start"
    NOT_LATER = "not_later"
    NO_EXTENSION = "no_extension"
    BEYOND_EXTENSION = "beyond_extension"
    CONSECUTIVE = "consecutive"
    MONTHS_IN_12 = "months_in_12"
    NEEDS_EMPLOYMENT = "needs_employment"
    OVERLAPS = "overlaps"
    NO_SUSPENSION = "no_suspension"
    SUSPENSION_TOO_LONG = "suspension_too_long"
    OVER_CAP = "over_cap"
    OUTSIDE_PERIOD = "outside_period"
    SUSPENDED = "suspended"
    PROCEDURE = "procedure"
    DAY_LENGTH = "day_length"
    DAY_WINDOW = "day_window"
    NOT_WEEKDAY = "not_weekday"
    DAYS_PER_WEEK = "days_per_week"


def length_problem(terms: Contract, start: date, end: date | None) -> Problem | None:
    """Whether a period from `start` to `end` (inclusive) fits the program's length:
    [001] 2 weeks – 4 months; [002] within 6 months (the extension comes later)."""
    if end is None:
        return Problem.TOO_LONG if terms.max_length is not None else None
    if end < start:
        return Problem.END_BEFORE_START
    if terms.min_length is not None and end < span_end(start, terms.min_length):
        return Problem.TOO_SHORT
    limit = default_end(terms, start)
    if limit is not None and end > limit:
        return Problem.TOO_LONG
    return None


def extension_problem(
    terms: Contract, start: date, end: date | None, new_end: date, suspended_days: int = 0
) -> Problem | None:
    """Whether the period may be extended to `new_end`. A program with an extension may
    reach `latest_end`; one without may still lengthen up to its maximum length ([001]:
    a 2-week start may grow to 4 months); an open-ended one has nothing to extend."""
    if end is None:
        return Problem.NO_EXTENSION
    if new_end <= end:
        return Problem.NOT_LATER
    limit = latest_end(terms, start, suspended_days)
    if limit is None:
        return Problem.NO_EXTENSION
    if new_end > limit:
        return Problem.BEYOND_EXTENSION
    return None


def suspension_problem(
    terms: Contract, first: date, last: date, already_days: int = 0
) -> Problem | None:
    """A temporary suspension is for one month at most [002 §3.4.3]; a program whose
    contract names no suspension has none. `already_days`: the days the period was
    suspended before; together they stay within the month, so suspensions chained one
    after another cannot stretch the 6 (+2) month window (**ours**: the seed names one
    suspension of a month)."""
    if terms.suspension_max is None:
        return Problem.NO_SUSPENSION
    if last < first:
        return Problem.END_BEFORE_START
    allowed = suspension_days(first, span_end(first, terms.suspension_max))
    if suspension_days(first, last) + already_days > allowed:
        return Problem.SUSPENSION_TOO_LONG
    return None


def suspension_days(first: date, last: date) -> int:
    return (last - first).days + 1


def end_after_suspension(terms: Contract, end: date | None, first: date, last: date) -> date | None:
    """The planned end after a suspension: moved by its days when the program says so."""
    if end is None or not terms.suspension_moves_end:
        return end
    return end + timedelta(days=suspension_days(first, last))


@dataclass(frozen=True)
class PastPeriod:
    """An earlier period of the same client, for the rules across periods."""

    program_key: str
    start: date
    end: date | None  # the day it ended, or its planned end if still running
    led_to_job: bool = False


def new_period_problem(
    terms: Contract,
    start: date,
    end: date | None,
    history: Iterable[PastPeriod],
    *,
    extending: bool = False,
    suspended_days: int = 0,
) -> Problem | None:
    """Whether a new period (or, `extending`, a period lengthened to `end`) may exist
    beside `history` (the client's other periods, not this one): its length (an
    extension may reach `latest_end`), no overlap with a period of the same program,
    job-retention only after a job-search that led to a job [002 §3.1 b, §3.2], and
    [001]'s at most two consecutive periods and at most 8 months in any 12."""
    past = list(history)
    if not extending:
        problem = length_problem(terms, start, end)
        if problem is not None:
            return problem
    elif end is not None:
        if end < start:
            return Problem.END_BEFORE_START
        limit = latest_end(terms, start, suspended_days)
        if limit is not None and end > limit:
            return Problem.BEYOND_EXTENSION
    same = [p for p in past if p.program_key == terms.key]
    for other in same:
        if _overlap(start, end, other.start, other.end):
            return Problem.OVERLAPS
    if terms.requires_program is not None and not any(
        p.program_key == terms.requires_program and p.led_to_job for p in past
    ):
        return Problem.NEEDS_EMPLOYMENT
    limit_periods = terms.max_consecutive_periods
    if limit_periods is not None and _chain(start, end, same) + 1 > limit_periods:
        return Problem.CONSECUTIVE
    if terms.max_months_in_12 is not None and end is not None:
        spans = [(p.start, p.end or p.start) for p in same]
        if _most_months_in_a_year((start, end), spans) > terms.max_months_in_12 + 1e-9:
            return Problem.MONTHS_IN_12
    return None


def _overlap(a0: date, a1: date | None, b0: date, b1: date | None) -> bool:
    return a0 <= (b1 or date.max) and b0 <= (a1 or date.max)


def _chain(start: date, end: date | None, same: list[PastPeriod]) -> int:
    """How many periods of the program run back to back with a period from `start` to
    `end`, before it and after it (each beginning at most CONSECUTIVE_GAP_DAYS after the
    one before it ended): a period filling the gap between two others joins them."""
    chain, cursor = 0, start
    for period in sorted(same, key=lambda p: p.start, reverse=True):
        if period.end is None or period.start >= cursor:
            continue
        if (cursor - period.end).days > CONSECUTIVE_GAP_DAYS:
            break
        chain += 1
        cursor = period.start
    after: date | None = end
    for period in sorted(same, key=lambda p: p.start):
        if after is None:
            break
        if period.start <= after:
            continue
        if (period.start - after).days > CONSECUTIVE_GAP_DAYS:
            break
        chain += 1
        after = period.end
    return chain


YEAR = relativedelta(months=12)


def months_between(first: date, last: date) -> float:
    """The length of `first`..`last` (both included) in months, as `span_end` counts
    them: whole months, then the days left as a share of the month after them
    (1 Jan – 30 Apr is 4.0; 31 Oct – 28 Feb is 4.0; 1 Jan – 14 Jan is 14/31)."""
    if last < first:
        return 0.0
    whole = 0
    while span_end(first, relativedelta(months=whole + 1)) <= last:
        whole += 1
    done = span_end(first, relativedelta(months=whole))
    following = span_end(first, relativedelta(months=whole + 1))
    return whole + (last - done).days / (following - done).days


def _most_months_in_a_year(new: tuple[date, date], spans: list[tuple[date, date]]) -> float:
    """The most months of service any 12-month window holding part of `new` contains
    [001: "8 kuukautta 12 kuukauden aikana"]. The fullest window begins where a period
    begins or ends where one ends (the usual sliding-window argument)."""
    every = [*spans, new]
    starts = {s for s, _ in every} | {e + timedelta(days=1) - YEAR for _, e in every}
    best = 0.0
    for first in starts:
        last = span_end(first, YEAR)
        if not _overlap(first, last, *new):
            continue
        held = sum(months_between(max(s, first), min(e, last)) for s, e in every)
        best = max(best, held)
    return best


# --- hours against the cap ------------------------------------------------------------------


def hour_cap(terms: Contract, agreed: float | None, extra: float = 0.0) -> float | None:
    """The period's cap: the agreement's plus the hours the caseworker granted, never
    above the program's ("enintään 35 tuntia" [002 §3.1 a, §3.2]); None when neither sets
    one."""
    cap = terms.hour_cap
    if agreed is not None:
        cap = agreed if cap is None else min(agreed, cap)
    if cap is None:
        return None
    if terms.hour_cap is None:
        return cap + extra
    return min(cap + extra, terms.hour_cap)


def more_hours_possible(terms: Contract, agreed: float | None, extra: float = 0.0) -> float:
    """How many more hours the caseworker may still grant: up to the program's cap; a
    program without a cap has no limit here (the contract decides)."""
    cap = hour_cap(terms, agreed, extra)
    if cap is None or terms.hour_cap is None:
        return float("inf")
    return max(0.0, terms.hour_cap - cap)


@dataclass(frozen=True)
class Hours:
    """A period's hours: `used` are held (or billable absences), `booked` still ahead,
    `coached` the hours held alone (the interim evaluation counts "valmennustunnit",
    coaching hours given [002 §3.1 a], not a no-show's billed hours)."""

    cap: float | None
    used: float
    booked: float
    coached: float = field(default=0.0, compare=False)

    @property
    def counted(self) -> float:
        return self.used + self.booked

    @property
    def left(self) -> float | None:
        return None if self.cap is None else round(self.cap - self.counted, 4)

    @property
    def warn(self) -> bool:
        """At 80 % of the cap or more, the coach is warned at every booking."""
        return self.cap is not None and self.counted >= WARN_SHARE * self.cap - EPSILON

    @property
    def over(self) -> bool:
        return self.cap is not None and self.counted > self.cap + EPSILON

    def plus(self, hours: float) -> Hours:
        return Hours(cap=self.cap, used=self.used, booked=self.booked + hours, coached=self.coached)


def dates_problem(
    start: date,
    end: date | None,
    suspended: tuple[date, date] | None,
    days: Iterable[date],
) -> Problem | None:
    """A meeting of the period falls within it, and not in its suspension [002 §3.4.3]:
    service is given inside the contract's time only."""
    for day in days:
        if day < start or (end is not None and day > end):
            return Problem.OUTSIDE_PERIOD
        if suspended is not None and suspended[0] <= day <= suspended[1]:
            return Problem.SUSPENDED
    return None


def booking_problem(hours: Hours, new_hours: float) -> Problem | None:
    """A booking that would pass the cap is refused; group hours count too [002 §3.2]."""
    if hours.plus(new_hours).over:
        return Problem.OVER_CAP
    return None


class Interim(enum.StrEnum):
    APPROACHING = "approaching"
    DUE = "due"


def interim_state(terms: Contract, used_hours: float) -> Interim | None:
    """The interim evaluation is due at the latest after `interim_evaluation_hours`
    coaching hours [002 §3.1 a]; the coach hears of it `INTERIM_NOTICE_HOURS` before."""
    due = terms.interim_evaluation_hours
    if due is None:
        return None
    if used_hours >= due - EPSILON:
        return Interim.DUE
    if used_hours >= due - INTERIM_NOTICE_HOURS - EPSILON:
        return Interim.APPROACHING
    return None


# --- reminders of the period's time limits --------------------------------------------------


def end_notice_days(end: date) -> list[date]:
    """When the coach hears of the period's end: two weeks before, and two working days
    before (a weekend or holiday notice day moves back to the working day before it)."""
    two_weeks = end - timedelta(days=END_NOTICE_DAYS)
    if not is_working_day(two_weeks):
        two_weeks = previous_working_day(two_weeks)
    days_before = end
    for _ in range(END_NOTICE_WORKING_DAYS):
        days_before = previous_working_day(days_before)
    return sorted({two_weeks, days_before})


def evaluation_days(terms: Contract, start: date, until: date) -> list[date]:
    """The yearly evaluations of work activity [002 §2]: each interval from the start."""
    if terms.evaluation_interval is None:
        return []
    found, step = [], 1
    while (day := start + terms.evaluation_interval * step) <= until:
        found.append(day)
        step += 1
    return found


# --- work activity ------------------------------------------------------------------------------


def work_day_problem(
    terms: Contract, starts: datetime, minutes: int, *, tz: tzinfo | None = None
) -> Problem | None:
    """A work-activity day [002 §2: "neljä tai kuusi tuntia päivässä ... arkisin
    aikavälillä klo 8–17"]: 4 or 6 hours, on a working day (not a weekend or a public
    holiday), between 08 and 17 wall-clock time. `starts` is local time, or an aware
    time that `tz` (Europe/Helsinki) turns into it. Programs without day rules accept
    any meeting."""
    if tz is not None and starts.tzinfo is not None:
        starts = starts.astimezone(tz)
    if terms.day_hours is not None and minutes not in [h * 60 for h in terms.day_hours]:
        return Problem.DAY_LENGTH
    if terms.day_window is not None:
        if not is_working_day(starts.date()):
            return Problem.NOT_WEEKDAY
        first, last = terms.day_window
        ends = starts + timedelta(minutes=minutes)
        if starts.time() < first or ends.date() != starts.date() or ends.time() > last:
            return Problem.DAY_WINDOW
    return None


def day_lengths(terms: Contract, start: time) -> list[int]:
    """The day lengths (minutes) a work-activity day starting at `start` may have."""
    if terms.day_hours is None:
        return []
    first, last = terms.day_window or (time(0, 0), time(23, 59))
    if start < first:
        return []
    base = datetime(2000, 1, 3)
    return [
        h * 60
        for h in terms.day_hours
        if datetime.combine(base, start) + timedelta(hours=h) <= datetime.combine(base, last)
    ]


def days_per_week_problem(terms: Contract, days: int) -> Problem | None:
    """2–5 work-activity days a week [002 §2]."""
    if terms.days_per_week is None:
        return None
    low, high = terms.days_per_week
    return None if low <= days <= high else Problem.DAYS_PER_WEEK


# --- the employment a period led to ---------------------------------------------------------


@dataclass(frozen=True)
class Employment:
    start: date
    hours_week: float
    open_market: bool


def bonus_may_apply(terms: Contract, job: Employment, period_end: date) -> bool:
    """[000]: the 1,500 € bonus when the client gets a job within 3 months of the end,
    at least `min_weekly_work_hours` a week on the open labour market (lasting ≥ 3
    months, which the coach confirms later)."""
    if terms.employment_bonus_eur is None:
        return False
    weekly = terms.min_weekly_work_hours or 0
    return (
        job.open_market
        and job.hours_week >= weekly
        and job.start <= period_end + relativedelta(months=BONUS_WITHIN_MONTHS)
    )


def monthly_fee(terms: Contract, partial_work_ability: bool) -> float | None:
    """[000]: the fee for a realised month, with the extra for partial work ability."""
    if terms.monthly_fee_eur is None:
        return None
    extra = (terms.partial_work_ability_extra_eur or 0) if partial_work_ability else 0
    return terms.monthly_fee_eur + extra
