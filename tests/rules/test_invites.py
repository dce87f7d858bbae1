"""The invite rules, with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.rules.invites import (
    InviteState,
    hash_code,
    invite_state,
    looks_like_code,
    retry_wait,
)

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_invite_state_boundaries() -> None:
    expires = T0 + timedelta(days=7)
    assert invite_state(expires, None, expires - timedelta(seconds=1)) is InviteState.VALID
    assert invite_state(expires, None, expires) is InviteState.EXPIRED
    assert invite_state(expires, T0, T0) is InviteState.USED


def test_code_shape_and_hash() -> None:
    assert looks_like_code("abcDEF123_-abcdef")
    assert not looks_like_code("short")
    assert not looks_like_code("has space in the middle 123")
    assert not looks_like_code("ä" * 20)
    assert not looks_like_code("x" * 65)
    assert hash_code("abc") != hash_code("abd") and len(hash_code("abc")) == 64


def test_five_free_failures_then_growing_waits() -> None:
    failures = [T0 + timedelta(seconds=i) for i in range(4)]
    assert retry_wait(failures, T0 + timedelta(seconds=5)) == timedelta(0)
    failures.append(T0 + timedelta(seconds=4))  # the fifth
    assert retry_wait(failures, T0 + timedelta(seconds=5)) == timedelta(seconds=59)
    failures.append(T0 + timedelta(seconds=70))  # the sixth, after waiting
    assert retry_wait(failures, T0 + timedelta(seconds=71)) == timedelta(seconds=119)
    # Old failures fall out of the 15-minute window.
    assert retry_wait(failures, T0 + timedelta(minutes=16)) == timedelta(0)


def test_wait_is_capped_at_the_window() -> None:
    failures = [T0 + timedelta(seconds=i) for i in range(12)]
    assert retry_wait(failures, T0 + timedelta(seconds=12)) <= timedelta(minutes=15)
