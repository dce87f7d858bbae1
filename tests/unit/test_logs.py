"""Logs without secrets (bot.logs): no token, invite code, name or message text, at any
level and from any logger; a repeated error is written once with a count."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import logs
from storage.db import Database

TOKEN = "7123456789:AAHk3xQ9vZ-exampleexampleexample_xyz12"
FAKE_TOKEN = "123456789:TEST-fake-telegram-token"
CODE = "q3W8-zYx_Lm4Pa0bCd7EfGhIjKlMnOpQ"  # 32 characters, as secrets.token_urlsafe(24)
NAMES = ("Matti", "Meikäläinen", "matti_m")
TEXT = "Olen sairaana huomenna, kurkku kipeä"

PAYLOAD = {
    "update_id": 41,
    "message": {
        "message_id": 7,
        "date": 1_700_000_000,
        "chat": {"id": 10001, "type": "private", "first_name": "Matti", "last_name": "Meikäläinen"},
        "from": {
            "id": 10001,
            "is_bot": False,
            "first_name": "Matti",
            "last_name": "Meikäläinen",
            "username": "matti_m",
        },
        "text": TEXT,
    },
}


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """bot.logs configured at DEBUG into a buffer; the root logger as it was afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    buffer = io.StringIO()
    handler = logs.configure("DEBUG", secrets=[FAKE_TOKEN], stream=buffer)
    yield buffer
    root.removeHandler(handler)
    handler.close()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


def assert_clean(output: str) -> None:
    for secret in (TOKEN, FAKE_TOKEN, CODE, TEXT, *NAMES):
        assert secret not in output, (secret, output)


def test_the_token_is_hidden_in_urls_from_any_logger(captured: io.StringIO) -> None:
    logging.getLogger("telegram.ext.ExtBot").debug(
        "Set Bot API URL: %s", f"http://127.0.0.1:8081/bot{FAKE_TOKEN}"
    )
    logging.getLogger("httpx").debug(
        'HTTP Request: %s %s "%s"', "POST", f"https://api.telegram.org/bot{TOKEN}/getMe", "200"
    )
    logging.getLogger("somewhere").info(f"token {TOKEN} in a preformatted message")
    output = captured.getvalue()
    assert_clean(output)
    assert output.count(logs.HIDDEN) == 3
    assert "Set Bot API URL: http://127.0.0.1:8081/bot<hidden>" in output


def test_telegram_objects_are_logged_by_their_ids_only(captured: io.StringIO) -> None:
    update = Update.de_json(PAYLOAD, None)
    logging.getLogger("telegram.ext.Application").debug("Processing update %s", update)
    logging.getLogger("x").debug("user %r in %s", update.effective_user, update.effective_chat)
    logging.getLogger("x").debug(update)
    output = captured.getvalue()
    assert_clean(output)
    assert "Processing update <Update 41>" in output
    assert "user '<User 10001>' in <Chat 10001>" in output


def test_request_bodies_and_answers_lose_texts_and_names(captured: io.StringIO) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Matti Meikäläinen", callback_data="c:1")]]
    )
    parameters = {"chat_id": 10001, "text": f"Hei {NAMES[0]}!", "reply_markup": keyboard}
    bot_log = logging.getLogger("telegram.ext.ExtBot")
    bot_log.debug("Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage", parameters)
    answer = {"ok": True, "result": [PAYLOAD]}
    bot_log.debug("Call to Bot API endpoint `%s` finished with return value `%s`", "x", answer)
    sent = {"message_id": 8, "chat": PAYLOAD["message"]["chat"], "text": "Hei Matti"}
    bot_log.debug("Call finished with `%s`", sent)
    webhook = logging.getLogger("telegram.ext._utils.webhookhandler")
    webhook.debug("Webhook received data: %s", json.dumps(PAYLOAD, ensure_ascii=False))
    webhook.debug("Webhook received data: %s", json.dumps(PAYLOAD))
    output = captured.getvalue()
    assert_clean(output)
    assert "'chat_id': 10001" in output and "<InlineKeyboardMarkup>" in output
    assert "'result': ['<update 41>']" in output
    assert "'message_id': 8" in output and "'type': 'private'" in output


