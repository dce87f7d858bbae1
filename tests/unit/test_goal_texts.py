"""The goals feature's texts and stored values agree with its rules."""

from __future__ import annotations

from bot.goals.texts import AREA_NAMES, STATUS_NAMES
from bot.rules.goals import AREAS, GoalStatus
from storage import goals


def test_every_goal_area_and_status_has_a_name() -> None:
    assert tuple(AREA_NAMES) == AREAS  # the coach sees them in this order
    assert set(STATUS_NAMES) == set(GoalStatus)


def test_storage_knows_an_open_goal_as_the_rules_do() -> None:
    assert GoalStatus.OPEN.value == goals.OPEN
