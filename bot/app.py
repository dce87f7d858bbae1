"""Application wiring: the real python-telegram-bot Application with our handlers."""

from __future__ import annotations

import logging
import os
import warnings
from datetime import timedelta

from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults, ExtBot
from telegram.request import HTTPXRequest

import handlers
from bot import jobs
from bot.alerts import jobs as alert_jobs
from bot.attendance import jobs as attendance_jobs
from bot.goals import jobs as goal_jobs
from bot.meetings import agenda
from bot.menus import set_default_menus
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.ratelimit import TelegramLimits
from bot.patience import PatientBot
from bot.periods import interim as interim_job
from bot.periods import jobs as period_jobs
from bot.periods import procedure
from bot.services import SERVICES_KEY, Services
from bot.settings import Settings
from storage.db import Database

log = logging.getLogger(__name__)


DISPATCHER_KEY = "coachbot.dispatcher"
JOBS_KEY = "coachbot.jobs"

# Every periodic job of the bot, in one table: each runs once at start (a bot that was
# down catches up at once) and then every interval, one run at a time.
JOBS: tuple[jobs.Job, ...] = (
    jobs.Job("coach-agenda", agenda.agenda_job, agenda.INTERVAL),
    jobs.Job(alert_jobs.JOB_NAME, alert_jobs.resend_job, alert_jobs.INTERVAL),
    jobs.Job("attendance", attendance_jobs.attendance_job, attendance_jobs.INTERVAL),
    jobs.Job("goals", goal_jobs.goals_job, goal_jobs.INTERVAL),
    jobs.Job(period_jobs.JOB_NAME, period_jobs.periods_job, period_jobs.INTERVAL),
    jobs.Job(procedure.JOB_NAME, procedure.procedure_job, procedure.INTERVAL),
    jobs.Job("interim", interim_job.interim_job, interim_job.INTERVAL),
)


def build_application(
    services: Services,
    *,
    token: str | None = None,
    limits: TelegramLimits | None = None,
    dispatcher_options: dict[str, object] | None = None,
    job_table: tuple[jobs.Job, ...] = JOBS,
) -> Application:  # type: ignore[type-arg]
    """Build (not start) the Application: the same object in polling, webhook and tests."""
    settings = services.settings
    # python-telegram-bot 22 gives retry_after as a timedelta when asked; we are ready for
    # it. Set here, not on import, so importing any module of ours has no side effects.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    # The conversations are per user on purpose: one flow at a time, whichever message its
    # buttons are on. PTB warns about exactly that choice when they are built.
    warnings.filterwarnings("ignore", message="If 'per_message=False'")
    if limits is None:
        rate = settings.telegram_rate
        limits = TelegramLimits(rate or 30.0, enabled=rate > 0)
    timeout = settings.telegram_timeout
    # One client for the Application (handlers' replies, patient with Telegram's passing
    # faults) and a separate connection for the long poll, so it never waits for a reply.
    bot = PatientBot(
        token or settings.require_token(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.base_file_url,
        defaults=Defaults(tzinfo=settings.tz),
        rate_limiter=limits,
        request=HTTPXRequest(
            connection_pool_size=16,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            pool_timeout=timeout,
        ),
        get_updates_request=HTTPXRequest(connection_pool_size=1, connect_timeout=timeout),
        patience=settings.telegram_patience,
    )
    application = ApplicationBuilder().bot(bot).post_init(_post_init).post_stop(_post_stop).build()
    application.bot_data[SERVICES_KEY] = services
    # The jobs this bot runs: all of them, but for a test that leaves out what it is not about.
    application.bot_data[JOBS_KEY] = job_table
    options: dict[str, object] = {
        "batch_size": settings.outbox_batch,
        "concurrency": settings.outbox_concurrency,
        "lease": timedelta(seconds=settings.outbox_lease),
        "interval": settings.outbox_interval,
    }
    options.update(dispatcher_options or {})
    # The outbox has its own HTTP connections, few of them: httpcore checks every pooled
    # connection on each request, so a small pool sends faster. Limits are shared.
    outbox_bot = ExtBot(
        token or settings.require_token(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.base_file_url,
        rate_limiter=limits,
        request=HTTPXRequest(
            connection_pool_size=4,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            pool_timeout=timeout,
        ),
    )
    dispatcher = Dispatcher(services, outbox_bot, limits=limits, **options)  # type: ignore[arg-type]
    application.bot_data[DISPATCHER_KEY] = dispatcher
    handlers.register(application)
    return application


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    services: Services = application.bot_data[SERVICES_KEY]
    try:
        await set_default_menus(application.bot, services.settings.default_language)
    except TelegramError as error:
        # Each person's own menu is set when they join; the default can wait a start.
        log.warning("could not set the default command menus (%s)", type(error).__name__)
    # The first tick runs at once: whatever came due while the bot was down goes out now.
    dispatcher: Dispatcher = application.bot_data[DISPATCHER_KEY]
    await dispatcher.bot.initialize()
    dispatcher.attach(application)
    jobs.start_all(application, application.bot_data[JOBS_KEY])


async def _post_stop(application: Application) -> None:  # type: ignore[type-arg]
    dispatcher: Dispatcher = application.bot_data[DISPATCHER_KEY]
    await dispatcher.stop()
    await dispatcher.bot.shutdown()


def make_services(settings: Settings) -> Services:
    """Open the database and bring it to the newest schema (start-up migrates by design)."""
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    return Services(settings=settings, db=Database(settings.database_url))
