"""What a meeting tells people, as outbox rows written in the booking's own transaction.

Cards, changes and cancellations go at once; reminders at their time. Every row of a
meeting carries `object_ref = meeting:<id>`, so moving or cancelling the meeting finds them.
A card and a reminder expire when the meeting starts (`expires_at`): held back by an
outage or a restart, they are dropped, not sent late. The client's card names the
absence-notice deadline (the noon rule, bot.rules.absence), and on the deadline's day a
morning reminder (kind `deadline`, with the card's "I can't come") expires at the
deadline itself. An absence notice withdraws the meeting's reminders of both kinds
(`withdraw_reminders`), withdrawing the notice brings them back (`restore_reminders`).
Keys come from the meeting (its sequence, the reminder's time) or from the update that
caused the row, never from the clock: a replayed update makes the same key, so one row.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import outbox
from bot.rules.absence import absence_deadline
from bot.rules.delivery import QUIET_END, QUIET_START
from bot.rules.reminders import Reminder, client_reminders
from messages.i18n import N_
from messages.render import at, clock, lines, msg, near
from storage.meetings import MeetingView
from storage.models import ClientResponse, Meeting, MeetingKind, Person, Priority

REMINDER = "reminder"  # the kind of a client's reminder rows
DEADLINE = "deadline"  # the kind of the deadline-day reminder rows
REMINDER_KINDS = (REMINDER, DEADLINE)

Quiet = tuple[time, time]
DEFAULT_QUIET: Quiet = (QUIET_START, QUIET_END)

KIND_NAMES = {
    MeetingKind.INDIVIDUAL: N_("Individual meeting"),
    MeetingKind.GROUP: N_("Group meeting"),
    MeetingKind.THREE_PARTY: N_("Three-party meeting with the caseworker"),
    MeetingKind.WORKPLACE_VISIT: N_("Workplace visit"),
    MeetingKind.WORK_DAY: N_("Work-activity day"),
}

NO_PLACE = N_("not given yet")
# {tell}: when to tell if the client cannot come (TELL_BY, or TELL_AT_ONCE once passed).
CARD = N_("New meeting\n{when}–{end}\n{kind}\nWith: {coach}\nPlace: {place}\n{tell}")
CARD_CASEWORKER = N_(
    "New three-party meeting\n{when}–{end}\nClient: {client}\nCoach: {coach}\nPlace: {place}"
)
MOVED = N_(
    "The meeting has moved\nNew time: {when}–{end}\n{kind}\nWith: {coach}\nPlace: {place}\n{tell}"
)
# Cards queued (up to a week ahead) before the deadline line came still name these: kept
# in the catalogs so such a row is still sent in its reader's language.
EARLIER_CARDS = (
    N_("New meeting\n{when}–{end}\n{kind}\nWith: {coach}\nPlace: {place}"),
    N_("The meeting has moved\nNew time: {when}–{end}\n{kind}\nWith: {coach}\nPlace: {place}"),
)
TELL_BY = N_("If you cannot come, tell us by {deadline}.")
TELL_AT_ONCE = N_("If you cannot come, tell us at once. The deadline was {deadline}.")
MOVED_CASEWORKER = N_(
    "The three-party meeting has moved\nNew time: {when}–{end}\nClient: {client}\nPlace: {place}"
)
CANCELLED = N_("The meeting on {when} is cancelled.")
CANCELLED_CASEWORKER = N_("The three-party meeting of {client} on {when} is cancelled.")
REMIND_DAY_BEFORE = N_(
    "Reminder: tomorrow you have a meeting\n{when}–{end}\nWith: {coach}\nPlace: {place}"
)
REMIND_SOON = N_("Reminder: your meeting starts at {start}\nWith: {coach}\nPlace: {place}")
REMIND_DEADLINE = N_(
    "Your meeting: {when}–{end}, {coach}\nIf you cannot come, tell us today by {time}."
)
REMINDER_TEXTS = {
    "day_before": REMIND_DAY_BEFORE,
    "hours_before": REMIND_SOON,
    "deadline": REMIND_DEADLINE,
}
ANSWER_TO_COACH = {
    ClientResponse.CONFIRMED: N_("{client} will come to the meeting on {when}."),
    ClientResponse.OTHER_TIME: N_(
        "{client} asks for another time for the meeting on {when}. Their words: {note}"
    ),
}

# A card comes at most a week ahead, so a long weekly series is not a wall of cards.
CARD_LEAD = timedelta(days=7)

BUTTON_COME = N_("I'll come")
BUTTON_CANNOT = N_("I can't come")
BUTTON_OTHER_TIME = N_("Ask for another time")
BUTTON_CALENDAR = N_("Add to calendar")
BUTTON_CALENDAR_REMOVE = N_("Remove from calendar")


def ref(meeting: Meeting) -> str:
    return f"meeting:{meeting.id}"


def _params(found: MeetingView) -> dict[str, Any]:
    m = found.meeting
    return {
        "when": at(m.starts_at),
        "end": clock(m.ends_at),
        "start": clock(m.starts_at),
        "kind": msg(KIND_NAMES[MeetingKind(m.kind)]),
        "coach": found.coach.display_name,
        "client": found.client.display_name,
        "place": m.place or msg(NO_PLACE),
    }


def card_answer(action: str) -> str:
    """The pattern of a card's answer button: the meeting id, then its sequence (missing
    on cards sent before the answers carried it)."""
    return rf"^mt:(\d{{1,12}})(?::(\d{{1,6}}))?:{action}$"


def client_buttons(meeting: Meeting) -> list[list[dict[str, str]]]:
    """The card's answers carry the meeting's sequence (`mt:<id>:<sequence>:yes`): once a
    move has sent a newer card, the old card's answers are stale. The calendar file is
    always the current one, so its button needs no sequence."""
    mid, seq = meeting.id, meeting.sequence
    return [
        [{"text": BUTTON_COME, "data": f"mt:{mid}:{seq}:yes"}],
        [{"text": BUTTON_CANNOT, "data": f"mt:{mid}:{seq}:no"}],
        [{"text": BUTTON_OTHER_TIME, "data": f"mt:{mid}:{seq}:other"}],
        [{"text": BUTTON_CALENDAR, "data": f"mt:{mid}:ics"}],
    ]


def _send(
    session: Session,
    person: Person | None,
    meeting: Meeting,
    message: str,
    params: dict[str, Any],
    key: str,
    now: datetime,
    *,
    buttons: list[Any] | None = None,
    priority: Priority = Priority.NOTICE,
    expires_at: datetime | None = None,
) -> None:
    if person is None or person.id is None:
        return
    outbox.schedule(
        session,
        recipient_id=person.id,
        kind="meeting",
        message=message,
        params=params,
        buttons=buttons,
        key=key,
        due_at=now,
        priority=priority,
        object_ref=ref(meeting),
        expires_at=expires_at,
    )


def _utc_key(instant: datetime) -> str:
    """The same instant makes the same key, whatever zone it was computed in."""
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def tell_line(meeting: Meeting, when: datetime, tz: ZoneInfo) -> dict[str, Any]:
    """The line that names the meeting's absence-notice deadline, as read at `when`."""
    deadline = absence_deadline(meeting.starts_at, tz=tz)
    tell = TELL_BY if when <= deadline else TELL_AT_ONCE
    return lines((tell, {"deadline": near(deadline)}))


