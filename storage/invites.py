"""One-time invites: creating them and redeeming a code from /start."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from bot.rules.invites import (
    CODE_BYTES,
    FAILURE_WINDOW,
    InviteState,
    hash_code,
    invite_state,
    looks_like_code,
    retry_wait,
)
from storage import audit, outbox
from storage.models import Invite, Person, StartAttempt


class RedeemOutcome(enum.StrEnum):
    LINKED = "linked"
    ALREADY_LINKED = "already_linked"  # this account already is this person: nothing changes
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    ACCOUNT_TAKEN = "account_taken"  # this Telegram account belongs to another person
    SLOWED = "slowed"


@dataclass(frozen=True)
class RedeemResult:
    outcome: RedeemOutcome
    person: Person | None = None
    wait: timedelta = timedelta(0)


def create_invite(
    session: Session, person_id: int, *, now: datetime, days: int, actor_id: int | None = None
) -> str:
    """Store a new invite for the person and return its code (shown once, never stored)."""
    person = session.get(Person, person_id)
    if person is None or not person.active:
        raise LookupError(f"no active person {person_id}")
    code = secrets.token_urlsafe(CODE_BYTES)
    session.add(
        Invite(
            person_id=person_id,
            code_hash=hash_code(code),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    audit.record(session, "invite.create", actor_id=actor_id, subject_id=person_id, at=now)
    return code


def _who(telegram_user_id: int) -> str:
    # The throttle needs to recognise an account, not to know it: keep a digest only.
    return hash_code(f"start-attempt:{telegram_user_id}")


def _fail(session: Session, who: str, now: datetime, outcome: RedeemOutcome) -> RedeemResult:
    session.add(StartAttempt(who=who, at=now))
    audit.record(session, "invite.reject", detail=outcome.value, at=now)
    return RedeemResult(outcome)


def redeem(session: Session, code: str, telegram_user_id: int, *, now: datetime) -> RedeemResult:
    """Link the Telegram account to the invite's person, once, if the code is good."""
    who = _who(telegram_user_id)
    session.exec(delete(StartAttempt).where(col(StartAttempt.at) < now - FAILURE_WINDOW))
    failures = session.exec(select(StartAttempt.at).where(StartAttempt.who == who)).all()
    wait = retry_wait(list(failures), now)
    if wait > timedelta(0):
        return RedeemResult(RedeemOutcome.SLOWED, wait=wait)

    invite = (
        session.exec(select(Invite).where(Invite.code_hash == hash_code(code))).first()
        if looks_like_code(code)
        else None
    )
    if invite is None:
        return _fail(session, who, now, RedeemOutcome.UNKNOWN)
    state = invite_state(invite.expires_at, invite.used_at, now)
    if state is InviteState.USED:
        return _fail(session, who, now, RedeemOutcome.USED)
    if state is InviteState.EXPIRED:
        return _fail(session, who, now, RedeemOutcome.EXPIRED)

    person = session.get(Person, invite.person_id)
    if person is None or not person.active:
        return _fail(session, who, now, RedeemOutcome.UNKNOWN)
    holder = session.exec(select(Person).where(Person.telegram_user_id == telegram_user_id)).first()
    if holder is not None and holder.id != person.id:
        audit.record(session, "invite.account_taken", subject_id=person.id, at=now)
        return RedeemResult(RedeemOutcome.ACCOUNT_TAKEN)

    # Claim the invite atomically: of two simultaneous /start calls only one wins.
    claimed = session.execute(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:
        return _fail(session, who, now, RedeemOutcome.USED)
    if holder is not None:
        audit.record(
            session, "invite.relink_same", actor_id=person.id, subject_id=person.id, at=now
        )
        return RedeemResult(RedeemOutcome.ALREADY_LINKED, person)
    person.telegram_user_id = telegram_user_id
    person.linked_at = now
    session.add(person)
    session.flush()
    outbox.bring_forward_for(session, person.id, now)  # type: ignore[arg-type]
    audit.record(session, "person.link", actor_id=person.id, subject_id=person.id, at=now)
    return RedeemResult(RedeemOutcome.LINKED, person)
