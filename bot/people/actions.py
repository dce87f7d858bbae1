"""People management's only write path: edit a person, change a client's coach or
caseworker, deactivate (handing the work to a successor) and reactivate.

Each function runs in the caller's one transaction with `now` passed in: the rule, the
rows, the outbox rows that tell people and the audit line commit together. A request that
breaks a rule raises `storage.people.PeopleError` (its message is for the admin) and
nothing is written. The CLI and the admin's chat buttons call the same functions.

What a deactivated person meets [issue 12 §7]: nothing and nobody. The bot treats them as
a stranger (storage.people.by_telegram_id), the outbox dispatcher cancels what is queued
for them ("recipient inactive"), a leaving client's coming meetings are cancelled and a
leaving coach's or caseworker's clients go to the successor the admin names. A coach
change keeps the client's history (past meetings, attendance, goals and check-ins stay
as they are); only the coming meetings move to the new coach. A caseworker change hands
over what waits for the caseworker's decision (the coach's pending period requests, an
interim evaluation not decided): the new caseworker gets each again with its buttons,
and the old caseworker's copies lose theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot import outbox
from bot.meetings import actions as meeting_actions
from bot.meetings.notices import ref as meeting_ref
from bot.people import texts
from bot.periods.handover import hand_over_decisions
from bot.settings import LANGUAGES
from messages.render import msg
from storage import audit, people
from storage.models import (
    Meeting,
    Person,
    Priority,
    Role,
)
from storage.people import PeopleError


@dataclass(frozen=True)
class Outcome:
    """What one request changed, for the admin's answer."""

    person_id: int
    role: str
    changed: tuple[str, ...] = ()
    clients_moved: int = 0
    meetings_moved: int = 0
    meetings_cancelled: int = 0
    told: int = 0  # outbox rows written
    # After a reactivation: a client's links that are missing or inactive ("coach").
    missing: tuple[str, ...] = ()


def _tell(
    session: Session, recipient: Person | None, message: str, params: dict, key: str, now: datetime
) -> int:
    """One notice to an active person; an inactive or missing one is told nothing."""
    if recipient is None or recipient.id is None or not recipient.active:
        return 0
    outbox.schedule(
        session,
        recipient_id=recipient.id,
        kind="people",
        message=message,
        params=params,
        key=key,
        due_at=now,
        priority=Priority.NOTICE,
        object_ref=f"person:{recipient.id}",
    )
    return 1


def _name_or_nobody(person: Person | None) -> str | dict[str, str]:
    return person.display_name if person is not None else msg(texts.NOBODY)


def _client_list(clients: list[Person]) -> str:
    return "\n".join(f"• {client.display_name}" for client in clients)


def _rename_in_queued(session: Session, meetings: list[Meeting], coach: Person) -> None:
    """Cards and reminders still waiting name the new coach ("With: ..."): their other
    parameters, keys and buttons stay, so the client's answers on them still count."""
    for meeting in meetings:
        for row in outbox.open_rows(session, object_ref=meeting_ref(meeting)):
            if row.recipient_id == meeting.client_id and "coach" in row.params:
                row.params = {**row.params, "coach": coach.display_name}
                session.add(row)


@dataclass(frozen=True)
class _Moved:
    meetings: int
    told: int
    key: str  # the change's outbox keys start so


def _change_coach(
    session: Session,
    client: Person,
    new: Person,
    *,
    now: datetime,
    actor_id: int | None,
    tell_old: bool,
) -> _Moved:
    """The client's coach is `new` from now on: the coming meetings with the old coach
    move, open alerts follow, and the client (and the old coach, if `tell_old`) is told.
    The new coach is told by the caller (one message for a whole handover)."""
    assert client.id is not None and new.id is not None
    old = session.get(Person, client.coach_id) if client.coach_id else None
    number = people.changes_so_far(session, "person.coach", client.id)
    client.coach_id = new.id
    session.add(client)
    coming = people.future_meetings(session, client.id, now, coach_id=old.id if old else None)
    people.move_meetings(session, coming, new.id)
    _rename_in_queued(session, coming, new)
    people.hand_over_alerts(session, [client.id], coach_id=new.id)
    audit.record(
        session,
        "person.coach",
        actor_id=actor_id,
        subject_id=client.id,
        detail=f"{old.id if old else '-'}->{new.id}; {len(coming)} meetings",
    )
    key = f"people:{client.id}:coach{number}"
    told = _tell(
        session, client, texts.CLIENT_NEW_COACH, {"coach": new.display_name}, f"{key}:client", now
    )
    if tell_old and old is not None and old.id != new.id:
        params = {"client": client.display_name, "coach": new.display_name}
        told += _tell(session, old, texts.OLD_COACH_CLIENT_MOVED, params, f"{key}:old", now)
    return _Moved(len(coming), told, key)


