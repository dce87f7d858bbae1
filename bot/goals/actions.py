"""The goals feature's only write path: goals, check-in plans, check-in answers, the end of
a period's evaluation and the client's feedback.

Each action is a function of a Session, run inside one transaction
(`await services.db.run(actions.add_goal, ...)`, then `services.wake_outbox()` when it
queued a message): it applies bot.rules.goals, hands storage.goals plain values (which
checks who is acting: a coach reaches only their own active clients, a client only
themselves), and writes the outbox rows that tell the other person, so a change and its
message commit together or not at all. None (or False) means nothing was changed: the
client or goal is not this person's, or an old button asked for what is no longer so.

The jobs' own writes (rounds, reminders, digests, the end-of-period prompts) stay with
their jobs in checkins.py, digest.py and evaluation.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import outbox
from bot.goals import checkins, texts
from bot.goals import evaluation as review
from bot.rules.goals import (
    AREAS,
    COMMENT_MAX,
    DEFAULT_TIME,
    DEFAULT_WEEKDAY,
    EVIDENCE_MAX,
    FEEDBACK_MAX,
    TEXT_MAX,
    GoalStatus,
    Plan,
    first_day,
    next_occurrence,
    one_line,
)
from messages.render import near, on
from storage import audit, goals
from storage.models import CheckInPlan, Goal, PeriodReview, Person, Priority, Role, ServicePeriod


def ref(goal_id: int | None) -> str:
    """The outbox rows about one goal."""
    return f"goal:{goal_id}"


# --- goals -------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewGoal:
    """A goal as the coach wrote it with the client: in their words, with the criterion
    that shows beyond dispute whether it was reached [seed 001]."""

    client_id: int
    area: str
    text: str
    criterion: str
    target_date: date | None


def add_goal(
    session: Session, coach: Person, new: NewGoal, now: datetime, tz: ZoneInfo
) -> Goal | None:
    """A new open goal of one of the areas of seed 001, with the check-in plan it needs;
    the client is told, and promised the next check-in only when there will be one (a
    period is running)."""
    if new.area not in AREAS:
        return None
    goal = goals.add_goal(
        session, coach, new.client_id, area=new.area, text=one_line(new.text, TEXT_MAX),
        criterion=one_line(new.criterion, TEXT_MAX), target_date=new.target_date, now=now,
        tz=tz,
    )  # fmt: skip
    if goal is None:
        return None
    plan = ensure_plan(session, goal.client_id, now, tz)
    params: dict[str, Any] = {"goal": goal.text, "criterion": goal.criterion}
    asked = goals.checked_in(session, goal.client_id, now.astimezone(tz).date())
    if asked:
        params["next"] = near(next_occurrence(checkins.rule_of(plan), now, tz))
    outbox.schedule(
        session,
        recipient_id=goal.client_id,
        kind="goal_added",
        message=texts.TOLD_CLIENT_ADDED if asked else texts.TOLD_CLIENT_ADDED_LATER,
        params=params,
        key=f"goal:{goal.id}:added",
        due_at=now,
        object_ref=ref(goal.id),
    )
    return goal


def ensure_plan(session: Session, client_id: int, now: datetime, tz: ZoneInfo) -> CheckInPlan:
    """A client with goals is asked weekly; until someone chooses, on Mondays at 10.00
    (DOMAIN.md "Goals and check-ins"), from the next such Monday on."""
    return goals.plan_of(session, client_id) or goals.save_plan(
        session, client_id, weekday=DEFAULT_WEEKDAY, at=DEFAULT_TIME, every_weeks=1,
        anchor=first_day(DEFAULT_WEEKDAY, DEFAULT_TIME, now, tz), now=now,
    )  # fmt: skip


def edit_goal(
    session: Session,
    coach: Person,
    goal_id: int,
    field: str,
    value: str | date | None,
    now: datetime,
) -> Goal | None:
    """The text, the criterion or the target date of an open goal; nobody is told (the
    client sees the goal as it is in /goals and the next check-in)."""
    if field in ("text", "criterion"):
        value = one_line(str(value or ""), TEXT_MAX)
    return goals.edit_goal(session, coach, goal_id, now, **{field: value})


def close_goal(
    session: Session,
    coach: Person,
    goal_id: int,
    status: GoalStatus,
    evidence: str,
    now: datetime,
    *,
    tell_client: bool = True,
) -> Goal | None:
    """Reached / partly / not reached, with the line of evidence that shows it; an old
    button does not rewrite a result (None). From /goals the client is told the result;
    the end-of-period evaluation tells them in the period's summary instead
    (`tell_client=False`), not goal by goal."""
    evidence = one_line(evidence, EVIDENCE_MAX)
    goal = goals.close_goal(session, coach, goal_id, status.value, evidence, now)
    if goal is None or not tell_client:
        return goal
    outbox.schedule(
        session,
        recipient_id=goal.client_id,
        kind="goal_closed",
        message=texts.TOLD_CLIENT_CLOSED,
        params={"goal": goal.text, "status": {"$msg": texts.STATUS_NAMES[status]}},
        key=f"goal:{goal.id}:closed",
        due_at=now,
        object_ref=ref(goal.id),
    )
    return goal


# --- the check-in plan -------------------------------------------------------------------
def set_plan(
    session: Session,
    actor: Person,
    client_id: int,
    *,
    weekday: int,
    at: time,
    every_weeks: int,
    now: datetime,
    tz: ZoneInfo,
    update_id: int,
) -> datetime | None:
    """The client or their coach chooses when the client is asked; the new rhythm starts
    on the next chosen day. Returns the next check-in; a coach's change is told to the
    client (the client's own is not), once per update that made it (`update_id`: the
    same update handled again tells no second time)."""
    rule = Plan(weekday, at, every_weeks, first_day(weekday, at, now, tz))  # raises if invalid
    if goals.client_for(session, actor, client_id) is None:
        return None
    goals.save_plan(
        session, client_id, weekday=weekday, at=at, every_weeks=every_weeks,
        anchor=rule.anchor, now=now, by=actor,
    )  # fmt: skip
    upcoming = next_occurrence(rule, now, tz)
    if actor.role == Role.COACH.value:
        outbox.schedule(
            session,
            recipient_id=client_id,
            kind="checkin_plan",
            message=texts.TOLD_CLIENT_PLAN,
            params={"next": near(upcoming)},
            key=f"checkin-plan:{client_id}:u{update_id}",
            due_at=now,
        )
    return upcoming


# --- check-in answers --------------------------------------------------------------------
@dataclass(frozen=True)
class Answered:
    goal: Goal
    score: int | None
    done: bool
    following: checkins.Question | None  # the round's next question; None when all answered


def answer_checkin(
    session: Session,
    client: Person,
    checkin_id: int,
    goal_id: int,
    value: str,
    now: datetime,
    shown: int | None = None,
) -> Answered | None:
    """The client's tap ('1'..'5' or 'd' for done), in any round of theirs however late;
    a second tap changes the answer. None for a button that is not this client's, or a
    goal closed since the question was sent. The round's other questions from the outbox
    about this goal (the first, the reminder) lose their buttons; `shown`, the message
    tapped, is redrawn by the handler."""
    done = value == "d"
    score = None if done else int(value)
    saved = goals.record_answer(
        session, client, checkin_id, goal_id, score=score, done=done, now=now
    )
    if saved is None:
        return None
    checkin = goals.round_for(session, client, checkin_id)
    assert checkin is not None
    outbox.unbutton(
        session,
        checkins.question_copies(session, checkin_id, goal_id),
        key=f"checkin:{checkin_id}:{goal_id}",
        now=now,
        pressed=(client.id, shown),
    )
    return Answered(saved.goal, score, done, checkins.next_question(session, checkin))


def comment_checkin(
    session: Session, client: Person, checkin_id: int, goal_id: int, text: str, now: datetime
) -> bool:
    """A few words to the client's own answer; False if it is not theirs."""
    saved = goals.record_comment(
        session, client, checkin_id, goal_id, one_line(text, COMMENT_MAX), now
    )
    return saved is not None


