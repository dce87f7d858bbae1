"""The outbox: durable messages and the claim protocol that sends each one once.

States: pending → claimed (a dispatcher took it) → sending (on the wire) → sent.
Cancelling or moving works on pending and claimed rows; a dispatcher re-checks its claim
just before sending, so a row cancelled while claimed is never sent. Only a crash while a
row is `sending` can send it twice: its lease expires and another claim sends it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import OutboxMessage, OutboxStatus, Priority

NOT_JOINED = "waiting for the person to join"

OPEN = (OutboxStatus.PENDING.value, OutboxStatus.CLAIMED.value)
IN_FLIGHT = (OutboxStatus.CLAIMED.value, OutboxStatus.SENDING.value)


@dataclass(frozen=True)
class ChangeResult:
    """How many rows changed, and how many were already on the wire (too late to change)."""

    changed: int
    in_flight: int


def schedule(
    session: Session,
    *,
    recipient_id: int,
    kind: str,
    message: str,
    key: str,
    due_at: datetime,
    params: dict[str, Any] | None = None,
    buttons: list[Any] | None = None,
    priority: Priority = Priority.NOTICE,
    quiet: bool = False,
    object_ref: str | None = None,
) -> OutboxMessage:
    """Add a message; a second call with the same key returns the first row unchanged."""
    existing = session.exec(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    ).first()
    if existing is not None:
        return existing
    row = OutboxMessage(
        recipient_id=recipient_id,
        kind=kind,
        message=message,
        params=params or {},
        buttons=buttons,
        due_at=due_at,
        priority=int(priority),
        quiet=quiet,
        idempotency_key=key,
        object_ref=object_ref,
    )
    try:
        with session.begin_nested():  # a concurrent insert of the same key loses quietly
            session.add(row)
    except IntegrityError:
        return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()
    return row


def queued(session: Session, key: str) -> bool:
    """Whether a message with this key exists (in any state): a job that builds a costly
    message (an agenda, a digest) asks first, instead of building it to have it ignored."""
    found = select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
    return session.exec(found).first() is not None


def _selector(key: str | None, object_ref: str | None):  # type: ignore[no-untyped-def]
    if (key is None) == (object_ref is None):
        raise ValueError("give exactly one of key or object_ref")
    if key is not None:
        return OutboxMessage.idempotency_key == key
    return OutboxMessage.object_ref == object_ref


def _in_flight(session: Session, selector) -> int:  # type: ignore[no-untyped-def]
    return session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(selector, OutboxMessage.status == OutboxStatus.SENDING.value)
    ).one()


def cancel(
    session: Session, *, key: str | None = None, object_ref: str | None = None
) -> ChangeResult:
    selector = _selector(key, object_ref)
    result = session.execute(
        update(OutboxMessage)
        .where(selector, col(OutboxMessage.status).in_(OPEN))
        .values(status=OutboxStatus.CANCELLED.value, claimed_by=None, lease_until=None)
    )
    return ChangeResult(result.rowcount, _in_flight(session, selector))


def move(
    session: Session,
    due_at: datetime,
    *,
    key: str | None = None,
    object_ref: str | None = None,
) -> ChangeResult:
    """Give open rows a new due time; a claimed row goes back to pending."""
    selector = _selector(key, object_ref)
    result = session.execute(
        update(OutboxMessage)
        .where(selector, col(OutboxMessage.status).in_(OPEN))
        .values(due_at=due_at, status=OutboxStatus.PENDING.value, claimed_by=None, lease_until=None)
    )
    return ChangeResult(result.rowcount, _in_flight(session, selector))


def open_rows(session: Session, *, object_ref: str, kind: str | None = None) -> list[OutboxMessage]:
    """Pending or claimed rows of an object, e.g. a meeting's reminders."""
    query = select(OutboxMessage).where(
        OutboxMessage.object_ref == object_ref, col(OutboxMessage.status).in_(OPEN)
    )
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(session.exec(query))


