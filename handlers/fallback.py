"""What is left over: unknown commands, free text, stale buttons and group chats."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.access import acting_person, refuse_button, reply, t_for, tell_stranger
from handlers.ui import AWAITING
from messages.i18n import N_

Answer = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def _answer(message: str) -> Answer:
    """Tell a person `message` (a msgid, in their language); a stranger how to join."""

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        person = await acting_person(update, context)
        if person is None:
            await tell_stranger(update, context)
            return
        await reply(update, t_for(update, context, person)(message))

    return answer


unknown_command = _answer(N_("I don't know that command. /help shows what you can do."))
free_text = _answer(N_("I didn't understand that. /help shows what you can do."))
_nothing_to_cancel = _answer(N_("There is nothing to cancel. /help shows what you can do."))


async def nothing_to_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel with no conversation open (it was left, or timed out): say so kindly."""
    context.user_data.pop(AWAITING, None)  # type: ignore[union-attr]
    await _nothing_to_cancel(update, context)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = await acting_person(update, context)
    await refuse_button(update, context, person)


async def group_chat(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Coaching matters are personal: the bot talks in private chats only."""
    t = t_for(update, context, None)
    await reply(update, t("I only talk in private chats. Please open a chat with me directly."))


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [
        MessageHandler(filters.COMMAND & ~filters.ChatType.PRIVATE, group_chat),
        CommandHandler("cancel", nothing_to_cancel, filters=filters.ChatType.PRIVATE),
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command),
        MessageHandler(
            filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.StatusUpdate.ALL, free_text
        ),
        CallbackQueryHandler(stale_button),
    ]
