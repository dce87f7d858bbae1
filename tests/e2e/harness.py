"""End-to-end harness: the real Application, polling the fake Bot API over HTTP on loopback.

It starts the bot the way `run_polling` does (initialize, post_init, start, polling) and
stops it the same way, so the tests exercise the wiring the product uses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from telegram.ext import Application

from bot.app import DISPATCHER_KEY, JOBS, build_application
from bot.embedded import inbox_of, running
from bot.fakeapi import Conversation, FakeTelegram
from bot.inbox.worker import InboxWorker
from bot.onboarding import actions as onboarding
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.ratelimit import TelegramLimits
from bot.services import Services
from bot.settings import Settings
from storage import people
from storage.db import Database
from storage.models import Person, Role


class Clock:
    """A clock the test moves by hand; handlers and the dispatcher read only this."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, instant: datetime) -> None:
        self.now = instant


class Harness:
    def __init__(
        self,
        database_url: str,
        *,
        now: datetime | None = None,
        fake: FakeTelegram | None = None,
        limits: TelegramLimits | None = None,
        dispatcher_options: dict[str, Any] | None = None,
        polling: bool = True,
        mode: str | None = None,
        without_jobs: tuple[str, ...] = (),
        **settings: Any,
    ) -> None:
        self.polling = polling
        self.without_jobs = without_jobs
        self.mode = mode
        self.database_url = database_url
        self.clock: Clock | Callable[[], datetime] = (
            Clock(now) if now is not None else (lambda: datetime.now(UTC))
        )
        self.fake = fake or FakeTelegram()
        self._own_fake = fake is None
        self.limits = limits
        self.dispatcher_options = dispatcher_options
        self.settings_overrides = settings
        self.app: Application | None = None  # type: ignore[type-arg]
        self.db = Database(database_url)
        self._next_user = 10_000

    @property
    def services(self) -> Services:
        assert self.app is not None
        return self.app.bot_data["coachbot.services"]  # type: ignore[no-any-return]

    @property
    def dispatcher(self) -> Dispatcher:
        assert self.app is not None
        return self.app.bot_data[DISPATCHER_KEY]  # type: ignore[no-any-return]

    @property
    def inbox(self) -> InboxWorker:
        assert self.app is not None
        return inbox_of(self.app)

    async def __aenter__(self) -> Harness:
        if self._own_fake:
            await self.fake.start()
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            TELEGRAM_BOT_TOKEN=self.fake.token,
            TELEGRAM_API_BASE_URL=self.fake.base_url,
            DATABASE_URL=self.database_url,
            **self.settings_overrides,
        )
        services = Services(settings=settings, db=Database(self.database_url), clock=self.clock)
        self.app = build_application(
            services,
            limits=self.limits,
            dispatcher_options=self.dispatcher_options,
            job_table=tuple(job for job in JOBS if job.name not in self.without_jobs),
        )
        self._running = running(self.app, polling=self.polling, mode=self.mode)  # type: ignore[arg-type]
        await self._running.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._running.__aexit__(None, None, None)
        self.services.db.dispose()
        self.db.dispose()
        if self._own_fake:
            await self.fake.stop()

    # --- data set-up through the same repositories the CLI uses ---------------------------
    def add(
        self,
        role: Role,
        name: str,
        *,
        language: str = "fi",
        coach: int | None = None,
        caseworker: int | None = None,
        program: str | None = None,
        start: date | None = None,
    ) -> int:
        def add(session):  # type: ignore[no-untyped-def]
            person = people.add_person(
                session,
                role=role,
                name=name,
                language=language,
                coach_id=coach,
                caseworker_id=caseworker,
            )
            if program:
                people.add_period(
                    session,
                    client_id=person.id,
                    program_key=program,
                    start=start or date(2026, 11, 2),
                )
            return person.id

        return self.db.call(add)

    def invite(self, person_id: int, *, now: datetime | None = None, days: int = 7) -> str:
        return self.db.call(
            onboarding.create_invite, person_id, now=now or datetime.now(UTC), days=days
        )

    def user_id(self) -> int:
        self._next_user += 1
        return self._next_user

    def link(
        self,
        person_id: int,
        *,
        user_id: int | None = None,
        started: bool = True,
        known: bool = True,
    ) -> int:
        """Link a Telegram user directly (for tests about delivery, not onboarding).

        `known=False`: Telegram has never seen this user id (its answer: chat not found).
        """
        uid = user_id or self.user_id()
        if known:
            self.fake.add_user(uid, f"User{uid}", started=started)

        def set_id(session):  # type: ignore[no-untyped-def]
            person = session.get(Person, person_id)
            person.telegram_user_id = uid
            session.add(person)

        self.db.call(set_id)
        return uid

    async def join(
        self, person_id: int, *, language_code: str = "fi", user_id: int | None = None
    ) -> Conversation:
        """Link a new Telegram user to the person through a real /start <code>."""
        uid = user_id or self.user_id()
        chat = self.fake.chat(uid, first_name=f"User{uid}", language_code=language_code)
        code = self.invite(person_id, now=self.clock())
        await chat.say(f"/start {code}")
        return chat
