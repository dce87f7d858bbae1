"""The inbox worker: handles stored updates, one at a time per person, many people at once.

Each claimed update runs through the Application's handlers like any other, with the
person's conversation state loaded from the database first. When the handlers are done,
the update is marked done and the new state saved, in one transaction. A passing fault
(the database or Telegram away for a moment) puts the update back for a later try, with
the state as it was before it; after `MAX_ATTEMPTS` the person gets the apology and the
update is kept as failed for `coachbot inbox list --failed`. A bug is not retried: the
error handler apologises at once.

Inbox mechanics (due times, leases) run on the wall clock; the times a rule reads (when
a notice was sent) are the services' clock, stored with the update.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from telegram import Update
from telegram.ext import Application

from bot.inbox import conversations
from bot.inbox.attempts import Attempt, is_passing_fault, reset_attempt, set_attempt
from bot.services import Services
from messages.i18n import normalize, translator
from storage import inbox, people
from storage.models import InboxStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # with retry_delay: about two minutes of Telegram or database outage
LEASE = timedelta(seconds=30)  # a dead process's updates wait this long, at most
HOUSEKEEPING = 10.0  # seconds: leases renewed well before they run out (LEASE)
WRITE_PATIENCE = 60.0  # seconds a done mark waits for the database to come back
DONE_KEPT = timedelta(days=2)  # ids kept for the duplicate check; Telegram resends within 24 h


def wall_clock() -> datetime:
    return datetime.now(UTC)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … seconds, at most a minute: a short outage is ridden out quickly."""
    return timedelta(seconds=min(60, 2 ** max(0, attempts - 1)))


