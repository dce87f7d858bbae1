"""The outbox dispatcher: claims due rows and sends them, within Telegram's limits.

Driven by the JobQueue (a repeating tick, and an immediate one when something is sent
"now"). Rows are claimed in batches and refilled before the batch runs dry, so a chat
that must wait for its one-message-a-second turn never holds the others back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.coalesce import Coalescer
from bot.ratelimit import OUTBOX, TelegramLimits
from bot.rules.delivery import after_quiet_hours, gives_up, in_quiet_hours, retry_delay
from bot.services import Services
from messages.i18n import N_
from messages.render import render, render_buttons
from storage import outbox
from storage.models import OutboxMessage, Person, Priority, Role

log = logging.getLogger("coachbot.outbox")

UNREACHABLE_MESSAGE = N_(
    "{name} cannot receive my messages: they have blocked me or closed their Telegram "
    "account. Please contact them another way."
)


@dataclass(frozen=True)
class Recipient:
    person_id: int
    chat_id: int | None
    language: str
    name: str
    role: str
    coach_id: int | None


@dataclass(frozen=True)
class Claimed:
    row: OutboxMessage
    recipient: Recipient


def _claim(
    session: Session, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[Claimed]:
    rows = outbox.claim(session, worker=worker, now=now, limit=limit, lease=lease)
    if not rows:
        return []
    ids = {row.recipient_id for row in rows}
    persons = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(ids)))}
    claimed = []
    for row in rows:
        p = persons[row.recipient_id]
        assert p.id is not None
        recipient = Recipient(
            p.id, p.telegram_user_id, p.language, p.display_name, p.role, p.coach_id
        )
        claimed.append(Claimed(row, recipient))
    return claimed


def _mark_unreachable(session: Session, recipient: Recipient, now: datetime) -> None:
    """Remember it, and tell the person's coach (or the admins) through their own chat."""
    person = session.get(Person, recipient.person_id)
    if person is None or person.unreachable_since is not None:
        return  # already known: nobody is told twice
    person.unreachable_since = now
    session.add(person)
    if recipient.role == Role.CLIENT.value and recipient.coach_id:
        told = [recipient.coach_id]
    else:
        told = list(
            session.exec(
                select(Person.id).where(
                    Person.role == Role.ADMIN.value,
                    col(Person.active),
                    Person.id != recipient.person_id,
                )
            )
        )
    for other in told:
        assert other is not None
        outbox.schedule(
            session,
            recipient_id=other,
            kind="unreachable",
            message=UNREACHABLE_MESSAGE,
            params={"name": recipient.name},
            key=f"unreachable:{recipient.person_id}:{other}:{now.date().isoformat()}",
            due_at=now,
            priority=Priority.ALERT,
        )


@dataclass
class _PassState:
    pending: list[Claimed] = field(default_factory=list)
    busy: set[int | None] = field(default_factory=set)
    exhausted: bool = False
    busy_until_free: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    claiming: asyncio.Lock = field(default_factory=asyncio.Lock)