def sent_any(session: Session, *, object_ref: str, kind: str) -> bool:
    return (
        session.exec(
            select(OutboxMessage.id).where(
                OutboxMessage.object_ref == object_ref,
                OutboxMessage.kind == kind,
                col(OutboxMessage.status).in_(
                    [OutboxStatus.SENT.value, OutboxStatus.SENDING.value]
                ),
            )
        ).first()
        is not None
    )


def reclaim_expired(session: Session, now: datetime) -> int:
    """Rows whose dispatcher died: back to pending so another claim picks them up."""
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.status).in_(IN_FLIGHT), col(OutboxMessage.lease_until) < now)
        .values(status=OutboxStatus.PENDING.value, claimed_by=None, lease_until=None)
    )
    return result.rowcount


def claim_ids(
    session: Session, *, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[int]:
    """Take up to `limit` due rows, alerts first then oldest first, for this worker alone.

    Returns the ids that were pending; the caller reads back those still claimed by
    `worker` (the others went to another claim). On PostgreSQL, FOR UPDATE SKIP LOCKED
    lets several dispatchers claim side by side without waiting for or taking each
    other's rows; SQLite serialises writers anyway.
    """
    ids = list(
        session.exec(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING.value,
                col(OutboxMessage.due_at) <= now,
            )
            .order_by(col(OutboxMessage.priority), col(OutboxMessage.due_at), col(OutboxMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    # Still pending at write time: SQLite's plain SELECT takes no lock, so another claim
    # may have read the same ids; the conditional UPDATE decides who really has them.
    session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), OutboxMessage.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.CLAIMED.value, claimed_by=worker, lease_until=now + lease)
    )
    return [row_id for row_id in ids if row_id is not None]


def claim(
    session: Session, *, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[OutboxMessage]:
    """`claim_ids`, read back as rows in claim order."""
    ids = claim_ids(session, worker=worker, now=now, limit=limit, lease=lease)
    if not ids:
        return []
    rows = session.exec(
        select(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(ids),
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == OutboxStatus.CLAIMED.value,
        )
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.due_at), col(OutboxMessage.id))
    ).all()
    return list(rows)


def _mine(message_id: int, worker: str, status: str):  # type: ignore[no-untyped-def]
    return (
        col(OutboxMessage.id) == message_id,
        OutboxMessage.claimed_by == worker,
        OutboxMessage.status == status,
    )


def start_sending(session: Session, message_id: int, worker: str) -> bool:
    """The last check before the wire: False if the row was cancelled or moved meanwhile."""
    result = session.execute(
        update(OutboxMessage)
        .where(*_mine(message_id, worker, OutboxStatus.CLAIMED.value))
        .values(status=OutboxStatus.SENDING.value)
    )
    return result.rowcount == 1


# The dispatcher's per-message writes, built once: Core statements with bound parameters
# skip the ORM and the per-call statement building, which cost more than the SQL itself.
_TABLE = OutboxMessage.__table__
_START_SENDING = (
    _TABLE.update()
    .where(
        _TABLE.c.id.in_(bindparam("ids", expanding=True)),
        _TABLE.c.claimed_by == bindparam("worker"),
        _TABLE.c.status == OutboxStatus.CLAIMED.value,
    )
    .values(status=OutboxStatus.SENDING.value)
    .returning(_TABLE.c.id)
)
_MARK_SENT = (
    _TABLE.update()
    .where(
        _TABLE.c.id == bindparam("row_id"),
        _TABLE.c.claimed_by == bindparam("worker"),
        _TABLE.c.status == OutboxStatus.SENDING.value,
    )
    .values(
        status=OutboxStatus.SENT.value,
        telegram_message_id=bindparam("telegram_id", type_=_TABLE.c.telegram_message_id.type),
        sent_at=bindparam("now", type_=_TABLE.c.sent_at.type),
        attempts=_TABLE.c.attempts + 1,
        claimed_by=None,
        lease_until=None,
    )
)


