"""The demo data set of the offline console: one of each role and two clients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from bot.onboarding import actions as onboarding
from messages.formatting import HELSINKI
from storage import people
from storage.models import MeetingKind, Role


@dataclass(frozen=True)
class DemoPerson:
    person_id: int
    role: Role
    name: str
    language: str
    telegram_user_id: int
    invite_code: str


DEMO_PEOPLE = (
    (Role.ADMIN, "Aino Ylläpito", "fi"),
    (Role.COACH, "Kaisa Koutsi", "fi"),
    (Role.CASEWORKER, "Ville Virkailija", "fi"),
    (Role.CLIENT, "Matti Meikäläinen", "fi"),
    (Role.CLIENT, "Sara Svensson", "sv"),
)


def create_demo(session: Session, *, today: date, now: datetime) -> list[DemoPerson]:
    """Add the demo people with service periods and a fresh invite each."""
    created = []
    coach_id = caseworker_id = None
    programs = iter(("job-search", "work-activity"))
    for index, (role, name, language) in enumerate(DEMO_PEOPLE):
        person = people.add_person(
            session,
            role=role,
            name=name,
            language=language,
            coach_id=coach_id if role is Role.CLIENT else None,
            caseworker_id=caseworker_id if role is Role.CLIENT else None,
        )
        assert person.id is not None
        if role is Role.COACH:
            coach_id = person.id
        elif role is Role.CASEWORKER:
            caseworker_id = person.id
        elif role is Role.CLIENT:
            people.add_period(
                session,
                client_id=person.id,
                program_key=next(programs),
                start=today - timedelta(days=14),
                planned_end=today + timedelta(days=150),
            )
        code = onboarding.create_invite(session, person.id, now=now, days=7)
        created.append(DemoPerson(person.id, role, name, language, 900_001 + index, code))
    _demo_meetings(session, created, today=today, now=now)
    _demo_goals(session, created, today=today, now=now)
    return created


def _demo_goals(session: Session, created: list[DemoPerson], *, today: date, now: datetime) -> None:
    """Goals with three weeks of check-in answers, so /goals and /progress have something
    to show; written as history (no messages, rounds already reminded)."""
    from bot.goals import actions as goal_actions
    from storage import goals
    from storage.models import CheckInAnswer, Goal

    demo = {
        "Matti Meikäläinen": [
            ("documents", "Päivitän CV:n ja haen töitä", "5 hakemusta lähetetty", (3, 4, 2)),
            ("interview", "Harjoittelen työhaastattelua", "2 harjoitushaastattelua", (2, 3, 4)),
        ],
        "Sara Svensson": [
            ("working_life", "Jag kommer i tid", "4 av 4 arbetsdagar i tid", (3, 5, None)),
        ],
    }
    monday = today - timedelta(days=today.weekday())
    for person in created:
        for area, text, criterion, scores in demo.get(person.name, []):
            goal = Goal(
                client_id=person.person_id, area=area, text=text, criterion=criterion,
                created_at=now - timedelta(weeks=4), updated_at=now,
            )  # fmt: skip
            session.add(goal)
            session.flush()
            for weeks_ago, score in zip((3, 2, 1), scores, strict=True):
                due = datetime.combine(
                    monday - timedelta(weeks=weeks_ago), time(10, 0), tzinfo=HELSINKI
                )
                checkin, _ = goals.open_round(session, person.person_id, due)
                checkin.reminded_at = due
                session.add(checkin)
                session.add(
                    CheckInAnswer(
                        checkin_id=checkin.id, goal_id=goal.id, score=score,
                        done=score is None, answered_at=due,
                    )
                )  # fmt: skip
            goal_actions.ensure_plan(session, person.person_id, now, HELSINKI)


def _demo_meetings(
    session: Session, created: list[DemoPerson], *, today: date, now: datetime
) -> None:
    """Two meetings for the first client, on the next two working days at 10.00."""
    from bot.meetings.notices import booked
    from bot.rules.calendar import next_working_day
    from storage import meetings

    coach = next(p for p in created if p.role is Role.COACH)
    client = next(p for p in created if p.role is Role.CLIENT)
    first = next_working_day(today)
    days = [first, next_working_day(first)]
    made = meetings.book(
        session,
        coach_id=coach.person_id,
        client_id=client.person_id,
        kind=MeetingKind.INDIVIDUAL,
        starts=[datetime.combine(day, time(10, 0), tzinfo=HELSINKI) for day in days],
        duration=timedelta(hours=1),
        place="Kauppakatu 1, Kuopio",
    )
    for meeting in made:
        booked(session, meetings.view(session, meeting), now, HELSINKI)
