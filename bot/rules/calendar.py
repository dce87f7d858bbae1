"""Finnish working days, for deadlines such as the absence-notice noon rule [002 §3.4.3].

The seed says "tapaamista edeltävänä arkipäivänä klo 12": the deadline falls on the
*arkipäivä* before the meeting. By default an arkipäivä here is Monday–Friday that is not
a Finnish public holiday; Midsummer Eve and Christmas Eve are days off in practice (and
under the Annual Holidays Act), so they never count. Finnish law sometimes counts Saturday
as an arkipäivä, so that is a setting; when it is on, Holy Saturday (pääsiäislauantai)
still does not count, as the Annual Holidays Act lists it among the non-arkipäivä days.

Pure: dates in, plain values out. The holiday table is built once per year and cached.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays
from dateutil.easter import easter  # holidays' own dependency; the same Easter it uses

# Not a public holiday, but not an arkipäivä either (vuosilomalaki 162/2005).
HOLY_SATURDAY = "Holy Saturday"


@functools.cache
def _days_off(year: int) -> dict[date, str]:
    """Every non-working date of `year` that is not merely a weekend, with its name."""
    # The default (public) category already lists Midsummer Eve and Christmas Eve; they
    # are added below anyway so that a change in the package cannot silently turn them
    # into working days. The language is pinned: left unset, the package picks the names'
    # language from the LANG/LC_* environment variables.
    finland = holidays.country_holidays("FI", years=year, language="en_US")
    table: dict[date, str] = dict(finland.items())
    midsummer_eve = next(
        d for d in (date(year, 6, 19) + timedelta(n) for n in range(7)) if d.weekday() == 4
    )
    table.setdefault(midsummer_eve, "Midsummer Eve")
    table.setdefault(date(year, 12, 24), "Christmas Eve")
    table.setdefault(easter(year) - timedelta(days=1), HOLY_SATURDAY)
    return table


def holiday_name(day: date) -> str | None:
    """The (English) name of the holiday on `day`, or None on an ordinary day."""
    return _days_off(day.year).get(day)


def is_working_day(day: date, *, saturday_is_working_day: bool = False) -> bool:
    """Monday–Friday (optionally also Saturday) that is not a holiday."""
    last_working_weekday = 5 if saturday_is_working_day else 4
    if day.weekday() > last_working_weekday:
        return False
    return day not in _days_off(day.year)


def previous_working_day(day: date, *, saturday_is_working_day: bool = False) -> date:
    """The last working day strictly before `day`."""
    candidate = day - timedelta(days=1)
    while not is_working_day(candidate, saturday_is_working_day=saturday_is_working_day):
        candidate -= timedelta(days=1)
    return candidate


def next_working_day(day: date, *, saturday_is_working_day: bool = False) -> date:
    """The first working day strictly after `day`."""
    candidate = day + timedelta(days=1)
    while not is_working_day(candidate, saturday_is_working_day=saturday_is_working_day):
        candidate += timedelta(days=1)
    return candidate
