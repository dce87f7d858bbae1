"""The inbox: every update is a row before Telegram is told it arrived.

States: pending → working (a worker took it) → done, or back to pending with a later
`due_at` for a retry, or failed (kept, with its payload, for `coachbot inbox list
--failed`). A row is claimable only at the head of its lane: no older row of the same
person is pending or working. So one person's updates are handled one at a time and in
order, by whichever process claims them; on PostgreSQL, FOR UPDATE SKIP LOCKED lets
several processes claim side by side. A worker that died leaves its rows `working` until
their lease ends; then the next claim takes them and they are handled once more (a live
worker renews its leases long before they end).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import ConversationState, InboxStatus, InboxUpdate

OPEN = (InboxStatus.PENDING.value, InboxStatus.WORKING.value)


@dataclass(frozen=True)
class Incoming:
    """One update as the poller or the webhook received it."""

    update_id: int
    lane: int
    payload: dict[str, Any]
    sent_at: datetime | None


def store(
    session: Session, incoming: Sequence[Incoming], received_at: datetime, due_at: datetime
) -> int:
    """Add updates not seen before; a repeat (same update_id) is dropped. Returns how many
    were new. `received_at` is the services' clock (rules read it: when a button press
    reached us); `due_at` the wall clock the workers claim by."""
    if not incoming:
        return 0
    rows = [
        {
            "update_id": item.update_id,
            "lane": item.lane,
            "payload": item.payload,
            "sent_at": item.sent_at,
            "received_at": received_at,
            "due_at": due_at,
            "status": InboxStatus.PENDING.value,
            "attempts": 0,
        }
        for item in incoming
    ]
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(InboxUpdate).values(rows).on_conflict_do_nothing(index_elements=["update_id"])
    )
    return int(session.execute(statement).rowcount or 0)


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    """Due and pending, or taken by a worker whose lease ran out (it died)."""
    return or_(
        and_(InboxUpdate.status == InboxStatus.PENDING.value, col(InboxUpdate.due_at) <= now),
        and_(InboxUpdate.status == InboxStatus.WORKING.value, col(InboxUpdate.lease_until) < now),
    )


def claim(
    session: Session, *, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[InboxUpdate]:
    """Take up to `limit` due rows, each the head of its lane, for this worker alone."""
    older = aliased(InboxUpdate)
    behind = exists().where(
        older.lane == InboxUpdate.lane,
        older.update_id < InboxUpdate.update_id,
        col(older.status).in_(OPEN),
    )
    ids = list(
        session.exec(
            select(InboxUpdate.update_id)
            .where(_claimable(now), ~behind)
            .order_by(col(InboxUpdate.update_id))
            .limit(limit)
            .with_for_update(skip_locked=True, of=InboxUpdate)
        )
    )
    if not ids:
        return []
    session.execute(
        update(InboxUpdate)
        .where(col(InboxUpdate.update_id).in_(ids), _claimable(now))
        .values(
            status=InboxStatus.WORKING.value,
            claimed_by=worker,
            lease_until=now + lease,
            attempts=InboxUpdate.attempts + 1,
        )
    )
    return list(
        session.exec(
            select(InboxUpdate)
            .where(
                col(InboxUpdate.update_id).in_(ids),
                InboxUpdate.claimed_by == worker,
                InboxUpdate.status == InboxStatus.WORKING.value,
            )
            .order_by(col(InboxUpdate.update_id))
        )
    )


def _mine(update_id: int, worker: str):  # type: ignore[no-untyped-def]
    return (
        col(InboxUpdate.update_id) == update_id,
        InboxUpdate.claimed_by == worker,
        InboxUpdate.status == InboxStatus.WORKING.value,
    )


def finish(
    session: Session,
    update_id: int,
    worker: str,
    now: datetime,
    conversation: ConversationState | None = None,
) -> bool:
    """Done: the payload is emptied (the id stays, for the duplicate check; `claimed_by`
    says which worker handled it), and the person's conversation state is saved in the
    same transaction. False if the row was no longer ours (its lease ran out and another
    worker took it)."""
    result = session.execute(
        update(InboxUpdate)
        .where(*_mine(update_id, worker))
        .values(status=InboxStatus.DONE.value, payload={}, done_at=now, lease_until=None)
    )
    if result.rowcount != 1:
        return False
    if conversation is not None:
        save_conversation(session, conversation)
    return True


def retry_later(
    session: Session, update_id: int, worker: str, due_at: datetime, error: str
) -> None:
    """A passing fault (the database, Telegram): pending again, from `due_at`."""
    session.execute(
        update(InboxUpdate)
        .where(*_mine(update_id, worker))
        .values(
            status=InboxStatus.PENDING.value,
            due_at=due_at,
            last_error=error[:200],
            claimed_by=None,
            lease_until=None,
        )
    )


def fail(session: Session, update_id: int, worker: str, now: datetime, error: str) -> None:
    """Given up: kept with its payload for an operator, out of its lane's way."""
    session.execute(
        update(InboxUpdate)
        .where(*_mine(update_id, worker))
        .values(
            status=InboxStatus.FAILED.value,
            last_error=error[:200],
            done_at=now,
            claimed_by=None,
            lease_until=None,
        )
    )


