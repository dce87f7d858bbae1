"""Test conveniences over the notification API: one row in its own transaction, then
the dispatcher woken (features write their rows inside their own transactions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import outbox
from bot.services import Services
from storage.models import OutboxMessage, Priority


async def schedule(
    services: Services,
    *,
    due_at: datetime,
    priority: Priority = Priority.REMINDER,
    **row: Any,
) -> OutboxMessage:
    """`outbox.schedule` (recipient_id, kind, message, key, params, …); a row due now
    wakes the dispatcher instead of waiting for its tick."""
    made = await services.db.run(outbox.schedule, due_at=due_at, priority=priority, **row)
    if due_at <= services.now():
        services.wake_outbox()
    return made


async def send_now(
    services: Services, *, priority: Priority = Priority.ALERT, **row: Any
) -> OutboxMessage:
    """Durable first, then at once."""
    return await schedule(services, due_at=services.now(), priority=priority, **row)


async def cancel(
    services: Services, *, key: str | None = None, object_ref: str | None = None
) -> outbox.ChangeResult:
    return await services.db.run(outbox.cancel, key=key, object_ref=object_ref)


async def move(
    services: Services, due_at: datetime, *, key: str | None = None, object_ref: str | None = None
) -> outbox.ChangeResult:
    result = await services.db.run(outbox.move, due_at, key=key, object_ref=object_ref)
    if due_at <= services.now():
        services.wake_outbox()
    return result
