"""Customer feedback in figures: how many answered, the average score, how the scores fall.

Customer feedback is asked at evaluations and at the end of a period [002 §2.3] and
collected for the purchaser [002 §2.7, §3.7]; the client taps a score of 1–5 and may add
a few words (bot.goals.actions). The provider admin reads a summary per program
(`coachbot report feedback`), anonymous: scores and words, never who gave them.

Pure: plain values in, plain values out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SCORES = (1, 2, 3, 4, 5)
COMMENT_MAX = 300  # a comment as the summary shows it: a few lines, not a letter
# The fewest answers a group's figures and words are shown for. Fewer, and the admin who
# knows who ended a period in that program and those days can tell whose they are
# (one answer: its score is the average) [002 §2.7]; only "fewer than 5" is shown.
MIN_GROUP = 5


@dataclass(frozen=True)
class ScoreSummary:
    """`distribution[i]` is how many gave the score `i + 1`; `average` None: nobody did."""

    count: int
    average: Decimal | None
    distribution: tuple[int, int, int, int, int]


def summarize_scores(scores: Iterable[int]) -> ScoreSummary:
    """Count, average rounded half up to one decimal (4.25 → 4.3: what people expect on a
    report, not Python's round-half-even), and the count of each score 1–5. A value
    outside 1–5 is not a score (the client's buttons give none) and is left out."""
    counts = dict.fromkeys(SCORES, 0)
    for score in scores:
        if score in counts:
            counts[score] += 1
    count = sum(counts.values())
    average = None
    if count:
        total = sum(score * n for score, n in counts.items())
        average = (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    distribution = (counts[1], counts[2], counts[3], counts[4], counts[5])
    return ScoreSummary(count=count, average=average, distribution=distribution)


def shown(summary: ScoreSummary, minimum: int = MIN_GROUP) -> bool:
    """Whether a group's figures may be shown: nobody answered (nothing to tell), or at
    least `minimum` did, so no single answer stands out."""
    return summary.count == 0 or summary.count >= minimum


def comment(text: str | None, limit: int = COMMENT_MAX) -> str | None:
    """The client's words as the summary shows them: one line, spaces collapsed, at most
    `limit` characters (a longer one ends in "…"); None when there are no words."""
    words = " ".join((text or "").split())
    if not words:
        return None
    if len(words) <= limit:
        return words
    return words[: limit - 1].rstrip() + "…"
