"""Logging without secrets: what the bot, python-telegram-bot, httpx and SQLAlchemy log.

Every logger's records reach the root logger's handler installed here, which passes each
through `Redact` before formatting: the bot token, invite codes, message texts and names
are taken out, at every level (python-telegram-bot logs whole updates and request bodies
at DEBUG, httpx the token in every URL). A WARNING or worse that repeats (a database
outage makes every tick fail the same way) is written once a minute with a count
(`Repeats`). SQLAlchemy's errors carry no bound values (storage.db: hide_parameters).
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from telegram import TelegramObject

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HIDDEN = "<hidden>"
REPEAT_WINDOW = 60.0  # seconds a repeated warning or error stays quiet

# Fields of Telegram's objects that carry what people wrote or who they are. Button
# labels ("text") and the bot's own messages are hidden too: they name people.
PRIVATE_FIELDS = frozenset(
    {
        "text", "caption", "first_name", "last_name", "username", "title", "file_name",
        "phone_number", "bio", "address", "quote", "vcard",
    }
)  # fmt: skip
_FIELDS = "|".join(sorted(PRIVATE_FIELDS))
_QUOTED = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A bot token: the bot's id, a colon, a long secret.
    (re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}"), HIDDEN),
    # "text": "…" in JSON, 'text': '…' in a dict's repr, text='…' in an object's repr.
    (re.compile(rf"""(["']?)\b({_FIELDS})\1(\s*[:=]\s*){_QUOTED}"""), rf"\1\2\1\3'{HIDDEN}'"),
    # An invite: /start CODE in a message, ?start=CODE in a link, a bare code.
    (re.compile(r"/start(\s|%20|\+)+[^\s\"'&]+"), f"/start {HIDDEN}"),
    (re.compile(r"\bstart=[A-Za-z0-9_-]+"), f"start={HIDDEN}"),
    # (A run of 32 hex digits is a uuid, such as a job's id, not a code.)
    (re.compile(r"(?<![A-Za-z0-9_-])(?![0-9a-f]{32})[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])"), HIDDEN),
)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def summary(value: TelegramObject) -> str:
    """A Telegram object by its kind and id only: `<Update 12>`, `<User 10001>`."""
    for field in ("update_id", "message_id", "id"):
        ident = getattr(value, field, None)
        if isinstance(ident, int | str):
            return f"<{type(value).__name__} {ident}>"
    return f"<{type(value).__name__}>"


def clean(value: Any, depth: int = 0) -> Any:
    """A log argument with Telegram objects summarised and private fields hidden."""
    if depth > 20:
        return HIDDEN
    if isinstance(value, TelegramObject):
        return summary(value)
    if isinstance(value, Mapping):
        if "update_id" in value:  # an update as Telegram sent it
            return f"<update {value['update_id']}>"
        return {
            key: HIDDEN if key in PRIVATE_FIELDS else clean(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [clean(item, depth + 1) for item in value]
    if isinstance(value, tuple):
        return tuple(clean(item, depth + 1) for item in value)
    return value


class Redact(logging.Filter):
    """Bakes each record's message with its secrets hidden, before any handler formats it
    (a second Redact, with other secrets, hides its own in the baked message)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if not isinstance(record.msg, str):  # an object logged as the message itself
                record.msg = clean(record.msg)
            args = record.args
            if isinstance(args, Mapping):
                record.args = {key: clean(item, 1) for key, item in args.items()}
            elif args:
                record.args = tuple(clean(item) for item in args)
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: keep neither
            message = f"{record.msg} (arguments left out)"
        record.msg, record.args = redact_text(str(message), self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info, self.secrets)
        return True


@dataclass
class _Run:
    started: float
    record: logging.LogRecord
    count: int = 0


class Repeats(logging.Handler):
    """Hands records to `target`; a WARNING or worse seen again within `window` seconds
    (same logger, level, message template and exception type) is counted, not written,
    and the count is written once the window is over."""

    def __init__(
        self,
        target: logging.Handler,
        *,
        window: float = REPEAT_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.target = target
        self.window = window
        self.clock = clock
        self._runs: dict[tuple[str, int, str, str], _Run] = {}

    def emit(self, record: logging.LogRecord) -> None:
        now = self.clock()
        self._report(lambda run: now - run.started >= self.window)
        if record.levelno >= logging.WARNING:
            error = type(record.exc_info[1]).__name__ if record.exc_info else ""
            key = (record.name, record.levelno, str(record.msg), error)
            run = self._runs.get(key)
            if run is not None:
                run.count += 1
                return
            self._runs[key] = _Run(now, record)
        self.target.handle(record)

    def _report(self, over: Callable[[_Run], bool]) -> None:
        for key, run in list(self._runs.items()):
            if over(run):
                del self._runs[key]
                if run.count:
                    self.target.handle(self._summary(run))

    def _summary(self, run: _Run) -> logging.LogRecord:
        first = run.record
        return logging.makeLogRecord(
            {
                "name": first.name,
                "levelno": first.levelno,
                "levelname": first.levelname,
                "msg": "the same again %d times in %d s: %s",
                "args": (run.count, round(self.clock() - run.started), first.msg),
            }
        )

    def flush(self) -> None:
        self.target.flush()

    def close(self) -> None:
        self.acquire()
        try:
            self._report(lambda run: True)
        finally:
            self.release()
        self.target.close()
        super().close()


def hide_in(handlers: Iterable[logging.Handler], secrets: Iterable[str] = ()) -> None:
    """Put `Redact` on handlers set up by someone else (once each; ours have it)."""
    secrets = tuple(secrets)
    for handler in handlers:
        if isinstance(handler, Repeats):
            continue
        present = [f for f in handler.filters if isinstance(f, Redact)]
        if present:
            present[0].secrets = tuple(dict.fromkeys((*present[0].secrets, *secrets)))
        else:
            handler.addFilter(Redact(secrets))


def configure(
    level: str | int = "INFO",
    *,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
    window: float = REPEAT_WINDOW,
) -> logging.Handler:
    """Log plain text to `stream` (standard error), secrets hidden, repeats counted.

    `secrets` are hidden literally wherever they appear (the bot token, the webhook
    secret). Replaces a handler an earlier call installed; returns the new one."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, Repeats)]:
        root.removeHandler(old)
        old.close()
    redact = Redact(secrets)
    target = logging.StreamHandler(stream or sys.stderr)
    target.setFormatter(logging.Formatter(FORMAT))
    target.addFilter(redact)
    handler = Repeats(target, window=window)
    root.addHandler(handler)
    if isinstance(level, str):
        level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    root.setLevel(level)
    # httpx logs every request (one per long poll) at INFO: only at DEBUG is it wanted.
    # httpcore's DEBUG is the wire itself, never.
    logging.getLogger("httpx").setLevel(level if level <= logging.DEBUG else logging.WARNING)
    logging.getLogger("httpcore").setLevel(max(level, logging.INFO))
    return handler
