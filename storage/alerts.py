"""Alerts and who they go to: the queries of bot.alerts (it decides, these only read)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import Alert, OutboxMessage, OutboxStatus, Person, Role


def alert(session: Session, alert_id: int) -> Alert | None:
    return session.get(Alert, alert_id)


def admin_ids(session: Session) -> list[int]:
    """The active provider admins: they hear of alerts nobody else took."""
    found = session.exec(
        select(Person.id).where(Person.role == Role.ADMIN.value, col(Person.active))
    )
    return [pid for pid in found if pid is not None]


def open_alerts(session: Session, caseworker_id: int | None = None) -> list[tuple[Alert, str]]:
    """Alerts nobody has acknowledged, oldest first, each with its client's name (the name
    the alert was raised with, if the person is gone); only `caseworker_id`'s if given."""
    query = (
        select(Alert, Person.display_name)
        .join(Person, col(Person.id) == col(Alert.client_id), isouter=True)
        .where(col(Alert.acknowledged_at).is_(None))
        .order_by(col(Alert.created_at), col(Alert.id))
    )
    if caseworker_id is not None:
        query = query.where(Alert.caseworker_id == caseworker_id)
    return [
        (found, name if name is not None else str(found.facts.get("client", "")))
        for found, name in session.exec(query)
    ]


def open_of_kind(session: Session, client_id: int, kind: str) -> int | None:
    """The id of an unacknowledged alert of this kind about the client, if there is one."""
    return session.exec(
        select(Alert.id).where(
            Alert.client_id == client_id,
            Alert.kind == kind,
            col(Alert.acknowledged_at).is_(None),
        )
    ).first()


def unacknowledged(session: Session) -> list[Alert]:
    """Alerts nobody has acknowledged: each is sent again every working day until one is."""
    return list(
        session.exec(
            select(Alert)
            .where(col(Alert.acknowledged_at).is_(None))
            .order_by(col(Alert.created_at), col(Alert.id))
        )
    )


def sent_copies(session: Session, object_ref: str, kind: str) -> list[tuple[int, int]]:
    """The copies of a message that reached Telegram (an alert's, to each recipient, every
    time it was sent): (recipient id, Telegram message id), so their buttons can go."""
    found = session.exec(
        select(OutboxMessage.recipient_id, OutboxMessage.telegram_message_id)
        .where(
            OutboxMessage.object_ref == object_ref,
            OutboxMessage.kind == kind,
            OutboxMessage.status == OutboxStatus.SENT.value,
            col(OutboxMessage.telegram_message_id).is_not(None),
        )
        .order_by(col(OutboxMessage.id))
    )
    return [(recipient, message_id) for recipient, message_id in found if message_id is not None]
