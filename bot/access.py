"""Who is acting, and may they do this? Every handler goes through here.

The person is looked up by the Telegram user id of the update; a stranger or a person
of another role gets a polite answer and the handler never runs.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update
from telegram.ext import ContextTypes

from bot.commands import BY_NAME, who_may
from bot.services import services_of
from messages.clean import clean
from messages.i18n import Translator, normalize, translator
from messages.limits import split_text
from storage import audit, people
from storage.models import Person, Role

PERSON_KEY = "coachbot.person"


class Refused(Exception):
    """The acting person may not touch what they asked for (or the button is stale).

    Access checks raise it instead of returning None, so a handler stays a few lines;
    `handlers.errors` turns it into the one polite, audited refusal. It carries ids only.
    """

    def __init__(self, person: Person | None, reason: str = "") -> None:
        super().__init__(reason)
        self.person = person
        self.reason = reason


async def person_of_role(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *roles: Role
) -> Person:
    """The acting person, who must have one of `roles`; else `Refused`."""
    person = await acting_person(update, context)
    if person is None or Role(person.role) not in roles:
        raise Refused(person, "role")
    return person


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Person], Awaitable[Any]]


async def acting_person(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Person | None:
    """The linked, active person behind this update, or None for a stranger (cached per update)."""
    user = update.effective_user
    if user is None:
        return None
    # One context object serves one update, so the lookup is done once per update.
    cached = context.__dict__.get(PERSON_KEY)
    if cached is not None and cached[0] == user.id:
        return cached[1]  # type: ignore[no-any-return]
    db = services_of(context).db
    person = await db.run(people.by_telegram_id, user.id)
    if person is not None and person.unreachable_since is not None:
        assert person.id is not None
        await db.run(people.mark_reachable, person.id)
        person.unreachable_since = None
    context.__dict__[PERSON_KEY] = (user.id, person)
    return person


def language_for(update: Update, person: Person | None, default: str = "fi") -> str:
    """The person's own language, or for a stranger what their Telegram app says."""
    if person is not None:
        return person.language
    user = update.effective_user
    return normalize(user.language_code if user else None, default)


def t_for(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person | None) -> Translator:
    return translator(language_for(update, person, services_of(context).settings.default_language))


async def reply(update: Update, text: str, *, answer: bool = True, **kwargs: Any) -> Message | None:
    """Answer in the chat the update came from, whether a message or a button press
    (`answer=False`: the press is answered already).

    The one way a handler sends a new text, however long: the text is cleaned of control
    and bidirectional-override characters (messages.clean) and a text over Telegram's
    limit goes as several messages, split at line ends (messages.limits), the buttons
    (`reply_markup`) on the last. Returns the last message sent."""
    if answer and update.callback_query is not None:
        await update.callback_query.answer()
    chat = update.effective_chat
    if chat is None:
        return None
    parts = split_text(clean(text))
    markup = kwargs.pop("reply_markup", None)
    sent = None
    for number, part in enumerate(parts, start=1):
        last = number == len(parts)
        sent = await chat.send_message(part, reply_markup=markup if last else None, **kwargs)
    return sent


async def tell_stranger(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    t = t_for(update, context, None)
    await reply(
        update,
        t(
            "Hello! I am Coachbot, the assistant of your employment coaching. "
            "I don't know you yet. To start, open the invite link your coach gave you. "
            "If you have no link, ask your coach for one."
        ),
    )


async def pressing_person(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Person | None:
    """The person pressing a button; a stranger's press is answered and told how to join."""
    person = await acting_person(update, context)
    if person is None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await tell_stranger(update, context)
    return person


def for_roles(*roles: Role, command: str | None = None) -> Callable[[Handler], Callable[..., Any]]:
    """Run the handler only for a linked person of one of these roles."""

    allowed = frozenset(roles)

    def decorate(handler: Handler) -> Callable[..., Any]:
        @functools.wraps(handler)
        async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Any:
            person = await acting_person(update, context)
            if person is None:
                await tell_stranger(update, context)
                return None
            if Role(person.role) not in allowed:
                t = translator(person.language)
                spec = BY_NAME.get(command or "")
                if spec is not None:
                    text = t(
                        "Sorry, /{command} is for {who}. /help shows what you can do.",
                        command=spec.name,
                        who=who_may(spec, t),
                    )
                else:
                    text = t("Sorry, that is not available to you. /help shows what you can do.")
                await reply(update, text)
                return None
            return await handler(update, context, person)

        return guarded

    return decorate


async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, refused: Refused) -> None:
    """The one answer to `Refused`: a stranger is told how to join; a stale or forged
    button gets the polite alert (audited); anything else a polite sentence (audited)."""
    person = refused.person
    if update.callback_query is not None:
        await refuse_button(update, context, person)
        return
    if person is None:
        await tell_stranger(update, context)
        return
    await services_of(context).db.run(
        audit.record, "access.refused", actor_id=person.id, detail=refused.reason[:64]
    )
    t = translator(person.language)
    await reply(update, t("Sorry, that is not available to you. /help shows what you can do."))


async def refuse_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person | None
) -> None:
    """A stale or forged button: a polite alert, and an audit line (the data, no text)."""
    query = update.callback_query
    t = t_for(update, context, person)
    if query is not None:
        data = (query.data or "")[:64]
        await services_of(context).db.run(
            audit.record, "button.refused", actor_id=person.id if person else None, detail=data
        )
        await query.answer(t("This button is no longer valid."), show_alert=True)
