"""The coach's /change: a significant change for a client alerts the caseworker at once.

client → category (DOMAIN.md: situation or plan changed, another service needed, goals no
longer realistic, conflict at the workplace, interrupting seems justified) → a written
description, which is required. Back and /cancel work at every step; a button where text
is expected, or text where a button is expected, gets a hint. The client is checked to be
the coach's own when chosen and again when the alert is raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import acting_person, for_roles, reply
from bot.alerts.actions import raise_alert
from bot.services import services_of
from handlers.ui import acting_coach, entry, nav_row, show
from messages.i18n import N_, Translator, translator
from storage import people
from storage.models import AlertKind, Person, Role

KEY = "change"
CLIENT, CATEGORY, NOTE = range(3)
NOTE_MAX = 1000

# Said in the middle of the alert ("…a significant change for Matti: {category}."), so
# lower case; a button shows it with a capital first letter.
CATEGORIES = {
    "situation": N_("the situation or plan has changed"),
    "service": N_("another service is needed"),
    "goals": N_("the goals are no longer realistic"),
    "conflict": N_("a conflict at the workplace"),
    "interrupt": N_("interrupting the service seems justified"),
}


@dataclass
class Draft:
    client_id: int | None = None
    client_name: str = ""
    category: str | None = None
    history: list[int] = field(default_factory=list)


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    data = context.user_data
    assert data is not None
    if not isinstance(data.get(KEY), Draft):
        data[KEY] = Draft()
    return data[KEY]  # type: ignore[no-any-return]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _nav(t: Translator, *, back: bool = True) -> list[InlineKeyboardButton]:
    return nav_row(t, "ch", back=back)


_show = show


# --- each step's question ----------------------------------------------------------------
async def ask(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, state: int
) -> int:
    draft = _draft(context)
    t = translator(person.language)
    if state == CLIENT:
        clients = await services_of(context).db.run(people.clients_of, person)
        if not clients:
            await _show(update, t("You have no clients yet."), None)
            return ConversationHandler.END
        rows = [
            [InlineKeyboardButton(c.display_name, callback_data=f"ch:c:{c.id}")] for c in clients
        ]
        rows.append(_nav(t, back=False))
        await _show(
            update, t("Report a significant change. Which client?"), InlineKeyboardMarkup(rows)
        )
    elif state == CATEGORY:
        rows = [
            [InlineKeyboardButton(_capital(t(label)), callback_data=f"ch:k:{key}")]
            for key, label in CATEGORIES.items()
        ]
        rows.append(_nav(t))
        await _show(
            update,
            t("{client}: what has changed?", client=draft.client_name),
            InlineKeyboardMarkup(rows),
        )
    elif state == NOTE:
        assert draft.category is not None
        await _show(
            update,
            t(
                "{client}: {category}.\n"
                "Describe the change in a few sentences. The caseworker reads this, "
                "so write only what they need to know. (/cancel to stop)",
                client=draft.client_name,
                category=t(CATEGORIES[draft.category]),
            ),
            InlineKeyboardMarkup([_nav(t)]),
        )
    if not draft.history or draft.history[-1] != state:
        draft.history.append(state)
    return state


# --- entry and steps ---------------------------------------------------------------------
@for_roles(Role.COACH, command="change")
async def _begin(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    assert context.user_data is not None
    context.user_data[KEY] = Draft()
    return await ask(update, context, person, CLIENT)


start = entry(_begin)
_coach = acting_coach


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None
    person = await _coach(update, context)
    if person is None:
        return ConversationHandler.END
    t = translator(person.language)
    draft = _draft(context)
    state = draft.history[-1] if draft.history else CLIENT
    data = query.data or ""
    if data == "ch:cancel":
        context.user_data.pop(KEY, None)  # type: ignore[union-attr]
        await _show(update, t("Stopped. Nothing was sent."), None)
        return ConversationHandler.END
    if data == "ch:back":
        if len(draft.history) > 1:
            draft.history.pop()
        return await ask(update, context, person, draft.history[-1] if draft.history else CLIENT)
    if state == NOTE:
        await query.answer(t("Please write the description as text, or /cancel to stop."))
        return NOTE
    if state == CLIENT and data.startswith("ch:c:") and data[5:].isdigit():
        assert person.id is not None
        client = await services_of(context).db.run(people.coach_client, person.id, int(data[5:]))
        if client is not None:
            draft.client_id, draft.client_name = client.id, client.display_name
            return await ask(update, context, person, CATEGORY)
    if state == CATEGORY and data.startswith("ch:k:") and data[5:] in CATEGORIES:
        draft.category = data[5:]
        return await ask(update, context, person, NOTE)
    await query.answer(t("This button is no longer valid."), show_alert=True)
    return state


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Text is the description at the last step; anywhere else it gets a hint."""
    person = await _coach(update, context)
    if person is None:
        return ConversationHandler.END
    draft = _draft(context)
    t = translator(person.language)
    state = draft.history[-1] if draft.history else CLIENT
    message = update.effective_message
    text = (message.text or "").strip() if message is not None else ""
    if state != NOTE:
        await reply(update, t("Please choose with the buttons above, or /cancel to stop."))
        return state
    if not text:
        await reply(update, t("Please write the description as text, or /cancel to stop."))
        return NOTE
    if len(text) > NOTE_MAX:
        await reply(
            update,
            t("That is too long. Please write at most {n} characters.", n=NOTE_MAX),
        )
        return NOTE
    return await _send(update, context, person, text)


def raise_change(
    session: Session,
    coach: Person,
    client_id: int,
    category: str,
    note: str,
    now: datetime,
) -> bool:
    """Raise the alert if the client is still the coach's own; False when not."""
    assert coach.id is not None
    client = people.coach_client(session, coach.id, client_id)
    if client is None:
        return False
    raise_alert(
        session,
        kind=AlertKind.SIGNIFICANT_CHANGE,
        client=client,
        facts={
            "coach": coach.display_name,
            "category": {"$msg": CATEGORIES[category]},
            "note": note,
        },
        now=now,
    )
    return True


async def _send(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, note: str
) -> int:
    draft = _draft(context)
    t = translator(person.language)
    services = services_of(context)
    assert draft.client_id is not None and draft.category is not None
    raised = await services.db.run(
        raise_change, person, draft.client_id, draft.category, note, services.now()
    )
    context.user_data.pop(KEY, None)  # type: ignore[union-attr]
    if not raised:
        await reply(update, t("This client is no longer yours. Nothing was sent."))
        return ConversationHandler.END
    services.wake_outbox()
    await reply(
        update,
        t("Sent. The caseworker is alerted now. You will be told when they acknowledge it."),
    )
    return ConversationHandler.END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(KEY, None)  # type: ignore[union-attr]
    person = await acting_person(update, context)
    t = translator(person.language if person else "fi")
    await reply(update, t("Stopped. Nothing was sent."))
    return ConversationHandler.END


STEPS = [
    CallbackQueryHandler(on_button, pattern=r"^ch:"),
    CommandHandler("cancel", cancel),
    MessageHandler(filters.ALL & ~filters.COMMAND, on_text),
]


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot, never shared between two (tests, the console)."""
    return [
        ConversationHandler(
            entry_points=[CommandHandler("change", start, filters=filters.ChatType.PRIVATE)],
            states={state: STEPS for state in (CLIENT, CATEGORY, NOTE)},
            fallbacks=[CommandHandler("cancel", cancel)],
            allow_reentry=True,
            conversation_timeout=3600,
            name="change",
        )
    ]
