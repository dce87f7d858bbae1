"""What a client's free text is about: an absence, wanting to stop, or unclear.

Pure and deliberately simple: a handful of phrases in Finnish, Swedish and English, so a
client can write "olen kipeä" instead of finding a command. Anything else is unclear and
the bot asks instead of guessing.
"""

from __future__ import annotations

import enum
import re
import unicodedata


class Intent(enum.StrEnum):
    ABSENCE = "absence"
    STOP = "stop"
    UNCLEAR = "unclear"


STOP_PHRASES = (
    r"haluan lopettaa",
    r"lopetan (valmennuksen|palvelun)",
    r"en halua jatkaa",
    r"vill sluta",
    r"jag slutar",
    r"vill inte fortsätta",
    r"want to (stop|quit)",
    r"i quit",
    r"don'?t want to continue",
)
ABSENCE_PHRASES = (
    r"kipe",
    r"saira",
    r"flunssa",
    r"kuume",
    r"en pääse",
    r"en tule",
    r"en voi tulla",
    r"poissa",
    r"migreeni",
    r"lääkäri",
    r"sjuk",
    r"förkyld",
    r"feber",
    r"kan inte komma",
    r"kommer inte",
    r"\bsick\b",
    r"\bill\b",
    r"\bflu\b",
    r"fever",
    r"can'?t come",
    r"cannot come",
    r"won'?t come",
    r"not coming",
    r"\babsent\b",
)
CHILD_PHRASES = (
    r"lapsi",
    r"lapse",
    r"barn",
    r"child",
    r"kid",
    r"son\b",
    r"daughter",
    r"poika",
    r"tytär",
)
ILL_PHRASES = (
    r"kipe",
    r"saira",
    r"flunssa",
    r"kuume",
    r"migreeni",
    r"sjuk",
    r"förkyld",
    r"feber",
    r"\bsick\b",
    r"\bill\b",
    r"\bflu\b",
    r"fever",
)

_STOP = re.compile("|".join(STOP_PHRASES))
_ABSENCE = re.compile("|".join(ABSENCE_PHRASES))
_CHILD = re.compile("|".join(CHILD_PHRASES))
_ILL = re.compile("|".join(ILL_PHRASES))
MAX_LENGTH = 500  # longer texts are not a quick "I'm sick"


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().replace("’", "'").split())


def intent_of(text: str) -> Intent:
    """Stop wins over absence: "en tule enää, haluan lopettaa" is about stopping."""
    if not text or len(text) > MAX_LENGTH:
        return Intent.UNCLEAR
    normal = _normal(text)
    if _STOP.search(normal):
        return Intent.STOP
    if _ABSENCE.search(normal):
        return Intent.ABSENCE
    return Intent.UNCLEAR


def reason_hint(text: str) -> str | None:
    """'child_ill' or 'ill' when the words say so; None leaves the choice to the client."""
    normal = _normal(text)
    if _ILL.search(normal):
        return "child_ill" if _CHILD.search(normal) else "ill"
    return None
