"""The no-show procedure [002 §3.4.3]: what the caseworker decides on a no-show alert.

"The coach informs the caseworker at once; the caseworker then instructs the provider:
either more time to find out what happened, or a three-party meeting is convened. Once a
three-party meeting is convened to end the service early, no service is given until it
has been held. If the client does not come to it, the service ends as interrupted, and
the meetings already booked for that time are cancelled."

The period keeps the state: `procedure` is "more_time" (until `procedure_until`) or
"three_party"; `procedure_meeting_id` names the three-party meeting that decided. Booking
reads `procedure` (bot.periods.hours.check_booking refuses while "three_party"); this
module only sets and clears it. "No service until it is held" covers what is already
booked too: the coach's message offers to cancel the client's other booked meetings
(`cancel_booked`, `pc:<period id>:cx`), while the procedure lasts. A choice is the client's
own caseworker's, pressed on the alert: it acknowledges the alert (every copy loses its
buttons) in the same transaction.

The same kind of choice ends the service when the client said they want to stop (/stop
confirmed) [issue 12 §1]: "Interrupt the service" on that alert (`interrupt`) ends the
period as interrupted by the client (bot.periods.actions.end_period tells everyone and
cancels what is booked) and acknowledges the alert.

Everything runs inside the caller's transaction with `now` passed in; a refusal is
audited and returned as None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlmodel import Session, col, select
from telegram.ext import ContextTypes

from bot import outbox
from bot.alerts.actions import PROCEDURE_KINDS, STOP_KINDS, acknowledge
from bot.meetings.notices import cancelled as meeting_cancelled
from bot.periods import texts as period_texts
from bot.periods.actions import PeriodError, PeriodRefused, end_period
from bot.rules.attendance import Outcome
from bot.rules.periods import EndReason
from bot.services import SERVICES_KEY, Services
from messages.formatting import HELSINKI
from messages.i18n import N_, translator
from messages.render import on
from storage import alerts as alert_rows
from storage import audit, meetings
from storage import periods as period_rows
from storage.models import (
    Alert,
    AlertKind,
    Meeting,
    MeetingKind,
    PeriodStatus,
    Person,
    Priority,
    Role,
    ServicePeriod,
)

MORE_TIME = "more_time"
THREE_PARTY = "three_party"
# How far ahead the caseworker may give more time: the calendar offers this much.
MORE_TIME_MAX = relativedelta(months=2)
# The more time ends: the coach and the caseworker hear of it at this local time that day.
REMIND_AT = time(8, 0)
JOB_NAME = "no-show-procedure"
INTERVAL = timedelta(minutes=15)

MORE_TIME_COACH = N_(
    "{caseworker} gave {client} more time, until {until}, to find out why they did not "
    "come. Please contact {client}. If {client} has not come to a meeting by then, you "
    "and the caseworker get a reminder."
)
MORE_TIME_CLIENT = N_(
    "Your caseworker has given you more time, until {until}. Your coach will contact you."
)
THREE_PARTY_COACH = N_(
    "{caseworker} called a three-party meeting about {client}, to decide if the service "
    "goes on. Please book it with /schedule (three-party meeting). Until it is held, no "
    "other meetings can be booked for {client}."
)
THREE_PARTY_COACH_BOOKED = N_(
    "{caseworker} called a three-party meeting about {client}, to decide if the service "
    "goes on. Please book it with /schedule (three-party meeting). Until it is held, no "
    "other meetings can be booked for {client}, and no other service is given. Meetings "
    "already booked: {count}. Cancel them?"
)
THREE_PARTY_CLIENT = N_(
    "Your caseworker wants a meeting with you, your coach and the caseworker. Your coach "
    "will tell you the time. Please come: if you do not come, your service ends."
)
MORE_TIME_OVER = N_(
    "Reminder: the more time given to {client} ended on {until}, and {client} has not "
    "come to a meeting since. Please agree with the caseworker on what happens next."
)
MORE_TIME_OVER_CASEWORKER = N_(
    "Reminder: the more time you gave {client} ended on {until}, and {client} has not "
    "come to a meeting since. Please agree with the coach on what happens next."
)
# The note the period's end keeps when the client's own wish ended it [issue 12 §1].
STOPPED_IN_CHAT = N_("The client said in the chat (/stop) that they want to stop.")
THREE_PARTY_HELD = N_(
    "The three-party meeting with {client} was held. Other meetings can be booked again. "
    "If the service is to end, record it with /period."
)


# The coach's "cancel these meetings" on the three-party message: `pc:<period id>:cx`.
CANCEL_PREFIX = "pc:"
CANCEL_BOOKED = r"^pc:(\d{1,12}):cx$"


def _ref(period: ServicePeriod) -> str:
    return f"period:{period.id}"


def cancel_booked_buttons(period_id: int) -> list[list[dict[str, str]]]:
    return [[{"text": period_texts.CANCEL_MEETINGS, "data": f"pc:{period_id}:cx"}]]


@dataclass(frozen=True)
class Choice:
    """A no-show alert the caseworker may still decide on, and the days they may pick."""

    alert_id: int
    today: date
    last_day: date


@dataclass(frozen=True)
class Decided:
    """A choice made: what the pressed copy of the alert shows."""

    alert_id: int
    caseworker: str
    until: date | None
    coach_told: bool


def _decidable(
    session: Session,
    alert_id: int,
    person: Person,
    now: datetime,
    kinds: frozenset[AlertKind] = PROCEDURE_KINDS,
) -> tuple[Alert, Person, ServicePeriod] | None:
    """The alert, its client and the client's period (not ended), if `person` may decide:
    the alert is of `kinds` (about no-shows, unless said) and still open (a choice
    acknowledges it, once), and `person` is the client's own caseworker now. Anyone
    else's press is audited and refused."""
    alert = alert_rows.alert(session, alert_id)
    client = session.get(Person, alert.client_id) if alert is not None else None
    found = period_rows.current_period(session, client.id) if client is not None else None  # type: ignore[arg-type]
    if (
        alert is None
        or client is None
        or found is None
        or AlertKind(alert.kind) not in kinds
        or alert.acknowledged_at is not None
        or person.role != Role.CASEWORKER.value
        or not person.active
        or person.id != alert.caseworker_id
        or client.caseworker_id != person.id
    ):
        audit.record(session, "procedure.denied", actor_id=person.id, subject_id=alert_id, at=now)
        return None
    return alert, client, found


