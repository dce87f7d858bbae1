"""Customer feedback per program for the provider admin [002 §2.3, §2.7, §3.7].

The client gives a score of 1–5 and a few words at the end of a period (bot.goals.actions,
kept in PeriodReview); the admin reads, per program, how many answered, the average, how
the scores fall and the words themselves. Anonymous: no names, no ids, no dates — the
comments are ordered by score and text, not by who or when. Read-only.

Days are calendar days in Europe/Helsinki (the settings' zone): feedback given at 00:30 on
the 1st local time belongs to the 1st although UTC still says the day before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlmodel import Session

from bot.rules.feedback import ScoreSummary, comment, summarize_scores
from storage import feedback as rows
from storage.feedback import FeedbackRow


class UnknownProgram(LookupError):
    """--program named a program that does not exist."""


@dataclass(frozen=True, order=True)
class Comment:
    score: int
    text: str


@dataclass(frozen=True)
class ProgramFeedback:
    program_key: str
    scores: ScoreSummary
    comments: tuple[Comment, ...]


@dataclass(frozen=True)
class FeedbackSummary:
    first: date
    last: date
    programs: list[ProgramFeedback]


def summarize(found: Iterable[FeedbackRow], programs: Iterable[str] = ()) -> list[ProgramFeedback]:
    """One summary per program that had feedback, and per program named in `programs`
    (shown with none); ordered by program key. Comments: capped, one line, by score then
    text, empty words left out."""
    by_program: dict[str, list[FeedbackRow]] = {key: [] for key in programs}
    for row in found:
        by_program.setdefault(row.program_key, []).append(row)
    result = []
    for key in sorted(by_program):
        given = by_program[key]
        comments = sorted(
            Comment(score=row.score, text=words)
            for row in given
            if (words := comment(row.text)) is not None
        )
        result.append(
            ProgramFeedback(
                program_key=key,
                scores=summarize_scores(row.score for row in given),
                comments=tuple(comments),
            )
        )
    return result


def local_span(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[first 00:00, the day after last 00:00) in `tz`, as the instants to compare with."""
    since = datetime.combine(first, time(), tzinfo=tz)
    until = datetime.combine(last + timedelta(days=1), time(), tzinfo=tz)
    return since, until


def feedback_between(
    session: Session, first: date, last: date, tz: tzinfo, program_key: str | None = None
) -> FeedbackSummary:
    """The summary of the feedback given from `first` to `last` (both included). Every
    program shows, with or without feedback; `program_key` only that one (UnknownProgram
    if there is no such program)."""
    known = rows.program_keys(session)
    if program_key is not None:
        if program_key not in known:
            raise UnknownProgram(program_key)
        known = [program_key]
    since, until = local_span(first, last, tz)
    found = rows.given_between(session, since, until, program_key)
    return FeedbackSummary(first=first, last=last, programs=summarize(found, known))


# --- output -------------------------------------------------------------------------------

HEADER = [
    "program", "row", "count", "average",
    "score_1", "score_2", "score_3", "score_4", "score_5",
    "score", "comment",
]  # fmt: skip


def table(summary: FeedbackSummary) -> list[list[Any]]:
    """CSV rows: a header, then per program a `summary` row (count, average, the count of
    each score) followed by one `comment` row per comment (its score and the words)."""
    result: list[list[Any]] = [list(HEADER)]
    for program in summary.programs:
        s = program.scores
        average = "" if s.average is None else str(s.average)
        result.append([program.program_key, "summary", s.count, average, *s.distribution, "", ""])
        blank = [""] * 7  # count, average and the five score counts
        for c in program.comments:
            result.append([program.program_key, "comment", *blank, c.score, c.text])
    return result


def text(summary: FeedbackSummary) -> str:
    """A readable page: per program its figures as a small table, the comments under it."""
    lines = [f"Customer feedback {summary.first.isoformat()} – {summary.last.isoformat()}", ""]
    if not summary.programs:
        lines.append("No programs.")
    for program in summary.programs:
        s = program.scores
        if s.average is None:
            lines.append(f"{program.program_key}: no feedback")
            lines.append("")
            continue
        lines.append(f"{program.program_key}: {s.count} answer(s), average {s.average} / 5")
        lines.append("  score  " + "".join(f"{score:>5}" for score in range(1, 6)))
        lines.append("  count  " + "".join(f"{n:>5}" for n in s.distribution))
        if program.comments:
            lines.append(f"  comments ({len(program.comments)}):")
            lines.extend(f"  - [{c.score}] {c.text}" for c in program.comments)
        else:
            lines.append("  no comments")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
