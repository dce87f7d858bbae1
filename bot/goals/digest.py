"""The coach's weekly digest: last week's check-ins of all their clients in one message,
with a goal that fell two steps or was not answered marked ⚠.

Queued on the first working day of the week at 08.00 (or as soon as the bot runs that
day); the outbox key is per coach and week, so it goes once however often the job runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot import outbox
from bot.rules.goals import REMIND_AFTER, digest_due, fell
from messages.i18n import N_
from messages.render import lines, on
from storage import goals
from storage.models import CheckIn, Goal, Person, Priority, Role

DIGEST = N_(
    "Check-ins of your clients last week ({start}–{end}):\n\n{clients}\n\n"
    "⚠ = fell two steps or more, or not answered. /progress shows a chart."
)
CLIENT_LINE = N_("👤 {client}")
GOAL_LINE = N_("• {goal}: {answer}")
SCORE = N_("{score}/5")
CHANGE = N_("{previous} → {score}/5")
FELL = N_("{previous} → {score}/5 ⚠ fell {steps} steps")
DONE = N_("✓ done")
NOT_ANSWERED = N_("⚠ not answered")
NOT_YET = N_("no answer yet")  # a round younger than a day is not marked
LATEST = timedelta(hours=10)  # a digest not queued by 18.00 that day waits for next week


def _answer_line(
    goal: Goal,
    answer: goals.HistoryPoint | None,
    previous: goals.HistoryPoint | None,
    fresh: bool,
) -> tuple[str, dict[str, Any]]:
    if answer is None:
        value: tuple[str, dict[str, Any]] = (NOT_YET, {}) if fresh else (NOT_ANSWERED, {})
    elif answer.done:
        value = (DONE, {})
    elif previous is not None and previous.score is not None:
        template = FELL if fell(previous.score, answer.score) else CHANGE
        steps = previous.score - (answer.score or 0)
        value = (template, {"previous": previous.score, "score": answer.score, "steps": steps})
    else:
        value = (SCORE, {"score": answer.score})
    return GOAL_LINE, {"goal": goal.text, "answer": lines(value)}


def client_lines(
    session: Session, client: Person, week_start: datetime, week_end: datetime, now: datetime
) -> list[tuple[str, dict[str, Any]]]:
    """The client's goals in last week's rounds; empty when they had no round that week."""
    assert client.id is not None
    rounds = session.exec(
        select(CheckIn).where(
            CheckIn.client_id == client.id,
            CheckIn.due_at >= week_start,
            CheckIn.due_at < week_end,
        )
    ).all()
    if not rounds:
        return []
    first_due = min(r.due_at for r in rounds)
    fresh = now - max(r.due_at for r in rounds) < REMIND_AFTER
    answers = goals.history(session, client.id)
    out: list[tuple[str, dict[str, Any]]] = [(CLIENT_LINE, {"client": client.display_name})]
    for goal in goals.goals_of(session, client.id):
        points = answers.get(goal.id or 0, [])
        in_week = [p for p in points if week_start <= p.due_at < week_end]
        still_asked = goal.status == "open" or (goal.closed_at or first_due) > first_due
        if not in_week and not (still_asked and goal.created_at <= first_due):
            continue
        latest = in_week[-1] if in_week else None
        before = [p for p in points if p.due_at < (latest.due_at if latest else first_due)]
        out.append(_answer_line(goal, latest, before[-1] if before else None, fresh))
    return out if len(out) > 1 else []


def queue_digests(session: Session, now: datetime, tz: ZoneInfo) -> int:
    found = digest_due(now, tz)
    if found is None:
        return 0
    due, covered = found
    if not due <= now < due + LATEST:
        return 0
    week_start = datetime.combine(covered, datetime.min.time(), tzinfo=tz)
    week_end = week_start + timedelta(weeks=1)
    # Only coaches with a client who had a round that week: one query, not one per coach.
    with_rounds = (
        select(Person.coach_id)
        .join(CheckIn, col(CheckIn.client_id) == Person.id)
        .where(CheckIn.due_at >= week_start, CheckIn.due_at < week_end)
        .distinct()
    )
    coaches = session.exec(
        select(Person).where(
            Person.role == Role.COACH.value, col(Person.active), col(Person.id).in_(with_rounds)
        )
    ).all()
    queued = 0
    for coach in coaches:
        key = f"goal-digest:{coach.id}:{covered.isoformat()}"
        if outbox.queued(session, key):
            continue
        clients = session.exec(
            select(Person)
            .where(
                Person.coach_id == coach.id,
                Person.role == Role.CLIENT.value,
                col(Person.active),
            )
            .order_by(col(Person.display_name))
        ).all()
        items: list[tuple[str, dict[str, Any]]] = []
        for client in clients:
            items.extend(client_lines(session, client, week_start, week_end, now))
        if not items:
            continue
        outbox.schedule(
            session,
            recipient_id=coach.id,  # type: ignore[arg-type]
            kind="goal_digest",
            message=DIGEST,
            params={
                "start": on(covered),
                "end": on(covered + timedelta(days=6)),
                "clients": lines(*items),
            },
            key=key,
            due_at=now,
            priority=Priority.DIGEST,
            quiet=True,
        )
        queued += 1
    return queued
