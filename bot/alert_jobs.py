"""(being written)"""

from __future__ import annotations

from telegram.ext import Application


def attach(application: Application) -> None:  # type: ignore[type-arg]
    """Start the periodic jobs of this module (none yet)."""
