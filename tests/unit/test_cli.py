"""The admin command line and the offline console, as an operator meets them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.fakeapi import FakeTelegram
from bot.onboarding import actions as onboarding
from bot.onboarding.actions import RedeemOutcome
from storage.db import Database
from storage.models import utcnow

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    for name in ("TELEGRAM_BOT_TOKEN", "COACHBOT_BOT_USERNAME", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return {"DATABASE_URL": database_url}


def cli(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_people_add_and_list(env: dict[str, str]) -> None:
    code, out = cli("people", "add", "--role", "coach", "--name", "Kaisa Koutsi")
    assert code == 0, out
    coach = out.strip().splitlines()[-1]
    assert coach.isdigit()
    code, out = cli("people", "add", "--role", "caseworker", "--name", "Ville", "--language", "sv")
    worker = out.strip().splitlines()[-1]
    code, out = cli(
        "people", "add", "--role", "client", "--name", "Matti M", "--coach", coach,
        "--caseworker", worker, "--program", "work-activity", "--start", "2026-11-02",
    )  # fmt: skip
    assert code == 0, out
    client = out.strip().splitlines()[-1]
    code, out = cli("people", "list", "--role", "client")
    assert code == 0
    assert out.strip() == f"{client}\tclient\tfi\tinvite pending\tMatti M"
    code, out = cli("people", "list")
    assert len(out.strip().splitlines()) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "client", "--name", "X", "--coach", "999"], "not an active coach"),
        (
            ["--role", "client", "--name", "X", "--program", "nope", "--start", "2026-01-01"],
            "unknown program",
        ),
        (["--role", "client", "--name", "X", "--program", "ips"], "go together"),
        (["--role", "client", "--name", "X", "--language", "de"], "language must be"),
        (
            ["--role", "client", "--name", "X", "--program", "ips", "--start", "1.1.2026"],
            "YYYY-MM-DD",
        ),
        (["--role", "boss", "--name", "X"], "boss"),
    ],
)
def test_people_add_refuses_bad_input_clearly(
    env: dict[str, str], args: list[str], message: str
) -> None:
    code, out = cli("people", "add", *args)
    assert code != 0 and message in out and "Traceback" not in out


def test_invite_prints_link_and_code_and_the_code_works(
    env: dict[str, str], database_url: str
) -> None:
    _, out = cli("people", "add", "--role", "coach", "--name", "Kaisa")
    person = out.strip().splitlines()[-1]
    code, out = cli(
        "invite", person, "--expires-days", "3", env={"COACHBOT_BOT_USERNAME": "@demo_bot"}
    )
    assert code == 0, out
    lines = out.strip().splitlines()
    invite_code = lines[-1]
    assert f"https://t.me/demo_bot?start={invite_code}" in lines
    db = Database(database_url)
    try:
        result = db.call(onboarding.redeem, invite_code, 4242, now=utcnow())
        assert result.outcome is RedeemOutcome.LINKED
    finally:
        db.dispose()


async def test_invite_asks_telegram_for_the_bot_name(env: dict[str, str]) -> None:
    _, out = cli("people", "add", "--role", "coach", "--name", "Kaisa")
    person = out.strip().splitlines()[-1]
    async with FakeTelegram(bot_username="valmennus_bot") as fake:
        run_env = {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url}
        code, out = await asyncio.to_thread(cli, "invite", person, env=run_env)
    assert code == 0, out
    assert "https://t.me/valmennus_bot?start=" in out


def test_invite_for_nobody_and_without_a_bot_name(env: dict[str, str]) -> None:
    code, out = cli("invite", "999", env={"COACHBOT_BOT_USERNAME": "demo_bot"})
    assert code == 1 and "no active person 999" in out
    code, out = cli("invite", "1")
    assert code == 1 and "TELEGRAM_BOT_TOKEN" in out


def test_run_without_a_token_says_how_to_get_one(env: dict[str, str]) -> None:
    code, out = cli("run")
    assert code == 1
    assert "@BotFather" in out and "Traceback" not in out


def test_db_upgrade_and_help(env: dict[str, str]) -> None:
    code, out = cli("db", "upgrade")
    assert code == 0 and "head" in out
    for command in (
        ["--help"],
        ["people", "add", "--help"],
        ["invite", "--help"],
        ["outbox", "list", "--help"],
        ["console", "--help"],
    ):
        code, out = cli(*command)
        assert code == 0 and "Usage" in out, command


def test_console_can_be_driven_by_a_program(tmp_path: Path) -> None:
    """stdin/stdout only: pick the coach, list clients, change language by button number."""
    # The "1" after choosing English presses a button the edit took away: noted, no crash.
    script = "2\n/clients\n/language\n3\n1\n/help\n/who\n5\n/me\n/quit\n"
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console"],
        input=script, capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )  # fmt: skip
    out = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    assert "bot> Hei Kaisa Koutsi! Olet nyt yhteydessä Coachbotiin." in out
    assert "bot> Sinulla on 2 asiakasta:" in out
    assert "     [1] Suomi\n     [2] Svenska\n     [3] English" in out
    assert "bot (edited)> Language changed. I will talk to you in English now." in out
    assert "(That button is no longer on its message.)" in out
    assert "bot> Your role: coach." in out
    assert "bot> Hej Sara Svensson! Du är nu ansluten till Coachbot." in out
    assert "Coach: Kaisa Koutsi" in out
    assert out.rstrip().endswith("Bye.")


def test_outbox_failed_rows_are_listed_and_retried(env: dict[str, str], database_url: str) -> None:
    from storage import outbox as box

    _, out = cli("people", "add", "--role", "coach", "--name", "Kaisa")
    person = int(out.strip().splitlines()[-1])
    db = Database(database_url)
    try:
        now = utcnow()

        def failed_row(session):  # type: ignore[no-untyped-def]
            row = box.schedule(
                session, recipient_id=person, kind="alert", message="m", key="k", due_at=now
            )
            box.claim(session, worker="w", now=now, limit=1, lease=timedelta(seconds=9))
            box.mark_failed(session, row.id, "w", error="Forbidden: bot was blocked by the user")
            return row.id

        row_id = db.call(failed_row)
    finally:
        db.dispose()
    code, out = cli("outbox", "list", "--failed")
    assert code == 0
    [line] = out.strip().splitlines()
    fields = line.split("\t")
    assert fields[0] == str(row_id) and fields[1] == "failed" and fields[3] == f"person {person}"
    assert fields[-1] == "Forbidden: bot was blocked by the user"
    code, out = cli("outbox", "retry", str(row_id))
    assert code == 0 and "sent again" in out
    code, out = cli("outbox", "list", "--failed")
    assert out.strip() == "No messages."
    code, out = cli("outbox", "retry", str(row_id))
    assert code == 1 and "not failed or cancelled" in out


def test_inbox_failed_updates_are_listed_without_texts_and_retried(
    env: dict[str, str], database_url: str
) -> None:
    from storage import inbox

    payload = {
        "update_id": 5001,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": 10001, "type": "private", "first_name": "Matti"},
            "from": {"id": 10001, "is_bot": False, "first_name": "Matti"},
            "text": "Olen sairaana huomenna",
        },
    }
    db = Database(database_url)
    try:
        now = utcnow()

        def failed_update(session):  # type: ignore[no-untyped-def]
            inbox.store(session, [inbox.Incoming(5001, 10001, payload, now)], now, now)
            inbox.claim(session, worker="w", now=now, limit=1, lease=timedelta(seconds=9))
            inbox.fail(session, 5001, "w", now, "NetworkError")

        db.call(failed_update)
    finally:
        db.dispose()
    code, out = cli("inbox", "list", "--pending")
    assert code == 0 and out.strip() == "No updates."
    code, out = cli("inbox", "list", "--failed")
    assert code == 0, out
    [line] = out.strip().splitlines()
    fields = line.split("\t")
    assert fields[:4] == ["5001", "failed", "message", "user 10001"]
    assert fields[-2:] == ["1", "NetworkError"]
    assert "sairaana" not in out and "Matti" not in out
    code, out = cli("inbox", "retry", "5001")
    assert code == 0 and "handled again" in out
    code, out = cli("inbox", "list", "--pending")
    assert out.strip().split("\t")[:2] == ["5001", "pending"]
    code, out = cli("inbox", "retry", "5001")
    assert code == 1 and "is not failed" in out
    code, out = cli("inbox", "list")
    assert code == 0 and len(out.strip().splitlines()) == 1


def test_run_logs_through_the_redacting_handler(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """`coachbot run` in a fresh process installs bot.logs; where logging is set up
    already (here pytest's), the same secrets are hidden in its handlers."""
    import logging

    from bot import cli as cli_module
    from bot.logs import Redact, Repeats
    from bot.settings import Settings

    token = "123456789:short-but-secret"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN=token,
        COACHBOT_LOG_LEVEL="debug",
    )
    ptb = logging.getLogger("telegram.ext.ExtBot")
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        root.handlers[:] = []  # as in a fresh `coachbot run` process
        cli_module._configure_logging(settings)
        assert len([h for h in root.handlers if isinstance(h, Repeats)]) == 1
        ptb.debug("Set Bot API URL: %s", f"/bot{token}")
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        logging.getLogger("httpx").setLevel(logging.NOTSET)
        logging.getLogger("httpcore").setLevel(logging.NOTSET)
    err = capsys.readouterr().err
    assert "Set Bot API URL: /bot<hidden>" in err and token not in err

    caplog.set_level(logging.DEBUG, logger="telegram")
    cli_module._configure_logging(settings)
    try:
        assert not [h for h in root.handlers if isinstance(h, Repeats)]
        ptb.debug("Set Bot API URL: %s", f"/bot{token}")
        assert "Set Bot API URL: /bot<hidden>" in caplog.text and token not in caplog.text
    finally:
        for handler in root.handlers:
            handler.filters = [f for f in handler.filters if not isinstance(f, Redact)]
