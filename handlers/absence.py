"""The client's absence notice: /absent, the card's "I can't come", or "olen kipeä".

Choose the meeting (or several, or all until a date for a sick leave) → reason → confirm.
Words with a day in them ("olen kipeä huomenna") open the picker with that day's meetings
ticked. The answer says at once whether the notice was on time, naming the deadline, and
the coach is told at once through the outbox (bot.absence.actions). A notice can be
taken back before the meeting ("I can come after all": never "cancel", which is the
flow's ✖). Each step takes only its own buttons; any other "ab:" button, or one on an
earlier run's message, is answered "no longer valid" and changes nothing. Sent from a
card's or a reminder's "I can't come", that message keeps no answer buttons afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.absence import actions
from bot.absence.texts import (
    ANSWERS,
    ASK_WHICH_AFTER_ALL,
    BUTTON_AFTER_ALL_ON,
    BUTTON_COME_AFTER_ALL,
    NOTHING_TO_WITHDRAW,
    REASONS,
    WITHDRAWN,
)
from bot.access import acting_person, person_of_role, reply, tell_stranger
from bot.attendance import actions as attendance
from bot.inbox import event_time
from bot.meetings.notices import KIND_NAMES, card_answer
from bot.rules.absence import NoticeTiming
from bot.rules.intents import Intent, days_mentioned, intent_of, reason_hint
from bot.services import services_of
from handlers.meetings import AFTER_NOTICE, Kept, kept_buttons, leave_buttons
from handlers.ui import Flow, Steps, Turn, choose_with_buttons, stale_buttons, typed_text
from messages.formatting import show_date, show_short_datetime
from messages.i18n import N_, Translator, translator
from storage import absence
from storage.models import AbsenceReason, Meeting, MeetingKind, Role

PICK, REASON, NOTE, CONFIRM, WITHDRAW = range(5)
CARD_NO = card_answer("no")
REASON_CHOICE = "|".join(reason.value for reason in REASONS)


@dataclass
class Draft(Steps):
    selected: set[int] = field(default_factory=set)
    reason: AbsenceReason | None = None
    note: str | None = None
    # The card or reminder whose "I can't come" started it: (chat, message, what stays).
    origin: tuple[int, int, Kept] | None = None


FLOW = Flow(
    key="absence",
    draft=Draft,
    roles=(Role.CLIENT,),
    prefix="ab",
    stopped=N_("Stopped. Nothing was sent."),
)


def _when(instant: datetime, language: str, tz) -> str:  # type: ignore[no-untyped-def]
    return show_short_datetime(instant, language, tz)


def _markup(rows: list[list[InlineKeyboardButton]] | None) -> InlineKeyboardMarkup | None:
    return InlineKeyboardMarkup(rows) if rows else None


def _cancel_row(t: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton("✖ " + t("Cancel"), callback_data="ab:cancel")]


# --- each step's question --------------------------------------------------------------
async def _open_meetings(turn: Turn[Draft]) -> list[Meeting]:
    return await turn.services.db.run(absence.open_meetings, turn.person, turn.services.now())


async def _pick(turn: Turn[Draft], notes: list[str] | None = None) -> int:
    """The client's open meetings to tap (☑ chosen), a week at a time, or "I can come
    after all" for a notice given. `notes`: lines above the question (a day named that
    has no meeting)."""
    t, draft, language = turn.t, turn.draft, turn.person.language
    tz = turn.services.settings.tz
    now = turn.services.now()
    meetings = await _open_meetings(turn)
    notices = await turn.services.db.run(absence.withdrawable, turn.person, now)
    noticed = {f.meeting.meeting.id for f in notices}
    offered = [m for m in meetings if m.id not in noticed]
    if not offered and not notices:
        await turn.show(t("You have no upcoming meetings."))
        return FLOW.end(turn.context)
    rows = []
    for m in offered:
        mark = "☑ " if m.id in draft.selected else "☐ "
        label = f"{_when(m.starts_at, language, tz)} {t(KIND_NAMES[MeetingKind(m.kind)])}"
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
        rows.append([InlineKeyboardButton(t(BUTTON_COME_AFTER_ALL), callback_data="ab:w")])
    if offered:
        rows.append([InlineKeyboardButton(t("Next") + " ▶", callback_data="ab:next")])
    rows.append(_cancel_row(t))
    text = (
        t("Which meetings can you not come to? Tap to choose.")
        if offered
        else t("You have told about all your meetings.")
    )
    await turn.show("\n".join([*(notes or []), text]), _markup(rows))
    return PICK


def _reason_rows(t: Translator) -> list[list[InlineKeyboardButton]]:
    rows = [
        [InlineKeyboardButton(t(label), callback_data=f"ab:r:{reason.value}")]
        for reason, label in REASONS.items()
    ]
    rows.append(_cancel_row(t))
    return rows


async def _confirm(turn: Turn[Draft]) -> int:
    t, draft = turn.t, turn.draft
    if draft.reason is None:
        raise turn.refused("absence: no reason")
    count = len(draft.selected)
    text = "\n".join(
        [
            t.plural("Send a notice for {n} meeting?", "Send a notice for {n} meetings?", count),
            t("Reason: {reason}", reason=t(REASONS[draft.reason]))
            + (f" ({draft.note})" if draft.note else ""),
        ]
    )
    rows = [[InlineKeyboardButton("✔ " + t("Send"), callback_data="ab:ok")], _cancel_row(t)]
    await turn.show(text, _markup(rows))
    return CONFIRM


# --- entries ---------------------------------------------------------------------------
async def from_card(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The card's "I can't come": that meeting is chosen, straight to the reason."""
    query = update.callback_query
    assert query is not None
    person = await person_of_role(update, context, Role.CLIENT)
    assert context.matches  # the handler's pattern: the meeting id, the card's sequence
    meeting_id, sequence = context.matches[0].groups()
    turn = Turn(update, context, person, Draft(selected={int(meeting_id)}))
    meeting = next((m for m in await _open_meetings(turn) if m.id == int(meeting_id)), None)
    if meeting is None or (sequence is not None and int(sequence) != meeting.sequence):
        raise turn.refused("absence: not an open meeting of the client's, or an older card")
    if isinstance(query.message, Message):
        card = query.message
        turn.draft.origin = (card.chat_id, card.message_id, kept_buttons(card, AFTER_NOTICE))
    FLOW.begin(context, turn.draft)
    await query.answer()
    await turn.show(turn.t("Why can you not come?"), _markup(_reason_rows(turn.t)), new=True)
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
                attendance.explain_latest, person, typed_text(update), services.now()
            )
            if explained is not None:
                services.wake_outbox()
                await reply(update, t("Thank you for telling. I told your coach."))
                return ConversationHandler.END
        await reply(update, t("I didn't understand that. /help shows what you can do."))
        return ConversationHandler.END
    hint = reason_hint(message.text)
    draft = FLOW.begin(context, Draft(reason=AbsenceReason(hint) if hint else None))
    turn = Turn(update, context, person, draft)
    return await _pick(turn, await _tick_days(turn, message.text))


