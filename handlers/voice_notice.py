"""A voice message (or a video note) from a client is an absence notice too.

The client is asked which meeting it is about: their meetings without a notice, one tap
each, and Cancel. The tap files the notice (bot.absence.voice), counting from when the
voice message was sent, not from the tap; the coach gets the notice and the voice message
itself. No transcription. Routed by state: only this run's buttons (`vn:m:<meeting>`,
`vn:cancel`) on this run's message are taken; any other "vn:" button, or one on an earlier
run's message, is answered "no longer valid" and changes nothing. A new voice message
starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.absence import voice
from bot.absence.texts import ANSWERS
from bot.access import acting_person, reply, tell_stranger
from bot.inbox import event_time
from bot.meetings.notices import KIND_NAMES
from bot.rules.absence import NoticeTiming
from bot.services import services_of
from handlers.ui import Flow, Steps, Turn, stale_buttons
from messages.formatting import show_short_datetime
from messages.i18n import N_, translator
from storage.models import MeetingKind, Role

PICK = 0
SHOWN_MAX = 8  # meetings offered: the next ones; a notice for later ones has time
VOICE = filters.ChatType.PRIVATE & (filters.VOICE | filters.VIDEO_NOTE)


@dataclass
class Draft(Steps):
    """The voice message the notice is about, and when it was sent."""

    sent_at: datetime | None = None
    chat_id: int | None = None
    voice_id: int | None = None
    update_id: int | None = None


FLOW = Flow(
    key="voice_notice",
    draft=Draft,
    roles=(Role.CLIENT,),
    prefix="vn",
    stopped=N_("Stopped. Nothing was sent."),
)


async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A voice message or a video note: a client is asked which meeting it is about."""
    person = await acting_person(update, context)
    message = update.effective_message
    if person is None:
        await tell_stranger(update, context)
        return ConversationHandler.END
    t = translator(person.language)
    if person.role != Role.CLIENT.value or message is None:
        await reply(update, t("I didn't understand that. /help shows what you can do."))
        return ConversationHandler.END
    services = services_of(context)
    sent_at = event_time(update, services.now())  # the voice message's own date
    draft = FLOW.begin(
        context,
        Draft(
            sent_at=sent_at,
            chat_id=message.chat_id,
            voice_id=message.message_id,
            update_id=update.update_id,
        ),
    )
    turn = Turn(update, context, person, draft)
    meetings = await services.db.run(voice.pickable, person, sent_at)
    if not meetings:
        await turn.show(
            t(
                "You have no upcoming meetings to give notice for, so I did not send this "
                "voice message on. Please contact your coach directly."
            )
        )
        return FLOW.end(context)
    tz, language = services.settings.tz, person.language
    rows = [
        [
            InlineKeyboardButton(
                f"{show_short_datetime(m.starts_at, language, tz)} "
                f"{t(KIND_NAMES[MeetingKind(m.kind)])}"[:60],
                callback_data=f"vn:m:{m.id}",
            )
        ]
        for m in meetings[:SHOWN_MAX]
    ]
    rows.append([InlineKeyboardButton("✖ " + t("Cancel"), callback_data="vn:cancel")])
    await turn.show(
        t(
            "Is this voice message an absence notice? Tap the meeting you cannot come to. "
            "Your coach gets the notice and your voice message."
        ),
        InlineKeyboardMarkup(rows),
    )
    return PICK


async def on_meeting(turn: Turn[Draft]) -> int:
    """One tap: the notice for that meeting, as of when the voice message was sent."""
    draft, services, t = turn.draft, turn.services, turn.t
    if (
        draft.sent_at is None
        or draft.chat_id is None
        or draft.voice_id is None
        or draft.update_id is None
    ):
        raise turn.refused("voice notice: no voice message")
    meeting_id = int(turn.group(1))
    offered = await services.db.run(voice.pickable, turn.person, draft.sent_at)
    if meeting_id not in {m.id for m in offered}:
        raise turn.refused("voice notice: not a meeting of the client's without a notice")
    tz = services.settings.tz
    filed = await services.db.run(
        voice.file_voice_notice,
        turn.person,
        meeting_id,
        voice.Voice(draft.chat_id, draft.voice_id, draft.update_id),
        now=draft.sent_at,
        tz=tz,
    )
    FLOW.end(turn.context)
    if not filed:
        await turn.show(t("Nothing to send: those meetings already have a notice."))
        return ConversationHandler.END
    services.wake_outbox()
    language = turn.person.language
    lines = [t("Thank you. Your coach has been told and gets your voice message.")]
    for item in filed:
        lines.append(
            t(
                ANSWERS[NoticeTiming(item.notice.timing)],
                when=show_short_datetime(item.meeting.meeting.starts_at, language, tz),
                deadline=show_short_datetime(item.notice.deadline, language, tz),
            )
        )
    await turn.show("\n".join(lines))
    return ConversationHandler.END


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application (conversation state is per bot)."""
    cancel_button, cancel_command = FLOW.stops()
    started = MessageHandler(VOICE, on_voice)
    return [
        ConversationHandler(
            entry_points=[started],
            states={PICK: [FLOW.button(r"^vn:m:(\d{1,12})$", on_meeting), cancel_button]},
            fallbacks=[cancel_command, started, stale_buttons("vn:")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="voice_notice",
        )
    ]
