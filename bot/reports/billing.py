"""The month's billing: one line per client's period per program, and a total per program.

Built from storage (storage.reports: the periods touching the month, their clients, every
meeting of theirs in the month with its outcome) through the pure rules of
bot.rules.reports, the same the monthly report uses [000: billing "laskutuksen,
raportoinnin ja palkkatodistuksen perusteella"; 002 §3.4.2]. Read-only: nothing is
written, so the command can be run again for the same month and gives the same figures.

The partial-work-ability supplement is set for a span in the client's profile [000]; the
profile keeps it as `preferences["partial_work_ability"]`: `{"from": "YYYY-MM-DD",
"until": "YYYY-MM-DD" | null}` (or `true`: the whole time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, tzinfo
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from bot.rules.attendance import Outcome
from bot.rules.periods import Contract, Employment, contract
from bot.rules.reports import (
    HELSINKI,
    MeetingRow,
    MonthFigures,
    last_day,
    month_figures,
    month_of,
    month_span,
    relevant,
)
from storage import reports as rows
from storage.models import PeriodStatus, Person, ServicePeriod

PROFILE_KEY = "partial_work_ability"


@dataclass(frozen=True)
class BillingLine:
    """One client's period in the month: who, which period, and its figures."""

    program_key: str
    client_id: int
    client: str  # the display name: the purchaser bills per named client
    period_id: int
    figures: MonthFigures


@dataclass(frozen=True)
class Billing:
    month: date
    lines: list[BillingLine]
    day_lengths: tuple[int, ...]  # the work-day lengths the programs know (columns)

    def programs(self) -> list[str]:
        return sorted({line.program_key for line in self.lines})

    def of(self, program_key: str) -> list[BillingLine]:
        return [line for line in self.lines if line.program_key == program_key]


def meeting_row(stored: rows.StoredMeeting) -> MeetingRow:
    return MeetingRow(
        start=stored.starts_at,
        end=stored.ends_at,
        kind=stored.kind,
        outcome=Outcome(stored.outcome) if stored.outcome else None,
        hours_used=stored.hours_used,
        billable_hours=stored.billable_hours,
        notice_timing=stored.notice_timing,
        absence_reason=stored.absence_reason,
    )


def _day(text: Any) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) and text else None


def partial_span(client: Person) -> tuple[date, date | None] | None:
    """The span of partial work ability in the client's profile (see the module doc)."""
    value = (client.preferences or {}).get(PROFILE_KEY)
    if value is True:
        return (date.min, None)
    if isinstance(value, dict) and (first := _day(value.get("from"))) is not None:
        return (first, _day(value.get("until")))
    return None


def period_end(period: ServicePeriod) -> date | None:
    """The day the period ended, else its planned end."""
    if period.status == PeriodStatus.ENDED.value and period.ended_on is not None:
        return period.ended_on
    return period.planned_end


def figures_of(
    terms: Contract,
    period: ServicePeriod,
    client: Person,
    meetings: list[MeetingRow],
    month: date,
    today: date,
    tz: tzinfo = HELSINKI,
) -> MonthFigures:
    """One period's month from its stored rows: what the monthly report shows too. The
    employment bonus needs the pay certificate seen (`job_verified_on`) and no job end
    (`job_end`) before its 3 months were full [000]."""
    suspended = (
        (period.suspended_from, period.suspended_until)
        if period.suspended_from is not None and period.suspended_until is not None
        else None
    )
    job = (
        Employment(
            start=period.job_start,
            hours_week=period.job_hours_week,
            open_market=bool(period.job_open_market),
        )
        if period.job_start is not None and period.job_hours_week is not None
        else None
    )
    return month_figures(
        terms,
        month,
        period_start=period.start_date,
        period_end=period_end(period),
        suspended=suspended,
        meetings=meetings,
        partial_work_ability=partial_span(client),
        employment=job,
        today=today,
        job_ended=period.job_end,
        verified_on=period.job_verified_on,
        tz=tz,
    )


