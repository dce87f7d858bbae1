"""Alerts keep asking: when an unacknowledged alert is due again, and how old it is."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.rules.alerts import age_in_days, latest_resend, resend_due

HKI = ZoneInfo("Europe/Helsinki")
FRIDAY_14 = datetime(2026, 11, 20, 14, 0, tzinfo=HKI)


def hki(*args: int) -> datetime:
    return datetime(*args, tzinfo=HKI)


def test_an_alert_is_due_again_every_working_day_at_the_time_it_was_raised() -> None:
    assert resend_due(FRIDAY_14, HKI) == hki(2026, 11, 23, 14)  # Monday, not Saturday
    assert latest_resend(FRIDAY_14, hki(2026, 11, 23, 13, 59), HKI) is None
    for now, due in [
        (hki(2026, 11, 23, 14), hki(2026, 11, 23, 14)),
        (hki(2026, 11, 24, 13, 59), hki(2026, 11, 23, 14)),
        (hki(2026, 11, 24, 14), hki(2026, 11, 24, 14)),
        (hki(2026, 11, 25, 18), hki(2026, 11, 25, 14)),
        (hki(2026, 11, 29, 12), hki(2026, 11, 27, 14)),  # Sunday: Friday's stands
    ]:
        assert latest_resend(FRIDAY_14, now, HKI) == due, now


def test_holidays_are_skipped_and_daylight_saving_does_not_move_the_time() -> None:
    before_christmas = hki(2026, 12, 23, 10)
    # Christmas Eve, Christmas Day and the weekend are no working days.
    assert resend_due(before_christmas, HKI) == hki(2026, 12, 28, 10)
    assert latest_resend(before_christmas, hki(2026, 12, 27, 23), HKI) is None
    # Raised in summer time, sent again after the clocks went back: still at 14.00.
    summer = hki(2026, 10, 23, 14)
    again = latest_resend(summer, hki(2026, 10, 26, 15), HKI)
    assert again is not None and again.astimezone(HKI).hour == 14
    assert again.astimezone(UTC).hour == 12  # it was 11 UTC on the Friday


def test_an_alerts_age_is_counted_in_local_days() -> None:
    assert age_in_days(FRIDAY_14, hki(2026, 11, 20, 23, 59), HKI) == 0
    assert age_in_days(FRIDAY_14, hki(2026, 11, 21, 0, 1), HKI) == 1
    assert age_in_days(FRIDAY_14, hki(2026, 11, 25, 9), HKI) == 5
    with pytest.raises(ValueError):
        age_in_days(datetime(2026, 11, 20), hki(2026, 11, 21), HKI)
