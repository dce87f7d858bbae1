"""Meeting cards and lists: the client's answers, calendar files, and /meetings for all."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
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

from bot.access import (
    acting_person,
    for_roles,
    pressing_person,
    refuse_button,
    reply,
    t_for,
)
from bot.meetings.ics import ics_filename, meeting_ics
from bot.meetings.notices import KIND_NAMES, NO_PLACE
from bot.services import services_of
from messages.formatting import show_clock, show_date, show_time
from messages.i18n import N_, Translator, translator
from messages.render import at
from storage import meetings, outbox
from storage.meetings import MeetingView
from storage.models import ClientResponse, MeetingKind, MeetingStatus, Person, Priority, Role

ANSWER = re.compile(r"^mt:(\d{1,12}):(yes|other|ics)$")
NOTE_MAX = 500
WAITING_NOTE = 1

TOLD_COACH = {
    ClientResponse.CONFIRMED: N_("{client} will come to the meeting on {when}."),
    ClientResponse.OTHER_TIME: N_(
        "{client} asks for another time for the meeting on {when}. Their words: {note}"
    ),
}
ANSWER_MARKS = {
    ClientResponse.NONE.value: "",
    ClientResponse.CONFIRMED.value: "✅ ",
    ClientResponse.DECLINED.value: "❌ ",
    ClientResponse.OTHER_TIME.value: "❓ ",
}


def when_text(found: MeetingView, language: str, tz) -> str:  # type: ignore[no-untyped-def]
    m = found.meeting
    start = m.starts_at.astimezone(tz)
    end = m.ends_at.astimezone(tz)
    return f"{show_date(start.date(), language)} {show_time(start, language)}–" + show_clock(
        end, language
    )


async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """A press on a meeting card: come, another time, or the calendar file.

    "I can't come" is an absence notice: handlers/absence.py takes that button.
    """
    query = update.callback_query
    assert query is not None
    person = await pressing_person(update, context)
    if person is None:
        return ConversationHandler.END
    t = translator(person.language)
    match = ANSWER.match(query.data or "")
    if match is None:
        await refuse_button(update, context, person)
        return ConversationHandler.END
    meeting_id, action = int(match.group(1)), match.group(2)
    services = services_of(context)
    found = await services.db.run(meetings.for_viewer, meeting_id, person)
    if found is None:
        await refuse_button(update, context, person)
        return ConversationHandler.END
    if action == "ics":
        await _send_calendar_file(update, context, found, person)
        return ConversationHandler.END
    if person.id != found.meeting.client_id:
        await refuse_button(update, context, person)
        return ConversationHandler.END
    if found.meeting.status == MeetingStatus.CANCELLED.value:
        await query.answer(t("This meeting is cancelled."), show_alert=True)
        return ConversationHandler.END
    if found.meeting.ends_at <= services.now():
        await query.answer(t("This meeting is already over."), show_alert=True)
        return ConversationHandler.END
    if action == "other":
        context.user_data["meeting_note_for"] = meeting_id  # type: ignore[index]
        await reply(
            update,
            t("Which times would suit you? Write it in a few words. (/cancel to stop)"),
        )
        return WAITING_NOTE
    await _record(update, context, person, meeting_id, ClientResponse.CONFIRMED, None)
    return ConversationHandler.END


async def _record(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    meeting_id: int,
    response: ClientResponse,
    note: str | None,
) -> None:
    services = services_of(context)
    t = translator(person.language)

    def save(session):  # type: ignore[no-untyped-def]
        found = meetings.respond(session, meeting_id, person, response, note)
        if found is None:
            return None
        outbox.schedule(
            session,
            recipient_id=found.meeting.coach_id,
            kind="meeting-answer",
            message=TOLD_COACH[response],
            params={
                "client": found.client.display_name,
                "when": at(found.meeting.starts_at),
                "note": note or "",
            },
            key=f"meeting:{meeting_id}:answer:{response.value}:{services.now().isoformat()}",
            due_at=services.now(),
            priority=Priority.NOTICE,
            object_ref=f"meeting:{meeting_id}",
        )
        return found

    found = await services.db.run(save)
    services.wake_outbox()
    if found is None:
        await reply(update, t("This button is no longer valid."))
        return
    thanks = {
        ClientResponse.CONFIRMED: t("Thank you! Your coach knows you will come."),
        ClientResponse.OTHER_TIME: t("Thank you! I sent your message to your coach."),
    }[response]
    await reply(update, thanks)


async def receive_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await acting_person(update, context)
    meeting_id = context.user_data.pop("meeting_note_for", None)  # type: ignore[union-attr]
    if person is None or meeting_id is None or update.effective_message is None:
        return ConversationHandler.END
    note = (update.effective_message.text or "").strip()[:NOTE_MAX]
    await _record(update, context, person, meeting_id, ClientResponse.OTHER_TIME, note)
    return ConversationHandler.END


async def stop_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("meeting_note_for", None)  # type: ignore[union-attr]
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


def _meeting_line(found: MeetingView, viewer: Person, t: Translator, tz) -> str:  # type: ignore[no-untyped-def]
    m = found.meeting
    kind = t(KIND_NAMES[MeetingKind(m.kind)])
    place = m.place or t(NO_PLACE)
    when = when_text(found, viewer.language, tz)
    if viewer.role == Role.CLIENT.value:
        return t(
            "{when}: {kind} with {coach}, {place}",
            when=when,
            kind=kind,
            coach=found.coach.display_name,
            place=place,
        )
    mark = ANSWER_MARKS.get(m.client_response, "")
    return mark + t(
        "{when}: {client}, {kind}, {place}",
        when=when,
        client=found.client.display_name,
        kind=kind,
        place=place,
    )


@for_roles(Role.CLIENT, Role.COACH, Role.CASEWORKER, command="meetings")
async def list_meetings(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    text, keyboard = await meetings_view(context, person, by_client=False)
    await reply(update, text, reply_markup=keyboard)


async def meetings_view(
    context: ContextTypes.DEFAULT_TYPE, person: Person, *, by_client: bool
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The person's upcoming meetings; a coach's agenda by day or by client."""
    services = services_of(context)
    t = translator(person.language)
    found = await services.db.run(meetings.upcoming, person, now=services.now())
    if not found:
        return t("No upcoming meetings."), None
    tz = services.settings.tz
    lines = [t("Upcoming meetings:")]
    if person.role != Role.COACH.value:
        lines += [_meeting_line(item, person, t, tz) for item in found]
        return "\n".join(lines), None
    lines.append(t("✅ coming, ❌ cannot come, ❓ asks for another time"))
    if by_client:
        groups: dict[str, list[MeetingView]] = {}
        for item in found:
            groups.setdefault(item.client.display_name, []).append(item)
        for name in sorted(groups):
            lines += ["", name]
            lines += [_meeting_line(item, person, t, tz) for item in groups[name]]
    else:
        current_day = None
        for item in found:
            day = item.meeting.starts_at.astimezone(tz).date()
            if day != current_day:
                lines += ["", show_date(day, person.language)]
                current_day = day
            lines.append(_meeting_line(item, person, t, tz))
    other = (
        InlineKeyboardButton(t("By day"), callback_data="mm:byday")
        if by_client
        else InlineKeyboardButton(t("By client"), callback_data="mm:byclient")
    )
    keyboard = InlineKeyboardMarkup(
        [[other], [InlineKeyboardButton(t("Change or cancel a meeting"), callback_data="mm:list")]]
    )
    return "\n".join(lines), keyboard


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot, never shared between two (tests, the console)."""
    return [
        ConversationHandler(
            # "mt:<id>:no" starts an absence notice (handlers/absence.py).
            entry_points=[CallbackQueryHandler(answer_button, pattern=r"^mt:(?!\d{1,12}:no$)")],
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
        ),
        CommandHandler("meetings", list_meetings, filters=filters.ChatType.PRIVATE),
    ]
