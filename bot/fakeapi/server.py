"""FakeTelegram: a local Bot API server for end-to-end tests and the offline console.

The real python-telegram-bot Application talks HTTP to it on 127.0.0.1 (tornado on the same
asyncio loop), so the whole stack (request encoding, error mapping, polling) is exercised,
while nothing ever leaves the machine. The same object is also the "user side": it creates
updates as if people typed or pressed buttons, and records everything the bot did.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import mimetypes
import os
import re
import socket
import struct
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.fakeapi.faults import Fault, FaultPlan, RateLimiter, RateLimits
from bot.fakeapi.formatting import command_entities, parse_text
from bot.fakeapi.models import (
    ApiError,
    BotIdentity,
    BotMessage,
    CallbackAnswer,
    ChatEvent,
    EventKind,
    FakeUser,
    RecordedRequest,
    StoredFile,
    Upload,
)
from bot.fakeapi.params import decode_request

if TYPE_CHECKING:
    from bot.fakeapi.conversation import Conversation

log = logging.getLogger(__name__)

T = TypeVar("T")
Params = dict[str, Any]
Uploads = dict[str, Upload]
Listener = Callable[[ChatEvent], None]

DEFAULT_TOKEN = "123456789:TEST-fake-telegram-token"
MAX_TEXT = 4096
MAX_CAPTION = 1024
# Telegram's default when allowed_updates is empty: everything except these three.
NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
INLINE_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
COMMAND_NAME_RE = re.compile(r"^[a-z0-9_]{1,32}$")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_CLOSED = "closed"
_CONFLICT = "conflict"
_WOKEN = "woken"


def _as_int(value: Any) -> Any:
    """Chat ids arrive as ints (JSON) or digit strings; anything else stays as it is."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value


def _image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of PNG/GIF/JPEG bytes; None if it is not an image we recognise."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
        return 800, 600
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return 800, 600
    return None


class _ChatState:
    """Everything about one private chat (chat id == user id)."""

    __slots__ = (
        "bot_messages",
        "by_id",
        "cursor",
        "events",
        "next_message_id",
        "reply_keyboard",
        "user",
        "user_messages",
    )

    def __init__(self, user: FakeUser) -> None:
        self.user = user
        self.next_message_id = 1
        self.bot_messages: list[BotMessage] = []
        self.by_id: dict[int, BotMessage] = {}
        self.user_messages: dict[int, dict[str, Any]] = {}
        self.events: list[ChatEvent] = []
        self.cursor = 0  # index into events: where wait_for_message(since=None) starts
        self.reply_keyboard: dict[str, Any] | None = None

    def take_message_id(self) -> int:
        mid = self.next_message_id
        self.next_message_id += 1
        return mid


class _Query:
    __slots__ = ("answered", "data", "message_id", "user_id")

    def __init__(self, user_id: int, message_id: int | None, data: str | None) -> None:
        self.user_id = user_id
        self.message_id = message_id
        self.data = data
        self.answered = False


