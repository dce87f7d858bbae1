"""Small pieces every button conversation uses: one message that follows the steps, the
Back / Cancel row, and `Flow`, the frame of a conversation routed by state."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
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

from bot.access import (
    Refused,
    acting_person,
    for_roles,
    person_of_role,
    refuse_button,
    reply,
    t_for,
)
from bot.services import Services, services_of
from messages.clean import clean
from messages.i18n import Translator, translator
from messages.limits import MAX_ANSWER, clip
from storage import people
from storage.models import Person, Role
from storage.people import ClientSummary


async def show(
    update: Update,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    new: bool = False,
    notice: str | None = None,
    alert: bool = False,
) -> Message | None:
    """Edit the conversation's message after a button, or send a new one after text,
    so a conversation reads as one message that changes, not a pile of old ones.

    `new`: send a new message even after a button (the press is already answered).
    `notice`: what the press is answered with (an `alert` box, or a passing note).
    Returns the message now showing `text` (None when Telegram gave no message back).

    Within Telegram's limits, whatever the text: it is cleaned of control and
    bidirectional-override characters; a new message over the limit goes as several
    (`bot.access.reply`, the buttons on the last, which is returned); an edit can only be
    one message, so its text is shortened with "…" (a view that can be long pages
    itself, as /meetings does)."""
    query = update.callback_query
    if query is not None and query.message is not None and not new:
        await query.answer(
            clip(notice, MAX_ANSWER) if notice else notice,
            show_alert=alert and notice is not None,
        )
        try:
            edited = await query.edit_message_text(clip(clean(text)), reply_markup=markup)
        except BadRequest as error:
            # The same text and buttons again (a choice pressed twice): nothing to redraw.
            if "not modified" not in error.message:
                raise
            edited = query.message
        return edited if isinstance(edited, Message) else None
    assert update.effective_chat is not None
    return await reply(update, text, answer=False, reply_markup=markup)


def typed_text(update: Update) -> str:
    """What the person typed, cleaned of control and bidirectional-override characters
    (messages.clean: line breaks kept), so it is stored clean and every view of it is;
    "" for no text."""
    message = update.effective_message
    return clean(message.text or "") if message is not None else ""


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


# --- a conversation routed by state ---------------------------------------------------------
@dataclass
class Steps:
    """What every button conversation keeps besides its choices: the steps taken (for
    Back) and the one message it lives in. A press on any other message belongs to an
    earlier run of the conversation (restarted, or left) and is stale."""

    history: list[int] = field(default_factory=list)
    message_id: int | None = None

    def reach(self, state: int) -> int:
        """`state` is the step now shown (recorded once, however often it is redrawn)."""
        if not self.history or self.history[-1] != state:
            self.history.append(state)
        return state

    def back(self, first: int) -> int:
        """The step before the one shown; the first step stays."""
        if len(self.history) > 1:
            self.history.pop()
        return self.current(first)

    def current(self, first: int) -> int:
        return self.history[-1] if self.history else first


D = TypeVar("D", bound=Steps)
Context = ContextTypes.DEFAULT_TYPE


@dataclass(frozen=True)
class Turn(Generic[D]):
    """One press or text of a conversation routed by state, already checked: who acts,
    their draft, and what the handler's pattern matched (None for text)."""

    update: Update
    context: Context
    person: Person
    draft: D
    match: re.Match[str] | None = None

    @property
    def t(self) -> Translator:
        return translator(self.person.language)

    @property
    def services(self) -> Services:
        return services_of(self.context)

    def group(self, index: int = 1) -> str:
        assert self.match is not None
        return self.match.group(index)

    def refused(self, reason: str) -> Refused:
        """What to raise when the press cannot be taken: the polite, audited answer."""
        return Refused(self.person, reason)

    async def show(
        self,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
        *,
        new: bool = False,
        notice: str | None = None,
        alert: bool = False,
    ) -> None:
        """`show`, and the message showing it becomes the conversation's own."""
        shown = await show(self.update, text, markup, new=new, notice=notice, alert=alert)
        if shown is not None:
            self.draft.message_id = shown.message_id

    async def alert(self, text: str) -> None:
        """Why a choice cannot be taken; the step stays as it is."""
        assert self.update.callback_query is not None
        await self.update.callback_query.answer(clip(text, MAX_ANSWER), show_alert=True)


Step = Callable[[Turn[D]], Awaitable[int]]


