"""Conversation handlers, one module each; `register` wires them in a fixed order."""

from __future__ import annotations

from telegram.ext import Application

from handlers import admin, clients, errors, fallback, help, language, onboarding


def register(application: Application) -> None:  # type: ignore[type-arg]
    # One group: the first handler that matches takes the update, so fallback goes last.
    for module in (onboarding, help, language, clients, admin, fallback):
        application.add_handlers(module.HANDLERS)
    application.add_error_handler(errors.on_error)
