"""One-time invites and the record of wrong /start codes: rows only.

The rules (how a code is made and hashed, when it expires, how long a guesser waits)
are applied by bot.onboarding, which hands this module digests and instants.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from storage import outbox
from storage.models import Invite, Person, StartAttempt


def add(
    session: Session,
    person_id: int,
    *,
    code_hash: str,
    created_at: datetime,
    expires_at: datetime,
) -> Invite:
    """Store an invite for an active person; LookupError if there is none."""
    person = session.get(Person, person_id)
    if person is None or not person.active:
        raise LookupError(f"no active person {person_id}")
    invite = Invite(
        person_id=person_id, code_hash=code_hash, created_at=created_at, expires_at=expires_at
    )
    session.add(invite)
    return invite


def by_hash(session: Session, code_hash: str) -> Invite | None:
    return session.exec(select(Invite).where(Invite.code_hash == code_hash)).first()


def attempts(session: Session, who: str, *, since: datetime) -> list[datetime]:
    """When this account (a digest) sent wrong codes; older records are deleted first."""
    session.exec(delete(StartAttempt).where(col(StartAttempt.at) < since))
    return list(session.exec(select(StartAttempt.at).where(StartAttempt.who == who)))


def add_attempt(session: Session, who: str, at: datetime) -> None:
    session.add(StartAttempt(who=who, at=at))


def invited(session: Session, invite: Invite) -> Person | None:
    """The active person the invite is for."""
    person = session.get(Person, invite.person_id)
    return person if person is not None and person.active else None


def holder(session: Session, telegram_user_id: int) -> Person | None:
    """Whoever this Telegram account is linked to, active or not."""
    return session.exec(select(Person).where(Person.telegram_user_id == telegram_user_id)).first()


def claim(session: Session, invite: Invite, at: datetime) -> bool:
    """Mark the invite used in one conditional UPDATE: of two simultaneous claims one wins."""
    claimed = session.execute(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
        .values(used_at=at)
    )
    return bool(claimed.rowcount == 1)


def link(session: Session, person: Person, telegram_user_id: int, at: datetime) -> None:
    """Link the account to the person; what waited for them to join is due now."""
    assert person.id is not None
    person.telegram_user_id = telegram_user_id
    person.linked_at = at
    session.add(person)
    session.flush()
    outbox.bring_forward_for(session, person.id, at)
