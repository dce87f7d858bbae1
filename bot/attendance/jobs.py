"""The attendance job: every minute, and once right at start, one short transaction that

- fills in ended meetings the client gave notice for, and prompts the coach for the others
  (one prompt, plus its reminder on the next working morning), and
- alerts the caseworker about no-shows the client has not explained within 24 hours.

Running at start means a meeting that ended, or a 24 hours that ran out, while the bot was
down is handled at once: the state lives in the database, not in the job queue.
"""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import ContextTypes

from bot.attendance.actions import sweep
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