# --- the end of a period -----------------------------------------------------------------
def finish_evaluation(
    session: Session, coach: Person, period_id: int, next_steps: str | None, now: datetime
) -> dict[str, Any] | None:
    """Record the count reached and the next steps; the summary goes in writing to the
    client and the caseworker [seed 001]. Final: a second press sends nothing.

    Returns the summary's parameters (as the caseworker reads it: with the warning when
    the job-coaching rule is left unmet), which the coach is shown too."""
    found = review.evaluation(session, coach, period_id)
    if found is None or found.next_goal is not None:
        return None
    row = goals.review_of(session, period_id)
    if row.evaluated_at is not None:
        return None  # another process, an old button: the summary went already
    row.goals_total, row.goals_reached = len(found.goals), found.reached
    if next_steps is not None:
        row.next_steps = one_line(next_steps, FEEDBACK_MAX) or None
    row.evaluated_at, row.evaluated_by = now, coach.id
    session.add(row)
    for goal in found.goals:  # goals set before any period was recorded belong to this one
        if goal.period_id is None:
            goal.period_id = period_id
            session.add(goal)
    audit.record(
        session, "period.evaluate", actor_id=coach.id, subject_id=period_id, at=now,
        detail=f"{found.reached}/{len(found.goals)}",
    )  # fmt: skip
    outbox.unbutton(
        session, review.prompt_copies(session, period_id), key=f"goal-eval:{period_id}", now=now
    )
    report = review.report_params(session, found.period, row)
    # The warning is for the caseworker (and the coach), not a reproach to the client.
    for recipient, params in (
        (found.client.id, {**report, "warning": ""}),
        (found.client.caseworker_id, report),
    ):
        if recipient is None:
            continue
        outbox.schedule(
            session,
            recipient_id=recipient,
            kind="period_report",
            message=review.REPORT,
            params=params,
            key=f"period-report:{period_id}:{recipient}",
            due_at=now,
            priority=Priority.NOTICE,
        )
    return report


