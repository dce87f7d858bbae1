"""Conversation handlers, one module each; `register` wires them in a fixed order."""

from __future__ import annotations

import inspect

from telegram import Update
from telegram.ext import Application, TypeHandler

from handlers import (
    absence,
    admin,
    alerts,
    attendance,
    change,
    checkins,
    clients,
    errors,
    evaluation,
    fallback,
    goals,
    help,
    language,
    manage_meetings,
    meetings,
    onboarding,
    progress,
    schedule,
    settings,
    stop,
    ui,
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
        alerts,
        stop,
        change,
        onboarding,
        schedule,
        meetings,
        manage_meetings,
        settings,
        goals,
        progress,
        help,
        language,
        clients,
        admin,
        absence,  # its free-text entry must come after conversations that wait for text
        fallback,
    )
    for module in modules:
        # Modules with conversations build fresh handlers per Application (their state
        # must not be shared between two bots in one process); the others are stateless.
        make = getattr(module, "make_handlers", None)
        if make is None:
            made = module.HANDLERS
        elif inspect.signature(make).parameters:
            made = make(application)  # its filters read the Application's user_data
        else:
            made = make()
        application.add_handlers(made)
    application.add_error_handler(errors.on_error)