class _ApiHandler(tornado.web.RequestHandler):
    """Routes /bot<token>/<method> to the fake; one instance per HTTP request."""

    def initialize(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.waiter: asyncio.Future[str] | None = None

    async def post(self, token: str, method: str) -> None:
        await self.fake._serve(self, token, method)

    async def get(self, token: str, method: str) -> None:
        await self.fake._serve(self, token, method)

    def on_connection_close(self) -> None:
        # A long poll whose client went away (PTB cancels it on stop) must end now.
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(_CLOSED)

    def compute_etag(self) -> str | None:
        return None

    def check_xsrf_cookie(self) -> None:
        return None


class _FileHandler(tornado.web.RequestHandler):
    """Serves /file/bot<token>/<file_path> like Telegram's file download endpoint."""

    def initialize(self, fake: FakeTelegram) -> None:
        self.fake = fake

    def get(self, token: str, path: str) -> None:
        self.fake.file_downloads.append(path)
        if token != self.fake.token:
            self.set_status(401)
            self.finish(b'{"ok":false,"error_code":401,"description":"Unauthorized"}')
            return
        stored = self.fake._files_by_path.get(path)
        if stored is None or stored.data is None:
            self.set_status(404)
            self.finish(b'{"ok":false,"error_code":404,"description":"Not Found"}')
            return
        self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        self.finish(stored.data)

    def compute_etag(self) -> str | None:
        return None


def _no_access_log(handler: tornado.web.RequestHandler) -> None:
    return None


class FakeTelegram:
    """A fake Bot API server plus the users talking to the bot. Use ``async with``.

    Bot side: every request is recorded in ``requests`` (method, params, monotonic arrival time,
    status). User side: ``add_user``, ``send_text``, ``press_button``, ``send_document``,
    ``send_voice``, and the waiting helpers; ``chat(user_id)`` gives a Conversation for
    short tests.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "coachbot_test_bot",
        bot_first_name: str = "Coachbot",
        bot_id: int | None = None,
        enforce_limits: bool = False,
        limits: RateLimits | None = None,
        first_update_id: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        # Arrival times and the rate limiter use this clock; tests may freeze it.
        self.clock = clock
        self.host = host
        self._port = port
        prefix = token.split(":", 1)[0]
        if bot_id is None:
            bot_id = int(prefix) if prefix.isdigit() else 123456789
        self.bot = BotIdentity(id=bot_id, username=bot_username, first_name=bot_first_name)
        self._bot_api = self.bot.to_api()
        self.enforce_limits = enforce_limits
        self.limiter = RateLimiter(limits)
        self.faults = FaultPlan()

        # Recording
        self.requests: list[RecordedRequest] = []
        self._by_method: dict[str, list[RecordedRequest]] = {}
        self.statuses: Counter[int] = Counter()
        self.unknown_methods: list[str] = []
        self.tokens_seen: set[str] = set()
        self.internal_errors: list[str] = []
        self.file_downloads: list[str] = []
        self.sent_messages: list[BotMessage] = []  # every bot message, all chats, in order
        self.callback_answers: list[CallbackAnswer] = []
        self.dropped_updates: list[dict[str, Any]] = []
        self.conflicts = 0

        # State
        self._chats: dict[int, _ChatState] = {}
        self._updates: deque[dict[str, Any]] = deque()
        self._next_update_id = first_update_id
        self._allowed_updates: frozenset[str] | None = None
        self._webhook: dict[str, Any] = {}
        self._commands: dict[tuple[tuple[Any, ...], str], list[dict[str, str]]] = {}
        self._menu_buttons: dict[int | None, dict[str, Any]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._queries: dict[str, _Query] = {}
        self._query_counter = itertools.count(4_000_000_000_000_000_001)
        self._listeners: list[Listener] = []

        # Async plumbing (futures are created on the running loop in start())
        self._server: HTTPServer | None = None
        self._pollers: set[asyncio.Future[str]] = set()
        self._change: asyncio.Future[None] | None = None
        self._closed: asyncio.Future[None] | None = None
        self._idle: asyncio.Future[None] | None = None
        self._inflight = 0

        self._methods: dict[str, Callable[[Params, Uploads], Any]] = {
            "getMe": self._get_me,
            "logOut": self._ok,
            "close": self._ok,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "copyMessage": self._copy_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": self._set_description("description"),
            "getMyDescription": self._get_description("description"),
            "setMyShortDescription": self._set_description("short_description"),
            "getMyShortDescription": self._get_description("short_description"),
            "setMyName": self._set_description("name"),
            "getMyName": self._get_description("name"),
            "getChat": self._get_chat,
            "getFile": self._get_file,
        }
        # Telegram method names are case-insensitive.
        self._method_names = {name.lower(): name for name in [*self._methods, "getUpdates"]}

    # ------------------------------------------------------------------ lifecycle and URLs

    async def start(self) -> FakeTelegram:
        """Listen on host:port (port 0: an ephemeral one) inside the running event loop."""
        if self._server is not None:
            return self
        loop = asyncio.get_running_loop()
        self._closed = loop.create_future()
        sockets = bind_sockets(self._port, self.host, family=socket.AF_INET)
        self._port = sockets[0].getsockname()[1]
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([A-Za-z0-9_]*)/?", _ApiHandler, {"fake": self}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"fake": self}),
            ],
            log_function=_no_access_log,
        )
        self._server = HTTPServer(app, max_body_size=64 * 1024 * 1024)
        self._server.add_sockets(sockets)
        return self

    async def stop(self) -> None:
        """End long polls and delays, wait for in-flight requests, close all connections."""
        server = self._server
        if server is None:
            return
        self._server = None
        for waiter in list(self._pollers):
            if not waiter.done():
                waiter.set_result(_CLOSED)
        if self._closed is not None and not self._closed.done():
            self._closed.set_result(None)
        server.stop()
        if self._inflight:
            self._idle = asyncio.get_running_loop().create_future()
            await asyncio.wait({self._idle}, timeout=5.0)
        await server.close_all_connections()
        self._notify()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self._port}/file/bot"

    @property
    def bot_user(self) -> BotIdentity:
        return self.bot

    @property
    def rate_limit_hits(self) -> int:
        """How many 429s the built-in rate-limit emulation answered."""
        return self.limiter.hits

    # ------------------------------------------------------------------ HTTP plumbing

    async def _serve(self, handler: _ApiHandler, token: str, method_name: str) -> None:
        self._inflight += 1
        try:
            now = self.clock()
            self.tokens_seen.add(token)
            canonical = self._method_names.get(method_name.lower())
            rec = RecordedRequest(
                seq=len(self.requests),
                method=canonical or method_name,
                params={},
                token=token,
                at=now,
                uploads={},
            )
            self.requests.append(rec)
            bucket = self._by_method.get(rec.method)
            if bucket is None:
                bucket = self._by_method[rec.method] = []
            bucket.append(rec)
            self._notify()  # waiters may look for requests still in progress (long polls)
            try:
                rec.params, rec.uploads = decode_request(handler.request)
                status, body = await self._dispatch(handler, rec, canonical)
            except ApiError as err:
                status, body = err.status, self._error_body(err)
            except Exception as exc:  # a bug in the fake: answer 500, keep it visible
                log.exception("fake Telegram failed on %s", rec.method)
                self.internal_errors.append(f"{rec.method}: {exc!r}")
                status, body = 500, self._error_body(ApiError(500, "Internal Server Error"))
            rec.status = status
            self.statuses[status] += 1
            handler.set_status(status)
            handler.set_header("Content-Type", "application/json")
            handler.finish(body)
        finally:
            self._inflight -= 1
            if not self._inflight and self._idle is not None and not self._idle.done():
                self._idle.set_result(None)
            self._notify()

    async def _dispatch(
        self, handler: _ApiHandler, rec: RecordedRequest, canonical: str | None
    ) -> tuple[int, bytes]:
        if rec.token != self.token:
            raise ApiError(401, "Unauthorized")
        if canonical is None:
            self.unknown_methods.append(rec.method)
            raise ApiError(404, "Not Found: method not found")
        params = rec.params
        fault = self.faults.take(canonical, _as_int(params.get("chat_id"))) if self.faults else None
        if fault is not None:
            if fault.delay > 0:
                await self._sleep(fault.delay)
            if fault.status is not None and not fault.process:
                return self._fault_answer(fault)
        if self.enforce_limits and canonical in self.limiter.limits.methods:
            retry_after = self.limiter.check(_as_int(params.get("chat_id")), rec.at)
            if retry_after is not None:
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
                )
        if canonical == "getUpdates":
            result: Any = await self._get_updates(handler, params)
        else:
            result = self._methods[canonical](params, rec.uploads)
        if fault is not None and fault.status is not None:
            return self._fault_answer(fault)
        return 200, json.dumps({"ok": True, "result": result}, separators=(",", ":")).encode()

    def _fault_answer(self, fault: Fault) -> tuple[int, bytes]:
        status = fault.status or 500
        if fault.body is not None:
            return status, fault.body
        err = ApiError(status, fault.error_description(), retry_after=fault.retry_after)
        return status, self._error_body(err)

    @staticmethod
    def _error_body(err: ApiError) -> bytes:
        if err.body is not None:
            return err.body
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": err.status,
            "description": err.description,
        }
        if err.retry_after is not None:
            payload["parameters"] = {"retry_after": err.retry_after}
        return json.dumps(payload).encode()

    async def _sleep(self, delay: float) -> None:
        """A delay that stop() cuts short, so shutdown never waits for injected slowness."""
        assert self._closed is not None
        await asyncio.wait({self._closed}, timeout=delay)

    # ------------------------------------------------------------------ change notification

    def _notify(self) -> None:
        fut = self._change
        if fut is not None:
            self._change = None
            if not fut.done():
                fut.set_result(None)

    async def wait_until(
        self, check: Callable[[], T | None], timeout: float | None = 5.0, what: str = "condition"
    ) -> T:
        """Re-check ``check`` after every change (request, user action) until it is truthy."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            result = check()
            if result:
                return result
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
            fut = self._change
            if fut is None:
                fut = self._change = loop.create_future()
            await asyncio.wait({fut}, timeout=remaining)

    # ------------------------------------------------------------------ events of chats

    def _emit(self, chat: _ChatState, kind: EventKind, **fields: Any) -> ChatEvent:
        event = ChatEvent(
            seq=len(chat.events), chat_id=chat.user.id, kind=kind, at=self.clock(), **fields
        )
        chat.events.append(event)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("fake Telegram listener failed")
        return event

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` for every bot action in any chat; returns an unsubscriber."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # ------------------------------------------------------------------ helpers for methods

    def _chat_of(self, params: Params) -> _ChatState:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._chats.get(_as_int(chat_id))
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _sendable_chat(self, params: Params) -> _ChatState:
        chat = self._chat_of(params)
        user = chat.user
        if user.deactivated:
            raise ApiError(403, "Forbidden: user is deactivated")
        if user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not user.started:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    @staticmethod
    def _check_markup(markup: Any, *, inline_only: bool = False) -> dict[str, Any] | None:
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(400, 'Bad Request: field "inline_keyboard" must be an Array')
            for row in rows:
                for button in row:
                    FakeTelegram._check_inline_button(button)
            return markup
        if inline_only:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(400, 'Bad Request: field "keyboard" must be an Array')
            return markup
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button: Text is absent")
        if not button["text"]:
            raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
        actions = [key for key in INLINE_BUTTON_ACTIONS if key in button]
        if len(actions) != 1:
            raise ApiError(
                400,
                "Bad Request: can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard",
            )
        data = button.get("callback_data")
        if data is not None and not (
            isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= 64
        ):
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _reply_target(self, chat: _ChatState, params: Params) -> tuple[int | None, Any]:
        reply = params.get("reply_parameters")
        allow = bool(params.get("allow_sending_without_reply", False))
        message_id = None
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply", allow))
        elif params.get("reply_to_message_id") is not None:
            message_id = params.get("reply_to_message_id")
        if message_id is None:
            return None, None
        message_id = _as_int(message_id)
        target: dict[str, Any] | None = None
        bot_msg = chat.by_id.get(message_id)
        if bot_msg is not None and not bot_msg.deleted:
            target = bot_msg.to_api()
        elif message_id in chat.user_messages:
            target = dict(chat.user_messages[message_id])
        if target is None:
            if allow:
                return None, None
            raise ApiError(400, "Bad Request: message to be replied not found")
        target.pop("reply_to_message", None)
        return message_id, target

    def _formatted(
        self, text: Any, params: Params, entities_key: str, limit: int, too_long: str
    ) -> tuple[str, list[dict[str, Any]]]:
        text = text if isinstance(text, str) else str(text)
        plain, entities = parse_text(text, params.get("parse_mode"), params.get(entities_key))
        if len(plain) > limit:
            raise ApiError(400, too_long)
        return plain, entities

    def _new_bot_message(
        self,
        chat: _ChatState,
        params: Params,
        *,
        kind: str,
        text: str | None,
        entities: list[dict[str, Any]],
        markup: dict[str, Any] | None,
        document: StoredFile | None = None,
        photo: StoredFile | None = None,
        media: dict[str, Any] | None = None,
        copied_from: tuple[int, int] | None = None,
    ) -> BotMessage:
        reply_id, reply = self._reply_target(chat, params)
        source = params.get("text") if kind == "text" else params.get("caption")
        msg = BotMessage(
            message_id=chat.take_message_id(),
            chat_id=chat.user.id,
            date=int(time.time()),
            kind=kind,
            text=text,
            source=source,
            parse_mode=params.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
            chat=chat.user.chat_api(),
            sender=self._bot_api,
            params=params,
            sent_at=self.clock(),
            document=document,
            photo=photo,
            reply_to_message_id=reply_id,
            reply_to=reply,
            media=media,
            copied_from=copied_from,
        )
        chat.bot_messages.append(msg)
        chat.by_id[msg.message_id] = msg
        self.sent_messages.append(msg)
        if markup is not None:
            if "keyboard" in markup:
                chat.reply_keyboard = markup
            elif markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        self._emit(chat, "message", message=msg)
        return msg

    def _store_file(
        self,
        kind: str,
        filename: str | None,
        mime_type: str | None,
        data: bytes | None,
        url: str | None = None,
    ) -> StoredFile:
        n = next(self._file_counter)
        ext = os.path.splitext(filename or "")[1]
        prefix = "BQACAgQAAxk" if kind == "document" else "AgACAgQAAxk"
        stored = StoredFile(
            file_id=f"{prefix}{n:010d}",
            file_unique_id=f"AgAD{n:06d}",
            file_path=f"{kind}s/file_{n}{ext}",
            kind=kind,
            filename=filename,
            mime_type=mime_type,
            data=data,
            url=url,
        )
        if kind == "photo":
            size = _image_size(data) if data is not None else None
            stored.width, stored.height = size or (800, 600)
            stored.mime_type = None
            stored.filename = None
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _incoming_file(self, params: Params, uploads: Uploads, field: str) -> StoredFile:
        value = params.get(field)
        upload = uploads.get(field)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if upload is not None:
            if not upload.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            if field == "photo" and _image_size(upload.data) is None:
                raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
            return self._store_file(field, upload.filename, upload.content_type, upload.data)
        if isinstance(value, str) and value:
            known = self._files.get(value)
            if known is not None:
                return known
            if value.startswith(("http://", "https://")):
                # Recorded, never fetched: the fake must not touch the network.
                name = value.rsplit("/", 1)[-1] or None
                mime = mimetypes.guess_type(name or "")[0] if name else None
                return self._store_file(field, name, mime, None, url=value)
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        raise ApiError(400, f"Bad Request: there is no {field} in the request")

    # ------------------------------------------------------------------ Bot API methods

    def _ok(self, params: Params, uploads: Uploads) -> bool:
        return True

    def _get_me(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        return {
            **self._bot_api,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, handler: _ApiHandler, params: Params) -> list[dict[str, Any]]:
        if self._webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        for older in self._pollers:
            if not older.done():
                older.set_result(_CONFLICT)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else None
        offset = _as_int(params.get("offset"))
        if isinstance(offset, int) and offset:
            self._confirm(offset)
        limit = _as_int(params.get("limit", 100))
        limit = min(max(limit if isinstance(limit, int) else 100, 1), 100)
        timeout = params.get("timeout") or 0
        timeout = float(timeout) if isinstance(timeout, int | float | str) else 0.0
        if self._updates or timeout <= 0 or self._server is None:
            return list(itertools.islice(self._updates, limit))
        waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        handler.waiter = waiter
        self._pollers.add(waiter)
        try:
            await asyncio.wait({waiter}, timeout=timeout)
        finally:
            self._pollers.discard(waiter)
            handler.waiter = None
        if waiter.done() and waiter.result() == _CONFLICT:
            self.conflicts += 1
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return list(itertools.islice(self._updates, limit))

    def _confirm(self, offset: int) -> None:
        """Drop updates the bot confirmed (ids below offset); negative: keep the last -offset."""
        updates = self._updates
        if offset > 0:
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()
        else:
            while len(updates) > -offset:
                updates.popleft()

    def _delete_webhook(self, params: Params, uploads: Uploads) -> bool:
        self._webhook = {}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _set_webhook(self, params: Params, uploads: Uploads) -> bool:
        url = params.get("url") or ""
        if url and not str(url).startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self._webhook = {"url": url} if url else {}
        if url and isinstance(params.get("allowed_updates"), list):
            self._webhook["allowed_updates"] = params["allowed_updates"]
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _get_webhook_info(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        return {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
            **(
                {"allowed_updates": self._webhook["allowed_updates"]}
                if "allowed_updates" in self._webhook
                else {}
            ),
        }

    def _send_message(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat = self._sendable_chat(params)
        text = params.get("text")
        if text is None or text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        plain, entities = self._formatted(
            text, params, "entities", MAX_TEXT, "Bad Request: message is too long"
        )
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        markup = self._check_markup(params.get("reply_markup"))
        msg = self._new_bot_message(
            chat, params, kind="text", text=plain, entities=entities, markup=markup
        )
        return msg.to_api()

    def _copy_message(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        """copyMessage: the message (a user's, or one of the bot's) again, in another chat,
        without a link to the original; Telegram answers with the new MessageId only."""
        chat = self._sendable_chat(params)
        from_id = _as_int(params.get("from_chat_id"))
        source_chat = self._chats.get(from_id) if isinstance(from_id, int) else None
        if source_chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        message_id = _as_int(params.get("message_id"))
        original: dict[str, Any] | None = None
        if message_id in source_chat.user_messages:
            original = source_chat.user_messages[message_id]
        elif (bot_msg := source_chat.by_id.get(message_id)) is not None and not bot_msg.deleted:
            original = bot_msg.to_api()
        if original is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        kind = next(
            (k for k in ("voice", "video_note", "document", "photo") if k in original), "text"
        )
        caption = params.get("caption", original.get("caption"))
        text = original.get("text") if kind == "text" else caption
        if kind == "text" and not text:
            raise ApiError(400, "Bad Request: message can't be copied")
        markup = self._check_markup(params.get("reply_markup"))
        msg = self._new_bot_message(
            chat,
            {**params, "text": text} if kind == "text" else {**params, "caption": caption},
            kind=kind,
            text=text,
            entities=list(original.get("entities" if kind == "text" else "caption_entities", [])),
            markup=markup,
            document=self._files.get(original["document"]["file_id"])
            if kind == "document"
            else None,
            photo=self._files.get(original["photo"][-1]["file_id"]) if kind == "photo" else None,
            media=dict(original[kind]) if kind in ("voice", "video_note") else None,
            copied_from=(source_chat.user.id, message_id),
        )
        return {"message_id": msg.message_id}

    def _send_media(self, params: Params, uploads: Uploads, field: str) -> dict[str, Any]:
        chat = self._sendable_chat(params)
        stored = self._incoming_file(params, uploads, field)
        caption = params.get("caption")
        text, entities = None, []
        if caption is not None and caption != "":
            text, entities = self._formatted(
                caption,
                params,
                "caption_entities",
                MAX_CAPTION,
                "Bad Request: message caption is too long",
            )
        markup = self._check_markup(params.get("reply_markup"))
        msg = self._new_bot_message(
            chat,
            params,
            kind=field,
            text=text,
            entities=entities,
            markup=markup,
            document=stored if field == "document" else None,
            photo=stored if field == "photo" else None,
        )
        return msg.to_api()

    def _send_document(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        return self._send_media(params, uploads, "document")

    def _send_photo(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        return self._send_media(params, uploads, "photo")

    def _send_chat_action(self, params: Params, uploads: Uploads) -> bool:
        chat = self._sendable_chat(params)
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._emit(chat, "action", action=action)
        return True

    def _editable(self, params: Params) -> tuple[_ChatState, BotMessage]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: message to edit not found")
        chat = self._chat_of(params)
        message_id = _as_int(params.get("message_id"))
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        msg = chat.by_id.get(message_id)
        if msg is None or msg.deleted:
            if message_id in chat.user_messages:
                raise ApiError(400, "Bad Request: message can't be edited")
            raise ApiError(400, "Bad Request: message to edit not found")
        return chat, msg

    @staticmethod
    def _inline_markup(msg: BotMessage) -> dict[str, Any] | None:
        markup = msg.reply_markup
        return markup if markup is not None and "inline_keyboard" in markup else None

    def _apply_edit(
        self,
        chat: _ChatState,
        msg: BotMessage,
        params: Params,
        text: str | None,
        entities: list[dict[str, Any]],
        markup: dict[str, Any] | None,
        source: str | None,
    ) -> dict[str, Any]:
        if text == msg.text and entities == msg.entities and markup == self._inline_markup(msg):
            raise ApiError(400, NOT_MODIFIED)
        if text != msg.text:
            msg.history.append(msg.text)
        msg.text, msg.entities, msg.source = text, entities, source
        msg.parse_mode = params.get("parse_mode")
        if markup is not None or self._inline_markup(msg) is not None:
            msg.reply_markup = markup  # like Telegram: an edit without markup drops the keyboard
        msg.edit_date = int(time.time())
        msg.edits += 1
        self._emit(chat, "edit", message=msg)
        return msg.to_api()

    def _edit_message_text(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat, msg = self._editable(params)
        if msg.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text = params.get("text")
        if text is None or text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        plain, entities = self._formatted(
            text, params, "entities", MAX_TEXT, "Bad Request: message is too long"
        )
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        markup = self._check_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(chat, msg, params, plain, entities, markup, str(text))

    def _edit_message_caption(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat, msg = self._editable(params)
        if msg.kind == "text":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = params.get("caption")
        text, entities = None, []
        if caption:
            text, entities = self._formatted(
                caption,
                params,
                "caption_entities",
                MAX_CAPTION,
                "Bad Request: message caption is too long",
            )
        markup = self._check_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(chat, msg, params, text, entities, markup, caption)

    def _edit_message_reply_markup(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat, msg = self._editable(params)
        markup = self._check_markup(params.get("reply_markup"), inline_only=True)
        if markup == self._inline_markup(msg):
            raise ApiError(400, NOT_MODIFIED)
        msg.reply_markup = markup
        msg.edit_date = int(time.time())
        msg.edits += 1
        self._emit(chat, "edit", message=msg)
        return msg.to_api()

    def _delete_one(self, chat: _ChatState, message_id: Any) -> bool:
        message_id = _as_int(message_id)
        msg = chat.by_id.get(message_id)
        if msg is not None and not msg.deleted:
            msg.deleted = True
            self._emit(chat, "delete", message=msg)
            return True
        return chat.user_messages.pop(message_id, None) is not None

    def _delete_message(self, params: Params, uploads: Uploads) -> bool:
        chat = self._chat_of(params)
        if not self._delete_one(chat, params.get("message_id")):
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _delete_messages(self, params: Params, uploads: Uploads) -> bool:
        chat = self._chat_of(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message_ids must be a non-empty Array")
        for message_id in ids:
            self._delete_one(chat, message_id)
        return True

    def _answer_callback_query(self, params: Params, uploads: Uploads) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = self._queries.get(query_id)
        if query is None or query.answered:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        query.answered = True
        answer = CallbackAnswer(
            query_id=query_id,
            user_id=query.user_id,
            message_id=query.message_id,
            data=query.data,
            text=text,
            show_alert=bool(params.get("show_alert", False)),
            url=params.get("url"),
            cache_time=params.get("cache_time"),
            at=self.clock(),
        )
        self.callback_answers.append(answer)
        chat = self._chats.get(query.user_id)
        if chat is not None:
            self._emit(chat, "answer", answer=answer)
        return True

    def _scope_key(self, scope: Any) -> tuple[Any, ...]:
        if not scope:
            return ("default",)
        if not isinstance(scope, dict):
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        kind = scope.get("type")
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            return (kind,)
        if kind in ("chat", "chat_administrators", "chat_member"):
            chat_id = _as_int(scope.get("chat_id"))
            if chat_id not in self._chats:
                raise ApiError(400, "Bad Request: chat not found")
            if kind == "chat_member":
                return (kind, chat_id, _as_int(scope.get("user_id")))
            return (kind, chat_id)
        raise ApiError(400, "Bad Request: wrong BotCommandScope type specified")

    def _set_my_commands(self, params: Params, uploads: Uploads) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        stored = []
        for cmd in commands:
            if not isinstance(cmd, dict) or not COMMAND_NAME_RE.match(str(cmd.get("command"))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = cmd.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            stored.append({"command": cmd["command"], "description": description})
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        if stored:
            self._commands[key] = stored
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: Params, uploads: Uploads) -> list[dict[str, str]]:
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        return list(self._commands.get(key, []))

    def _delete_my_commands(self, params: Params, uploads: Uploads) -> bool:
        key = (self._scope_key(params.get("scope")), params.get("language_code") or "")
        self._commands.pop(key, None)
        return True

    def _set_chat_menu_button(self, params: Params, uploads: Uploads) -> bool:
        chat_id = _as_int(params.get("chat_id"))
        if chat_id is not None and chat_id not in self._chats:
            raise ApiError(400, "Bad Request: chat not found")
        button = params.get("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "default",
            "commands",
            "web_app",
        ):
            raise ApiError(400, "Bad Request: can't parse menu button")
        self._menu_buttons[chat_id] = button
        return True

    def _get_chat_menu_button(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat_id = _as_int(params.get("chat_id"))
        button = self._menu_buttons.get(chat_id) or self._menu_buttons.get(None)
        if button is None or button.get("type") == "default":
            return {"type": "commands"}
        return button

    def _set_description(self, field: str) -> Callable[[Params, Uploads], bool]:
        def set_it(params: Params, uploads: Uploads) -> bool:
            self._descriptions[(field, params.get("language_code") or "")] = str(
                params.get(field) or ""
            )
            return True

        return set_it

    def _get_description(self, field: str) -> Callable[[Params, Uploads], dict[str, str]]:
        def get_it(params: Params, uploads: Uploads) -> dict[str, str]:
            key = (field, params.get("language_code") or "")
            return {field: self._descriptions.get(key, self._descriptions.get((field, ""), ""))}

        return get_it

    def _get_chat(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        chat = self._chat_of(params)
        return {
            **chat.user.chat_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    def _get_file(self, params: Params, uploads: Uploads) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        out: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
        }
        if stored.data is not None:
            out["file_size"] = stored.size
            out["file_path"] = stored.file_path
        return out

    # ------------------------------------------------------------------ updates (user side)

    def _enqueue(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        kind = next(iter(payload))
        allowed = self._allowed_updates
        if (allowed is None and kind in NOT_DEFAULT_UPDATES) or (
            allowed is not None and kind not in allowed
        ):
            self.dropped_updates.append(update)  # Telegram would not store it either
        else:
            self._updates.append(update)
            for waiter in self._pollers:
                if not waiter.done():
                    waiter.set_result(_WOKEN)
        self._notify()
        return update

    async def push_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue any raw update (without update_id) for exotic cases; returns it with its id."""
        return self._enqueue(payload)

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by the bot (an offset above their id)."""
        return list(self._updates)

    def add_user(
        self,
        user_id: int,
        first_name: str | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "fi",
        *,
        started: bool = True,
    ) -> FakeUser:
        """Register a user (their private chat too). ``started=False``: never pressed Start.

        Calling it again for a known id updates the given names and returns the same user.
        """
        chat = self._chats.get(user_id)
        if chat is not None:
            user = chat.user
            if first_name is not None:
                user.first_name = first_name
            if last_name is not None:
                user.last_name = last_name
            if username is not None:
                user.username = username
            user.language_code = language_code
            return user
        user = FakeUser(
            id=user_id,
            first_name=first_name or f"User{user_id}",
            last_name=last_name,
            username=username,
            language_code=language_code,
            started=started,
        )
        self._chats[user_id] = _ChatState(user)
        return user

    def user(self, user_id: int) -> FakeUser:
        return self._chat_state(user_id).user

    @property
    def users(self) -> list[FakeUser]:
        return [chat.user for chat in self._chats.values()]

    def _chat_state(self, chat_id: int) -> _ChatState:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise KeyError(f"unknown user/chat {chat_id}; call add_user() first")
        return chat

    def _member_update(self, chat: _ChatState, old: str, new: str) -> None:
        user = chat.user
        bot_member = {"user": self._bot_api}
        self._enqueue(
            {
                "my_chat_member": {
                    "chat": user.chat_api(),
                    "from": user.to_api(),
                    "date": int(time.time()),
                    "old_chat_member": {**bot_member, "status": old},
                    "new_chat_member": {
                        **bot_member,
                        "status": new,
                        **({"until_date": 0} if new == "kicked" else {}),
                    },
                }
            }
        )

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends then fail with 403 (notify: my_chat_member update)."""
        chat = self._chat_state(user_id)
        if not chat.user.blocked:
            chat.user.blocked = True
            if notify:
                self._member_update(chat, "member", "kicked")

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        chat = self._chat_state(user_id)
        if chat.user.blocked:
            chat.user.blocked = False
            if notify:
                self._member_update(chat, "kicked", "member")

    def deactivate(self, user_id: int) -> None:
        """The account is deleted: sends fail with 403 "user is deactivated"."""
        self._chat_state(user_id).user.deactivated = True

    def _user_acts(self, chat: _ChatState) -> None:
        """Writing to the bot means the user started it (and, if blocked, restarted it)."""
        chat.user.started = True
        if chat.user.blocked:
            self.unblock(chat.user.id)
        chat.cursor = len(chat.events)

    async def send_text(
        self, user_id: int, text: str, *, reply_to: int | None = None
    ) -> dict[str, Any]:
        """The user types ``text``; returns the Message dict (bot_command entities included).

        Moves the chat's cursor: the next wait_for_message() returns a reply to this text.
        """
        chat = self._chat_state(user_id)
        self._user_acts(chat)
        user = chat.user
        msg: dict[str, Any] = {
            "message_id": chat.take_message_id(),
            "from": user.to_api(),
            "chat": user.chat_api(),
            "date": int(time.time()),
            "text": text,
        }
        entities = command_entities(text)
        if entities:
            msg["entities"] = entities
        if reply_to is not None:
            _, target = self._reply_target(chat, {"reply_parameters": {"message_id": reply_to}})
            msg["reply_to_message"] = target
        keyboard = chat.reply_keyboard
        if keyboard is not None and keyboard.get("one_time_keyboard"):
            texts = {
                b if isinstance(b, str) else b.get("text") for r in keyboard["keyboard"] for b in r
            }
            if text in texts:
                chat.reply_keyboard = None
        chat.user_messages[msg["message_id"]] = msg
        self._enqueue({"message": msg})
        return msg

    async def send_document(
        self,
        user_id: int,
        filename: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> dict[str, Any]:
        """The user sends a file; the bot can getFile and download it from base_file_url."""
        chat = self._chat_state(user_id)
        self._user_acts(chat)
        user = chat.user
        mime = mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stored = self._store_file("document", filename, mime, data)
        msg: dict[str, Any] = {
            "message_id": chat.take_message_id(),
            "from": user.to_api(),
            "chat": user.chat_api(),
            "date": int(time.time()),
            "document": stored.document_api(),
        }
        if caption:
            msg["caption"] = caption
        chat.user_messages[msg["message_id"]] = msg
        self._enqueue({"message": msg})
        return msg

    async def send_voice(
        self,
        user_id: int,
        *,
        duration: int = 4,
        date: int | None = None,
        video_note: bool = False,
        data: bytes = b"OggS\x00voice",
    ) -> dict[str, Any]:
        """The user sends a voice message (or, `video_note`, a round video message).

        `date` (Unix time): when Telegram says it was sent; now by default. A test that
        freezes the bot's clock passes it to say when the person spoke."""
        chat = self._chat_state(user_id)
        self._user_acts(chat)
        user = chat.user
        field = "video_note" if video_note else "voice"
        mime = "video/mp4" if video_note else "audio/ogg"
        stored = self._store_file(field, None, mime, data)
        media: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "file_size": len(data),
        }
        if video_note:
            media["length"] = 240
        else:
            media["mime_type"] = mime
        msg: dict[str, Any] = {
            "message_id": chat.take_message_id(),
            "from": user.to_api(),
            "chat": user.chat_api(),
            "date": int(time.time()) if date is None else int(date),
            field: media,
        }
        chat.user_messages[msg["message_id"]] = msg
        self._enqueue({"message": msg})
        return msg

    async def press_button(
        self, user_id: int, message_id: int, callback_data: str, *, strict: bool = True
    ) -> str:
        """The user presses an inline button; returns the callback query id.

        ``strict`` (default) checks the message exists and shows a button with that data,
        catching tests that press buttons the user could not see.
        """
        chat = self._chat_state(user_id)
        msg = chat.by_id.get(message_id)
        if strict:
            if msg is None or msg.deleted:
                raise LookupError(f"no bot message {message_id} in chat {user_id}")
            if callback_data not in [data for row in msg.buttons for _, data in row]:
                raise LookupError(
                    f"message {message_id} has no button with callback_data {callback_data!r}; "
                    f"buttons: {msg.buttons}"
                )
        self._user_acts(chat)
        query_id = str(next(self._query_counter))
        user = chat.user
        payload: dict[str, Any] = {
            "id": query_id,
            "from": user.to_api(),
            "chat_instance": str(-(abs(user_id) * 7919 + self.bot.id)),
            "data": callback_data,
        }
        if msg is not None and not msg.deleted:
            payload["message"] = msg.to_api()
        else:  # Telegram's InaccessibleMessage
            payload["message"] = {"chat": user.chat_api(), "message_id": message_id, "date": 0}
        self._queries[query_id] = _Query(user_id, message_id, callback_data)
        self._enqueue({"callback_query": payload})
        return query_id

    # ------------------------------------------------------------------ reading the bot side

    def chat(self, user_id: int, **user_fields: Any) -> Conversation:
        """A Conversation with this user (added with ``user_fields`` if not known yet)."""
        from bot.fakeapi.conversation import Conversation

        if user_id not in self._chats:
            self.add_user(user_id, **user_fields)
        return Conversation(self, user_id)

    def messages_to(self, chat_id: int, *, include_deleted: bool = False) -> list[BotMessage]:
        """The bot's messages in this chat, oldest first, in their current (edited) state."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        if include_deleted:
            return list(chat.bot_messages)
        return [m for m in chat.bot_messages if not m.deleted]

    def last_message(self, chat_id: int) -> BotMessage | None:
        chat = self._chats.get(chat_id)
        if chat is None:
            return None
        for msg in reversed(chat.bot_messages):
            if not msg.deleted:
                return msg
        return None

    def message(self, chat_id: int, message_id: int) -> BotMessage:
        msg = self._chat_state(chat_id).by_id.get(message_id)
        if msg is None:
            raise KeyError(f"no bot message {message_id} in chat {chat_id}")
        return msg

    def events(self, chat_id: int) -> list[ChatEvent]:
        chat = self._chats.get(chat_id)
        return list(chat.events) if chat is not None else []

    def mark(self, chat_id: int) -> int:
        """A position in the chat's event log, for ``since=`` in the wait_for_* helpers."""
        return len(self._chat_state(chat_id).events)

    def reply_keyboard(self, chat_id: int) -> list[list[str]] | None:
        """The reply keyboard the user currently sees (button texts), or None."""
        markup = self._chat_state(chat_id).reply_keyboard
        if markup is None:
            return None
        return [
            [b if isinstance(b, str) else b.get("text", "") for b in row]
            for row in markup["keyboard"]
        ]

    def commands(
        self,
        scope_chat_id: int | None = None,
        language_code: str | None = None,
        *,
        scope: str | None = None,
    ) -> list[tuple[str, str]]:
        """What setMyCommands stored for exactly this scope and language, as (name, text)."""
        if scope_chat_id is not None:
            key: tuple[Any, ...] = (scope or "chat", scope_chat_id)
        else:
            key = (scope or "default",)
        stored = self._commands.get((key, language_code or ""), [])
        return [(c["command"], c["description"]) for c in stored]

    def visible_commands(self, user_id: int) -> list[tuple[str, str]]:
        """The menu this user sees, resolved in Telegram's order of scopes and languages."""
        lang = self._chat_state(user_id).user.language_code or ""
        for key in (("chat", user_id), ("all_private_chats",), ("default",)):
            for code in (lang, ""):
                stored = self._commands.get((key, code))
                if stored:
                    return [(c["command"], c["description"]) for c in stored]
        return []

    def menu_button(self, chat_id: int | None = None) -> dict[str, Any] | None:
        return self._menu_buttons.get(chat_id)

    def description(self, field: str = "description", language_code: str = "") -> str | None:
        return self._descriptions.get((field, language_code))

    def file(self, file_id: str) -> StoredFile:
        return self._files[file_id]

    def calls(self, method: str) -> list[RecordedRequest]:
        """Requests for one method (canonical name, e.g. "sendMessage"), oldest first."""
        return list(self._by_method.get(method, ()))

    def count(self, method: str) -> int:
        return len(self._by_method.get(method, ()))

    def answers_for(self, query_id: str) -> CallbackAnswer | None:
        for answer in reversed(self.callback_answers):
            if answer.query_id == query_id:
                return answer
        return None

    # ------------------------------------------------------------------ waiting

    async def wait_for_event(
        self,
        chat_id: int,
        kinds: Iterable[EventKind] = ("message",),
        predicate: Callable[[ChatEvent], bool] | None = None,
        timeout: float | None = 5.0,
        since: int | None = None,
    ) -> ChatEvent:
        """The first event of these kinds at/after ``since`` (default: the chat's cursor).

        Moves the cursor past the returned event, so consecutive calls walk the log.
        """
        chat = self._chat_state(chat_id)
        wanted = frozenset(kinds)
        pos = chat.cursor if since is None else since

        def check() -> ChatEvent | None:
            nonlocal pos
            events = chat.events
            while pos < len(events):
                event = events[pos]
                pos += 1
                if event.kind in wanted and (predicate is None or predicate(event)):
                    chat.cursor = max(chat.cursor, pos)
                    return event
            return None

        try:
            return await self.wait_until(check, timeout, what=f"{sorted(wanted)} in {chat_id}")
        except TimeoutError as exc:
            recent = [f"{e.kind}: {e.message!r}" for e in chat.events[-5:] if e.message]
            raise TimeoutError(
                f"{exc}; cursor was {chat.cursor}, {len(chat.events)} events; recent: {recent}"
            ) from None

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float | None = 5.0,
        since: int | None = None,
    ) -> BotMessage:
        """The next new bot message in this chat (after the cursor or ``since``)."""

        def match(event: ChatEvent) -> bool:
            return predicate is None or predicate(event.message)  # type: ignore[arg-type]

        event = await self.wait_for_event(chat_id, ("message",), match, timeout, since)
        assert event.message is not None
        return event.message

    async def wait_for_edit(
        self,
        chat_id: int,
        message_id: int | None = None,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float | None = 5.0,
        since: int | None = None,
    ) -> BotMessage:
        """The next edit of a bot message (optionally of this one), in its edited state."""

        def match(event: ChatEvent) -> bool:
            msg = event.message
            assert msg is not None
            if message_id is not None and msg.message_id != message_id:
                return False
            return predicate is None or predicate(msg)

        event = await self.wait_for_event(chat_id, ("edit",), match, timeout, since)
        assert event.message is not None
        return event.message

    async def wait_for_answer(self, query_id: str, timeout: float | None = 5.0) -> CallbackAnswer:
        """The answerCallbackQuery for this button press."""
        return await self.wait_until(
            lambda: self.answers_for(query_id), timeout, what=f"answer to query {query_id}"
        )

    async def wait_for_request(
        self,
        method: str,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        timeout: float | None = 5.0,
        since: int = 0,
    ) -> RecordedRequest:
        """The first finished request of ``method`` with seq >= ``since`` (e.g. len(requests))."""
        pos = 0

        def check() -> RecordedRequest | None:
            nonlocal pos
            calls = self._by_method.get(method, [])
            while pos < len(calls):
                rec = calls[pos]
                if not rec.status:
                    return None  # still being answered; look again on the next change
                pos += 1
                if rec.seq >= since and (predicate is None or predicate(rec)):
                    return rec
            return None

        return await self.wait_until(check, timeout, what=f"a {method} request")

    async def wait_for_updates_taken(self, timeout: float | None = 5.0) -> None:
        """Until the bot has confirmed every queued update (it fetched and acknowledged them)."""
        await self.wait_until(lambda: not self._updates, timeout, what="updates to be confirmed")
