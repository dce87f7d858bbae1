"""Inline keyboards for picking a date and a start time on a phone screen.

Pure builders: no clock, network or database; `today` comes in as an argument. Month and
weekday names come from Babel's locale data, so no new translatable strings are needed.

How a month looks (Finnish, today = Monday 23 Nov 2026; "_" stands for a blank button)::

    marraskuu 2026
    ma   ti  ke  to  pe  la  su
    _    _   _   _   _   _   _       <- before today, or outside the month
    ...
    [23] 24  25  26  27  28* 29*     <- [today]; * = weekend or holiday
    30   _   _   _   _   _   _
    _                        ▶       <- no ◀: October has nothing left to offer

* Offered days show their number. Days that are not working days (weekends and Finnish
  holidays, from `bot.rules.calendar`) get a trailing "*" but can still be chosen: a
  coach may meet a client on a Saturday on purpose, the star just makes it visible.
* Today is in brackets: "[23]" (or "[6*]" when today is a holiday).
* Days that cannot be chosen (before today, after `last_day`, beyond the navigation
  horizon, or outside the month) are a single space: Telegram refuses an empty text.

Callback data never holds personal data and stays well under Telegram's 64-byte limit:
``{prefix}:d:2026-11-24`` (a day), ``{prefix}:m:2026-12`` (show a month),
``{prefix}:t:0800`` (a time), ``{prefix}:n`` (no-op). It comes back from the client, so
the parsers accept exactly that shape and raise ValueError on anything else.
"""

from __future__ import annotations

import calendar as _calendar
import re
from datetime import date, datetime, time, timedelta
from typing import Literal

from babel.dates import format_date, format_time, get_day_names
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rules.calendar import is_working_day
from messages.formatting import locale_of
from messages.i18n import normalize

CALLBACK_LIMIT = 64  # bytes, Telegram's limit for callback_data
MONTHS_AHEAD = 12  # how far the ▶ arrow goes from today's month

BLANK = " "
NON_WORKING_MARK = "*"
PREVIOUS = "◀"
NEXT = "▶"

# Finnish and Finland-Swedish write 8.00, as in messages.formatting; English 08:00.
_TIME_LABELS = {"fi": "H.mm", "sv": "H.mm", "en": "HH:mm"}