def renew(session: Session, worker: str, update_ids: Sequence[int], lease_until: datetime) -> None:
    """Still working on these: keep them from being taken over."""
    if update_ids:
        session.execute(
            update(InboxUpdate)
            .where(
                col(InboxUpdate.update_id).in_(list(update_ids)),
                InboxUpdate.claimed_by == worker,
                InboxUpdate.status == InboxStatus.WORKING.value,
            )
            .values(lease_until=lease_until)
        )


def reclaim_expired(session: Session, now: datetime) -> int:
    """Rows whose worker died: pending again, to be handled by another claim."""
    result = session.execute(
        update(InboxUpdate)
        .where(
            InboxUpdate.status == InboxStatus.WORKING.value,
            col(InboxUpdate.lease_until) < now,
        )
        .values(status=InboxStatus.PENDING.value, claimed_by=None, lease_until=None)
    )
    return int(result.rowcount or 0)


def next_due(session: Session) -> datetime | None:
    """When the earliest pending row may be claimed (a retry waits for its due time)."""
    return session.exec(
        select(InboxUpdate.due_at)
        .where(InboxUpdate.status == InboxStatus.PENDING.value)
        .order_by(col(InboxUpdate.due_at))
        .limit(1)
    ).first()


def purge_done(session: Session, before: datetime) -> int:
    """Forget handled ids older than `before`: Telegram does not send them again."""
    result = session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.status == InboxStatus.DONE.value, col(InboxUpdate.done_at) < before
        )
    )
    return int(result.rowcount or 0)


def list_updates(
    session: Session, *, status: InboxStatus | None = None, limit: int = 100
) -> list[InboxUpdate]:
    query = select(InboxUpdate).order_by(col(InboxUpdate.update_id).desc()).limit(limit)
    if status is not None:
        query = query.where(InboxUpdate.status == status.value)
    return list(session.exec(query))


def retry_failed(session: Session, update_id: int, now: datetime) -> bool:
    """An operator's retry of a failed update: pending again, due now."""
    result = session.execute(
        update(InboxUpdate)
        .where(
            col(InboxUpdate.update_id) == update_id,
            InboxUpdate.status == InboxStatus.FAILED.value,
        )
        .values(status=InboxStatus.PENDING.value, due_at=now, attempts=0, done_at=None)
    )
    return result.rowcount == 1


# --- conversations ------------------------------------------------------------------------
def conversation_of(session: Session, user_id: int) -> ConversationState | None:
    return session.get(ConversationState, user_id)


def save_conversation(session: Session, state: ConversationState) -> None:
    """Upsert; a person with no open conversation and no drafts has no row."""
    existing = session.get(ConversationState, state.user_id)
    if not state.states and state.data is None:
        if existing is not None:
            session.delete(existing)
        return
    if existing is None:
        session.add(
            ConversationState(
                user_id=state.user_id,
                states=state.states,
                data=state.data,
                updated_at=state.updated_at,
            )
        )
        return
    existing.states = dict(state.states)
    existing.data = state.data
    existing.updated_at = state.updated_at
    session.add(existing)
