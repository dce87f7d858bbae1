"""Test conveniences over the notification API: one row in its own transaction, then
the dispatcher woken (features write their rows inside their own transactions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import outbox
from bot.services import Services
from storage.models import OutboxMessage, Priority


async def send_now(
    services: Services,
    *,
    recipient_id: int,
    kind: str,
    message: str,
    key: str,
    params: dict[str, Any] | None = None,
    buttons: list[Any] | None = None,
    priority: Priority = Priority.ALERT,
    object_ref: str | None = None,
) -> OutboxMessage:
    """Durable first, then at once: the dispatcher is woken instead of waiting for a tick."""
    row = await services.db.run(
        outbox.schedule,
        recipient_id=recipient_id,
        kind=kind,
        message=message,
        key=key,
        due_at=services.now(),
        params=params,
        buttons=buttons,
        priority=priority,
        object_ref=object_ref,
    )
    services.wake_outbox()
    return row


async def schedule(
    services: Services,
    *,
    recipient_id: int,
    kind: str,
    message: str,
    key: str,
    due_at: datetime,
    params: dict[str, Any] | None = None,
    buttons: list[Any] | None = None,
    priority: Priority = Priority.REMINDER,
    quiet: bool = False,
    object_ref: str | None = None,
) -> OutboxMessage:
    row = await services.db.run(
        outbox.schedule,
        recipient_id=recipient_id,
        kind=kind,
        message=message,
        key=key,
        due_at=due_at,
        params=params,
        buttons=buttons,
        priority=priority,
        quiet=quiet,
        object_ref=object_ref,
    )
    if due_at <= services.now():
        services.wake_outbox()
    return row


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
