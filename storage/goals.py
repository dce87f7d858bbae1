"""Goals, check-in plans, rounds and answers: every read and write, each checked against
who is acting. A coach reaches only their own active clients, a client only themselves;
anything else returns None and changes nothing. Views and changes are audited (ids only).

The rules (which areas, how long a text, when a plan starts) are bot.rules.goals', applied
by bot.goals.actions before it calls here: the values given are written as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage import audit, people
from storage.models import (
    CheckIn,
    CheckInAnswer,
    CheckInPlan,
    Goal,
    PeriodReview,
    PeriodStatus,
    Person,
    Role,
    ServicePeriod,
)

# Goal.status of a goal not evaluated yet (bot.rules.goals.GoalStatus.OPEN, the column's
# default); a goal that is not open keeps its result.
OPEN = "open"


def client_for(session: Session, viewer: Person, client_id: int) -> Person | None:
    """The client if `viewer` may see their goals: their coach, or the client themselves."""
    if viewer.role == Role.COACH.value:
        return people.coach_client(session, viewer.id, client_id)
    if viewer.role == Role.CLIENT.value and client_id == viewer.id:
        client = session.get(Person, client_id)
        return client if client is not None and client.active else None
    return None


def goal_for(session: Session, viewer: Person, goal_id: int) -> Goal | None:
    goal = session.get(Goal, goal_id)
    if goal is None or client_for(session, viewer, goal.client_id) is None:
        return None
    return goal


def goals_of(session: Session, client_id: int, *, open_only: bool = False) -> list[Goal]:
    query = select(Goal).where(Goal.client_id == client_id)
    if open_only:
        query = query.where(Goal.status == OPEN)
    return list(session.exec(query.order_by(col(Goal.id))))


# --- goals -------------------------------------------------------------------------------
def add_goal(
    session: Session,
    coach: Person,
    client_id: int,
    *,
    area: str,
    text: str,
    criterion: str,
    target_date: date | None,
    now: datetime,
    tz: ZoneInfo,
) -> Goal | None:
    """A new open goal; a goal without a criterion cannot be followed, so it is refused."""
    client = client_for(session, coach, client_id)
    if client is None or coach.role != Role.COACH.value:
        return None
    if not text or not criterion:
        raise ValueError("a goal needs its text and a criterion")
    period = period_for_new_goal(session, client_id, now.astimezone(tz).date())
    goal = Goal(
        client_id=client_id,
        period_id=period.id if period else None,
        area=area,
        text=text,
        criterion=criterion,
        target_date=target_date,
        created_by=coach.id,
        created_at=now,
        updated_at=now,
    )
    session.add(goal)
    session.flush()
    audit.record(session, "goal.add", actor_id=coach.id, subject_id=goal.id, at=now)
    return goal


def period_for_new_goal(session: Session, client_id: int, today: date) -> ServicePeriod | None:
    """The running period a new goal belongs to: started, not ended, not yet evaluated
    (a goal added after the evaluation waits for the next period's)."""
    evaluated = select(PeriodReview.period_id).where(col(PeriodReview.evaluated_at).is_not(None))
    return session.exec(
        select(ServicePeriod)
        .where(
            ServicePeriod.client_id == client_id,
            ServicePeriod.status != PeriodStatus.ENDED.value,
            ServicePeriod.start_date <= today,
            col(ServicePeriod.id).not_in(evaluated),
        )
        .order_by(col(ServicePeriod.start_date).desc())
    ).first()


def running_period(today: date):  # type: ignore[no-untyped-def]
    """The conditions of a period during which check-ins run: active, started, not past its
    planned end nor ended; one rule for the check-in job and for what a client is told."""
    return and_(
        ServicePeriod.status == PeriodStatus.ACTIVE.value,
        ServicePeriod.start_date <= today,
        or_(col(ServicePeriod.planned_end).is_(None), ServicePeriod.planned_end >= today),
        col(ServicePeriod.ended_on).is_(None),
    )


def checked_in(session: Session, client_id: int, today: date) -> bool:
    """Whether the client has a period during which check-ins run."""
    found = select(ServicePeriod.id).where(
        ServicePeriod.client_id == client_id, running_period(today)
    )
    return session.exec(found).first() is not None


def edit_goal(
    session: Session, coach: Person, goal_id: int, now: datetime, **changes: str | date | None
) -> Goal | None:
    """Change the `text`, the `criterion` (neither empty) or the `target_date` of an open
    goal."""
    goal = goal_for(session, coach, goal_id)
    if goal is None or coach.role != Role.COACH.value or goal.status != OPEN:
        return None
    for field, value in changes.items():
        if field not in ("text", "criterion", "target_date"):
            raise ValueError(f"unknown field {field}")
        if field != "target_date" and not value:
            raise ValueError("the text and the criterion cannot be empty")
        setattr(goal, field, value)
    goal.updated_at = now
    session.add(goal)
    audit.record(
        session, "goal.edit", actor_id=coach.id, subject_id=goal.id, detail=",".join(changes),
        at=now,
    )  # fmt: skip
    return goal


def close_goal(
    session: Session, coach: Person, goal_id: int, status: str, evidence: str, now: datetime
) -> Goal | None:
    """Reached / partly / not reached, with the evidence that shows it."""
    goal = goal_for(session, coach, goal_id)
    if (
        goal is None
        or coach.role != Role.COACH.value
        or status == OPEN
        or goal.status != OPEN  # an old button must not rewrite a result
    ):
        return None
    if not evidence:
        raise ValueError("closing a goal needs a line of evidence")
    goal.status, goal.evidence = status, evidence
    goal.closed_at, goal.closed_by, goal.updated_at = now, coach.id, now
    session.add(goal)
    audit.record(
        session, "goal.close", actor_id=coach.id, subject_id=goal.id, detail=status, at=now
    )
    return goal


# --- the check-in plan -------------------------------------------------------------------
def plan_of(session: Session, client_id: int) -> CheckInPlan | None:
    return session.get(CheckInPlan, client_id)


def save_plan(
    session: Session,
    client_id: int,
    *,
    weekday: int,
    at: time,
    every_weeks: int,
    anchor: date,
    now: datetime,
    by: Person | None = None,
) -> CheckInPlan:
    """The client's check-in plan as given (made if they had none): asked on `weekday` at
    `at`, every one or two weeks from the week of `anchor`. `by`: who chose it (audited);
    None for the plan a client's first goal brings."""
    plan = plan_of(session, client_id) or CheckInPlan(client_id=client_id, anchor=anchor)
    plan.weekday, plan.at_time, plan.every_weeks = weekday, at.strftime("%H:%M"), every_weeks
    plan.anchor, plan.updated_at, plan.updated_by = anchor, now, by.id if by else None
    session.add(plan)
    if by is not None:
        audit.record(session, "checkin.plan", actor_id=by.id, subject_id=client_id, at=now)
    return plan


def plan_time(at_time: str) -> time:
    """A plan's stored local time of day, "HH:MM"."""
    hour, minute = (int(part) for part in at_time.split(":"))
    return time(hour, minute)


# --- rounds and answers ------------------------------------------------------------------
def open_round(session: Session, client_id: int, due_at: datetime) -> tuple[CheckIn, bool]:
    """The round for this scheduled instant; (row, True) when it was created now."""
    found = session.exec(
        select(CheckIn).where(CheckIn.client_id == client_id, CheckIn.due_at == due_at)
    ).first()
    if found is not None:
        return found, False
    row = CheckIn(client_id=client_id, due_at=due_at, created_at=due_at)
    try:
        with session.begin_nested():  # another bot process opening the same round wins
            session.add(row)
    except IntegrityError:
        return session.exec(
            select(CheckIn).where(CheckIn.client_id == client_id, CheckIn.due_at == due_at)
        ).one(), False
    return row, True


def round_for(session: Session, client: Person, checkin_id: int) -> CheckIn | None:
    found = session.get(CheckIn, checkin_id)
    if found is None or found.client_id != client.id or client.role != Role.CLIENT.value:
        return None
    return found


def answers_in(session: Session, checkin_id: int) -> dict[int, CheckInAnswer]:
    rows = session.exec(select(CheckInAnswer).where(CheckInAnswer.checkin_id == checkin_id))
    return {row.goal_id: row for row in rows}


def askable(session: Session, checkin: CheckIn) -> list[Goal]:
    """The goals this round asks about: those open, plus any already answered in it."""
    answered = answers_in(session, checkin.id or 0)
    return [
        goal
        for goal in goals_of(session, checkin.client_id)
        if goal.status == OPEN or goal.id in answered
    ]


def unanswered(session: Session, checkin: CheckIn) -> list[Goal]:
    answered = answers_in(session, checkin.id or 0)
    return [
        goal
        for goal in goals_of(session, checkin.client_id, open_only=True)
        if goal.id not in answered
    ]


@dataclass(frozen=True)
class Answered:
    goal: Goal
    answer: CheckInAnswer


def record_answer(
    session: Session,
    client: Person,
    checkin_id: int,
    goal_id: int,
    *,
    score: int | None,
    done: bool,
    now: datetime,
) -> Answered | None:
    """The client's tap; a second tap on the same question changes the answer."""
    checkin = round_for(session, client, checkin_id)
    goal = session.get(Goal, goal_id)
    if checkin is None or goal is None or goal.client_id != client.id:
        return None
    if done == (score is not None) or (score is not None and not 1 <= score <= 5):
        return None
    answer = answers_in(session, checkin_id).get(goal_id)
    if answer is None:
        if goal.status != OPEN:
            return None  # closed since the question was sent
        answer = CheckInAnswer(checkin_id=checkin_id, goal_id=goal_id)
    answer.score, answer.done, answer.answered_at = score, done, now
    session.add(answer)
    session.flush()
    audit.record(session, "checkin.answer", actor_id=client.id, subject_id=goal_id, at=now)
    return Answered(goal, answer)


def record_comment(
    session: Session, client: Person, checkin_id: int, goal_id: int, comment: str, now: datetime
) -> CheckInAnswer | None:
    if round_for(session, client, checkin_id) is None:
        return None
    answer = answers_in(session, checkin_id).get(goal_id)
    if answer is None:
        return None
    answer.comment = comment or None
    session.add(answer)
    return answer


@dataclass(frozen=True)
class HistoryPoint:
    due_at: datetime
    answered_at: datetime
    score: int | None
    done: bool
    comment: str | None


def history(session: Session, client_id: int) -> dict[int, list[HistoryPoint]]:
    """Every answer per goal, in the order of the rounds they belong to."""
    rows = session.exec(
        select(CheckInAnswer, CheckIn)
        .join(CheckIn, col(CheckIn.id) == CheckInAnswer.checkin_id)
        .where(CheckIn.client_id == client_id)
        .order_by(col(CheckIn.due_at), col(CheckInAnswer.id))
    ).all()
    out: dict[int, list[HistoryPoint]] = {}
    for answer, checkin in rows:
        out.setdefault(answer.goal_id, []).append(
            HistoryPoint(
                checkin.due_at, answer.answered_at, answer.score, answer.done, answer.comment
            )
        )
    return out


# --- the end of a period -----------------------------------------------------------------
def review_of(session: Session, period_id: int) -> PeriodReview:
    """The period's review row, locked for this transaction (PostgreSQL: FOR UPDATE), so the
    coach's evaluation and the client's feedback never miss each other."""
    review = session.get(PeriodReview, period_id, with_for_update=True, populate_existing=True)
    if review is not None:
        return review
    try:
        with session.begin_nested():  # another process may create it at the same moment
            session.add(PeriodReview(period_id=period_id))
    except IntegrityError:
        pass
    review = session.get(PeriodReview, period_id, with_for_update=True, populate_existing=True)
    assert review is not None
    return review


def period_for_coach(session: Session, coach: Person, period_id: int) -> ServicePeriod | None:
    period = session.get(ServicePeriod, period_id)
    if period is None or client_for(session, coach, period.client_id) is None:
        return None
    return period if coach.role == Role.COACH.value else None


def period_goals(session: Session, period: ServicePeriod) -> list[Goal]:
    """The goals of a period; goals set before any period was recorded count with it too."""
    return list(
        session.exec(
            select(Goal)
            .where(
                Goal.client_id == period.client_id,
                (Goal.period_id == period.id) | col(Goal.period_id).is_(None),
            )
            .order_by(col(Goal.id))
        )
    )


@dataclass(frozen=True)
class Overview:
    """What /goals shows: the client, their goals with history, and the check-in plan."""

    client: Person
    goals: list[Goal]
    history: dict[int, list[HistoryPoint]]
    plan: CheckInPlan | None
    period: ServicePeriod | None
    evaluate_period_id: int | None  # a period prompted for evaluation and not yet evaluated


def overview(session: Session, viewer: Person, client_id: int) -> Overview | None:
    """The client's goals for a viewer who may see them (audited); None for anyone else."""
    client = client_for(session, viewer, client_id)
    if client is None:
        audit.record(session, "goals.denied", actor_id=viewer.id, subject_id=client_id)
        return None
    audit.record(session, "goals.view", actor_id=viewer.id, subject_id=client_id)
    return Overview(
        client,
        goals_of(session, client_id),
        history(session, client_id),
        session.get(CheckInPlan, client_id),
        people.current_period(session, client_id),
        awaiting_evaluation(session, client_id) if viewer.role == Role.COACH.value else None,
    )


def awaiting_evaluation(session: Session, client_id: int) -> int | None:
    """The client's period whose end was prompted but whose goals are not evaluated yet."""
    return session.exec(
        select(ServicePeriod.id)
        .join(PeriodReview, col(PeriodReview.period_id) == ServicePeriod.id)
        .where(
            ServicePeriod.client_id == client_id,
            col(PeriodReview.prompted_end).is_not(None),
            col(PeriodReview.evaluated_at).is_(None),
        )
        .order_by(col(ServicePeriod.start_date).desc())
    ).first()
