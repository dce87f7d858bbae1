"""Conversation handlers, one module each; `register` wires them in a fixed order.

Every module has the same shape: `handlers(application) -> list` builds its handlers.
Order matters: the first handler of group 0 that matches takes the update."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ConversationHandler, TypeHandler

from handlers import (
    absence,
    admin,
    alerts,
    attendance,
    change,
    checkins,
    clients,
    diary,
    errors,
    evaluation,
    fallback,
    goals,
    help,
    interim,
    language,
    manage_meetings,
    meetings,
    onboarding,
    periods,
    procedure,
    progress,
    schedule,
    settings,
    stop,
    ui,
    voice_notice,
)


def register(application: Application) -> None:  # type: ignore[type-arg]
    # Before everything: a person who starts something else is no longer answering a
    # question that waited for their text (see handlers.ui.Awaiting).
    application.add_handler(TypeHandler(Update, ui.moved_on), group=-1)
    # One group: the first handler that matches takes the update, so fallback goes last.
    modules = (
        attendance,
        checkins,
        evaluation,
        interim,
        procedure,
        alerts,
        stop,
        change,
        onboarding,
        schedule,
        meetings,
        manage_meetings,
        settings,
        goals,
        diary,
        periods,
        progress,
        help,
        language,
        clients,
        admin,
        voice_notice,  # a client's voice message: a notice, as absence's free text can be
        absence,  # its free-text entry must come after conversations that wait for text
        fallback,
    )
    for module in modules:
        # Each module builds fresh handlers per Application: a conversation's state belongs
        # to one running bot, never shared between two in one process (tests, the console).
        made = module.handlers(application)
        for handler in made:
            # A conversation's state is kept in the database under its name (bot.inbox).
            if isinstance(handler, ConversationHandler) and not handler.name:
                raise ValueError(f"{module.__name__}: every conversation needs a name")
        application.add_handlers(made)
    application.add_error_handler(errors.on_error)
