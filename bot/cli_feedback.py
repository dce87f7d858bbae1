"""`coachbot report feedback`: the customer feedback per program, for the provider admin.

Customer feedback is asked at evaluations and at the end of a period and collected for the
purchaser [002 §2.3, §2.7, §3.7]. This prints, per program, how many answered, the average
score, how the scores fall and the clients' own words, anonymous (bot.reports.feedback).
Read-only; printed to standard output as a readable page or CSV with a header row.

Registered on `report_app` (bot.cli_report) as `report_app.command("feedback")(feedback_command)`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer

from bot.settings import Settings


class FeedbackFormat(StrEnum):
    text = "text"
    csv = "csv"


# A spreadsheet runs a cell starting with one of these as a formula (CSV injection): a
# client's comment "+1" or a display name "=HYPERLINK(…)" must open as the text it is.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def sheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would take for a formula, with a leading ' (which
    makes it text); every other value as it is (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def sheet_safe_rows(rows: Iterable[Iterable[Any]]) -> list[list[Any]]:
    """Every cell of a CSV or XLSX table through `sheet_safe`: the one guard both the
    feedback CSV and `report billing` / `report monthly` (bot.cli_report) write through."""
    return [[sheet_safe(value) for value in row] for row in rows]


def _fail(message: str) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=1)


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        _fail(f"{what}: dates are written YYYY-MM-DD")


def feedback_command(
    from_: Annotated[
        str, typer.Option("--from", help="The first day, YYYY-MM-DD (Helsinki time).")
    ],
    to: Annotated[str, typer.Option("--to", help="The last day, YYYY-MM-DD (included).")],
    program: Annotated[
        str | None, typer.Option("--program", help="Only this program (key, e.g. job-search).")
    ] = None,
    format: Annotated[
        FeedbackFormat, typer.Option("--format", help="text or csv.")
    ] = FeedbackFormat.text,
) -> None:
    """The customer feedback given from **--from** to **--to** per program: how many
    answered, the average score (1–5), how many gave each score, and the comments. No
    names: the summary is anonymous."""
    from bot.reports.feedback import UnknownProgram, feedback_between, table, text
    from storage.db import Database
    from storage.migrate import upgrade

    first, last = _day(from_, "--from"), _day(to, "--to")
    if last < first:
        _fail("--to is before --from")
    settings = Settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        summary = db.call(feedback_between, first, last, settings.tz, program_key=program)
    except UnknownProgram:
        _fail(f"--program: no program {program!r}")
    finally:
        db.dispose()
    if format == FeedbackFormat.csv:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(sheet_safe_rows(table(summary)))
        typer.echo(out.getvalue(), nl=False)
    else:
        typer.echo(text(summary), nl=False)
