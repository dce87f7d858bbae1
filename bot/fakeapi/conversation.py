"""Conversation: one user's chat with the bot, in the terms a test (or a person) thinks in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from bot.fakeapi.models import BotMessage, CallbackAnswer, FakeUser

if TYPE_CHECKING:
    from bot.fakeapi.server import FakeTelegram

Expect = Literal["message", "edit", "any"]


class Conversation:
    """Say things, press buttons by their text, and get the bot's replies.

    Replies are read from the chat's cursor in the fake: each user action moves the cursor to
    "now", so ``say()`` returns the first bot message sent after that text, never an older one.
    """

    def __init__(self, fake: FakeTelegram, user_id: int) -> None:
        self.fake = fake
        self.user_id = user_id

    @property
    def user(self) -> FakeUser:
        return self.fake.user(self.user_id)

    # ------------------------------------------------------------------ acting

    async def send(self, text: str) -> dict[str, Any]:
        """Type ``text`` without waiting for a reply; returns the user's Message dict."""
        return await self.fake.send_text(self.user_id, text)

    async def say(self, text: str, timeout: float = 5.0) -> BotMessage:
        """Type ``text`` and return the first bot message sent after it."""
        await self.fake.send_text(self.user_id, text)
        return await self.fake.wait_for_message(self.user_id, timeout=timeout)

    async def click(
        self,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        message: BotMessage | int | None = None,
    ) -> str:
        """Press an inline button without waiting; returns the callback query id.

        The button is found by visible ``text`` (or ``callback_data``) on ``message``; by
        default on the newest bot message that has an inline keyboard.
        """
        target = self._button_message(message)
        if callback_data is None:
            if text is None:
                raise ValueError("give the button text or its callback_data")
            try:
                callback_data = target.callback_data(text)
            except LookupError:
                raise LookupError(
                    f"no button {text!r} on message {target.message_id}; "
                    f"buttons: {target.button_texts}"
                ) from None
        return await self.fake.press_button(self.user_id, target.message_id, callback_data)

    async def press(
        self,
        text: str | None = None,
        *,
        callback_data: str | None = None,
        message: BotMessage | int | None = None,
        expect: Expect = "any",
        timeout: float = 5.0,
    ) -> BotMessage:
        """Press a button and return what the bot did next.

        ``expect="any"`` (default): the first new message or edit after the press;
        "message": the first new message; "edit": the first edit. If no inline button has this
        text but the current reply keyboard does, the text is sent, as a Telegram client does.
        """
        if message is None and callback_data is None and text is not None:
            keyboard = self.fake.reply_keyboard(self.user_id) or []
            if not self._has_inline_button(text) and any(text in row for row in keyboard):
                await self.fake.send_text(self.user_id, text)
                return await self._next(expect, timeout)
        await self.click(text, callback_data=callback_data, message=message)
        return await self._next(expect, timeout)

    async def upload(
        self,
        filename: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        timeout: float = 5.0,
    ) -> BotMessage:
        """Send a document and return the bot's first message after it."""
        await self.fake.send_document(
            self.user_id, filename, data, mime_type=mime_type, caption=caption
        )
        return await self.fake.wait_for_message(self.user_id, timeout=timeout)

    # ------------------------------------------------------------------ reading

    async def reply(self, timeout: float = 5.0) -> BotMessage:
        """The next bot message after the cursor (e.g. the second reply to one text)."""
        return await self.fake.wait_for_message(self.user_id, timeout=timeout)

    async def replies(self, n: int, timeout: float = 5.0) -> list[BotMessage]:
        """The next ``n`` bot messages after the cursor."""
        return [await self.reply(timeout) for _ in range(n)]

    async def edit(self, message_id: int | None = None, timeout: float = 5.0) -> BotMessage:
        """The next edit (of ``message_id`` if given) after the cursor."""
        return await self.fake.wait_for_edit(self.user_id, message_id, timeout=timeout)

    async def answer(self, query_id: str, timeout: float = 5.0) -> CallbackAnswer:
        return await self.fake.wait_for_answer(query_id, timeout)

    async def silence(self, timeout: float = 0.3) -> None:
        """Assert that the bot sends nothing new within ``timeout`` seconds."""
        try:
            msg = await self.fake.wait_for_message(self.user_id, timeout=timeout)
        except TimeoutError:
            return
        raise AssertionError(f"expected no reply, got {msg!r}")

    @property
    def messages(self) -> list[BotMessage]:
        return self.fake.messages_to(self.user_id)

    @property
    def last(self) -> BotMessage | None:
        return self.fake.last_message(self.user_id)

    @property
    def keyboard(self) -> list[list[str]] | None:
        """The reply keyboard currently shown to the user."""
        return self.fake.reply_keyboard(self.user_id)

    # ------------------------------------------------------------------ internals

    async def _next(self, expect: Expect, timeout: float) -> BotMessage:
        if expect == "message":
            return await self.fake.wait_for_message(self.user_id, timeout=timeout)
        if expect == "edit":
            return await self.fake.wait_for_edit(self.user_id, timeout=timeout)
        event = await self.fake.wait_for_event(self.user_id, ("message", "edit"), timeout=timeout)
        assert event.message is not None
        return event.message

    def _has_inline_button(self, text: str) -> bool:
        return any(text in m.button_texts for m in self.fake.messages_to(self.user_id))

    def _button_message(self, message: BotMessage | int | None) -> BotMessage:
        if isinstance(message, BotMessage):
            return message
        if isinstance(message, int):
            return self.fake.message(self.user_id, message)
        for msg in reversed(self.fake.messages_to(self.user_id)):
            if msg.buttons:
                return msg
        raise LookupError(f"no bot message with inline buttons in chat {self.user_id}")
