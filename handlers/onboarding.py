"""/start: joining with a one-time invite code, and greeting people who return."""

from __future__ import annotations

import math

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler, ContextTypes, filters

from bot.access import acting_person, reply, t_for, tell_stranger
from bot.menus import set_person_menu
from bot.onboarding import actions as onboarding
from bot.onboarding.actions import RedeemOutcome
from bot.services import services_of
from handlers.help import help_text
from messages.i18n import N_, translator
from storage.models import Person

JOINED = (RedeemOutcome.LINKED, RedeemOutcome.ALREADY_LINKED)
NOT_FOUND = N_(
    "I could not find this invite. Please check that you opened the whole "
    "link, or ask your coach for a new one."
)
REFUSALS = {
    RedeemOutcome.ACCOUNT_TAKEN: N_(
        "This Telegram account is already connected to Coachbot for someone else. "
        "One account can be connected to one person only. "
        "Please ask your coach or the provider for help."
    ),
    RedeemOutcome.USED: N_(
        "This invite link has already been used. Each link works only once. "
        "Please ask your coach for a new link."
    ),
    RedeemOutcome.EXPIRED: N_(
        "This invite link has expired. Please ask your coach for a new link."
    ),
}


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = update.effective_user
    if user is None or update.effective_message is None:
        return
    code = context.args[0] if context.args else ""
    person = await acting_person(update, context)
    if not code:
        if person is None:
            await tell_stranger(update, context)
        else:
            await reply(update, welcome(person, returning=True))
        return

    services = services_of(context)
    result = await services.db.run(onboarding.redeem, code, user.id, now=services.now())
    if result.outcome in JOINED:
        assert result.person is not None
        services.wake_outbox()  # cards and reminders that waited for them go now
        await set_person_menu(context.bot, result.person)
        returning = result.outcome is RedeemOutcome.ALREADY_LINKED
        await reply(update, welcome(result.person, returning=returning))
        return
    t = t_for(update, context, person)
    if result.outcome is RedeemOutcome.SLOWED:
        minutes = max(1, math.ceil(result.wait.total_seconds() / 60))
        await reply(
            update,
            t.plural(
                "Too many attempts. Please wait {n} minute and try again.",
                "Too many attempts. Please wait {n} minutes and try again.",
                minutes,
            ),
        )
        return
    await reply(update, t(REFUSALS.get(result.outcome, NOT_FOUND)))


def welcome(person: Person, *, returning: bool) -> str:
    t = translator(person.language)
    if returning:
        first = t("Welcome back, {name}!", name=person.display_name)
    else:
        first = t("Hello {name}! You are now connected to Coachbot.", name=person.display_name)
    return first + "\n\n" + help_text(person)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [CommandHandler("start", start, filters=filters.ChatType.PRIVATE)]
