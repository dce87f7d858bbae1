"""The outbox dispatcher: claims due rows and sends them, within Telegram's limits.

Driven by the JobQueue (a repeating tick, and an immediate one when something is sent
"now"). A pass works in steps. A step is one transaction, made in one thread hop: it
records the messages Telegram has accepted since the last step, holds back rows in quiet
hours and for people who have not joined yet, marks the next group of rows `sending` (the last
check before the wire: a row cancelled or moved while claimed is not sent) and claims
more rows before the claimed ones run out. Then the group goes on the wire at once.

Why steps: every message needs two writes (on the wire, then sent). Made one by one,
each in its own transaction and its own hop to a worker thread (whose Python competes
with the event loop for the GIL), they cost about as much CPU as the send itself; a step
shares one transaction and one hop between a whole group. While messages are out, the
next step waits until most slots are back (or `LINGER`), so that groups stay large
under load and a lone alert still goes at once.

Expiry: the claim never takes a row past its `expires_at`, and the last check before the
wire drops a row that expired since (storage.outbox): a meeting's reminder held through a
restart or a long outage is not sent after the meeting has started.

Inactive recipients: a row whose recipient has been deactivated (bot.people) is cancelled
at its claim, in the claim's own transaction, with `last_error = "recipient inactive"`: a
deactivated person gets nothing, whatever was queued for them.

Leases: a claim holds its rows for `lease`. While a pass holds rows (claimed and waiting
for a chat's turn or behind a 429 pause, or on the wire), it renews their lease every
third of it, so another process's `reclaim_expired` takes only a dead dispatcher's rows.

Crash bound: a row is `sending` from the step that starts it until the step that
records it sent, or until its failure is written. A step starts no more rows than
`concurrency` minus those still held, counting the ones its own writes release, so no
committed state ever has more than `concurrency` rows `sending`
(COACHBOT_OUTBOX_CONCURRENCY, default 16): a SIGKILL can repeat at most that many
messages. A chat waiting for its one-message-a-second turn never holds the others back:
a group is the first ready rows, one per chat, so rows of one chat keep their order.
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
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from bot.outbox.ratelimit import OUTBOX, TelegramLimits
from bot.rules.delivery import after_quiet_hours, gives_up, in_quiet_hours, retry_delay
from bot.services import Services
from messages.i18n import N_
from messages.limits import split_text
from messages.render import render, render_buttons
from storage import outbox
from storage.models import OutboxMessage, OutboxStatus, Person, Priority, Role

log = logging.getLogger("coachbot.outbox")
NOT_JOINED_RETRY = timedelta(hours=1)
# last_error of a row cancelled because its recipient was deactivated (bot.people): a
# deactivated person gets nothing, whatever was queued for them before or after.
RECIPIENT_INACTIVE = "recipient inactive"

UNREACHABLE_MESSAGE = N_(
    "{name} cannot receive my messages: they have blocked me or closed their Telegram "
    "account. Please contact them another way."
)
# Rows of these kinds carry no text: COPY sends a copy of a message the bot received
# (params: from_chat_id, message_id; a client's voice message to the coach), UNBUTTON
# takes the buttons off a message the bot sent the recipient earlier (params: message_id;
# an acknowledged alert's every copy). They keep their place in the chat's order.
COPY = "copy"
UNBUTTON = "unbutton"
# What Telegram says when the buttons are gone already, or the message is: nothing to do.
_NOTHING_TO_UNBUTTON = ("not modified", "message to edit not found", "can't be edited")
# How long a step waits for more sends to come back before it writes a small group:
# long next to a send on a busy loop, short next to a person waiting for a message.
LINGER = 0.05


@dataclass(frozen=True)
class Recipient:
    person_id: int
    chat_id: int | None
    language: str
    name: str
    role: str
    coach_id: int | None
    active: bool = True


@dataclass(frozen=True)
class Claimed:
    """A claimed row, with what sending it needs."""

    row_id: int
    message: str
    params: dict[str, Any]
    buttons: list[Any] | None
    quiet: bool
    attempts: int
    recipient: Recipient
    kind: str = ""  # COPY and UNBUTTON rows are not texts; any other kind is a text


@dataclass(frozen=True)
class Outgoing:
    """A claimed row rendered for its recipient, ready for the wire."""

    item: Claimed
    chat_id: int
    text: str
    markup: InlineKeyboardMarkup | None


_OUTBOX, _PERSON = OutboxMessage.__table__, Person.__table__
# The claimed rows and their recipients in one query, as plain rows: no ORM objects.
_CLAIMED = (
    sa_select(
        _OUTBOX.c.id,
        _OUTBOX.c.message,
        _OUTBOX.c.params,
        _OUTBOX.c.buttons,
        _OUTBOX.c.quiet,
        _OUTBOX.c.attempts,
        _OUTBOX.c.kind,
        _PERSON.c.id,
        _PERSON.c.telegram_user_id,
        _PERSON.c.language,
        _PERSON.c.display_name,
        _PERSON.c.role,
        _PERSON.c.coach_id,
        _PERSON.c.active,
    )
    .join(_PERSON, _PERSON.c.id == _OUTBOX.c.recipient_id)
    .where(
        _OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
        _OUTBOX.c.claimed_by == bindparam("worker"),
        _OUTBOX.c.status == OutboxStatus.CLAIMED.value,
    )
    .order_by(_OUTBOX.c.priority, _OUTBOX.c.due_at, _OUTBOX.c.id)
)
# This worker's claimed rows whose recipient is inactive: cancelled, never started.
_CANCEL_INACTIVE = (
    _OUTBOX.update()
    .where(
        _OUTBOX.c.id.in_(bindparam("ids", expanding=True)),
        _OUTBOX.c.claimed_by == bindparam("worker"),
        _OUTBOX.c.status == OutboxStatus.CLAIMED.value,
    )
    .values(
        status=OutboxStatus.CANCELLED.value,
        last_error=RECIPIENT_INACTIVE,
        claimed_by=None,
        lease_until=None,
    )
)


def _claim(
    session: Session, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[Claimed]:
    """Claim due rows and read them with their recipients. A row for a deactivated person
    is cancelled in the same transaction (it was this worker's claim, so no other
    dispatcher holds it) and never reaches the wire."""
    ids = outbox.claim_ids(session, worker=worker, now=now, limit=limit, lease=lease)
    if not ids:
        return []
    rows = session.connection().execute(_CLAIMED, {"ids": ids, "worker": worker})
    claimed = [
        Claimed(row_id, message, params, buttons, quiet, attempts, Recipient(*person), kind)
        for row_id, message, params, buttons, quiet, attempts, kind, *person in rows
    ]
    inactive = [item.row_id for item in claimed if not item.recipient.active]
    if inactive:
        session.connection().execute(_CANCEL_INACTIVE, {"ids": inactive, "worker": worker})
        claimed = [item for item in claimed if item.recipient.active]
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
class _Step:
    """The writes of one step, made in one transaction in this order."""

    now: datetime
    sent: list[tuple[int, int]] = field(default_factory=list)  # (row id, Telegram id)
    deferred: list[tuple[Claimed, datetime, str | None]] = field(default_factory=list)
    failed: list[tuple[Claimed, str]] = field(default_factory=list)
    start: list[Outgoing] = field(default_factory=list)
    claim: int = 0

    def __bool__(self) -> bool:
        return bool(self.sent or self.deferred or self.failed or self.start or self.claim)

    def unsent(self) -> list[Claimed]:
        """The claimed rows this step would have settled or started."""
        return (
            [item for item, _, _ in self.deferred]
            + [item for item, _ in self.failed]
            + [outgoing.item for outgoing in self.start]
        )


@dataclass
class _PassState:
    pending: list[Claimed] = field(default_factory=list)  # claimed, not yet started
    busy: set[int] = field(default_factory=set)  # chats with a message on the wire
    wire: set[asyncio.Task[None]] = field(default_factory=set)
    done: list[tuple[int, int]] = field(default_factory=list)  # accepted, not yet recorded
    held: int = 0  # rows this pass keeps `sending`: on the wire, or accepted
    on_wire: set[int] = field(default_factory=set)  # row ids of the sends not yet back
    exhausted: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    renew_at: datetime | None = None  # when the leases of the held rows are renewed next

    def holding(self) -> list[int]:
        """The rows this pass holds: claimed and waiting, on the wire, or accepted."""
        return (
            [item.row_id for item in self.pending]
            + list(self.on_wire)
            + [row_id for row_id, _ in self.done]
        )


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
        # While sends are out, a step waits for this many free slots: fewer, larger steps,
        # while the last quarter of the slots keeps the wire busy as the step is written.
        self.group = max(1, concurrency * 3 // 4)
        self.lease = lease
        self.interval = interval
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._lock = asyncio.Lock()
        self._again = False
        self._stopping = False
        self._state: _PassState | None = None
        self._application: Application | None = None  # type: ignore[type-arg]
        self.sent = 0

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
            if self._state is not None:
                self._state.changed.set()  # a waiting pass looks again at once
            return
        if self._application is not None and self._application.job_queue is not None:
            # However late the loop gets to it (a busy start runs every job at once), a
            # wake runs: APScheduler's default would drop it after one second.
            self._application.job_queue.run_once(
                self._job, 0.0, name="outbox-wake", job_kwargs={"misfire_grace_time": None}
            )

    async def stop(self) -> None:
        self._stopping = True
        if self._state is not None:
            self._state.changed.set()  # a waiting pass notices at once
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
        """Steps until nothing due is left; then what went out is recorded, the rest freed."""
        now = self.services.now()
        try:
            await self.services.db.run(outbox.reclaim_expired, now)
        except Exception as error:
            # The database is away: nothing can be claimed either; the next tick tries again.
            log.warning("outbox: cannot reach the database (%s)", type(error).__name__)
            return
        state = self._state = _PassState(renew_at=now + self.lease / 3)
        try:
            await self._steps(state)
        except asyncio.CancelledError:
            for task in state.wire:  # shutting down hard: stop waiting for Telegram
                task.cancel()
            raise
        finally:
            self._state = None
            await self._close(state)

    async def _steps(self, state: _PassState) -> None:
        while True:
            await self._keep_leases(state)
            await self._gather_group(state)
            step, wait = self._plan(state)
            if step:
                await self._write_step(state, step)
            elif self._finished(state):
                return
            else:  # a send to come back, or a chat's turn
                await self._wait(state, wait)

    async def _keep_leases(self, state: _PassState) -> None:
        """Every third of the lease, the held rows' lease is renewed: rows that wait long
        (behind a 429 pause) stay this dispatcher's. The loop of steps comes here at least
        once a second (`_wait` is never longer), and at once when woken."""
        now = self.services.now()
        if state.renew_at is not None and now < state.renew_at:
            return
        state.renew_at = now + self.lease / 3
        held = state.holding()
        if not held:
            return
        try:
            await self.services.db.run(outbox.renew_leases, held, self.worker, now + self.lease)
        except Exception as error:  # tried again a third of the lease later
            log.warning("outbox: could not renew %d leases (%s)", len(held), type(error).__name__)

    def _room(self, state: _PassState) -> int:
        """Rows the next step may start: the slots free once it records what is done."""
        return self.concurrency - state.held + len(state.done)

    def _finished(self, state: _PassState) -> bool:
        if state.wire or state.done:
            return False
        return self._stopping or self._room(state) <= 0 or (state.exhausted and not state.pending)

    async def _gather_group(self, state: _PassState) -> None:
        """While sends are out, wait for `group` free slots (or LINGER), for a larger step."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LINGER
        while state.wire and self._room(state) < self.group:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            await self._wait(state, remaining)

    @staticmethod
    async def _wait(state: _PassState, timeout: float) -> None:
        """Until a send comes back (or anything else changes), at most `timeout` seconds."""
        state.changed.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await state.changed.wait()

    # --- planning a step --------------------------------------------------------------
    def _plan(self, state: _PassState) -> tuple[_Step, float]:
        """The next step, and how long until a chat waiting for its turn is free."""
        room = self._room(state)
        step = _Step(self.services.now(), sent=state.done)
        state.done = []
        if self._stopping:
            return step, 1.0
        wait = self._choose(state, step, room)
        if not state.exhausted and len(state.pending) < self.batch_size // 2:
            step.claim = self.batch_size - len(state.pending)
        return step, wait

    def _choose(self, state: _PassState, step: _Step, room: int) -> float:
        """Move rows from `pending` into the step: held back, failed, or started.

        Started are the first rows, up to `room`, whose chat is neither on the wire nor
        waiting for its one-message-a-second turn.
        """
        settings = self.services.settings
        quiet_start, quiet_end = settings.quiet_window
        quiet_until = None
        if in_quiet_hours(step.now, settings.tz, quiet_start, quiet_end):
            quiet_until = after_quiet_hours(step.now, settings.tz, quiet_start, quiet_end)
        wait = 1.0
        kept: list[Claimed] = []
        for item in state.pending:
            chat = item.recipient.chat_id
            if quiet_until is not None and item.quiet:
                step.deferred.append((item, quiet_until, None))
            elif chat is None:
                # Not joined yet: the message waits (linking brings it forward at once).
                step.deferred.append((item, step.now + NOT_JOINED_RETRY, outbox.NOT_JOINED))
            elif len(step.start) >= room or chat in state.busy:
                kept.append(item)
            elif (ready_in := self._ready_in(chat)) > 0:
                wait = min(wait, ready_in)
                kept.append(item)
            else:
                self._compose(state, step, item, chat)
        state.pending = kept
        return wait

    def _ready_in(self, chat: int) -> float:
        return self.limits.chat_ready_in(chat) if self.limits is not None else 0.0

    def _compose(self, state: _PassState, step: _Step, item: Claimed, chat: int) -> None:
        """Render the row in its recipient's language; a row that cannot be rendered fails."""
        if item.kind in (COPY, UNBUTTON):
            state.busy.add(chat)
            step.start.append(Outgoing(item, chat, "", None))
            return
        language = item.recipient.language
        try:
            text = render(item.message, item.params, language, self.services.settings.tz)
            buttons = render_buttons(item.buttons, language)
        except Exception as error:  # a broken template never renders: say so on the row
            log.exception("outbox row %s cannot be rendered", item.row_id)
            step.failed.append((item, f"cannot render: {type(error).__name__}: {error}"))
            return
        markup = None
        if buttons:
            markup = InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(label, callback_data=data) for label, data in r]
                    for r in buttons
                ]
            )
        state.busy.add(chat)
        step.start.append(Outgoing(item, chat, text, markup))

    # --- making a step ----------------------------------------------------------------
    async def _write_step(self, state: _PassState, step: _Step) -> None:
        """One thread hop for the step's transaction; then its group goes on the wire."""
        try:
            started, claimed = await self.services.db.run(self._step_transaction, step)
        except BaseException:
            state.done[:0] = step.sent  # still to record: the pass records them on its way out
            state.pending[:0] = step.unsent()
            for outgoing in step.start:
                state.busy.discard(outgoing.chat_id)
            raise
        self.sent += len(step.sent)
        state.held -= len(step.sent)
        for outgoing, ok in zip(step.start, started, strict=True):
            if ok:
                state.held += 1
                state.on_wire.add(outgoing.item.row_id)
                task = asyncio.create_task(self._send(state, outgoing))
                state.wire.add(task)
            else:  # cancelled, moved or expired while it was claimed
                state.busy.discard(outgoing.chat_id)
        state.pending.extend(claimed)
        if step.claim:
            state.exhausted = len(claimed) < step.claim

    def _step_transaction(self, session: Session, step: _Step) -> tuple[list[bool], list[Claimed]]:
        outbox.mark_sent_many(session, step.sent, self.worker, now=step.now)
        for item, due_at, why in step.deferred:
            outbox.mark_retry(
                session, item.row_id, self.worker, due_at=due_at, error=why, count_attempt=False
            )
        for item, error in step.failed:
            outbox.mark_failed(session, item.row_id, self.worker, error=error)
        ids = [outgoing.item.row_id for outgoing in step.start]
        started = outbox.start_sending_many(session, ids, self.worker, now=step.now)
        claimed = (
            _claim(session, self.worker, step.now, step.claim, self.lease) if step.claim else []
        )
        return started, claimed

    async def _close(self, state: _PassState) -> None:
        """Wait for the wire, record what Telegram accepted, and free the rows not sent."""
        if state.wire:
            await asyncio.gather(*state.wire, return_exceptions=True)
        sent, leftover = state.done, [item.row_id for item in state.pending]
        if not sent and not leftover:
            return
        try:
            await self.services.db.run(self._close_transaction, sent, leftover, self.services.now())
        except Exception:  # the rows wait for their lease to run out, then go again
            log.exception("outbox: could not record %d sent rows at the end of a pass", len(sent))
            return
        self.sent += len(sent)

    def _close_transaction(
        self, session: Session, sent: list[tuple[int, int]], leftover: list[int], now: datetime
    ) -> None:
        outbox.mark_sent_many(session, sent, self.worker, now=now)
        outbox.release(session, self.worker, leftover)

    # --- on the wire ------------------------------------------------------------------
    async def _send(self, state: _PassState, outgoing: Outgoing) -> None:
        """Send one started row; what came back is recorded by the next step.

        A text over Telegram's limit goes as several messages, split at line ends (the
        handlers' `messages.limits.split_text`), its buttons on the last, whose id is
        recorded; the chat is busy until the last part is out. A COPY or UNBUTTON row
        is sent as what it is (`_send_other`)."""
        try:
            if outgoing.item.kind in (COPY, UNBUTTON):
                message_id = await self._send_other(outgoing)
            else:
                parts = split_text(outgoing.text)
                for number, part in enumerate(parts, start=1):
                    sent = await self.bot.send_message(
                        outgoing.chat_id,
                        part,
                        reply_markup=outgoing.markup if number == len(parts) else None,
                        rate_limit_args=OUTBOX,
                    )
                message_id = sent.message_id
        except TelegramError as error:
            await self._settle_failure(state, outgoing.item, error)
        except Exception:  # a bug, not Telegram: the row stays `sending` until its lease ends
            log.exception("outbox row %s could not be handled", outgoing.item.row_id)
        else:
            state.done.append((outgoing.item.row_id, message_id))
        finally:
            state.on_wire.discard(outgoing.item.row_id)  # accepted: now in `done`
            state.busy.discard(outgoing.chat_id)
            task = asyncio.current_task()
            if task is not None:
                state.wire.discard(task)
            state.changed.set()

    async def _send_other(self, outgoing: Outgoing) -> int:
        """A COPY row: the message copied into the recipient's chat (its new id). An
        UNBUTTON row: the buttons taken off the recipient's message (its id); a message
        without them already, or gone, needs nothing more."""
        params = outgoing.item.params
        if outgoing.item.kind == COPY:
            copied = await self.bot.copy_message(
                outgoing.chat_id,
                int(params["from_chat_id"]),
                int(params["message_id"]),
                rate_limit_args=OUTBOX,
            )
            return copied.message_id
        message_id = int(params["message_id"])
        try:
            await self.bot.edit_message_reply_markup(
                outgoing.chat_id, message_id, reply_markup=None, rate_limit_args=OUTBOX
            )
        except BadRequest as error:
            if not any(words in error.message.lower() for words in _NOTHING_TO_UNBUTTON):
                raise
        return message_id

    async def _settle_failure(self, state: _PassState, item: Claimed, error: TelegramError) -> None:
        """Write what the failed send means for the row; only then is its slot free."""
        try:
            await self._record_failure(item, error)
        except Exception:  # the row stays `sending` and keeps its slot: the bound holds
            log.exception("outbox row %s: could not record %r", item.row_id, error)
            return
        state.held -= 1

    async def _record_failure(self, item: Claimed, error: TelegramError) -> None:
        """Later (429, 5xx, network), never (after too many tries), or never and tell someone."""
        db, row_id = self.services.db, item.row_id
        if isinstance(error, RetryAfter):
            seconds = error.retry_after
            delay = seconds.total_seconds() if hasattr(seconds, "total_seconds") else seconds
            if self.limits is not None:
                self.limits.pause(float(delay))
            await db.run(
                outbox.mark_retry,
                row_id,
                self.worker,
                due_at=self.services.now() + timedelta(seconds=float(delay)),
                error="429 retry_after",
                count_attempt=False,
            )
        elif isinstance(error, Forbidden | BadRequest):
            unreachable = isinstance(error, Forbidden) or (
                # A copy's "chat not found" may be about the chat it copies from.
                item.kind != COPY and "chat not found" in str(error).lower()
            )
            message = type(error).__name__ + ": " + str(error)
            await db.run(self._fail, row_id, item.recipient, message, unreachable)
            self.services.wake_outbox()
        elif isinstance(error, InvalidToken):
            log.critical("Telegram refused the bot token; outbox sending paused")
            await db.run(
                outbox.mark_retry,
                row_id,
                self.worker,
                due_at=self.services.now() + timedelta(minutes=5),
                error="invalid token",
                count_attempt=False,
            )
        else:  # network errors, timeouts, 5xx
            attempts = item.attempts + 1
            message = f"{type(error).__name__}: {error}"
            if gives_up(attempts):
                await db.run(outbox.mark_failed, row_id, self.worker, error=message)
            else:
                await db.run(
                    outbox.mark_retry,
                    row_id,
                    self.worker,
                    due_at=self.services.now() + retry_delay(attempts),
                    error=message,
                )

    def _fail(
        self, session: Session, row_id: int, recipient: Recipient, error: str, unreachable: bool
    ) -> None:
        outbox.mark_failed(session, row_id, self.worker, error=error)
        if unreachable:
            _mark_unreachable(session, recipient, self.services.now())
