"""The customer feedback's figures [002 §2.3, §2.7]: count, average, distribution, comments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.rules.feedback import (
    COMMENT_MAX,
    MIN_GROUP,
    ScoreSummary,
    comment,
    shown,
    summarize_scores,
)


def test_no_feedback_has_no_average() -> None:
    assert summarize_scores([]) == ScoreSummary(count=0, average=None, distribution=(0,) * 5)


def test_one_score() -> None:
    summary = summarize_scores([4])
    assert summary == ScoreSummary(count=1, average=Decimal("4.0"), distribution=(0, 0, 0, 1, 0))
    assert str(summary.average) == "4.0"


def test_many_scores_count_and_distribution() -> None:
    summary = summarize_scores([5, 1, 3, 5, 4, 5, 2, 3])
    assert summary.count == 8
    assert summary.distribution == (1, 1, 2, 1, 3)
    assert summary.average == Decimal("3.5")  # 28 / 8


@pytest.mark.parametrize(
    ("scores", "average"),
    [
        ([2, 2, 2, 3], "2.3"),  # 2.25: half up, where round() would give 2.2
        ([4, 5, 4, 4], "4.3"),  # 4.25
        ([5, 4, 2], "3.7"),  # 3.666…
        ([2, 2, 3], "2.3"),  # 2.333…
        ([1, 2], "1.5"),
        ([5, 5, 5], "5.0"),
    ],
)
def test_average_is_rounded_half_up_to_one_decimal(scores: list[int], average: str) -> None:
    assert str(summarize_scores(scores).average) == average


def test_a_value_outside_1_to_5_is_not_a_score() -> None:
    summary = summarize_scores([0, 6, -1, 3])
    assert (summary.count, summary.average, summary.distribution) == (
        1, Decimal("3.0"), (0, 0, 1, 0, 0),
    )  # fmt: skip


def test_a_generator_is_read_once() -> None:
    assert summarize_scores(s for s in (1, 5)).average == Decimal("3.0")


def test_comment_is_one_line_and_capped() -> None:
    assert comment(None) is None
    assert comment("  \n ") is None
    assert comment(" Hyvä\n  valmennus ") == "Hyvä valmennus"
    exact = "a" * COMMENT_MAX
    assert comment(exact) == exact
    long = comment("b" * (COMMENT_MAX + 50))
    assert long is not None
    assert len(long) == COMMENT_MAX and long.endswith("…")
    assert comment("word " * 100, limit=12) == "word word w…"


def test_a_group_below_the_minimum_is_not_shown() -> None:
    """One answer's average is its score: with fewer than 5 the admin could tell whose."""
    assert MIN_GROUP == 5
    assert shown(summarize_scores([]))  # nobody answered: nothing to tell
    for count in range(1, MIN_GROUP):
        assert not shown(summarize_scores([3] * count)), count
    assert shown(summarize_scores([3] * MIN_GROUP))
    assert shown(summarize_scores([1, 2, 3, 4, 5, 5]))
    assert not shown(summarize_scores([0, 6, 3, 3, 3, 3]))  # 4 real scores
    assert shown(summarize_scores([4, 4]), minimum=2)
