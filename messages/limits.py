"""Telegram's limits on what one message may hold, and fitting a text inside them.

Telegram counts a text's length in UTF-16 code units (an emoji outside the Basic
Multilingual Plane counts two), after entities are parsed; we send plain text. A text
over the limit is refused ("message is too long"), so a long list is split into several
messages (`split_text`) or, where only one message fits the purpose (an edit of a
conversation's message, a button's answer), shortened with "…" (`clip`).

Pure functions of strings: the handlers (`bot.access.reply`, `handlers.ui.show`) and the
outbox dispatcher use the same ones.
"""

from __future__ import annotations

MAX_TEXT = 4096  # a message's text
MAX_CAPTION = 1024  # a photo's or a document's caption
MAX_CALLBACK_DATA = 64  # bytes of a button's callback_data
MAX_ANSWER = 200  # the text of an answer to a button press (answerCallbackQuery)
ELLIPSIS = "…"


def length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _fits(text: str, limit: int) -> int:
    """How many characters of `text`, from its start, fit in `limit` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """`text` as it is when it fits in `limit`; else cut (at a space when there is one in
    its last part) and ended with "…"."""
    if length(text) <= limit:
        return text
    room = max(0, limit - length(ELLIPSIS))
    cut = _fits(text, room)
    space = text.rfind(" ", 0, cut)
    if space > cut // 2:
        cut = space
    return text[:cut].rstrip() + ELLIPSIS


def _cut_line(line: str, limit: int) -> list[str]:
    """A line too long for one message in pieces: at the last space that fits, else hard."""
    pieces = []
    while length(line) > limit:
        cut = _fits(line, limit)
        space = line.rfind(" ", 0, cut + 1)
        if space > 0:
            pieces.append(line[:space].rstrip(" "))
            line = line[space:].lstrip(" ")
        else:
            pieces.append(line[:cut])
            line = line[cut:]
    pieces.append(line)
    return [piece for piece in pieces if piece]


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in parts of at most `limit` UTF-16 units, for as many messages.

    A text that fits is one part, unchanged. Otherwise it is split at line boundaries,
    never inside a line unless the line alone is too long (then at a space, else hard);
    blank lines where a part ends or begins are dropped (Telegram refuses an empty text)."""
    if length(text) <= limit:
        return [text]
    parts: list[str] = []
    lines: list[str] = []
    size = 0  # of "\n".join(lines)
    for line in text.split("\n"):
        for piece in _cut_line(line, limit) if length(line) > limit else [line]:
            grown = size + (1 if lines else 0) + length(piece)
            if lines and grown > limit:
                parts.append("\n".join(lines))
                lines, grown = [], length(piece)
            lines.append(piece)
            size = grown
    parts.append("\n".join(lines))
    trimmed = (part.strip("\n") for part in parts)
    return [part for part in trimmed if part.strip()] or [text[: _fits(text, limit)]]
