"""What the inbox keeps of an update: its id, its person's lane, its payload and date."""

from __future__ import annotations

from telegram import Update

from storage.inbox import Incoming

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


def incoming(update: Update) -> Incoming:
    """The lane is the person (their updates are handled in order, one at a time); an
    update with no person has a lane of its own."""
    user = update.effective_user
    chat = update.effective_chat
    lane = user.id if user is not None else chat.id if chat is not None else -update.update_id
    message = update.message or update.edited_message
    return Incoming(
        update_id=update.update_id,
        lane=lane,
        payload=update.to_dict(),
        sent_at=message.date if message is not None else None,
    )
