"""The absence feature's only write path: filing notices and withdrawing them, each in one
transaction with the coach's message in the outbox. A notice withdraws the meeting's
reminders to the client; withdrawing the notice brings them back.

The handler calls `services.db.run(actions.file_notices, ...)`, then wakes the outbox.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import outbox
from bot.absence.texts import (
    COACH_REASONS,
    TIMING_WORDS,
    TOLD_COACH,
    TOLD_COACH_NOTE,
    WITHDRAWN_COACH,
)
from bot.meetings.notices import DEFAULT_QUIET, Quiet, restore_reminders, withdraw_reminders
from bot.rules.absence import HELSINKI, NoticeTiming, absence_deadline, classify_notice
from messages.render import at, msg, near
from storage import absence
from storage.absence import Filed
from storage.models import AbsenceReason, Person, Priority


def _tell_coach(
    session: Session,
    filed: Filed,
    message: str,
    params: dict[str, object],
    key: str,
    now: datetime,
) -> None:
    """At once and as an alert: the coach plans the day around it [002 §3.4.3]."""
    m = filed.meeting.meeting
    outbox.schedule(
        session,
        recipient_id=m.coach_id,
        kind="absence",
        message=message,
        params={"client": filed.meeting.client.display_name, "when": at(m.starts_at), **params},
        key=key,
        due_at=now,
        priority=Priority.ALERT,
        object_ref=f"meeting:{m.id}",
    )


def file_notices(
    session: Session,
    client: Person,
    meeting_ids: list[int],
    reason: AbsenceReason,
    note: str | None,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> list[Filed]:
    """One notice per meeting of the client's own; a meeting with a notice keeps its first.

    The notice counts from `now`, when it reached the bot; the noon rule [002 §3.4.3]
    decides its deadline and whether it was on time, and the coach is told each, the
    reason in words about the client ("Reason: illness"). The meeting's pending reminders
    to the client are withdrawn (the deadline-day one too)."""
    filed = []
    for meeting_id in sorted(set(meeting_ids)):
        meeting = absence.noticeable(session, client, meeting_id, now)
        if meeting is None:
            continue
        timing = classify_notice(meeting.starts_at, now, tz=tz)
        item = absence.add_notice(
            session,
            client,
            meeting,
            reason,
            note,
            now=now,
            deadline=absence_deadline(meeting.starts_at, tz=tz),
            timing=timing.value,
        )
        _tell_coach(
            session,
            item,
            TOLD_COACH_NOTE if note else TOLD_COACH,
            {
                "reason": msg(COACH_REASONS[reason]),
                "note": note or "",
                "timing": msg(TIMING_WORDS[NoticeTiming(item.notice.timing)]),
                "deadline": near(item.notice.deadline),
            },
            f"absence:{item.notice.id}:coach",
            now,
        )
        withdraw_reminders(session, meeting)
        filed.append(item)
    return filed


def withdraw(
    session: Session,
    client: Person,
    notice_id: int,
    now: datetime,
    *,
    tz: ZoneInfo = HELSINKI,
    quiet: Quiet = DEFAULT_QUIET,
) -> Filed | None:
    """The client's own notice, before the meeting starts; the coach is told they will come,
    and the meeting's reminders (those still ahead) come back. None when it cannot be
    withdrawn (another's, already withdrawn, or started)."""
    filed = absence.withdraw(session, client, notice_id, now)
    if filed is not None:
        _tell_coach(session, filed, WITHDRAWN_COACH, {}, f"absence:{notice_id}:withdrawn", now)
        restore_reminders(session, filed.meeting, now, tz, quiet)
    return filed
