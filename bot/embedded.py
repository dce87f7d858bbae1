"""Run the Application: the one way the bot runs, in production, in tests and in the console.

The steps of `Application.run_polling`, in the same order, with python-telegram-bot's own
updater replaced by the durable inbox (`bot.inbox`): updates are stored before Telegram
is told they arrived, and handled from the database. Telegram or the database being away
at start means waiting and trying again, not exiting. Stopping takes no new work and lets
what is in hand finish within a grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Literal

from sqlalchemy.engine import make_url
from telegram.error import InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

from bot.inbox import webhook
from bot.inbox.incoming import ALLOWED_UPDATES
from bot.inbox.poller import Poller
from bot.inbox.worker import InboxWorker
from bot.services import services_of

log = logging.getLogger(__name__)

INBOX_KEY = "coachbot.inbox"
STOP_GRACE = 10.0  # seconds in-flight work may take after a stop

Mode = Literal["polling", "webhook", "none"]


class StoppedWhileWaiting(Exception):
    """A stop came while the bot still waited for Telegram at start."""


async def _initialize(application: Application, stop: asyncio.Event | None) -> None:  # type: ignore[type-arg]
    """`initialize` asks Telegram who the bot is: until Telegram answers, wait and ask
    again (a stop meanwhile ends the wait)."""
    stop = stop or asyncio.Event()
    delay, failing = 1.0, 0
    while True:
        try:
            await application.initialize()
            if failing:
                log.warning("Telegram answers again after %d tries", failing + 1)
            return
        except InvalidToken:
            raise
        except (NetworkError, RetryAfter) as error:
            failing += 1
            if failing == 1:
                log.warning("Telegram is not reachable (%s); waiting", type(error).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            if stop.is_set():
                raise StoppedWhileWaiting from error
            delay = min(30.0, delay * 2)


def inbox_of(application: Application) -> InboxWorker:  # type: ignore[type-arg]
    return application.bot_data[INBOX_KEY]  # type: ignore[no-any-return]


@asynccontextmanager
async def running(
    application: Application,  # type: ignore[type-arg]
    *,
    poll_timeout: int = 1,
    polling: bool = True,
    mode: Mode | None = None,
    stop: asyncio.Event | None = None,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Start the bot; stop it gracefully when the block ends.

    `mode`: "polling" (the default), "webhook" (serve Telegram's POSTs, settings give the
    address and secret), or "none" (handle stored updates, jobs and the outbox, but take
    no new updates: another process takes them). `polling=False` is "none". `stop` set
    while Telegram is still awaited at start raises `StoppedWhileWaiting`."""
    mode = mode or ("polling" if polling else "none")
    services = services_of(application)
    await _initialize(application, stop)
    worker = InboxWorker(application, services, concurrency=services.settings.inbox_concurrency)
    application.bot_data[INBOX_KEY] = worker
    poller: Poller | None = None
    server = None
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        worker.start()
        if mode == "polling":
            poller = Poller(application, services, worker.wake, timeout=poll_timeout)
            poller.start()
        elif mode == "webhook":
            settings = services.settings
            assert settings.webhook_url and settings.webhook_secret
            secret = settings.webhook_secret.get_secret_value()
            server = webhook.serve(
                application,
                services,
                worker.wake,
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                secret=secret,
            )
            await application.bot.set_webhook(
                settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES
            )
        yield application
    finally:
        if server is not None:
            server.stop()
        if poller is not None:
            await poller.stop()
        await worker.stop(STOP_GRACE)
        if application.running:
            await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
        await application.shutdown()


async def serve(application: Application, mode: Mode) -> None:  # type: ignore[type-arg]
    """Run until SIGTERM or SIGINT, then stop gracefully: no new work is taken, what is
    in hand finishes within STOP_GRACE seconds, nothing is left half-done."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    try:
        async with running(application, mode=mode, poll_timeout=10, stop=stop):
            log.info("Coachbot is running (%s)", mode)
            await stop.wait()
            log.info("stopping")
    except StoppedWhileWaiting:
        log.info("stopped before Telegram answered")


def hold_sqlite(database_url: str) -> IO[bytes] | None:
    """SQLite serves one bot process: a second one on the same file refuses to start.

    Returns the open lock file (kept open for the life of the process), or None for a
    database that is not an SQLite file. Raises `AlreadyRunning`."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(url.database).with_suffix(".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("wb")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise AlreadyRunning(
            f"Another Coachbot is already running on {url.database}. SQLite serves one bot "
            "process; stop the other one, or use PostgreSQL to run several."
        ) from None
    return handle


class AlreadyRunning(RuntimeError):
    pass
