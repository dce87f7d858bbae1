"""One client's monthly report: everything the report to the caseworker shows, as plain data.

[002 §3.4.2] a report per client per calendar month: the meetings held with their hours
and content (the attendance diary), absences on time and late (each with its notice's
deadline), no-shows, the billable hours or months, goal progress, and the coach's reasoned
assessment [002 §3.7] (the `assessment` slot: the coach writes it when the draft is
reviewed). In [000] this is the interim evaluation sent with each invoice, so the figures
are the billing's own: `figures` comes from bot.reports.billing.figures_of on the same
rows, and the report and the invoice always agree.

The hours against the cap are counted up to the end of the month (not up to the day the
report is made), so a report made again later gives the same figures. Nothing is decided
here: this module reads and audits the read (action "report.view").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.reports.billing import billing_month, figures_of, meeting_row, period_end
from bot.rules.attendance import Outcome
from bot.rules.periods import contract, hour_cap
from bot.rules.reports import (
    HELSINKI,
    WORK_DAY,
    MonthFigures,
    last_day,
    local_day,
    month_of,
    month_span,
)
from storage import absence, audit, period_hours
from storage import diary as diary_rows
from storage import goals as goal_rows
from storage import reports as rows
from storage.models import Goal, Person, ServicePeriod
from storage.reports import StoredMeeting

# Goal.status of a goal still open (bot.rules.goals.GoalStatus.OPEN).
OPEN = "open"
# The diary kinds that are work with employers [003 forms B–D].
EMPLOYER_KINDS = frozenset({"employer_contact", "employer_meeting"})
JOB_START, JOB_END = "job_start", "job_end"


class NoReport(LookupError):
    """No such client, or no period of theirs ran in the month."""


@dataclass(frozen=True)
class HeldMeeting:
    """A meeting held: its local start and end, kind, the hours used and what was done."""

    start: datetime
    end: datetime
    kind: str
    hours: float
    content: str | None

    @property
    def day(self) -> date:
        return self.start.date()


@dataclass(frozen=True)
class Absence:
    """A meeting missed with a notice: on time (not billed) or late (billed), the
    notice's deadline and when it came, both local; `sick` when the reason was illness."""

    start: datetime
    kind: str
    hours: float  # the planned hours
    on_time: bool
    deadline: datetime | None
    notified_at: datetime | None
    sick: bool

    @property
    def day(self) -> date:
        return self.start.date()


@dataclass(frozen=True)
class NoShow:
    start: datetime
    kind: str
    hours: float  # the planned hours, billed

    @property
    def day(self) -> date:
        return self.start.date()


@dataclass(frozen=True)
class CapHours:
    """The period's hours by the end of the month against its cap [002 §3.2]: `used`
    held plus billed absences, `coached` the hours held alone, `left` the cap less used."""

    cap: float
    used: float
    coached: float

    @property
    def left(self) -> float:
        return round(max(0.0, self.cap - self.used), 4)


@dataclass(frozen=True)
class GoalProgress:
    """A goal at the end of the month: the latest check-in score of the month (1–5) and the
    latest before the month, `done` when the client said it is done this month; `status`
    as it stood at the month's end (a goal closed later still shows open)."""

    text: str
    criterion: str
    area: str
    status: str
    closed_on: date | None
    latest: int | None
    previous: int | None
    done: bool
    answers: int  # check-in answers this month

    @property
    def change(self) -> int | None:
        if self.latest is None or self.previous is None:
            return None
        return self.latest - self.previous


@dataclass(frozen=True)
class Entry:
    """The latest version of a diary entry (work outside meetings) [003 forms B–D]."""

    day: date
    kind: str
    text: str
    minutes: int | None = None
    employer: str | None = None
    hours_week: float | None = None
    wage_support: bool | None = None
    end_reason: str | None = None
    corrected: bool = False


