"""Caseworker alerts: raised in the feature's own transaction, pushed at once through the
outbox with an Acknowledge button, and sent again (also to the admins) every working day
at the time they were raised until someone acknowledges them. The acknowledgement takes
the button off every copy that was sent. They carry the client's name and the facts.
A no-show alert's copy to the client's caseworker also offers the no-show procedure's
choices [002 §3.4.3], and a "wants to stop" alert's copy the interruption of the service
[issue 12 §1] (bot.periods.procedure: a choice acknowledges the alert too).

This module is the alerts' only write path (raise, acknowledge, send again, and the
client's own "I want to stop"); each function runs inside the caller's transaction and
gets `now` passed in. A refusal is audited and returned as None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import outbox
from bot.alerts import buttons, texts
from bot.rules.alerts import latest_resend, resend_day
from messages.render import lines
from storage import alerts as rows
from storage import audit, periods
from storage.models import Alert, AlertKind, Person, Priority, Role


def _ref(alert: Alert) -> str:
    return f"alert:{alert.id}"


PROCEDURE_KINDS = buttons.PROCEDURE_KINDS
STOP_KINDS = buttons.STOP_KINDS


def _offers_choices(session: Session, alert: Alert) -> AlertKind | None:
    """The kind whose choices the caseworker's copy offers, if any: a no-show alert the no-show
    procedure's [002 §3.4.3], a "wants to stop" alert the interruption [issue 12 §1], while
    the client has a period that has not ended (bot.periods.procedure decides)."""
    kind = AlertKind(alert.kind)
    if (
        kind in PROCEDURE_KINDS | STOP_KINDS
        and alert.caseworker_id is not None
        and periods.current_period(session, alert.client_id) is not None
    ):
        return kind
    return None


def _push(
    session: Session,
    alert: Alert,
    recipients: list[int],
    key: str,
    now: datetime,
    again: bool = False,
) -> None:
    params = dict(alert.facts)
    message = texts.TEXTS[AlertKind(alert.kind)]
    if again:
        params = {"text": lines((message, alert.facts))}
        message = texts.AGAIN
    assert alert.id is not None
    choices = _offers_choices(session, alert)
    for recipient in recipients:
        outbox.schedule(
            session,
            recipient_id=recipient,
            kind="alert",
            message=message,
            params=params,
            # The choices are the caseworker's alone: an admin's copy only acknowledges.
            buttons=buttons.pushed(alert.id, choices if recipient == alert.caseworker_id else None),
            key=f"{key}:{recipient}",
            due_at=now,
            priority=Priority.ALERT,
            object_ref=_ref(alert),
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
    recipients = [client.caseworker_id] if client.caseworker_id else rows.admin_ids(session)
    _push(session, alert, recipients, f"alert:{alert.id}:first", now)
    audit.record(session, "alert.raise", subject_id=client.id, detail=kind.value, at=now)
    return alert


def confirm_stop(session: Session, client_id: int, now: datetime) -> bool:
    """The client confirmed they want to stop: alert the caseworker and tell the coach at
    once, in one transaction; once while an earlier such alert is still open."""
    client = session.get(Person, client_id)
    if client is None or client.role != Role.CLIENT.value or not client.active:
        return False
    if rows.open_of_kind(session, client_id, AlertKind.CLIENT_STOPS.value) is not None:
        return True  # both already know and have not acted yet: no second alarm
    alert = raise_alert(session, kind=AlertKind.CLIENT_STOPS, client=client, facts={}, now=now)
    if client.coach_id is not None:
        outbox.schedule(
            session,
            recipient_id=client.coach_id,
            kind="alert-coach",
            message=texts.TOLD_COACH_STOPS,
            params={"client": client.display_name},
            key=f"alert:{alert.id}:coach",
            due_at=now,
            priority=Priority.ALERT,
            object_ref=_ref(alert),
        )
    return True


@dataclass(frozen=True)
class Acked:
    """The outcome of a press: who acknowledged, and whether it happened just now."""

    alert_id: int
    by: str
    now: bool
    coach_told: bool


def acknowledge(
    session: Session,
    alert_id: int,
    person: Person,
    now: datetime,
    shown: int | None = None,
    *,
    tell_coach: bool = True,
) -> Acked | None:
    """Only the caseworker it was for (or an admin) acknowledges, once; the coach is told,
    copies not sent yet are withdrawn and every copy sent loses its button (but `shown`,
    the person's own copy that was pressed: the handler redraws it).

    Pressed again (or on another copy), nothing changes and nobody is told twice.
    `tell_coach=False`: the caller tells the coach more than "acknowledged" (the no-show
    procedure's choice), so the coach gets one message, not two."""
    alert = rows.alert(session, alert_id)
    if alert is None or not (person.id == alert.caseworker_id or person.role == Role.ADMIN.value):
        audit.record(session, "alert.denied", actor_id=person.id, subject_id=alert_id, at=now)
        return None
    just_now = alert.acknowledged_at is None
    if just_now:
        alert.acknowledged_at = now
        alert.acknowledged_by = person.id
        session.add(alert)
        audit.record(session, "alert.ack", actor_id=person.id, subject_id=alert_id, at=now)
        if alert.coach_id and tell_coach:
            outbox.schedule(
                session,
                recipient_id=alert.coach_id,
                kind="alert-ack",
                message=texts.TOLD_COACH,
                params={"caseworker": person.display_name, "client": alert.facts["client"]},
                key=f"alert:{alert.id}:ack",
                due_at=now,
                priority=Priority.NOTICE,
            )
        _unbutton_copies(session, alert, now, pressed=(person.id, shown))
    by = session.get(Person, alert.acknowledged_by) if alert.acknowledged_by else None
    return Acked(
        alert_id=alert_id,
        by=by.display_name if by else "",
        now=just_now,
        coach_told=just_now and alert.coach_id is not None and tell_coach,
    )


def _unbutton_copies(
    session: Session, alert: Alert, now: datetime, pressed: tuple[int | None, int | None]
) -> None:
    """Acknowledged: no copy goes out any more, and none sent keeps its button."""
    outbox.cancel(session, object_ref=_ref(alert), kind="alert")
    outbox.unbutton(
        session,
        rows.sent_copies(session, _ref(alert), "alert"),
        key=f"alert:{alert.id}",
        now=now,
        pressed=pressed,
        object_ref=_ref(alert),
    )


@dataclass(frozen=True)
class OpenAlert:
    """One line of /alerts: what the reader needs, read inside the transaction."""

    id: int
    client: str
    kind: AlertKind
    created_at: datetime


def open_alerts(session: Session, viewer: Person) -> list[OpenAlert]:
    """A caseworker's own open alerts; an admin sees every open alert. The look is audited."""
    if viewer.role == Role.ADMIN.value:
        found = rows.open_alerts(session)
    elif viewer.role == Role.CASEWORKER.value:
        found = rows.open_alerts(session, viewer.id)
    else:
        found = []
    listed = [
        OpenAlert(alert.id, name, AlertKind(alert.kind), alert.created_at)  # type: ignore[arg-type]
        for alert, name in found
    ]
    audit.record(session, "alerts.view", actor_id=viewer.id, detail=f"{len(listed)} alerts")
    return listed


def resend_overdue(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """Alerts nobody has acknowledged: again every working day at the time they were
    raised, to the caseworker and the admins, until someone acknowledges them. Once per
    alert and day: the outbox key names the day, and `resent_at` the last time."""
    count = 0
    for alert in rows.unacknowledged(session):
        slot = latest_resend(alert.created_at, now, tz)
        if slot is None or (alert.resent_at is not None and alert.resent_at >= slot):
            continue
        recipients = {*rows.admin_ids(session)}
        if alert.caseworker_id:
            recipients.add(alert.caseworker_id)
        day = resend_day(slot, tz).isoformat()
        _push(session, alert, sorted(recipients), f"alert:{alert.id}:again:{day}", now, again=True)
        alert.resent_at = now
        session.add(alert)
        count += 1
    return count
