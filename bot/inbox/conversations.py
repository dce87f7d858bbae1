"""A person's conversations and drafts, loaded before each of their updates and saved after.

python-telegram-bot keeps conversation states and user_data in memory. The inbox hands a
person's updates out one at a time (on one process or many), so reading the person's
state from the database before the handlers run and writing it back when they are done
makes the database the truth: a restart, or another process, continues at the same step.

This reads and writes python-telegram-bot's per-key conversation dict and user_data dict
directly (stable across 22.x; the dependency is pinned below 23, tests cover it).
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator
from datetime import datetime, timedelta

from telegram import Update
from telegram.ext import Application, ConversationHandler

from storage.models import ConversationState

log = logging.getLogger(__name__)


class LostState(Exception):
    """The stored drafts cannot be read back (the code changed under them)."""


def _conversations(application: Application) -> Iterator[ConversationHandler]:  # type: ignore[type-arg]
    for handlers in application.handlers.values():
        for handler in handlers:
            if isinstance(handler, ConversationHandler) and handler.name:
                yield handler


def _key(handler: ConversationHandler, update: Update) -> tuple[int, ...] | None:  # type: ignore[type-arg]
    try:
        return handler._get_key(update)
    except RuntimeError:
        return None


def restore(
    application: Application,  # type: ignore[type-arg]
    update: Update,
    stored: ConversationState | None,
    now: datetime,
) -> None:
    """Put the stored state in place of whatever this process remembers.

    A conversation whose own timeout has passed since it was saved is not restored (it
    would have ended here too). Raises `LostState` when the drafts cannot be unpickled;
    the person's state is then cleared."""
    user = update.effective_user
    if user is None:
        return
    states = stored.states if stored is not None else {}
    saved_at = stored.updated_at if stored is not None else now
    for handler in _conversations(application):
        key = _key(handler, update)
        if key is None:
            continue
        state = states.get(handler.name or "")
        timeout = handler.conversation_timeout
        if timeout is not None and state is not None:
            seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
            if now - saved_at > timedelta(seconds=seconds):
                state = None
        if state is None:
            handler._conversations.pop(key, None)
        else:
            handler._conversations[key] = state
    data = stored.data if stored is not None else None
    if data is None:
        application._user_data.pop(user.id, None)
        return
    try:
        loaded = pickle.loads(data)
    except Exception as error:
        for handler in _conversations(application):
            key = _key(handler, update)
            if key is not None:
                handler._conversations.pop(key, None)
        application._user_data.pop(user.id, None)
        raise LostState(type(error).__name__) from error
    application._user_data[user.id] = loaded


def snapshot(
    application: Application,  # type: ignore[type-arg]
    update: Update,
    now: datetime,
) -> ConversationState | None:
    """The person's state after their update, to be saved with the update's done mark."""
    user = update.effective_user
    if user is None:
        return None
    states: dict[str, int | str] = {}
    for handler in _conversations(application):
        key = _key(handler, update)
        state = handler._conversations.get(key) if key is not None else None
        if isinstance(state, (int, str)):
            states[handler.name or ""] = state
    data = application.user_data.get(user.id)
    blob = pickle.dumps(dict(data), protocol=pickle.HIGHEST_PROTOCOL) if data else None
    return ConversationState(user_id=user.id, states=states, data=blob, updated_at=now)
