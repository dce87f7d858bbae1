"""The outbox: the one notification API, the dispatcher and Telegram's limits.

Features reach people only through this API, inside their own transaction, so the
change and the message commit together (or neither does); then they wake the dispatcher
(`services.wake_outbox()`). A row is rendered in the recipient's language when sent. The
same key twice makes one row, so a key comes from the object or the update that caused
the message, never from the clock (a replayed update must make the same key);
`object_ref` ("meeting:12") lets a later change cancel or move every message about that
object (`cancel(object_ref=..., kind="reminder")`: only its reminders). `expires_at`: a
row not sent by then is dropped (a meeting's card and reminders: its start); alerts
never expire. Features never import `storage.outbox` itself (an import-linter contract):
the claim protocol there is the dispatcher's.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from storage.models import Priority
from storage.outbox import ChangeResult, cancel, move, open_rows, queued, schedule, sent_any

__all__ = [
    "ChangeResult",
    "cancel",
    "move",
    "open_rows",
    "queued",
    "schedule",
    "sent_any",
    "unbutton",
]


def unbutton(
    session: Session,
    copies: Iterable[tuple[int, int]],
    *,
    key: str,
    now: datetime,
    pressed: tuple[int | None, int | None] = (None, None),
    object_ref: str | None = None,
) -> None:
    """A final step is done: the messages already sent that asked for it (recipient,
    Telegram message id) lose their buttons, durably, as "unbutton" rows the dispatcher
    sends as an edit; `pressed` is the one the handler redraws itself. `key` names the
    step; each message gets its own row."""
    for recipient, message_id in copies:
        if (recipient, message_id) == pressed:
            continue
        schedule(
            session,
            recipient_id=recipient,
            kind="unbutton",
            message="",
            params={"message_id": message_id},
            key=f"{key}:unbutton:{recipient}:{message_id}",
            due_at=now,
            priority=Priority.NOTICE,
            object_ref=object_ref,
        )
