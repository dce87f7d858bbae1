"""What handlers need at hand: settings, the database and the clock.

Kept in `application.bot_data` so handlers stay thin and tests can pass a clock in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from telegram.ext import Application, CallbackContext

from bot.settings import Settings
from storage.db import Database

SERVICES_KEY = "coachbot.services"


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Callable[[], datetime] = field(default=system_clock)
    # Set by the outbox dispatcher: call after committing a message that must go at once.
    wake_outbox: Callable[[], None] = field(default=lambda: None)

    def now(self) -> datetime:
        """The current instant, timezone-aware UTC; the only clock handlers read."""
        return self.clock()


def services_of(context: CallbackContext | Application) -> Services:  # type: ignore[type-arg]
    bot_data = context.bot_data
    return bot_data[SERVICES_KEY]  # type: ignore[no-any-return]