def _days(now: datetime, tz: ZoneInfo) -> tuple[date, date]:
    today = now.astimezone(tz).date()
    return today, today + MORE_TIME_MAX


def open_choice(
    session: Session, alert_id: int, person: Person, now: datetime, tz: ZoneInfo
) -> Choice | None:
    """Give more time was pressed: may the calendar be shown? (None: refused, audited)."""
    if _decidable(session, alert_id, person, now) is None:
        return None
    today, last_day = _days(now, tz)
    return Choice(alert_id, today, last_day)


def _tell(
    session: Session,
    recipient: int | None,
    message: str,
    params: dict[str, object],
    key: str,
    now: datetime,
    period: ServicePeriod,
    priority: Priority = Priority.NOTICE,
    buttons: list[list[dict[str, str]]] | None = None,
) -> bool:
    if recipient is None:
        return False
    outbox.schedule(
        session, recipient_id=recipient, kind="procedure", message=message, params=params,
        key=key, due_at=now, priority=priority, object_ref=_ref(period), buttons=buttons,
    )  # fmt: skip
    return True


def _decide(
    session: Session,
    alert_id: int,
    person: Person,
    now: datetime,
    shown: int | None,
    procedure: str,
    until: date | None,
) -> tuple[Alert, Person, ServicePeriod] | None:
    found = _decidable(session, alert_id, person, now)
    if found is None:
        return None
    alert, client, period = found
    period.procedure = procedure
    period.procedure_until = until
    period.procedure_meeting_id = None
    session.add(period)
    # The choice is the acknowledgement: the alert leaves /alerts, no copy keeps a button,
    # and the coach hears the choice instead of a bare "acknowledged".
    acknowledge(session, alert_id, person, now, shown, tell_coach=False)
    detail = procedure if until is None else f"{procedure}:{until.isoformat()}"
    audit.record(session, "procedure.decide", actor_id=person.id, subject_id=period.id,
                 detail=detail, at=now)  # fmt: skip
    return alert, client, period


