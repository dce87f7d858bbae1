"""Callback data of the period buttons sent through the outbox: ids and actions only.

`pr:<request id>:yes|no` is the caseworker's Approve / Decline of a coach's request;
`ps:<period id>:cx` the coach's "cancel the meetings in the suspension". Each pattern
matches one action exactly; anything else with these prefixes is stale or forged. The
/period conversation's own buttons start with `pe` (see handlers/periods.py).
"""

from __future__ import annotations

from bot.periods import texts

REQUEST_PREFIX = "pr:"
SUSPENSION_PREFIX = "ps:"

DECIDE = r"^pr:(\d{1,12}):(yes|no)$"
CANCEL_SUSPENDED = r"^ps:(\d{1,12}):cx$"


def decide(request_id: int, approve: bool) -> str:
    return f"pr:{request_id}:{'yes' if approve else 'no'}"


def decision(request_id: int) -> list[list[dict[str, str]]]:
    """Approve / Decline on the caseworker's copy, as the outbox stores it."""
    return [
        [
            {"text": texts.APPROVE, "data": decide(request_id, True)},
            {"text": texts.DECLINE, "data": decide(request_id, False)},
        ]
    ]


def cancel_suspended(period_id: int) -> list[list[dict[str, str]]]:
    return [[{"text": texts.CANCEL_MEETINGS, "data": f"ps:{period_id}:cx"}]]