async def _tick_days(turn: Turn[Draft], text: str) -> list[str]:
    """The meetings on the days the words name are chosen; a named day without one (or
    already told about) is said so, above the picker."""
    services, t = turn.services, turn.t
    tz = services.settings.tz
    now = services.now()
    days = days_mentioned(text, now.astimezone(tz).date())
    if not days:
        return []
    meetings = await _open_meetings(turn)
    told = {
        f.meeting.meeting.id for f in await services.db.run(absence.withdrawable, turn.person, now)
    }
    notes = []
    for day in days:
        that_day = [m for m in meetings if m.starts_at.astimezone(tz).date() == day]
        open_ids = {m.id for m in that_day if m.id is not None and m.id not in told}
        turn.draft.selected |= open_ids
        shown = show_date(day, turn.person.language)
        if not that_day:
            notes.append(t("You have no meeting on {day}.", day=shown))
        elif not open_ids:
            notes.append(t("You have already told that you cannot come on {day}.", day=shown))
    return notes


# --- PICK ------------------------------------------------------------------------------
async def on_meeting(turn: Turn[Draft]) -> int:
    """Tap a meeting to choose it, tap again to leave it out."""
    meeting_id = int(turn.group(1))
    if meeting_id not in {m.id for m in await _open_meetings(turn)}:
        raise turn.refused("absence: not an open meeting of the client's")
    turn.draft.selected ^= {meeting_id}
    return await _pick(turn)


async def on_until(turn: Turn[Draft]) -> int:
    """All this week / next week: every open meeting up to that Friday."""
    try:
        until = date.fromisoformat(turn.group(1))
    except ValueError as error:
        raise turn.refused("absence: no such day") from error
    tz = turn.services.settings.tz
    turn.draft.selected = {
        m.id
        for m in await _open_meetings(turn)
        if m.starts_at.astimezone(tz).date() <= until and m.id is not None
    }
    return await _pick(turn)


async def on_next(turn: Turn[Draft]) -> int:
    if not turn.draft.selected:
        await turn.alert(turn.t("Choose at least one meeting."))
        return PICK
    if turn.draft.reason is not None:  # said in the words that started the notice
        return await _confirm(turn)
    await turn.show(turn.t("Why can you not come?"), _markup(_reason_rows(turn.t)))
    return REASON


# --- REASON, NOTE ----------------------------------------------------------------------
async def on_reason(turn: Turn[Draft]) -> int:
    turn.draft.reason = AbsenceReason(turn.group(1))
    if turn.draft.reason is AbsenceReason.OTHER:
        await turn.show(turn.t("Write the reason in a few words."), _markup([_cancel_row(turn.t)]))
        return NOTE
    return await _confirm(turn)


