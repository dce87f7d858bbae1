"""Billing of outcomes (DOMAIN.md, attendance outcomes) and the work-activity allowance [002 §2]."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.rules.attendance import Outcome
from bot.rules.billing import WORK_ALLOWANCE_EUR, billable_hours, planned_hours, work_allowance

HKI = ZoneInfo("Europe/Helsinki")


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (Outcome.ATTENDED, 1.5),  # the hours actually used
        (Outcome.ABSENT_ON_TIME, 0.0),  # notice by the noon deadline: nothing billable
        (Outcome.ABSENT_LATE, 2.0),  # late notice: the planned hours
        (Outcome.NO_SHOW, 2.0),  # no notice, no attendance: the planned hours
        (Outcome.CANCELLED_BY_PROVIDER, 0.0),
    ],
)
def test_billable_hours_follow_the_outcome_table(outcome: Outcome, expected: float) -> None:
    assert billable_hours(outcome, planned=2.0, used=1.5) == expected


def test_attended_bills_what_was_used_even_beyond_the_plan() -> None:
    assert billable_hours(Outcome.ATTENDED, planned=1.0, used=1.25) == 1.25
    assert billable_hours(Outcome.ATTENDED, planned=1.0, used=0.5) == 0.5


def test_attended_needs_the_hours_used_and_hours_are_never_negative() -> None:
    with pytest.raises(ValueError, match="hours used"):
        billable_hours(Outcome.ATTENDED, planned=1.0)
    with pytest.raises(ValueError):
        billable_hours(Outcome.NO_SHOW, planned=-1.0)
    with pytest.raises(ValueError):
        billable_hours(Outcome.ATTENDED, planned=1.0, used=-0.5)


def test_the_other_outcomes_ignore_hours_used() -> None:
    for outcome in (Outcome.ABSENT_LATE, Outcome.NO_SHOW):
        assert billable_hours(outcome, planned=1.0, used=3.0) == 1.0
    for outcome in (Outcome.ABSENT_ON_TIME, Outcome.CANCELLED_BY_PROVIDER):
        assert billable_hours(outcome, planned=1.0, used=3.0) == 0.0


def test_planned_hours_to_the_minute_across_a_daylight_saving_change() -> None:
    start = datetime(2026, 11, 24, 10, 0, tzinfo=HKI)
    assert planned_hours(start, start + timedelta(minutes=45)) == 0.75
    assert planned_hours(start, start + timedelta(hours=6)) == 6.0
    # Night of 25 Oct 2026: 02:00–05:00 local is four real hours (clocks go back at 04:00).
    night = datetime(2026, 10, 25, 2, 0, tzinfo=HKI)
    later = datetime(2026, 10, 25, 5, 0, tzinfo=HKI)
    assert planned_hours(night.astimezone(UTC), later.astimezone(UTC)) == 4.0
    with pytest.raises(ValueError):
        planned_hours(start, start - timedelta(hours=1))


@pytest.mark.parametrize(
    ("hours", "euros"),
    [(4.0, 8), (6.0, 12), (5.0, 8), (6.5, 12), (3.75, 0), (0.0, 0)],
)
def test_work_allowance_for_an_attended_day(hours: float, euros: int) -> None:
    assert work_allowance(Outcome.ATTENDED, hours) == Decimal(euros)


@pytest.mark.parametrize(
    "outcome",
    [
        Outcome.ABSENT_ON_TIME,  # e.g. a sick day reported in time
        Outcome.ABSENT_LATE,
        Outcome.NO_SHOW,
        Outcome.CANCELLED_BY_PROVIDER,
    ],
)
def test_no_allowance_for_a_day_not_attended(outcome: Outcome) -> None:
    assert work_allowance(outcome, 6.0) == 0
    assert work_allowance(outcome, None) == 0


def test_allowance_rates_come_from_the_program() -> None:
    assert WORK_ALLOWANCE_EUR == {"4": 8, "6": 12}  # the work-activity preset
    assert work_allowance(Outcome.ATTENDED, 6, {"4": 9, "6": 13.5}) == Decimal("13.5")
    assert work_allowance(Outcome.ATTENDED, None) == 0
