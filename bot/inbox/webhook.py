"""Webhook mode: store the update, and only then answer Telegram 200.

python-telegram-bot's own webhook server answers 200 before the update is handled, so a
crash in between loses it. Here the answer waits for the commit; if the database is
away, Telegram gets a 503 and sends the update again later. Every bot process may serve
the webhook (behind one TLS proxy); the inbox hands each person's updates out in order.
A request without Telegram's secret header is refused (the secret is required to start).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable

import tornado.web
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from bot.inbox.incoming import incoming
from bot.inbox.worker import wall_clock
from bot.services import Services
from storage import inbox

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20  # Telegram's updates are small; a larger body is not Telegram's


class _Updates(tornado.web.RequestHandler):
    def initialize(  # type: ignore[override]
        self,
        bot_application: Application,  # type: ignore[type-arg]
        services: Services,
        secret: str,
        wake: Callable[[], None],
    ) -> None:
        self.bot_application = bot_application
        self.services = services
        self.secret = secret
        self.wake = wake

    def log_exception(self, *args: object) -> None:  # tornado would log the request body
        log.warning("webhook: a request failed")

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            self.set_status(403)
            return
        if len(self.request.body) > MAX_BODY:
            self.set_status(413)
            return
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, self.bot_application.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            return
        if update is None:
            self.set_status(400)
            return
        try:
            await self.services.db.run(
                inbox.store, [incoming(update)], self.services.now(), wall_clock()
            )
        except Exception as error:
            log.warning("webhook: cannot store (%s); Telegram will retry", type(error).__name__)
            self.set_status(503)
            return
        self.wake()
        self.set_status(200)


def serve(
    application: Application,  # type: ignore[type-arg]
    services: Services,
    wake: Callable[[], None],
    *,
    listen: str,
    port: int,
    secret: str,
    path: str = "/telegram",
) -> HTTPServer:
    """Start serving POSTs to `path` on the running event loop; the caller stops it."""
    routes = [
        (
            path,
            _Updates,
            {
                "bot_application": application,
                "services": services,
                "secret": secret,
                "wake": wake,
            },
        )
    ]
    server = HTTPServer(tornado.web.Application(routes), max_body_size=MAX_BODY)
    server.listen(port, address=listen)
    return server
