"""Conversation handlers, one module each; `register` wires them in a fixed order."""

from __future__ import annotations

from telegram.ext import Application

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
)


def register(application: Application) -> None:  # type: ignore[type-arg]
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
        made = module.make_handlers() if hasattr(module, "make_handlers") else module.HANDLERS
        application.add_handlers(made)
    application.add_error_handler(errors.on_error)
