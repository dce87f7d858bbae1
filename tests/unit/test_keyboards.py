"""Date and time keyboards for /schedule: what is offered, how it is marked, and parsing.

Holidays and weekdays are written out by hand here (6 Dec 2026 is a Sunday, 24–26 Dec a
Thursday to Saturday), so the marks are checked against an independent source.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.meetings.keyboards import (
    BLANK,
    CALLBACK_LIMIT,
    NEXT,
    NON_WORKING_MARK,
    PREVIOUS,
    choice_keyboard,
    month_calendar,
    parse_calendar,
    parse_time,
    time_keyboard,
)

P = "sch"
TODAY = date(2026, 11, 23)  # a Monday


def rows(markup: InlineKeyboardMarkup) -> list[list[InlineKeyboardButton]]:
    return [list(row) for row in markup.inline_keyboard]


def buttons(markup: InlineKeyboardMarkup) -> list[InlineKeyboardButton]:
    return [button for row in markup.inline_keyboard for button in row]


def day_button(markup: InlineKeyboardMarkup, day: date) -> InlineKeyboardButton | None:
    """The button that offers `day`, or None when the day is not offered."""
    wanted = f"{P}:d:{day.isoformat()}"
    found = [button for button in buttons(markup) if button.callback_data == wanted]
    assert len(found) <= 1
    return found[0] if found else None


def navigation(markup: InlineKeyboardMarkup) -> list[InlineKeyboardButton]:
    return rows(markup)[-1]


def november(**kwargs: object) -> InlineKeyboardMarkup:
    options: dict = {"today": TODAY, "language": "fi", "prefix": P} | kwargs
    return month_calendar(2026, 11, **options)


def december(**kwargs: object) -> InlineKeyboardMarkup:
    options: dict = {"today": TODAY, "language": "fi", "prefix": P} | kwargs
    return month_calendar(2026, 12, **options)


def assert_telegram_valid(markup: InlineKeyboardMarkup) -> None:
    for button in buttons(markup):
        assert button.text, "Telegram refuses an empty button text"
        assert button.callback_data
        assert len(str(button.callback_data).encode("utf-8")) <= CALLBACK_LIMIT


# --- month layout --------------------------------------------------------------------


def test_finnish_title_and_weekday_header() -> None:
    layout = rows(november())
    assert [b.text for b in layout[0]] == ["marraskuu 2026"]
    assert [b.text for b in layout[1]] == ["ma", "ti", "ke", "to", "pe", "la", "su"]
    assert all(b.callback_data == f"{P}:n" for b in layout[0] + layout[1])


@pytest.mark.parametrize(
    ("language", "title", "header"),
    [
        ("sv", "november 2026", ["må", "ti", "on", "to", "fr", "lö", "sö"]),
        ("en", "November 2026", ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]),
        ("sv-FI", "november 2026", ["må", "ti", "on", "to", "fr", "lö", "sö"]),
    ],
)
def test_swedish_and_english_titles(language: str, title: str, header: list[str]) -> None:
    layout = rows(november(language=language))
    assert [b.text for b in layout[0]] == [title]
    assert [b.text for b in layout[1]] == header


def test_weeks_are_monday_first_rows_of_seven() -> None:
    layout = rows(november())
    weeks = layout[2:-1]
    # November 2026 has six week rows; with today the 23rd, the four past ones are left
    # out (nothing to offer in them), leaving the week of the 23rd and the last one.
    assert len(weeks) == 2
    assert all(len(week) == 7 for week in weeks)
    assert len(rows(november(today=date(2026, 11, 1)))[2:-1]) == 6
    # 23 Nov (Monday) opens its row, 29 Nov (Sunday) closes it.
    week = next(w for w in weeks if w[0].callback_data == f"{P}:d:2026-11-23")
    assert week[6].callback_data == f"{P}:d:2026-11-29"
    # 30 Nov is a Monday, alone in the last row.
    assert weeks[-1][0].callback_data == f"{P}:d:2026-11-30"
    assert all(b.text == BLANK for b in weeks[-1][1:])


def test_today_offered_and_marked_yesterday_not() -> None:
    markup = november()
    today = day_button(markup, date(2026, 11, 23))
    assert today is not None
    assert today.text == "[23]"
    assert day_button(markup, date(2026, 11, 22)) is None
    assert day_button(markup, date(2026, 11, 1)) is None
    assert day_button(markup, date(2026, 11, 24)).text == "24"  # type: ignore[union-attr]


def test_weekend_marked_but_offered() -> None:
    markup = november()
    assert day_button(markup, date(2026, 11, 28)).text == "28" + NON_WORKING_MARK  # type: ignore[union-attr]
    assert day_button(markup, date(2026, 11, 29)).text == "29" + NON_WORKING_MARK  # type: ignore[union-attr]
    assert day_button(markup, date(2026, 11, 27)).text == "27"  # type: ignore[union-attr]


def test_saturday_as_working_day_is_not_marked() -> None:
    markup = november(saturday_is_working_day=True)
    assert day_button(markup, date(2026, 11, 28)).text == "28"  # type: ignore[union-attr]
    assert day_button(markup, date(2026, 11, 29)).text == "29" + NON_WORKING_MARK  # type: ignore[union-attr]


def test_december_holidays_marked() -> None:
    markup = december()
    marked = {
        date.fromisoformat(str(b.callback_data).split(":d:")[1])
        for b in buttons(markup)
        if b.text.endswith(NON_WORKING_MARK)
    }
    # Independence Day (a Sunday), Christmas Eve, Christmas Day, St Stephen's Day.
    for day in (6, 24, 25, 26):
        assert date(2026, 12, day) in marked, day
    assert date(2026, 12, 23) not in marked
    assert date(2026, 12, 31) not in marked  # New Year's Eve is an ordinary Thursday
    weekends = {date(2026, 12, d) for d in range(1, 32) if date(2026, 12, d).weekday() >= 5}
    assert marked == weekends | {date(2026, 12, 24), date(2026, 12, 25)}
    assert day_button(markup, date(2026, 12, 1)).text == "1"  # type: ignore[union-attr]


def test_holiday_today_has_both_marks() -> None:
    markup = month_calendar(2026, 12, today=date(2026, 12, 24), language="fi", prefix=P)
    assert day_button(markup, date(2026, 12, 24)).text == "[24*]"  # type: ignore[union-attr]


def test_last_day_cuts_off_the_service_period() -> None:
    markup = december(last_day=date(2026, 12, 18))
    assert day_button(markup, date(2026, 12, 18)) is not None
    assert day_button(markup, date(2026, 12, 19)) is None
    assert day_button(markup, date(2026, 12, 31)) is None
    assert [b.text for b in navigation(markup)] == [PREVIOUS, BLANK]


def test_days_outside_the_month_are_blank() -> None:
    markup = december()
    first_week = rows(markup)[2]
    assert first_week[0].text == BLANK  # Monday 30 Nov belongs to November
    assert first_week[0].callback_data == f"{P}:n"
    assert day_button(markup, date(2026, 11, 30)) is None


# --- navigation ----------------------------------------------------------------------


def test_no_previous_arrow_when_previous_month_is_past() -> None:
    nav = navigation(november())
    assert len(nav) == 2
    assert nav[0].text == BLANK
    assert nav[0].callback_data == f"{P}:n"
    assert nav[1].text == NEXT
    assert nav[1].callback_data == f"{P}:m:2026-12"


def test_both_arrows_in_a_later_month() -> None:
    nav = navigation(december())
    assert [(b.text, b.callback_data) for b in nav] == [
        (PREVIOUS, f"{P}:m:2026-11"),
        (NEXT, f"{P}:m:2027-01"),
    ]


def test_previous_arrow_when_only_the_last_day_of_previous_month_is_left() -> None:
    markup = month_calendar(2026, 12, today=date(2026, 11, 30), language="fi", prefix=P)
    assert navigation(markup)[0].callback_data == f"{P}:m:2026-11"


def test_next_arrow_stops_at_the_month_of_last_day() -> None:
    assert navigation(november(last_day=date(2026, 11, 30)))[1].text == BLANK
    assert navigation(november(last_day=date(2026, 12, 1)))[1].text == NEXT
    assert navigation(december(last_day=date(2026, 12, 1)))[1].text == BLANK


def test_next_arrow_stops_twelve_months_ahead() -> None:
    def nav(year: int, month: int) -> list[str]:
        markup = month_calendar(year, month, today=TODAY, language="fi", prefix=P)
        return [b.text for b in navigation(markup)]

    assert nav(2027, 10) == [PREVIOUS, NEXT]
    assert nav(2027, 11) == [PREVIOUS, BLANK]  # November 2027 is the twelfth month ahead
    last = month_calendar(2027, 11, today=TODAY, language="fi", prefix=P)
    assert day_button(last, date(2027, 11, 30)) is not None
    beyond = month_calendar(2027, 12, today=TODAY, language="fi", prefix=P)
    assert day_button(beyond, date(2027, 12, 1)) is None  # a forged month offers nothing


def test_year_boundaries() -> None:
    markup = month_calendar(2027, 1, today=date(2026, 12, 31), language="en", prefix=P)
    assert [b.callback_data for b in navigation(markup)] == [f"{P}:m:2026-12", f"{P}:m:2027-02"]


# --- Telegram limits and round trips ---------------------------------------------------


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize(("year", "month"), [(2026, 11), (2026, 12), (2027, 2), (2027, 6)])
def test_every_button_is_valid_and_parses_back(language: str, year: int, month: int) -> None:
    prefix = "schedule.client-date_x"
    markup = month_calendar(
        year,
        month,
        today=TODAY,
        language=language,
        prefix=prefix,
        last_day=date(2027, 6, 15),
    )
    assert_telegram_valid(markup)
    offered = []
    for button in buttons(markup):
        kind, value = parse_calendar(str(button.callback_data), prefix)
        if kind == "day":
            assert value is not None
            assert value.month == month
            assert TODAY <= value <= date(2027, 6, 15)
            assert button.text.strip("[]").rstrip(NON_WORKING_MARK) == str(value.day)
            offered.append(value)
        elif kind == "month":
            assert value is not None
            assert value.day == 1
            assert button.text in (PREVIOUS, NEXT)
        else:
            assert value is None
    assert offered == sorted(offered)
    assert len(offered) == len(set(offered))


def test_longest_prefix_still_fits() -> None:
    prefix = "p" * 32
    markup = month_calendar(2026, 12, today=TODAY, language="fi", prefix=prefix)
    assert_telegram_valid(markup)
    assert_telegram_valid(time_keyboard(prefix=prefix, language="fi"))


@pytest.mark.parametrize("prefix", ["", "a:b", "ä", "x" * 33, "with space"])
def test_bad_prefix_refused(prefix: str) -> None:
    with pytest.raises(ValueError):
        month_calendar(2026, 11, today=TODAY, language="fi", prefix=prefix)


@pytest.mark.parametrize(
    "data",
    [
        "",
        "sch",
        "sch:",
        "other:d:2026-11-24",
        "sch2:d:2026-11-24",
        "SCH:d:2026-11-24",
        "sch:d:2026-02-30",
        "sch:d:2026-13-01",
        "sch:d:2026-00-10",
        "sch:d:0000-01-01",
        "sch:d:2026-11-24:extra",
        "sch:d:2026-11-24 ",
        "sch:d:2026-1-24",
        "sch:d:+2026-11-24",
        "sch:d:２０２６-11-24",  # full-width digits
        "sch:d:٢٠٢٦-11-24",  # Arabic-Indic digits
        "sch:m:2026-13",
        "sch:m:2026-00",
        "sch:m:2026-12-01",
        "sch:n:x",
        "sch:x",
        "sch:t:0800",
        "sch:d:" + "9" * 80,
        "sch:n" + " " * 70,
        "garbage",
        "\x00",
    ],
)
def test_forged_calendar_data_refused(data: str) -> None:
    with pytest.raises(ValueError):
        parse_calendar(data, P)


def test_none_data_refused() -> None:
    with pytest.raises(ValueError):
        parse_calendar(None, P)  # type: ignore[arg-type]


def test_parse_calendar_values() -> None:
    assert parse_calendar("sch:d:2026-11-24", P) == ("day", date(2026, 11, 24))
    assert parse_calendar("sch:m:2026-12", P) == ("month", date(2026, 12, 1))
    assert parse_calendar("sch:n", P) == ("noop", None)
    assert parse_calendar("sch:d:2028-02-29", P) == ("day", date(2028, 2, 29))


# --- times -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "first", "tenth"),
    [("fi", "8.00", "12.30"), ("sv", "8.00", "12.30"), ("en", "08:00", "12:30")],
)
def test_time_labels_per_language(language: str, first: str, tenth: str) -> None:
    markup = time_keyboard(prefix="tm", language=language)
    labels = [b.text for b in buttons(markup)]
    assert labels[0] == first
    assert labels[9] == tenth
    # 8.00 up to but not including 17.00 in half hours, four to a row.
    assert len(labels) == 18
    assert [len(row) for row in rows(markup)] == [4, 4, 4, 4, 2]
    assert_telegram_valid(markup)


def test_time_keyboard_callbacks_parse_back() -> None:
    markup = time_keyboard(
        prefix="tm", start=time(9, 15), end=time(11, 0), step_minutes=15, language="fi"
    )
    parsed = [parse_time(str(b.callback_data), "tm") for b in buttons(markup)]
    assert parsed == [time(9, 15), time(9, 30), time(9, 45), time(10, 0), time(10, 15),
                      time(10, 30), time(10, 45)]  # fmt: skip
    assert buttons(markup)[0].callback_data == "tm:t:0915"
    assert buttons(markup)[0].text == "9.15"


@pytest.mark.parametrize(
    "data",
    [
        "tm:t:2400",
        "tm:t:0860",
        "tm:t:800",
        "tm:t:08:00",
        "tm:t:0800 ",
        "tm:t:０８００",
        "xx:t:0800",
        "tm:d:2026-11-24",
        "tm:n",
        "tm",
        "",
        "tm:t:" + "0" * 70,
    ],
)
def test_forged_time_data_refused(data: str) -> None:
    with pytest.raises(ValueError):
        parse_time(data, "tm")


def test_time_keyboard_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        time_keyboard(prefix="tm", start=time(17, 0), end=time(8, 0), language="fi")
    with pytest.raises(ValueError):
        time_keyboard(prefix="tm", step_minutes=0, language="fi")


# --- generic choices ---------------------------------------------------------------------


def test_choice_keyboard_rows() -> None:
    markup = choice_keyboard([("Yksi", "c:1"), ("Kaksi", "c:2"), ("Kolme", "c:3")])
    assert [[(b.text, b.callback_data) for b in row] for row in rows(markup)] == [
        [("Yksi", "c:1"), ("Kaksi", "c:2")],
        [("Kolme", "c:3")],
    ]
    single = choice_keyboard([("A", "a"), ("B", "b")], columns=1)
    assert [len(row) for row in rows(single)] == [1, 1]


@pytest.mark.parametrize(
    "options",
    [[("", "c:1")], [("  ", "c:1")], [("ok", "")], [("ok", "x" * 65)], [("ok", "ä" * 33)]],
)
def test_choice_keyboard_refuses_what_telegram_would(options: list[tuple[str, str]]) -> None:
    with pytest.raises(ValueError):
        choice_keyboard(options)
