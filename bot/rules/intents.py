"""What a client's free text is about: an absence, wanting to stop, or unclear.

Pure and deliberately simple: a handful of phrases in Finnish, Swedish and English, so a
client can write "olen kipeä" instead of finding a command. Anything else is unclear and
the bot asks instead of guessing. A day in the words ("olen kipeä huomenna", "jag kan
inte komma i morgon", "I can't come on Monday") names the meetings meant
(`days_mentioned`); today is passed in.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import date, timedelta


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


# Days named relative to today (a lookbehind keeps "ylihuomenna" and "day after tomorrow"
# from reading as tomorrow too), and weekdays. Finnish is matched by its stem, so every
# case ending counts ("huomiseen", "maanantaina", "keskiviikon").
TODAY_WORDS = (
    r"tänään",
    r"\btänää\b",
    r"tämän päivän",
    r"\bi dag\b",
    r"\bidag\b",
    r"\bdagens\b",
    r"\btoday\b",
)
TOMORROW_WORDS = (
    r"(?<!yli)huomenna",  # not "huomenta", the morning of "hyvää huomenta"
    r"(?<!yli)huomi(s|nen)",
    r"\bi morgon\b",
    r"\bimorgon\b",
    r"\bi morron\b",
    r"\bimorron\b",
    r"(?<!after )\btomorrow\b",
)
DAY_AFTER_TOMORROW_WORDS = (
    r"ylihuomenna",
    r"ylihuomi(s|nen)",
    r"\bi övermorgon\b",
    r"\bövermorgon\b",
    r"\bday after tomorrow\b",
)
# Monday first, as date.weekday() counts.
WEEKDAY_WORDS = (
    (r"maanantai", r"\bmåndag", r"\bmonday"),
    (r"tiistai", r"\btisdag", r"\btuesday"),
    (r"keskiviik", r"\bonsdag", r"\bwednesday"),
    (r"torstai", r"\btorsdag", r"\bthursday"),
    (r"perjantai", r"\bfredag", r"\bfriday"),
    (r"lauantai", r"\blördag", r"\bsaturday"),
    (r"sunnuntai", r"\bsöndag", r"\bsunday"),
)
_RELATIVE = (
    (re.compile("|".join(TODAY_WORDS)), 0),
    (re.compile("|".join(TOMORROW_WORDS)), 1),
    (re.compile("|".join(DAY_AFTER_TOMORROW_WORDS)), 2),
)
_WEEKDAYS = tuple(re.compile("|".join(words)) for words in WEEKDAY_WORDS)


def days_mentioned(text: str, today: date) -> list[date]:
    """The days the words name, soonest first: today, tomorrow, the day after, or a
    weekday, the next one after today ("en pääse maanantaina" said on a Monday means the
    Monday a week ahead: today would be "tänään"). None named: an empty list."""
    if not text or len(text) > MAX_LENGTH:
        return []
    normal = _normal(text)
    found = {
        today + timedelta(days=ahead) for pattern, ahead in _RELATIVE if pattern.search(normal)
    }
    for weekday, pattern in enumerate(_WEEKDAYS):
        if pattern.search(normal):
            found.add(today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1))
    return sorted(found)


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
