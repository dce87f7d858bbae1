"""The last line of defence: log the failure without personal data, and tell the person."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.access import Refused, language_for, refuse
from bot.inbox import current_attempt, is_passing_fault
from bot.services import services_of
from messages.i18n import translator
from storage import people

log = logging.getLogger("coachbot.errors")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, Refused) and isinstance(update, Update):
        # Not a failure: an access check said no. The one place it becomes an answer.
        await refuse(update, context, error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    attempt = current_attempt()
    if attempt is not None and attempt.update_id == update_id and error is not None:
        attempt.error = error
        if is_passing_fault(error) and not attempt.last:
            # The inbox tries the update again shortly, from the state before it: the
            # person gets the answer then, not an apology now.
            log.warning("update %s will be tried again: %s", update_id, type(error).__name__)
            return
    # The exception's type and traceback, the update id: never the message text or names.
    log.error(
        "handler failed on update %s: %s",
        update_id,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    # The error handler gets a fresh context, so the person is looked up again (the
    # database may be what failed: then the Telegram app's language must do).
    person = None
    services = services_of(context)
    if update.effective_user is not None:
        try:
            person = await services.db.run(people.by_telegram_id, update.effective_user.id)
        except Exception:
            log.warning("could not look up the person of update %s", update_id)
    default = services.settings.default_language
    t = translator(language_for(update, person, default))
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await update.effective_chat.send_message(
            t(
                "Sorry, something went wrong on my side. Nothing you sent was lost. "
                "Please try again in a moment."
            )
        )
    except TelegramError:
        log.warning("could not tell update %s about the failure", update_id)
