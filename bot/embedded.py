"""Run the Application inside an event loop that someone else owns (tests, the console).

The same steps as `Application.run_polling`, in the same order, so an embedded bot is
wired exactly like the one in production.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.ext import Application

from bot.app import ALLOWED_UPDATES


@asynccontextmanager
async def running(
    application: Application,  # type: ignore[type-arg]
    *,
    poll_timeout: int = 1,
    polling: bool = True,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """`polling=False` runs handlers and jobs but no updater (a second dispatcher process)."""
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        assert application.updater is not None
        if polling:
            await application.updater.start_polling(
                poll_interval=0, timeout=poll_timeout, allowed_updates=ALLOWED_UPDATES
            )
        await application.start()
        yield application
    finally:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()
