"""Invite codes and the slowing down of guessed codes.

The clock is always passed in, so the rules are tested at any instant without sleeping.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Sequence
from datetime import datetime, timedelta

# Telegram deep-link payloads allow A-Z, a-z, 0-9, _ and - up to 64 characters.
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
CODE_BYTES = 24  # 192 bits of randomness; the issue asks for at least 128

FAILURE_WINDOW = timedelta(minutes=15)
FREE_FAILURES = 5


class InviteState(enum.StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"


def hash_code(code: str) -> str:
    """Only this digest is stored; the code itself exists only in the invite link."""
    return hashlib.sha256(code.encode("ascii", "ignore")).hexdigest()


def looks_like_code(text: str) -> bool:
    return bool(CODE_PATTERN.match(text))


def invite_state(expires_at: datetime, used_at: datetime | None, now: datetime) -> InviteState:
    if used_at is not None:
        return InviteState.USED
    if now >= expires_at:
        return InviteState.EXPIRED
    return InviteState.VALID


def retry_wait(failures: Sequence[datetime], now: datetime) -> timedelta:
    """How long a Telegram account must wait before its next /start code is checked.

    Five wrong codes within 15 minutes are free (typos happen); after that each further
    failure doubles the wait, starting from one minute, capped at the window. Zero means
    the code may be checked now.
    """
    recent = sorted(t for t in failures if now - t < FAILURE_WINDOW)
    excess = len(recent) - FREE_FAILURES
    if excess < 0:
        return timedelta(0)
    wait = min(timedelta(minutes=2**excess), FAILURE_WINDOW)
    remaining = recent[-1] + wait - now
    return max(remaining, timedelta(0))
