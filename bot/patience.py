"""The bot's Bot API client, patient with Telegram's passing faults.

A reply that meets a 5xx, a time-out or a network error is tried again with back-off for
a bounded time (`patience`), so a Telegram hiccup of a few seconds costs the person a
short wait, not their answer. Past that the error goes up: the inbox then tries the whole
update again later (bot.inbox.worker). A bad request, a block or a 429 is not retried
here (the rate limiter owns 429s). getUpdates has its own loop (bot.inbox.poller).

One case repeats by nature: a request that timed out may have been delivered, and is
sent again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import ExtBot

log = logging.getLogger(__name__)

NOT_RETRIED = frozenset({"getUpdates", "setWebhook", "deleteWebhook", "getMe"})
# A callback query must be answered within seconds or Telegram forgets it.
SHORT_PATIENCE = {"answerCallbackQuery": 5.0}


class PatientBot(ExtBot):  # type: ignore[type-arg]
    def __init__(self, *args: Any, patience: float = 20.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._patience = patience

    async def _do_post(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        if endpoint in NOT_RETRIED:
            return await super()._do_post(endpoint, *args, **kwargs)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SHORT_PATIENCE.get(endpoint, self._patience)
        delay = 0.5
        tries = 0
        while True:
            try:
                result = await super()._do_post(endpoint, *args, **kwargs)
                if tries:
                    log.info("%s went through after %d tries", endpoint, tries + 1)
                return result
            except BadRequest as error:
                if (
                    endpoint == "answerCallbackQuery"
                    and "query is too old" in error.message.lower()
                ):
                    # Answered already (the update is being tried again) or too late: the
                    # spinner has stopped either way; the reply that follows still goes.
                    log.info("callback query answered already or expired")
                    return True
                raise
            except RetryAfter:
                raise
            except NetworkError as error:  # 5xx, time-outs and connection errors
                tries += 1
                if loop.time() + delay > deadline:
                    raise
                log.info("%s failed (%s); trying again", endpoint, type(error).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
