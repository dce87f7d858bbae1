"""The rows a month's reports and billing are made of, in few queries: the periods that
touch the month (or may still earn a bonus in it), the program rows, and every meeting of
those clients in the month with its recorded outcome and the absence notice in force.
Which row counts how is the feature's business (bot.reports reads these through
bot.rules.reports), so this module knows no rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from storage.models import (
    AbsenceNotice,
    Attendance,
    Meeting,
    MeetingStatus,
    Person,
    Program,
    ServicePeriod,
)


@dataclass(frozen=True)
class StoredMeeting:
    """One meeting of a client as stored: the outcome (None: not recorded) and the
    absence notice still in force (its timing and reason), if any."""

    meeting_id: int
    client_id: int
    starts_at: datetime
    ends_at: datetime
    kind: str
    outcome: str | None
    hours_used: float | None
    billable_hours: float
    notice_timing: str | None
    absence_reason: str | None


def programs(session: Session) -> dict[str, Program]:
    return {p.key: p for p in session.exec(select(Program))}


def billing_periods(
    session: Session, first: date, last: date, program_key: str | None = None
) -> list[tuple[ServicePeriod, Person]]:
    """Periods (with their client) that began by `last` and had not ended before `first`
    (the day it ended, else its planned end), and those that recorded a job (a bonus may
    fall in a month after the end). One query, ordered by program, client and start."""
    ends = func.coalesce(ServicePeriod.ended_on, ServicePeriod.planned_end)
    query = (
        select(ServicePeriod, Person)
        .join(Person, col(Person.id) == col(ServicePeriod.client_id))
        .where(
            col(ServicePeriod.start_date) <= last,
            or_(ends.is_(None), ends >= first, col(ServicePeriod.job_start).is_not(None)),
        )
        .order_by(
            col(ServicePeriod.program_key),
            col(ServicePeriod.client_id),
            col(ServicePeriod.start_date),
            col(ServicePeriod.id),
        )
    )
    if program_key is not None:
        query = query.where(ServicePeriod.program_key == program_key)
    return list(session.exec(query))


def month_meetings(
    session: Session, client_ids: list[int] | None, since: datetime, until: datetime
) -> dict[int, list[StoredMeeting]]:
    """Each client's meetings starting in [since, until): those still scheduled and those
    with a recorded outcome (a cancelled meeting with no outcome was never held). Two
    queries: the meetings with their outcome, then the notices in force on them.
    `client_ids` None: every client."""
    if client_ids is not None and not client_ids:
        return {}
    query = (
        select(Meeting, Attendance)
        .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id), isouter=True)
        .where(
            col(Meeting.starts_at) >= since,
            col(Meeting.starts_at) < until,
            or_(
                Meeting.status == MeetingStatus.SCHEDULED.value,
                col(Attendance.meeting_id).is_not(None),
            ),
        )
        .order_by(col(Meeting.client_id), col(Meeting.starts_at), col(Meeting.id))
    )
    if client_ids is not None:
        query = query.where(col(Meeting.client_id).in_(client_ids))
    found = list(session.exec(query))
    ids = [meeting.id for meeting, _ in found]
    notices: dict[int, AbsenceNotice] = {}
    if ids:
        for notice in session.exec(
            select(AbsenceNotice)
            .where(
                col(AbsenceNotice.meeting_id).in_(ids), col(AbsenceNotice.withdrawn_at).is_(None)
            )
            .order_by(col(AbsenceNotice.notified_at), col(AbsenceNotice.id))
        ):
            notices[notice.meeting_id] = notice  # the latest wins
    result: dict[int, list[StoredMeeting]] = {}
    for meeting, attendance in found:
        assert meeting.id is not None
        notice = notices.get(meeting.id)
        result.setdefault(meeting.client_id, []).append(
            StoredMeeting(
                meeting_id=meeting.id,
                client_id=meeting.client_id,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                kind=meeting.kind,
                outcome=attendance.outcome if attendance else None,
                hours_used=attendance.hours_used if attendance else None,
                billable_hours=attendance.billable_hours if attendance else 0.0,
                notice_timing=notice.timing if notice else None,
                absence_reason=notice.reason if notice else None,
            )
        )
    return result