def billing_month(
    session: Session,
    *,
    month: date,
    today: date,
    program_key: str | None = None,
    tz: tzinfo = HELSINKI,
) -> Billing:
    """Every billing line of `month` (of one program, or all), in four queries. A period
    that neither ran in the month nor earns a bonus in it has no line. KeyError for an
    unknown program."""
    month = month_of(month)
    programs = rows.programs(session)
    if program_key is not None and program_key not in programs:
        raise KeyError(program_key)
    terms = {key: contract(p.model_dump(), strict=False) for key, p in programs.items()}
    periods = rows.billing_periods(session, month, last_day(month), program_key)
    since, until = month_span(month, tz)
    meetings = rows.month_meetings(
        session,
        sorted({period.client_id for period, _ in periods}),
        since.astimezone(UTC),
        until.astimezone(UTC),
    )
    lines = []
    for period, client in periods:
        assert period.id is not None
        found = figures_of(
            terms[period.program_key],
            period,
            client,
            [meeting_row(m) for m in meetings.get(period.client_id, [])],
            month,
            today,
            tz,
        )
        if relevant(found):
            lines.append(
                BillingLine(
                    period.program_key, period.client_id, client.display_name, period.id, found
                )
            )
    lengths = sorted({h for t in terms.values() for h in (t.day_hours or ())})
    return Billing(month=month, lines=lines, day_lengths=tuple(lengths))


# --- the export's columns: one table for CSV, XLSX and the totals -------------------------

Value = int | Decimal | str | None
Column = tuple[str, Callable[[BillingLine], Value], bool]  # header, value, summed


def _f(getter: Callable[[MonthFigures], Value]) -> Callable[[BillingLine], Value]:
    return lambda line: getter(line.figures)


def columns(billing: Billing) -> list[Column]:
    """The export's columns (English headers, the CLI's language): who, the basis of the
    billable hours, the months, the bonus, work days and työraha, leave."""
    found: list[Column] = [
        ("program", lambda line: line.program_key, False),
        ("client_id", lambda line: line.client_id, False),
        ("client", lambda line: line.client, False),
        ("period_id", lambda line: line.period_id, False),
        ("billing", _f(lambda f: f.billing), False),
        ("service_days", _f(lambda f: f.service_days), True),
        ("meetings_held", _f(lambda f: f.held), True),
        ("hours_held", _f(lambda f: f.hours_held), True),
        ("absences_on_time", _f(lambda f: f.absent_on_time), True),
        ("absences_late", _f(lambda f: f.absent_late), True),
        ("late_hours", _f(lambda f: f.late_hours), True),
        ("no_shows", _f(lambda f: f.no_shows), True),
        ("no_show_hours", _f(lambda f: f.no_show_hours), True),
        ("unrecorded", _f(lambda f: f.unrecorded), True),
        ("billable_hours", _f(lambda f: f.billable_hours), True),
        ("realised_months", _f(lambda f: f.realised_months), True),
        ("month_fee_eur", _f(lambda f: f.month_fee), True),
        ("supplement_eur", _f(lambda f: f.supplement), True),
        ("bonus_eur", _f(lambda f: f.bonus), True),
        ("bonus_pending", _f(lambda f: int(f.bonus_pending)), True),
        ("attendance_days", _f(lambda f: f.attendance_days), True),
    ]
    for hours in billing.day_lengths:
        found.append(
            (f"days_{hours}h", _f(lambda f, h=hours: f.work_days.get(h, 0)), True)  # type: ignore[misc]
        )
    found += [
        ("sick_days", _f(lambda f: f.sick_days), True),
        ("tyoraha_eur", _f(lambda f: f.work_allowance), True),
        ("leave_days", _f(lambda f: f.leave_days), True),
        ("invoiced_eur", _f(lambda f: f.invoiced), True),
    ]
    return found


def table(billing: Billing) -> list[list[Value]]:
    """Header, then per program its lines and a total row ("total" in the client column)."""
    cols = columns(billing)
    out: list[list[Value]] = [[name for name, _, _ in cols]]
    for key in billing.programs():
        lines = billing.of(key)
        out += [[get(line) for _, get, _ in cols] for line in lines]
        total: list[Value] = []
        for name, get, summed in cols:
            if summed:
                total.append(sum((get(line) for line in lines), start=0))  # type: ignore[misc]
            else:
                total.append({"program": key, "client": "total"}.get(name))
        out.append(total)
    return out
