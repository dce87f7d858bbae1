"""Telegram's text parsing: parse_mode markup to plain text + entities, with Telegram's errors.

Realistic parsing matters for tests: a bot that sends broken HTML or an unescaped "." in
MarkdownV2 gets the same 400 "can't parse entities" it would get from Telegram, and tests see
the text as the user reads it. Offsets are in UTF-16 code units, like the Bot API.
"""

from __future__ import annotations

import re
from typing import Any

from bot.fakeapi.models import ApiError

Entity = dict[str, Any]


def utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, pos: int) -> int:
    return len(text[:pos].encode("utf-8"))


def _parse_error(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def parse_text(
    text: str, parse_mode: str | None, entities: list[Entity] | None = None
) -> tuple[str, list[Entity]]:
    """The plain text Telegram would store and its entities, or ApiError(400)."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, list(entities or [])
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")


class _Builder:
    """Accumulates plain text and tracks the UTF-16 offset for entity positions."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[Entity] = []

    def add(self, piece: str) -> None:
        if piece:
            self.parts.append(piece)
            self.offset += utf16_len(piece)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.offset > start:
            self.entities.append({"type": kind, "offset": start, "length": self.offset - start})
            self.entities[-1].update({k: v for k, v in extra.items() if v is not None})

    def result(self) -> tuple[str, list[Entity]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


# --- HTML -------------------------------------------------------------------------------------

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s[^<>]*)?)>")
_ATTR_RE = re.compile(r"([A-Za-z][\w-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?")
_HTML_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL_RE = re.compile(r"[<&]")


def _unescape_html(piece: str) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name.startswith("#x") or name.startswith("#X"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _NAMED[name]

    return _HTML_ENTITY_RE.sub(sub, piece) if "&" in piece else piece


def parse_html(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []
    pos = 0
    while True:
        m = _SPECIAL_RE.search(text, pos)
        if m is None:
            out.add(_unescape_html(text[pos:]))
            break
        if m.group() == "&":
            continue_at = m.end()
            ent = _HTML_ENTITY_RE.match(text, m.start())
            if ent is not None:
                continue_at = ent.end()
            out.add(_unescape_html(text[pos:continue_at]))
            pos = continue_at
            continue
        out.add(_unescape_html(text[pos : m.start()]))
        tag = _TAG_RE.match(text, m.start())
        if tag is None:
            raise _parse_error(
                f'Unsupported start tag "" at byte offset {_byte_offset(text, m.start())}'
            )
        closing, name, attr_text = tag.group(1) == "/", tag.group(2).lower(), tag.group(3)
        if closing:
            if not stack:
                raise _parse_error(
                    f"Unexpected end tag at byte offset {_byte_offset(text, m.start())}"
                )
            open_name, start, attrs = stack.pop()
            if open_name != name:
                raise _parse_error(
                    f"Unmatched end tag at byte offset {_byte_offset(text, m.start())}, "
                    f'expected "</{open_name}>", found "</{name}>"'
                )
            _close_html(out, open_name, start, attrs, stack)
        else:
            if name not in _HTML_TAGS:
                raise _parse_error(
                    f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, m.start())}'
                )
            attrs = {
                a.group(1).lower(): a.group(2) or a.group(3) or a.group(4) or ""
                for a in _ATTR_RE.finditer(attr_text)
            }
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _parse_error(
                    'Tag "span" must have class "tg-spoiler" at byte offset '
                    f"{_byte_offset(text, m.start())}"
                )
            stack.append((name, out.offset, attrs))
        pos = tag.end()
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _close_html(
    out: _Builder,
    name: str,
    start: int,
    attrs: dict[str, str],
    stack: list[tuple[str, int, dict[str, str]]],
) -> None:
    kind = _HTML_TAGS[name]
    if kind == "text_link":
        href = _unescape_html(attrs.get("href", ""))
        if href:
            out.entity("text_link", start, url=href)
        return
    if kind == "code" and stack and stack[-1][0] == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):
            # <pre><code class="language-x"> is one pre entity with a language.
            stack[-1][2]["language"] = language.removeprefix("language-")
            return
    if kind == "pre":
        out.entity("pre", start, language=attrs.get("language"))
        return
    if kind == "blockquote" and "expandable" in attrs:
        kind = "expandable_blockquote"
    if kind == "custom_emoji":
        out.entity(kind, start, custom_emoji_id=attrs.get("emoji-id"))
        return
    out.entity(kind, start)


