"""Meeting cards and lists: the client's answers, calendar files, /meetings for all, and
what the meetings' conversations share (a press on the month calendar, a meeting's time).

A card's answer, once given, leaves the card: after "I'll come" or "Ask for another time"
(its words sent) the card keeps only "I can't come" (the client may still have to tell)
and "Add to calendar"; after an absence notice from the card only "Add to calendar"
(handlers/absence.py). A client's /meetings names each meeting's notice deadline."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import BadRequest
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

from bot.absence import actions as absence_actions
from bot.absence.texts import WITHDRAWN
from bot.access import (
    Refused,
    acting_person,
    person_of_role,
    pressing_person,
    reply,
    t_for,
)
from bot.meetings import actions
from bot.meetings.ics import ics_filename, meeting_ics
from bot.meetings.keyboards import parse_calendar
from bot.meetings.notices import KIND_NAMES, NO_PLACE, TELL_AT_ONCE, TELL_BY, card_answer
from bot.rules.absence import absence_deadline
from bot.services import services_of
from handlers.ui import Flow, Steps, Turn, entry, stale_buttons, typed_text
from messages.formatting import show_clock, show_date, show_short_datetime, show_time
from messages.i18n import N_, Translator, translator
from messages.limits import MAX_TEXT, clip, length
from storage import absence, meetings
from storage.meetings import MeetingView
from storage.models import ClientResponse, MeetingKind, MeetingStatus, Person, Role

NOTE_MAX = 500
WAITING_NOTE = 1
NOTE_FOR = "meeting_note_for"
NOTE_CARD = "meeting_note_card"  # the card "Ask for another time" was pressed on
# What a card keeps once answered: "I can't come" and the calendar file.
AFTER_ANSWER = re.compile(r"^mt:\d{1,12}(?::\d{1,6})?:no$|^mt:\d{1,12}:ics$")
# ... and once the client has told she cannot come: the calendar file only.
AFTER_NOTICE = re.compile(r"^mt:\d{1,12}:ics$")
TOLD_ALREADY = N_("You have told that you cannot come.")
REGROUP = r"^mm:by(day|client)$"

ANSWER_MARKS = {
    ClientResponse.NONE.value: "",
    ClientResponse.CONFIRMED.value: "✅ ",
    ClientResponse.DECLINED.value: "❌ ",
    ClientResponse.OTHER_TIME.value: "❓ ",
}


async def calendar_press(turn: Turn[Any], prefix: str) -> tuple[str, date] | None:
    """A press on a month calendar (bot.meetings.keyboards) in a conversation: ("day" or
    "month", the date), or None for a blank button (answered: nothing to do). Forged
    data is refused."""
    try:
        action, value = parse_calendar(turn.group(0), prefix)
    except ValueError as error:
        raise turn.refused("not a day of the calendar") from error
    if value is None:
        assert turn.update.callback_query is not None
        await turn.update.callback_query.answer()
        return None
    return action, value


def when_text(found: MeetingView, language: str, tz) -> str:  # type: ignore[no-untyped-def]
    m = found.meeting
    start = m.starts_at.astimezone(tz)
    end = m.ends_at.astimezone(tz)
    return f"{show_date(start.date(), language)} {show_time(start, language)}–" + show_clock(
        end, language
    )


# --- buttons that have done their work ----------------------------------------------------
Kept = tuple[tuple[tuple[str, str], ...], ...]


def kept_buttons(message: Message | None, keep: re.Pattern[str]) -> Kept:
    """The buttons of `message` that stay once its answer is given: (text, data) rows."""
    if message is None or message.reply_markup is None:
        return ()
    rows = (
        tuple(
            (b.text, str(b.callback_data))
            for b in row
            if isinstance(b.callback_data, str) and keep.match(b.callback_data)
        )
        for row in message.reply_markup.inline_keyboard
    )
    return tuple(row for row in rows if row)


async def leave_buttons(bot: Bot, chat_id: int, message_id: int, kept: Kept) -> None:
    """The message shows only the `kept` buttons (none: no keyboard). A message too old
    to edit, deleted, or already so, stays as it is."""
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in kept]
    )
    with contextlib.suppress(BadRequest):
        await bot.edit_message_reply_markup(
            chat_id=chat_id, message_id=message_id, reply_markup=markup if kept else None
        )


# --- the card's buttons ("I can't come" is an absence notice: handlers/absence.py) ------
async def _card(
    update: Update, context: ContextTypes.DEFAULT_TYPE
) -> tuple[Person, MeetingView] | None:
    """The presser and the card's meeting, which they may see (another's is audited and
    refused); None for a stranger, who is told how to join."""
    person = await pressing_person(update, context)
    if person is None:
        return None
    assert context.matches  # the handlers' patterns: the meeting id first
    services = services_of(context)
    found = await services.db.run(meetings.for_viewer, int(context.matches[0].group(1)), person)
    if found is None:
        raise Refused(person, "meeting: not theirs")
    return person, found


async def _answerable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> MeetingView | None:
    """The client's own meeting that can still be answered on this card; a cancelled or
    finished one is said so, and None. A card that a move replaced is stale."""
    card = await _card(update, context)
    if card is None:
        return None
    person, found = card
    if person.id != found.meeting.client_id:
        raise Refused(person, "meeting: not the client")
    t = translator(person.language)
    query = update.callback_query
    assert query is not None
    if found.meeting.status == MeetingStatus.CANCELLED.value:
        await query.answer(t("This meeting is cancelled."), show_alert=True)
        return None
    if found.meeting.ends_at <= services_of(context).now():
        await query.answer(t("This meeting is already over."), show_alert=True)
        return None
    sequence = context.matches[0].group(2) if context.matches else None
    if sequence is not None and int(sequence) != found.meeting.sequence:
        raise Refused(person, "meeting: an older card")
    return found


async def on_come(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """'I'll come': the coach is told, and the card keeps only "I can't come" and the
    calendar. After an absence notice (given elsewhere) it means "I can come after all":
    the notice is withdrawn and the coach told so."""
    found = await _answerable(update, context)
    if found is None:
        return ConversationHandler.END
    assert found.meeting.id is not None and update.callback_query is not None
    card = update.callback_query.message
    if found.meeting.client_response == ClientResponse.DECLINED.value:
        await _come_after_all(update, context, found)
    else:
        await _record(update, context, found.client, found.meeting.id, ClientResponse.CONFIRMED)
    if isinstance(card, Message):
        await leave_buttons(
            context.bot, card.chat_id, card.message_id, kept_buttons(card, AFTER_ANSWER)
        )
    return ConversationHandler.END


async def _come_after_all(
    update: Update, context: ContextTypes.DEFAULT_TYPE, found: MeetingView
) -> None:
    """The client's notice for this meeting is withdrawn (bot.absence.actions.withdraw)."""
    services = services_of(context)
    assert found.meeting.id is not None
    notice = await services.db.run(absence.active_notice, found.meeting.id)
    filed = None
    if notice is not None and notice.id is not None:
        filed = await services.db.run(
            absence_actions.withdraw,
            found.client,
            notice.id,
            services.now(),
            tz=services.settings.tz,
            quiet=services.settings.quiet_window,
        )
    if filed is None:  # started, or no notice after all: nothing to change
        raise Refused(found.client, "meeting: notice not withdrawable")
    services.wake_outbox()
    await reply(update, translator(found.client.language)(WITHDRAWN))


