"""Faults: Telegram failing for a while, or away when the bot starts, and what the log
holds meanwhile (no token, invite code, name or message text, even at DEBUG).

The outages here are real time on purpose: the bot's patience (bot.patience), the
inbox's retries (bot.inbox.worker) and the wait at start (bot.embedded) run on the
event loop's own clock, the one a real outage is measured in. Each window is short and
bounded.
"""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from collections.abc import Iterator

import pytest

from bot import logs
from bot.fakeapi import Conversation, FakeTelegram
from storage.models import Role
from tests.e2e.harness import Harness

pytestmark = pytest.mark.asyncio

OUTAGE = 15.0  # seconds of 500s from sendMessage: the case
SHORT_OUTAGE = 6.0  # with little patience: the inbox tries the update again
AFTER = 25.0  # at most this long for a reply once Telegram answers again

NAMES = ("Matti", "Meikäläinen", "matti_m", "Kaisa", "Koutsi")
SECRET_TEXT = "Koirani Rekku söi hakemukseni, lempivärini on vihreä"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """bot.logs at DEBUG, as COACHBOT_LOG_LEVEL=DEBUG sets it, into a buffer."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    buffer = io.StringIO()
    handler = logs.configure("DEBUG", secrets=[FakeTelegram().token], stream=buffer)
    yield buffer
    root.removeHandler(handler)
    handler.close()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, level in quiet.items():
        logging.getLogger(name).setLevel(level)


async def test_a_debug_log_holds_no_token_invite_code_name_or_text(
    database_url: str, debug_log: io.StringIO
) -> None:
    async with Harness(database_url) as bot:
        coach = bot.add(Role.COACH, "Kaisa Koutsi")
        client = bot.add(Role.CLIENT, "Matti Meikäläinen", coach=coach, program="job-search")
        code = bot.invite(client)
        chat = bot.fake.chat(
            bot.user_id(), first_name="Matti", last_name="Meikäläinen", username="matti_m"
        )
        greeting = await chat.say(f"/start {code}")
        assert greeting.text is not None and "Matti Meikäläinen" in greeting.text
        bot.fake.faults.add("sendMessage", 500)  # one hiccup: the reply is tried again
        answer = await chat.say(SECRET_TEXT)
        assert answer.text is not None and "/help" in answer.text
        await chat.say("/language")
        edited = await chat.press("Svenska")
        assert edited.text is not None and "svenska" in edited.text
        coach_chat = await bot.join(coach)
        clients = await coach_chat.say("/clients")
        assert clients.text is not None and "Matti Meikäläinen" in clients.text
        await bot.inbox.drained()
    log = debug_log.getvalue()
    # The log is the DEBUG one: python-telegram-bot's requests and answers are in it.
    assert "Calling Bot API endpoint `sendMessage`" in log and "getUpdates" in log
    assert "sendMessage went through after 2 tries" in log
    for secret in (bot.fake.token, code, SECRET_TEXT, *NAMES):
        assert secret not in log, secret


def _team(bot: Harness, clients: int) -> tuple[int, list[int]]:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    return coach, [
        bot.add(Role.CLIENT, f"Asiakas {n}", coach=coach, program="job-search")
        for n in range(clients)
    ]


async def _write_through_an_outage(bot: Harness, chats: list[Conversation], seconds: float) -> None:
    """sendMessage answers 500 for `seconds`; people write at its start, middle and end
    (the first of them twice): no reply gets through meanwhile, each comes once after."""
    before = [len(chat.messages) for chat in chats]
    loop = asyncio.get_running_loop()
    bot.fake.faults.add("sendMessage", 500, times=None)
    start = loop.time()
    await chats[0].send("Ensimmäinen viesti")
    await chats[0].send("Toinen viesti")
    for n, chat in enumerate(chats[1:], start=1):
        await asyncio.sleep(max(0.0, start + seconds * n / len(chats) - loop.time()))
        await chat.send(f"Viesti {n}")
    await asyncio.sleep(max(0.0, start + seconds - loop.time()))
    assert [len(chat.messages) for chat in chats] == before, "a reply got through the outage"
    assert bot.fake.faults.pending[0].hits > len(chats)  # the bot kept trying
    bot.fake.faults.clear()
    for chat in chats:
        reply = await chat.reply(timeout=AFTER)
        assert reply.text is not None and "/help" in reply.text
    second = await chats[0].reply(timeout=AFTER)
    assert second.text is not None and "/help" in second.text
    await bot.inbox.drained()
    for chat in chats:
        await chat.silence(0.5)
    assert [len(chat.messages) for chat in chats] == [
        count + (2 if n == 0 else 1) for n, count in enumerate(before)
    ]


async def test_telegram_answering_500_for_15_seconds_delays_every_reply_once(
    database_url: str,
) -> None:
    """The default patience (20 s) rides out the outage: each reply is tried again until
    Telegram takes it."""
    async with Harness(database_url) as bot:
        _, clients = _team(bot, 3)
        chats = [await bot.join(client) for client in clients]
        await _write_through_an_outage(bot, chats, OUTAGE)


async def test_an_outage_longer_than_the_patience_is_ridden_out_by_the_inbox(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """With one second of patience the handler gives up; the inbox tries the whole update
    again later, from the state before it, until the reply gets through."""
    async with Harness(database_url, COACHBOT_TELEGRAM_PATIENCE=1) as bot:
        _, clients = _team(bot, 3)
        chats = [await bot.join(client) for client in clients]
        await _write_through_an_outage(bot, chats, SHORT_OUTAGE)
    retried = [r for r in caplog.records if "will be tried again" in r.getMessage()]
    assert len(retried) >= len(chats)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_telegram_answering_502_at_start_the_bot_waits_and_then_serves(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeTelegram() as fake:
        fake.faults.add("getMe", 502, times=2)
        async with Harness(database_url, fake=fake) as bot:
            assert fake.faults.fired and not fake.faults.pending
            _, [client] = _team(bot, 1)
            chat = await bot.join(client)
            assert chat.last is not None and chat.last.text is not None
            assert "Asiakas 0" in chat.last.text
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.embedded"]
    assert "Telegram is not reachable (NetworkError); waiting" in messages
    assert "Telegram answers again after 3 tries" in messages


async def test_telegram_not_listening_at_start_the_bot_waits_and_then_serves(
    database_url: str,
) -> None:
    fake = FakeTelegram(port=_free_port())
    starting = asyncio.create_task(Harness(database_url, fake=fake).__aenter__())
    try:
        await asyncio.sleep(1.5)  # the bot has asked once and waits to ask again
        assert not starting.done()
        await fake.start()
        bot = await asyncio.wait_for(starting, timeout=20)
        try:
            _, [client] = _team(bot, 1)
            chat = await bot.join(client)
            assert chat.last is not None and chat.last.text is not None
            assert "Asiakas 0" in chat.last.text
        finally:
            await bot.__aexit__(None, None, None)
    finally:
        if not starting.done():
            starting.cancel()
        await fake.stop()