# --- MarkdownV2 ---------------------------------------------------------------------------------

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough"}
_MDV2_MARKERS["||"] = "spoiler"
_ENTITY_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # (marker, plain offset, source position)
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            out.add(text[i + 1])
            i += 2
            at_line_start = False
            continue
        if c == "`":
            i = _mdv2_code(text, i, out)
            at_line_start = False
            continue
        if c == ">" and at_line_start:
            i += 1  # block quotes: markup stripped, no entity
            continue
        marker = text[i : i + 2] if text[i : i + 2] in ("__", "||") else c
        if marker in _MDV2_MARKERS:
            if stack and stack[-1][0] == marker:
                _, start, _ = stack.pop()
                out.entity(_MDV2_MARKERS[marker], start)
            else:
                stack.append((marker, out.offset, i))
            i += len(marker)
            at_line_start = False
            continue
        if c == "[":
            stack.append(("[", out.offset, i))
            i += 1
            continue
        if c == "]" and stack and stack[-1][0] == "[":
            _, start, _ = stack.pop()
            if i + 1 >= n or text[i + 1] != "(":
                raise _parse_error(
                    "Character ']' is reserved and must be escaped with the preceding '\\'"
                )
            url, i = _mdv2_url(text, i + 2)
            out.entity("text_link", start, url=url)
            continue
        if c in _MDV2_RESERVED:
            raise _parse_error(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(c)
        at_line_start = c == "\n"
        i += 1
    if stack:
        marker, _, source_pos = stack[-1]
        kind = "text_link" if marker == "[" else _MDV2_MARKERS[marker]
        raise _parse_error(
            f"Can't find end of {_ENTITY_NAMES[kind]} entity at byte offset "
            f"{_byte_offset(text, source_pos)}"
        )
    return out.result()


def _mdv2_code(text: str, i: int, out: _Builder) -> int:
    """Inline `code` or ```pre``` block; inside, only ` and \\ are escaped."""
    pre = text.startswith("```", i)
    fence = "```" if pre else "`"
    j = i + len(fence)
    language = None
    if pre:
        newline = text.find("\n", j)
        first_line = text[j:newline] if newline != -1 else ""
        if newline != -1 and first_line and " " not in first_line and "`" not in first_line:
            language = first_line
            j = newline + 1
    start = out.offset
    while j < len(text):
        if text[j] == "\\" and j + 1 < len(text):
            out.add(text[j + 1])
            j += 2
            continue
        if text.startswith(fence, j):
            if pre:
                out.entity("pre", start, language=language)
            else:
                out.entity("code", start)
            return j + len(fence)
        out.add(text[j])
        j += 1
    kind = "Pre" if pre else "Code"
    raise _parse_error(f"Can't find end of {kind} entity at byte offset {_byte_offset(text, i)}")


def _mdv2_url(text: str, j: int) -> tuple[str, int]:
    url: list[str] = []
    while j < len(text):
        c = text[j]
        if c == "\\" and j + 1 < len(text):
            url.append(text[j + 1])
            j += 2
            continue
        if c == ")":
            return "".join(url), j + 1
        url.append(c)
        j += 1
    raise _parse_error("Can't find end of a URL")


# --- legacy Markdown ------------------------------------------------------------------------------

_MD_MARKERS = {"*": "bold", "_": "italic"}


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    out = _Builder()
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c in _MD_MARKERS or c == "`":
            fence = "```" if text.startswith("```", i) else c
            end = text.find(fence, i + len(fence))
            if end == -1:
                raise _parse_error(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            start = out.offset
            out.add(text[i + len(fence) : end])
            kind = "pre" if fence == "```" else ("code" if c == "`" else _MD_MARKERS[c])
            out.entity(kind, start)
            i = end + len(fence)
            continue
        if c == "[":
            close = text.find("](", i)
            end = text.find(")", close + 2) if close != -1 else -1
            if close != -1 and end != -1:
                start = out.offset
                out.add(text[i + 1 : close])
                out.entity("text_link", start, url=text[close + 2 : end])
                i = end + 1
                continue
        out.add(c)
        i += 1
    return out.result()


# --- what Telegram adds to user messages ------------------------------------------------------

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/])")


def command_entities(text: str) -> list[Entity]:
    """bot_command entities, as Telegram marks them in what users type ("/start CODE")."""
    if "/" not in text:
        return []
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group()),
        }
        for m in _COMMAND_RE.finditer(text)
    ]