@dataclass(frozen=True)
class Flow(Generic[D]):
    """One button conversation routed by state: its draft (`key` in user_data, of type
    `draft`), who may use it (`roles`), its buttons' `prefix`, and what it says when
    stopped with ✖ or /cancel (`stopped`, a msgid; see `stops`).

    Its steps get a `Turn` already checked: a press by someone of another role, with no
    draft, or on a message that is not the conversation's own (an earlier run's) raises
    Refused, the polite and audited "no longer valid", which leaves the conversation's
    state as it was."""

    key: str
    draft: type[D]
    roles: tuple[Role, ...]
    prefix: str
    stopped: str = ""

    # --- the draft ---
    def begin(self, context: Context, draft: D | None = None) -> D:
        """A fresh draft: whatever an earlier run left is gone."""
        assert context.user_data is not None
        fresh = draft if draft is not None else self.draft()
        context.user_data[self.key] = fresh
        return fresh

    def end(self, context: Context) -> int:
        if context.user_data is not None:
            context.user_data.pop(self.key, None)
        return ConversationHandler.END

    def draft_of(self, context: Context, person: Person | None) -> D:
        found = (context.user_data or {}).get(self.key)
        if not isinstance(found, self.draft):
            raise Refused(person, f"{self.key}: no draft")
        return found

    def pressed(self, update: Update, context: Context, person: Person | None) -> D:
        """The draft a press may change: only a press on the conversation's own message."""
        draft = self.draft_of(context, person)
        query = update.callback_query
        message = query.message if query is not None else None
        if message is None or message.message_id != draft.message_id:
            raise Refused(person, f"{self.key}: another message")
        return draft

    # --- its handlers ---
    def command(self, name: str, first: Step[D]) -> CommandHandler:  # type: ignore[type-arg]
        """/name starts the conversation afresh; for anyone else the command is refused
        politely and no conversation is left half-open."""

        @for_roles(*self.roles, command=name)
        async def begin(update: Update, context: Context, person: Person) -> int:
            return await first(Turn(update, context, person, self.begin(context)))

        return CommandHandler(name, entry(begin), filters=filters.ChatType.PRIVATE)

    def button(self, pattern: str, step: Step[D]) -> CallbackQueryHandler:  # type: ignore[type-arg]
        """One action of one step: `pattern` (anchored) is the only data it takes."""
        compiled = re.compile(pattern)

        async def press(update: Update, context: Context) -> int:
            person = await person_of_role(update, context, *self.roles)
            draft = self.pressed(update, context, person)
            assert update.callback_query is not None
            match = compiled.match(update.callback_query.data or "")
            assert match is not None  # this handler's own pattern took the press
            return await step(Turn(update, context, person, draft, match))

        return CallbackQueryHandler(press, pattern=compiled)

    def text(self, step: Step[D]) -> MessageHandler:  # type: ignore[type-arg]
        """The text a step asks for."""

        async def write(update: Update, context: Context) -> int:
            person = await person_of_role(update, context, *self.roles)
            return await step(Turn(update, context, person, self.draft_of(context, person)))

        return MessageHandler(filters.TEXT & ~filters.COMMAND, write)

    def back(
        self, first: int, ask: Callable[[Turn[D], int], Awaitable[int]]
    ) -> CallbackQueryHandler:  # type: ignore[type-arg]
        """'◀ Back' (`<prefix>:back`): the step before, asked again with `ask`."""

        async def back(turn: Turn[D]) -> int:
            return await ask(turn, turn.draft.back(first))

        return self.button(rf"^{self.prefix}:back$", back)

    def stops(self) -> list[BaseHandler]:  # type: ignore[type-arg]
        """'✖ Cancel' (`<prefix>:cancel`) and /cancel: the draft is dropped, nothing done."""

        async def cancel(turn: Turn[D]) -> int:
            return await self.stop(turn.update, turn.context)

        return [
            self.button(rf"^{self.prefix}:cancel$", cancel),
            CommandHandler("cancel", self.stop),
        ]

    async def stop(self, update: Update, context: Context) -> int:
        person = await acting_person(update, context)
        await show(update, t_for(update, context, person)(self.stopped))
        return self.end(context)

    def hint(self) -> MessageHandler:  # type: ignore[type-arg]
        """Text where a button is expected: a hint, and the step stays."""
        return MessageHandler(filters.ALL & ~filters.COMMAND, choose_with_buttons)

    # --- the client step of a coach's conversation ---
    async def ask_client(self, turn: Turn[D], question: str, state: int) -> int:
        """The coach's own active clients as buttons (`<prefix>:c:<id>`)."""
        clients = await turn.services.db.run(people.clients_of, turn.person)
        if not clients:
            await turn.show(turn.t("You have no clients yet."))
            return self.end(turn.context)
        rows = [
            [InlineKeyboardButton(c.display_name, callback_data=f"{self.prefix}:c:{c.id}")]
            for c in clients
        ]
        rows.append(nav_row(turn.t, self.prefix, back=False))
        await turn.show(question, InlineKeyboardMarkup(rows))
        return turn.draft.reach(state)


async def own_client(turn: Turn[D]) -> ClientSummary:
    """The client the press chose (the pattern's first group), one of the coach's own
    active clients; else Refused."""
    clients = await turn.services.db.run(people.clients_of, turn.person)
    chosen = next((c for c in clients if c.id == int(turn.group(1))), None)
    if chosen is None:
        raise turn.refused("not the coach's client")
    return chosen


async def choose_with_buttons(update: Update, context: Context) -> int | None:
    """Text where a button is expected: a hint; the conversation stays where it was."""
    person = await acting_person(update, context)
    await show(
        update,
        t_for(update, context, person)("Please choose with the buttons above, or /cancel to stop."),
    )
    return None


# --- who is waiting for this person's next text ------------------------------------------
AWAITING = "coachbot.awaiting_text"
# The buttons of each flow that waits for text: a press of any other button, or any
# command but /cancel, means the person moved on, and their next text is not the answer.
OWNER_PREFIXES = {
    "goals": ("gl:",),
    "checkins": ("ci:",),
    "feedback": ("fb:",),
    "evaluation": ("ev:",),
    "interim": ("ir:",),
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
