"""The fake Bot API, driven by the real python-telegram-bot over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dtm
import struct
import warnings
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.fakeapi import FakeTelegram, RateLimiter, RateLimits

pytestmark = pytest.mark.filterwarnings(
    # PTB itself reads RetryAfter.retry_after while constructing it.
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"
)

AINO = 1001
BERT = 1002


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is int or timedelta depending on PTB settings (and warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def tiny_png() -> bytes:
    """A valid 2x1 PNG, so sendPhoto has a real image to measure."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 2)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        server.add_user(AINO, "Aino", "Virtanen", username="aino", language_code="fi")
        server.add_user(BERT, "Bert", language_code="sv")
        yield server
    assert server.internal_errors == []


def make_bot(fake: FakeTelegram, token: str | None = None, **request_kwargs: float) -> Bot:
    request = HTTPXRequest(**request_kwargs) if request_kwargs else None
    return Bot(
        token or fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        request=request,
    )


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(fake) as the_bot:
        yield the_bot


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(f"Welcome! code={' '.join(context.args or [])}")


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes", callback_data="yes"),
                InlineKeyboardButton("No", callback_data="no"),
            ]
        ]
    )
    await update.message.reply_text(
        f"<b>Echo</b>: {update.message.text}", parse_mode="HTML", reply_markup=keyboard
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"You pressed {query.data}")
    await query.edit_message_text(f"Chosen: {query.data}")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.document is not None
    file = await update.message.document.get_file()
    data = await file.download_as_bytearray()
    await update.message.reply_text(f"Got {update.message.document.file_name}: {bytes(data)!r}")


@pytest.fixture
async def app(fake: FakeTelegram) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    application = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(filters.Document.ALL, on_document))
    application.add_handler(CallbackQueryHandler(on_button))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


# --------------------------------------------------------------------------- PTB end to end


async def test_echo_round_trip_with_real_application(fake: FakeTelegram, app: Application) -> None:  # type: ignore[type-arg]
    chat = fake.chat(AINO)
    reply = await chat.say("hello there")
    assert reply.text == "Echo: hello there"
    assert reply.source == "<b>Echo</b>: hello there"
    assert reply.entities == [{"type": "bold", "offset": 0, "length": 4}]
    assert reply.buttons == [[("Yes", "yes"), ("No", "no")]]
    assert fake.calls("getMe") and fake.calls("deleteWebhook")
    assert fake.unknown_methods == []

    start = await chat.say("/start abc123")
    assert start.text == "Welcome! code=abc123"
    await fake.wait_for_updates_taken()


async def test_bot_command_entities_like_telegram(fake: FakeTelegram) -> None:
    message = await fake.send_text(AINO, "/start CODE")
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    message = await fake.send_text(AINO, "/help@coachbot_test_bot now")
    assert message["entities"][0]["length"] == len("/help@coachbot_test_bot")
    assert "entities" not in await fake.send_text(AINO, "no commands, 1/2 and a/b")


async def test_press_button_answers_and_edits(fake: FakeTelegram, app: Application) -> None:  # type: ignore[type-arg]
    chat = fake.chat(AINO)
    question = await chat.say("pick one")
    edited = await chat.press("No")
    assert edited.message_id == question.message_id
    assert edited.text == "Chosen: no"
    assert edited.buttons == []  # an edit without reply_markup drops the keyboard
    assert edited.history == ["Echo: pick one"]
    answer = fake.callback_answers[-1]
    assert (answer.text, answer.data, answer.show_alert) == ("You pressed no", "no", False)
    with pytest.raises(LookupError):
        await chat.press("Maybe")


async def test_document_round_trip_both_ways(
    fake: FakeTelegram,
    app: Application,  # type: ignore[type-arg]
) -> None:
    payload = "päivä €".encode() + bytes(range(256))
    sent = await app.bot.send_document(AINO, payload, filename="Äänestys.pdf", caption="Sinun PDF")
    stored = fake.last_message(AINO)
    assert stored is not None and stored.document is not None
    assert stored.document.data == payload
    assert stored.document.filename == "Äänestys.pdf"
    assert stored.document.mime_type == "application/pdf"
    assert stored.caption == "Sinun PDF"
    assert sent.document is not None and sent.document.file_size == len(payload)
    file = await app.bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == payload

    photo = await app.bot.send_photo(AINO, tiny_png(), caption="kuva")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (2, 1)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await app.bot.send_photo(AINO, b"not an image")

    reply = await fake.chat(AINO).upload("notes.txt", b"user bytes")
    assert reply.text == "Got notes.txt: b'user bytes'"