def _change_caseworker(
    session: Session, client: Person, new: Person, *, now: datetime, actor_id: int | None
) -> tuple[Person | None, int]:
    """The client's caseworker is `new`; open alerts follow, and what waits for the
    caseworker's decision is sent to `new`. Returns the old one and the rows written."""
    assert client.id is not None and new.id is not None
    old = session.get(Person, client.caseworker_id) if client.caseworker_id else None
    number = people.changes_so_far(session, "person.caseworker", client.id)
    client.caseworker_id = new.id
    session.add(client)
    people.hand_over_alerts(session, [client.id], caseworker_id=new.id)
    told = hand_over_decisions(session, client, new, number, now)
    audit.record(
        session,
        "person.caseworker",
        actor_id=actor_id,
        subject_id=client.id,
        detail=f"{old.id if old else '-'}->{new.id}",
    )
    return old, told


def edit(
    session: Session,
    person_id: int,
    *,
    now: datetime,
    name: str | None = None,
    language: str | None = None,
    coach_id: int | None = None,
    caseworker_id: int | None = None,
    actor_id: int | None = None,
) -> Outcome:
    """Change a person's name or language, or a client's coach or caseworker (an active
    person of that role). Unchanged values are no change: nobody is told twice."""
    person = people.person(session, person_id)
    assert person.id is not None
    if language is not None and language not in LANGUAGES:
        raise PeopleError(f"language must be one of {', '.join(LANGUAGES)}")
    if (coach_id is not None or caseworker_id is not None) and person.role != Role.CLIENT.value:
        raise PeopleError("only a client has a coach and a caseworker")
    new_coach = (
        people.active_of_role(session, coach_id, Role.COACH, "coach")
        if coach_id is not None
        else None
    )
    new_caseworker = (
        people.active_of_role(session, caseworker_id, Role.CASEWORKER, "caseworker")
        if caseworker_id is not None
        else None
    )
    changed: list[str] = []
    if name is not None:
        cleaned = people.clean_name(name)
        if cleaned != person.display_name:
            person.display_name = cleaned
            changed.append("name")
    if language is not None and language != person.language:
        person.language = language
        changed.append("language")
    if changed:
        session.add(person)
        audit.record(
            session,
            "person.edit",
            actor_id=actor_id,
            subject_id=person.id,
            detail=",".join(changed),
        )
    moved, told = 0, 0
    if new_coach is not None and new_coach.id != person.coach_id:
        assert new_coach.id is not None
        old_coach = session.get(Person, person.coach_id) if person.coach_id else None
        result = _change_coach(
            session, person, new_coach, now=now, actor_id=actor_id, tell_old=True
        )
        params = {"old": _name_or_nobody(old_coach), "clients": _client_list([person])}
        told += result.told + _tell(
            session, new_coach, texts.NEW_COACH_CLIENTS, params, f"{result.key}:new", now
        )
        moved = result.meetings
        changed.append("coach")
    if new_caseworker is not None and new_caseworker.id != person.caseworker_id:
        number = people.changes_so_far(session, "person.caseworker", person.id)
        old_caseworker = session.get(Person, person.caseworker_id) if person.caseworker_id else None
        params = {"old": _name_or_nobody(old_caseworker), "clients": _client_list([person])}
        # Told first: the requests and evaluations handed over follow this notice.
        told += _tell(
            session,
            new_caseworker,
            texts.NEW_CASEWORKER_CLIENTS,
            params,
            f"people:{person.id}:caseworker{number}:new",
            now,
        )
        _, handed = _change_caseworker(session, person, new_caseworker, now=now, actor_id=actor_id)
        told += handed
        changed.append("caseworker")
    session.flush()
    return Outcome(person.id, person.role, tuple(changed), meetings_moved=moved, told=told)


def _hand_over(
    session: Session,
    leaving: Person,
    successor: Person,
    clients: list[Person],
    *,
    now: datetime,
    actor_id: int | None,
    number: int,
) -> tuple[int, int]:
    """A leaving coach's or caseworker's active clients go to the successor, who is told
    which clients they got. Returns (meetings moved, rows written)."""
    moved = 0
    message = (
        texts.NEW_COACH_CLIENTS
        if leaving.role == Role.COACH.value
        else texts.NEW_CASEWORKER_CLIENTS
    )
    params = {"old": leaving.display_name, "clients": _client_list(clients)}
    key = f"people:{leaving.id}:deactivate{number}:to:{successor.id}"
    # Told first: what is handed over (a caseworker's pending decisions) follows this notice.
    told = _tell(session, successor, message, params, key, now)
    for client in clients:
        if leaving.role == Role.COACH.value:
            result = _change_coach(
                session, client, successor, now=now, actor_id=actor_id, tell_old=False
            )
            moved += result.meetings
            told += result.told
        else:
            _, handed = _change_caseworker(session, client, successor, now=now, actor_id=actor_id)
            told += handed
    return moved, told