def feedback_score(
    session: Session, client: Person, period_id: int, score: int, now: datetime
) -> bool:
    """The client's tap on how useful the coaching was [seed 001: feedback]; if the
    summary went out already, the feedback follows it at once."""
    period = review.client_period(session, client, period_id)
    if period is None or not 1 <= score <= 5:
        return False
    row = goals.review_of(session, period_id)
    row.feedback_score, row.feedback_at = score, now
    session.add(row)
    audit.record(session, "period.feedback", actor_id=client.id, subject_id=period_id, at=now)
    _note_if_reported(session, client, period, row, now, "score")
    return True


def feedback_words(
    session: Session, client: Person, period_id: int, text: str, now: datetime
) -> bool:
    """The few words after the tap (words written after the summary follow in a second
    note); False if the period is not theirs or no tap came first."""
    period = review.client_period(session, client, period_id)
    if period is None:
        return False
    row = goals.review_of(session, period_id)
    if row.feedback_score is None:
        return False
    words = one_line(text, FEEDBACK_MAX)
    if not words:
        return True
    row.feedback_text = words
    session.add(row)
    _note_if_reported(session, client, period, row, now, "text")
    return True


def _note_if_reported(
    session: Session,
    client: Person,
    period: ServicePeriod,
    row: PeriodReview,
    now: datetime,
    part: str,
) -> None:
    """Feedback given after the summary went out goes to the caseworker and the coach."""
    if row.evaluated_at is None:
        return  # the summary will carry it
    end = review.period_end(period)
    for recipient in filter(None, (client.caseworker_id, client.coach_id)):
        outbox.schedule(
            session,
            recipient_id=recipient,
            kind="feedback_note",
            message=review.FEEDBACK_NOTE,
            params={
                "client": client.display_name,
                "end": on(end) if end else "",
                "feedback": review.feedback_value(row),
            },
            key=f"feedback-note:{period.id}:{recipient}:{part}",
            due_at=now,
        )
