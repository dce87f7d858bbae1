"""Translations: every user-visible word comes from the gettext catalogs here.

Message ids are English source strings marked with `_()` (or `N_()` where only the id is
kept for later, e.g. in the outbox). The `.po` files are read with Babel at start and
compiled in memory, so there is no build step to forget.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "coachbot"
SUPPORTED = ("fi", "sv", "en")
DEFAULT = "fi"


def N_(message: str) -> str:
    """Mark a message for extraction without translating it now."""
    return message


def normalize(language: str | None, fallback: str = DEFAULT) -> str:
    """Map a Telegram language_code like 'sv-FI' or 'en-GB' to a supported language."""
    if language:
        short = language.replace("_", "-").split("-")[0].lower()
        if short in SUPPORTED:
            return short
    return fallback


@cache
def translations(language: str) -> gettext.NullTranslations:
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class Translator:
    """Translate and fill in parameters for one language."""

    def __init__(self, language: str) -> None:
        self.language = normalize(language)
        self._t = translations(self.language)

    def __call__(self, message: str, /, **params: object) -> str:
        text = self._t.gettext(message)
        return text.format(**params) if params else text

    def plural(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        text = self._t.ngettext(singular, plural, n)
        return text.format(n=n, **params)


@cache
def translator(language: str | None) -> Translator:
    return Translator(normalize(language))
