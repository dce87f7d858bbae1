"""The client says they want to stop the service: /stop, or words like "haluan lopettaa".

Stopping is serious, so the client confirms first. On yes the caseworker is alerted at
once (an alert with an Acknowledge button) and the coach is told at once, in the same
transaction; both will contact the client, and the client is told so in plain words.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select
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

from bot.access import for_roles, pressing_person, reply
from bot.alerts.actions import raise_alert
from bot.services import services_of
from messages.i18n import N_, translator
from storage import outbox
from storage.models import Alert, AlertKind, Person, Priority, Role

ASKED_KEY = "stop.asked"  # the message id of the confirmation the client may answer
YES, NO = "sp:yes", "sp:no"
TOLD_COACH = N_(
    "{client} says they want to stop the service. The caseworker is alerted too. "
    "Please contact {client}."
)


async def ask_to_stop(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    """Show the confirmation; only its latest copy can be answered (older ones are stale)."""
    t = translator(person.language)
    if person.role != Role.CLIENT.value:
        await reply(update, t("Sorry, that is not available to you. /help shows what you can do."))
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("Yes, I want to stop"), callback_data=YES)],
            [InlineKeyboardButton(t("No, I'll continue"), callback_data=NO)],
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


def confirm_stop(session: Session, client_id: int, now: datetime) -> bool:
    """Alert the caseworker and tell the coach, once while an earlier alert is still open."""
    client = session.get(Person, client_id)
    if client is None or client.role != Role.CLIENT.value or not client.active:
        return False
    already = session.exec(
        select(Alert.id).where(
            Alert.client_id == client_id,
            Alert.kind == AlertKind.CLIENT_STOPS.value,
            col(Alert.acknowledged_at).is_(None),
        )
    ).first()
    if already is not None:
        return True  # both already know and have not acted yet: no second alarm
    alert = raise_alert(session, kind=AlertKind.CLIENT_STOPS, client=client, facts={}, now=now)
    if client.coach_id is not None:
        outbox.schedule(
            session,
            recipient_id=client.coach_id,
            kind="alert-coach",
            message=TOLD_COACH,
            params={"client": client.display_name},
            key=f"alert:{alert.id}:coach",
            due_at=now,
            priority=Priority.ALERT,
            object_ref=f"alert:{alert.id}",
        )
    return True


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes or no on the latest confirmation; anything else is refused politely."""
    query = update.callback_query
    assert query is not None
    person = await pressing_person(update, context)
    if person is None:
        return
    t = translator(person.language)
    asked = (context.user_data or {}).get(ASKED_KEY)
    pressed_on = query.message.message_id if query.message is not None else None
    if (
        query.data not in (YES, NO)
        or person.role != Role.CLIENT.value
        or asked is None
        or asked != pressed_on
    ):
        await query.answer(t("This button is no longer valid."), show_alert=True)
        return
    context.user_data.pop(ASKED_KEY, None)  # type: ignore[union-attr]
    await query.answer()
    if query.data == NO:
        await _show(
            update, t("Good. We continue as before. You can talk about it with your coach.")
        )
        return
    services = services_of(context)
    assert person.id is not None
    done = await services.db.run(confirm_stop, person.id, services.now())
    services.wake_outbox()
    if not done:
        await _show(update, t("Sorry, that is not available to you. /help shows what you can do."))
        return
    await _show(
        update,
        t("Thank you for telling. Your coach and your caseworker will contact you soon."),
    )


async def _show(update: Update, text: str) -> None:
    """Replace the question with the answer, so its buttons cannot be pressed again."""
    query = update.callback_query
    assert query is not None
    try:
        await query.edit_message_text(text, reply_markup=None)
    except BadRequest:  # the question cannot be edited any more: answer below it
        assert update.effective_chat is not None
        await update.effective_chat.send_message(text)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [
        CommandHandler("stop", stop_command, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(on_button, pattern=r"^sp:"),
    ]
