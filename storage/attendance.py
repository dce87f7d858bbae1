"""Attendance rows and the meetings that wait for one: the queries of bot.attendance.

Plain values in, rows out: which outcome and which reason state a query looks for is the
feature's business (bot.attendance passes them), so this module knows no rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, exists, literal, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Attendance, Meeting, MeetingStatus, OutboxMessage, Person, Role


def meeting(session: Session, meeting_id: int) -> Meeting | None:
    return session.get(Meeting, meeting_id)


def outcome_of(session: Session, meeting_id: int) -> Attendance | None:
    """The recorded outcome of a meeting (at most one: the meeting id is the key)."""
    return session.get(Attendance, meeting_id)


def add(session: Session, row: Attendance) -> bool:
    """Add the one outcome of a meeting; False if somebody recorded it meanwhile."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def _coaches() -> Any:
    return select(Person.id).where(Person.role == Role.COACH.value)


def unrecorded(
    session: Session,
    *,
    since: datetime,
    now: datetime,
    prompt_key: tuple[str, str],
    limit: int,
) -> list[Meeting]:
    """Coaches' scheduled meetings that started since `since` and ended by `now`, with no
    outcome and no outbox row keyed `prompt_key[0] + meeting id + prompt_key[1]`, oldest
    first. The (coach_id, starts_at) index keeps it from reading every meeting ever held."""
    recorded = exists().where(Attendance.meeting_id == Meeting.id)
    prefix, suffix = prompt_key
    key = literal(prefix) + cast(Meeting.id, String) + literal(suffix)
    prompted = exists().where(OutboxMessage.idempotency_key == key)
    return list(
        session.exec(
            select(Meeting)
            .where(
                col(Meeting.coach_id).in_(_coaches()),
                col(Meeting.starts_at) >= since,
                col(Meeting.starts_at) < now,
                col(Meeting.ends_at) <= now,
                Meeting.status == MeetingStatus.SCHEDULED.value,
                ~recorded,
                ~prompted,
            )
            .order_by(col(Meeting.ends_at), col(Meeting.id))
            .limit(limit)
        )
    )


def waiting_for_reason(
    session: Session,
    *,
    outcome: str,
    reason_state: str,
    since: datetime,
    now: datetime,
    recorded_by: datetime,
    limit: int,
) -> list[Meeting]:
    """Coaches' meetings since `since` whose outcome is `outcome`, in `reason_state`, and
    recorded at or before `recorded_by`; the oldest record first."""
    return list(
        session.exec(
            select(Meeting)
            .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
            .where(
                col(Meeting.coach_id).in_(_coaches()),
                col(Meeting.starts_at) >= since,
                col(Meeting.starts_at) < now,
                Attendance.outcome == outcome,
                Attendance.reason_state == reason_state,
                col(Attendance.recorded_at) <= recorded_by,
            )
            .order_by(col(Attendance.recorded_at))
            .limit(limit)
        )
    )


def change_reason_state(
    session: Session, meeting_id: int, *, outcome: str, old: str, new: str
) -> bool:
    """`old` → `new` in one conditional UPDATE: of two callers racing, exactly one wins."""
    changed = session.execute(
        update(Attendance)
        .where(
            col(Attendance.meeting_id) == meeting_id,
            Attendance.outcome == outcome,
            Attendance.reason_state == old,
        )
        .values(reason_state=new)
    )
    return bool(changed.rowcount == 1)


def starts_with_outcome(
    session: Session, client_id: int, outcome: str, since: datetime | None
) -> list[datetime]:
    """Start times of the client's meetings with this outcome since `since`, oldest first."""
    query = (
        select(Meeting.starts_at)
        .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
        .where(Meeting.client_id == client_id, Attendance.outcome == outcome)
    )
    if since is not None:
        query = query.where(col(Meeting.starts_at) >= since)
    return list(session.exec(query.order_by(col(Meeting.starts_at))))


def newest_with_reason_state(
    session: Session, client_id: int, *, outcome: str, states: Sequence[str], since: datetime
) -> int | None:
    """The id of the client's newest meeting since `since` with this outcome in `states`."""
    return session.exec(
        select(Meeting.id)
        .join(Attendance, col(Attendance.meeting_id) == col(Meeting.id))
        .where(
            Meeting.client_id == client_id,
            col(Meeting.starts_at) >= since,
            Attendance.outcome == outcome,
            col(Attendance.reason_state).in_(list(states)),
        )
        .order_by(col(Meeting.starts_at).desc())
    ).first()