# ASCII only and no ':' so the prefix cannot be confused with the fields after it.
_PREFIX = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_DAY = re.compile(r"d:([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH = re.compile(r"m:([0-9]{4})-([0-9]{2})")
_TIME = re.compile(r"t:([0-9]{2})([0-9]{2})")

CalendarAction = Literal["day", "month", "noop"]


def _check_prefix(prefix: str) -> None:
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise ValueError("prefix must be 1-32 ASCII letters, digits, '_', '.' or '-'")


def _locale(language: str) -> str:
    return locale_of(normalize(language))


def _button(text: str, data: str) -> InlineKeyboardButton:
    """A callback button, refusing what Telegram would refuse when the message is sent."""
    if not text.strip() and text != BLANK:
        raise ValueError("button text must not be empty")
    if not 1 <= len(data.encode("utf-8")) <= CALLBACK_LIMIT:
        raise ValueError(f"callback_data must be 1-{CALLBACK_LIMIT} bytes: {data!r}")
    return InlineKeyboardButton(text, callback_data=data)


def _noop(prefix: str, text: str = BLANK) -> InlineKeyboardButton:
    return _button(text, f"{prefix}:n")


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _horizon_end(today: date, last_day: date | None) -> date:
    """The last day that can be offered: `last_day`, but no further than the horizon."""
    index = _month_index(today.year, today.month) + MONTHS_AHEAD
    year, month = divmod(index, 12)
    horizon = date(year, month + 1, _calendar.monthrange(year, month + 1)[1])
    return horizon if last_day is None else min(horizon, last_day)


def _has_offerable_days(year: int, month: int, today: date, end: date) -> bool:
    first = date(year, month, 1)
    last = date(year, month, _calendar.monthrange(year, month)[1])
    return max(first, today) <= min(last, end)


def _day_label(day: date, *, today: date, saturday_is_working_day: bool) -> str:
    text = str(day.day)
    if not is_working_day(day, saturday_is_working_day=saturday_is_working_day):
        text += NON_WORKING_MARK
    return f"[{text}]" if day == today else text


def month_calendar(
    year: int,
    month: int,
    *,
    today: date,
    language: str,
    prefix: str,
    last_day: date | None = None,
    saturday_is_working_day: bool = False,
) -> InlineKeyboardMarkup:
    """A month grid (Monday first) offering the days from `today` up to `last_day`."""
    _check_prefix(prefix)
    if not 1 <= month <= 12:
        raise ValueError("month must be 1-12")
    locale = _locale(language)
    end = _horizon_end(today, last_day)

    title = format_date(date(year, month, 1), "LLLL yyyy", locale=locale)
    rows: list[list[InlineKeyboardButton]] = [[_noop(prefix, title)]]

    # "short" (ma, må, Mo) rather than "abbreviated" (tors, Mon): seven columns must fit
    # on a narrow phone. Babel numbers the days Monday = 0.
    names = get_day_names("short", context="stand-alone", locale=locale)
    rows.append([_noop(prefix, names[weekday]) for weekday in range(7)])

    for week in _calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            if day.month != month or not today <= day <= end:
                row.append(_noop(prefix))
                continue
            label = _day_label(day, today=today, saturday_is_working_day=saturday_is_working_day)
            row.append(_button(label, f"{prefix}:d:{day.isoformat()}"))
        # A week with nothing to offer (all past) is left out: less scrolling on a phone.
        if any(button.text != BLANK for button in row):
            rows.append(row)

    previous_year, previous_month = divmod(_month_index(year, month) - 1, 12)
    next_year, next_month = divmod(_month_index(year, month) + 1, 12)
    navigation = []
    for nav_year, nav_month, arrow in (
        (previous_year, previous_month + 1, PREVIOUS),
        (next_year, next_month + 1, NEXT),
    ):
        if 1 <= nav_year <= 9999 and _has_offerable_days(nav_year, nav_month, today, end):
            navigation.append(_button(arrow, f"{prefix}:m:{nav_year:04d}-{nav_month:02d}"))
        else:
            navigation.append(_noop(prefix))
    rows.append(navigation)
    return InlineKeyboardMarkup(rows)


def _strip_prefix(data: str, prefix: str) -> str:
    _check_prefix(prefix)
    if not isinstance(data, str):
        raise ValueError("callback data missing")
    if len(data.encode("utf-8")) > CALLBACK_LIMIT:
        raise ValueError("callback data too long")
    head, sep, rest = data.partition(":")
    if head != prefix or not sep:
        raise ValueError("callback data for another keyboard")
    return rest


def parse_calendar(data: str, prefix: str) -> tuple[CalendarAction, date | None]:
    """('day', the date), ('month', its first day) or ('noop', None); ValueError if forged."""
    rest = _strip_prefix(data, prefix)
    if rest == "n":
        return "noop", None
    if match := _DAY.fullmatch(rest):
        year, month, day = (int(part) for part in match.groups())
        return "day", date(year, month, day)  # ValueError on 2026-02-30 and the like
    if match := _MONTH.fullmatch(rest):
        year, month = (int(part) for part in match.groups())
        return "month", date(year, month, 1)
    raise ValueError("malformed calendar callback data")


def _time_label(value: time, language: str) -> str:
    pattern = _TIME_LABELS.get(normalize(language), "HH:mm")
    return format_time(value, pattern, locale=_locale(language))


def time_keyboard(
    *,
    prefix: str,
    start: time = time(8, 0),
    end: time = time(17, 0),
    step_minutes: int = 30,
    columns: int = 4,
    language: str,
) -> InlineKeyboardMarkup:
    """Start times from `start` up to but not including `end` (a meeting must fit the day)."""
    _check_prefix(prefix)
    if step_minutes <= 0 or columns <= 0:
        raise ValueError("step_minutes and columns must be positive")
    if end <= start:
        raise ValueError("end must be after start")
    day = date(2000, 1, 1)  # any date: only the time of day matters
    current = datetime.combine(day, start)
    last = datetime.combine(day, end)
    buttons = []
    while current < last:
        value = current.time()
        buttons.append(_button(_time_label(value, language), f"{prefix}:t:{value:%H%M}"))
        current += timedelta(minutes=step_minutes)
    return InlineKeyboardMarkup(_rows(buttons, columns))


def parse_time(data: str, prefix: str) -> time:
    """The time from `{prefix}:t:HHMM`; ValueError on anything else."""
    match = _TIME.fullmatch(_strip_prefix(data, prefix))
    if match is None:
        raise ValueError("malformed time callback data")
    hour, minute = (int(part) for part in match.groups())
    return time(hour, minute)  # ValueError on 2460 and the like


def choice_keyboard(options: list[tuple[str, str]], *, columns: int = 2) -> InlineKeyboardMarkup:
    """Buttons from (label, callback_data) pairs, `columns` per row."""
    if columns <= 0:
        raise ValueError("columns must be positive")
    if any(not label.strip() for label, _ in options):
        raise ValueError("button text must not be empty")
    buttons = [_button(label, data) for label, data in options]
    return InlineKeyboardMarkup(_rows(buttons, columns))


def _rows(buttons: list[InlineKeyboardButton], columns: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
