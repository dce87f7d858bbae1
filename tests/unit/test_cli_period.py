"""`coachbot period ...` as an admin meets it: every command has --help, applies the
program's rules, prints the rule's reason and exits 1 when refused."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli_period import period_app
from storage import audit, people
from storage.db import Database
from storage.models import OutboxMessage, PeriodStatus, Role, ServicePeriod, utcnow

runner = CliRunner()
COMMANDS = ("list", "start", "extend", "suspend", "resume", "interrupt", "end", "employment")


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(period_app, list(args))
    return result.exit_code, result.output


def client(url: str) -> tuple[int, int, int]:
    db = Database(url)

    def add(session):  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="Kaisa", language="fi")
        worker = people.add_person(session, role=Role.CASEWORKER, name="Ville", language="fi")
        person = people.add_person(
            session, role=Role.CLIENT, name="Matti M", language="fi", coach_id=coach.id,
            caseworker_id=worker.id,
        )  # fmt: skip
        return coach.id, worker.id, person.id

    try:
        return db.call(add)
    finally:
        db.dispose()


def period(url: str, period_id: int) -> ServicePeriod:
    db = Database(url)
    try:
        with db.session() as session:
            found = session.get(ServicePeriod, period_id)
            assert found is not None
            return found
    finally:
        db.dispose()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    code, out = cli(command, "--help")
    assert code == 0
    assert "Usage" in out


def test_start_list_extend_suspend_resume_and_end(env: str) -> None:
    _, worker, person = client(env)
    today = utcnow().date()
    code, out = cli("start", str(person), "--program", "job-search", "--start",
                    today.isoformat(), "--hours", "30")  # fmt: skip
    assert code == 0, out
    period_id = int(out.strip().splitlines()[-1])
    code, out = cli("list")
    assert code == 0
    assert f"{period_id}\tclient {person}\tjob-search" in out
    assert "hours 30" in out and "Matti M" in out

    code, out = cli("extend", str(period_id), "--until", (today + timedelta(days=200)).isoformat())
    assert code == 0, out
    assert period(env, period_id).extensions == 1

    first, last = today + timedelta(days=1), today + timedelta(days=10)
    code, out = cli("suspend", str(period_id), "--first", first.isoformat(),
                    "--last", last.isoformat())  # fmt: skip
    assert code == 0, out
    assert period(env, period_id).suspended_days == 10
    code, out = cli("resume", str(period_id), "--on", first.isoformat())
    assert code == 0, out
    assert period(env, period_id).suspended_days == 0

    code, out = cli("interrupt", str(period_id), "--by", "purchaser", "--reason", "tarve pieni")
    assert code == 0, out
    ended = period(env, period_id)
    assert (ended.status, ended.end_reason, ended.end_note) == (
        PeriodStatus.ENDED.value, "purchaser", "tarve pieni",
    )  # fmt: skip
    db = Database(env)
    try:
        with db.session() as session:
            told = [r for r in session.exec(select(OutboxMessage)) if r.recipient_id == worker]
            assert told, "the caseworker is told the period ended"
            assert audit.entries(session, action="period.end")[0].actor_id is None
    finally:
        db.dispose()
    code, out = cli("list")
    assert out.strip() == "No periods."
    code, out = cli("list", "--ended")
    assert "ended (purchaser" in out


def test_refusals_print_the_rule_and_exit_1(env: str) -> None:
    _, _, person = client(env)
    code, out = cli("start", str(person), "--program", "job-retention", "--start", "2026-11-02")
    assert code == 1
    assert "Job-retention coaching needs an earlier job-search coaching period" in out
    code, out = cli("start", str(person), "--program", "job-search", "--start", "2026-11-02",
                    "--hours", "36")  # fmt: skip
    assert code == 1 and "more than the program's cap" in out
    code, out = cli("start", str(person), "--program", "nope", "--start", "2026-11-02")
    assert code == 1 and "no such program" in out
    code, out = cli("start", str(person), "--program", "job-search", "--start", "2.11.2026")
    assert code == 1 and "YYYY-MM-DD" in out
    code, out = cli("start", str(person), "--program", "job-search", "--start", "2026-11-02")
    period_id = out.strip().splitlines()[-1]
    code, out = cli("extend", period_id, "--until", "2027-07-02")
    assert code == 1 and "latest possible end" in out
    code, out = cli("suspend", period_id, "--first", "2026-11-02", "--last", "2026-12-05")
    assert code == 1 and "at most one month" in out
    code, out = cli("end", period_id, "--reason", "someday")
    assert code == 2  # typer: not a choice
    code, out = cli("end", "9999", "--reason", "goal")
    assert code == 1 and "no such period" in out


def test_employment_then_job_retention(env: str) -> None:
    _, _, person = client(env)
    code, out = cli("start", str(person), "--program", "job-search", "--start", "2026-01-05")
    search = out.strip().splitlines()[-1]
    assert cli("employment", search, "--start", "2026-10-01", "--hours", "25")[0] == 0
    assert cli("end", search, "--reason", "goal", "--on", "2026-10-30")[0] == 0
    code, out = cli("start", str(person), "--program", "job-retention", "--start", "2026-11-02")
    assert code == 0, out
    started = period(env, int(out.strip().splitlines()[-1]))
    assert started.planned_end == date(2027, 5, 1)


def test_employment_end_and_verification(env: str) -> None:
    """The job's end and the pay certificate that verifies the on-the-job bonus [000];
    left out later, both are kept for the same job; another job starts clean."""
    _, _, person = client(env)
    code, out = cli("start", str(person), "--program", "on-the-job", "--start", "2026-01-05")
    assert code == 0, out
    period_id = out.strip().splitlines()[-1]
    args = ("employment", period_id, "--start", "2026-06-01", "--hours", "30")
    code, out = cli(*args, "--ended", "2026-10-15", "--verified", "2026-09-10")
    assert code == 0, out
    assert "ended 2026-10-15" in out and "verified 2026-09-10" in out
    found = period(env, int(period_id))
    assert (found.job_start, found.job_end, found.job_verified_on) == (
        date(2026, 6, 1), date(2026, 10, 15), date(2026, 9, 10),
    )  # fmt: skip
    assert cli(*args)[0] == 0  # the hours again: the end and the certificate stay
    assert period(env, int(period_id)).job_verified_on == date(2026, 9, 10)
    db = Database(env)
    try:
        with db.session() as session:
            details = [e.detail for e in audit.entries(session, action="period.employment")]
    finally:
        db.dispose()
    assert any("verified=2026-09-10" in (d or "") for d in details)

    code, out = cli(*args, "--ended", "2026-05-31")
    assert code == 1 and "cannot end before it starts" in out
    code, out = cli(*args, "--verified", "2026-05-01")
    assert code == 1 and "before the job starts" in out
    code, out = cli(*args, "--verified", "1.9.2026")
    assert code == 1 and "YYYY-MM-DD" in out
    future = (utcnow().date() + timedelta(days=5)).isoformat()
    code, out = cli(*args, "--verified", future)
    assert code == 1 and "day still to come" in out

    code, out = cli("employment", period_id, "--start", "2026-07-01", "--hours", "20")
    assert code == 0, out
    other = period(env, int(period_id))
    assert (other.job_start, other.job_end, other.job_verified_on) == (date(2026, 7, 1), None, None)
