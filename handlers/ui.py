"""Small pieces every button conversation uses: one message that follows the steps, and
the Back / Cancel row."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from messages.i18n import Translator


async def show(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None, *, new: bool = False
) -> None:
    """Edit the conversation's message after a button, or send a new one after text,
    so a conversation reads as one message that changes, not a pile of old ones.

    `new`: send a new message even after a button (the press is already answered)."""
    query = update.callback_query
    if query is not None and query.message is not None and not new:
        await query.answer()
        await query.edit_message_text(text, reply_markup=markup)
    else:
        assert update.effective_chat is not None
        await update.effective_chat.send_message(text, reply_markup=markup)


def nav_row(t: Translator, prefix: str, *, back: bool = True) -> list[InlineKeyboardButton]:
    """'◀ Back' (when there is a step to go back to) and '✖ Cancel', as `<prefix>:back|cancel`."""
    row = [InlineKeyboardButton("✖ " + t("Cancel"), callback_data=f"{prefix}:cancel")]
    if back:
        row.insert(0, InlineKeyboardButton("◀ " + t("Back"), callback_data=f"{prefix}:back"))
    return row
