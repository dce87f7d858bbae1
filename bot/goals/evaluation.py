"""The end of a period: the coach evaluates every goal, the client gives feedback, and a
summary (the final report's goal part) goes in writing to the client and the caseworker.
Here: the prompts (a job), where an evaluation stands, and the summary's text; the
evaluation and the feedback are written by bot.goals.actions.

Seed 001: at the end of job coaching the client has reached at least two goals or results
and/or concrete next steps are set; feedback is delivered in writing to the client and the
caseworker. The prompts are queued on the period's last working day at 09.00. How many
goals are asked for is the program's `min_goals_reached` (its contract), not a constant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from bot import outbox
from bot.goals.texts import STATUS_NAMES
from bot.periods.programs import PROGRAM_NAMES
from bot.rules.calendar import next_working_day
from bot.rules.goals import (
    EVALUATION_TIME,
    GoalStatus,
    counts_as_reached,
    evaluation_due,
    needs_next_steps,
)
from bot.rules.periods import contract
from messages.i18n import N_
from messages.render import lines, msg, on
from storage import audit, goals
from storage.models import (
    Goal,
    OutboxMessage,
    OutboxStatus,
    PeriodReview,
    PeriodStatus,
    Person,
    Priority,
    Program,
    Role,
    ServicePeriod,
)

EVALUATE = N_(
    "{client}'s period ends on {end}. Please evaluate the goals: {total} in all, {open} still open."
)
EVALUATE_BUTTON = N_("Evaluate the goals")
EVALUATE_REMIND = N_(
    "Reminder: {client}: the goals of the period that ended on {end} are not evaluated yet. "
    "The summary goes to the client and the caseworker when they are."
)
ASK_FEEDBACK = N_(
    "Your coaching period ends on {end}. How useful was the coaching for you? "
    "1 = not at all, 5 = very useful."
)
REPORT = N_(
    "Summary of the coaching period\n{client} · {program} · {start}–{end}\n\n"
    "Goals reached: {reached}/{total}\n{goals}\n\nNext steps: {next_steps}\n"
    "Client's feedback: {feedback}{warning}"
)
REPORT_GOAL = N_("• {goal} ({criterion}): {status}. {evidence}")
REPORT_OPEN_GOAL = N_("• {goal} ({criterion}): not evaluated")
FEEDBACK = N_("{score}/5 {text}")
NO_FEEDBACK = N_("not given yet")
NO_NEXT_STEPS = N_("none recorded")
WARNING = N_(
    "\n\n⚠ Fewer than two goals were reached and no next steps were recorded. "
    "A job-coaching period should end with at least two goals or results reached, "
    "or concrete next steps."
)
FEEDBACK_NOTE = N_("Feedback from {client} on the coaching period ending {end}: {feedback}")
LOOKBACK = timedelta(days=30)  # periods that ended longer ago are not prompted any more


def period_end(period: ServicePeriod):  # type: ignore[no-untyped-def]
    return period.ended_on or period.planned_end


def min_reached(session: Session, program_key: str) -> int | None:
    """The goals or results a period of the program should end with reached (its
    contract's `min_goals_reached`: 2 for job coaching [001]); None: no such rule. Read
    from the program row as bot.periods.terms does (the features stand alone)."""
    program = session.get(Program, program_key)
    if program is None:
        return None
    return contract(program.model_dump(), strict=False).min_goals_reached


def queue_period_ends(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """The coach's evaluation prompt and the client's feedback question, once per end date.

    The review row remembers the end date it prompted for, so the minute's query only sees
    periods still waiting, and a period extended afterwards is prompted again at its new
    end. A suspended period waits; an ended one uses the day it really ended."""
    today = now.astimezone(tz).date()
    lo, hi = today - LOOKBACK, today + timedelta(days=7)
    waiting = session.exec(
        select(ServicePeriod, PeriodReview)
        .outerjoin(PeriodReview, col(PeriodReview.period_id) == ServicePeriod.id)
        .where(
            or_(
                col(ServicePeriod.planned_end).between(lo, hi),
                col(ServicePeriod.ended_on).between(lo, hi),
            ),
            ServicePeriod.status != PeriodStatus.SUSPENDED.value,
            or_(
                col(PeriodReview.prompted_end).is_(None),
                PeriodReview.prompted_end
                != func.coalesce(ServicePeriod.ended_on, ServicePeriod.planned_end),
            ),
        )
    ).all()
    queued = 0
    for period, found_review in waiting:
        end = period_end(period)
        assert period.id is not None
        if end is None or not lo <= end <= hi or evaluation_due(end, tz) > now:
            continue
        if found_review is not None and found_review.prompted_end == end:
            continue
        client = session.get(Person, period.client_id)
        if client is None or client.role != Role.CLIENT.value:
            continue
        review = goals.review_of(session, period.id)
        period_goals = goals.period_goals(session, period)
        if client.coach_id and review.evaluated_at is None:
            outbox.schedule(
                session,
                recipient_id=client.coach_id,
                kind="goal_evaluation",
                message=EVALUATE,
                params={
                    "client": client.display_name,
                    "end": on(end),
                    "total": len(period_goals),
                    "open": sum(g.status == GoalStatus.OPEN.value for g in period_goals),
                },
                buttons=[[{"text": EVALUATE_BUTTON, "data": f"ev:{period.id}:go"}]],
                key=f"goal-eval:{period.id}:{end.isoformat()}",
                due_at=now,
                priority=Priority.REMINDER,
                quiet=True,
            )
            queued += 1
        if client.active and review.feedback_at is None:
            outbox.schedule(
                session,
                recipient_id=client.id,  # type: ignore[arg-type]
                kind="feedback",
                message=ASK_FEEDBACK,
                params={"end": on(end)},
                buttons=[[{"text": str(n), "data": f"fb:{period.id}:{n}"} for n in range(1, 6)]],
                key=f"feedback:{period.id}:{end.isoformat()}",
                due_at=now,
                priority=Priority.REMINDER,
                quiet=True,
            )
            queued += 1
        review.prompted_end = end
        session.add(review)
    return queued


def queue_evaluation_reminders(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """A prompt left unanswered is reminded once, two working days later at 09.00."""
    today = now.astimezone(tz).date()
    waiting = session.exec(
        select(ServicePeriod, PeriodReview)
        .join(PeriodReview, col(PeriodReview.period_id) == ServicePeriod.id)
        .where(
            col(PeriodReview.prompted_end).between(today - LOOKBACK, today),
            col(PeriodReview.evaluated_at).is_(None),
            # Extended since the prompt: the new end brings its own prompt.
            PeriodReview.prompted_end
            == func.coalesce(ServicePeriod.ended_on, ServicePeriod.planned_end),
            ServicePeriod.status != PeriodStatus.SUSPENDED.value,
        )
    ).all()
    queued = 0
    for period, review in waiting:
        end = review.prompted_end
        assert end is not None and period.id is not None
        prompted = evaluation_due(end, tz).date()
        remind_on = next_working_day(next_working_day(prompted))
        if now < datetime.combine(remind_on, EVALUATION_TIME, tzinfo=tz):
            continue
        client = session.get(Person, period.client_id)
        if client is None or client.coach_id is None:
            continue
        key = f"goal-eval-remind:{period.id}:{end.isoformat()}"
        if outbox.queued(session, key):
            continue
        outbox.schedule(
            session,
            recipient_id=client.coach_id,
            kind="goal_evaluation",
            message=EVALUATE_REMIND,
            params={"client": client.display_name, "end": on(end)},
            buttons=[[{"text": EVALUATE_BUTTON, "data": f"ev:{period.id}:go"}]],
            key=key,
            due_at=now,
            priority=Priority.REMINDER,
            quiet=True,
        )
        queued += 1
    return queued


# --- the coach's evaluation --------------------------------------------------------------
@dataclass(frozen=True)
class Evaluation:
    """Where the coach is: the next open goal, or all done (reached of total)."""

    period: ServicePeriod
    client: Person
    goals: list[Goal]
    next_goal: Goal | None
    evaluated: bool  # the count is recorded and the summary sent: the evaluation is final
    min_reached: int | None = None  # the contract's min_goals_reached (None: no such rule)

    @property
    def reached(self) -> int:
        return sum(counts_as_reached(g.status) for g in self.goals)


def evaluation(session: Session, coach: Person, period_id: int) -> Evaluation | None:
    period = goals.period_for_coach(session, coach, period_id)
    if period is None:
        return None
    client = session.get(Person, period.client_id)
    assert client is not None
    found = goals.period_goals(session, period)
    waiting = [g for g in found if g.status == GoalStatus.OPEN.value]
    review = session.get(PeriodReview, period_id)
    evaluated = review is not None and review.evaluated_at is not None
    audit.record(session, "period.evaluation.view", actor_id=coach.id, subject_id=period_id)
    return Evaluation(
        period,
        client,
        found,
        waiting[0] if waiting else None,
        evaluated,
        min_reached(session, period.program_key),
    )


def report_params(session: Session, period: ServicePeriod, review: PeriodReview) -> dict[str, Any]:
    client = session.get(Person, period.client_id)
    assert client is not None
    items = []
    period_goals = goals.period_goals(session, period)
    for goal in period_goals:
        if goal.status == GoalStatus.OPEN.value:
            items.append((REPORT_OPEN_GOAL, {"goal": goal.text, "criterion": goal.criterion}))
        else:
            items.append(
                (
                    REPORT_GOAL,
                    {
                        "goal": goal.text,
                        "criterion": goal.criterion,
                        "status": msg(STATUS_NAMES[GoalStatus(goal.status)]),
                        "evidence": goal.evidence or "",
                    },
                )
            )
    reached = sum(counts_as_reached(g.status) for g in period_goals)
    unmet = needs_next_steps(min_reached(session, period.program_key), reached, review.next_steps)
    end = period_end(period)
    return {
        "client": client.display_name,
        "program": msg(PROGRAM_NAMES.get(period.program_key, period.program_key)),
        "start": on(period.start_date),
        "end": on(end) if end else "",
        "reached": reached,
        "total": len(period_goals),
        "goals": lines(*items),
        "next_steps": review.next_steps or msg(NO_NEXT_STEPS),
        "feedback": feedback_value(review),
        "warning": msg(WARNING) if unmet else "",
    }


def feedback_value(review: PeriodReview) -> dict[str, Any]:
    if review.feedback_score is None:
        return msg(NO_FEEDBACK)
    return lines((FEEDBACK, {"score": review.feedback_score, "text": review.feedback_text or ""}))


# --- the client's feedback ---------------------------------------------------------------
def client_period(session: Session, client: Person, period_id: int) -> ServicePeriod | None:
    period = session.get(ServicePeriod, period_id)
    if period is None or period.client_id != client.id or client.role != Role.CLIENT.value:
        return None
    return period


def prompt_copies(session: Session, period_id: int) -> list[tuple[int, int]]:
    """The period's "Evaluate the goals" prompts and reminders that reached the coach:
    (recipient id, Telegram message id)."""
    rows = session.exec(
        select(OutboxMessage.recipient_id, OutboxMessage.telegram_message_id).where(
            OutboxMessage.kind == "goal_evaluation",
            or_(
                col(OutboxMessage.idempotency_key).startswith(f"goal-eval:{period_id}:"),
                col(OutboxMessage.idempotency_key).startswith(f"goal-eval-remind:{period_id}:"),
            ),
            OutboxMessage.status == OutboxStatus.SENT.value,
            col(OutboxMessage.telegram_message_id).is_not(None),
        )
    )
    return [(recipient, message_id) for recipient, message_id in rows if message_id is not None]