@dataclass
class MonthlyReport:
    """One client's period in one calendar month. The client is named by display name
    only (what the caseworker needs; no other identifier goes into the document)."""

    month: date
    made_on: date
    client_id: int
    client: str
    period_id: int
    program_key: str
    period_start: date
    period_end: date | None  # the day it ended, else its planned end
    status: str  # storage.models.PeriodStatus value
    ended_on: date | None
    end_reason: str | None
    suspended: tuple[date, date] | None
    coach: str | None
    caseworker: str | None
    figures: MonthFigures
    meetings: list[HeldMeeting] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    no_shows: list[NoShow] = field(default_factory=list)
    hours: CapHours | None = None
    goals: list[GoalProgress] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    assessment: str | None = None  # the coach's reasoned assessment [002 §3.7]

    @property
    def employer_contacts(self) -> list[Entry]:
        return [e for e in self.entries if e.kind in EMPLOYER_KINDS]

    @property
    def job_starts(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == JOB_START]

    @property
    def job_ends(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == JOB_END]


def _name(session: Session, person_id: int | None) -> str | None:
    person = session.get(Person, person_id) if person_id is not None else None
    return person.display_name if person is not None else None


def _days(period: ServicePeriod, month: date) -> tuple[date, date]:
    """The period's days within the month (may be empty: first > last)."""
    end = period_end(period)
    last = last_day(month) if end is None else min(last_day(month), end)
    return max(month, period.start_date), last


def _counted(meeting: StoredMeeting, period: ServicePeriod, terms_day_hours: bool,
             month: date, tz: ZoneInfo) -> bool:  # fmt: skip
    """The meetings the month's figures count (bot.rules.reports.month_figures): on the
    period's days in the month, and of its program (work-activity days or the rest)."""
    first, last = _days(period, month)
    return first <= local_day(meeting.starts_at, tz) <= last and (
        (meeting.kind == WORK_DAY) == terms_day_hours
    )


def _planned(meeting: StoredMeeting) -> float:
    return round((meeting.ends_at - meeting.starts_at).total_seconds() / 3600, 4)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _pick_period(
    session: Session, client_id: int, month: date, period_id: int | None
) -> tuple[ServicePeriod, Person]:
    """The client's period in the month: the one asked for, else the latest-starting one
    with figures in the month (ran in it, or earns a bonus in it)."""
    found = [
        (p, c)
        for p, c in rows.billing_periods(session, month, last_day(month))
        if p.client_id == client_id and (period_id is None or p.id == period_id)
    ]
    if not found:
        raise NoReport(client_id)
    running = [pc for pc in found if _days(pc[0], month)[0] <= _days(pc[0], month)[1]]
    return max(running or found, key=lambda pc: (pc[0].start_date, pc[0].id or 0))


def _goals(
    goals: Sequence[Goal],
    history: dict[int, list[goal_rows.HistoryPoint]],
    period_id: int,
    since: datetime,
    until: datetime,
    tz: ZoneInfo,
) -> list[GoalProgress]:
    """The period's goals (and goals with no period) that were open at some time in the
    month: the latest score of the month against the latest before it."""
    found = []
    for goal in goals:
        if goal.period_id not in (None, period_id) or _aware(goal.created_at) >= until:
            continue
        closed = _aware(goal.closed_at) if goal.closed_at is not None else None
        if goal.status != OPEN and closed is not None and closed < since:
            continue
        points = history.get(goal.id or 0, [])
        before = [p for p in points if _aware(p.due_at) < since and p.score is not None]
        during = [p for p in points if since <= _aware(p.due_at) < until]
        scored = [p for p in during if p.score is not None]
        closed_in = closed is not None and closed < until
        found.append(
            GoalProgress(
                text=goal.text,
                criterion=goal.criterion,
                area=goal.area,
                status=goal.status if closed_in or closed is None else OPEN,
                closed_on=closed.astimezone(tz).date() if closed_in and closed else None,
                latest=scored[-1].score if scored else None,
                previous=before[-1].score if before else None,
                done=any(p.done for p in during),
                answers=len(during),
            )
        )
    return found


def _entries(session: Session, client_id: int, period_id: int, month: date) -> list[Entry]:
    found = diary_rows.latest_between(session, client_id, month, last_day(month))
    return [
        Entry(
            day=row.happened_on,
            kind=row.kind,
            text=row.text,
            minutes=row.minutes,
            employer=row.employer,
            hours_week=row.hours_week,
            wage_support=row.wage_support,
            end_reason=row.end_reason,
            corrected=corrected,
        )
        for row, corrected in found
        if row.period_id in (None, period_id)
    ]


