"""Meetings: booking, looking up with access checks, answers, moving and cancelling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, or_, select

from storage import audit
from storage.models import (
    ClientResponse,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Person,
    Role,
    utcnow,
)


class MeetingError(ValueError):
    """A booking that breaks a rule; the handler turns it into a polite answer."""


@dataclass(frozen=True)
class MeetingView:
    """A meeting with the names a card or a list shows."""

    meeting: Meeting
    client: Person
    coach: Person
    caseworker: Person | None


def _client_of_coach(session: Session, coach_id: int, client_id: int) -> Person:
    client = session.get(Person, client_id)
    if (
        client is None
        or client.role != Role.CLIENT.value
        or client.coach_id != coach_id
        or not client.active
    ):
        raise MeetingError("not your client")
    return client


def book(
    session: Session,
    *,
    coach_id: int,
    client_id: int,
    kind: MeetingKind,
    starts: list[datetime],
    duration: timedelta,
    place: str | None,
) -> list[Meeting]:
    """Book one meeting, or a series (several starts) sharing a series id."""
    _client_of_coach(session, coach_id, client_id)
    if not starts:
        raise MeetingError("no times")
    meetings = []
    for start in sorted(starts):
        meeting = Meeting(
            coach_id=coach_id,
            client_id=client_id,
            kind=kind.value,
            starts_at=start.astimezone(UTC),
            ends_at=(start + duration).astimezone(UTC),
            place=place,
        )
        session.add(meeting)
        session.flush()
        meetings.append(meeting)
    if len(meetings) > 1:
        for meeting in meetings:
            meeting.series_id = meetings[0].id
    audit.record(
        session, "meeting.book", actor_id=coach_id, subject_id=client_id, detail=f"{len(meetings)}"
    )
    return meetings


def overlapping(
    session: Session, coach_id: int, windows: list[tuple[datetime, datetime]]
) -> list[Meeting]:
    """The coach's scheduled meetings that overlap any of the windows."""
    if not windows:
        return []
    conditions = [
        (col(Meeting.starts_at) < end) & (col(Meeting.ends_at) > start) for start, end in windows
    ]
    return list(
        session.exec(
            select(Meeting)
            .where(
                Meeting.coach_id == coach_id,
                Meeting.status == MeetingStatus.SCHEDULED.value,
                or_(*conditions),
            )
            .order_by(col(Meeting.starts_at))
        )
    )


def view(session: Session, meeting: Meeting) -> MeetingView:
    client = session.get(Person, meeting.client_id)
    coach = session.get(Person, meeting.coach_id)
    assert client is not None and coach is not None
    caseworker = session.get(Person, client.caseworker_id) if client.caseworker_id else None
    return MeetingView(meeting, client, coach, caseworker)


def may_see(viewer: Person, found: MeetingView) -> bool:
    """The coach and client of the meeting; the caseworker for a three-party meeting."""
    if viewer.id == found.meeting.coach_id or viewer.id == found.meeting.client_id:
        return True
    return (
        viewer.role == Role.CASEWORKER.value
        and found.caseworker is not None
        and found.caseworker.id == viewer.id
        and found.meeting.kind == MeetingKind.THREE_PARTY.value
    )


def for_viewer(session: Session, meeting_id: int, viewer: Person) -> MeetingView | None:
    """The meeting if this person may see it; an attempt on another's is audited."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    found = view(session, meeting)
    if not may_see(viewer, found):
        audit.record(session, "meeting.denied", actor_id=viewer.id, subject_id=meeting_id)
        return None
    audit.record(session, "meeting.view", actor_id=viewer.id, subject_id=meeting_id)
    return found


def upcoming(
    session: Session, viewer: Person, *, now: datetime, limit: int = 30, audited: bool = True
) -> list[MeetingView]:
    """The viewer's own scheduled meetings from now on, soonest first."""
    query = select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED.value, col(Meeting.ends_at) > now
    )
    if viewer.role == Role.CLIENT.value:
        query = query.where(Meeting.client_id == viewer.id)
    elif viewer.role == Role.COACH.value:
        query = query.where(Meeting.coach_id == viewer.id)
    elif viewer.role == Role.CASEWORKER.value:
        clients = select(Person.id).where(Person.caseworker_id == viewer.id)
        query = query.where(
            col(Meeting.client_id).in_(clients), Meeting.kind == MeetingKind.THREE_PARTY.value
        )
    else:
        return []
    meetings = session.exec(query.order_by(col(Meeting.starts_at)).limit(limit)).all()
    if audited:  # a person looked; internal use (moving reminders) is not a look
        audit.record(session, "meetings.list", actor_id=viewer.id, detail=f"{len(meetings)}")
    return [view(session, m) for m in meetings]


def respond(
    session: Session, meeting_id: int, client: Person, response: ClientResponse, note: str | None
) -> MeetingView | None:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.client_id != client.id:
        audit.record(session, "meeting.denied", actor_id=client.id, subject_id=meeting_id)
        return None
    meeting.client_response = response.value
    meeting.response_note = note[:500] if note else None
    meeting.updated_at = utcnow()
    session.add(meeting)
    audit.record(session, "meeting.respond", actor_id=client.id, subject_id=meeting_id,
                 detail=response.value)  # fmt: skip
    return view(session, meeting)


def series_from(session: Session, meeting: Meeting) -> list[Meeting]:
    """This meeting and the later scheduled ones of its series."""
    if meeting.series_id is None:
        return [meeting]
    return list(
        session.exec(
            select(Meeting)
            .where(
                Meeting.series_id == meeting.series_id,
                Meeting.status == MeetingStatus.SCHEDULED.value,
                col(Meeting.starts_at) >= meeting.starts_at,
            )
            .order_by(col(Meeting.starts_at))
        )
    )


def own_meeting(session: Session, meeting_id: int, coach: Person) -> Meeting | None:
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.coach_id != coach.id:
        audit.record(session, "meeting.denied", actor_id=coach.id, subject_id=meeting_id)
        return None
    return meeting


def own_scheduled(session: Session, meeting_id: int, coach: Person) -> MeetingView | None:
    """The coach's own meeting while it is scheduled (an attempt on another's is audited)."""
    meeting = own_meeting(session, meeting_id, coach)
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED.value:
        return None
    return view(session, meeting)


def move(session: Session, meeting: Meeting, new_start: datetime) -> Meeting:
    duration = meeting.ends_at - meeting.starts_at
    meeting.starts_at = new_start.astimezone(UTC)
    meeting.ends_at = (new_start + duration).astimezone(UTC)
    meeting.sequence += 1
    meeting.client_response = ClientResponse.NONE.value
    meeting.updated_at = utcnow()
    session.add(meeting)
    audit.record(session, "meeting.move", actor_id=meeting.coach_id, subject_id=meeting.id)
    return meeting


def cancel(session: Session, meetings: list[Meeting]) -> list[Meeting]:
    for meeting in meetings:
        meeting.status = MeetingStatus.CANCELLED.value
        meeting.sequence += 1
        meeting.updated_at = utcnow()
        session.add(meeting)
        audit.record(session, "meeting.cancel", actor_id=meeting.coach_id, subject_id=meeting.id)
    return meetings


def on_day(session: Session, coach_id: int, start: datetime, end: datetime) -> list[MeetingView]:
    meetings = session.exec(
        select(Meeting)
        .where(
            Meeting.coach_id == coach_id,
            Meeting.status == MeetingStatus.SCHEDULED.value,
            col(Meeting.starts_at) >= start,
            col(Meeting.starts_at) < end,
        )
        .order_by(col(Meeting.starts_at))
    ).all()
    return [view(session, m) for m in meetings]
