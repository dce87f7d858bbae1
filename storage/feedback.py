"""The customer feedback given in a span of time, with the program of its period.

One query, no names and no ids: the summary built from these rows (bot.reports.feedback)
is anonymous, so the rows carry nothing that says who gave the feedback [002 §2.7].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import PeriodReview, Program, ServicePeriod


@dataclass(frozen=True)
class FeedbackRow:
    """One client's feedback on one period: the score (1–5) and the words, if any."""

    program_key: str
    score: int
    text: str | None


def given_between(
    session: Session, since: datetime, until: datetime, program_key: str | None = None
) -> list[FeedbackRow]:
    """The feedback given in [since, until) (by when the score was given), joined to the
    period's program; ordered by program and score (not by time or client, so the order
    tells nothing about who wrote what)."""
    query = (
        select(ServicePeriod.program_key, PeriodReview.feedback_score, PeriodReview.feedback_text)
        .join(ServicePeriod, col(ServicePeriod.id) == col(PeriodReview.period_id))
        .where(
            col(PeriodReview.feedback_score).is_not(None),
            col(PeriodReview.feedback_at) >= since,
            col(PeriodReview.feedback_at) < until,
        )
        .order_by(col(ServicePeriod.program_key), col(PeriodReview.feedback_score))
    )
    if program_key is not None:
        query = query.where(ServicePeriod.program_key == program_key)
    return [
        FeedbackRow(program_key=key, score=score, text=text)
        for key, score, text in session.exec(query)
        if score is not None
    ]


def program_keys(session: Session) -> list[str]:
    """Every program's key, in order: a program nobody gave feedback on still shows."""
    return list(session.exec(select(Program.key).order_by(col(Program.key))))
