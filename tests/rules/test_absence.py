"""The absence-notice noon rule [002 §3.4.3] and the Finnish working-day calendar.

Expected holidays are written out by hand below (not taken from the `holidays` package),
so the calendar is checked against an independent list.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules import calendar as cal
from bot.rules.absence import (
    NoticeTiming,
    absence_deadline,
    billable_hours_for_notice,
    classify_notice,
)
from bot.rules.calendar import holiday_name, is_working_day, previous_working_day

HKI = ZoneInfo("Europe/Helsinki")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)

# Finnish public holidays 2026–2028, with the weekday each must fall on.
FINNISH_HOLIDAYS: list[tuple[date, str, int]] = [
    # 2026
    (date(2026, 1, 1), "New Year's Day", THU),
    (date(2026, 1, 6), "Epiphany", TUE),
    (date(2026, 4, 3), "Good Friday", FRI),
    (date(2026, 4, 5), "Easter Sunday", SUN),
    (date(2026, 4, 6), "Easter Monday", MON),
    (date(2026, 5, 1), "May Day", FRI),
    (date(2026, 5, 14), "Ascension Day", THU),
    (date(2026, 5, 24), "Pentecost", SUN),
    (date(2026, 6, 19), "Midsummer Eve", FRI),
    (date(2026, 6, 20), "Midsummer Day", SAT),
    (date(2026, 10, 31), "All Saints' Day", SAT),
    (date(2026, 12, 6), "Independence Day", SUN),
    (date(2026, 12, 24), "Christmas Eve", THU),
    (date(2026, 12, 25), "Christmas Day", FRI),
    (date(2026, 12, 26), "St Stephen's Day", SAT),
    # 2027
    (date(2027, 1, 1), "New Year's Day", FRI),
    (date(2027, 1, 6), "Epiphany", WED),
    (date(2027, 3, 26), "Good Friday", FRI),
    (date(2027, 3, 28), "Easter Sunday", SUN),
    (date(2027, 3, 29), "Easter Monday", MON),
    (date(2027, 5, 1), "May Day", SAT),
    (date(2027, 5, 6), "Ascension Day", THU),
    (date(2027, 5, 16), "Pentecost", SUN),
    (date(2027, 6, 25), "Midsummer Eve", FRI),
    (date(2027, 6, 26), "Midsummer Day", SAT),
    (date(2027, 11, 6), "All Saints' Day", SAT),
    (date(2027, 12, 6), "Independence Day", MON),
    (date(2027, 12, 24), "Christmas Eve", FRI),
    (date(2027, 12, 25), "Christmas Day", SAT),
    (date(2027, 12, 26), "St Stephen's Day", SUN),
    # 2028
    (date(2028, 1, 1), "New Year's Day", SAT),
    (date(2028, 1, 6), "Epiphany", THU),
    (date(2028, 4, 14), "Good Friday", FRI),
    (date(2028, 4, 16), "Easter Sunday", SUN),
    (date(2028, 4, 17), "Easter Monday", MON),
    (date(2028, 5, 1), "May Day", MON),
    (date(2028, 5, 25), "Ascension Day", THU),
    (date(2028, 6, 4), "Pentecost", SUN),
    (date(2028, 6, 23), "Midsummer Eve", FRI),
    (date(2028, 6, 24), "Midsummer Day", SAT),
    (date(2028, 11, 4), "All Saints' Day", SAT),
    (date(2028, 12, 6), "Independence Day", WED),
    (date(2028, 12, 24), "Christmas Eve", SUN),
    (date(2028, 12, 25), "Christmas Day", MON),
    (date(2028, 12, 26), "St Stephen's Day", TUE),
]
HOLIDAY_DATES = frozenset(d for d, _, _ in FINNISH_HOLIDAYS)
# Pääsiäislauantai: not a public holiday, but not an arkipäivä (matters only with Saturdays).
HOLY_SATURDAYS = frozenset({date(2026, 4, 4), date(2027, 3, 27), date(2028, 4, 15)})
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2028, 12, 31)


def all_days() -> Iterator[date]:
    day = FIRST_DAY
    while day <= LAST_DAY:
        yield day
        day += timedelta(days=1)


def oracle_working(day: date, saturday: bool = False) -> bool:
    """Independent reference for 2026–2028, built from the hand-written list."""
    if day.weekday() == SUN or (day.weekday() == SAT and not saturday):
        return False
    return day not in HOLIDAY_DATES and day not in HOLY_SATURDAYS


def hki(y: int, m: int, d: int, hh: int = 12, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=HKI)


def assert_noon_local(deadline: datetime, expected_day: date, offset_hours: int | None = None):
    assert deadline.tzinfo == HKI
    assert deadline.date() == expected_day
    assert deadline.time() == time(12, 0)
    assert deadline.utcoffset() == deadline.astimezone(HKI).utcoffset()
    if offset_hours is not None:
        assert deadline.utcoffset() == timedelta(hours=offset_hours)


# --- the hand-written list itself --------------------------------------------------------


@pytest.mark.parametrize(("day", "name", "weekday"), FINNISH_HOLIDAYS)
def test_hand_written_holidays_fall_on_the_stated_weekday(day: date, name: str, weekday: int):
    assert day.weekday() == weekday, name


def test_hand_written_list_has_fifteen_holidays_a_year() -> None:
    for year in (2026, 2027, 2028):
        assert sum(1 for d in HOLIDAY_DATES if d.year == year) == 15


# --- the calendar ------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "name", "weekday"), FINNISH_HOLIDAYS)
def test_every_public_holiday_is_a_day_off(day: date, name: str, weekday: int) -> None:
    assert not is_working_day(day), name
    assert not is_working_day(day, saturday_is_working_day=True), name
    assert holiday_name(day) is not None, name


def test_calendar_matches_the_hand_written_list_on_every_day_2026_to_2028() -> None:
    for day in all_days():
        assert is_working_day(day) is oracle_working(day), day
        assert is_working_day(day, saturday_is_working_day=True) is oracle_working(day, True), day


def test_eves_and_holy_saturday_are_named() -> None:
    assert holiday_name(date(2026, 6, 19)) == "Midsummer Eve"
    assert holiday_name(date(2026, 12, 24)) == "Christmas Eve"
    assert holiday_name(date(2026, 4, 4)) == cal.HOLY_SATURDAY
    assert holiday_name(date(2026, 11, 24)) is None
    assert holiday_name(date(2026, 11, 28)) is None  # an ordinary Saturday is no holiday


def test_weekends() -> None:
    assert is_working_day(date(2026, 11, 27))  # Friday
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 11, 29))  # Sunday
    assert is_working_day(date(2026, 11, 28), saturday_is_working_day=True)
    assert not is_working_day(date(2026, 11, 29), saturday_is_working_day=True)
    assert is_working_day(date(2026, 11, 30))  # Monday


def test_previous_working_day_is_strictly_before() -> None:
    assert previous_working_day(date(2026, 11, 24)) == date(2026, 11, 23)
    assert previous_working_day(date(2026, 11, 30)) == date(2026, 11, 27)
    assert previous_working_day(date(2026, 11, 29)) == date(2026, 11, 27)
    assert previous_working_day(date(2026, 11, 30), saturday_is_working_day=True) == date(
        2026, 11, 28
    )
    assert previous_working_day(date(2027, 1, 4)) == date(2026, 12, 31)  # across the year


@pytest.fixture
def fresh_calendar_cache() -> Iterator[None]:
    cal._days_off.cache_clear()
    yield
    cal._days_off.cache_clear()


@pytest.mark.usefixtures("fresh_calendar_cache")
def test_eves_stay_days_off_even_if_the_package_dropped_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = cal.holidays.country_holidays

    def without_eves(*args: object, **kwargs: object) -> dict[date, str]:
        table = dict(real(*args, **kwargs).items())
        return {d: n for d, n in table.items() if d not in {date(2027, 6, 25), date(2027, 12, 24)}}

    monkeypatch.setattr(cal.holidays, "country_holidays", without_eves)
    assert not is_working_day(date(2027, 6, 25))
    assert not is_working_day(date(2027, 12, 24))
    assert holiday_name(date(2027, 6, 25)) == "Midsummer Eve"
    assert is_working_day(date(2027, 6, 24))


# --- the deadline: DOMAIN.md examples ------------------------------------------------------


@pytest.mark.parametrize(
    ("meeting", "deadline_day", "offset"),
    [
        (hki(2026, 11, 24, 10), date(2026, 11, 23), 2),  # Tue → Mon
        (hki(2026, 11, 30, 9), date(2026, 11, 27), 2),  # Mon → Fri
        (hki(2026, 12, 28, 10), date(2026, 12, 23), 2),  # 24th, 25th holidays, 26th–27th weekend
        (hki(2026, 4, 7, 13), date(2026, 4, 2), 3),  # Good Friday 3rd, Easter Monday 6th
        (hki(2026, 11, 25, 8), date(2026, 11, 24), 2),  # Wed 08:00 → Tue 12:00, not 24 h before
    ],
)
def test_domain_examples(meeting: datetime, deadline_day: date, offset: int) -> None:
    assert_noon_local(absence_deadline(meeting), deadline_day, offset_hours=offset)


def test_deadline_is_not_24_hours_before() -> None:
    meeting = hki(2026, 11, 25, 8)
    assert absence_deadline(meeting) == hki(2026, 11, 24, 12)
    assert meeting - absence_deadline(meeting) == timedelta(hours=20)


# --- holiday blocks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meeting_day", "deadline_day"),
    [
        # Easter
        (date(2026, 4, 7), date(2026, 4, 2)),
        (date(2026, 4, 2), date(2026, 4, 1)),  # Maundy Thursday is a working day
        (date(2027, 3, 30), date(2027, 3, 25)),
        (date(2028, 4, 18), date(2028, 4, 13)),
        # Midsummer
        (date(2026, 6, 22), date(2026, 6, 18)),
        (date(2027, 6, 28), date(2027, 6, 24)),
        (date(2028, 6, 26), date(2028, 6, 22)),
        # Christmas and New Year
        (date(2026, 12, 28), date(2026, 12, 23)),
        (date(2027, 12, 27), date(2027, 12, 23)),
        (date(2028, 12, 27), date(2028, 12, 22)),
        (date(2026, 1, 2), date(2025, 12, 31)),
        (date(2027, 1, 4), date(2026, 12, 31)),
        (date(2028, 1, 3), date(2027, 12, 31)),
        # single days
        (date(2026, 1, 7), date(2026, 1, 5)),  # Epiphany on a Tuesday
        (date(2027, 1, 7), date(2027, 1, 5)),  # Epiphany on a Wednesday
        (date(2026, 5, 4), date(2026, 4, 30)),  # May Day on a Friday
        (date(2028, 5, 2), date(2028, 4, 28)),  # May Day on a Monday
        (date(2026, 5, 15), date(2026, 5, 13)),  # Ascension Thursday
        (date(2027, 12, 7), date(2027, 12, 3)),  # Independence Day on a Monday
        (date(2028, 12, 7), date(2028, 12, 5)),  # Independence Day on a Wednesday
        (date(2026, 11, 2), date(2026, 10, 30)),  # All Saints' Day Saturday: just a weekend
    ],
)
def test_holiday_blocks(meeting_day: date, deadline_day: date) -> None:
    meeting = datetime.combine(meeting_day, time(10), tzinfo=HKI)
    assert_noon_local(absence_deadline(meeting), deadline_day)


@pytest.mark.parametrize(("holiday", "name", "weekday"), FINNISH_HOLIDAYS)
def test_first_working_day_after_each_holiday(holiday: date, name: str, weekday: int) -> None:
    after = holiday + timedelta(days=1)
    while not oracle_working(after):
        after += timedelta(days=1)
    before = holiday - timedelta(days=1)
    while not oracle_working(before):
        before -= timedelta(days=1)
    for hour in (0, 9, 23):
        meeting = datetime.combine(after, time(hour, 30), tzinfo=HKI)
        assert_noon_local(absence_deadline(meeting), before)


# --- daylight saving ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meeting_day", "deadline_day", "offset"),
    [
        # 2026: clocks forward Sun 29 Mar, back Sun 25 Oct
        (date(2026, 3, 30), date(2026, 3, 27), 2),
        (date(2026, 3, 31), date(2026, 3, 30), 3),
        (date(2026, 10, 26), date(2026, 10, 23), 3),
        (date(2026, 10, 27), date(2026, 10, 26), 2),
        # 2027: forward Sun 28 Mar (Easter Sunday), back Sun 31 Oct
        (date(2027, 3, 30), date(2027, 3, 25), 2),
        (date(2027, 3, 31), date(2027, 3, 30), 3),
        (date(2027, 11, 1), date(2027, 10, 29), 3),
        (date(2027, 11, 2), date(2027, 11, 1), 2),
        # 2028: forward Sun 26 Mar, back Sun 29 Oct
        (date(2028, 3, 27), date(2028, 3, 24), 2),
        (date(2028, 3, 28), date(2028, 3, 27), 3),
        (date(2028, 10, 30), date(2028, 10, 27), 3),
        (date(2028, 10, 31), date(2028, 10, 30), 2),
    ],
)
def test_dst_changes_do_not_move_noon(meeting_day: date, deadline_day: date, offset: int) -> None:
    for hour in (0, 8, 23):
        meeting = datetime.combine(meeting_day, time(hour, 15), tzinfo=HKI)
        deadline = absence_deadline(meeting)
        assert_noon_local(deadline, deadline_day, offset_hours=offset)
        assert deadline.astimezone(UTC) == datetime.combine(
            deadline_day, time(12 - offset), tzinfo=UTC
        )


def test_dst_transition_days_themselves() -> None:
    # Meetings on the Sunday of the change, and a Saturday deadline on the eve of it.
    assert_noon_local(absence_deadline(hki(2026, 3, 29, 10)), date(2026, 3, 27), 2)
    assert_noon_local(absence_deadline(hki(2026, 10, 25, 10)), date(2026, 10, 23), 3)
    saturday = absence_deadline(hki(2026, 3, 30, 10), saturday_is_working_day=True)
    assert_noon_local(saturday, date(2026, 3, 28), 2)
    saturday = absence_deadline(hki(2026, 10, 26, 10), saturday_is_working_day=True)
    assert_noon_local(saturday, date(2026, 10, 24), 3)


# --- the meeting's local date ------------------------------------------------------------


def test_meeting_given_in_utc_uses_its_helsinki_date() -> None:
    # Tue 31 Mar 2026 00:30 in Helsinki is still Monday in UTC.
    meeting = datetime(2026, 3, 30, 21, 30, tzinfo=UTC)
    assert_noon_local(absence_deadline(meeting), date(2026, 3, 30), 3)
    # Tue 24 Nov 2026 01:00 in Helsinki is Monday evening in New York.
    meeting = datetime(2026, 11, 23, 18, 0, tzinfo=ZoneInfo("America/New_York"))
    assert_noon_local(absence_deadline(meeting), date(2026, 11, 23), 2)
    # Mon 23 Nov 2026 23:30 UTC is already Tuesday in Helsinki (by the UTC date: Fri 20th).
    meeting = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)
    assert_noon_local(absence_deadline(meeting), date(2026, 11, 23), 2)


def test_other_time_zone_setting() -> None:
    stockholm = ZoneInfo("Europe/Stockholm")
    meeting = datetime(2026, 11, 24, 10, tzinfo=stockholm)
    deadline = absence_deadline(meeting, tz=stockholm)
    assert deadline == datetime(2026, 11, 23, 12, tzinfo=stockholm)
    assert deadline.tzinfo == stockholm
    assert deadline.utcoffset() == timedelta(hours=1)


# --- classifying a notice ----------------------------------------------------------------

MEETING = hki(2026, 11, 24, 10)  # deadline Mon 23 Nov 2026 12:00 +02:00 = 10:00 UTC


@pytest.mark.parametrize(
    ("notified_at", "expected"),
    [
        (hki(2026, 11, 23, 11, 59, 59), NoticeTiming.ON_TIME),
        (hki(2026, 11, 23, 12, 0, 0), NoticeTiming.ON_TIME),
        (hki(2026, 11, 23, 12, 0, 1), NoticeTiming.LATE),
        (hki(2026, 11, 20, 9), NoticeTiming.ON_TIME),
        (datetime(2026, 11, 23, 9, 59, 59, tzinfo=UTC), NoticeTiming.ON_TIME),
        (datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC), NoticeTiming.ON_TIME),
        (datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC), NoticeTiming.LATE),
        (datetime(2026, 11, 23, 11, 30, tzinfo=UTC), NoticeTiming.LATE),  # 13:30 in Helsinki
        (hki(2026, 11, 24, 9, 59, 59), NoticeTiming.LATE),
        (hki(2026, 11, 24, 10, 0, 0), NoticeTiming.AFTER_START),
        (datetime(2026, 11, 24, 8, 0, 0, tzinfo=UTC), NoticeTiming.AFTER_START),  # = start
        (datetime(2026, 11, 24, 7, 59, 59, tzinfo=UTC), NoticeTiming.LATE),
        (hki(2026, 11, 24, 15), NoticeTiming.AFTER_START),
    ],
)
def test_classify_notice(notified_at: datetime, expected: NoticeTiming) -> None:
    assert classify_notice(MEETING, notified_at) is expected


def test_classify_notice_in_summer_time_compares_instants() -> None:
    meeting = hki(2026, 6, 9, 10)  # deadline Mon 8 Jun 12:00 +03:00 = 09:00 UTC
    assert classify_notice(meeting, datetime(2026, 6, 8, 9, 0, tzinfo=UTC)) is NoticeTiming.ON_TIME
    assert classify_notice(meeting, datetime(2026, 6, 8, 9, 0, 1, tzinfo=UTC)) is NoticeTiming.LATE
    # 11:00 UTC reads like "before noon" but is 14:00 in Helsinki.
    assert classify_notice(meeting, datetime(2026, 6, 8, 11, 0, tzinfo=UTC)) is NoticeTiming.LATE


def test_classify_notice_with_meeting_in_utc() -> None:
    meeting = datetime(2026, 11, 24, 8, tzinfo=UTC)  # 10:00 in Helsinki
    assert classify_notice(meeting, hki(2026, 11, 23, 12)) is NoticeTiming.ON_TIME
    assert classify_notice(meeting, hki(2026, 11, 23, 12, 0, 1)) is NoticeTiming.LATE
    assert classify_notice(meeting, hki(2026, 11, 24, 10)) is NoticeTiming.AFTER_START


def test_notice_timing_values() -> None:
    assert [t.value for t in NoticeTiming] == ["on_time", "late", "after_start"]
    assert NoticeTiming("late") is NoticeTiming.LATE
    assert NoticeTiming.ON_TIME == "on_time"


# --- the Saturday setting ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("meeting_day", "default_day", "saturday_day"),
    [
        (date(2026, 11, 30), date(2026, 11, 27), date(2026, 11, 28)),  # ordinary Monday
        (date(2026, 11, 29), date(2026, 11, 27), date(2026, 11, 28)),  # a Sunday meeting
        (date(2026, 11, 24), date(2026, 11, 23), date(2026, 11, 23)),  # Tuesday: unchanged
        (date(2026, 6, 22), date(2026, 6, 18), date(2026, 6, 18)),  # Midsummer Day Saturday
        (date(2026, 11, 2), date(2026, 10, 30), date(2026, 10, 30)),  # All Saints' Day
        (date(2026, 12, 28), date(2026, 12, 23), date(2026, 12, 23)),  # St Stephen's Saturday
        (date(2027, 12, 27), date(2027, 12, 23), date(2027, 12, 23)),  # Christmas Saturday
        (date(2028, 1, 3), date(2027, 12, 31), date(2027, 12, 31)),  # New Year Saturday
        (date(2027, 5, 3), date(2027, 4, 30), date(2027, 4, 30)),  # May Day Saturday
        (date(2026, 4, 7), date(2026, 4, 2), date(2026, 4, 2)),  # Holy Saturday
        (date(2028, 12, 27), date(2028, 12, 22), date(2028, 12, 23)),  # 23 Dec 2028 Saturday
    ],
)
def test_saturday_setting(meeting_day: date, default_day: date, saturday_day: date) -> None:
    meeting = datetime.combine(meeting_day, time(9), tzinfo=HKI)
    assert_noon_local(absence_deadline(meeting), default_day)
    assert_noon_local(absence_deadline(meeting, saturday_is_working_day=True), saturday_day)


def test_saturday_notice_depends_on_the_setting() -> None:
    meeting = hki(2026, 11, 30, 9)
    notice = hki(2026, 11, 28, 10)  # Saturday morning
    assert classify_notice(meeting, notice) is NoticeTiming.LATE
    assert classify_notice(meeting, notice, saturday_is_working_day=True) is NoticeTiming.ON_TIME


# --- naive datetimes ---------------------------------------------------------------------


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2026, 11, 24, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        absence_deadline(naive)
    with pytest.raises(ValueError, match="meeting_start"):
        classify_notice(naive, MEETING)
    with pytest.raises(ValueError, match="notified_at"):
        classify_notice(MEETING, naive)


# --- billable hours ----------------------------------------------------------------------


def test_billable_hours_for_notice() -> None:
    assert billable_hours_for_notice(NoticeTiming.ON_TIME, 2.5) == 0
    assert billable_hours_for_notice(NoticeTiming.LATE, 2.5) == 2.5
    assert billable_hours_for_notice(NoticeTiming.AFTER_START, 1.0) == 1.0
    with pytest.raises(ValueError):
        billable_hours_for_notice(NoticeTiming.LATE, -1)


# --- property: every day of 2026–2028 ----------------------------------------------------


@pytest.mark.parametrize("saturday", [False, True])
def test_deadline_properties_for_every_day(saturday: bool) -> None:
    for day in all_days():
        for hour in (0, 8, 23):
            meeting = datetime.combine(day, time(hour, 59), tzinfo=HKI)
            deadline = absence_deadline(meeting, saturday_is_working_day=saturday)
            assert deadline.tzinfo == HKI
            assert deadline.time() == time(12, 0)
            assert deadline.utcoffset() in (timedelta(hours=2), timedelta(hours=3))
            assert deadline.date() < day
            assert oracle_working(deadline.date(), saturday), (day, deadline)
            between = deadline.date() + timedelta(days=1)
            while between < day:
                assert not oracle_working(between, saturday), (day, deadline, between)
                between += timedelta(days=1)
            one_second = timedelta(seconds=1)
            options = {"saturday_is_working_day": saturday}
            assert classify_notice(meeting, deadline, **options) is NoticeTiming.ON_TIME
            assert classify_notice(meeting, deadline + one_second, **options) is NoticeTiming.LATE
            assert classify_notice(meeting, meeting - one_second, **options) is NoticeTiming.LATE
            assert classify_notice(meeting, meeting, **options) is NoticeTiming.AFTER_START
