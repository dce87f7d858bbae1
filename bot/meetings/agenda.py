"""The coach's morning agenda: at their agenda time on working days, today's meetings.

A JobQueue job looks every few minutes (and at start, so a bot that was down at 08:00
still sends it); the idempotency key makes one agenda per coach per day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select
from telegram.ext import ContextTypes

from bot import outbox
from bot.meetings.notices import KIND_NAMES
from bot.rules.calendar import is_working_day
from bot.rules.reminders import agenda_due
from bot.services import SERVICES_KEY, Services
from messages.i18n import N_
from messages.render import clock, lines, msg, on
from storage import meetings
from storage.models import MeetingKind, Person, Priority, Role

AGENDA = N_("Good morning! Your meetings today, {day}:\n{meetings}")
AGENDA_LINE = N_("{start}–{end} {client}, {kind}")
INTERVAL = timedelta(minutes=5)
# An agenda is a morning message: after a long outage, or for a meeting booked at 14.00
# for the same day, a "good morning" at 14.05 would only confuse.
LATEST = timedelta(hours=2)


def queue_agendas(session: Session, now: datetime, tz) -> int:  # type: ignore[no-untyped-def]
    """Queue today's agenda for every coach whose agenda time has come; returns how many new."""
    local_now = now.astimezone(tz)
    if not is_working_day(local_now.date()):
        return 0
    day_start = datetime.combine(local_now.date(), datetime.min.time(), tzinfo=tz)
    coaches = session.exec(
        select(Person).where(Person.role == Role.COACH.value, col(Person.active))
    ).all()
    queued = 0
    for coach in coaches:
        due = agenda_due(local_now, coach.preferences, tz)
        if due is None or not due <= now < due + LATEST or coach.id is None:
            continue
        key = f"agenda:{coach.id}:{local_now.date().isoformat()}"
        if outbox.queued(session, key):
            continue
        today = meetings.on_day(session, coach.id, day_start, day_start + timedelta(days=1))
        if not today:
            continue
        items = [
            (
                AGENDA_LINE,
                {
                    "start": clock(m.meeting.starts_at),
                    "end": clock(m.meeting.ends_at),
                    "client": m.client.display_name,
                    "kind": msg(KIND_NAMES[MeetingKind(m.meeting.kind)]),
                },
            )
            for m in today
        ]
        outbox.schedule(
            session,
            recipient_id=coach.id,
            kind="agenda",
            message=AGENDA,
            params={"day": on(local_now.date()), "meetings": lines(*items)},
            key=key,
            due_at=now,
            priority=Priority.DIGEST,
        )
        queued += 1
    return queued


async def agenda_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.bot_data[SERVICES_KEY]
    queued = await services.db.run(queue_agendas, services.now(), services.settings.tz)
    if queued:
        services.wake_outbox()
