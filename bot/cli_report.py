"""`coachbot report ...`: the month's figures out of the bot, for the invoice and the
caseworker.

`report billing` writes one line per client's period per program and a total row per
program (bot.reports.billing), as CSV (UTF-8, a header row) or XLSX (openpyxl).
`report monthly` writes each client's monthly report [002 §3.4.2] as a PDF (one file per
client's period, in the client's caseworker's language), or one table of every report's
figures as CSV or XLSX: the billing's columns (the same figures, from the same rules)
and the hours against the cap, goals and employer work. Only the audit log is written
(who read which report), so a month can be exported again.
"""

from __future__ import annotations

import csv
import re
import sys
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from bot.cli_feedback import feedback_command, sheet_safe_rows
from bot.settings import Settings

report_app = typer.Typer(
    rich_markup_mode="markdown",
    help="Reports out of the bot: the month's billing, the monthly reports, the feedback.",
    no_args_is_help=True,
)


@report_app.callback()
def _group() -> None:
    """Reports: the month's billing, each client's monthly report, the clients' feedback."""


report_app.command("feedback")(feedback_command)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Format(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


class MonthlyFormat(StrEnum):
    pdf = "pdf"
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
    """UTF-8 with a header row; text a spreadsheet would run as a formula starts with '."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        for row in sheet_safe_rows(table):
            writer.writerow(["" if value is None else value for value in row])


def _write_xlsx(path: Path, table: list[list[Any]], title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    bold = Font(bold=True)
    table = sheet_safe_rows(table)  # openpyxl stores a text starting with "=" as a formula
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
        billing = db.call(
            billing_month, month=first, today=today, program_key=program, tz=settings.tz
        )
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


@report_app.command("monthly")
def report_monthly(
    month: Annotated[str, typer.Option(help="The calendar month, YYYY-MM.")],
    client: Annotated[
        int | None, typer.Option(help="Only this client (id); default: every client.")
    ] = None,
    format: Annotated[
        MonthlyFormat, typer.Option("--format", help="pdf (a file a client), csv or xlsx.")
    ] = MonthlyFormat.pdf,
    out: Annotated[
        Path, typer.Option(help="The directory the files are written to.", file_okay=False)
    ] = Path(),
    language: Annotated[
        str | None,
        typer.Option(help="fi, sv or en for the PDF; default: the caseworker's language."),
    ] = None,
) -> None:
    """Each client's monthly report: meetings held with their hours and content, absences
    on time and late with their deadlines, no-shows, hours against the cap, the billing
    figures, goal progress and the work logged in the diary. PDF: one file per client's
    period; CSV or XLSX: one row per client with the month's figures (the billing's own).
    Prints the written paths, one a line."""
    from bot.reports.monthly import NoReport, monthly_report, report_keys
    from bot.reports.pdf import render_pdf
    from messages.i18n import SUPPORTED
    from storage.db import Database
    from storage.migrate import upgrade
    from storage.models import utcnow

    first = _month(month)
    if language is not None and language not in SUPPORTED:
        _fail(f"--language: one of {', '.join(SUPPORTED)}")
    settings = Settings()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    today = utcnow().astimezone(settings.tz).date()
    tz = settings.tz
    reports = []
    try:
        if client is not None:
            keys = [(client, None)]
        else:
            keys = db.call(report_keys, month=first, today=today, tz=tz)  # type: ignore[arg-type]
        with typer.progressbar(
            keys, label="Monthly reports", file=sys.stderr, show_pos=True
        ) as bar:
            for client_id, period_id in bar:
                try:
                    reports.append(
                        db.call(
                            monthly_report,
                            client_id=client_id,
                            month=first,
                            today=today,
                            tz=tz,
                            period_id=period_id,
                        )
                    )
                except NoReport:
                    if client is not None:
                        _fail(f"--client: no period of client {client} in {first:%Y-%m}")
        languages = {}
        if format == MonthlyFormat.pdf and language is None:
            languages = db.call(_caseworker_languages, [r.client_id for r in reports])
    finally:
        db.dispose()
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    if format == MonthlyFormat.pdf:
        with typer.progressbar(reports, label="PDF", file=sys.stderr, show_pos=True) as bar:
            for report in bar:
                path = out / f"monthly-{first:%Y-%m}-{report.client_id}-{report.period_id}.pdf"
                lang = language or languages.get(report.client_id, "fi")
                path.write_bytes(render_pdf(report, lang))
                paths.append(path)
    else:
        path = out / f"monthly-{first:%Y-%m}.{format.value}"
        rows = monthly_table(first, reports)
        if format == MonthlyFormat.xlsx:
            _write_xlsx(path, rows, f"monthly {first:%Y-%m}")
        else:
            _write_csv(path, rows)
        paths.append(path)
    typer.echo(f"{len(reports)} monthly report(s) for {first:%Y-%m}.")
    for path in paths:
        typer.echo(str(path))


def _caseworker_languages(session: Any, client_ids: list[int]) -> dict[int, str]:
    """Each client's caseworker's language (the report's reader), else Finnish."""
    from storage.models import Person as person

    found = {}
    for client_id in client_ids:
        client = session.get(person, client_id)
        worker_id = client.caseworker_id if client is not None else None
        caseworker = session.get(person, worker_id) if worker_id is not None else None
        found[client_id] = caseworker.language if caseworker is not None else "fi"
    return found


def monthly_table(month: date, reports: list[Any]) -> list[list[Any]]:
    """Header, then a row per report: the billing's columns (bot.reports.billing, the same
    figures) and the report's own: the hours against the cap, goals, employer work."""
    from bot.reports.billing import Billing, BillingLine, columns

    lines = [
        BillingLine(r.program_key, r.client_id, r.client, r.period_id, r.figures) for r in reports
    ]
    lengths = sorted({h for r in reports for h in r.figures.work_days} | {4, 6})
    billing = Billing(month=month, lines=lines, day_lengths=tuple(lengths))
    cols = columns(billing)
    extra = [
        "hours_used_to_month_end",
        "hour_cap",
        "hours_left",
        "goals",
        "goals_reached",
        "employer_contacts",
        "job_starts",
        "job_ends",
        "absences_with_deadline",
    ]
    table: list[list[Any]] = [[name for name, _, _ in cols] + extra]
    for report, line in zip(reports, lines, strict=True):
        hours = report.hours
        table.append(
            [get(line) for _, get, _ in cols]
            + [
                _dec(hours.used) if hours else None,
                _dec(hours.cap) if hours else None,
                _dec(hours.left) if hours else None,
                len(report.goals),
                sum(1 for g in report.goals if g.status == "reached"),
                len(report.employer_contacts),
                len(report.job_starts),
                len(report.job_ends),
                sum(1 for a in report.absences if a.deadline is not None),
            ]
        )
    return table


def _dec(value: float) -> Decimal:
    return Decimal(str(round(value, 4)))
