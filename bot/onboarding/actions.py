"""Joining: one-time invites are made here, and a code from /start links a Telegram
account to its person, once.

This module is onboarding's only write path. It applies bot.rules.invites (a random code
of which only the digest is stored, the expiry, the slowing down of guessed codes) and
hands storage.invites plain values. Each function runs inside the caller's transaction;
the clock is passed in.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.rules.invites import (
    CODE_BYTES,
    FAILURE_WINDOW,
    InviteState,
    hash_code,
    invite_state,
    looks_like_code,
    retry_wait,
)
from storage import audit, invites, people
from storage.models import Person


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
    code = secrets.token_urlsafe(CODE_BYTES)
    invites.add(
        session,
        person_id,
        code_hash=hash_code(code),
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    audit.record(session, "invite.create", actor_id=actor_id, subject_id=person_id, at=now)
    return code


def _who(telegram_user_id: int) -> str:
    # The throttle needs to recognise an account, not to know it: keep a digest only.
    return hash_code(f"start-attempt:{telegram_user_id}")


def _fail(session: Session, who: str, now: datetime, outcome: RedeemOutcome) -> RedeemResult:
    invites.add_attempt(session, who, now)
    audit.record(session, "invite.reject", detail=outcome.value, at=now)
    return RedeemResult(outcome)


REJECTED = {InviteState.USED: RedeemOutcome.USED, InviteState.EXPIRED: RedeemOutcome.EXPIRED}


def redeem(session: Session, code: str, telegram_user_id: int, *, now: datetime) -> RedeemResult:
    """Link the Telegram account to the invite's person, once, if the code is good."""
    who = _who(telegram_user_id)
    wait = retry_wait(invites.attempts(session, who, since=now - FAILURE_WINDOW), now)
    if wait > timedelta(0):
        return RedeemResult(RedeemOutcome.SLOWED, wait=wait)

    invite = invites.by_hash(session, hash_code(code)) if looks_like_code(code) else None
    if invite is None:
        return _fail(session, who, now, RedeemOutcome.UNKNOWN)
    state = invite_state(invite.expires_at, invite.used_at, now)
    if state in REJECTED:
        return _fail(session, who, now, REJECTED[state])

    person = invites.invited(session, invite)
    if person is None:
        return _fail(session, who, now, RedeemOutcome.UNKNOWN)
    holder = invites.holder(session, telegram_user_id)
    if holder is not None and holder.id != person.id:
        audit.record(session, "invite.account_taken", subject_id=person.id, at=now)
        return RedeemResult(RedeemOutcome.ACCOUNT_TAKEN)

    # Claim the invite atomically: of two simultaneous /start calls only one wins.
    if not invites.claim(session, invite, now):
        return _fail(session, who, now, RedeemOutcome.USED)
    if holder is not None:
        audit.record(
            session, "invite.relink_same", actor_id=person.id, subject_id=person.id, at=now
        )
        return RedeemResult(RedeemOutcome.ALREADY_LINKED, person)
    invites.link(session, person, telegram_user_id, now)
    audit.record(session, "person.link", actor_id=person.id, subject_id=person.id, at=now)
    return RedeemResult(RedeemOutcome.LINKED, person)


def people_overview(session: Session, viewer_id: int | None) -> list[Person]:
    """Everybody in the service, for the admin's /people (who has joined, who is still
    to be invited); the look is audited."""
    found = people.list_people(session)
    audit.record(session, "people.view", actor_id=viewer_id, detail=f"{len(found)} people")
    return found