def give_more_time(
    session: Session,
    *,
    alert_id: int,
    caseworker: Person,
    until: date,
    now: datetime,
    tz: ZoneInfo,
    shown: int | None = None,
) -> Decided | None:
    """More time to find out what happened, until `until` (after today, at most
    MORE_TIME_MAX ahead): the coach is told to contact the client, the client that the
    caseworker gave time; on that day both hear again if the client has not come."""
    today, last_day = _days(now, tz)
    if not today < until <= last_day:
        audit.record(session, "procedure.denied", actor_id=caseworker.id, subject_id=alert_id,
                     detail="until", at=now)  # fmt: skip
        return None
    found = _decide(session, alert_id, caseworker, now, shown, MORE_TIME, until)
    if found is None:
        return None
    alert, client, period = found
    params = {"caseworker": caseworker.display_name, "client": client.display_name,
              "until": on(until)}  # fmt: skip
    key = f"procedure:{alert.id}:{MORE_TIME}"
    coach_told = _tell(
        session, client.coach_id, MORE_TIME_COACH, params, f"{key}:coach", now, period
    )
    _tell(session, client.id, MORE_TIME_CLIENT, {"until": on(until)}, f"{key}:client", now, period)
    return Decided(alert_id, caseworker.display_name, until, coach_told)


def call_three_party(
    session: Session,
    *,
    alert_id: int,
    caseworker: Person,
    now: datetime,
    shown: int | None = None,
) -> Decided | None:
    """A three-party meeting to decide on ending the service: the coach books it (nothing
    else can be booked until it is held; the meetings booked already are offered for
    cancelling), the client hears it will be arranged and what not coming means."""
    found = _decide(session, alert_id, caseworker, now, shown, THREE_PARTY, None)
    if found is None:
        return None
    alert, client, period = found
    assert period.id is not None
    params: dict[str, object] = {
        "caseworker": caseworker.display_name,
        "client": client.display_name,
    }
    key = f"procedure:{alert.id}:{THREE_PARTY}"
    booked = len(booked_meetings(session, period, now))
    if booked:
        coach_told = _tell(
            session, client.coach_id, THREE_PARTY_COACH_BOOKED, {**params, "count": booked},
            f"{key}:coach", now, period, buttons=cancel_booked_buttons(period.id),
        )  # fmt: skip
    else:
        coach_told = _tell(
            session, client.coach_id, THREE_PARTY_COACH, params, f"{key}:coach", now, period
        )
    _tell(session, client.id, THREE_PARTY_CLIENT, {}, f"{key}:client", now, period)
    return Decided(alert_id, caseworker.display_name, None, coach_told)


def booked_meetings(session: Session, period: ServicePeriod, now: datetime) -> list[Meeting]:
    """The client's meetings still to come other than three-party ones: no service is
    given until the three-party meeting is held [002 §3.4.3]."""
    return [
        meeting
        for meeting in period_rows.scheduled_meetings(session, period.client_id, now)
        if meeting.kind != MeetingKind.THREE_PARTY.value
    ]