def monthly_report(
    session: Session,
    *,
    client_id: int,
    month: date,
    today: date,
    tz: ZoneInfo,
    period_id: int | None = None,
    actor_id: int | None = None,
) -> MonthlyReport:
    """The client's report for the calendar month of `month` (any day of it), of the
    period asked for or the one that ran in the month. NoReport when there is none. The
    read is audited ("report.view"; `actor_id` None: the command line or a job)."""
    month = month_of(month)
    period, client = _pick_period(session, client_id, month, period_id)
    assert period.id is not None
    program = rows.programs(session)[period.program_key]
    terms = contract(program.model_dump(), strict=False)
    since, until = month_span(month, tz)
    stored = rows.month_meetings(session, [client_id], since.astimezone(UTC),
                                 until.astimezone(UTC)).get(client_id, [])  # fmt: skip
    figures = figures_of(terms, period, client, [meeting_row(m) for m in stored], month, today, tz)
    mine = [m for m in stored if _counted(m, period, terms.day_hours is not None, month, tz)]
    content = {
        meeting.id: attended.content
        for meeting, attended in diary_rows.meetings_held(
            session,
            client_id,
            since.astimezone(UTC),
            until.astimezone(UTC),
            Outcome.ATTENDED.value,
        )
    }
    report = MonthlyReport(
        month=month,
        made_on=today,
        client_id=client_id,
        client=client.display_name,
        period_id=period.id,
        program_key=period.program_key,
        period_start=period.start_date,
        period_end=period_end(period),
        status=period.status,
        ended_on=period.ended_on,
        end_reason=period.end_reason,
        suspended=(period.suspended_from, period.suspended_until)
        if period.suspended_from is not None and period.suspended_until is not None
        else None,
        coach=_name(session, client.coach_id),
        caseworker=_name(session, client.caseworker_id),
        figures=figures,
    )
    for m in mine:
        start, end = m.starts_at.astimezone(tz), m.ends_at.astimezone(tz)
        if m.outcome == Outcome.ATTENDED.value:
            hours = m.hours_used if m.hours_used is not None else _planned(m)
            report.meetings.append(
                HeldMeeting(start, end, m.kind, round(hours, 4), content.get(m.meeting_id))
            )
        elif m.outcome in (Outcome.ABSENT_ON_TIME.value, Outcome.ABSENT_LATE.value):
            notice = absence.active_notice(session, m.meeting_id)
            report.absences.append(
                Absence(
                    start=start,
                    kind=m.kind,
                    hours=_planned(m),
                    on_time=m.outcome == Outcome.ABSENT_ON_TIME.value,
                    deadline=_aware(notice.deadline).astimezone(tz) if notice else None,
                    notified_at=_aware(notice.notified_at).astimezone(tz) if notice else None,
                    sick=m.absence_reason == "ill",
                )
            )
        elif m.outcome == Outcome.NO_SHOW.value:
            report.no_shows.append(NoShow(start, m.kind, _planned(m)))
    cap = hour_cap(terms, period.hour_cap, period.extra_hours or 0.0)
    if cap is not None:
        first = datetime.combine(period.start_date, time(0), tzinfo=tz)
        last = _days(period, month)[1] + timedelta(days=1)
        used, coached = period_hours.used_hours(
            session, client_id, first, datetime.combine(last, time(0), tzinfo=tz),
            attended=Outcome.ATTENDED.value,
        )  # fmt: skip
        report.hours = CapHours(cap=cap, used=round(used, 4), coached=round(coached, 4))
    report.goals = _goals(
        goal_rows.goals_of(session, client_id),
        goal_rows.history(session, client_id),
        period.id,
        since,
        until,
        tz,
    )
    report.entries = _entries(session, client_id, period.id, month)
    audit.record(session, "report.view", actor_id=actor_id, subject_id=client_id,
                 detail=f"monthly {month:%Y-%m} period:{period.id}")  # fmt: skip
    return report


def report_keys(
    session: Session, *, month: date, today: date, tz: ZoneInfo = HELSINKI
) -> list[tuple[int, int]]:
    """(client id, period id) of every report the month has: each period with figures in
    it, as the month's billing lists them (one query for the periods, one for meetings)."""
    billing = billing_month(session, month=month, today=today, tz=tz)
    return [(line.client_id, line.period_id) for line in billing.lines]
