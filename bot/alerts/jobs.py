"""Alerts nobody acknowledged are sent again: to the caseworker, and now to the admins too.

A JobQueue job looks every few minutes, and once right after start so a bot that was
down when an alert's time passed catches up at once. `resend_overdue` sends each open
alert again once per working day (its outbox keys name the day, and the alert records
when it went last), so however often the job runs, an alert goes once a day.
"""

from __future__ import annotations

from datetime import timedelta

from telegram.ext import ContextTypes

from bot.alerts.actions import resend_overdue
from bot.services import SERVICES_KEY, Services

INTERVAL = timedelta(minutes=5)
JOB_NAME = "alert-resend"


async def resend_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.bot_data[SERVICES_KEY]
    resent = await services.db.run(resend_overdue, services.now(), services.settings.tz)
    if resent:
        services.wake_outbox()
