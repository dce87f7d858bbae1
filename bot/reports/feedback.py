"""Customer feedback per program for the provider admin [002 §2.3, §2.7, §3.7].

The client gives a score of 1–5 and a few words at the end of a period (bot.goals.actions,
kept in PeriodReview); the admin reads, per program, how many answered, the average, how
the scores fall and the words themselves. Anonymous: no names, no ids, no dates — the
comments are ordered by their text, not by who or when, and carry no score (a score beside
the words ties them to the one who gave both). A program with fewer than MIN_GROUP answers
in the days asked shows only that: with a narrow span or one answer, the admin could tell
whose score and words they are (bot.rules.feedback.shown). Read-only.

Days are calendar days in Europe/Helsinki (the settings' zone): feedback given at 00:30 on
the 1st local time belongs to the 1st although UTC still says the day before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlmodel import Session

from bot.rules.feedback import MIN_GROUP, ScoreSummary, comment, shown, summarize_scores
from storage import feedback as rows
from storage.feedback import FeedbackRow


class UnknownProgram(LookupError):
    """--program named a program that does not exist."""


@dataclass(frozen=True)
class ProgramFeedback:
    """`scores` None: fewer than MIN_GROUP answered, and nothing else is told (the comments
    are empty too); a program nobody answered has a summary with count 0."""

    program_key: str
    scores: ScoreSummary | None
    comments: tuple[str, ...]

    @property
    def too_few(self) -> bool:
        return self.scores is None


@dataclass(frozen=True)
class FeedbackSummary:
    first: date
    last: date
    programs: list[ProgramFeedback]


def summarize(
    found: Iterable[FeedbackRow], programs: Iterable[str] = (), minimum: int = MIN_GROUP
) -> list[ProgramFeedback]:
    """One summary per program that had feedback, and per program named in `programs`
    (shown with none); ordered by program key. Comments: capped, one line, in the order
    of their words, empty words left out. Below `minimum` answers a program keeps neither
    figures nor comments."""
    by_program: dict[str, list[FeedbackRow]] = {key: [] for key in programs}
    for row in found:
        by_program.setdefault(row.program_key, []).append(row)
    result = []
    for key in sorted(by_program):
        given = by_program[key]
        scores = summarize_scores(row.score for row in given)
        if not shown(scores, minimum):
            result.append(ProgramFeedback(program_key=key, scores=None, comments=()))
            continue
        comments = sorted(words for row in given if (words := comment(row.text)) is not None)
        result.append(ProgramFeedback(program_key=key, scores=scores, comments=tuple(comments)))
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
    "comment",
]  # fmt: skip
TOO_FEW = f"fewer than {MIN_GROUP} answers"


def table(summary: FeedbackSummary) -> list[list[Any]]:
    """CSV rows: a header, then per program a `summary` row (count, average, the count of
    each score) followed by one `comment` row per comment (the words only). A program with
    too few answers has a `too_few` row saying only that, and no comment rows."""
    result: list[list[Any]] = [list(HEADER)]
    blank = [""] * 7  # count, average and the five score counts
    for program in summary.programs:
        s = program.scores
        if s is None:
            result.append([program.program_key, "too_few", *blank, TOO_FEW])
            continue
        average = "" if s.average is None else str(s.average)
        result.append([program.program_key, "summary", s.count, average, *s.distribution, ""])
        for words in program.comments:
            result.append([program.program_key, "comment", *blank, words])
    return result


def text(summary: FeedbackSummary) -> str:
    """A readable page: per program its figures as a small table, the comments under it."""
    lines = [f"Customer feedback {summary.first.isoformat()} – {summary.last.isoformat()}", ""]
    if not summary.programs:
        lines.append("No programs.")
    for program in summary.programs:
        s = program.scores
        if s is None:
            lines.append(f"{program.program_key}: {TOO_FEW}")
            lines.append("")
            continue
        if s.average is None:
            lines.append(f"{program.program_key}: no feedback")
            lines.append("")
            continue
        lines.append(f"{program.program_key}: {s.count} answer(s), average {s.average} / 5")
        lines.append("  score  " + "".join(f"{score:>5}" for score in range(1, 6)))
        lines.append("  count  " + "".join(f"{n:>5}" for n in s.distribution))
        if program.comments:
            lines.append(f"  comments ({len(program.comments)}):")
            lines.extend(f"  - {words}" for words in program.comments)
        else:
            lines.append("  no comments")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
