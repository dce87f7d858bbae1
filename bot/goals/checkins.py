"""Check-ins: on the client's chosen day and time the bot asks about each open goal, one
question at a time; an unanswered round is reminded once; late answers still count.

Everything here is a function of a Session and `now`, run in the caller's transaction, so
a round and its first message commit together: a restart loses nothing and sends nothing
twice (outbox keys are per round). The questions are built once, here, for both the
outbox (the first question, the reminder) and the handler (the questions that follow).
The client's answers are written by bot.goals.actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot import outbox
from bot.rules.goals import REMIND_AFTER, GoalStatus, Plan, latest_occurrence
from messages.i18n import N_
from messages.render import lines
from storage import bulk, goals
from storage.models import (
    CheckIn,
    CheckInPlan,
    Goal,
    OutboxMessage,
    OutboxStatus,
    Person,
    Priority,
    Role,
    ServicePeriod,
)

QUESTION = N_(
    "🎯 Goal {n}/{total}: {goal}\nReached when: {criterion}\n\n"
    "How is it going? 1 = not at all, 5 = very well, ✓ = done."
)
START = N_("Check-in time! I ask about your goals one at a time.\n\n{question}")
REMIND = N_("Reminder: you have not told yet how your goals are going.\n\n{question}")
DONE_BUTTON = N_("✓ Done")
SKIP_BUTTON = N_("Skip ▶")
# A check-in missed by a longer outage than this is not sent late; the next one comes.
CATCH_UP = timedelta(hours=12)
# At most this many rounds are opened in one transaction.
BATCH = 200
# A new round needs this much room after the one before (a time changed on the day).
MIN_GAP = timedelta(days=3)
# Rounds older than this are not reminded any more (a week has a new round anyway).
REMIND_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Question:
    """One question as the outbox stores it: a catalog id, its parameters and buttons."""

    message: str
    params: dict[str, Any]
    buttons: list[list[dict[str, str]]]


def question(checkin_id: int, goal: Goal, n: int, total: int) -> Question:
    prefix = f"ci:{checkin_id}:{goal.id}"
    return Question(
        QUESTION,
        {"n": n, "total": total, "goal": goal.text, "criterion": goal.criterion},
        [
            [{"text": str(score), "data": f"{prefix}:{score}"} for score in range(1, 6)],
            [{"text": DONE_BUTTON, "data": f"{prefix}:d"}],
        ],
    )


def next_question(session: Session, checkin: CheckIn) -> Question | None:
    """The first goal of the round not answered yet, numbered among the round's goals."""
    assert checkin.id is not None
    asked = goals.askable(session, checkin)
    waiting = goals.unanswered(session, checkin)
    if not waiting:
        return None
    goal = waiting[0]
    return question(checkin.id, goal, asked.index(goal) + 1, len(asked))


def wrapped(template: str, inner: Question) -> Question:
    """The first question of a round, or its reminder: a line before the question."""
    return Question(template, {"question": lines((inner.message, inner.params))}, inner.buttons)


def rule_of(plan: CheckInPlan) -> Plan:
    """A stored plan as the rule reads it."""
    return Plan(plan.weekday, goals.plan_time(plan.at_time), plan.every_weeks, plan.anchor)


def ref(client_id: int) -> str:
    return f"checkin:{client_id}"


