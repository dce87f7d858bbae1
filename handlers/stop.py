"""The client says they want to stop the service: /stop, or words like "haluan lopettaa".

Stopping is serious, so the client confirms first. On yes the caseworker is alerted at
once (an alert with an Acknowledge button) and the coach is told at once, in the same
transaction (`bot.alerts.actions.confirm_stop`); both will contact the client, and the
client is told so in plain words. Only the latest question can be answered: `sp:yes` and
`sp:no` on an older copy, or on an answered one, are stale.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.access import Refused, for_roles, person_of_role
from bot.alerts import actions, buttons
from bot.services import services_of
from handlers.ui import show, stale_buttons
from messages.i18n import translator
from storage.models import Person, Role

ASKED_KEY = "stop.asked"  # the message id of the confirmation the client may answer


async def ask_to_stop(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    """Show the confirmation; only its latest copy can be answered (older ones are stale)."""
    if person.role != Role.CLIENT.value:
        raise Refused(person, "stop: not a client")
    t = translator(person.language)
    if update.callback_query is not None:
        await update.callback_query.answer()
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("Yes, I want to stop"), callback_data=buttons.STOP_YES)],
            [InlineKeyboardButton(t("No, I'll continue"), callback_data=buttons.STOP_NO)],
        ]
    )
    assert update.effective_chat is not None and context.user_data is not None
    sent = await update.effective_chat.send_message(
        t(
            "Do you want to stop the service?\n"
            "If you do, I will tell your coach and your caseworker. They will contact you."
        ),
        reply_markup=markup,
    )
    context.user_data[ASKED_KEY] = sent.message_id


@for_roles(Role.CLIENT, command="stop")
async def stop_command(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    await ask_to_stop(update, context, person)


async def _answering(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Person:
    """The client answering their latest question, which is answered now (once); any
    other press is Refused."""
    person = await person_of_role(update, context, Role.CLIENT)
    query = update.callback_query
    asked = (context.user_data or {}).get(ASKED_KEY)
    pressed_on = query.message.message_id if query and query.message else None
    if asked is None or asked != pressed_on:
        raise Refused(person, "stop: not the latest question")
    context.user_data.pop(ASKED_KEY, None)  # type: ignore[union-attr]
    return person


async def _replace(update: Update, text: str) -> None:
    """Replace the question with the answer, so its buttons cannot be pressed again."""
    try:
        await show(update, text)
    except BadRequest:  # the question cannot be edited any more: answer below it
        await show(update, text, new=True)


async def confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = await _answering(update, context)
    t = translator(person.language)
    services = services_of(context)
    assert person.id is not None
    if not await services.db.run(actions.confirm_stop, person.id, services.now()):
        await _replace(
            update, t("Sorry, that is not available to you. /help shows what you can do.")
        )
        return
    services.wake_outbox()
    await _replace(
        update, t("Thank you for telling. Your coach and your caseworker will contact you soon.")
    )


async def declined(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = await _answering(update, context)
    t = translator(person.language)
    await _replace(update, t("Good. We continue as before. You can talk about it with your coach."))


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [
        CommandHandler("stop", stop_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(confirmed, pattern=buttons.CONFIRM_STOP),
        CallbackQueryHandler(declined, pattern=buttons.DECLINE_STOP),
        stale_buttons(buttons.STOP_PREFIX),
    ]
