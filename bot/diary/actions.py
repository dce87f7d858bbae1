"""The diary, its only write path and its month view: work for a client outside meetings
logged by the coach (`/log`), corrected with an audit trail, and read by month (`/diary`).

[002 §3.4.2] the monthly report holds the meetings with their hours and content; [003]
IPS keeps employer meetings (form B), employer contacts (a shared log), and a job's start
and end (forms C and D: employer, start date, hours a week, wage support, end reason).

A correction never overwrites: a new row is written and the old one points to it
(`replaced_by`), so the first version stays for anyone who must see what was written.
Each function runs inside the caller's one transaction with `now` passed in; a request
that cannot be taken raises `DiaryError` (its `code` keys bot.diary.texts.ERRORS) and
nothing is written.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.rules.attendance import Outcome
from storage import audit, people
from storage import diary as rows
from storage.models import DiaryEntry, Person, Role
from storage.periods import current_period, period_on

TEXT_MAX = 1000
EMPLOYER_MAX = 200
END_REASON_MAX = 300
MINUTES_MAX = 24 * 60
# A job may be logged before it starts (the contract is signed); other work only once done.
JOB_START_AHEAD = timedelta(days=90)


class Kind(enum.StrEnum):
    EMPLOYER_CONTACT = "employer_contact"
    EMPLOYER_MEETING = "employer_meeting"
    CALL = "call"
    NETWORK_MEETING = "network_meeting"
    JOB_START = "job_start"
    JOB_END = "job_end"
    BENEFITS_COUNSELLING = "benefits_counselling"
    OTHER = "other"


# The kinds that name an employer [003 forms B–D], and those that take time worth noting.
WITH_EMPLOYER = frozenset({Kind.EMPLOYER_CONTACT, Kind.EMPLOYER_MEETING, Kind.JOB_START,
                           Kind.JOB_END})  # fmt: skip
WITH_MINUTES = frozenset({Kind.CALL, Kind.EMPLOYER_MEETING, Kind.NETWORK_MEETING,
                          Kind.BENEFITS_COUNSELLING})  # fmt: skip


class DiaryError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Details:
    """What one entry says besides its kind and day; which fields a kind takes is checked."""

    text: str
    minutes: int | None = None
    employer: str | None = None
    hours_week: float | None = None
    wage_support: bool | None = None
    end_reason: str | None = None


def last_day(kind: Kind, today: date) -> date:
    """The latest day an entry of `kind` may be logged for."""
    return today + JOB_START_AHEAD if kind == Kind.JOB_START else today


def _check(kind: Kind, day: date, details: Details, today: date) -> None:
    """Each kind takes its own fields and no other's; lengths as the columns allow."""
    minutes, employer, reason = details.minutes, details.employer, details.end_reason
    hours = details.hours_week
    ok = [
        0 < len(details.text.strip()) <= TEXT_MAX,
        day <= last_day(kind, today),
        minutes is None or (kind in WITH_MINUTES and 0 < minutes <= MINUTES_MAX),
        (kind in WITH_EMPLOYER) == (employer is not None),
        employer is None or 0 < len(employer) <= EMPLOYER_MAX,
        (kind == Kind.JOB_START) == (hours is not None) == (details.wage_support is not None),
        hours is None or 0 < hours <= 80,
        (kind == Kind.JOB_END) == (reason is not None),
        reason is None or 0 < len(reason) <= END_REASON_MAX,
    ]
    if not all(ok):
        raise DiaryError("invalid")


def _own_client(session: Session, coach_id: int | None, client_id: int) -> Person:
    client = people.coach_client(session, coach_id, client_id)
    if client is None:
        raise DiaryError("not_yours")
    return client