def test_invite_codes_are_hidden_as_a_command_a_link_or_alone(captured: io.StringIO) -> None:
    log = logging.getLogger("bot.onboarding")
    log.info("got /start %s", CODE)
    log.info("link https://t.me/coachbot?start=%s", CODE)
    log.info("code %s", CODE)
    log.info("text='/start %s'", CODE)
    log.info("Removed job %s", "0123456789abcdef0123456789abcdef")
    output = captured.getvalue()
    assert_clean(output)
    assert "got /start <hidden>" in output and "text='<hidden>'" in output
    assert "Removed job 0123456789abcdef0123456789abcdef" in output  # a uuid is no code


def test_exception_texts_are_hidden_too(captured: io.StringIO) -> None:
    try:
        raise ValueError(f"bad message {json.dumps({'text': TEXT})} with {TOKEN}")
    except ValueError:
        logging.getLogger("bot.x").exception("failed")
    output = captured.getvalue()
    assert_clean(output)
    assert "Traceback" in output and "ValueError" in output


def test_arguments_that_do_not_fit_are_left_out(captured: io.StringIO) -> None:
    logging.getLogger("x").warning("two %s %s", TEXT)
    output = captured.getvalue()
    assert_clean(output)
    assert "two %s %s (arguments left out)" in output


def test_database_errors_carry_the_statement_not_the_values(db: Database) -> None:
    def insert(session):  # type: ignore[no-untyped-def]
        session.execute(text("INSERT INTO no_such_table (name) VALUES (:name)"), {"name": TEXT})

    with pytest.raises(DBAPIError) as caught:
        db.call(insert)
    assert TEXT not in str(caught.value)
    assert "no_such_table" in str(caught.value)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")


def outage(log: logging.Logger, times: int) -> None:
    for tick in range(times):
        try:
            raise ConnectionError("database down")
        except ConnectionError:
            log.error("outbox tick %d failed", tick, exc_info=True)


def test_a_repeated_error_is_written_once_with_a_count() -> None:
    clock, kept = Clock(), Kept()
    repeats = logs.Repeats(kept, window=60, clock=clock)
    log = logging.getLogger("coachbot.test_repeats")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(repeats)
    try:
        outage(log, 40)  # a tick every half second, for 20 s
        clock.now += 20
        outage(log, 25)
        log.info("the database is back")
        assert kept.lines == [
            "ERROR coachbot.test_repeats: outbox tick 0 failed",
            "INFO coachbot.test_repeats: the database is back",
        ]
        clock.now += 41  # the minute is over: the count is written with the next record
        log.info("later")
        assert kept.lines[2:] == [
            "ERROR coachbot.test_repeats: the same again 64 times in 61 s: outbox tick %d failed",
            "INFO coachbot.test_repeats: later",
        ]
        outage(log, 1)  # a new minute, a new first record
        assert kept.lines[-1] == "ERROR coachbot.test_repeats: outbox tick 0 failed"
    finally:
        log.removeHandler(repeats)
        log.propagate = True
        log.setLevel(logging.NOTSET)


def test_different_errors_and_plain_messages_are_not_merged() -> None:
    clock, kept = Clock(), Kept()
    repeats = logs.Repeats(kept, window=60, clock=clock)
    log = logging.getLogger("coachbot.test_merged")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(repeats)
    try:
        for _ in range(3):
            log.info("Processing update %s", 1)
            log.warning("inbox: cannot claim updates (%s)", "OperationalError")
            log.warning("inbox: getUpdates failed (%s)", "NetworkError")
        logging.getLogger("coachbot.test_merged.other").warning(
            "inbox: getUpdates failed (%s)", "x"
        )
        assert len(kept.lines) == 3 + 2 + 1
        repeats.close()  # at exit the pending counts are written
        assert kept.lines[-2:] == [
            "WARNING coachbot.test_merged: the same again 2 times in 0 s: "
            "inbox: cannot claim updates (%s)",
            "WARNING coachbot.test_merged: the same again 2 times in 0 s: "
            "inbox: getUpdates failed (%s)",
        ]
    finally:
        log.removeHandler(repeats)
        log.propagate = True
        log.setLevel(logging.NOTSET)


def test_configure_replaces_its_own_handler_and_keeps_others(captured: io.StringIO) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    second = io.StringIO()
    handler = logs.configure("INFO", stream=second)
    try:
        assert [h for h in root.handlers if isinstance(h, logs.Repeats)] == [handler]
        assert len(root.handlers) == len(before)
        assert logging.getLogger("httpx").level == logging.WARNING
        logging.getLogger("x").debug("not at INFO")
        logging.getLogger("x").info("at INFO")
        assert second.getvalue().count("\n") == 1 and "at INFO" in second.getvalue()
    finally:
        root.removeHandler(handler)
