"""Small pieces every button conversation uses: one message that follows the steps, and
the Back / Cancel row."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    filters,
)

from bot.access import acting_person, refuse_button
from messages.i18n import Translator
from storage.models import Person, Role


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


def entry(
    begin: Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[int | None]],
) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[int]]:
    """A conversation's entry from a role-guarded `begin`: a refused entry (None) must end,
    not leave the conversation half-open."""

    @functools.wraps(begin)
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        state = await begin(update, context)
        return ConversationHandler.END if state is None else int(state)

    return start


async def acting_coach(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Person | None:
    """The coach pressing or typing in a coach's conversation; anyone else gets the press
    answered and nothing more (the conversation ends)."""
    person = await acting_person(update, context)
    if person is None or person.role != Role.COACH.value:
        if update.callback_query:
            await update.callback_query.answer()
        return None
    return person


async def _stale(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button of this conversation that its current step does not take."""
    await refuse_button(update, context, await acting_person(update, context))


def stale_buttons(prefix: str) -> CallbackQueryHandler:  # type: ignore[type-arg]
    """The last fallback of a conversation routed by state: any of its own buttons
    (`prefix`) that the current state does not list is answered "no longer valid" and
    never reaches a step function. Buttons of other features pass on."""
    return CallbackQueryHandler(_stale, pattern=f"^{prefix}")


def nav_row(t: Translator, prefix: str, *, back: bool = True) -> list[InlineKeyboardButton]:
    """'◀ Back' (when there is a step to go back to) and '✖ Cancel', as `<prefix>:back|cancel`."""
    row = [InlineKeyboardButton("✖ " + t("Cancel"), callback_data=f"{prefix}:cancel")]
    if back:
        row.insert(0, InlineKeyboardButton("◀ " + t("Back"), callback_data=f"{prefix}:back"))
    return row


# --- who is waiting for this person's next text ------------------------------------------
AWAITING = "coachbot.awaiting_text"
# The buttons of each flow that waits for text: a press of any other button, or any
# command but /cancel, means the person moved on, and their next text is not the answer.
OWNER_PREFIXES = {
    "goals": ("gl:",),
    "checkins": ("ci:",),
    "feedback": ("fb:",),
    "evaluation": ("ev:",),
}


def expect_text(context: ContextTypes.DEFAULT_TYPE, owner: str) -> None:
    """Mark `owner` as the flow this person's next text belongs to (the latest ask wins)."""
    assert context.user_data is not None
    context.user_data[AWAITING] = owner


def text_done(context: ContextTypes.DEFAULT_TYPE, owner: str) -> None:
    data = context.user_data
    if data is not None and data.get(AWAITING) == owner:
        data.pop(AWAITING, None)


class Awaiting(filters.MessageFilter):
    """Passes a text only to the flow that asked for it last.

    Conversations waiting for text are tried in registration order; without this, one
    left waiting (a comment, evidence) would take a text meant for a flow started after
    it. The filter reads the person's user_data through the Application (filters get no
    context), so a stale waiting state lets the text fall through to the right handler.
    """

    def __init__(self, application: Application, *owners: str) -> None:  # type: ignore[type-arg]
        super().__init__(name=f"Awaiting({', '.join(owners)})")
        self._application = application
        self._owners = frozenset(owners)

    def filter(self, message: Message) -> bool:
        user = message.from_user
        if user is None:
            return False
        data = self._application.user_data.get(user.id)
        return bool(data) and data.get(AWAITING) in self._owners


async def moved_on(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler (group -1). A command (but /cancel) or a button that the
    person's open conversations do not expect means they have moved on: those
    conversations are left, and the flow waiting for text forgets it, so the next text
    reaches the flow they are in now (not a half-written /change from ten minutes ago)."""
    query = update.callback_query
    message = update.effective_message
    command = (
        query is None
        and message is not None
        and (message.text or "").startswith("/")
        and not (message.text or "").startswith("/cancel")
    )
    if query is None and not command:
        return
    data = context.user_data
    owner = data.get(AWAITING) if data else None
    prefixes = OWNER_PREFIXES.get(owner or "", ())
    if (
        data is not None
        and owner is not None
        and not (query and (query.data or "").startswith(prefixes))
    ):
        data.pop(AWAITING, None)
    for conversation in context.application.handlers.get(0, []):
        if isinstance(conversation, ConversationHandler):
            _leave_unless_expected(conversation, update)


def _leave_unless_expected(conversation: ConversationHandler, update: Update) -> None:  # type: ignore[type-arg]
    """End this person's state in `conversation` if the update is not for it.

    python-telegram-bot has no public call to end a conversation from outside it; this
    uses its per-key state dict and timeout jobs (stable across 22.x, pinned < 23)."""
    try:
        key = conversation._get_key(update)
    except (RuntimeError, AttributeError):
        return
    states = conversation._conversations
    state = states.get(key)
    if state is None or state not in conversation.states:
        return
    handlers = [*conversation.states[state], *conversation.fallbacks]
    if conversation.allow_reentry:
        handlers += conversation.entry_points
    if any(handler.check_update(update) not in (None, False) for handler in handlers):
        return
    states.pop(key, None)
    job = conversation.timeout_jobs.pop(key, None)
    if job is not None:
        job.schedule_removal()
