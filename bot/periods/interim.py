"""The interim evaluation [002 §3.1 a]: in job-search coaching it is due at the latest
after 21 coaching hours (the program's `interim_evaluation_hours`, read from its row).

- The job (`sweep`, every few minutes): when the hours held come near the point
  (bot.rules.periods.interim_state APPROACHING, at 18 h) the coach is reminded once per
  period; once it is DUE and no evaluation is written, the coach is reminded again once per
  working day, from 09.00, until it is. A suspended or ended period is not reminded.
- The coach writes it in chat (handlers/interim.py): progress, a proposal (continue or
  end) and why; `write` stores it and sends it to the client's caseworker with
  "Continue" / "End" buttons.
- The caseworker decides (`decide`): the decision is recorded and the coach told; "End"
  ends the period as interrupted by the purchaser (bot.periods.actions.end_period), which
  cancels what is still booked and tells everyone.

Only the client's own coach writes, only the client's own caseworker decides, once; any
other attempt is audited and refused (None).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from telegram.ext import ContextTypes

from bot import outbox
from bot.periods import actions as lifecycle
from bot.periods.hours import hours_of, show_hours
from bot.periods.programs import PROGRAM_NAMES
from bot.periods.terms import terms_of
from bot.rules.calendar import is_working_day
from bot.rules.periods import EndReason, Interim, interim_state
from bot.services import SERVICES_KEY, Services
from messages.i18n import N_
from messages.render import msg
from storage import audit, bulk, period_hours
from storage.models import (
    InterimEvaluation,
    PeriodStatus,
    Person,
    Priority,
    Role,
    ServicePeriod,
)

INTERVAL = timedelta(minutes=10)
# A due evaluation is reminded on working days from this local time, once a day.
REMIND_AT = time(9, 0)
TEXT_MAX = 1000
log = logging.getLogger(__name__)


class Proposal(enum.StrEnum):
    CONTINUE = "continue"
    END = "end"


PROPOSAL_NAMES = {
    Proposal.CONTINUE: N_("continue the service"),
    Proposal.END: N_("end the service"),
}

APPROACHING = N_(
    "{client} has {hours} coaching hours. The interim evaluation is due at {due} hours at "
    "the latest. Please write it soon: it goes to the caseworker."
)
DUE = N_(
    "{client} has {hours} coaching hours: the interim evaluation is due now ({due} hours at "
    "the latest). Please write it: it goes to the caseworker."
)
WRITE_BUTTON = N_("Write the interim evaluation")
TO_CASEWORKER = N_(
    "Interim evaluation: {client}, {program}, after {hours} coaching hours.\n"
    "Coach: {coach}\n\nProgress: {progress}\n\nThe coach proposes: {proposal}.\n"
    "Why: {reason}\n\nShould the service continue?"
)
CONTINUE_BUTTON = N_("Continue")
END_BUTTON = N_("End")
DECIDED_CONTINUE = N_(
    "The caseworker read the interim evaluation of {client}: the service continues."
)
DECIDED_END = N_(
    "The caseworker read the interim evaluation of {client}: the service ends. "
    "Booked meetings are cancelled and everyone is told."
)


def ref(period_id: int) -> str:
    """The reminders of a period's evaluation share it: writing it withdraws them."""
    return f"interim:{period_id}"


def caseworker_buttons(evaluation_id: int) -> list[list[dict[str, str]]]:
    return [
        [
            {"text": CONTINUE_BUTTON, "data": f"iw:{evaluation_id}:c"},
            {"text": END_BUTTON, "data": f"iw:{evaluation_id}:e"},
        ]
    ]