def cannot_come_button(meeting: Meeting) -> list[list[dict[str, str]]]:
    """The card's own "I can't come" (so the same absence notice starts)."""
    return [[{"text": BUTTON_CANNOT, "data": f"mt:{meeting.id}:{meeting.sequence}:no"}]]


def _reminder_row(found: MeetingView, reminder: Reminder) -> dict[str, Any]:
    m = found.meeting
    assert found.client.id is not None
    params = _params(found)
    deadline = reminder.kind == "deadline"
    if deadline:
        params["time"] = clock(reminder.until)
    return {
        "recipient_id": found.client.id,
        "kind": DEADLINE if deadline else REMINDER,
        "message": REMINDER_TEXTS[reminder.kind],
        "params": params,
        "buttons": cannot_come_button(m) if deadline else None,
        # The due time is in the key: changed preferences make new rows.
        "key": f"meeting:{m.id}:s{m.sequence}:{reminder.kind}:{_utc_key(reminder.due)}",
        "due_at": reminder.due,
        "priority": Priority.REMINDER,
        "quiet": True,
        "object_ref": ref(m),
        # None once the meeting has started; the deadline one none after the deadline.
        "expires_at": reminder.until,
    }


def _reminder_rows(
    found: MeetingView, now: datetime, tz: ZoneInfo, quiet: Quiet = DEFAULT_QUIET
) -> list[dict[str, Any]]:
    prefs = found.client.preferences
    start = found.meeting.starts_at
    return [
        _reminder_row(found, reminder)
        for reminder in client_reminders(start, prefs, now=now, tz=tz, quiet=quiet)
    ]


def _schedule_reminders(
    session: Session, found: MeetingView, now: datetime, tz: ZoneInfo, quiet: Quiet = DEFAULT_QUIET
) -> None:
    for row in _reminder_rows(found, now, tz, quiet):
        outbox.schedule(session, **row)


def _declined(meeting: Meeting) -> bool:
    """The client has said she cannot come (an absence notice): no reminders."""
    return meeting.client_response == ClientResponse.DECLINED.value


def reschedule_reminders(
    session: Session, client: Person, now: datetime, tz: ZoneInfo, quiet: Quiet = DEFAULT_QUIET
) -> int:
    """After a change of preferences: the client's upcoming reminders follow the new times
    (a reminder switched off and on again comes back); a meeting she has said she cannot
    come to gets none."""
    from storage.meetings import upcoming

    found = upcoming(session, client, now=now, limit=200, audited=False)
    for item in found:
        wanted = [] if _declined(item.meeting) else _reminder_rows(item, now, tz, quiet)
        keys = {row["key"] for row in wanted}
        for kind in REMINDER_KINDS:
            for old in outbox.open_rows(session, object_ref=ref(item.meeting), kind=kind):
                if old.idempotency_key not in keys:
                    outbox.cancel(session, key=old.idempotency_key)
        for row in wanted:
            outbox.schedule(session, **row, reopen=True)
    return len(found)


