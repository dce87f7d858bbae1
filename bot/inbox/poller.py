"""Long polling into the inbox: fetch, store, and only then confirm.

Telegram forgets an update once a getUpdates call asks for a higher offset. The poller
stores each batch first and asks with the new offset only after the commit, so a crash
at any point leaves each update either stored or still at Telegram (which sends it again;
the repeat is dropped by its update_id).

On PostgreSQL several bot processes may run; one of them polls (it holds an advisory
lock: two getUpdates callers would make Telegram answer 409 Conflict), the others wait
and take over if it goes away. All of them handle the stored updates. Telegram down,
at start or later, means waiting and asking again, never exiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import text
from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.inbox.incoming import ALLOWED_UPDATES, incoming
from bot.inbox.worker import wall_clock
from bot.services import Services
from storage import inbox

log = logging.getLogger(__name__)

LEADER_LOCK = 0x636F6163  # "coac": one poller per database
STANDBY_INTERVAL = 5.0
MAX_BACKOFF = 30.0


class Poller:
    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        services: Services,
        wake: Callable[[], None],
        *,
        timeout: int = 10,
    ) -> None:
        self.application = application
        self.services = services
        self.wake = wake
        self.timeout = timeout
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._leader = None  # the connection that holds the advisory lock (PostgreSQL)
        self.polling = asyncio.Event()  # set once this process is the one that polls

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="inbox-poller")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._leader is not None:
            await asyncio.to_thread(self._leader.close)
            self._leader = None

    async def _run(self) -> None:
        while not await self._lead():
            if await self._sleep(STANDBY_INTERVAL):
                return
        self.polling.set()
        await self._poll()

    async def _lead(self) -> bool:
        """Whether this process may poll: always on SQLite (one process), on PostgreSQL
        while it holds the advisory lock."""
        db = self.services.db
        if db.dialect != "postgresql":
            return True

        def try_lock() -> bool:
            connection = db.engine.connect()
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}
            ).scalar()
            connection.commit()
            if taken:
                self._leader = connection
                return True
            connection.close()
            return False

        try:
            return await asyncio.to_thread(try_lock)
        except Exception as error:
            log.warning("inbox: cannot reach the database for the poll lock (%s)", error.__class__)
            return False

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, or return True at once when stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

    async def _poll(self) -> None:
        bot = self.application.bot
        offset: int | None = None
        backoff = 1.0
        failing = 0
        while not self._stopping.is_set():
            try:
                updates = await bot.get_updates(
                    offset=offset,
                    timeout=self.timeout,
                    allowed_updates=ALLOWED_UPDATES,
                    read_timeout=self.timeout + 10,
                )
            except InvalidToken:
                raise
            except RetryAfter as error:
                delay = error.retry_after
                seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else delay
                if await self._sleep(float(seconds)):
                    return
                continue
            except (NetworkError, Conflict, TelegramError) as error:
                failing += 1
                if failing == 1:
                    log.warning("inbox: getUpdates failed (%s); retrying", type(error).__name__)
                if await self._sleep(backoff):
                    return
                backoff = min(MAX_BACKOFF, backoff * 2)
                continue
            if failing:
                log.warning("inbox: Telegram answers again after %d failed polls", failing)
                failing, backoff = 0, 1.0
            if not updates:
                continue
            await self._store(updates)
            # Only now: the next getUpdates with this offset confirms the batch to Telegram.
            offset = updates[-1].update_id + 1
            self.wake()

    async def _store(self, updates: tuple[Update, ...]) -> None:
        """Store a batch, however long the database takes to come back: the offset is not
        moved until it is stored."""
        batch = [incoming(update) for update in updates]
        delay = 0.5
        failing = 0
        while True:
            try:
                await self.services.db.run(inbox.store, batch, self.services.now(), wall_clock())
                if failing:
                    log.warning("inbox: stored again after %d failed tries", failing)
                return
            except Exception as error:
                failing += 1
                if failing == 1:
                    log.warning("inbox: cannot store updates (%s); retrying", type(error).__name__)
                if await self._sleep(delay):
                    raise asyncio.CancelledError from error
                delay = min(MAX_BACKOFF, delay * 2)
