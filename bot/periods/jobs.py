"""The periods job: the period's windows and deadlines kept without anyone counting.

Once right after start and then every hour (a bot that was down catches up), one short
transaction (`sweep`) walks the periods that have not ended and, on the Helsinki calendar:
- starts a suspension whose first day has come, and ends one whose last day has passed
  (client and coach told the coaching runs again);
- reminds the coach of the planned end two weeks and two working days before it
  (rules.end_notice_days), saying whether an extension is still possible and until when
  (rules.latest_end); a suspended period's reminders wait;
- ends the period at its time limit the day after its planned end (EndReason.TIME_LIMIT:
  unused hours lapse [002 §3.2]) through `actions.end_period`, which tells everyone;
- reminds the coach of work activity's yearly evaluation two weeks ahead [002 §2].
Every message's outbox key names the period and the day it is about, so however often the
job runs each goes once; a moved end (extension, suspension) makes new keys.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session
from telegram.ext import ContextTypes

from bot import outbox
from bot.periods import actions, texts
from bot.rules.periods import EndReason, end_notice_days, evaluation_days, latest_end
from bot.services import SERVICES_KEY, Services
from messages.render import on
from storage import audit, bulk
from storage import periods as rows
from storage.models import PeriodStatus, Person, Priority, ServicePeriod

INTERVAL = timedelta(hours=1)
JOB_NAME = "periods"
# Messages of a night-time run wait for the morning.
MORNING = time(8, 0)
# The coach hears of the yearly evaluation this long before it is due.
EVALUATION_LEAD = timedelta(days=14)
log = logging.getLogger(__name__)


def _due(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    morning = datetime.combine(local.date(), MORNING, tzinfo=tz)
    return max(now, morning)


def _remind(
    session: Session, period: ServicePeriod, coach_id: int, message: str, params: dict,
    key: str, due: datetime,
) -> int:  # fmt: skip
    if outbox.queued(session, key):
        return 0
    outbox.schedule(
        session,
        recipient_id=coach_id,
        kind="period-reminder",
        message=message,
        params=params,
        key=key,
        due_at=due,
        priority=Priority.REMINDER,
        object_ref=f"period:{period.id}",
    )
    return 1


def _suspensions(session: Session, period: ServicePeriod, now: datetime, today, tz) -> int:  # type: ignore[no-untyped-def]
    """A suspension agreed ahead starts on its first day; one whose last day has passed
    ends, and the client and the coach hear that the coaching runs again."""
    first, last = period.suspended_from, period.suspended_until
    if first is None or last is None:
        return 0
    if period.status == PeriodStatus.ACTIVE.value and first <= today <= last:
        period.status = PeriodStatus.SUSPENDED.value
        session.add(period)
        audit.record(session, "period.suspended", subject_id=period.client_id,
                     detail=str(period.id), at=now)  # fmt: skip
        return 1
    if period.status == PeriodStatus.SUSPENDED.value and last < today:
        period.status = PeriodStatus.ACTIVE.value
        session.add(period)
        audit.record(session, "period.resumed", subject_id=period.client_id,
                     detail=str(period.id), at=now)  # fmt: skip
        client = session.get(Person, period.client_id)
        if client is not None:
            key = f"period:{period.id}:resumed:{(last + timedelta(days=1)).isoformat()}"
            actions._tell_resumed(session, period, client, _due(now, tz), key)
        return 1
    return 0


def _end_notices(
    session: Session,
    period: ServicePeriod,
    client: Person,
    now: datetime,
    today,
    tz,  # type: ignore[no-untyped-def]
) -> int:
    """The latest notice day that has come (a bot down for days sends one, not two)."""
    end = period.planned_end
    if end is None or client.coach_id is None or period.status != PeriodStatus.ACTIVE.value:
        return 0
    come = [day for day in end_notice_days(end) if day <= today <= end]
    if not come:
        return 0
    day = come[-1]
    terms = actions.terms_of(session, period.program_key)
    latest = latest_end(terms, period.start_date, period.suspended_days)
    params = {
        "client": client.display_name,
        "program": actions.program_param(period.program_key),
        "end": on(end),
    }
    if latest is not None and latest > end:
        message, params["latest"] = texts.END_NOTICE_CAN_EXTEND, on(latest)
    else:
        message = texts.END_NOTICE_LAST
    key = f"period:{period.id}:end-notice:{end.isoformat()}:{day.isoformat()}"
    return _remind(session, period, client.coach_id, message, params, key, _due(now, tz))


def _evaluations(
    session: Session,
    period: ServicePeriod,
    client: Person,
    now: datetime,
    today,
    tz,  # type: ignore[no-untyped-def]
) -> int:
    if client.coach_id is None or period.status != PeriodStatus.ACTIVE.value:
        return 0
    terms = actions.terms_of(session, period.program_key)
    # Not clipped to the planned end: a one-year placement's evaluation falls on the day
    # after it, and decides what follows.
    made = 0
    for day in evaluation_days(terms, period.start_date, today + EVALUATION_LEAD):
        if day < today:
            continue
        key = f"period:{period.id}:evaluation:{day.isoformat()}"
        params = {"client": client.display_name, "day": on(day)}
        made += _remind(session, period, client.coach_id, texts.EVALUATION_DUE, params, key,
                        _due(now, tz))  # fmt: skip
    return made


def sweep(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """Everything due today, in one transaction; how many changes or messages it made.
    Safe to run any number of times a day."""
    if not bulk.only_one(session, "periods"):
        return 0
    today = now.astimezone(tz).date()
    done = 0
    for period in rows.not_ended(session):
        # One period that cannot be handled (a program row gone, a rule that raises) is
        # logged and left for the next run; the others go on.
        try:
            with session.begin_nested():
                done += _one(session, period, now, today, tz)
        except Exception:
            log.exception("periods job: period %s failed", period.id)
    return done


def _one(session: Session, period: ServicePeriod, now: datetime, today: date, tz: ZoneInfo) -> int:
    client = session.get(Person, period.client_id)
    if client is None:
        return 0
    done = _suspensions(session, period, now, today, tz)
    if (
        period.planned_end is not None
        and period.planned_end < today
        and period.status == PeriodStatus.ACTIVE.value
    ):
        # Ended in the morning, so nobody is told at night that their service ended.
        if now.astimezone(tz).time() < MORNING:
            return done
        actions.end_period(
            session, actor_id=None, period_id=period.id or 0, reason=EndReason.TIME_LIMIT,
            note=None, on=period.planned_end, now=now,
        )  # fmt: skip
        return done + 1
    if not client.active:
        return done
    done += _end_notices(session, period, client, now, today, tz)
    done += _evaluations(session, period, client, now, today, tz)
    return done


async def periods_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.bot_data[SERVICES_KEY]
    try:
        done = await services.db.run(sweep, services.now(), services.settings.tz)
    except Exception:
        log.exception("periods job failed")
        return
    if done:
        services.wake_outbox()
