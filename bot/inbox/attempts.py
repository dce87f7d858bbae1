"""The update being handled now, as the worker tried it: its times, and how it ended.

A context variable, because the worker does not build the handler's context: the
handlers and the error handler run inside `Application.process_update` in the worker's
task and read it from there.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import DBAPIError
from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter


@dataclass
class Attempt:
    update_id: int
    received_at: datetime  # when the update reached our inbox
    sent_at: datetime | None  # the message's own date (Telegram's), None for a button press
    last: bool  # no further try after this one: a failure is answered with the apology
    error: BaseException | None = None


_CURRENT: ContextVar[Attempt | None] = ContextVar("coachbot_inbox_attempt", default=None)


def current_attempt() -> Attempt | None:
    return _CURRENT.get()


def set_attempt(attempt: Attempt | None) -> object:
    return _CURRENT.set(attempt)


def reset_attempt(token: object) -> None:
    _CURRENT.reset(token)  # type: ignore[arg-type]


def event_time(update: Update, now: datetime) -> datetime:
    """When the person acted: the message's own date when it has one (a notice sent
    before noon stays on time though handled after an outage), else when the update
    reached our inbox (a button press), else `now`."""
    message = update.message or update.edited_message
    if message is not None and message.date is not None:
        return message.date
    attempt = _CURRENT.get()
    if attempt is not None and attempt.update_id == update.update_id:
        return attempt.sent_at or attempt.received_at
    return now


def is_passing_fault(error: BaseException) -> bool:
    """A fault worth another try: the database or Telegram was briefly away. A bad
    request or a bug is not: trying again would only fail again."""
    if isinstance(error, RetryAfter):
        return True
    if isinstance(error, NetworkError):
        return not isinstance(error, BadRequest)
    if isinstance(error, DBAPIError):
        return bool(error.connection_invalidated) or type(error).__name__ in (
            "OperationalError",
            "InterfaceError",
        )
    return isinstance(error, (ConnectionError, TimeoutError))
