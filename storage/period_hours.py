"""The hours of a service period, in two aggregate queries: what was held (the recorded
outcomes) and what is still booked. Which outcome counts how is the feature's business
(bot.periods.hours passes the values in), so this module knows no rules.

[002 §3.2]: the cap counts every meeting of the client in the period, group hours too
(a group meeting is one Meeting row per client, of kind "group").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, exists, func
from sqlmodel import Session, col, select

from storage.models import (
    AbsenceNotice,
    Attendance,
    InterimEvaluation,
    Meeting,
    MeetingStatus,
    PeriodStatus,
    Person,
    Program,
    ServicePeriod,
)


def _window(query, since: datetime, until: datetime | None):  # type: ignore[no-untyped-def]
    query = query.where(col(Meeting.starts_at) >= since)
    if until is not None:
        query = query.where(col(Meeting.starts_at) < until)
    return query


def used_hours(
    session: Session,
    client_id: int,
    since: datetime,
    until: datetime | None,
    *,
    attended: str,
) -> tuple[float, float]:
    """The hours of the client's meetings in [since, until) that have an outcome, and
    of those the hours held: the hours used for `attended`, the billable hours for every
    other outcome (a late notice or a no-show bills the planned hours, an on-time notice
    and a provider's cancellation nothing). One query."""
    held = func.coalesce(Attendance.hours_used, Attendance.billable_hours)
    hours = case((col(Attendance.outcome) == attended, held), else_=Attendance.billable_hours)
    only_held = case((col(Attendance.outcome) == attended, held), else_=0.0)
    query = (
        select(func.coalesce(func.sum(hours), 0.0), func.coalesce(func.sum(only_held), 0.0))
        .select_from(Attendance)
        .join(Meeting, col(Meeting.id) == col(Attendance.meeting_id))
        .where(Meeting.client_id == client_id)
    )
    used, coached = session.exec(_window(query, since, until)).one()
    return float(used or 0.0), float(coached or 0.0)


def booked_spans(
    session: Session,
    client_id: int,
    since: datetime,
    until: datetime | None,
    *,
    on_time: str,
) -> list[tuple[datetime, datetime]]:
    """(start, end) of the client's scheduled meetings in [since, until) with no outcome
    yet and no on-time absence notice in force: the hours still planned."""
    recorded = exists().where(Attendance.meeting_id == Meeting.id)
    excused = exists().where(
        AbsenceNotice.meeting_id == Meeting.id,
        AbsenceNotice.timing == on_time,
        col(AbsenceNotice.withdrawn_at).is_(None),
    )
    query = select(Meeting.starts_at, Meeting.ends_at).where(
        Meeting.client_id == client_id,
        Meeting.status == MeetingStatus.SCHEDULED.value,
        ~recorded,
        ~excused,
    )
    return [(start, end) for start, end in session.exec(_window(query, since, until))]


def periods_of_clients(session: Session, client_ids: list[int]) -> dict[int, ServicePeriod]:
    """Each client's current period (the newest not ended), in one query."""
    if not client_ids:
        return {}
    rows = session.exec(
        select(ServicePeriod)
        .where(
            col(ServicePeriod.client_id).in_(client_ids),
            ServicePeriod.status != PeriodStatus.ENDED.value,
        )
        .order_by(col(ServicePeriod.start_date), col(ServicePeriod.id))
    )
    return {period.client_id: period for period in rows}  # the newest wins


def awaiting_interim(session: Session) -> list[tuple[ServicePeriod, Person]]:
    """Periods neither ended nor suspended whose program has an interim evaluation and that
    have none yet, with their client (who has a coach)."""
    written = exists().where(InterimEvaluation.period_id == ServicePeriod.id)
    return list(
        session.exec(
            select(ServicePeriod, Person)
            .join(Program, col(Program.key) == col(ServicePeriod.program_key))
            .join(Person, col(Person.id) == col(ServicePeriod.client_id))
            .where(
                col(Program.interim_evaluation_hours).is_not(None),
                col(ServicePeriod.status).not_in(
                    [PeriodStatus.ENDED.value, PeriodStatus.SUSPENDED.value]
                ),
                col(Person.coach_id).is_not(None),
                col(Person.active),
                ~written,
            )
            .order_by(col(ServicePeriod.id))
        )
    )


def interim_of(session: Session, period_id: int) -> InterimEvaluation | None:
    return session.exec(
        select(InterimEvaluation).where(InterimEvaluation.period_id == period_id)
    ).first()
