"""The meetings' only write path: booking, moving, cancelling, the client's answers and
the reminder settings. Each runs in one transaction with the outbox rows it causes
(bot.meetings.notices), so the change and its messages commit together.

The handler calls `services.db.run(actions.book, ...)`, then wakes the outbox.
Booking and moving ask bot.periods.hours.check_booking first, in the same transaction:
the period's hour cap, the no-show procedure and the program's work-day rules
[002 §3.2, §3.4.3, §2]; a refusal raises BookingRefused and nothing is written.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.meetings.notices import Quiet, answered, booked, cancelled, moved, reschedule_reminders
from bot.periods.hours import BookingRefused, check_booking
from storage import audit, meetings, people
from storage.meetings import MeetingError, MeetingView
from storage.models import ClientResponse, MeetingKind, MeetingStatus, Person, Role


def book(
    session: Session,
    coach: Person,
    *,
    client_id: int,
    kind: MeetingKind,
    starts: list[datetime],
    duration: timedelta,
    place: str | None,
    now: datetime,
    tz: ZoneInfo,
    quiet: Quiet,
) -> int:
    """One meeting, or a weekly series, with the client's cards and reminders.
    MeetingError when the client is no longer the coach's own, BookingRefused when the
    period's contract does not allow it (nothing is booked either way)."""
    assert coach.id is not None
    if people.coach_client(session, coach.id, client_id) is None:
        raise MeetingError("not your client")  # before any figure of the client is read
    spans = [(start, start + duration) for start in starts]
    check = check_booking(
        session, client_id=client_id, kind=kind, spans=spans, now=now, tz=tz, lock=True
    )
    if check.problem is not None:
        raise BookingRefused(check)
    made = meetings.book(
        session,
        coach_id=coach.id,
        client_id=client_id,
        kind=kind,
        starts=starts,
        duration=duration,
        place=place,
    )
    for meeting in made:
        booked(session, meetings.view(session, meeting), now, tz, quiet)
    return len(made)


def cancel(session: Session, coach: Person, meeting_id: int, *, series: bool, now: datetime) -> int:
    """The coach's own scheduled meeting (and with `series` the rest of its series) is
    cancelled and everyone who saw it told. 0 when it is not theirs or not scheduled."""
    meeting = meetings.own_meeting(session, meeting_id, coach)
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED.value:
        return 0
    chosen = meetings.series_from(session, meeting) if series else [meeting]
    for item in meetings.cancel(session, chosen):
        cancelled(session, meetings.view(session, item), now)
    return len(chosen)


def move(
    session: Session,
    coach: Person,
    meeting_id: int,
    new_start: datetime,
    *,
    series: bool,
    now: datetime,
    tz: ZoneInfo,
    quiet: Quiet,
) -> int:
    """The coach's own scheduled meeting (and with `series` the rest of its series) moves
    so that it starts at `new_start`; everyone is told. 0 when it is not theirs or not
    scheduled; BookingRefused when the new times break the period's contract (a work day
    outside its hours, anything but the three-party meeting during the no-show procedure)."""
    meeting = meetings.own_meeting(session, meeting_id, coach)
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED.value:
        return 0
    chosen = meetings.series_from(session, meeting) if series else [meeting]
    # Shift by calendar days on the Helsinki wall clock, not by UTC hours, so a series
    # that crosses a daylight-saving change keeps its local time.
    first_local = meeting.starts_at.astimezone(tz)
    day_shift = new_start.date() - first_local.date()
    targets = []
    for item in chosen:
        local = item.starts_at.astimezone(tz)
        target = datetime.combine(
            local.date() + day_shift, new_start.timetz().replace(tzinfo=None), tzinfo=tz
        )
        targets.append((item, target))
    check = check_booking(
        session,
        client_id=meeting.client_id,
        kind=MeetingKind(meeting.kind),
        spans=[(target, target + (item.ends_at - item.starts_at)) for item, target in targets],
        now=now,
        tz=tz,
        moving=True,
        lock=True,
    )
    if check.problem is not None:
        raise BookingRefused(check)
    for item, target in targets:
        meetings.move(session, item, target)
        moved(session, meetings.view(session, item), now, tz, quiet)
    return len(chosen)


def answer(
    session: Session,
    client: Person,
    meeting_id: int,
    response: ClientResponse,
    note: str | None,
    *,
    now: datetime,
    update_id: int,
) -> MeetingView | None:
    """The client's answer on the card (coming, or another time asked) is recorded and
    the coach told. None when the meeting is not the client's own (audited).
    `update_id`: the Telegram update that carried the answer; handled again, it tells the
    coach no second time."""
    found = meetings.respond(session, meeting_id, client, response, note)
    if found is not None:
        answered(session, found, response, note, now, update_id=update_id)
    return found


def set_reminder(
    session: Session,
    person_id: int,
    key: str,
    value: Any,
    *,
    now: datetime,
    tz: ZoneInfo,
    quiet: Quiet,
) -> Person | None:
    """One reminder preference (`None` switches it off); a client's upcoming reminders
    follow the new time at once."""
    person = session.get(Person, person_id)
    if person is None:
        return None
    prefs = dict(person.preferences)
    prefs[key] = value
    person.preferences = prefs
    session.add(person)
    session.flush()
    audit.record(session, "settings.change", actor_id=person_id, subject_id=person_id, detail=key)
    if person.role == Role.CLIENT.value:
        reschedule_reminders(session, person, now, tz, quiet)
    return person
