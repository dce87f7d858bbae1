"""Absence notices: filing them for the client's own meetings, and withdrawing them.

The deadline and the timing of a notice come from the rule (bot.rules.absence), worked
out by the feature's action (bot.absence.actions) and handed in as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from storage import audit
from storage.meetings import MeetingView, view
from storage.models import (
    AbsenceNotice,
    AbsenceReason,
    ClientResponse,
    Meeting,
    MeetingStatus,
    Person,
    utcnow,
)

NOTE_MAX = 300


@dataclass(frozen=True)
class Filed:
    notice: AbsenceNotice
    meeting: MeetingView


def open_meetings(
    session: Session, client: Person, now: datetime, limit: int = 20
) -> list[Meeting]:
    """The client's scheduled meetings that have not ended: what a notice can be for."""
    return list(
        session.exec(
            select(Meeting)
            .where(
                Meeting.client_id == client.id,
                Meeting.status == MeetingStatus.SCHEDULED.value,
                col(Meeting.ends_at) > now,
            )
            .order_by(col(Meeting.starts_at))
            .limit(limit)
        )
    )


def active_notice(session: Session, meeting_id: int) -> AbsenceNotice | None:
    return session.exec(
        select(AbsenceNotice).where(
            AbsenceNotice.meeting_id == meeting_id, col(AbsenceNotice.withdrawn_at).is_(None)
        )
    ).first()


def noticeable(session: Session, client: Person, meeting_id: int, now: datetime) -> Meeting | None:
    """The meeting if a notice can be filed for it now: the client's own (another's is
    audited as denied), scheduled, not ended, and without a notice yet (the first stands)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.client_id != client.id:
        audit.record(session, "absence.denied", actor_id=client.id, subject_id=meeting_id)
        return None
    if meeting.status != MeetingStatus.SCHEDULED.value or meeting.ends_at <= now:
        return None
    if active_notice(session, meeting_id) is not None:
        return None
    return meeting


def add_notice(
    session: Session,
    client: Person,
    meeting: Meeting,
    reason: AbsenceReason,
    note: str | None,
    *,
    now: datetime,
    deadline: datetime,
    timing: str,
) -> Filed:
    """The notice as the caller worked it out (deadline and timing come from the rule);
    the meeting is marked declined."""
    notice = AbsenceNotice(
        client_id=client.id,  # type: ignore[arg-type]
        meeting_id=meeting.id,  # type: ignore[arg-type]
        reason=reason.value,
        note=note[:NOTE_MAX] if note else None,
        notified_at=now,
        deadline=deadline,
        timing=timing,
    )
    session.add(notice)
    meeting.client_response = ClientResponse.DECLINED.value
    meeting.updated_at = utcnow()
    session.add(meeting)
    session.flush()
    audit.record(
        session, "absence.file", actor_id=client.id, subject_id=meeting.id, detail=notice.timing
    )
    return Filed(notice, view(session, meeting))


def withdrawable(session: Session, client: Person, now: datetime) -> list[Filed]:
    """The client's notices for meetings that have not started yet."""
    rows = session.exec(
        select(AbsenceNotice, Meeting)
        .where(
            AbsenceNotice.client_id == client.id,
            col(AbsenceNotice.withdrawn_at).is_(None),
            AbsenceNotice.meeting_id == Meeting.id,
            col(Meeting.starts_at) > now,
            Meeting.status == MeetingStatus.SCHEDULED.value,
        )
        .order_by(col(Meeting.starts_at))
    ).all()
    return [Filed(notice, view(session, meeting)) for notice, meeting in rows]


def withdraw(session: Session, client: Person, notice_id: int, now: datetime) -> Filed | None:
    """Only the client's own notice, and only before the meeting starts."""
    notice = session.get(AbsenceNotice, notice_id)
    if notice is None or notice.client_id != client.id or notice.withdrawn_at is not None:
        audit.record(session, "absence.denied", actor_id=client.id, subject_id=notice_id)
        return None
    meeting = session.get(Meeting, notice.meeting_id)
    if meeting is None or meeting.starts_at <= now:
        return None
    notice.withdrawn_at = now
    meeting.client_response = ClientResponse.NONE.value
    session.add(notice)
    session.add(meeting)
    audit.record(session, "absence.withdraw", actor_id=client.id, subject_id=meeting.id)
    return Filed(notice, view(session, meeting))