# --- the job -------------------------------------------------------------------------------
def sweep(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """The job's one transaction (the core the tests run with a passed `now`): the
    reminders that are due now. Returns how many were queued."""
    if not bulk.only_one(session, "periods:interim"):
        return 0
    local = now.astimezone(tz)
    queued = 0
    for period, client in period_hours.awaiting_interim(session):
        assert period.id is not None
        coach = session.get(Person, client.coach_id) if client.coach_id else None
        if coach is None or not coach.active:
            continue
        terms = terms_of(session, period.program_key)
        used = hours_of(session, period, now, tz=tz).coached
        state = interim_state(terms, used)
        if state is None:
            continue
        if state is Interim.APPROACHING:
            key, message = f"interim:{period.id}:approaching", APPROACHING
        elif is_working_day(local.date()) and local.time() >= REMIND_AT:
            key, message = f"interim:{period.id}:due:{local.date().isoformat()}", DUE
        else:
            continue
        if outbox.queued(session, key):
            continue
        outbox.schedule(
            session,
            recipient_id=coach.id,  # type: ignore[arg-type]
            kind="interim-remind",
            message=message,
            params={
                "client": client.display_name,
                "hours": show_hours(used, coach.language),
                "due": show_hours(terms.interim_evaluation_hours or 0, coach.language),
            },
            buttons=[[{"text": WRITE_BUTTON, "data": f"ir:{period.id}:go"}]],
            key=key,
            due_at=now,
            priority=Priority.REMINDER,
            quiet=True,
            object_ref=ref(period.id),
        )
        queued += 1
    return queued


async def run_once(services: Services) -> int:
    done = await services.db.run(sweep, services.now(), services.settings.tz)
    if done:
        services.wake_outbox()
    return done


async def interim_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """bot.app's job: `jobs.Job("interim", interim.interim_job, interim.INTERVAL)`."""
    services: Services = context.bot_data[SERVICES_KEY]
    try:
        await run_once(services)
    except Exception:
        log.exception("interim job failed")


# --- the coach writes it -------------------------------------------------------------------
@dataclass(frozen=True)
class Opening:
    """An interim evaluation the coach may write: whose, and the hours so far."""

    period_id: int
    client_name: str
    used: float
    due: float
    written: bool


def _coach_period(
    session: Session, coach: Person, period_id: int
) -> tuple[ServicePeriod, Person] | None:
    """The period, if it is of the coach's own active client, not ended, in a program
    with an interim evaluation; else None (audited)."""
    period = session.get(ServicePeriod, period_id)
    client = session.get(Person, period.client_id) if period is not None else None
    if (
        period is None
        or client is None
        or coach.role != Role.COACH.value
        or client.coach_id != coach.id
        or not client.active
        or period.status == PeriodStatus.ENDED.value
        or terms_of(session, period.program_key).interim_evaluation_hours is None
    ):
        audit.record(session, "interim.denied", actor_id=coach.id, subject_id=period_id)
        return None
    return period, client


def opening(
    session: Session, coach: Person, period_id: int, now: datetime, tz: ZoneInfo
) -> Opening | None:
    found = _coach_period(session, coach, period_id)
    if found is None:
        return None
    period, client = found
    terms = terms_of(session, period.program_key)
    used = hours_of(session, period, now, tz=tz).coached
    written = period_hours.interim_of(session, period_id) is not None
    audit.record(session, "interim.view", actor_id=coach.id, subject_id=period_id)
    return Opening(
        period_id, client.display_name, used, terms.interim_evaluation_hours or 0.0, written
    )


def open_for_coach(session: Session, coach: Person, now: datetime, tz: ZoneInfo) -> list[Opening]:
    """The coach's clients whose interim evaluation is not written yet (for /interim)."""
    found = []
    for period, client in period_hours.awaiting_interim(session):
        if client.coach_id != coach.id or period.id is None:
            continue
        terms = terms_of(session, period.program_key)
        used = hours_of(session, period, now, tz=tz).coached
        found.append(
            Opening(
                period.id, client.display_name, used, terms.interim_evaluation_hours or 0, False
            )
        )
    audit.record(session, "interim.list", actor_id=coach.id, detail=f"{len(found)}")
    return sorted(found, key=lambda o: o.client_name)


@dataclass(frozen=True)
class Written:
    evaluation: InterimEvaluation
    sent: bool  # False: the client has no caseworker to send it to


def write(
    session: Session,
    coach: Person,
    period_id: int,
    *,
    progress: str,
    proposal: Proposal,
    reason: str,
    now: datetime,
    tz: ZoneInfo,
) -> Written | None:
    """The coach's evaluation, once per period: stored, the reminders withdrawn, and sent
    to the caseworker to decide. None when it is not the coach's to write (or written)."""
    found = _coach_period(session, coach, period_id)
    if found is None or not progress.strip() or not reason.strip():
        return None
    period, client = found
    used = hours_of(session, period, now, tz=tz).coached
    evaluation = InterimEvaluation(
        period_id=period_id,
        hours_at=used,
        progress=progress.strip()[:TEXT_MAX],
        proposal=Proposal(proposal).value,
        reason=reason.strip()[:TEXT_MAX],
        written_by=coach.id,  # type: ignore[arg-type]
        written_at=now,
    )
    try:
        with session.begin_nested():
            session.add(evaluation)
    except IntegrityError:
        return None  # written meanwhile (one a period)
    assert evaluation.id is not None
    audit.record(
        session, "interim.write", actor_id=coach.id, subject_id=period_id, detail=proposal, at=now
    )
    outbox.cancel(session, object_ref=ref(period_id))
    caseworker = session.get(Person, client.caseworker_id) if client.caseworker_id else None
    if caseworker is None or not caseworker.active:
        return Written(evaluation, sent=False)
    outbox.schedule(
        session,
        recipient_id=caseworker.id,  # type: ignore[arg-type]
        kind="interim",
        message=TO_CASEWORKER,
        params=caseworker_params(session, evaluation, caseworker.language),
        buttons=caseworker_buttons(evaluation.id),
        key=f"interim:{evaluation.id}:caseworker",
        due_at=now,
        priority=Priority.NOTICE,
        object_ref=f"interim-evaluation:{evaluation.id}",
    )
    return Written(evaluation, sent=True)


def caseworker_params(
    session: Session, evaluation: InterimEvaluation, language: str
) -> dict[str, Any]:
    """What the caseworker reads: no more than the decision needs."""
    period = session.get(ServicePeriod, evaluation.period_id)
    assert period is not None
    client = session.get(Person, period.client_id)
    coach = session.get(Person, evaluation.written_by)
    assert client is not None and coach is not None
    return {
        "client": client.display_name,
        "program": msg(PROGRAM_NAMES.get(period.program_key, period.program_key)),
        "hours": show_hours(evaluation.hours_at, language),
        "coach": coach.display_name,
        "progress": evaluation.progress,
        "proposal": msg(PROPOSAL_NAMES[Proposal(evaluation.proposal)]),
        "reason": evaluation.reason,
    }


# --- the caseworker decides ----------------------------------------------------------------
def for_caseworker(
    session: Session, caseworker: Person, evaluation_id: int
) -> InterimEvaluation | None:
    """The evaluation, while this caseworker (the client's own) has still to decide on it
    and its period has not ended; else None (audited)."""
    evaluation = session.get(InterimEvaluation, evaluation_id)
    period = session.get(ServicePeriod, evaluation.period_id) if evaluation else None
    client = session.get(Person, period.client_id) if period else None
    if (
        evaluation is None
        or period is None
        or client is None
        or caseworker.role != Role.CASEWORKER.value
        or client.caseworker_id != caseworker.id
        or evaluation.decision is not None
        or period.status == PeriodStatus.ENDED.value
    ):
        audit.record(session, "interim.denied", actor_id=caseworker.id, subject_id=evaluation_id)
        return None
    return evaluation


def decide(
    session: Session,
    caseworker: Person,
    evaluation_id: int,
    decision: Proposal,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> InterimEvaluation | None:
    """The caseworker's decision, once: recorded, the coach told; "end" ends the period
    today as interrupted by the purchaser [002 §3.4.3]."""
    evaluation = for_caseworker(session, caseworker, evaluation_id)
    if evaluation is None:
        return None
    evaluation.decision = Proposal(decision).value
    evaluation.decided_by = caseworker.id
    evaluation.decided_at = now
    session.add(evaluation)
    session.flush()
    audit.record(
        session, "interim.decide", actor_id=caseworker.id, subject_id=evaluation.period_id,
        detail=evaluation.decision, at=now,
    )  # fmt: skip
    period = session.get(ServicePeriod, evaluation.period_id)
    assert period is not None
    client = session.get(Person, period.client_id)
    assert client is not None
    if client.coach_id is not None:
        outbox.schedule(
            session,
            recipient_id=client.coach_id,
            kind="interim-decided",
            message=DECIDED_END if decision is Proposal.END else DECIDED_CONTINUE,
            params={"client": client.display_name},
            key=f"interim:{evaluation_id}:decided",
            due_at=now,
            priority=Priority.NOTICE,
        )
    if decision is Proposal.END:
        lifecycle.end_period(
            session,
            actor_id=caseworker.id,
            period_id=evaluation.period_id,
            reason=EndReason.PURCHASER,
            note=_end_note(evaluation),
            on=now.astimezone(tz).date(),
            now=now,
        )
    return evaluation


def _end_note(evaluation: InterimEvaluation) -> str:
    """The background the final report gives: the coach's reason, as written."""
    return evaluation.reason[:300]
