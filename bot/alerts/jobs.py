"""Alerts nobody acknowledged are sent again: to the caseworker, and now to the admins too.

A JobQueue job looks every few minutes, and once right after start so a bot that was
down when the working day passed catches up at once. `resend_overdue` marks each alert
it sends again (and the outbox keys are per alert), so an alert goes again exactly once.
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
