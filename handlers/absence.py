"""The client's absence notice: /absent, the card's "I can't come", or "olen kipeä".

Choose the meeting (or several, or all until a date for a sick leave) → reason → confirm.
The answer says at once whether the notice was on time, naming the deadline, and the
coach is told at once through the outbox. Notices can be withdrawn before the meeting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.access import acting_person, for_roles, refuse_button, reply, t_for, tell_stranger
from bot.attendance import actions as attendance
from bot.meetings.notices import KIND_NAMES
from bot.rules.absence import NoticeTiming
from bot.rules.intents import Intent, intent_of, reason_hint
from bot.services import services_of
from handlers.ui import entry, show
from messages.formatting import show_short_datetime
from messages.i18n import N_, Translator, translator
from messages.render import at, msg, near
from storage import absence, outbox
from storage.absence import Filed
from storage.models import AbsenceReason, MeetingKind, Person, Priority, Role

KEY = "absence"
PICK, REASON, NOTE, CONFIRM = range(4)
CARD_NO = re.compile(r"^mt:(\d{1,12}):no$")

REASONS = {
    AbsenceReason.ILL: N_("I am ill"),
    AbsenceReason.CHILD_ILL: N_("My child is ill"),
    AbsenceReason.APPOINTMENT: N_("Another appointment"),
    AbsenceReason.OTHER: N_("Something else"),
}
TIMING_WORDS = {
    NoticeTiming.ON_TIME: N_("on time"),
    NoticeTiming.LATE: N_("late"),
    NoticeTiming.AFTER_START: N_("after the start"),
}
ANSWERS = {
    NoticeTiming.ON_TIME: N_("{when}: You told in time. The deadline was {deadline}."),
    NoticeTiming.LATE: N_(
        "{when}: The deadline was {deadline}, so this notice is late. "
        "Next time, please tell by noon on the working day before."
    ),
    NoticeTiming.AFTER_START: N_("{when}: The meeting had already started."),
}
TOLD_COACH = N_(
    "{client} cannot come: {when}. Reason: {reason}.\n"
    "The notice came {timing} (deadline {deadline})."
)
TOLD_COACH_NOTE = N_(
    "{client} cannot come: {when}. Reason: {reason}: {note}\n"
    "The notice came {timing} (deadline {deadline})."
)
WITHDRAWN_COACH = N_("{client} withdrew the absence notice: {when}. They will come.")


@dataclass
class Draft:
    selected: set[int] = field(default_factory=set)
    reason: AbsenceReason | None = None
    note: str | None = None


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    assert context.user_data is not None
    return context.user_data.setdefault(KEY, Draft())  # type: ignore[no-any-return]


def _when(instant: datetime, language: str, tz) -> str:  # type: ignore[no-untyped-def]
    return show_short_datetime(instant, language, tz)


async def _show(update: Update, text: str, rows: list[list[InlineKeyboardButton]] | None) -> None:
    await show(update, text, InlineKeyboardMarkup(rows) if rows else None)


def _cancel_row(t: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton("✖ " + t("Cancel"), callback_data="ab:cancel")]


async def _pick(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    services = services_of(context)
    tz = services.settings.tz
    t = translator(person.language)
    draft = _draft(context)
    now = services.now()
    meetings = await services.db.run(absence.open_meetings, person, now)
    notices = await services.db.run(absence.withdrawable, person, now)
    noticed = {f.meeting.meeting.id for f in notices}
    offered = [m for m in meetings if m.id not in noticed]
    if not offered and not notices:
        await _show(update, t("You have no upcoming meetings."), None)
        return ConversationHandler.END
    rows = []
    for m in offered:
        mark = "☑ " if m.id in draft.selected else "☐ "
        label = f"{_when(m.starts_at, person.language, tz)} {t(KIND_NAMES[MeetingKind(m.kind)])}"
        rows.append([InlineKeyboardButton(mark + label[:56], callback_data=f"ab:m:{m.id}")])
    if len(offered) > 1:
        today = now.astimezone(tz).date()
        this_friday = today + timedelta(days=(4 - today.weekday()) % 7)
        rows.append(
            [
                InlineKeyboardButton(
                    t("All this week"), callback_data=f"ab:u:{this_friday.isoformat()}"
                ),
                InlineKeyboardButton(
                    t("All next week"),
                    callback_data=f"ab:u:{(this_friday + timedelta(days=7)).isoformat()}",
                ),
            ]
        )
    if notices:
        rows.append([InlineKeyboardButton(t("Withdraw a notice"), callback_data="ab:w")])
    if offered:
        rows.append([InlineKeyboardButton(t("Next") + " ▶", callback_data="ab:next")])
    rows.append(_cancel_row(t))
    text = (
        t("Which meetings can you not come to? Tap to choose.")
        if offered
        else t("You have told about all your meetings.")
    )
    await _show(update, text, rows)
    return PICK


async def _ask_reason(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    t = translator(person.language)
    rows = [
        [InlineKeyboardButton(t(label), callback_data=f"ab:r:{reason.value}")]
        for reason, label in REASONS.items()
    ]
    rows.append(_cancel_row(t))
    await _show(update, t("Why can you not come?"), rows)
    return REASON


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    t = translator(person.language)
    draft = _draft(context)
    assert draft.reason is not None
    count = len(draft.selected)
    text = "\n".join(
        [
            t.plural("Send a notice for {n} meeting?", "Send a notice for {n} meetings?", count),
            t("Reason: {reason}", reason=t(REASONS[draft.reason]))
            + (f" ({draft.note})" if draft.note else ""),
        ]
    )
    rows = [[InlineKeyboardButton("✔ " + t("Send"), callback_data="ab:ok")], _cancel_row(t)]
    await _show(update, text, rows)
    return CONFIRM


# --- entries ---------------------------------------------------------------------------
@for_roles(Role.CLIENT, command="absent")
async def _begin(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    assert context.user_data is not None
    context.user_data[KEY] = Draft()
    return await _pick(update, context, person)


start = entry(_begin)


async def from_card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The card's "I can't come": that meeting is chosen, straight to the reason."""
    query = update.callback_query
    assert query is not None
    person = await acting_person(update, context)
    match = CARD_NO.match(query.data or "")
    t = t_for(update, context, person)
    if person is None or person.role != Role.CLIENT.value or match is None:
        await refuse_button(update, context, person)
        return ConversationHandler.END
    services = services_of(context)
    meetings = await services.db.run(absence.open_meetings, person, services.now())
    meeting_id = int(match.group(1))
    if meeting_id not in {m.id for m in meetings}:
        await refuse_button(update, context, person)
        return ConversationHandler.END
    assert context.user_data is not None
    context.user_data[KEY] = Draft(selected={meeting_id})
    assert update.effective_chat is not None
    await query.answer()
    rows = [
        [InlineKeyboardButton(t(label), callback_data=f"ab:r:{reason.value}")]
        for reason, label in REASONS.items()
    ]
    rows.append(_cancel_row(t))
    await update.effective_chat.send_message(
        t("Why can you not come?"), reply_markup=InlineKeyboardMarkup(rows)
    )
    return REASON


