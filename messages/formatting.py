"""Dates and times shown to people: Babel in the person's locale, in Helsinki time."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
HELSINKI = ZoneInfo("Europe/Helsinki")


def locale_of(language: str) -> str:
    return LOCALES.get(language, "fi_FI")


def show_date(value: date, language: str) -> str:
    """Short, weekday first: 'ma 23.11.2026' in Finnish."""
    pattern = "EEE d MMM yyyy" if language == "en" else "EEE d.M.yyyy"
    return format_date(value, pattern, locale=locale_of(language))


def show_datetime(value: datetime, language: str, tz: ZoneInfo = HELSINKI) -> str:
    """A stored UTC instant as local wall-clock time, e.g. 'ma 23.11.2026 klo 12.00'."""
    if value.tzinfo is None:
        raise ValueError("stored times are timezone-aware UTC")
    local = value.astimezone(tz)
    return f"{show_date(local.date(), language)} {show_time(local, language)}"


# Babel patterns per language: Finnish and Finland-Swedish write "klo 9.00" / "kl. 9.00".
TIME_PATTERNS = {"fi": "'klo' H.mm", "sv": "'kl.' H.mm", "en": "HH:mm"}


BARE_TIME_PATTERNS = {"fi": "H.mm", "sv": "H.mm", "en": "HH:mm"}


def show_clock(value: datetime, language: str) -> str:
    """A bare time of day, for ranges: the '11.00' of 'klo 10.00–11.00'."""
    return format_time(value, BARE_TIME_PATTERNS.get(language, "HH:mm"), locale=locale_of(language))


def show_time(value: datetime, language: str) -> str:
    return format_time(value, TIME_PATTERNS.get(language, "HH:mm"), locale=locale_of(language))


def show_short_datetime(value: datetime, language: str, tz: ZoneInfo = HELSINKI) -> str:
    """Without the year, for near dates: 'ma 23.11. klo 12.00'."""
    local = value.astimezone(tz)
    pattern = "EEE d MMM" if language == "en" else "EEE d.M."
    day = format_date(local.date(), pattern, locale=locale_of(language))
    return f"{day} {show_time(local, language)}"
