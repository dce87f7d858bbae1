"""Conversation handlers, one module each; `register` wires them in a fixed order."""

from __future__ import annotations

import warnings

from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from handlers import (
    admin,
    clients,
    errors,
    fallback,
    help,
    language,
    manage_meetings,
    meetings,
    onboarding,
    schedule,
    settings,
)

# The conversations are per user on purpose: one flow at a time, whichever message its
# buttons are on. PTB warns about exactly that choice.
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)


def register(application: Application) -> None:  # type: ignore[type-arg]
    # One group: the first handler that matches takes the update, so fallback goes last.
    modules = (
        onboarding,
        schedule,
        meetings,
        manage_meetings,
        settings,
        help,
        language,
        clients,
        admin,
        fallback,
    )
    for module in modules:
        application.add_handlers(module.HANDLERS)
    application.add_error_handler(errors.on_error)
