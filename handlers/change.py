"""The coach's /change: a significant change for a client alerts the caseworker at once.

client → category (bot.alerts.changes.CATEGORIES) → a written description, which is
required. Back and /cancel work at every step; a button of another step where text is
expected, or text where a button is expected, gets a hint. Each step takes only its own
buttons, pressed on this run's message. The client is checked to be the coach's own when
chosen and again when the alert is raised (bot.alerts.changes.raise_change).
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import person_of_role, reply
from bot.alerts.changes import CATEGORIES, NOTE_MAX, raise_change
from handlers.ui import Flow, Steps, Turn, nav_row, own_client, stale_buttons, typed_text
from messages.i18n import N_, translator
from storage.models import Role

CLIENT, CATEGORY, NOTE = range(3)
CATEGORY_CHOICE = "|".join(CATEGORIES)


@dataclass
class Draft(Steps):
    client_id: int | None = None
    client_name: str = ""
    category: str | None = None


FLOW = Flow(
    key="change",
    draft=Draft,
    roles=(Role.COACH,),
    prefix="ch",
    stopped=N_("Stopped. Nothing was sent."),
)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- each step's question ----------------------------------------------------------------
async def ask(turn: Turn[Draft], state: int) -> int:
    t, draft = turn.t, turn.draft
    if state == CLIENT:
        return await FLOW.ask_client(turn, t("Report a significant change. Which client?"), CLIENT)
    if state == CATEGORY:
        rows = [
            [InlineKeyboardButton(_capital(t(label)), callback_data=f"ch:k:{key}")]
            for key, label in CATEGORIES.items()
        ]
        rows.append(nav_row(t, "ch"))
        question = t("{client}: what has changed?", client=draft.client_name)
        await turn.show(question, InlineKeyboardMarkup(rows))
    else:
        assert draft.category is not None
        question = t(
            "{client}: {category}.\n"
            "Describe the change in a few sentences. The caseworker reads this, "
            "so write only what they need to know. (/cancel to stop)",
            client=draft.client_name,
            category=t(CATEGORIES[draft.category]),
        )
        await turn.show(question, InlineKeyboardMarkup([nav_row(t, "ch")]))
    return draft.reach(state)


# --- the steps ---------------------------------------------------------------------------
async def _begin(turn: Turn[Draft]) -> int:
    return await ask(turn, CLIENT)


async def on_client(turn: Turn[Draft]) -> int:
    client = await own_client(turn)
    turn.draft.client_id, turn.draft.client_name = client.id, client.display_name
    return await ask(turn, CATEGORY)


async def on_category(turn: Turn[Draft]) -> int:
    turn.draft.category = turn.group(1)
    return await ask(turn, NOTE)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """At the description step, any step's choice button or anything but text: a hint
    (whichever message it was on: it changes nothing)."""
    person = await person_of_role(update, context, Role.COACH)
    t = translator(person.language)
    hint = t("Please write the description as text, or /cancel to stop.")
    if update.callback_query is not None:
        await update.callback_query.answer(hint)
    else:
        await reply(update, hint)
    return NOTE


async def on_note(turn: Turn[Draft]) -> int:
    t, draft, services = turn.t, turn.draft, turn.services
    text = typed_text(turn.update).strip()
    if not text:
        return await not_text(turn.update, turn.context)
    if len(text) > NOTE_MAX:
        await reply(
            turn.update, t("That is too long. Please write at most {n} characters.", n=NOTE_MAX)
        )
        return NOTE
    if draft.client_id is None or draft.category is None:
        raise turn.refused("change: no client or category")  # NOTE is reached with both
    raised = await services.db.run(
        raise_change, turn.person, draft.client_id, draft.category, text, services.now()
    )
    FLOW.end(turn.context)
    if not raised:
        await reply(turn.update, t("This client is no longer yours. Nothing was sent."))
        return ConversationHandler.END
    services.wake_outbox()
    await reply(
        turn.update,
        t("Sent. The caseworker is alerted now. You will be told when they acknowledge it."),
    )
    return ConversationHandler.END


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot, never shared between two (tests, the console)."""
    back = FLOW.back(CLIENT, ask)
    cancel_button, cancel_command = FLOW.stops()
    hint = FLOW.hint()
    return [
        ConversationHandler(
            entry_points=[FLOW.command("change", _begin)],
            states={
                CLIENT: [FLOW.button(r"^ch:c:(\d{1,12})$", on_client), back, cancel_button, hint],
                CATEGORY: [
                    FLOW.button(rf"^ch:k:({CATEGORY_CHOICE})$", on_category),
                    back,
                    cancel_button,
                    hint,
                ],
                NOTE: [
                    back,
                    cancel_button,
                    FLOW.text(on_note),
                    CallbackQueryHandler(not_text, pattern=r"^ch:(?:c:\d{1,12}|k:\w{1,16})$"),
                    MessageHandler(filters.ALL & ~filters.COMMAND, not_text),
                ],
            },
            fallbacks=[cancel_command, stale_buttons("ch:")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="change",
        )
    ]
