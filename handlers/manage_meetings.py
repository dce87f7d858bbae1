"""The coach changes or cancels a meeting, or the rest of its series; everyone is told.

Stateless buttons carry the meeting id and nothing personal; every press re-checks that
the meeting is the coach's own. The day picked while moving is kept in user_data.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, BaseHandler, CallbackQueryHandler, ContextTypes

from bot.access import acting_person, refuse_button
from bot.meetings.keyboards import month_calendar, parse_calendar, parse_time, time_keyboard
from bot.meetings.notices import KIND_NAMES, cancelled, moved
from bot.rules.calendar import is_working_day
from bot.services import services_of
from handlers.meetings import meetings_view, when_text
from messages.formatting import show_date
from messages.i18n import Translator, translator
from storage import meetings, people
from storage.models import MeetingKind, MeetingStatus, Person, Role

ACTION = re.compile(r"^mm:(m|mv|mvs|x|xs|ok|oks):(\d{1,12})$")
PICK_DAY = re.compile(r"^mmcal(\d{1,12}):")
PICK_TIME = re.compile(r"^mmtm(\d{1,12}):")
MOVING = "moving"


async def _show(update: Update, text: str, rows: list[list[InlineKeyboardButton]] | None) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(text, reply_markup=InlineKeyboardMarkup(rows) if rows else None)


async def _invalid(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person | None
) -> None:
    await refuse_button(update, context, person)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    person = await acting_person(update, context)
    if person is None or person.role != Role.COACH.value:
        await _invalid(update, context, person)
        return
    t = translator(person.language)
    data = query.data or ""
    try:
        if data == "mm:list":
            await _list(update, context, person, t)
            return
        if data in ("mm:byday", "mm:byclient"):
            text, keyboard = await meetings_view(context, person, by_client=data == "mm:byclient")
            assert update.callback_query is not None
            await update.callback_query.answer()
            await update.callback_query.edit_message_text(text, reply_markup=keyboard)
            return
        if match := ACTION.match(data):
            await _action(update, context, person, t, match.group(1), int(match.group(2)))
            return
        if match := PICK_DAY.match(data):
            await _pick_day(update, context, person, t, int(match.group(1)), data)
            return
        if match := PICK_TIME.match(data):
            await _pick_time(update, context, person, t, int(match.group(1)), data)
            return
    except ValueError:
        pass
    await _invalid(update, context, person)


async def _list(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, t: Translator
) -> None:
    services = services_of(context)
    found = await services.db.run(meetings.upcoming, person, now=services.now(), limit=20)
    if not found:
        await _show(update, t("No upcoming meetings."), None)
        return
    tz = services.settings.tz
    rows = [
        [
            InlineKeyboardButton(
                f"{when_text(f, person.language, tz)} {f.client.display_name}"[:60],
                callback_data=f"mm:m:{f.meeting.id}",
            )
        ]
        for f in found
    ]
    await _show(update, t("Which meeting?"), rows)


async def _action(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    t: Translator,
    action: str,
    meeting_id: int,
) -> None:
    services = services_of(context)
    tz = services.settings.tz
    meeting = await services.db.run(meetings.own_meeting, meeting_id, person)
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED.value:
        await _invalid(update, context, person)
        return
    if action == "m":
        found = await services.db.run(lambda s: meetings.view(s, meeting))
        text = "\n".join(
            [
                f"{when_text(found, person.language, tz)}",
                f"{found.client.display_name}, {t(KIND_NAMES[MeetingKind(meeting.kind)])}",
            ]
        )
        rows = [
            [InlineKeyboardButton(t("Move"), callback_data=f"mm:mv:{meeting_id}")],
            [InlineKeyboardButton(t("Cancel the meeting"), callback_data=f"mm:x:{meeting_id}")],
        ]
        if meeting.series_id is not None:
            rows.insert(
                1,
                [
                    InlineKeyboardButton(
                        t("Move this and the rest of the series"),
                        callback_data=f"mm:mvs:{meeting_id}",
                    )
                ],
            )
            rows.append(
                [
                    InlineKeyboardButton(
                        t("Cancel this and the rest of the series"),
                        callback_data=f"mm:xs:{meeting_id}",
                    )
                ]
            )
        await _show(update, text, rows)
        return
    if action in ("mv", "mvs"):
        period = await services.db.run(people.current_period, meeting.client_id)
        last_day = period.planned_end if period else None
        context.user_data[MOVING] = {  # type: ignore[index]
            "id": meeting_id,
            "series": action == "mvs",
            "work_day": meeting.kind == MeetingKind.WORK_DAY.value,
            "last_day": last_day.isoformat() if last_day else None,
        }
        today = services.now().astimezone(tz).date()
        markup = month_calendar(
            today.year,
            today.month,
            today=today,
            language=person.language,
            prefix=f"mmcal{meeting_id}",
            last_day=last_day,
        )
        await _show(update, t("Move to which day?"), [list(r) for r in markup.inline_keyboard])
        return
    if action in ("x", "xs"):
        now = services.now()

        def cancel(session):  # type: ignore[no-untyped-def]
            chosen = meetings.series_from(session, meeting) if action == "xs" else [meeting]
            for item in meetings.cancel(session, chosen):
                cancelled(session, meetings.view(session, item), now)
            return len(chosen)

        count = await services.db.run(cancel)
        services.wake_outbox()
        await _show(
            update,
            t.plural(
                "Cancelled {n} meeting. Everyone concerned is told.",
                "Cancelled {n} meetings. Everyone concerned is told.",
                count,
            ),
            None,
        )
        return
    await _invalid(update, context, person)


async def _pick_day(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    t: Translator,
    meeting_id: int,
    data: str,
) -> None:
    moving = (context.user_data or {}).get(MOVING)
    if not moving or moving["id"] != meeting_id:
        await _invalid(update, context, person)
        return
    services = services_of(context)
    today = services.now().astimezone(services.settings.tz).date()
    action, value = parse_calendar(data, f"mmcal{meeting_id}")
    if action == "noop":
        assert update.callback_query is not None
        await update.callback_query.answer()
        return
    assert value is not None
    last_day = date.fromisoformat(moving["last_day"]) if moving.get("last_day") else None
    if action == "month":
        markup = month_calendar(
            value.year,
            value.month,
            today=today,
            language=person.language,
            prefix=f"mmcal{meeting_id}",
            last_day=last_day,
        )
        await _show(update, t("Move to which day?"), [list(r) for r in markup.inline_keyboard])
        return
    # The same rules as booking: not in the past, inside the service period, and a
    # work-activity day on a working day, ending by 17.00.
    if value < today or (last_day is not None and value > last_day):
        await _invalid(update, context, person)
        return
    if moving["work_day"] and not is_working_day(value):
        assert update.callback_query is not None
        await update.callback_query.answer(
            t("Work-activity days are on working days."), show_alert=True
        )
        return
    moving["day"] = value.isoformat()
    latest = time(13, 0) if moving["work_day"] else time(21, 0)
    markup = time_keyboard(prefix=f"mmtm{meeting_id}", end=latest, language=person.language)
    await _show(
        update,
        t("{day}: what time?", day=show_date(value, person.language)),
        [list(r) for r in markup.inline_keyboard],
    )


async def _pick_time(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    t: Translator,
    meeting_id: int,
    data: str,
) -> None:
    moving = (context.user_data or {}).pop(MOVING, None)
    if not moving or moving["id"] != meeting_id or "day" not in moving:
        await _invalid(update, context, person)
        return
    services = services_of(context)
    tz = services.settings.tz
    chosen = parse_time(data, f"mmtm{meeting_id}")
    new_start = datetime.combine(datetime.fromisoformat(moving["day"]).date(), chosen, tzinfo=tz)
    now = services.now()
    quiet = services.settings.quiet_window
    if new_start <= now:
        await _invalid(update, context, person)
        return

    def move(session):  # type: ignore[no-untyped-def]
        meeting = meetings.own_meeting(session, meeting_id, person)
        if meeting is None or meeting.status != MeetingStatus.SCHEDULED.value:
            return 0
        chosen_meetings = meetings.series_from(session, meeting) if moving["series"] else [meeting]
        # Shift by calendar days on the Helsinki wall clock, not by UTC hours, so a series
        # that crosses a daylight-saving change keeps its local time.
        first_local = meeting.starts_at.astimezone(tz)
        day_shift = new_start.date() - first_local.date()
        for item in chosen_meetings:
            local = item.starts_at.astimezone(tz)
            target = datetime.combine(
                local.date() + day_shift, new_start.timetz().replace(tzinfo=None), tzinfo=tz
            )
            meetings.move(session, item, target)
            moved(session, meetings.view(session, item), now, tz, quiet)
        return len(chosen_meetings)

    count = await services.db.run(move)
    if not count:
        await _invalid(update, context, person)
        return
    services.wake_outbox()
    await _show(
        update,
        t.plural(
            "Moved {n} meeting. Everyone concerned is told.",
            "Moved {n} meetings. Everyone concerned is told.",
            count,
        ),
        None,
    )


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [CallbackQueryHandler(on_button, pattern=r"^mm")]