def queue_rounds(session: Session, now: datetime, tz: ZoneInfo, limit: int = BATCH) -> int:
    """Open the round that is due for clients with open goals; returns how many (at most
    `limit`, so one transaction stays short; the job runs again while a batch is full).
    The rounds and their first questions go in two multi-row inserts.

    Due instants are computed in Python from the plans; a few queries then find the rounds
    already open, the clients with open goals and a running period, so a minute's run costs
    the same few queries however many clients there are.
    """
    plans = session.exec(
        select(
            CheckInPlan.client_id,
            CheckInPlan.weekday,
            CheckInPlan.at_time,
            CheckInPlan.every_weeks,
            CheckInPlan.anchor,
            CheckInPlan.updated_at,
        )
        .join(Person, col(Person.id) == CheckInPlan.client_id)
        .where(col(Person.active), Person.role == Role.CLIENT.value)
    ).all()
    due: dict[int, datetime] = {}
    for client_id, weekday, at_time, every_weeks, anchor, updated_at in plans:
        plan = Plan(weekday, goals.plan_time(at_time), every_weeks, anchor)
        instant = latest_occurrence(plan, now, tz)
        # Not for an instant before the plan was chosen, nor long past (a restart after
        # a long outage does not ask last week's questions).
        if instant is not None and instant >= updated_at and now - instant <= CATCH_UP:
            due[client_id] = instant
    if not due:
        return 0
    # A round in the last few days (e.g. the time was changed on the day) is enough.
    recent: dict[int, list[datetime]] = {}
    for client_id, due_at in session.exec(
        select(CheckIn.client_id, CheckIn.due_at).where(
            col(CheckIn.client_id).in_(due), CheckIn.due_at > now - CATCH_UP - MIN_GAP
        )
    ):
        recent.setdefault(client_id, []).append(due_at)
    waiting = {
        client_id: instant
        for client_id, instant in due.items()
        if not any(instant - MIN_GAP < seen <= instant for seen in recent.get(client_id, []))
    }
    if not waiting:
        return 0
    today = now.astimezone(tz).date()
    running = set(
        session.exec(
            select(ServicePeriod.client_id).where(
                col(ServicePeriod.client_id).in_(waiting), goals.running_period(today)
            )
        ).all()
    )
    with_goals = set(
        session.exec(
            select(Goal.client_id)
            .where(col(Goal.client_id).in_(running), Goal.status == GoalStatus.OPEN.value)
            .distinct()
        ).all()
    )
    batch = [(c, instant) for c, instant in waiting.items() if c in with_goals][:limit]
    open_goals: dict[int, list[Goal]] = {}
    for goal in session.exec(
        select(Goal)
        .where(
            col(Goal.client_id).in_([c for c, _ in batch]),
            Goal.status == GoalStatus.OPEN.value,
        )
        .order_by(col(Goal.id))
    ):
        open_goals.setdefault(goal.client_id, []).append(goal)
    opened = bulk.insert_new(
        session,
        CheckIn,
        [{"client_id": c, "due_at": instant, "created_at": instant} for c, instant in batch],
        ("client_id", "due_at"),
        returning=(CheckIn.id, CheckIn.client_id, CheckIn.due_at),
    )
    questions = []
    for checkin_id, client_id, instant in opened:
        asked = open_goals[client_id]
        ask = wrapped(START, question(checkin_id, asked[0], 1, len(asked)))
        row = OutboxMessage(
            recipient_id=client_id,
            kind="checkin",
            message=ask.message,
            params=ask.params,
            buttons=ask.buttons,
            idempotency_key=f"checkin:{checkin_id}:ask",
            due_at=instant,
            priority=int(Priority.REMINDER),
            quiet=True,
            object_ref=ref(client_id),
            created_at=now,
        )
        questions.append(row.model_dump(exclude={"id"}))
    bulk.insert_new(session, OutboxMessage, questions, ("idempotency_key",))
    return len(opened)


def queue_reminders(session: Session, now: datetime) -> int:
    """Remind once, a day later, about a round with unanswered goals (if no newer round)."""
    due = session.exec(
        select(CheckIn)
        .join(Person, col(Person.id) == CheckIn.client_id)
        .where(
            col(Person.active),
            col(CheckIn.reminded_at).is_(None),
            CheckIn.due_at <= now - REMIND_AFTER,
            CheckIn.due_at > now - REMIND_WINDOW,
        )
    ).all()
    sent = 0
    for checkin in due:
        checkin.reminded_at = now
        session.add(checkin)
        newer = session.exec(
            select(CheckIn.id).where(
                CheckIn.client_id == checkin.client_id, CheckIn.due_at > checkin.due_at
            )
        ).first()
        following = None if newer is not None else next_question(session, checkin)
        if following is None:
            continue
        remind = wrapped(REMIND, following)
        outbox.schedule(
            session,
            recipient_id=checkin.client_id,
            kind="checkin",
            message=remind.message,
            params=remind.params,
            buttons=remind.buttons,
            key=f"checkin:{checkin.id}:remind",
            due_at=now,
            priority=Priority.REMINDER,
            quiet=True,
            object_ref=ref(checkin.client_id),
        )
        sent += 1
    return sent


def answered_goal(session: Session, client: Person, checkin_id: int, goal_id: int) -> Goal | None:
    """The goal, if this client has answered it in this round (words may follow)."""
    if goals.round_for(session, client, checkin_id) is None:
        return None
    if goal_id not in goals.answers_in(session, checkin_id):
        return None
    return session.get(Goal, goal_id)


def question_copies(session: Session, checkin_id: int, goal_id: int) -> list[tuple[int, int]]:
    """The round's questions from the outbox (its first, its reminder) that asked about
    this goal and reached the client: (recipient id, Telegram message id)."""
    asking = f"ci:{checkin_id}:{goal_id}:"
    rows = session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.idempotency_key).in_(
                [f"checkin:{checkin_id}:ask", f"checkin:{checkin_id}:remind"]
            ),
            OutboxMessage.status == OutboxStatus.SENT.value,
            col(OutboxMessage.telegram_message_id).is_not(None),
        )
    )
    return [
        (row.recipient_id, row.telegram_message_id)
        for row in rows
        if row.telegram_message_id is not None
        and any(str(b.get("data", "")).startswith(asking) for r in row.buttons or [] for b in r)
    ]
