"""The outbox: durable messages and the claim protocol that sends each one once.

States: pending → claimed (a dispatcher took it) → sending (on the wire) → sent; the
other ends are failed and cancelled. Cancelling or moving works on pending and claimed
rows; a dispatcher re-checks its claim just before sending, so a row cancelled while
claimed is never sent.

Expiry: a row may carry `expires_at` (a meeting's card and reminders: the meeting's
start). The claim never takes a row whose `expires_at` has passed, and the last check
before the wire (`start_sending_many`) drops one that has expired since its claim: either
way the row ends `cancelled` with `last_error = "expired"` (there is no separate status:
what reads `cancelled` needs no change, and `retry` refuses it). A row without
`expires_at` never expires (alerts).

Leases: a claim holds its rows until `lease_until`; a dispatcher that still holds them
(waiting behind a 429 pause, or for a chat's turn) renews the lease before it runs out
(`renew_leases`), so only a dead dispatcher's rows go back to pending (`reclaim_expired`).
Only a crash while a row is `sending` can send it twice: its lease expires and another
claim sends it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import OutboxMessage, OutboxStatus, Priority

NOT_JOINED = "waiting for the person to join"
EXPIRED = "expired"  # last_error of a row cancelled because its expires_at had passed

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
    expires_at: datetime | None = None,
    reopen: bool = False,
) -> OutboxMessage:
    """Add a message; a second call with the same key returns the first row unchanged.

    `expires_at`: the row is cancelled instead of sent once that instant has passed.
    `reopen`: a cancelled row with this key is made pending again with the values given
    (a withdrawn absence notice brings back the meeting's reminders); a sent or failed one
    is still returned unchanged."""
    existing = session.exec(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    ).first()
    if existing is not None:
        if reopen and existing.status == OutboxStatus.CANCELLED.value:
            existing.status = OutboxStatus.PENDING.value
            existing.message, existing.params, existing.buttons = message, params or {}, buttons
            existing.due_at, existing.expires_at = due_at, expires_at
            existing.priority, existing.quiet = int(priority), quiet
            existing.object_ref, existing.last_error = object_ref, None
            existing.claimed_by, existing.lease_until = None, None
            session.add(existing)
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
        expires_at=expires_at,
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


def _selector(key: str | None, object_ref: str | None, kind: str | None = None):  # type: ignore[no-untyped-def]
    if (key is None) == (object_ref is None):
        raise ValueError("give exactly one of key or object_ref")
    if key is not None:
        selected = OutboxMessage.idempotency_key == key
    else:
        selected = OutboxMessage.object_ref == object_ref
    return selected if kind is None else and_(selected, OutboxMessage.kind == kind)


def _in_flight(session: Session, selector) -> int:  # type: ignore[no-untyped-def]
    return session.exec(
        select(func.count())
        .select_from(OutboxMessage)
        .where(selector, OutboxMessage.status == OutboxStatus.SENDING.value)
    ).one()


def cancel(
    session: Session,
    *,
    key: str | None = None,
    object_ref: str | None = None,
    kind: str | None = None,
) -> ChangeResult:
    """Withdraw open rows by key, or an object's rows (only those of `kind` if given)."""
    selector = _selector(key, object_ref, kind)
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


def _expired(now: datetime):  # type: ignore[no-untyped-def]
    return and_(col(OutboxMessage.expires_at).is_not(None), col(OutboxMessage.expires_at) <= now)


def reclaim_expired(session: Session, now: datetime) -> int:
    """Rows whose dispatcher died (their lease ran out): back to pending so another claim
    picks them up. A live dispatcher renews the leases of the rows it holds."""
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.status).in_(IN_FLIGHT), col(OutboxMessage.lease_until) < now)
        .values(status=OutboxStatus.PENDING.value, claimed_by=None, lease_until=None)
    )
    return result.rowcount