def withdraw_reminders(session: Session, meeting: Meeting) -> int:
    """The client has said she cannot come: the meeting's pending reminders (the
    deadline-day one too) are withdrawn (its card, the coach's messages and anything
    already on the wire stay)."""
    return sum(
        outbox.cancel(session, object_ref=ref(meeting), kind=kind).changed
        for kind in REMINDER_KINDS
    )


def restore_reminders(
    session: Session, found: MeetingView, now: datetime, tz: ZoneInfo, quiet: Quiet = DEFAULT_QUIET
) -> None:
    """The client will come after all (her notice withdrawn): the meeting's reminders as a
    booking makes them, those still in the future; one withdrawn earlier comes back."""
    for row in _reminder_rows(found, now, tz, quiet):
        outbox.schedule(session, **row, reopen=True)


def _cards(
    session: Session,
    found: MeetingView,
    message: str,
    to_caseworker: str,
    due: datetime,
    tz: ZoneInfo,
) -> None:
    """A card (new or moved) is worth nothing once the meeting has started. The client's
    names the deadline for telling she cannot come (or that it has passed)."""
    m = found.meeting
    params = _params(found)
    _send(
        session,
        found.client,
        m,
        message,
        {**params, "tell": tell_line(m, due, tz)},
        f"meeting:{m.id}:s{m.sequence}:card",
        due,
        buttons=client_buttons(m),
        expires_at=m.starts_at,
    )
    if m.kind == MeetingKind.THREE_PARTY.value:
        _send(
            session,
            found.caseworker,
            m,
            to_caseworker,
            params,
            f"meeting:{m.id}:s{m.sequence}:card-cw",
            due,
            buttons=[[{"text": BUTTON_CALENDAR, "data": f"mt:{m.id}:ics"}]],
            expires_at=m.starts_at,
        )


def _card_was_sent(session: Session, meeting: Meeting) -> bool:
    """Has the client seen this meeting? If not, a change needs no 'it has moved' notice."""
    return outbox.sent_any(session, object_ref=ref(meeting), kind="meeting")


def booked(
    session: Session, found: MeetingView, now: datetime, tz: ZoneInfo, quiet: Quiet = DEFAULT_QUIET
) -> None:
    """The card to the client (and the caseworker for a three-party meeting), reminders."""
    m = found.meeting
    _cards(session, found, CARD, CARD_CASEWORKER, max(now, m.starts_at - CARD_LEAD), tz)
    _schedule_reminders(session, found, now, tz, quiet)


def moved(
    session: Session, found: MeetingView, now: datetime, tz: ZoneInfo, quiet: Quiet = DEFAULT_QUIET
) -> None:
    """Old reminders out, new ones in, and everyone who saw the meeting told the new time."""
    m = found.meeting
    seen = _card_was_sent(session, m)
    outbox.cancel(session, object_ref=ref(m))
    if seen:
        _cards(session, found, MOVED, MOVED_CASEWORKER, now, tz)
    else:  # never shown: the new card simply comes at its time
        _cards(session, found, CARD, CARD_CASEWORKER, max(now, m.starts_at - CARD_LEAD), tz)
    _schedule_reminders(session, found, now, tz, quiet)


def cancelled(session: Session, found: MeetingView, now: datetime) -> None:
    """Everything pending is withdrawn; those who saw the meeting are told it is off."""
    m = found.meeting
    seen = _card_was_sent(session, m)
    outbox.cancel(session, object_ref=ref(m))
    if not seen:
        return
    params = _params(found)
    calendar = [[{"text": BUTTON_CALENDAR_REMOVE, "data": f"mt:{m.id}:ics"}]]
    _send(
        session,
        found.client,
        m,
        CANCELLED,
        params,
        f"meeting:{m.id}:cancelled",
        now,
        buttons=calendar,
    )
    if m.kind == MeetingKind.THREE_PARTY.value:
        _send(
            session,
            found.caseworker,
            m,
            CANCELLED_CASEWORKER,
            params,
            f"meeting:{m.id}:cancelled-cw",
            now,
            buttons=calendar,
        )


def answered(
    session: Session,
    found: MeetingView,
    response: ClientResponse,
    note: str | None,
    now: datetime,
    *,
    update_id: int,
) -> None:
    """The coach is told the client's answer on the card. Every answer is its own row (a
    client may change their mind); the key has the update that carried it, so the same
    update handled again (a retry after a passing fault, a restart) makes no second row."""
    m = found.meeting
    outbox.schedule(
        session,
        recipient_id=m.coach_id,
        kind="meeting-answer",
        message=ANSWER_TO_COACH[response],
        params={"client": found.client.display_name, "when": at(m.starts_at), "note": note or ""},
        key=f"meeting:{m.id}:answer:{response.value}:u{update_id}",
        due_at=now,
        priority=Priority.NOTICE,
        object_ref=ref(m),
    )