def cancel_booked(session: Session, *, coach_id: int, period_id: int, now: datetime) -> int | None:
    """The coach's "cancel these meetings" on the three-party message: the client's other
    booked meetings are cancelled, and whoever had seen one is told it is off (as
    bot.periods.actions.end_period cancels). Only the client's own coach, and only while
    the three-party procedure lasts (after it, or on an ended period: None, audited).
    Returns how many were cancelled."""
    mine = period_rows.period_of_coach(session, coach_id, period_id)
    # Locked: two presses (two devices) cancel one after the other, the second nothing.
    period = period_rows.period(session, period_id, lock=True) if mine is not None else None
    if (
        period is None
        or period.status == PeriodStatus.ENDED.value
        or period.procedure != THREE_PARTY
    ):
        audit.record(session, "procedure.denied", actor_id=coach_id, subject_id=period_id,
                     detail="cancel", at=now)  # fmt: skip
        return None
    count = 0
    for meeting in booked_meetings(session, period, now):
        for item in meetings.cancel(session, [meeting]):
            meeting_cancelled(session, meetings.view(session, item), now)
            count += 1
    audit.record(session, "procedure.cancel", actor_id=coach_id, subject_id=period.id,
                 detail=str(count), at=now)  # fmt: skip
    return count


# --- the client wants to stop: the caseworker interrupts the service [issue 12 §1] --------
def open_interruption(session: Session, alert_id: int, person: Person, now: datetime) -> bool:
    """The caseworker pressed "Interrupt the service" (or Back from its question): may
    the question be asked? False: refused, audited."""
    return _decidable(session, alert_id, person, now, STOP_KINDS) is not None


def interrupt(
    session: Session,
    *,
    alert_id: int,
    caseworker: Person,
    now: datetime,
    tz: ZoneInfo,
    shown: int | None = None,
) -> Decided | None:
    """The client confirmed /stop and their caseworker ends the service: the period ends
    today as interrupted by the client (end_period cancels what is booked and tells the
    client, the coach and the caseworker), and the choice acknowledges the alert."""
    found = _decidable(session, alert_id, caseworker, now, STOP_KINDS)
    if found is None:
        return None
    _, client, period = found
    assert period.id is not None
    t = translator(caseworker.language)
    try:
        end_period(
            session, actor_id=caseworker.id, period_id=period.id, reason=EndReason.CLIENT,
            note=t(STOPPED_IN_CHAT), on=now.astimezone(tz).date(), now=now,
        )  # fmt: skip
    except (PeriodError, PeriodRefused) as refused:
        audit.record(session, "procedure.denied", actor_id=caseworker.id, subject_id=alert_id,
                     detail=f"interrupt:{refused}", at=now)  # fmt: skip
        return None
    # The coach hears the end from end_period, not a bare "acknowledged" too.
    acknowledge(session, alert_id, caseworker, now, shown, tell_coach=False)
    audit.record(session, "procedure.interrupt", actor_id=caseworker.id, subject_id=period.id,
                 detail=str(alert_id), at=now)  # fmt: skip
    coach = session.get(Person, client.coach_id) if client.coach_id else None
    told = coach is not None and coach.active
    return Decided(alert_id, caseworker.display_name, None, told)


def _clear(session: Session, period: ServicePeriod, meeting_id: int | None) -> None:
    period.procedure = None
    period.procedure_until = None
    if meeting_id is not None:
        period.procedure_meeting_id = meeting_id
    session.add(period)


def ended_the_period(session: Session, meeting_id: int) -> bool:
    """Whether missing this meeting ended the client's period (the three-party meeting of
    the procedure): then the client is not asked why, and no further alert is raised, since
    everyone was told the service ended."""
    period = session.exec(
        select(ServicePeriod).where(ServicePeriod.procedure_meeting_id == meeting_id)
    ).first()
    return period is not None and period.status == PeriodStatus.ENDED.value