async def from_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Free text from a client: an absence starts the notice, stopping asks, else a hint."""
    person = await acting_person(update, context)
    message = update.effective_message
    if person is None:
        await tell_stranger(update, context)
        return ConversationHandler.END
    if message is None or not message.text:
        return ConversationHandler.END
    t = translator(person.language)
    intent = intent_of(message.text) if person.role == Role.CLIENT.value else Intent.UNCLEAR
    if intent is Intent.STOP:
        from handlers.stop import ask_to_stop

        await ask_to_stop(update, context, person)
        return ConversationHandler.END
    if intent is Intent.UNCLEAR:
        if person.role == Role.CLIENT.value:
            # Words after a missed meeting are most likely the explanation asked for.
            services = services_of(context)
            explained = await services.db.run(
                attendance.explain_latest, person, message.text, services.now()
            )
            if explained is not None:
                services.wake_outbox()
                await reply(update, t("Thank you for telling. I told your coach."))
                return ConversationHandler.END
        await reply(update, t("I didn't understand that. /help shows what you can do."))
        return ConversationHandler.END
    assert context.user_data is not None
    hint = reason_hint(message.text)
    context.user_data[KEY] = Draft(reason=AbsenceReason(hint) if hint else None)
    return await _pick(update, context, person)


# --- steps -----------------------------------------------------------------------------
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None
    person = await acting_person(update, context)
    if person is None or person.role != Role.CLIENT.value:
        await refuse_button(update, context, person)
        return ConversationHandler.END
    t = translator(person.language)
    draft = _draft(context)
    data = query.data or ""
    services = services_of(context)
    try:
        if data == "ab:cancel":
            context.user_data.pop(KEY, None)  # type: ignore[union-attr]
            await _show(update, t("Stopped. Nothing was sent."), None)
            return ConversationHandler.END
        if data.startswith("ab:m:"):
            meeting_id = int(data.removeprefix("ab:m:"))
            mine = await services.db.run(absence.open_meetings, person, services.now())
            if meeting_id not in {m.id for m in mine}:
                raise ValueError("not the client's meeting")
            draft.selected ^= {meeting_id}
            return await _pick(update, context, person)
        if data.startswith("ab:u:"):
            until = date.fromisoformat(data.removeprefix("ab:u:"))
            tz = services.settings.tz
            mine = await services.db.run(absence.open_meetings, person, services.now())
            draft.selected = {
                m.id
                for m in mine
                if m.starts_at.astimezone(tz).date() <= until and m.id is not None
            }
            return await _pick(update, context, person)
        if data == "ab:next":
            if not draft.selected:
                await query.answer(t("Choose at least one meeting."), show_alert=True)
                return PICK
            if draft.reason is not None:
                return await _confirm(update, context, person)
            return await _ask_reason(update, context, person)
        if data.startswith("ab:r:"):
            draft.reason = AbsenceReason(data.removeprefix("ab:r:"))
            if draft.reason is AbsenceReason.OTHER:
                await _show(update, t("Write the reason in a few words."), [_cancel_row(t)])
                return NOTE
            return await _confirm(update, context, person)
        if data == "ab:ok":
            return await _send(update, context, person)
        if data == "ab:w":
            return await _withdraw_list(update, context, person)
        if data.startswith("ab:wd:"):
            return await _withdraw(update, context, person, int(data.removeprefix("ab:wd:")))
    except ValueError:
        pass
    await refuse_button(update, context, person)
    return PICK


async def on_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await acting_person(update, context)
    if person is None or update.effective_message is None:
        return ConversationHandler.END
    draft = _draft(context)
    text = " ".join((update.effective_message.text or "").split())[: absence.NOTE_MAX]
    t = translator(person.language)
    if not text:
        await reply(update, t("Write the reason in a few words."))
        return NOTE
    draft.note = text
    return await _confirm(update, context, person)


async def not_a_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    await reply(update, t("Please choose with the buttons above, or /cancel to stop."))
    return None


def _coach_row(
    filed: Filed, reason: AbsenceReason, note: str | None, now: datetime
) -> dict[str, Any]:
    m = filed.meeting.meeting
    return {
        "recipient_id": m.coach_id,
        "kind": "absence",
        "message": TOLD_COACH_NOTE if note else TOLD_COACH,
        "params": {
            "client": filed.meeting.client.display_name,
            "when": at(m.starts_at),
            "reason": msg(REASONS[reason]),
            "note": note or "",
            "timing": msg(TIMING_WORDS[NoticeTiming(filed.notice.timing)]),
            "deadline": near(filed.notice.deadline),
        },
        "key": f"absence:{filed.notice.id}:coach",
        "due_at": now,
        "priority": Priority.ALERT,
        "object_ref": f"meeting:{m.id}",
    }


async def _send(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    services = services_of(context)
    draft = _draft(context)
    t = translator(person.language)
    assert draft.reason is not None
    reason, note = draft.reason, draft.note
    # The notice counts from when it reached the bot: this update, now.
    now = services.now()
    tz = services.settings.tz

    def save(session):  # type: ignore[no-untyped-def]
        filed = absence.file_notices(
            session, person, sorted(draft.selected), reason, note, now=now, tz=tz
        )
        for item in filed:
            outbox.schedule(session, **_coach_row(item, reason, note, now))
        return filed

    filed = await services.db.run(save)
    services.wake_outbox()
    context.user_data.pop(KEY, None)  # type: ignore[union-attr]
    if not filed:
        await _show(update, t("Nothing to send: those meetings already have a notice."), None)
        return ConversationHandler.END
    lines = [t("Thank you. Your coach has been told.")]
    for item in filed:
        lines.append(
            t(
                ANSWERS[NoticeTiming(item.notice.timing)],
                when=_when(item.meeting.meeting.starts_at, person.language, tz),
                deadline=_when(item.notice.deadline, person.language, tz),
            )
        )
    await _show(update, "\n".join(lines), None)
    return ConversationHandler.END


async def _withdraw_list(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    services = services_of(context)
    t = translator(person.language)
    tz = services.settings.tz
    notices = await services.db.run(absence.withdrawable, person, services.now())
    if not notices:
        await _show(update, t("You have no notices to withdraw."), None)
        return ConversationHandler.END
    rows = [
        [
            InlineKeyboardButton(
                t(
                    "I will come after all: {when}",
                    when=_when(f.meeting.meeting.starts_at, person.language, tz),
                ),
                callback_data=f"ab:wd:{f.notice.id}",
            )
        ]
        for f in notices
    ]
    rows.append(_cancel_row(t))
    await _show(update, t("Which notice do you withdraw?"), rows)
    return PICK


async def _withdraw(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, notice_id: int
) -> int:
    services = services_of(context)
    t = translator(person.language)
    now = services.now()

    def save(session):  # type: ignore[no-untyped-def]
        filed = absence.withdraw(session, person, notice_id, now)
        if filed is not None:
            m = filed.meeting.meeting
            outbox.schedule(
                session,
                recipient_id=m.coach_id,
                kind="absence",
                message=WITHDRAWN_COACH,
                params={"client": filed.meeting.client.display_name, "when": at(m.starts_at)},
                key=f"absence:{notice_id}:withdrawn",
                due_at=now,
                priority=Priority.ALERT,
                object_ref=f"meeting:{m.id}",
            )
        return filed

    filed = await services.db.run(save)
    if filed is None:
        assert update.callback_query is not None
        await update.callback_query.answer(t("This button is no longer valid."), show_alert=True)
        return ConversationHandler.END
    services.wake_outbox()
    context.user_data.pop(KEY, None)  # type: ignore[union-attr]
    await _show(update, t("The notice is withdrawn. Your coach knows you will come."), None)
    return ConversationHandler.END


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(KEY, None)  # type: ignore[union-attr]
    person = await acting_person(update, context)
    await reply(update, t_for(update, context, person)("Stopped. Nothing was sent."))
    return ConversationHandler.END


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot, never shared between two (tests, the console)."""
    return [
        ConversationHandler(
            entry_points=[
                CommandHandler("absent", start, filters=filters.ChatType.PRIVATE),
                CallbackQueryHandler(from_card, pattern=r"^mt:\d{1,12}:no$"),
                # Free text starts a notice when it reads like one ("olen kipeä"). This module is
                # registered after the other conversations, so one waiting for text gets it first.
                MessageHandler(
                    filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, from_text
                ),
            ],
            states={
                PICK: [CallbackQueryHandler(on_button, pattern=r"^ab:")],
                REASON: [CallbackQueryHandler(on_button, pattern=r"^ab:")],
                NOTE: [
                    CallbackQueryHandler(on_button, pattern=r"^ab:"),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, on_note),
                ],
                CONFIRM: [CallbackQueryHandler(on_button, pattern=r"^ab:")],
            },
            # No re-entry through the entry points: the free-text one would take a note meant
            # for the NOTE step. A new /absent or "I can't come" restarts from the fallbacks.
            fallbacks=[
                CommandHandler("cancel", stop),
                CommandHandler("absent", start),
                CallbackQueryHandler(from_card, pattern=r"^mt:\d{1,12}:no$"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, not_a_button),
            ],
            allow_reentry=False,
            conversation_timeout=3600,
            name="absence",
        )
    ]
