"""Telegram's limits, applied to every request the bot makes.

Overall at most `overall_rate` messages a second, spaced evenly (no bursts, so no
one-second window ever holds more). Outbox messages also keep one message a second per
chat. A 429 answer pauses everything for its retry_after: interactive replies then retry,
outbox messages go back to the outbox, which reschedules them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

OUTBOX = "outbox"  # rate_limit_args marking a request of the outbox dispatcher
PACED_PREFIXES = ("send", "edit", "copy", "forward")


class TelegramLimits(BaseRateLimiter[str]):
    __slots__ = (
        "_chat_next",
        "_lock",
        "_next_slot",
        "_paused_until",
        "enabled",
        "interval",
        "max_retries",
        "per_chat_interval",
        "retry_after_count",
    )

    def __init__(
        self,
        overall_rate: float = 30.0,
        per_chat_interval: float = 1.0,
        *,
        enabled: bool = True,
        max_retries: int = 2,
    ) -> None:
        self.enabled = enabled
        self.interval = 1.0 / overall_rate
        self.per_chat_interval = per_chat_interval
        self.max_retries = max_retries
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._chat_next: dict[int | str, float] = {}
        self._lock = asyncio.Lock()
        self.retry_after_count = 0

    async def initialize(self) -> None:
        self._next_slot = 0.0

    async def shutdown(self) -> None:
        self._chat_next.clear()

    def pause(self, seconds: float) -> None:
        """Telegram said 'too many requests': nothing goes out until the time has passed."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def chat_ready_in(self, chat_id: int | str) -> float:
        """Seconds until this chat may get its next outbox message."""
        if not self.enabled:
            return 0.0
        return max(0.0, self._chat_next.get(chat_id, 0.0) - time.monotonic())

    async def _acquire(self, chat_id: int | str | None) -> None:
        async with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot, self._paused_until)
            if chat_id is not None:
                slot = max(slot, self._chat_next.get(chat_id, 0.0))
                self._chat_next[chat_id] = slot + self.per_chat_interval
                if len(self._chat_next) > 10_000:
                    self._forget_idle_chats(now)
            self._next_slot = slot + self.interval
        delay = slot - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def _forget_idle_chats(self, now: float) -> None:
        for chat, ready in list(self._chat_next.items()):
            if ready < now:
                del self._chat_next[chat]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: str | None,
    ) -> Any:
        if not self.enabled or not endpoint.startswith(PACED_PREFIXES):
            return await callback(*args, **kwargs)
        outbox = rate_limit_args == OUTBOX
        chat_id = data.get("chat_id") if outbox else None
        attempt = 0
        while True:
            await self._acquire(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                self.retry_after_count += 1
                seconds = error.retry_after
                delay = seconds.total_seconds() if hasattr(seconds, "total_seconds") else seconds
                self.pause(float(delay))
                attempt += 1
                if outbox or attempt > self.max_retries:
                    raise
