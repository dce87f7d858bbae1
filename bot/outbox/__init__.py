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

from storage.outbox import ChangeResult, cancel, move, open_rows, queued, schedule, sent_any

__all__ = ["ChangeResult", "cancel", "move", "open_rows", "queued", "schedule", "sent_any"]
