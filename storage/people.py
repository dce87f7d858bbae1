"""People, their links to each other and their service periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage import audit
from storage.models import (
    Alert,
    AuditEntry,
    Meeting,
    MeetingStatus,
    Person,
    Program,
    Role,
    ServicePeriod,
    utcnow,
)
from storage.periods import current_period

NAME_MAX = 120


class PeopleError(ValueError):
    """A request that breaks a rule about people; the message is for the admin's terminal."""


@dataclass(frozen=True)
class ClientSummary:
    """What a coach or caseworker may see of one of their clients."""

    id: int
    display_name: str
    program_key: str | None
    start_date: date | None
    planned_end: date | None
    linked: bool


def _require_role(session: Session, person_id: int | None, role: Role, what: str) -> None:
    if person_id is None:
        return
    other = session.get(Person, person_id)
    if other is None or other.role != role.value or not other.active:
        raise PeopleError(f"{what} {person_id} is not an active {role.value}")


def clean_name(name: str) -> str:
    """One space between words; refused when empty or too long."""
    name = " ".join(name.split())
    if not name:
        raise PeopleError("a name is needed")
    if len(name) > NAME_MAX:
        raise PeopleError(f"the name is longer than {NAME_MAX} characters")
    return name


def add_person(
    session: Session,
    *,
    role: Role,
    name: str,
    language: str,
    coach_id: int | None = None,
    caseworker_id: int | None = None,
    actor_id: int | None = None,
) -> Person:
    name = clean_name(name)
    if role is not Role.CLIENT and (coach_id or caseworker_id):
        raise PeopleError("only a client has a coach and a caseworker")
    _require_role(session, coach_id, Role.COACH, "coach")
    _require_role(session, caseworker_id, Role.CASEWORKER, "caseworker")
    person = Person(
        role=role.value,
        display_name=name,
        language=language,
        coach_id=coach_id,
        caseworker_id=caseworker_id,
    )
    session.add(person)
    session.flush()
    audit.record(session, "person.add", actor_id=actor_id, subject_id=person.id, detail=role.value)
    return person


def add_period(
    session: Session,
    *,
    client_id: int,
    program_key: str,
    start: date,
    planned_end: date | None = None,
    actor_id: int | None = None,
) -> ServicePeriod:
    client = session.get(Person, client_id)
    if client is None or client.role != Role.CLIENT.value:
        raise PeopleError(f"person {client_id} is not a client")
    if session.get(Program, program_key) is None:
        known = ", ".join(p.key for p in session.exec(select(Program)))
        raise PeopleError(f"unknown program {program_key!r}; known programs: {known}")
    if planned_end is not None and planned_end < start:
        raise PeopleError("the planned end is before the start")
    period = ServicePeriod(
        client_id=client_id, program_key=program_key, start_date=start, planned_end=planned_end
    )
    session.add(period)
    session.flush()
    audit.record(session, "period.add", actor_id=actor_id, subject_id=client_id, detail=program_key)
    return period


def list_people(session: Session, role: Role | None = None) -> list[Person]:
    query = select(Person).order_by(col(Person.id))
    if role is not None:
        query = query.where(Person.role == role.value)
    return list(session.exec(query))


def by_telegram_id(session: Session, telegram_user_id: int) -> Person | None:
    return session.exec(
        select(Person).where(Person.telegram_user_id == telegram_user_id, col(Person.active))
    ).first()


def mark_reachable(session: Session, person_id: int) -> None:
    """They wrote to the bot, so Telegram will deliver to them again."""
    person = session.get(Person, person_id)
    if person is not None and person.unreachable_since is not None:
        person.unreachable_since = None
        audit.record(session, "person.reachable", subject_id=person_id)


def set_language(session: Session, person_id: int, language: str) -> None:
    person = session.get(Person, person_id)
    if person is None:
        raise PeopleError(f"no person {person_id}")
    person.language = language
    audit.record(
        session, "person.language", actor_id=person_id, subject_id=person_id, detail=language
    )


def clients_of(session: Session, viewer: Person) -> list[ClientSummary]:
    """A coach's or caseworker's own active clients, the provider admin's all active
    clients (the admin runs the contracts: `/period`); a client sees nobody."""
    query = select(Person).where(Person.role == Role.CLIENT.value, col(Person.active))
    if viewer.role == Role.COACH.value:
        query = query.where(Person.coach_id == viewer.id)
    elif viewer.role == Role.CASEWORKER.value:
        query = query.where(Person.caseworker_id == viewer.id)
    elif viewer.role != Role.ADMIN.value or not viewer.active:
        return []
    clients = session.exec(query.order_by(col(Person.display_name))).all()
    summaries = []
    for client in clients:
        assert client.id is not None
        period = current_period(session, client.id)
        summaries.append(
            ClientSummary(
                id=client.id,
                display_name=client.display_name,
                program_key=period.program_key if period else None,
                start_date=period.start_date if period else None,
                planned_end=period.planned_end if period else None,
                linked=client.telegram_user_id is not None,
            )
        )
    audit.record(session, "clients.view", actor_id=viewer.id, detail=f"{len(summaries)} clients")
    return summaries