def add_entry(
    session: Session,
    coach_id: int,
    client_id: int,
    kind: Kind,
    day: date,
    details: Details,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> DiaryEntry:
    """Log one piece of work for the coach's own active client, in the period running on
    `day` (last month's work logged today belongs to last month's period, which may have
    ended since); a day no period covers (a job starting after the period's planned end,
    before a period's start) takes the client's current period."""
    _own_client(session, coach_id, client_id)
    _check(kind, day, details, now.astimezone(tz).date())
    period = period_on(session, client_id, day) or current_period(session, client_id)
    entry = rows.add(
        session,
        DiaryEntry(
            client_id=client_id, coach_id=coach_id,
            period_id=period.id if period is not None else None, kind=kind.value,
            happened_on=day, minutes=details.minutes, text=details.text.strip(),
            employer=details.employer, hours_week=details.hours_week,
            wage_support=details.wage_support, end_reason=details.end_reason,
            created_at=now, created_by=coach_id,
        ),
    )  # fmt: skip
    audit.record(session, "diary.add", actor_id=coach_id, subject_id=client_id,
                 detail=f"entry:{entry.id} {kind.value}", at=now)  # fmt: skip
    return entry


def correct_entry(
    session: Session, coach_id: int, entry_id: int, text: str, *, now: datetime
) -> DiaryEntry:
    """A new version of the entry with `text`; the old row keeps its own and points to
    the new one. Only the client's coach now, and only the latest version."""
    old = rows.entry(session, entry_id)
    if old is None:
        raise DiaryError("not_yours")
    _own_client(session, coach_id, old.client_id)
    if old.replaced_by is not None:
        raise DiaryError("corrected")
    text = text.strip()
    if not 0 < len(text) <= TEXT_MAX:
        raise DiaryError("invalid")
    new = rows.add(
        session,
        DiaryEntry(
            client_id=old.client_id, coach_id=old.coach_id, period_id=old.period_id,
            kind=old.kind, happened_on=old.happened_on, minutes=old.minutes, text=text,
            employer=old.employer, hours_week=old.hours_week, wage_support=old.wage_support,
            end_reason=old.end_reason, created_at=now, created_by=coach_id,
        ),
    )  # fmt: skip
    old.replaced_by = new.id
    session.add(old)
    audit.record(session, "diary.correct", actor_id=coach_id, subject_id=old.client_id,
                 detail=f"entry:{old.id}->{new.id}", at=now)  # fmt: skip
    return new


# --- the month at a glance -----------------------------------------------------------------
@dataclass(frozen=True)
class HeldMeeting:
    day: date
    hours: float
    content: str | None


@dataclass(frozen=True)
class Line:
    """The latest version of one entry."""

    id: int
    day: date
    kind: str
    minutes: int | None
    text: str
    employer: str | None
    hours_week: float | None
    wage_support: bool | None
    end_reason: str | None
    corrected: bool


@dataclass(frozen=True)
class Month:
    client: str
    first: date
    meetings: list[HeldMeeting]
    entries: list[Line]
    may_correct: bool


def _viewable(session: Session, viewer: Person, client_id: int) -> Person | None:
    """The coach's own active client, or the caseworker's own active client; else None."""
    if viewer.role == Role.COACH.value:
        return people.coach_client(session, viewer.id, client_id)
    if viewer.role != Role.CASEWORKER.value:
        return None
    client = session.get(Person, client_id)
    if (
        client is None
        or client.role != Role.CLIENT.value
        or client.caseworker_id != viewer.id
        or not client.active
    ):
        return None
    return client


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


def month_view(
    session: Session, viewer: Person, client_id: int, first: date, *, tz: ZoneInfo
) -> Month | None:
    """The client's month: the meetings attended (hours and content from the attendance
    diary) and the latest version of each entry, marked when corrected. None when the
    viewer may not see this client. The look is audited (who looked at whose diary)."""
    client = _viewable(session, viewer, client_id)
    if client is None:
        return None
    first = month_of(first)
    after = next_month(first)
    since = datetime.combine(first, time(), tzinfo=tz)
    until = datetime.combine(after, time(), tzinfo=tz)
    held = [
        HeldMeeting(
            day=meeting.starts_at.astimezone(tz).date(),
            hours=attended.hours_used
            if attended.hours_used is not None
            else (meeting.ends_at - meeting.starts_at).total_seconds() / 3600,
            content=attended.content,
        )
        for meeting, attended in rows.meetings_held(
            session, client_id, since, until, Outcome.ATTENDED.value
        )
    ]
    found = rows.latest_between(session, client_id, first, after - timedelta(days=1))
    lines = [
        Line(
            id=row.id,
            day=row.happened_on,
            kind=row.kind,
            minutes=row.minutes,
            text=row.text,
            employer=row.employer,
            hours_week=row.hours_week,
            wage_support=row.wage_support,
            end_reason=row.end_reason,
            corrected=corrected,
        )
        for row, corrected in found
        if row.id is not None
    ]
    audit.record(session, "diary.view", actor_id=viewer.id, subject_id=client_id,
                 detail=f"{first:%Y-%m}")  # fmt: skip
    return Month(
        client=client.display_name, first=first, meetings=held, entries=lines,
        may_correct=viewer.role == Role.COACH.value,
    )  # fmt: skip