async def on_other_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """'Ask for another time': the client's words are asked for next."""
    found = await _answerable(update, context)
    if found is None:
        return ConversationHandler.END
    assert context.user_data is not None and update.callback_query is not None
    context.user_data[NOTE_FOR] = found.meeting.id
    card = update.callback_query.message
    if isinstance(card, Message):
        context.user_data[NOTE_CARD] = (
            card.chat_id,
            card.message_id,
            kept_buttons(card, AFTER_ANSWER),
        )
    t = translator(found.client.language)
    await reply(update, t("Which times would suit you? Write it in a few words. (/cancel to stop)"))
    return WAITING_NOTE


async def on_calendar(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """'Add to calendar' (or remove): the .ics file, for anyone who may see the meeting."""
    card = await _card(update, context)
    if card is not None:
        await _send_calendar_file(update, context, card[1], card[0])
    return ConversationHandler.END


async def _record(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    client: Person,
    meeting_id: int,
    response: ClientResponse,
    note: str | None = None,
) -> None:
    services = services_of(context)
    found = await services.db.run(
        actions.answer, client, meeting_id, response, note, now=services.now(),
        update_id=update.update_id,
    )  # fmt: skip
    if found is None:
        raise Refused(client, "meeting: not the client's")
    services.wake_outbox()
    t = translator(client.language)
    thanks = {
        ClientResponse.CONFIRMED: t("Thank you! Your coach knows you will come."),
        ClientResponse.OTHER_TIME: t("Thank you! I sent your message to your coach."),
    }[response]
    await reply(update, thanks)


async def receive_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await acting_person(update, context)
    meeting_id = context.user_data.pop(NOTE_FOR, None)  # type: ignore[union-attr]
    card = context.user_data.pop(NOTE_CARD, None)  # type: ignore[union-attr]
    if person is None or meeting_id is None or update.effective_message is None:
        return ConversationHandler.END
    note = typed_text(update).strip()[:NOTE_MAX]
    await _record(update, context, person, meeting_id, ClientResponse.OTHER_TIME, note)
    if card is not None:
        await leave_buttons(context.bot, *card)
    return ConversationHandler.END


async def stop_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(NOTE_FOR, None)  # type: ignore[union-attr]
    context.user_data.pop(NOTE_CARD, None)  # type: ignore[union-attr]
    person = await acting_person(update, context)
    await reply(update, t_for(update, context, person)("Stopped. Nothing was sent."))
    return ConversationHandler.END


async def note_not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    await reply(update, t("Please write your answer as text, or /cancel to stop."))
    return WAITING_NOTE


async def _send_calendar_file(
    update: Update, context: ContextTypes.DEFAULT_TYPE, found: MeetingView, person: Person
) -> None:
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    services = services_of(context)
    t = translator(person.language)
    m = found.meeting
    kind = t(KIND_NAMES[MeetingKind(m.kind)])
    data = meeting_ics(
        uid=f"meeting-{m.id}@coachbot",
        sequence=m.sequence,
        start=m.starts_at,
        end=m.ends_at,
        summary=f"{kind}: {found.coach.display_name}"
        if person.role == Role.CLIENT.value
        else f"{kind}: {found.client.display_name}",
        location=m.place,
        description=None,
        now=services.now(),
        cancelled=m.status == MeetingStatus.CANCELLED.value,
        organizer=found.coach.display_name,
        tz=services.settings.tz,
    )
    await query.answer()
    caption = (
        t("Open the file to remove the meeting from your calendar.")
        if m.status == MeetingStatus.CANCELLED.value
        else t("Open the file to add the meeting to your calendar.")
    )
    await update.effective_chat.send_document(
        InputFile(data, filename=ics_filename(m.starts_at, services.settings.tz)),
        caption=caption,
    )


def _tell_line(found: MeetingView, t: Translator, tz, now: datetime) -> str:  # type: ignore[no-untyped-def]
    """Under a client's meeting: the deadline for telling she cannot come, or that she
    has told."""
    m = found.meeting
    if m.client_response == ClientResponse.DECLINED.value:
        return "❌ " + t(TOLD_ALREADY)
    deadline = absence_deadline(m.starts_at, tz=tz)
    shown = show_short_datetime(deadline, t.language, tz)
    return t(TELL_BY if now <= deadline else TELL_AT_ONCE, deadline=shown)


def _meeting_line(found: MeetingView, viewer: Person, t: Translator, tz, now: datetime) -> str:  # type: ignore[no-untyped-def]
    m = found.meeting
    kind = t(KIND_NAMES[MeetingKind(m.kind)])
    place = clip(m.place, PLACE_SHOWN) if m.place else t(NO_PLACE)
    when = when_text(found, viewer.language, tz)
    if viewer.role == Role.CLIENT.value:
        line = t(
            "{when}: {kind} with {coach}, {place}",
            when=when,
            kind=kind,
            coach=found.coach.display_name,
            place=place,
        )
        return line + "\n" + _tell_line(found, t, tz, now)
    mark = ANSWER_MARKS.get(m.client_response, "")
    return mark + t(
        "{when}: {client}, {kind}, {place}",
        when=when,
        client=found.client.display_name,
        kind=kind,
        place=place,
    )


# --- /meetings: the upcoming meetings, a page at a time -------------------------------------
@dataclass
class Viewing(Steps):
    """The /meetings message whose pages are turned: a press on any other is stale."""


VIEW = Flow(
    key="meetings_view",
    draft=Viewing,
    roles=(Role.CLIENT, Role.COACH, Role.CASEWORKER),
    prefix="mp",
)
VIEWING = 0
# A page of the view: "d" the coach's agenda by day, "c" by client, "l" a client's or a
# caseworker's list; then the page's number (from 0).
PAGE = r"^mp:(d|c|l):(\d{1,3})$"
PAGE_MEETINGS = 10  # meetings on one page: a screenful, and far below Telegram's limit
PLACE_SHOWN = 200  # a longer place is shortened with "…" in the list (the card has it all)


def paginate(
    header: list[str],
    entries: list[tuple[str | None, str]],
    *,
    per_page: int = PAGE_MEETINGS,
    limit: int = MAX_TEXT,
) -> list[str]:
    """The pages of a list: `header` on each, then at most `per_page` entries (group
    heading, line) within `limit` characters. An entry starting a group, or a page, is
    preceded by a blank line and the group's heading (the day, the client)."""
    pages: list[str] = []
    body: list[str] = []
    count = 0
    shown: str | None = None
    for group, line in entries:
        while True:
            block = ["", group] if group is not None and (not body or group != shown) else []
            block.append(line)
            if not body or (
                count < per_page and length("\n".join([*header, *body, *block])) <= limit
            ):
                break
            pages.append("\n".join([*header, *body]))
            body, count = [], 0
        body += block
        count += 1
        shown = group
    pages.append("\n".join([*header, *body]))
    return [clip(page, limit) for page in pages]


def _page_row(view: str, page: int, pages: int) -> list[InlineKeyboardButton]:
    """◀ n/N ▶: the middle button shows the page again (the meetings as they are now)."""
    row = [InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=f"mp:{view}:{page}")]
    if page > 0:
        row.insert(0, InlineKeyboardButton("◀", callback_data=f"mp:{view}:{page - 1}"))
    if page < pages - 1:
        row.append(InlineKeyboardButton("▶", callback_data=f"mp:{view}:{page + 1}"))
    return row


