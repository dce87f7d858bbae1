"""Quiet hours and back-off, with the time passed in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.rules.delivery import after_quiet_hours, gives_up, in_quiet_hours, retry_delay

HKI = ZoneInfo("Europe/Helsinki")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HKI)


@pytest.mark.parametrize(
    ("instant", "quiet"),
    [
        (local(2026, 11, 23, 20, 59, 59), False),
        (local(2026, 11, 23, 21, 0), True),
        (local(2026, 11, 24, 3, 0), True),
        (local(2026, 11, 24, 7, 59, 59), True),
        (local(2026, 11, 24, 8, 0), False),
        (local(2026, 11, 24, 12, 0), False),
    ],
)
def test_quiet_hours_edges(instant: datetime, quiet: bool) -> None:
    assert in_quiet_hours(instant, HKI) is quiet
    assert in_quiet_hours(instant.astimezone(UTC), HKI) is quiet


def test_a_late_evening_message_waits_for_eight_in_the_morning() -> None:
    assert after_quiet_hours(local(2026, 11, 23, 22, 30), HKI) == local(2026, 11, 24, 8, 0)
    assert after_quiet_hours(local(2026, 11, 24, 2, 0), HKI) == local(2026, 11, 24, 8, 0)
    noon = local(2026, 11, 24, 12, 0)
    assert after_quiet_hours(noon, HKI) is noon


def test_quiet_night_across_daylight_saving_change_ends_at_local_eight() -> None:
    # 25 Oct 2026: clocks go back at 04:00 local; the morning is still 08:00 local (+02:00).
    morning = after_quiet_hours(local(2026, 10, 24, 23, 0), HKI)
    assert morning == local(2026, 10, 25, 8, 0)
    assert morning.utcoffset() == timedelta(hours=2)
    spring = after_quiet_hours(local(2026, 3, 28, 23, 0), HKI)
    assert spring.astimezone(UTC) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)


def test_daytime_quiet_window_and_naive_times() -> None:
    assert in_quiet_hours(local(2026, 1, 1, 13, 30), HKI, time(13), time(14))
    assert not in_quiet_hours(local(2026, 1, 1, 14, 0), HKI, time(13), time(14))
    with pytest.raises(ValueError):
        in_quiet_hours(datetime(2026, 1, 1, 12), HKI)


def test_backoff_grows_and_is_capped() -> None:
    delays = [retry_delay(n) for n in range(1, 12)]
    assert delays[0] == timedelta(seconds=2) and delays[2] == timedelta(seconds=8)
    assert all(a <= b for a, b in itertools.pairwise(delays))
    assert delays[-1] == timedelta(minutes=10)
    assert not gives_up(7) and gives_up(8)
