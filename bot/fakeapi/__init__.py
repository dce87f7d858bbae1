"""A fake Telegram Bot API on 127.0.0.1 for end-to-end tests and the offline console.

Typical use::

    async with FakeTelegram() as fake:
        app = (
            ApplicationBuilder()
            .token(fake.token)
            .base_url(fake.base_url)
            .base_file_url(fake.base_file_url)
            .build()
        )
        ...
        chat = fake.chat(1001, first_name="Aino")
        reply = await chat.say("/start abc")
"""

from bot.fakeapi.conversation import Conversation
from bot.fakeapi.faults import Fault, FaultPlan, RateLimiter, RateLimits
from bot.fakeapi.models import (
    ApiError,
    BotIdentity,
    BotMessage,
    CallbackAnswer,
    ChatEvent,
    FakeUser,
    RecordedRequest,
    StoredFile,
    Upload,
)
from bot.fakeapi.server import DEFAULT_TOKEN, FakeTelegram

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "BotIdentity",
    "BotMessage",
    "CallbackAnswer",
    "ChatEvent",
    "Conversation",
    "FakeTelegram",
    "FakeUser",
    "Fault",
    "FaultPlan",
    "RateLimiter",
    "RateLimits",
    "RecordedRequest",
    "StoredFile",
    "Upload",
]
