"""Meeting reminder times, with the time passed in: holidays, DST, quiet hours, preferences."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules.reminders import agenda_due, client_reminders

HKI = ZoneInfo("Europe/Helsinki")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HKI)


def due(start: datetime, prefs: dict | None = None, now: datetime | None = None) -> dict:
    found = client_reminders(start, prefs or {}, now=now or start - timedelta(days=30), tz=HKI)
    return {r.kind: r.due for r in found}


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
    }
    assert due(start, {"day_before": None, "hours_before": None}) == {}
    assert set(due(start, now=local(2026, 11, 23, 17, 0))) == {"hours_before"}
    with pytest.raises(ValueError):
        client_reminders(datetime(2026, 1, 1), {}, now=start, tz=HKI)


def test_agenda_time() -> None:
    day = local(2026, 11, 24, 0, 0)
    assert agenda_due(day, {}, HKI) == local(2026, 11, 24, 8, 0)
    assert agenda_due(day, {"agenda": "07:00"}, HKI) == local(2026, 11, 24, 7, 0)
    assert agenda_due(day, {"agenda": None}, HKI) is None