def after_attendance(
    session: Session,
    meeting: Meeting,
    outcome: Outcome | str,
    now: datetime,
    tz: ZoneInfo = HELSINKI,
) -> None:
    """An outcome was recorded (bot.attendance.actions calls this once per outcome).

    A three-party meeting called by the procedure decides it: missed, the period ends as
    interrupted (EndReason.NO_SHOW; end_period cancels what is still booked and tells
    the client, the coach and the caseworker); attended, the procedure is over and the
    coach records what was agreed with /period. Any attended meeting ends "more time"."""
    assert meeting.id is not None
    period = period_rows.current_period(session, meeting.client_id)
    if period is None or period.procedure is None:
        return
    three_party = period.procedure == THREE_PARTY and meeting.kind == MeetingKind.THREE_PARTY.value
    if outcome == Outcome.NO_SHOW and three_party:
        assert period.id is not None
        period.procedure_meeting_id = meeting.id
        session.add(period)
        audit.record(session, "procedure.no_show", subject_id=period.id, detail=str(meeting.id),
                     at=now)  # fmt: skip
        end_period(
            session, actor_id=None, period_id=period.id, reason=EndReason.NO_SHOW, note=None,
            on=meeting.starts_at.astimezone(tz).date(), now=now,
        )  # fmt: skip
        return
    if outcome != Outcome.ATTENDED:
        return
    if three_party:
        _clear(session, period, meeting.id)
        client = session.get(Person, meeting.client_id)
        if client is not None:
            _tell(
                session, meeting.coach_id, THREE_PARTY_HELD, {"client": client.display_name},
                f"procedure:{period.id}:held:{meeting.id}", now, period,
            )  # fmt: skip
        audit.record(session, "procedure.held", subject_id=period.id, detail=str(meeting.id),
                     at=now)  # fmt: skip
    elif period.procedure == MORE_TIME:
        _clear(session, period, None)
        audit.record(session, "procedure.attended", subject_id=period.id,
                     detail=str(meeting.id), at=now)  # fmt: skip


# --- the job: the more time is over ------------------------------------------------------
def more_time_over(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """On the day the more time ends (from REMIND_AT), the coach and the caseworker are
    reminded once, if the client has not come to a meeting since (an attended meeting
    clears the procedure, so a period still in "more_time" has had none). A suspended
    period waits. Returns how many reminders were queued."""
    local = now.astimezone(tz)
    today = local.date() if local.time() >= REMIND_AT else local.date() - timedelta(days=1)
    due = session.exec(
        select(ServicePeriod)
        .where(
            ServicePeriod.procedure == MORE_TIME,
            ServicePeriod.status == PeriodStatus.ACTIVE.value,
            col(ServicePeriod.procedure_until).is_not(None),
            col(ServicePeriod.procedure_until) <= today,
        )
        .order_by(col(ServicePeriod.id))
    ).all()
    count = 0
    for period in due:
        assert period.procedure_until is not None
        key = f"procedure:{period.id}:over:{period.procedure_until.isoformat()}"
        client = session.get(Person, period.client_id)
        if (
            client is None
            or outbox.queued(session, f"{key}:coach")
            or outbox.queued(session, f"{key}:caseworker")
        ):
            continue  # reminded already (the keys name the day)
        params = {"client": client.display_name, "until": on(period.procedure_until)}
        told = _tell(session, client.coach_id, MORE_TIME_OVER, params, f"{key}:coach", now, period)
        told |= _tell(
            session, client.caseworker_id, MORE_TIME_OVER_CASEWORKER, params,
            f"{key}:caseworker", now, period,
        )  # fmt: skip
        if told:
            audit.record(session, "procedure.over", subject_id=period.id, at=now)
            count += 1
    return count


async def procedure_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The JobQueue's run of `more_time_over` (bot.app.JOBS)."""
    services: Services = context.bot_data[SERVICES_KEY]
    if await services.db.run(more_time_over, services.now(), services.settings.tz):
        services.wake_outbox()
