"""The audit log: who did or looked at what. Actions and ids only, never texts."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import AuditEntry, utcnow


def record(
    session: Session,
    action: str,
    *,
    actor_id: int | None = None,
    subject_id: int | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    session.add(
        AuditEntry(
            action=action,
            actor_id=actor_id,
            subject_id=subject_id,
            detail=detail[:200] if detail else None,
            at=at or utcnow(),
        )
    )


def entries(session: Session, *, action: str | None = None, limit: int = 100) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(limit)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.exec(query))