class Dispatcher:
    def __init__(
        self,
        services: Services,
        bot: Bot,
        *,
        limits: TelegramLimits | None = None,
        batch_size: int = 100,
        concurrency: int = 16,
        lease: timedelta = timedelta(seconds=60),
        interval: float = 2.0,
    ) -> None:
        self.services = services
        self.bot = bot
        self.limits = limits
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.lease = lease
        self.interval = interval
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lock = asyncio.Lock()
        self._again = False
        self._stopping = False
        self._application: Application | None = None  # type: ignore[type-arg]
        self.sent = 0
        db = services.db
        self._starts: Coalescer[int, bool] = Coalescer(
            lambda ids: db.run(outbox.start_sending_many, ids, self.worker)
        )
        self._marks: Coalescer[tuple[int, int], None] = Coalescer(
            lambda pairs: db.run(outbox.mark_sent_many, pairs, self.worker, now=services.now())
        )

    # --- wiring -----------------------------------------------------------------------
    def attach(self, application: Application) -> None:  # type: ignore[type-arg]
        """Tick from the JobQueue; `wake` makes an immediate tick."""
        assert application.job_queue is not None
        self._application = application
        if self.services.db.dialect == "sqlite":
            # SQLite runs one bot process: whatever a dead process left claimed is free now.
            self.services.db.call(outbox.reclaim_expired, datetime.max.replace(tzinfo=UTC))
        application.job_queue.run_repeating(
            self._job,
            interval=self.interval,
            first=0.0,
            name="outbox-dispatcher",
            job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
        )
        self.services.wake_outbox = self.wake

    async def _job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        if self._lock.locked():  # a pass is running: it will look once more when done
            self._again = True
            return
        await self.run_once()

    def wake(self) -> None:
        """Send what is due now instead of waiting for the next tick (alerts go at once)."""
        if self._stopping:
            return
        if self._lock.locked():
            self._again = True
            return
        if self._application is not None and self._application.job_queue is not None:
            self._application.job_queue.run_once(self._job, 0.0, name="outbox-wake")

    async def stop(self) -> None:
        self._stopping = True
        async with self._lock:  # let the pass in progress finish what is on the wire
            pass

    # --- one pass ---------------------------------------------------------------------
    async def run_once(self) -> int:
        """Send everything due now, alerts first, oldest first. Returns the number sent.

        Waits for a pass already running, then makes its own, so a caller knows that
        whatever was due when it called has been handled.
        """
        sent_before = self.sent
        async with self._lock:
            while True:
                self._again = False
                await self._pass()
                if not self._again or self._stopping:
                    break
        return self.sent - sent_before

    async def _pass(self) -> None:
        """A fixed pool of senders works through the claimed rows, refilled as they go.

        A sender takes the first row whose chat is neither being written to nor waiting
        for its one-message-a-second turn; rows of one chat keep their order.
        """
        await self.services.db.run(outbox.reclaim_expired, self.services.now())
        state = _PassState()
        senders = [asyncio.create_task(self._sender(state)) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*senders)
        finally:
            for sender in senders:
                sender.cancel()
            leftover = [item.row.id for item in state.pending if item.row.id is not None]
            if leftover:
                await self.services.db.run(outbox.release, self.worker, leftover)

    async def _refill(self, state: _PassState) -> None:
        async with state.claiming:
            if state.exhausted or self._stopping or len(state.pending) >= self.batch_size // 2:
                return
            wanted = self.batch_size - len(state.pending)
            batch = await self.services.db.run(
                _claim, self.worker, self.services.now(), wanted, self.lease
            )
            state.exhausted = len(batch) < wanted
            state.pending.extend(batch)
            state.changed.set()

    def _take(self, state: _PassState) -> tuple[Claimed | None, float]:
        """The first sendable row, or None and how long until a busy chat is free."""
        wait = 1.0
        for index, item in enumerate(state.pending):
            chat = item.recipient.chat_id
            if chat in state.busy:
                continue
            ready_in = self.limits.chat_ready_in(chat) if self.limits and chat else 0.0
            if ready_in > 0:
                state.busy_until_free = True
                wait = min(wait, ready_in)
                continue
            del state.pending[index]
            return item, 0.0
        return None, wait

    async def _sender(self, state: _PassState) -> None:
        while True:
            if len(state.pending) < self.batch_size // 2 and not state.exhausted:
                await self._refill(state)
            item, wait = self._take(state)
            if item is None:
                if self._stopping or (state.exhausted and not state.pending and not state.busy):
                    state.changed.set()  # let the other senders see the end too
                    return
                state.changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(state.changed.wait(), wait)
                continue
            chat = item.recipient.chat_id
            state.busy.add(chat)
            try:
                await self._deliver(item)
            except Exception:  # one bad row must not stop the others
                log.exception("outbox row %s could not be handled", item.row.id)
            finally:
                state.busy.discard(chat)
                state.changed.set()

    async def _deliver(self, item: Claimed) -> None:
        db = self.services.db
        row, recipient = item.row, item.recipient
        assert row.id is not None
        now = self.services.now()
        tz = self.services.settings.tz
        quiet_start, quiet_end = self.services.settings.quiet_window
        if row.quiet and in_quiet_hours(now, tz, quiet_start, quiet_end):
            await db.run(
                outbox.mark_retry,
                row.id,
                self.worker,
                due_at=after_quiet_hours(now, tz, quiet_start, quiet_end),
                error=None,
                count_attempt=False,
            )
            return
        if recipient.chat_id is None:
            await db.run(outbox.mark_failed, row.id, self.worker, error="recipient has not joined")
            return
        text = render(row.message, row.params, recipient.language, tz)
        markup = None
        rows = render_buttons(row.buttons, recipient.language)
        if rows:
            markup = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(label, callback_data=data) for label, data in r]
                    for r in rows
                ]
            )
        # A row is `sending` only while one of the `concurrency` senders holds it: a crash
        # can repeat at most that many messages.
        try:
            if not await self._starts.submit(row.id):
                return  # cancelled or moved while it waited here
            sent = await self.bot.send_message(
                recipient.chat_id, text, reply_markup=markup, rate_limit_args=OUTBOX
            )
            await self._marks.submit((row.id, sent.message_id))
            self.sent += 1
        except RetryAfter as error:
            seconds = error.retry_after
            delay = seconds.total_seconds() if hasattr(seconds, "total_seconds") else seconds
            if self.limits is not None:
                self.limits.pause(float(delay))
            await db.run(
                outbox.mark_retry,
                row.id,
                self.worker,
                due_at=self.services.now() + timedelta(seconds=float(delay)),
                error="429 retry_after",
                count_attempt=False,
            )
        except (Forbidden, BadRequest) as error:
            unreachable = isinstance(error, Forbidden) or "chat not found" in str(error).lower()
            await db.run(
                self._fail, row.id, recipient, type(error).__name__ + ": " + str(error), unreachable
            )
            self.services.wake_outbox()
        except InvalidToken:
            log.critical("Telegram refused the bot token; outbox sending paused")
            await db.run(
                outbox.mark_retry,
                row.id,
                self.worker,
                due_at=self.services.now() + timedelta(minutes=5),
                error="invalid token",
                count_attempt=False,
            )
        except TelegramError as error:  # network errors, timeouts, 5xx
            attempts = row.attempts + 1
            if gives_up(attempts):
                await db.run(
                    outbox.mark_failed,
                    row.id,
                    self.worker,
                    error=f"{type(error).__name__}: {error}",
                )
            else:
                await db.run(
                    outbox.mark_retry,
                    row.id,
                    self.worker,
                    due_at=self.services.now() + retry_delay(attempts),
                    error=f"{type(error).__name__}: {error}",
                )

    def _fail(
        self, session: Session, row_id: int, recipient: Recipient, error: str, unreachable: bool
    ) -> None:
        outbox.mark_failed(session, row_id, self.worker, error=error)
        if unreachable:
            _mark_unreachable(session, recipient, self.services.now())
