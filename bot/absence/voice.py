"""A voice message (or a video note) as an absence notice: the client says it, taps the
meeting it is about, and the coach gets the notice and the voice message itself.

The notice is filed by `bot.absence.actions.file_notices`, counting from when the voice
message was sent (Telegram's date of the message, not when the client tapped), with the
reason "something else" and the note "(voice message)" in the coach's language. In the
same transaction an outbox row of kind "copy" asks the dispatcher to copy the voice
message into the coach's chat; it is queued after the notice's text, so it follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import outbox
from bot.absence.actions import file_notices
from messages.i18n import N_, translator
from storage import absence
from storage.absence import Filed
from storage.models import AbsenceReason, Meeting, Person, Priority

VOICE_NOTE = N_("(voice message)")


@dataclass(frozen=True)
class Voice:
    """The voice message: where it is (the client's chat, its id) and the update that
    brought it (the outbox key comes from it, never from the clock)."""

    chat_id: int
    message_id: int
    update_id: int


def pickable(session: Session, client: Person, now: datetime) -> list[Meeting]:
    """The client's meetings a voice message can be a notice for: not ended at `now`
    (when it was sent), and without a notice yet."""
    return [
        meeting
        for meeting in absence.open_meetings(session, client, now)
        if meeting.id is not None and absence.active_notice(session, meeting.id) is None
    ]


def file_voice_notice(
    session: Session,
    client: Person,
    meeting_id: int,
    voice: Voice,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> list[Filed]:
    """The notice for one meeting of the client's own, as of `now` (the voice message's
    date), and the voice message copied to the coach right after the notice's text.
    Empty when the meeting cannot take a notice (another's, ended, noticed already)."""
    coach = session.get(Person, client.coach_id) if client.coach_id else None
    note = translator(coach.language if coach else client.language)(VOICE_NOTE)
    filed = file_notices(session, client, [meeting_id], AbsenceReason.OTHER, note, now=now, tz=tz)
    for item in filed:
        meeting = item.meeting.meeting
        outbox.schedule(
            session,
            recipient_id=meeting.coach_id,
            kind="copy",
            message=VOICE_NOTE,
            params={"from_chat_id": voice.chat_id, "message_id": voice.message_id},
            key=f"voice:{voice.update_id}:{item.notice.id}",
            due_at=now,
            priority=Priority.ALERT,
            object_ref=f"meeting:{meeting.id}",
        )
    return filed
