"""`coachbot report ...`: the month's figures out of the bot, for the invoice.

`report billing` writes one line per client's period per program and a total row per
program (bot.reports.billing), as CSV (UTF-8, a header row) or XLSX (openpyxl). The
figures are those of the monthly report (the same pure rules), computed from what is
recorded; nothing is written to the database, so a month can be exported again.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from bot.settings import Settings

report_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Reports out of the bot: the month's billing as CSV or XLSX.",
    no_args_is_help=True,
)


@report_app.callback()
def _group() -> None:
    """Reports: the month's billing (monthly reports and feedback come with issue 13)."""


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


def _fail(message: str) -> NoReturn:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code=1)


def _month(text: str) -> date:
    found = _MONTH.match(text)
    if not found or not 1 <= int(found.group(2)) <= 12:
        _fail("--month: months are written YYYY-MM")
    return date(int(found.group(1)), int(found.group(2)), 1)


def _write_csv(path: Path, table: list[list[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for row in table:
            writer.writerow(["" if value is None else value for value in row])


def _write_xlsx(path: Path, table: list[list[Any]], title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    bold = Font(bold=True)
    header = table[0]
    for row in table:
        sheet.append(row)
        if row is header or (len(row) > 2 and row[2] == "total"):
            for cell in sheet[sheet.max_row]:
                cell.font = bold
    for index, name in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(10, len(str(name)) + 2)
        if str(name).endswith("_eur"):
            for cell in sheet[letter][1:]:
                if isinstance(cell.value, int | float | Decimal):
                    cell.number_format = "0.00"
    sheet.freeze_panes = "A2"
    book.save(path)


@report_app.command("billing")
def report_billing(
    month: Annotated[str, typer.Option(help="The calendar month, YYYY-MM.")],
    program: Annotated[
        str | None, typer.Option(help="Only this program (key, e.g. on-the-job).")
    ] = None,
    format: Annotated[Format, typer.Option("--format", help="csv or xlsx.")] = Format.csv,
    out: Annotated[
        Path, typer.Option(help="The directory the file is written to.", file_okay=False)
    ] = Path(),
) -> None:
    """The month's billing per program and client: billable hours and their basis (held,
    late-notice and no-show hours), realised months and the partial-work-ability
    supplement, the employment bonus once verified, work days and työraha, leave days;
    a **total** row per program. Prints the file's path on the last line."""
    from bot.reports.billing import billing_month, table
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import utcnow

    first = _month(month)
    settings = Settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    today = utcnow().astimezone(settings.tz).date()
    try:
        billing = db.call(billing_month, month=first, today=today, program_key=program)
    except KeyError:
        _fail(f"--program: no program {program!r}")
    finally:
        db.dispose()
    out.mkdir(parents=True, exist_ok=True)
    name = f"billing-{first:%Y-%m}" + (f"-{program}" if program else "")
    path = out / f"{name}.{format.value}"
    rows = table(billing)
    if format == Format.xlsx:
        _write_xlsx(path, rows, f"billing {first:%Y-%m}")
    else:
        _write_csv(path, rows)
    clients = len(billing.lines)
    typer.echo(f"{clients} billing line(s) in {len(billing.programs())} program(s).")
    typer.echo(str(path))