async def on_note(turn: Turn[Draft]) -> int:
    text = " ".join(typed_text(turn.update).split())[: absence.NOTE_MAX]
    if not text:
        await reply(turn.update, turn.t("Write the reason in a few words."))
        return NOTE
    turn.draft.note = text
    return await _confirm(turn)


# --- CONFIRM ---------------------------------------------------------------------------
async def on_send(turn: Turn[Draft]) -> int:
    t, draft, services = turn.t, turn.draft, turn.services
    if draft.reason is None or not draft.selected:
        raise turn.refused("absence: nothing to send")
    tz = services.settings.tz
    # The notice counts from when it reached the bot (the inbox's time of this press, so
    # a notice sent before noon stays on time though handled after an outage).
    filed = await services.db.run(
        actions.file_notices,
        turn.person,
        sorted(draft.selected),
        draft.reason,
        draft.note,
        now=event_time(turn.update, services.now()),
        tz=tz,
    )
    services.wake_outbox()
    FLOW.end(turn.context)
    if not filed:
        await turn.show(t("Nothing to send: those meetings already have a notice."))
    else:
        lines = [t("Thank you. Your coach has been told.")]
        language = turn.person.language
        for item in filed:
            lines.append(
                t(
                    ANSWERS[NoticeTiming(item.notice.timing)],
                    when=_when(item.meeting.meeting.starts_at, language, tz),
                    deadline=_when(item.notice.deadline, language, tz),
                )
            )
        await turn.show("\n".join(lines))
    if draft.origin is not None:  # the card's answers, or the reminder's button, are done
        await leave_buttons(turn.context.bot, *draft.origin)
    return ConversationHandler.END


# --- WITHDRAW --------------------------------------------------------------------------
async def on_withdraw_list(turn: Turn[Draft]) -> int:
    t, services = turn.t, turn.services
    tz = services.settings.tz
    notices = await services.db.run(absence.withdrawable, turn.person, services.now())
    if not notices:
        await turn.show(t(NOTHING_TO_WITHDRAW))
        return FLOW.end(turn.context)
    rows = [
        [
            InlineKeyboardButton(
                t(
                    BUTTON_AFTER_ALL_ON,
                    when=_when(f.meeting.meeting.starts_at, turn.person.language, tz),
                ),
                callback_data=f"ab:wd:{f.notice.id}",
            )
        ]
        for f in notices
    ]
    rows.append(_cancel_row(t))
    await turn.show(t(ASK_WHICH_AFTER_ALL), _markup(rows))
    return WITHDRAW


async def on_withdraw(turn: Turn[Draft]) -> int:
    services = turn.services
    filed = await services.db.run(
        actions.withdraw,
        turn.person,
        int(turn.group(1)),
        services.now(),
        tz=services.settings.tz,
        quiet=services.settings.quiet_window,
    )
    if filed is None:
        raise turn.refused("absence: notice not withdrawable")
    services.wake_outbox()
    await turn.show(turn.t(WITHDRAWN))
    return FLOW.end(turn.context)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot, never shared between two (tests, the console)."""
    absent = FLOW.command("absent", _pick)
    card = CallbackQueryHandler(from_card, pattern=CARD_NO)
    cancel_button, cancel_command = FLOW.stops()
    return [
        ConversationHandler(
            entry_points=[
                absent,
                card,
                # Free text starts a notice when it reads like one ("olen kipeä"). This module is
                # registered after the other conversations, so one waiting for text gets it first.
                MessageHandler(
                    filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, from_text
                ),
            ],
            states={
                PICK: [
                    FLOW.button(r"^ab:m:(\d{1,12})$", on_meeting),
                    FLOW.button(r"^ab:u:(\d{4}-\d{2}-\d{2})$", on_until),
                    FLOW.button(r"^ab:next$", on_next),
                    FLOW.button(r"^ab:w$", on_withdraw_list),
                    cancel_button,
                ],
                REASON: [FLOW.button(rf"^ab:r:({REASON_CHOICE})$", on_reason), cancel_button],
                NOTE: [FLOW.text(on_note), cancel_button],
                CONFIRM: [FLOW.button(r"^ab:ok$", on_send), cancel_button],
                WITHDRAW: [FLOW.button(r"^ab:wd:(\d{1,12})$", on_withdraw), cancel_button],
            },
            # No re-entry through the entry points: the free-text one would take a note meant
            # for the NOTE step. A new /absent or "I can't come" restarts from the fallbacks.
            fallbacks=[
                cancel_command,
                absent,
                card,
                MessageHandler(filters.TEXT & ~filters.COMMAND, choose_with_buttons),
                stale_buttons("ab:"),
            ],
            allow_reentry=False,
            conversation_timeout=3600,
            name="absence",
        )
    ]