async def test_commands_per_scope_and_language(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Join")])
    await bot.set_my_commands([BotCommand("start", "Liity")], language_code="fi")
    await bot.set_my_commands(
        [BotCommand("help", "Apua"), BotCommand("me", "Minä")], scope=BotCommandScopeChat(AINO)
    )
    await bot.set_my_commands([BotCommand("all", "All")], scope=BotCommandScopeAllPrivateChats())
    assert fake.commands(AINO) == [("help", "Apua"), ("me", "Minä")]
    assert fake.commands(BERT) == []
    assert fake.commands() == [("start", "Join")]
    assert fake.commands(language_code="fi") == [("start", "Liity")]
    assert fake.commands(scope="all_private_chats") == [("all", "All")]
    assert fake.visible_commands(AINO) == [("help", "Apua"), ("me", "Minä")]
    assert fake.visible_commands(BERT) == [("all", "All")]
    fetched = await bot.get_my_commands(scope=BotCommandScopeChat(AINO))
    assert [c.command for c in fetched] == ["help", "me"]
    await bot.delete_my_commands(scope=BotCommandScopeChat(AINO))
    assert fake.commands(AINO) == []
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Help", "Upper case is not allowed")])
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands([BotCommand("x", "y")], scope=BotCommandScopeChat(999))
    assert await bot.set_chat_menu_button(AINO)
    assert fake.menu_button(AINO) == {"type": "default"}


# --------------------------------------------------------------------------- errors and faults


async def test_fault_429_raises_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fault = fake.faults.add("sendMessage", 429, retry_after=2, times=2, chat_id=AINO)
    await bot.send_message(BERT, "other chat is not affected")
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(AINO, "hi")
        assert retry_seconds(caught.value) == 2
    await bot.send_message(AINO, "third time lucky")
    assert fault.hits == 2 and not fake.faults
    assert [m.text for m in fake.messages_to(AINO)] == ["third time lucky"]
    assert [r.status for r in fake.calls("sendMessage")] == [200, 429, 429, 200]


async def test_faults_500_502_403_400_in_order(fake: FakeTelegram, bot: Bot) -> None:
    fake.faults.add("sendMessage", 500)
    fake.faults.add("sendMessage", 502)
    fake.faults.add("sendMessage", 403)
    fake.faults.add("sendMessage", 400, description="Bad Request: something odd")
    fake.faults.add("sendMessage", 500, process=True)
    with pytest.raises(NetworkError, match="Internal Server Error") as caught:
        await bot.send_message(AINO, "a")
    assert not isinstance(caught.value, BadRequest)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(AINO, "b")
    with pytest.raises(Forbidden):
        await bot.send_message(AINO, "c")
    with pytest.raises(BadRequest, match="Something odd"):
        await bot.send_message(AINO, "d")
    with pytest.raises(NetworkError):
        await bot.send_message(AINO, "delivered although the bot saw an error")
    assert [m.text for m in fake.messages_to(AINO)] == ["delivered although the bot saw an error"]


async def test_delay_fault_times_out_client_but_delivers(fake: FakeTelegram) -> None:
    fake.faults.add("sendMessage", delay=0.3)
    async with make_bot(fake, read_timeout=0.1) as slow_bot:
        with pytest.raises(TimedOut):
            await slow_bot.send_message(AINO, "late")
    message = await fake.wait_for_message(AINO, timeout=2)
    assert message.text == "late"  # like Telegram: the side effect happened anyway


async def test_blocked_unknown_and_not_started_users(fake: FakeTelegram, bot: Bot) -> None:
    fake.block(AINO)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(AINO, "hi")
    assert "my_chat_member" in fake.pending_updates[-1]
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "hi")
    fake.add_user(3003, "Cecilia", started=False)
    with pytest.raises(Forbidden, match="can't initiate"):
        await bot.send_message(3003, "hi")
    await fake.send_text(AINO, "/start")  # writing to the bot again unblocks it
    assert (await bot.send_message(AINO, "welcome back")).text == "welcome back"


