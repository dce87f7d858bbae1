"""Caseworker alerts: raised in the feature's own transaction, pushed at once through the
outbox with an Acknowledge button, and sent again (also to the admins) when nobody
acknowledges them within one working day. They carry the client's name and the facts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot import outbox
from bot.rules.alerts import resend_due
from messages.i18n import N_
from messages.render import lines
from storage import audit
from storage.models import Alert, AlertKind, Person, Priority, Role

TEXTS = {
    AlertKind.NO_SHOW_UNKNOWN: N_(
        "Alert: {client} did not come to the meeting on {when}, and the reason is not known."
    ),
    AlertKind.REPEATED_NO_SHOWS: N_(
        "Alert: {client} has missed meetings without notice more than once: {dates}."
    ),
    AlertKind.CLIENT_STOPS: N_("Alert: {client} says they want to stop the service."),
    AlertKind.SIGNIFICANT_CHANGE: N_(
        "Alert from the coach {coach}: a significant change for {client}: {category}. {note}"
    ),
}
AGAIN = N_("Not acknowledged yet. {text}")
ACKNOWLEDGE = N_("Acknowledge")
TOLD_COACH = N_("{caseworker} acknowledged the alert about {client}.")


def _admins(session: Session) -> list[int]:
    return [
        pid
        for pid in session.exec(
            select(Person.id).where(Person.role == Role.ADMIN.value, col(Person.active))
        )
        if pid is not None
    ]


def _push(
    session: Session,
    alert: Alert,
    recipients: list[int],
    key: str,
    now: datetime,
    again: bool = False,
) -> None:
    params = dict(alert.facts)
    message = TEXTS[AlertKind(alert.kind)]
    if again:
        params = {"text": lines((message, alert.facts))}
        message = AGAIN
    for recipient in recipients:
        outbox.schedule(
            session,
            recipient_id=recipient,
            kind="alert",
            message=message,
            params=params,
            buttons=[[{"text": ACKNOWLEDGE, "data": f"al:{alert.id}:ack"}]],
            key=f"{key}:{recipient}",
            due_at=now,
            priority=Priority.ALERT,
            object_ref=f"alert:{alert.id}",
        )


def raise_alert(
    session: Session, *, kind: AlertKind, client: Person, facts: dict[str, Any], now: datetime
) -> Alert:
    """Record the alert and queue it to the client's caseworker (the admins if none)."""
    alert = Alert(
        kind=kind.value,
        client_id=client.id,  # type: ignore[arg-type]
        caseworker_id=client.caseworker_id,
        coach_id=client.coach_id,
        facts={"client": client.display_name, **facts},
        created_at=now,
    )
    session.add(alert)
    session.flush()
    recipients = [client.caseworker_id] if client.caseworker_id else _admins(session)
    _push(session, alert, recipients, f"alert:{alert.id}:first", now)
    audit.record(session, "alert.raise", subject_id=client.id, detail=kind.value, at=now)
    return alert


def acknowledge(session: Session, alert_id: int, person: Person, now: datetime) -> Alert | None:
    """Only the caseworker it was for (or an admin) acknowledges; the coach is told."""
    alert = session.get(Alert, alert_id)
    allowed = alert is not None and (
        person.id == alert.caseworker_id or person.role == Role.ADMIN.value
    )
    if alert is None or not allowed:
        audit.record(session, "alert.denied", actor_id=person.id, subject_id=alert_id, at=now)
        return None
    if alert.acknowledged_at is None:
        alert.acknowledged_at = now
        alert.acknowledged_by = person.id
        session.add(alert)
        audit.record(session, "alert.ack", actor_id=person.id, subject_id=alert_id, at=now)
        if alert.coach_id:
            outbox.schedule(
                session,
                recipient_id=alert.coach_id,
                kind="alert-ack",
                message=TOLD_COACH,
                params={"caseworker": person.display_name, "client": alert.facts["client"]},
                key=f"alert:{alert.id}:ack",
                due_at=now,
                priority=Priority.NOTICE,
            )
    return alert


def resend_overdue(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """Alerts nobody acknowledged within a working day: again to the caseworker, and admins."""
    waiting = session.exec(
        select(Alert).where(col(Alert.acknowledged_at).is_(None), col(Alert.resent_at).is_(None))
    ).all()
    count = 0
    for alert in waiting:
        if resend_due(alert.created_at, tz) > now:
            continue
        recipients = {*_admins(session)}
        if alert.caseworker_id:
            recipients.add(alert.caseworker_id)
        _push(session, alert, sorted(recipients), f"alert:{alert.id}:again", now, again=True)
        alert.resent_at = now
        session.add(alert)
        count += 1
    return count


def open_for(session: Session, caseworker: Person) -> list[Alert]:
    return list(
        session.exec(
            select(Alert)
            .where(Alert.caseworker_id == caseworker.id, col(Alert.acknowledged_at).is_(None))
            .order_by(col(Alert.created_at))
        )
    )
