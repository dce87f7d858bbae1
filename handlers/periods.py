"""(being written)"""

from __future__ import annotations

from telegram.ext import Application, BaseHandler


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return []
