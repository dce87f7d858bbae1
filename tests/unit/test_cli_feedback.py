"""`coachbot report feedback` as the provider admin meets it [002 §2.3, §2.7]: the feedback
clients gave through the real write path (bot.goals.actions), summarised per program for
the days asked (Helsinki days), as a readable page or CSV, and never with a client's name."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli_feedback import feedback_command
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
NAMES = ("Aino Asiakas", "Bertta Bee", "Cecilia Cee", "Daniel Dee", "Eero Ee")


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
    ("Daniel Dee", "on-the-job", 3, LONG, at(2026, 3, 20, 12)),
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
    assert "job-search: 3 answer(s), average 3.7 / 5" in out  # 5, 4, 2
    assert "on-the-job: 1 answer(s), average 3.0 / 5" in out
    assert "work-activity: no feedback" in out
    search = out[out.index("job-search:") : out.index("on-the-job:")]
    assert "  count      0    1    0    1    1" in search
    assert "- [4] Ohjaaja kuunteli" in search
    assert "- [5] Hyvä valmennus, sain töitä." in search
    assert search.index("[4]") < search.index("[5]")  # by score, not by time
    assert "comments (2)" in search  # the score without words is no comment
    job = out[out.index("on-the-job:") :]
    capped = next(line for line in job.splitlines() if line.startswith("  - [3] "))
    assert len(capped) == len("  - [3] ") + 300 and capped.endswith("…")
    assert "Liian vähän" not in out and "Huono" not in out  # before and after the days
    for name in (*NAMES, "Kaisa Coach"):
        assert name not in out
        assert name.split()[0] not in out


def test_csv_has_a_header_and_parses(env: str) -> None:
    seed(env)
    code, out = cli("--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv")
    assert code == 0, out
    table = list(csv.DictReader(io.StringIO(out)))
    assert list(table[0]) == [
        "program", "row", "count", "average", "score_1", "score_2", "score_3", "score_4",
        "score_5", "score", "comment",
    ]  # fmt: skip
    summaries = {r["program"]: r for r in table if r["row"] == "summary"}
    assert {"job-search", "on-the-job", "work-activity", "ips"} <= set(summaries)
    search = summaries["job-search"]
    assert (search["count"], search["average"]) == ("3", "3.7")
    assert [search[f"score_{n}"] for n in range(1, 6)] == ["0", "1", "0", "1", "1"]
    assert (summaries["work-activity"]["count"], summaries["work-activity"]["average"]) == ("0", "")
    comments = [(r["program"], r["score"], r["comment"]) for r in table if r["row"] == "comment"]
    assert comments[:2] == [
        ("job-search", "4", "Ohjaaja kuunteli"),
        ("job-search", "5", "Hyvä valmennus, sain töitä."),
    ]
    assert len(comments) == 3
    program, score, words = comments[2]
    assert (program, score, len(words)) == ("on-the-job", "3", 300)
    for name in NAMES:
        assert name not in out


def test_one_program_and_the_edges_of_the_days(env: str) -> None:
    seed(env)
    code, out = cli("--from", "2026-04-01", "--to", "2026-04-01", "--program", "job-search")
    assert code == 0, out
    assert "job-search: 1 answer(s), average 1.0 / 5" in out  # 00:30 on 1 April local
    assert "- [1] Huono" in out
    assert "on-the-job" not in out
    code, out = cli("--from", "2026-02-01", "--to", "2026-02-28", "--program", "job-search")
    assert code == 0, out
    assert "job-search: no feedback" in out  # 22:30 UTC on 28 Feb is 1 March in Helsinki


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
        FeedbackRow("b", 5, "aa"),
    ]
    summary = summarize(found, ["c"])
    assert [p.program_key for p in summary] == ["a", "b", "c"]
    b = summary[1]
    assert (b.scores.count, str(b.scores.average)) == (3, "4.0")
    assert [(c.score, c.text) for c in b.comments] == [(5, "aa"), (5, "zz")]
    assert summary[2].scores.count == 0 and summary[2].comments == ()