async def test_wrong_token_and_unknown_method(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(fake, token="999:wrong"):
            pass
    assert "999:wrong" in fake.tokens_seen
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("frobnicateChat", api_kwargs={"chat_id": AINO})
    assert fake.unknown_methods == ["frobnicateChat"]


async def test_builtin_rate_limits(fake: FakeTelegram, bot: Bot) -> None:
    fake.enforce_limits = True
    fake.clock = lambda: 1000.0  # every request arrives at the same instant: deterministic
    await bot.send_message(AINO, "one")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(AINO, "two, too soon for one chat")
    assert retry_seconds(caught.value) == 1
    assert fake.rate_limit_hits == 1
    for i in range(40):  # distinct chats: only the overall limit applies
        fake.add_user(5000 + i)
    results = await asyncio.gather(
        *(bot.send_message(5000 + i, "burst") for i in range(40)), return_exceptions=True
    )
    limited = [r for r in results if isinstance(r, RetryAfter)]
    # 31 of 41 in the same instant pass (burst 30 + slack), AINO's "one" was the first.
    assert len(limited) == 41 - 31
    assert fake.rate_limit_hits == 1 + len(limited)
    assert fake.statuses[429] == fake.rate_limit_hits
    fake.clock = lambda: 1001.0  # a second later one more fits for AINO again
    await bot.send_message(AINO, "three")


def test_rate_limiter_gcra_tolerance() -> None:
    limiter = RateLimiter(RateLimits())
    assert limiter.check(1, 100.0) is None
    assert limiter.check(1, 100.9) == 1  # 0.9 s apart: too soon
    assert limiter.check(1, 100.96) is None  # 0.96 s apart: within the 0.05 s slack
    for i in range(30):  # a paced 30/s stream across chats never hits the overall limit
        assert limiter.check(100 + i, 200.0 + i / 30) is None
    # A burst of 30 passes, plus one from the 0.05 s slack (1.5 intervals of 1/30 s).
    burst = [limiter.check(200 + i, 300.0) for i in range(32)]
    assert burst.count(None) == 31 and burst[-1] == 1
    assert limiter.hits == 2


# --------------------------------------------------------------------------- Bot API behaviour


async def test_formatting_errors_match_telegram(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "br"'):
        await bot.send_message(AINO, "a<br>b", parse_mode="HTML")
    with pytest.raises(BadRequest, match="end tag corresponding to start tag"):
        await bot.send_message(AINO, "<b>open", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(AINO, "Hello.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(AINO, "x" * 4097)
    sent = await bot.send_message(
        AINO, "*Hi* _you_ 1\\.5 [link](https://e.x/a)", parse_mode="MarkdownV2"
    )
    assert sent.text == "Hi you 1.5 link"
    assert [e.type for e in sent.entities] == ["bold", "italic", "text_link"]
    html = await bot.send_message(AINO, "Ä 😀 <i>&lt;ok&gt;</i>", parse_mode="HTML")
    assert html.text == "Ä 😀 <ok>"
    assert html.entities[0].offset == 5  # UTF-16: the emoji counts twice


async def test_edits_deletes_replies_and_keyboards(fake: FakeTelegram, bot: Bot) -> None:
    chat = fake.chat(AINO)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    sent = await bot.send_message(AINO, "Menu", reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Menu", AINO, sent.message_id, reply_markup=markup)
    await bot.edit_message_reply_markup(AINO, sent.message_id, reply_markup=None)
    assert fake.message(AINO, sent.message_id).buttons == []
    user_message = await fake.send_text(AINO, "quote me")
    reply = await bot.send_message(
        AINO, "quoted", reply_parameters=ReplyParameters(user_message["message_id"])
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "quote me"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(AINO, "x", reply_parameters=ReplyParameters(9999))
    assert await bot.delete_message(AINO, sent.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(AINO, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("gone", AINO, sent.message_id)
    assert sent.message_id not in [m.message_id for m in chat.messages]

    keyboard = ReplyKeyboardMarkup([[KeyboardButton("Kyllä"), "Ei"]], one_time_keyboard=True)
    await bot.send_message(AINO, "Valitse", reply_markup=keyboard)
    assert chat.keyboard == [["Kyllä", "Ei"]]
    await bot.send_message(AINO, "Selvä", reply_markup=ReplyKeyboardRemove())
    assert chat.keyboard is None
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="y" * 65)]])
        await bot.send_message(AINO, "bad", reply_markup=too_long)
    assert await bot.send_chat_action(AINO, "typing")
    assert fake.events(AINO)[-1].action == "typing"
    info = await bot.get_chat(AINO)
    assert (info.first_name, info.username, info.type) == ("Aino", "aino", "private")
    me = await bot.get_me()
    assert (me.username, me.first_name, me.id) == ("coachbot_test_bot", "Coachbot", fake.bot.id)


async def test_message_ids_are_per_chat(fake: FakeTelegram, bot: Bot) -> None:
    first = await bot.send_message(AINO, "a")
    await bot.send_message(AINO, "b")
    other = await bot.send_message(BERT, "c")
    third = await bot.send_message(AINO, "d")
    assert (first.message_id, third.message_id, other.message_id) == (1, 3, 1)
    assert first.from_user is not None and first.from_user.is_bot
    assert first.chat.type == "private" and first.chat.first_name == "Aino"


async def test_get_updates_long_poll_offsets_and_encodings(fake: FakeTelegram) -> None:
    url = f"{fake.base_url}{fake.token}"
    async with httpx.AsyncClient(trust_env=False) as client:
        waiting = asyncio.create_task(client.post(f"{url}/getUpdates", data={"timeout": "5"}))
        await fake.wait_until(lambda: fake.calls("getUpdates"), what="the long poll")
        await fake.send_text(AINO, "one")
        first = (await waiting).json()["result"]
        assert [u["message"]["text"] for u in first] == ["one"]
        await fake.send_text(AINO, "two")
        await fake.send_text(AINO, "three")
        # JSON body, limit, and an offset confirming "one"
        body = {"offset": first[0]["update_id"] + 1, "limit": 1, "timeout": 0}
        got = (await client.post(f"{url}/getUpdates", json=body)).json()["result"]
        assert [u["message"]["text"] for u in got] == ["two"]
        # query string and a negative offset: keep only the newest update
        got = (await client.get(f"{url}/getUpdates?offset=-1")).json()["result"]
        assert [u["message"]["text"] for u in got] == ["three"]
        assert len(fake.pending_updates) == 1
        next_offset = got[0]["update_id"] + 1
        # allowed_updates: a callback-only bot never gets the text
        allowed = {"allowed_updates": '["callback_query"]', "offset": next_offset}
        assert (await client.post(f"{url}/getUpdates", data=allowed)).json()["result"] == []
        await fake.send_text(AINO, "ignored")
        assert fake.dropped_updates[-1]["message"]["text"] == "ignored"
        # a second poller makes the first one fail with 409 Conflict
        older = asyncio.create_task(
            client.post(f"{url}/getUpdates", data={"timeout": 5, "offset": next_offset})
        )
        await fake.wait_until(lambda: fake.count("getUpdates") >= 5, what="the first poller")
        newer = await client.post(f"{url}/getUpdates", data={"timeout": 0})
        assert newer.status_code == 200
        assert (await older).status_code == 409
        assert fake.conflicts == 1
        # method names are case-insensitive; unknown ones are 404 and recorded
        assert (await client.post(f"{url}/GETME")).json()["result"]["is_bot"] is True
        missing = await client.post(f"{url}/sendPigeon")
        assert missing.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found: method not found",
        }
        assert fake.unknown_methods == ["sendPigeon"]


async def test_conflict_reaches_ptb(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_webhook("https://example.invalid/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    assert (await bot.get_webhook_info()).url == "https://example.invalid/hook"
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == ()


async def test_wait_helpers_and_cursor(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(AINO, "old news")
    await fake.send_text(AINO, "question")  # cursor moves past "old news"
    await bot.send_message(AINO, "answer 1")
    await bot.send_message(AINO, "answer 2")
    assert (await fake.wait_for_message(AINO)).text == "answer 1"
    assert (await fake.wait_for_message(AINO)).text == "answer 2"
    assert (await fake.wait_for_message(AINO, since=0)).text == "old news"
    with pytest.raises(TimeoutError, match="answer 2"):
        await fake.wait_for_message(AINO, timeout=0.05)
    mark = fake.mark(AINO)
    late = asyncio.create_task(fake.wait_for_message(AINO, lambda m: "late" in (m.text or "")))
    await bot.send_message(AINO, "not this")
    await bot.send_message(AINO, "late one")
    assert (await late).text == "late one"
    assert (await fake.wait_for_message(AINO, since=mark)).text == "not this"
    request = await fake.wait_for_request("sendMessage", lambda r: r.params["text"] == "late one")
    assert request.params["chat_id"] == AINO and request.status == 200
    with pytest.raises(KeyError):
        await fake.send_text(777, "who am I")
    with pytest.raises(LookupError):
        await fake.press_button(AINO, 1, "nope")


async def test_clean_shutdown_leaves_no_tasks() -> None:
    """A full start/poll/stop cycle, then nothing of the fake or PTB is left running."""
    before = asyncio.all_tasks()
    loop = asyncio.get_running_loop()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with FakeTelegram() as server:
            application = (
                ApplicationBuilder()
                .token(server.token)
                .base_url(server.base_url)
                .base_file_url(server.base_file_url)
                .build()
            )
            application.add_handler(MessageHandler(filters.TEXT, on_text))
            await application.initialize()
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0, timeout=1)
            assert (await server.chat(AINO).say("bye")).text == "Echo: bye"
            await application.updater.stop()
            await application.stop()
            await application.shutdown()

            # A request stuck in an injected delay must not hold up stop().
            server.faults.add("sendMessage", delay=30)
            async with make_bot(server) as other_bot:
                stuck = asyncio.create_task(other_bot.send_message(AINO, "stuck"))
                await server.wait_until(lambda: server.faults.fired, what="the stuck request")
                started = loop.time()
                await server.stop()
                assert loop.time() - started < 1.0
                assert (await stuck).text == "stuck"
    assert asyncio.all_tasks() - before == set()
    assert [str(w.message) for w in caught if "never awaited" in str(w.message)] == []
