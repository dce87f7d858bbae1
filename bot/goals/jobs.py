"""The goals job: every minute, and once right at start, one short transaction that opens
due check-in rounds, reminds unanswered ones, queues the coaches' weekly digests and the
end-of-period prompts. The state lives in the database, so a restart only catches up.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session
from telegram.ext import ContextTypes

from bot.goals.checkins import BATCH, queue_reminders, queue_rounds
from bot.goals.digest import queue_digests
from bot.goals.evaluation import queue_evaluation_reminders, queue_period_ends
from bot.services import SERVICES_KEY, Services
from storage import bulk

INTERVAL = timedelta(minutes=1)
log = logging.getLogger(__name__)


def sweep(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """Everything in one transaction (tests and benchmarks); the job runs the steps apart."""
    return sum(step(session, now, tz) for step in STEPS)


def _rounds(session: Session, now: datetime, tz: ZoneInfo) -> int:
    return queue_rounds(session, now, tz) if bulk.only_one(session, "goals:rounds") else 0


def _reminders(session: Session, now: datetime, tz: ZoneInfo) -> int:
    return queue_reminders(session, now) if bulk.only_one(session, "goals:reminders") else 0


def _digests(session: Session, now: datetime, tz: ZoneInfo) -> int:
    return queue_digests(session, now, tz) if bulk.only_one(session, "goals:digests") else 0


def _period_ends(session: Session, now: datetime, tz: ZoneInfo) -> int:
    if not bulk.only_one(session, "goals:period-ends"):
        return 0
    return queue_period_ends(session, now, tz) + queue_evaluation_reminders(session, now, tz)


# Each runs alone across bot processes (an advisory lock on PostgreSQL), in its own
# transaction when the job runs.
STEPS = (_rounds, _reminders, _digests, _period_ends)


async def run_once(services: Services) -> int:
    """Each step in its own short transaction, so one failing step (or a long batch)
    never holds back the others; rounds go in batches until none are left."""
    now, tz = services.now(), services.settings.tz
    done = 0
    for step in STEPS:
        try:
            while True:
                made = await services.db.run(step, now, tz)
                done += made
                if step is not _rounds or made < BATCH:
                    break
        except Exception:
            log.exception("goals job step %s failed", step.__name__)
    if done:
        services.wake_outbox()
    return done


async def goals_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.bot_data[SERVICES_KEY]
    await run_once(services)
