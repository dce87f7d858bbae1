"""Service periods and the coach's requests about them: queries and plain writes.

The rules (how long, how far, who may) are bot.rules.periods, applied by bot.periods.actions;
this module only finds and keeps rows, so it imports nothing from bot/.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from storage.models import (
    Meeting,
    MeetingStatus,
    PeriodRequest,
    PeriodStatus,
    Person,
    Program,
    Role,
    ServicePeriod,
)

PENDING = "pending"
APPROVED = "approved"
DECLINED = "declined"


def period(session: Session, period_id: int, *, lock: bool = False) -> ServicePeriod | None:
    """`lock`: read afresh and keep the row locked until the transaction ends
    (PostgreSQL), so a change checks the state no other process is changing."""
    if not lock:
        return session.get(ServicePeriod, period_id)
    return session.get(ServicePeriod, period_id, with_for_update=True, populate_existing=True)


def current_period(session: Session, client_id: int, *, lock: bool = False) -> ServicePeriod | None:
    """The client's period now: of those not ended, the one that started first. A second
    period agreed during the first [001] waits behind it until the first ends, so nothing
    (bookings, caps, the no-show procedure) is taken for the later one too early.

    `lock`: the row stays locked until the transaction ends (PostgreSQL), so two changes
    to one client's period (two bookings against the cap, an extension and the time
    limit) are made one after the other."""
    query = (
        select(ServicePeriod)
        .where(
            ServicePeriod.client_id == client_id,
            ServicePeriod.status != PeriodStatus.ENDED.value,
        )
        .order_by(col(ServicePeriod.start_date), col(ServicePeriod.id))
    )
    if lock:
        query = query.with_for_update()
    return session.exec(query).first()


def history(session: Session, client_id: int) -> list[ServicePeriod]:
    """Every period of the client, oldest first: the rules across periods read them
    (job-retention after a job-search that led to a job, [001]'s consecutive periods)."""
    return list(
        session.exec(
            select(ServicePeriod)
            .where(ServicePeriod.client_id == client_id)
            .order_by(col(ServicePeriod.start_date), col(ServicePeriod.id))
        )
    )


def period_of_coach(session: Session, coach_id: int | None, period_id: int) -> ServicePeriod | None:
    """The period, if it belongs to an active client of this coach; None for anyone else."""
    found = session.get(ServicePeriod, period_id)
    if found is None:
        return None
    client = session.get(Person, found.client_id)
    if (
        client is None
        or client.role != Role.CLIENT.value
        or client.coach_id != coach_id
        or not client.active
    ):
        return None
    return found


def not_ended(session: Session) -> list[ServicePeriod]:
    """The periods the daily job looks at: running, suspended, or agreed to start."""
    return list(
        session.exec(
            select(ServicePeriod)
            .where(ServicePeriod.status != PeriodStatus.ENDED.value)
            .order_by(col(ServicePeriod.id))
        )
    )


def listing(
    session: Session, *, client_id: int | None = None, ended: bool = False
) -> list[tuple[ServicePeriod, Person]]:
    """Periods with their clients, for the command line (ended ones only when asked)."""
    query = select(ServicePeriod, Person).join(Person, col(Person.id) == ServicePeriod.client_id)
    if client_id is not None:
        query = query.where(ServicePeriod.client_id == client_id)
    if not ended:
        query = query.where(ServicePeriod.status != PeriodStatus.ENDED.value)
    query = query.order_by(col(ServicePeriod.client_id), col(ServicePeriod.start_date))
    return [(p, c) for p, c in session.exec(query).all()]


def scheduled_meetings(
    session: Session, client_id: int, after: datetime, before: datetime | None = None
) -> list[Meeting]:
    """The client's scheduled meetings starting after `after` (and before `before`)."""
    query = select(Meeting).where(
        Meeting.client_id == client_id,
        Meeting.status == MeetingStatus.SCHEDULED.value,
        col(Meeting.starts_at) > after,
    )
    if before is not None:
        query = query.where(col(Meeting.starts_at) < before)
    return list(session.exec(query.order_by(col(Meeting.starts_at), col(Meeting.id))))


# --- the coach's requests to the caseworker ---------------------------------------------


def add_request(
    session: Session,
    *,
    period_id: int,
    kind: str,
    until: date | None,
    hours: float | None,
    note: str | None,
    requested_by: int,
    at: datetime,
) -> PeriodRequest:
    made = PeriodRequest(
        period_id=period_id,
        kind=kind,
        until=until,
        hours=hours,
        note=note[:300] if note else None,
        requested_by=requested_by,
        requested_at=at,
        status=PENDING,
    )
    session.add(made)
    session.flush()
    return made


def request(session: Session, request_id: int) -> PeriodRequest | None:
    return session.get(PeriodRequest, request_id)


def pending_request(session: Session, period_id: int, kind: str) -> PeriodRequest | None:
    return session.exec(
        select(PeriodRequest).where(
            PeriodRequest.period_id == period_id,
            PeriodRequest.kind == kind,
            PeriodRequest.status == PENDING,
        )
    ).first()


def pending_requests(session: Session, period_id: int) -> list[PeriodRequest]:
    return list(
        session.exec(
            select(PeriodRequest)
            .where(PeriodRequest.period_id == period_id, PeriodRequest.status == PENDING)
            .order_by(col(PeriodRequest.id))
        )
    )


def programs(session: Session) -> list[Program]:
    """Every program preset, by key: the choices of a new period."""
    return list(session.exec(select(Program).order_by(col(Program.key))))


def period_on(session: Session, client_id: int, day: date) -> ServicePeriod | None:
    """The client's period running on `day`: started by then and not ended before it (an
    ended period runs through its `ended_on`). Of two that both do, the one that started
    first, as `current_period` chooses. Work logged after the fact belongs to the period
    it was done in, so it lands in that period's reports [002 §3.4.2, §3.4.3]."""
    return session.exec(
        select(ServicePeriod)
        .where(
            ServicePeriod.client_id == client_id,
            col(ServicePeriod.start_date) <= day,
            (ServicePeriod.status != PeriodStatus.ENDED.value)
            | col(ServicePeriod.ended_on).is_(None)
            | (col(ServicePeriod.ended_on) >= day),
        )
        .order_by(col(ServicePeriod.start_date), col(ServicePeriod.id))
    ).first()