class InboxWorker:
    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        services: Services,
        *,
        concurrency: int = 16,
        interval: float = 0.5,
        lease: timedelta = LEASE,
        wall: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.application = application
        self.services = services
        self.concurrency = concurrency
        self.interval = interval
        self.lease = lease
        self.wall = wall
        self.name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._working: set[int] = set()
        self._stopping = False
        self._runner: asyncio.Task[None] | None = None
        self._db_down = 0  # failed claims in a row: logged once, then counted

    # --- life cycle --------------------------------------------------------------------
    def start(self) -> None:
        if self.services.db.dialect == "sqlite":
            # SQLite serves one bot process: whatever a dead process left working is ours.
            self.services.db.call(inbox.reclaim_expired, datetime.max.replace(tzinfo=UTC))
        self._runner = asyncio.create_task(self._run(), name="inbox-worker")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, grace: float = 10.0) -> None:
        """Take no new updates; let the ones in hand finish within `grace` seconds."""
        self._stopping = True
        self._wake.set()
        if self._runner is not None:
            await self._runner
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in pending:
                task.cancel()
            if pending:
                # Left `working`: another process (or this one at its next start) takes
                # them again when the lease ends; nothing is marked done that was not.
                await asyncio.wait(pending)

    async def drained(self) -> None:
        """Wait until nothing is claimable or in hand (tests)."""
        while True:
            self._wake.set()
            await asyncio.sleep(0.01)
            if not self._tasks and await self.services.db.run(_nothing_due, self.wall()):
                return

    # --- the loop ------------------------------------------------------------------------
    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_housekeeping = loop.time() + HOUSEKEEPING
        while not self._stopping:
            self._wake.clear()
            claimed = await self._claim()
            if loop.time() >= next_housekeeping:
                next_housekeeping = loop.time() + HOUSEKEEPING
                await self._housekeeping()
            if claimed and len(self._tasks) < self.concurrency:
                continue  # more may be waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)

    async def _claim(self) -> int:
        free = self.concurrency - len(self._tasks)
        if free <= 0:
            return 0
        try:
            rows = await self.services.db.run(
                inbox.claim, worker=self.name, now=self.wall(), limit=free, lease=self.lease
            )
        except Exception as error:
            self._db_down += 1
            if self._db_down == 1:
                log.warning("inbox: cannot claim updates (%s); retrying", type(error).__name__)
            return 0
        if self._db_down:
            log.warning("inbox: the database is back after %d failed claims", self._db_down)
            self._db_down = 0
        for row in rows:
            self._working.add(row.update_id)
            task = asyncio.create_task(self._handle(row), name=f"inbox:{row.update_id}")
            self._tasks.add(task)
            task.add_done_callback(self._finished)
        return len(rows)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wake.set()
        if not task.cancelled() and task.exception() is not None:
            log.error("inbox: a worker task failed: %s", type(task.exception()).__name__)

    async def _housekeeping(self) -> None:
        now = self.wall()
        try:
            await self.services.db.run(
                inbox.renew, self.name, list(self._working), now + self.lease
            )
            await self.services.db.run(inbox.reclaim_expired, now)
            await self.services.db.run(inbox.purge_done, now - DONE_KEPT)
        except Exception as error:
            log.warning("inbox: housekeeping failed (%s)", type(error).__name__)

    # --- one update ------------------------------------------------------------------------
    async def _handle(self, row) -> None:  # type: ignore[no-untyped-def]
        try:
            await self._handle_row(row)
        except Exception as error:
            # The database went away around the handlers: the row stays `working` until
            # its lease ends, then it is handled again (the person's lane waits meanwhile).
            log.warning("inbox: update %s left for later (%s)", row.update_id, type(error).__name__)
        finally:
            self._working.discard(row.update_id)

    async def _write(self, fn, *args) -> None:  # type: ignore[no-untyped-def]
        """A write after the handlers ran (the reply may be out): keep trying while the
        database is briefly away, so the update is not handled a second time."""
        delay, waited = 0.5, 0.0
        while True:
            try:
                await self.services.db.run(fn, *args)
                return
            except Exception:
                if waited >= WRITE_PATIENCE or self._stopping:
                    raise
                await asyncio.sleep(delay)
                waited += delay
                delay = min(delay * 2, 5.0)

    async def _handle_row(self, row) -> None:  # type: ignore[no-untyped-def]
        db = self.services.db
        update = Update.de_json(row.payload, self.application.bot)
        if update is None:
            await db.run(inbox.fail, row.update_id, self.name, self.wall(), "unreadable")
            return
        user = update.effective_user
        stored = await db.run(inbox.conversation_of, user.id) if user is not None else None
        try:
            conversations.restore(self.application, update, stored, self.wall())
        except conversations.LostState as lost:
            # The drafts were written by code that has changed since: say so once, and
            # handle this update from a clean slate (a new command still works).
            log.warning("inbox: update %s: stored drafts unreadable (%s)", row.update_id, lost)
            if stored is not None and stored.states:
                await self._tell_lost(update)
        attempt = Attempt(
            update_id=row.update_id,
            received_at=row.received_at,
            sent_at=row.sent_at,
            last=row.attempts >= MAX_ATTEMPTS,
        )
        token = set_attempt(attempt)
        try:
            await self.application.process_update(update)
        finally:
            reset_attempt(token)
        error = attempt.error
        now = self.wall()
        if error is not None and is_passing_fault(error) and not attempt.last:
            await self._write(
                inbox.retry_later,
                row.update_id,
                self.name,
                now + retry_delay(row.attempts),
                type(error).__name__,
            )
            return
        state = conversations.snapshot(self.application, update, now)
        if error is not None and is_passing_fault(error):
            # Given up after MAX_ATTEMPTS: the error handler has apologised.
            await self._write(inbox.fail, row.update_id, self.name, now, type(error).__name__)
            return
        await self._write(inbox.finish, row.update_id, self.name, now, state)

    async def _tell_lost(self, update: Update) -> None:
        chat = update.effective_chat
        user = update.effective_user
        if chat is None:
            return
        default = self.services.settings.default_language
        person = await self.services.db.run(people.by_telegram_id, user.id) if user else None
        language = person.language if person is not None else None
        t = translator(language or normalize(user.language_code if user else None, default))
        if update.callback_query is not None:
            with contextlib.suppress(Exception):
                await update.callback_query.answer()
        with contextlib.suppress(Exception):
            await chat.send_message(
                t(
                    "Sorry, I lost track of where we were. Please start again: "
                    "/help shows what you can do."
                )
            )


def _nothing_due(session, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    due = inbox.next_due(session)
    working = inbox.list_updates(session, status=InboxStatus.WORKING, limit=1)
    return (due is None or due > now) and not working