def claim_query(now: datetime, limit: int):  # type: ignore[no-untyped-def]
    """The next due pending rows in claim order, each with whether it has expired."""
    return (
        select(OutboxMessage.id, _expired(now).label("expired"))
        .where(
            OutboxMessage.status == OutboxStatus.PENDING.value,
            col(OutboxMessage.due_at) <= now,
        )
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.due_at), col(OutboxMessage.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def claim_ids(
    session: Session, *, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[int]:
    """Take up to `limit` due rows, alerts first then oldest first, for this worker alone.

    Returns the ids that were pending; the caller reads back those still claimed by
    `worker` (the others went to another claim). On PostgreSQL, FOR UPDATE SKIP LOCKED
    lets several dispatchers claim side by side without waiting for or taking each
    other's rows; SQLite serialises writers anyway. The index ix_outbox_claim (status,
    priority, due_at, id) serves this order, so a backlog of due rows is read in order
    instead of sorted (with few rows due, the planner may prefer ix_outbox_status_due and
    sort those). A due row past its `expires_at` is cancelled ("expired") instead of
    taken, and the claim looks further.
    """
    taken: list[int] = []
    while len(taken) < limit:
        wanted = limit - len(taken)
        found = session.exec(claim_query(now, wanted)).all()
        if not found:
            break
        live = [row_id for row_id, expired in found if not expired and row_id is not None]
        dead = [row_id for row_id, expired in found if expired and row_id is not None]
        pending = OutboxMessage.status == OutboxStatus.PENDING.value
        if dead:
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(dead), pending)
                .values(status=OutboxStatus.CANCELLED.value, last_error=EXPIRED)
            )
        if live:
            # Still pending at write time: SQLite's plain SELECT takes no lock, so another
            # claim may have read the same ids; the conditional UPDATE decides who has them.
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_(live), pending)
                .values(
                    status=OutboxStatus.CLAIMED.value, claimed_by=worker, lease_until=now + lease
                )
            )
        taken += live
        if len(found) < wanted or not dead:
            break
    return taken


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


def start_sending(
    session: Session, message_id: int, worker: str, *, now: datetime | None = None
) -> bool:
    """The last check before the wire: False if the row was cancelled or moved meanwhile,
    or (given `now`) has expired since its claim (it is then cancelled as expired)."""
    if now is not None and expire_claimed(session, [message_id], worker, now):
        return False
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
_EXPIRE_CLAIMED = (
    _TABLE.update()
    .where(
        _TABLE.c.id.in_(bindparam("ids", expanding=True)),
        _TABLE.c.claimed_by == bindparam("worker"),
        _TABLE.c.status == OutboxStatus.CLAIMED.value,
        _TABLE.c.expires_at.is_not(None),
        _TABLE.c.expires_at <= bindparam("now", type_=_TABLE.c.expires_at.type),
    )
    .values(
        status=OutboxStatus.CANCELLED.value, last_error=EXPIRED, claimed_by=None, lease_until=None
    )
    .returning(_TABLE.c.id)
)
_RENEW = (
    _TABLE.update()
    .where(
        _TABLE.c.id.in_(bindparam("ids", expanding=True)),
        _TABLE.c.claimed_by == bindparam("worker"),
        _TABLE.c.status.in_(IN_FLIGHT),
    )
    .values(lease_until=bindparam("until", type_=_TABLE.c.lease_until.type))
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


def expire_claimed(
    session: Session, message_ids: list[int], worker: str, now: datetime
) -> set[int]:
    """Of this worker's claimed rows, those whose `expires_at` has passed: cancelled as
    expired. Returns their ids."""
    if not message_ids:
        return set()
    params = {"ids": message_ids, "worker": worker, "now": now}
    return set(session.connection().execute(_EXPIRE_CLAIMED, params).scalars())


def start_sending_many(
    session: Session, message_ids: list[int], worker: str, *, now: datetime | None = None
) -> list[bool]:
    """`start_sending` for many rows in one statement; True where the row is still ours
    (and, given `now`, not expired: an expired row is cancelled as expired)."""
    if not message_ids:
        return []
    if now is not None:
        expire_claimed(session, message_ids, worker, now)
    result = session.connection().execute(_START_SENDING, {"ids": message_ids, "worker": worker})
    taken = set(result.scalars())
    return [message_id in taken for message_id in message_ids]


def renew_leases(session: Session, message_ids: list[int], worker: str, until: datetime) -> int:
    """The worker still holds these rows (claimed or on the wire): their lease runs until
    `until`. A row another claim has taken meanwhile is not touched. Returns the count."""
    if not message_ids:
        return 0
    params = {"ids": message_ids, "worker": worker, "until": until}
    return session.connection().execute(_RENEW, params).rowcount


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
    """An operator's retry of a failed (or cancelled) row: pending again, due now. Not a
    row past its `expires_at` (a reminder of a meeting that has started)."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.id) == message_id,
            or_(
                OutboxMessage.status == OutboxStatus.FAILED.value,
                OutboxMessage.status == OutboxStatus.CANCELLED.value,
            ),
            or_(col(OutboxMessage.expires_at).is_(None), col(OutboxMessage.expires_at) > now),
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
