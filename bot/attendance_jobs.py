"""The attendance job: every minute, and once right at start, one short transaction that

- fills in ended meetings the client gave notice for, and prompts the coach for the others
  (one prompt, plus its reminder on the next working morning), and
- alerts the caseworker about no-shows the client has not explained within 24 hours.

Running at start means a meeting that ended, or a 24 hours that ran out, while the bot was
down is handled at once: the state lives in the database, not in the job queue.
"""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import Application, ContextTypes

from bot.attendance import sweep
from bot.services import SERVICES_KEY, Services

INTERVAL = timedelta(minutes=1)


async def run_once(services: Services) -> int:
    """One sweep at the services' clock; wakes the outbox when it queued anything."""
    done = await services.db.run(sweep, services.now(), services.settings.tz)
    if done:
        services.wake_outbox()
    return done


async def attendance_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.bot_data[SERVICES_KEY]
    await run_once(services)


def attach(application: Application) -> None:  # type: ignore[type-arg]
    """Start the job: once at start (a restart loses nothing), then every minute.

    The start run is its own one-off job: a repeating job added before the scheduler
    starts skips a first run that is already past and waits a whole interval.
    """
    job_queue = application.job_queue
    assert job_queue is not None
    job_queue.run_once(
        attendance_job, 0.0, name="attendance-start", job_kwargs={"misfire_grace_time": None}
    )
    job_queue.run_repeating(
        attendance_job,
        interval=INTERVAL,
        first=INTERVAL,
        name="attendance",
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
    )