def start_sending_many(session: Session, message_ids: list[int], worker: str) -> list[bool]:
    """`start_sending` for many rows in one statement; True where the row is still ours."""
    if not message_ids:
        return []
    result = session.connection().execute(_START_SENDING, {"ids": message_ids, "worker": worker})
    taken = set(result.scalars())
    return [message_id in taken for message_id in message_ids]


def mark_sent_many(
    session: Session, sent: list[tuple[int, int]], worker: str, *, now: datetime
) -> None:
    """`mark_sent` for many rows, one prepared statement: (outbox id, Telegram id) pairs."""
    if sent:
        session.connection().execute(
            _MARK_SENT,
            [
                {"row_id": row_id, "telegram_id": telegram_id, "worker": worker, "now": now}
                for row_id, telegram_id in sent
            ],
        )


def mark_sent(
    session: Session, message_id: int, worker: str, *, telegram_message_id: int, now: datetime
) -> None:
    session.execute(
        update(OutboxMessage)
        .where(*_mine(message_id, worker, OutboxStatus.SENDING.value))
        .values(
            status=OutboxStatus.SENT.value,
            telegram_message_id=telegram_message_id,
            sent_at=now,
            attempts=OutboxMessage.attempts + 1,
            claimed_by=None,
            lease_until=None,
        )
    )


def mark_retry(
    session: Session,
    message_id: int,
    worker: str,
    *,
    due_at: datetime,
    error: str | None,
    count_attempt: bool = True,
) -> None:
    """Back to pending for a later try (429, 5xx, network, quiet hours)."""
    values: dict[str, Any] = {
        "status": OutboxStatus.PENDING.value,
        "due_at": due_at,
        "claimed_by": None,
        "lease_until": None,
    }
    if error is not None:
        values["last_error"] = error[:200]
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
    session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            OutboxMessage.claimed_by == worker,
            col(OutboxMessage.status).in_(IN_FLIGHT),
        )
        .values(**values)
    )


def mark_failed(session: Session, message_id: int, worker: str, *, error: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            OutboxMessage.claimed_by == worker,
            col(OutboxMessage.status).in_(IN_FLIGHT),
        )
        .values(
            status=OutboxStatus.FAILED.value,
            last_error=error[:200],
            attempts=OutboxMessage.attempts + 1,
            claimed_by=None,
            lease_until=None,
        )
    )


def release(session: Session, worker: str, ids: Sequence[int]) -> None:
    """Give back claimed rows not yet on the wire (a clean shutdown)."""
    if not ids:
        return
    session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id).in_(list(ids)),
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == OutboxStatus.CLAIMED.value,
        )
        .values(status=OutboxStatus.PENDING.value, claimed_by=None, lease_until=None)
    )


def next_due(session: Session) -> datetime | None:
    return session.exec(
        select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.status == OutboxStatus.PENDING.value
        )
    ).one()


def list_messages(
    session: Session, *, status: OutboxStatus | None = None, limit: int = 100
) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status.value)
    return list(session.exec(query))


def retry(session: Session, message_id: int, now: datetime) -> bool:
    """An operator's retry of a failed (or cancelled) row: pending again, due now."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            or_(
                OutboxMessage.status == OutboxStatus.FAILED.value,
                OutboxMessage.status == OutboxStatus.CANCELLED.value,
            ),
        )
        .values(status=OutboxStatus.PENDING.value, due_at=now, attempts=0, last_error=None)
    )
    return result.rowcount == 1


def bring_forward_for(session: Session, person_id: int, now: datetime) -> int:
    """The person just joined: what waited for them is due now."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.recipient_id == person_id,
            OutboxMessage.status == OutboxStatus.PENDING.value,
            OutboxMessage.last_error == NOT_JOINED,
        )
        .values(due_at=now, last_error=None)
    )
    return result.rowcount