def coach_client(session: Session, coach_id: int | None, client_id: int) -> Person | None:
    """The client, if still an active client of this coach; None for anyone else."""
    client = session.get(Person, client_id)
    if (
        client is None
        or client.role != Role.CLIENT.value
        or client.coach_id != coach_id
        or not client.active
    ):
        return None
    return client


def contacts_of(session: Session, client: Person) -> tuple[Person | None, Person | None]:
    """The client's coach and caseworker (either may be missing)."""
    coach = session.get(Person, client.coach_id) if client.coach_id else None
    caseworker = session.get(Person, client.caseworker_id) if client.caseworker_id else None
    return coach, caseworker


# --- people management: edit, deactivate, reactivate (their rules are in bot.people) ---


def person(session: Session, person_id: int) -> Person:
    """The person, active or not; PeopleError when there is no such id."""
    found = session.get(Person, person_id)
    if found is None:
        raise PeopleError(f"no person {person_id}")
    return found


def active_of_role(session: Session, person_id: int, role: Role, what: str) -> Person:
    """An active person of this role (a new coach, caseworker or successor), else PeopleError."""
    _require_role(session, person_id, role, what)
    return person(session, person_id)


def active_clients(session: Session, worker: Person) -> list[Person]:
    """A coach's or caseworker's active clients, by name: the work that must go to someone."""
    if worker.role == Role.COACH.value:
        link = Person.coach_id
    elif worker.role == Role.CASEWORKER.value:
        link = Person.caseworker_id
    else:
        return []
    return list(
        session.exec(
            select(Person)
            .where(link == worker.id, Person.role == Role.CLIENT.value, col(Person.active))
            .order_by(col(Person.display_name), col(Person.id))
        )
    )


def future_meetings(
    session: Session, client_id: int, now: datetime, *, coach_id: int | None = None
) -> list[Meeting]:
    """The client's scheduled meetings that have not started (only `coach_id`'s if given);
    a meeting under way or past stays as it was: it is history."""
    query = select(Meeting).where(
        Meeting.client_id == client_id,
        Meeting.status == MeetingStatus.SCHEDULED.value,
        col(Meeting.starts_at) > now,
    )
    if coach_id is not None:
        query = query.where(Meeting.coach_id == coach_id)
    return list(session.exec(query.order_by(col(Meeting.starts_at), col(Meeting.id))))


def move_meetings(session: Session, meetings: list[Meeting], coach_id: int) -> None:
    """The meetings are the new coach's now: their agenda, attendance and answers follow."""
    for meeting in meetings:
        meeting.coach_id = coach_id
        meeting.updated_at = utcnow()
        session.add(meeting)
        audit.record(session, "meeting.coach", subject_id=meeting.id, detail=str(coach_id))
    session.flush()


def hand_over_alerts(
    session: Session,
    client_ids: list[int],
    *,
    coach_id: int | None = None,
    caseworker_id: int | None = None,
) -> int:
    """The clients' unacknowledged alerts go to their new coach or caseworker, who can
    acknowledge them (the admins still see every open alert). Returns the count."""
    if not client_ids or (coach_id is None and caseworker_id is None):
        return 0
    values = {"coach_id": coach_id} if coach_id is not None else {"caseworker_id": caseworker_id}
    result = session.execute(
        update(Alert)
        .where(col(Alert.client_id).in_(client_ids), col(Alert.acknowledged_at).is_(None))
        .values(**values)
    )
    return int(result.rowcount or 0)


def set_active(session: Session, target: Person, active: bool) -> None:
    """A deactivated person is a stranger to the bot (by_telegram_id) and gets nothing
    (the outbox dispatcher cancels what is queued for them); the row and its history stay,
    and so does the Telegram link, so reactivating needs no new invite."""
    target.active = active
    session.add(target)
    session.flush()


def changes_so_far(session: Session, action: str, subject_id: int) -> int:
    """How many times this change was made to this person: a deterministic part of the
    outbox keys of the next one (a coach changed A → B → A → B tells twice)."""
    return int(
        session.exec(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.subject_id == subject_id)
        ).one()
    )


@dataclass(frozen=True)
class PersonCard:
    """What the admin sees of one person before changing them."""

    person: Person
    coach: Person | None
    caseworker: Person | None
    clients: int  # a coach's or caseworker's active clients


def card(session: Session, viewer_id: int | None, person_id: int) -> PersonCard | None:
    """One person for the admin's /people (None: no such id); the look is audited."""
    found = session.get(Person, person_id)
    if found is None:
        return None
    coach, caseworker = contacts_of(session, found)
    audit.record(session, "person.view", actor_id=viewer_id, subject_id=person_id)
    return PersonCard(found, coach, caseworker, len(active_clients(session, found)))


def others_of_role(session: Session, role: Role, *, besides: list[int | None]) -> list[Person]:
    """The active people of a role but these, by name: who may take over or coach."""
    return [
        other
        for other in session.exec(
            select(Person)
            .where(Person.role == role.value, col(Person.active))
            .order_by(col(Person.display_name), col(Person.id))
        )
        if other.id not in besides
    ]
