"""Meeting reminder times, with the time passed in: holidays, DST, quiet hours, preferences,
and the morning reminder on the day of the absence-notice deadline."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules.reminders import agenda_due, client_reminders

HKI = ZoneInfo("Europe/Helsinki")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HKI)


def due(
    start: datetime,
    prefs: dict | None = None,
    now: datetime | None = None,
    quiet: tuple[time, time] = (time(21, 0), time(8, 0)),
) -> dict:
    """The reminders' times by kind; the deadline one is left out unless asked for, so the
    tests of the other two read as they did before it came."""
    prefs = {"deadline": None} if prefs is None else prefs
    found = client_reminders(
        start, prefs, now=now or start - timedelta(days=30), tz=HKI, quiet=quiet
    )
    return {r.kind: r.due for r in found}


def deadline_reminder(start: datetime, **options: object) -> datetime | None:
    prefs = options.pop("prefs", {})
    return due(start, prefs, **options).get("deadline")  # type: ignore[arg-type]


def test_defaults_the_day_before_at_16_and_two_hours_before() -> None:
    assert due(local(2026, 11, 24, 10, 0)) == {
        "day_before": local(2026, 11, 23, 16, 0),
        "hours_before": local(2026, 11, 24, 8, 0),
    }


def test_monday_after_a_holiday_weekend() -> None:
    # Mon 28 Dec 2026 after Christmas Eve, Christmas Day and the weekend: the day before is
    # Sunday 27 Dec; a reminder is about the meeting, not about working days.
    assert due(local(2026, 12, 28, 9, 0)) == {
        "day_before": local(2026, 12, 27, 16, 0),
        "hours_before": local(2026, 12, 28, 8, 0),  # 07:00 is quiet: held to 08:00
    }


@pytest.mark.parametrize(
    ("start", "day_before_utc", "soon_utc"),
    [
        # 29 Mar 2026: clocks go forward at 03:00 (+02:00 → +03:00).
        (local(2026, 3, 29, 10, 0), datetime(2026, 3, 28, 14, 0, tzinfo=UTC),
         datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),
        # 25 Oct 2026: clocks go back at 04:00 (+03:00 → +02:00).
        (local(2026, 10, 25, 10, 0), datetime(2026, 10, 24, 13, 0, tzinfo=UTC),
         datetime(2026, 10, 25, 6, 0, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_the_day_daylight_saving_changes(
    start: datetime, day_before_utc: datetime, soon_utc: datetime
) -> None:
    found = due(start)
    assert found["day_before"] == day_before_utc
    assert found["day_before"].astimezone(HKI).hour == 16
    assert found["hours_before"] == soon_utc
    assert start - found["hours_before"] == timedelta(hours=2)


def test_an_early_meeting_gets_no_useless_morning_reminder() -> None:
    # 08:00 meeting: two hours before is 06:00, quiet until 08:00 = the start itself.
    assert set(due(local(2026, 11, 25, 8, 0))) == {"day_before"}
    # 09:00 meeting: held from 07:00 to 08:00, still an hour ahead.
    assert due(local(2026, 11, 25, 9, 0))["hours_before"] == local(2026, 11, 25, 8, 0)


def test_preferences_change_or_switch_off_and_the_past_is_skipped() -> None:
    start = local(2026, 11, 24, 10, 0)
    assert due(start, {"day_before": "18:00", "hours_before": 1}) == {
        "day_before": local(2026, 11, 23, 18, 0),
        "hours_before": local(2026, 11, 24, 9, 0),
        "deadline": local(2026, 11, 23, 9, 0),  # the default, unchanged
    }
    assert due(start, {"day_before": None, "hours_before": None, "deadline": None}) == {}
    assert set(due(start, now=local(2026, 11, 23, 17, 0))) == {"hours_before"}
    with pytest.raises(ValueError):
        client_reminders(datetime(2026, 1, 1), {}, now=start, tz=HKI)


def test_agenda_time() -> None:
    day = local(2026, 11, 24, 0, 0)
    assert agenda_due(day, {}, HKI) == local(2026, 11, 24, 8, 0)
    assert agenda_due(day, {"agenda": "07:00"}, HKI) == local(2026, 11, 24, 7, 0)
    assert agenda_due(day, {"agenda": None}, HKI) is None


# --- the morning of the deadline day ----------------------------------------------------
@pytest.mark.parametrize(
    ("start", "morning"),
    [
        # Tue 24 Nov 10:00 → deadline Mon 23 Nov 12:00: the reminder Monday 09:00.
        (local(2026, 11, 24, 10, 0), local(2026, 11, 23, 9, 0)),
        # Mon 30 Nov 09:00 → deadline Fri 27 Nov 12:00: Friday morning, not Sunday.
        (local(2026, 11, 30, 9, 0), local(2026, 11, 27, 9, 0)),
        # Mon 28 Dec → Wed 23 Dec 12:00 (Christmas Eve, Christmas Day, the weekend).
        (local(2026, 12, 28, 10, 0), local(2026, 12, 23, 9, 0)),
        # Tue 7 Apr 13:00 → Thu 2 Apr 12:00 (Good Friday, Easter Monday).
        (local(2026, 4, 7, 13, 0), local(2026, 4, 2, 9, 0)),
        # An 08:00 meeting on Wednesday → Tuesday 09:00 (not "24 hours before").
        (local(2026, 11, 25, 8, 0), local(2026, 11, 24, 9, 0)),
    ],
)
def test_the_deadline_reminder_comes_at_9_on_the_deadlines_day(
    start: datetime, morning: datetime
) -> None:
    [reminder] = [
        r
        for r in client_reminders(start, {}, now=start - timedelta(days=30), tz=HKI)
        if r.kind == "deadline"
    ]
    assert reminder.due == morning
    assert reminder.until == datetime.combine(morning.date(), time(12, 0), tzinfo=HKI)


def test_the_deadline_reminder_keeps_the_local_time_across_daylight_saving() -> None:
    # Mon 30 Mar 2026 10:00 → deadline Fri 27 Mar (still +02:00); Mon 26 Oct → Fri 23 Oct (+03:00).
    assert deadline_reminder(local(2026, 3, 30, 10, 0)) == datetime(2026, 3, 27, 7, 0, tzinfo=UTC)
    assert deadline_reminder(local(2026, 10, 26, 10, 0)) == datetime(2026, 10, 23, 6, 0, tzinfo=UTC)


def test_the_deadline_reminder_is_held_by_quiet_hours_and_dropped_past_the_deadline() -> None:
    start = local(2026, 11, 24, 10, 0)
    assert deadline_reminder(start, quiet=(time(21, 0), time(10, 0))) == local(2026, 11, 23, 10, 0)
    assert deadline_reminder(start, quiet=(time(21, 0), time(12, 0))) is None
    assert deadline_reminder(start, quiet=(time(21, 0), time(12, 30))) is None


def test_the_deadline_reminder_follows_the_setting_and_never_comes_late() -> None:
    start = local(2026, 11, 24, 10, 0)
    assert deadline_reminder(start, prefs={"deadline": "11:00"}) == local(2026, 11, 23, 11, 0)
    assert deadline_reminder(start, prefs={"deadline": None}) is None
    # Booked at 09:30 on the deadline day: 09:00 is past, none.
    assert deadline_reminder(start, now=local(2026, 11, 23, 9, 30)) is None
    assert deadline_reminder(start, now=local(2026, 11, 23, 8, 59)) == local(2026, 11, 23, 9, 0)
    # A setting past noon (never offered) sends nothing rather than a useless reminder.
    assert deadline_reminder(start, prefs={"deadline": "13:00"}) is None
