"""Programmable failures and Telegram-like rate limits, so retry and outbox code can be tested."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected fault",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def default_description(status: int, retry_after: int | None = None) -> str:
    text = DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
    return text.format(retry_after=retry_after)


@dataclass(slots=True)
class Fault:
    """One planned failure.

    ``status`` None means "only delay": the method then runs normally after ``delay`` seconds
    (a client that timed out meanwhile has still caused the side effect, like on Telegram).
    With a status the method is not performed, unless ``process`` is True (side effect happens,
    yet the bot sees an error). ``body`` replaces the JSON answer (e.g. an nginx HTML page).
    ``times`` None repeats forever.
    """

    method: str | None = None
    status: int | None = None
    retry_after: int | None = None
    times: int | None = 1
    chat_id: int | str | None = None
    delay: float = 0.0
    description: str | None = None
    process: bool = False
    body: bytes | None = None
    hits: int = 0

    def matches(self, method: str, chat_id: Any) -> bool:
        if self.method is None:
            # Long polling would silently eat catch-all faults; name getUpdates explicitly.
            if method == "getUpdates":
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def error_description(self) -> str:
        if self.description is not None:
            return self.description
        return default_description(self.status or 500, self.retry_after)


@dataclass
class FaultPlan:
    """Faults are consumed in the order they were added; the first matching one fires."""

    _faults: list[Fault] = field(default_factory=list)
    fired: list[tuple[str, Fault]] = field(default_factory=list)  # (method, fault), in order

    def add(
        self,
        method: str | None = None,
        status: int | None = None,
        *,
        retry_after: int | None = None,
        times: int | None = 1,
        chat_id: int | str | None = None,
        delay: float = 0.0,
        description: str | None = None,
        process: bool = False,
        body: bytes | None = None,
    ) -> Fault:
        if status == 429 and retry_after is None:
            retry_after = 1
        if status is None and delay <= 0:
            raise ValueError("a fault needs a status, a delay or both")
        fault = Fault(
            method=method,
            status=status,
            retry_after=retry_after,
            times=times,
            chat_id=chat_id,
            delay=delay,
            description=description,
            process=process,
            body=body,
        )
        self._faults.append(fault)
        return fault

    def take(self, method: str, chat_id: Any) -> Fault | None:
        """The fault for this request, counted as used; None (fast) when nothing is planned."""
        if not self._faults:
            return None
        for fault in self._faults:
            if fault.matches(method, chat_id):
                fault.hits += 1
                if fault.exhausted:
                    self._faults.remove(fault)
                self.fired.append((method, fault))
                return fault
        return None

    def clear(self) -> None:
        self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        return list(self._faults)

    def __len__(self) -> int:
        return len(self._faults)

    def __bool__(self) -> bool:
        return bool(self._faults)


@dataclass(slots=True)
class RateLimits:
    """Telegram's documented limits, enforced as GCRA (leaky bucket) per bucket.

    A request conforms when the sender's long-run rate is at most ``*_per_second`` and its burst
    at most ``*_burst``. ``slack`` seconds of jitter are tolerated: with the defaults two messages
    to one chat 0.95 s apart pass, 0.9 s apart get 429; a client pacing itself with a
    30-per-second leaky bucket (PTB's AIORateLimiter) never sees a 429.
    """

    global_per_second: float = 30.0
    global_burst: int = 30
    chat_per_second: float = 1.0
    chat_burst: int = 1
    slack: float = 0.05
    methods: frozenset[str] = frozenset({"sendMessage", "sendDocument", "sendPhoto"})


class RateLimiter:
    """Decides 429s for FakeTelegram(enforce_limits=True); O(1) per request."""

    def __init__(self, limits: RateLimits | None = None) -> None:
        self.limits = limits or RateLimits()
        self.hits = 0  # number of 429s answered because of these limits
        self._global_tat = 0.0
        self._chat_tat: dict[Any, float] = {}

    def check(self, chat_id: Any, now: float) -> int | None:
        """None if the request may pass (and is counted), else retry_after in whole seconds."""
        lim = self.limits
        g_interval = 1.0 / lim.global_per_second
        g_tat = max(self._global_tat, now)
        wait = g_tat - ((lim.global_burst - 1) * g_interval + lim.slack) - now
        c_interval = 1.0 / lim.chat_per_second
        c_tat = max(self._chat_tat.get(chat_id, 0.0), now)
        wait = max(wait, c_tat - ((lim.chat_burst - 1) * c_interval + lim.slack) - now)
        if wait > 0:
            self.hits += 1
            return max(1, math.ceil(wait))
        self._global_tat = g_tat + g_interval
        self._chat_tat[chat_id] = c_tat + c_interval
        return None

    def reset(self) -> None:
        self._global_tat = 0.0
        self._chat_tat.clear()
