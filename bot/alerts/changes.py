"""A significant change the coach reports (/change): the caseworker is alerted at once.

The categories are DOMAIN.md's: the situation or plan changed, another service is
needed, the goals are no longer realistic, a conflict at the workplace, interrupting
seems justified. The coach's description is required and goes with the alert.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.alerts.actions import raise_alert
from messages.i18n import N_
from storage import people
from storage.models import AlertKind, Person

NOTE_MAX = 1000

# Said in the middle of the alert ("…a significant change for Matti: {category}."), so
# lower case; a button shows it with a capital first letter.
CATEGORIES = {
    "situation": N_("the situation or plan has changed"),
    "service": N_("another service is needed"),
    "goals": N_("the goals are no longer realistic"),
    "conflict": N_("a conflict at the workplace"),
    "interrupt": N_("interrupting the service seems justified"),
}


def raise_change(
    session: Session,
    coach: Person,
    client_id: int,
    category: str,
    note: str,
    now: datetime,
) -> bool:
    """Raise the alert if the client is still the coach's own; False when not."""
    assert coach.id is not None
    client = people.coach_client(session, coach.id, client_id)
    if client is None:
        return False
    raise_alert(
        session,
        kind=AlertKind.SIGNIFICANT_CHANGE,
        client=client,
        facts={
            "coach": coach.display_name,
            "category": {"$msg": CATEGORIES[category]},
            "note": note[:NOTE_MAX],
        },
        now=now,
    )
    return True