def _view_of(person: Person, by_client: bool) -> str:
    if person.role != Role.COACH.value:
        return "l"
    return "c" if by_client else "d"


async def meetings_view(
    context: ContextTypes.DEFAULT_TYPE, person: Person, *, by_client: bool, page: int = 0
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of the person's upcoming meetings (the last one, if `page` is past it); a
    coach's agenda by day or by client. Every page fits in one message."""
    services = services_of(context)
    t = translator(person.language)
    now = services.now()
    found = await services.db.run(meetings.upcoming, person, now=now)
    if not found:
        return t("No upcoming meetings."), None
    tz = services.settings.tz
    header = [t("Upcoming meetings:")]
    entries: list[tuple[str | None, str]]
    if person.role != Role.COACH.value:
        entries = [(None, _meeting_line(item, person, t, tz, now)) for item in found]
    elif by_client:
        header.append(t("✅ coming, ❌ cannot come, ❓ asks for another time"))
        groups: dict[str, list[MeetingView]] = {}
        for item in found:
            groups.setdefault(item.client.display_name, []).append(item)
        entries = [
            (name, _meeting_line(item, person, t, tz, now))
            for name in sorted(groups)
            for item in groups[name]
        ]
    else:
        header.append(t("✅ coming, ❌ cannot come, ❓ asks for another time"))
        entries = [
            (
                show_date(item.meeting.starts_at.astimezone(tz).date(), person.language),
                _meeting_line(item, person, t, tz, now),
            )
            for item in found
        ]
    pages = paginate(header, entries)
    page = min(page, len(pages) - 1)
    view = _view_of(person, by_client)
    rows = [_page_row(view, page, len(pages))] if len(pages) > 1 else []
    if person.role == Role.COACH.value:
        other = (
            InlineKeyboardButton(t("By day"), callback_data="mm:byday")
            if by_client
            else InlineKeyboardButton(t("By client"), callback_data="mm:byclient")
        )
        rows += [
            [other],
            [InlineKeyboardButton(t("Change or cancel a meeting"), callback_data="mm:list")],
        ]
    return pages[page], InlineKeyboardMarkup(rows) if rows else None


async def list_meetings(turn: Turn[Viewing]) -> int:
    """/meetings: the first page, in a new message that the page buttons then turn."""
    text, keyboard = await meetings_view(turn.context, turn.person, by_client=False)
    await turn.show(text, keyboard)
    return VIEWING if keyboard is not None else VIEW.end(turn.context)


async def regroup(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The coach's agenda by day or by client, redrawn on the same message from its first
    page; that message is now the one whose pages are turned."""
    person = await person_of_role(update, context, Role.COACH)
    by = context.matches[0].group(1) if context.matches else "day"
    turn = Turn(update, context, person, VIEW.begin(context))
    text, keyboard = await meetings_view(context, person, by_client=by == "client")
    await turn.show(text, keyboard)
    return VIEWING if keyboard is not None else VIEW.end(context)


async def turn_page(turn: Turn[Viewing]) -> int:
    """◀ or ▶ (or the page shown again): that page of the same view, on the same message."""
    view, page = turn.group(1), int(turn.group(2))
    if view != _view_of(turn.person, view == "c"):
        raise turn.refused("meetings: not this person's view")
    text, keyboard = await meetings_view(
        turn.context, turn.person, by_client=view == "c", page=page
    )
    await turn.show(text, keyboard)
    return VIEWING if keyboard is not None else VIEW.end(turn.context)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot, never shared between two (tests, the console)."""
    return [
        ConversationHandler(
            # One handler per card button; "mt:<id>:no" starts an absence notice
            # (handlers/absence.py).
            entry_points=[
                CallbackQueryHandler(on_come, pattern=card_answer("yes")),
                CallbackQueryHandler(on_other_time, pattern=card_answer("other")),
                CallbackQueryHandler(on_calendar, pattern=r"^mt:(\d{1,12}):ics$"),
            ],
            states={
                WAITING_NOTE: [
                    CommandHandler("cancel", stop_note),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, receive_note),
                    MessageHandler(filters.ALL & ~filters.COMMAND, note_not_text),
                ]
            },
            fallbacks=[CommandHandler("cancel", stop_note)],
            per_chat=True,
            per_user=True,
            allow_reentry=True,
            conversation_timeout=3600,
            name="meeting_card",
        ),
        ConversationHandler(
            # /meetings, and the coach's "by day / by client" on any /meetings message,
            # start it afresh; its page buttons work on that message only.
            entry_points=[
                VIEW.command("meetings", list_meetings),
                CallbackQueryHandler(entry(regroup), pattern=REGROUP),
            ],
            states={VIEWING: [VIEW.button(PAGE, turn_page)]},
            fallbacks=[stale_buttons("mp:")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="meetings_view",
        ),
    ]