def _cancel_coming(session: Session, client: Person, now: datetime) -> int:
    """A leaving client's coming meetings are cancelled the way a coach cancels one
    (bot.meetings.actions.cancel): pending cards and reminders withdrawn, a caseworker
    who saw a three-party meeting told."""
    assert client.id is not None
    count = 0
    for meeting in people.future_meetings(session, client.id, now):
        coach = session.get(Person, meeting.coach_id)
        if coach is None or meeting.id is None:
            continue
        count += meeting_actions.cancel(session, coach, meeting.id, series=False, now=now)
    return count


def deactivate(
    session: Session,
    person_id: int,
    *,
    now: datetime,
    successor_id: int | None = None,
    actor_id: int | None = None,
) -> Outcome:
    """The person is out of the service: they get nothing and can do nothing.

    A coach or caseworker with active clients needs a successor of the same role (active,
    not themselves), who gets the clients (and, for a coach, their coming meetings); each
    client is told who their new coach is. A client's coming meetings are cancelled and
    their coach is told."""
    person = people.person(session, person_id)
    assert person.id is not None
    if not person.active:
        raise PeopleError(f"person {person_id} is already inactive")
    if actor_id is not None and actor_id == person.id:
        raise PeopleError("you cannot deactivate yourself")
    clients = people.active_clients(session, person)
    successor: Person | None = None
    if successor_id is not None:
        if person.role not in (Role.COACH.value, Role.CASEWORKER.value):
            raise PeopleError("only a coach's or a caseworker's work goes to a successor")
        if successor_id == person.id:
            raise PeopleError("the successor must be someone else")
        successor = people.active_of_role(session, successor_id, Role(person.role), "successor")
    if clients and successor is None:
        raise PeopleError(
            f"{person.role} {person.id} has {len(clients)} active clients: "
            f"name an active {person.role} to take them over (--to ID)"
        )
    number = people.changes_so_far(session, "person.deactivate", person.id)
    moved = cancelled = told = 0
    if successor is not None and clients:
        moved, told = _hand_over(
            session, person, successor, clients, now=now, actor_id=actor_id, number=number
        )
    if person.role == Role.CLIENT.value:
        cancelled = _cancel_coming(session, person, now)
        coach = session.get(Person, person.coach_id) if person.coach_id else None
        params = {"client": person.display_name, "count": cancelled}
        told += _tell(
            session,
            coach,
            texts.COACH_CLIENT_LEFT,
            params,
            f"people:{person.id}:deactivate{number}:coach",
            now,
        )
    people.set_active(session, person, False)
    audit.record(
        session,
        "person.deactivate",
        actor_id=actor_id,
        subject_id=person.id,
        detail=f"to {successor.id}" if successor is not None else None,
    )
    return Outcome(
        person.id,
        person.role,
        ("active",),
        clients_moved=len(clients) if successor is not None else 0,
        meetings_moved=moved,
        meetings_cancelled=cancelled,
        told=told,
    )


def reactivate(
    session: Session, person_id: int, *, now: datetime, actor_id: int | None = None
) -> Outcome:
    """Back in the service with the same Telegram link (no new invite needed). What was
    cancelled while they were away stays cancelled; a client's coach and caseworker are
    as they were (`edit` gives new ones if those have left)."""
    person = people.person(session, person_id)
    assert person.id is not None
    if person.active:
        raise PeopleError(f"person {person_id} is already active")
    people.set_active(session, person, True)
    audit.record(session, "person.reactivate", actor_id=actor_id, subject_id=person.id)
    return Outcome(person.id, person.role, ("active",), missing=_missing_contacts(session, person))


def _missing_contacts(session: Session, person: Person) -> tuple[str, ...]:
    """For a client: which of their coach and caseworker is missing or no longer active
    (the admin is told after a reactivation, so the client is not left with nobody)."""
    if person.role != Role.CLIENT.value:
        return ()
    missing = []
    for role, other_id in (("coach", person.coach_id), ("caseworker", person.caseworker_id)):
        other = session.get(Person, other_id) if other_id else None
        if other is None or not other.active:
            missing.append(role)
    return tuple(missing)
