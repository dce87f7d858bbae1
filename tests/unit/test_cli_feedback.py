"""`coachbot report feedback` as the provider admin meets it [002 §2.3, §2.7]: the feedback
clients gave through the real write path (bot.goals.actions), summarised per program for
the days asked (Helsinki days), as a readable page or CSV, and never with a client's name;
a program with fewer than 5 answers shows only that, and no comment carries its score.
The CSV and XLSX cells a spreadsheet would run as formulas start with ' (CSV injection),
here and in `report billing` / `report monthly`."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from bot.cli_feedback import feedback_command, sheet_safe
from bot.cli_report import report_app
from bot.goals import actions
from bot.reports.feedback import summarize
from storage import people
from storage.db import Database
from storage.feedback import FeedbackRow
from storage.models import Person, Role

runner = CliRunner()
app = typer.Typer()
app.command("feedback")(feedback_command)


@app.callback()
def _group() -> None:
    """A group, as report_app is: the command is invoked by its name."""


LONG = "Valmentaja oli ystävällinen ja auttoi minua paljon. " * 10  # 520 characters
NAMES = (
    "Aino Asiakas",
    "Bertta Bee",
    "Cecilia Cee",
    "Daniel Dee",
    "Eero Ee",
    "Fanni Ef",
    "Gustav Gee",
)


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COACHBOT_TIMEZONE", "Europe/Helsinki")
    return database_url


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# name, program, score, words, when (UTC); March 2026 in Helsinki is UTC+2 until the 29th,
# then UTC+3.
GIVEN = [
    ("Aino Asiakas", "job-search", 5, "Hyvä valmennus,\n  sain töitä.", at(2026, 3, 10, 10)),
    ("Bertta Bee", "job-search", 4, "Ohjaaja kuunteli", at(2026, 2, 28, 22, 30)),  # 1.3. 00:30
    ("Cecilia Cee", "job-search", 2, None, at(2026, 3, 15, 9)),
    ("Fanni Ef", "job-search", 3, LONG, at(2026, 3, 16, 9)),
    ("Gustav Gee", "job-search", 4, "+1", at(2026, 3, 17, 9)),
    ("Daniel Dee", "on-the-job", 3, "Vain yksi vastasi", at(2026, 3, 20, 12)),  # too few
    ("Eero Ee", "on-the-job", 1, "Liian vähän tapaamisia", at(2026, 2, 15, 12)),  # before
    ("Aino Asiakas", "job-search", 1, "Huono", at(2026, 3, 31, 21, 30)),  # 1.4. 00:30: after
]


def seed(url: str) -> None:
    db = Database(url)

    def add(session):  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="Kaisa Coach", language="fi")
        clients: dict[str, Person] = {}
        for name, program, score, words, when in GIVEN:
            if name not in clients:
                clients[name] = people.add_person(
                    session, role=Role.CLIENT, name=name, language="fi", coach_id=coach.id
                )
            client = clients[name]
            period = people.add_period(
                session, client_id=client.id, program_key=program, start=date(2025, 10, 1)
            )
            assert actions.feedback_score(session, client, period.id, score, when)
            if words is not None:
                assert actions.feedback_words(session, client, period.id, words, when)

    try:
        db.call(add)
    finally:
        db.dispose()


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["feedback", *args])
    # A bug shows its traceback, not a bare exit code 1.
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_help() -> None:
    code, out = cli("--help")
    assert code == 0
    for option in ("--from", "--to", "--program", "--format"):
        assert option in out


def test_text_per_program_with_the_comments_and_no_names(env: str) -> None:
    seed(env)
    code, out = cli("--from", "2026-03-01", "--to", "2026-03-31")
    assert code == 0, out
    assert "Customer feedback 2026-03-01 – 2026-03-31" in out
    assert "job-search: 5 answer(s), average 3.6 / 5" in out  # 5, 4, 2, 3, 4
    assert "work-activity: no feedback" in out
    search = out[out.index("job-search:") : out.index("on-the-job:")]
    assert "  count      0    1    1    2    1" in search
    assert "comments (4):" in search  # the score without words is no comment
    comments = [line for line in search.splitlines() if line.startswith("  - ")]
    assert comments[:3] == ["  - +1", "  - Hyvä valmennus, sain töitä.", "  - Ohjaaja kuunteli"]
    # By the words, not by score or time; and no score beside them.
    assert len(comments[3]) == len("  - ") + 300 and comments[3].endswith("…")
    assert "[" not in search
    assert "Liian vähän" not in out and "Huono" not in out  # before and after the days
    for name in (*NAMES, "Kaisa Coach"):
        assert name not in out
        assert name.split()[0] not in out


def test_a_program_with_fewer_than_5_answers_shows_only_that(env: str) -> None:
    seed(env)
    code, out = cli("--from", "2026-03-01", "--to", "2026-03-31")
    assert code == 0, out
    job = out[out.index("on-the-job:") :].split("\n\n")[0]
    assert job == "on-the-job: fewer than 5 answers"  # one answer: no score, no words
    assert "Vain yksi" not in out and "3.0" not in out
    code, out = cli("--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv")
    rows = {r["program"]: r for r in csv.DictReader(io.StringIO(out))}
    few = rows["on-the-job"]
    assert few["row"] == "too_few" and few["comment"] == "fewer than 5 answers"
    assert [few[k] for k in ("count", "average", "score_1", "score_3")] == ["", "", "", ""]
    assert "Vain yksi" not in out
    # A narrow span cuts even a big program below 5: the day of one answer tells nothing.
    code, out = cli("--from", "2026-03-17", "--to", "2026-03-17", "--program", "job-search")
    assert code == 0, out
    assert "job-search: fewer than 5 answers" in out and "+1" not in out


def test_csv_has_a_header_and_parses(env: str) -> None:
    seed(env)
    code, out = cli("--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv")
    assert code == 0, out
    table = list(csv.DictReader(io.StringIO(out)))
    assert list(table[0]) == [
        "program", "row", "count", "average", "score_1", "score_2", "score_3", "score_4",
        "score_5", "comment",
    ]  # fmt: skip
    summaries = {r["program"]: r for r in table if r["row"] == "summary"}
    assert {"job-search", "work-activity", "ips"} <= set(summaries)
    search = summaries["job-search"]
    assert (search["count"], search["average"]) == ("5", "3.6")
    assert [search[f"score_{n}"] for n in range(1, 6)] == ["0", "1", "1", "2", "1"]
    assert (summaries["work-activity"]["count"], summaries["work-activity"]["average"]) == ("0", "")
    comments = [(r["program"], r["comment"]) for r in table if r["row"] == "comment"]
    assert comments[:3] == [
        ("job-search", "'+1"),  # a spreadsheet would take "+1" for a formula
        ("job-search", "Hyvä valmennus, sain töitä."),
        ("job-search", "Ohjaaja kuunteli"),
    ]
    assert len(comments) == 4 and len(comments[3][1]) == 300
    assert all(r["score_1"] == "" for r in table if r["row"] == "comment")  # no scores
    for name in NAMES:
        assert name not in out


def test_one_program_and_the_edges_of_the_days(env: str) -> None:
    seed(env)
    code, out = cli("--from", "2026-03-01", "--to", "2026-04-01", "--program", "job-search")
    assert code == 0, out
    assert "job-search: 6 answer(s), average 3.2 / 5" in out  # 00:30 on 1 April local
    assert "- Huono" in out
    assert "on-the-job" not in out
    code, out = cli("--from", "2026-03-02", "--to", "2026-03-31", "--program", "job-search")
    assert code == 0, out
    # 22:30 UTC on 28 Feb is 1 March in Helsinki: left out, four answers are too few.
    assert "job-search: fewer than 5 answers" in out


def test_refusals_exit_1(env: str) -> None:
    code, out = cli("--from", "1.3.2026", "--to", "2026-03-31")
    assert code == 1 and "--from: dates are written YYYY-MM-DD" in out
    code, out = cli("--from", "2026-03-31", "--to", "2026-03-01")
    assert code == 1 and "--to is before --from" in out
    code, out = cli("--from", "2026-03-01", "--to", "2026-03-31", "--program", "nope")
    assert code == 1 and "no program 'nope'" in out
    code, out = cli("--from", "2026-03-01", "--to", "2026-03-31", "--format", "pdf")
    assert code == 2  # typer: not a choice


def test_summarize_keeps_programs_named_and_orders_comments() -> None:
    found = [
        FeedbackRow("b", 5, "zz"),
        FeedbackRow("b", 2, " "),
        FeedbackRow("a", 3, "Kiitos"),
        FeedbackRow("b", 1, "aa"),
        FeedbackRow("b", 4, None),
        FeedbackRow("b", 3, "mm"),
    ]
    summary = summarize(found, ["c"])
    assert [p.program_key for p in summary] == ["a", "b", "c"]
    a, b, c = summary
    assert a.too_few and a.scores is None and a.comments == ()  # one answer: nothing shown
    assert b.scores is not None and (b.scores.count, str(b.scores.average)) == (5, "3.0")
    assert b.comments == ("aa", "mm", "zz")  # by the words, not by score
    assert c.scores is not None and c.scores.count == 0 and not c.too_few
    assert summarize(found, minimum=1)[0].comments == ("Kiitos",)


# --- spreadsheet formulas (CSV injection) -----------------------------------------------------
HYPERLINK = '=HYPERLINK("http://example.com/x","klik")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Hyvä", "Hyvä"),
        ("", ""),
        (-1.5, -1.5),  # a number stays a number
        (None, None),
    ],
)
def test_sheet_safe(value: object, written: object) -> None:
    assert sheet_safe(value) == written


def formula_month(url: str) -> None:
    """A client named as a formula, with a period in November 2026."""
    db = Database(url)

    def add(session):  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="Kaisa", language="fi")
        client = people.add_person(
            session, role=Role.CLIENT, name=HYPERLINK, language="fi", coach_id=coach.id
        )
        people.add_period(
            session, client_id=client.id, program_key="job-search", start=date(2026, 10, 1)
        )

    try:
        db.call(add)
    finally:
        db.dispose()


@pytest.mark.parametrize("command", ["billing", "monthly"])
def test_a_display_name_as_a_formula_is_text_in_csv_and_xlsx(
    env: str, tmp_path: Path, command: str
) -> None:
    formula_month(env)
    for fmt in ("csv", "xlsx"):
        result = runner.invoke(
            report_app, [command, "--month", "2026-11", "--format", fmt, "--out", str(tmp_path)]
        )
        assert result.exit_code == 0, result.output
        path = Path(result.output.strip().splitlines()[-1])
        if fmt == "csv":
            with path.open(encoding="utf-8", newline="") as source:
                cells = [cell for row in csv.reader(source) for cell in row]
        else:
            book = load_workbook(path)
            sheet = book.active
            assert sheet is not None
            found = [cell for row in sheet.iter_rows() for cell in row]
            assert all(cell.data_type != "f" for cell in found)  # no formula anywhere
            cells = [cell.value for cell in found]
        assert "'" + HYPERLINK in cells, (command, fmt)
        assert HYPERLINK not in cells
