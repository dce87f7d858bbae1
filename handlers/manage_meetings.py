"""The coach changes or cancels a meeting, or the rest of its series; everyone is told.

/meetings → "Change or cancel a meeting" → the meeting → move (day → time) or cancel.
A conversation routed by state that lives in the /meetings message: each step takes only
its own buttons, for the meeting chosen, pressed on that message; anything else is
answered "no longer valid" and changes nothing. Every step re-checks that the meeting is
the coach's own; the writes are bot.meetings.actions.

A moved day keeps to the period's contract as a booking does: a work-activity day to the
program's day rules (its window and working days, read from the program [002 §2]), and
nothing but the three-party meeting during the no-show procedure [002 §3.4.3]; the write
path refuses the rest (bot.periods.hours.BookingRefused), and the coach is told why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
)

from bot.access import person_of_role
from bot.meetings import actions
from bot.meetings.keyboards import month_calendar, parse_time, time_keyboard
from bot.meetings.notices import KIND_NAMES
from bot.periods.hours import BookingRefused, has_day_rules
from bot.periods.terms import terms_of
from bot.rules.calendar import is_working_day
from bot.rules.periods import Contract
from handlers.meetings import calendar_press, when_text
from handlers.schedule import STEP_MINUTES, refusal, start_times
from handlers.ui import Flow, Steps, Turn, stale_buttons
from messages.formatting import show_date
from messages.i18n import N_
from storage import meetings, people
from storage.meetings import MeetingView
from storage.models import MeetingKind, Role

LIST, MEETING, DAY, TIME = range(4)
ACTION = r"^mm:(m|mv|mvs|x|xs):(\d{1,12})$"


@dataclass
class Managing(Steps):
    meeting_id: int | None = None
    series: bool = False
    work_day: bool = False
    last_day: date | None = None
    day: date | None = None
    terms: Contract | None = None  # the day rules of a work-activity day, else None
    minutes: int = 60  # the meeting's length


FLOW = Flow(
    key="manage_meetings",
    draft=Managing,
    roles=(Role.COACH,),
    prefix="mm",
    stopped=N_("Stopped. Nothing was changed."),
)


async def _own(turn: Turn[Managing], meeting_id: int) -> MeetingView:
    """The coach's own scheduled meeting; else Refused (another's is audited)."""
    found = await turn.services.db.run(meetings.own_scheduled, meeting_id, turn.person)
    if found is None:
        raise turn.refused("meeting: not the coach's scheduled meeting")
    return found


def _chosen(turn: Turn[Managing], group: int) -> int:
    """A step's buttons are for the meeting chosen in this run, no other."""
    meeting_id = turn.draft.meeting_id
    if meeting_id is None or int(turn.group(group)) != meeting_id:
        raise turn.refused("meeting: not the one chosen")
    return meeting_id


# --- the list and the meeting ----------------------------------------------------------
async def on_list(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """'Change or cancel a meeting' on /meetings: the conversation starts on that message."""
    person = await person_of_role(update, context, Role.COACH)
    turn = Turn(update, context, person, FLOW.begin(context))
    services = turn.services
    found = await services.db.run(meetings.upcoming, person, now=services.now(), limit=20)
    if not found:
        await turn.show(turn.t("No upcoming meetings."))
        return FLOW.end(context)
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
    await turn.show(turn.t("Which meeting?"), InlineKeyboardMarkup(rows))
    return LIST


async def on_meeting(turn: Turn[Managing]) -> int:
    """One meeting: move or cancel it (or the rest of its series)."""
    found = await _own(turn, int(turn.group(1)))
    t, meeting = turn.t, found.meeting
    turn.draft.meeting_id = meeting.id
    text = "\n".join(
        [
            when_text(found, turn.person.language, turn.services.settings.tz),
            f"{found.client.display_name}, {t(KIND_NAMES[MeetingKind(meeting.kind)])}",
        ]
    )
    rows = [
        [InlineKeyboardButton(t("Move"), callback_data=f"mm:mv:{meeting.id}")],
        [InlineKeyboardButton(t("Cancel the meeting"), callback_data=f"mm:x:{meeting.id}")],
    ]
    if meeting.series_id is not None:
        rows.insert(
            1,
            [
                InlineKeyboardButton(
                    t("Move this and the rest of the series"),
                    callback_data=f"mm:mvs:{meeting.id}",
                )
            ],
        )
        rows.append(
            [
                InlineKeyboardButton(
                    t("Cancel this and the rest of the series"),
                    callback_data=f"mm:xs:{meeting.id}",
                )
            ]
        )
    await turn.show(text, InlineKeyboardMarkup(rows))
    return MEETING


async def on_cancel(turn: Turn[Managing]) -> int:
    meeting_id = _chosen(turn, 2)
    services = turn.services
    count = await services.db.run(
        actions.cancel, turn.person, meeting_id, series=turn.group(1) == "xs", now=services.now()
    )
    return await _done(
        turn,
        count,
        turn.t.plural(
            "Cancelled {n} meeting. Everyone concerned is told.",
            "Cancelled {n} meetings. Everyone concerned is told.",
            count,
        ),
    )


async def _done(turn: Turn[Managing], count: int, text: str) -> int:
    """The change is made (`count` meetings; none: it was no longer the coach's to make),
    the messages go out, and the conversation is over."""
    if not count:
        raise turn.refused("meeting: no longer scheduled")
    turn.services.wake_outbox()
    await turn.show(text)
    return FLOW.end(turn.context)


# --- moving: day, then time ------------------------------------------------------------
async def _calendar(turn: Turn[Managing], month: date | None = None) -> int:
    """The days it can move to: not in the past, nor after the service period."""
    today = turn.services.now().astimezone(turn.services.settings.tz).date()
    month = month or today
    markup = month_calendar(
        month.year,
        month.month,
        today=today,
        language=turn.person.language,
        prefix=f"mmcal{turn.draft.meeting_id}",
        last_day=turn.draft.last_day,
    )
    await turn.show(turn.t("Move to which day?"), markup)
    return DAY


async def on_move(turn: Turn[Managing]) -> int:
    found = await _own(turn, _chosen(turn, 2))
    period = await turn.services.db.run(people.current_period, found.meeting.client_id)
    meeting, draft = found.meeting, turn.draft
    draft.series = turn.group(1) == "mvs"
    draft.last_day = period.planned_end if period else None
    draft.minutes = round((meeting.ends_at - meeting.starts_at).total_seconds() / 60)
    terms = await turn.services.db.run(terms_of, period.program_key) if period else None
    draft.work_day = (
        meeting.kind == MeetingKind.WORK_DAY.value and terms is not None and has_day_rules(terms)
    )
    draft.terms = terms if draft.work_day else None
    return await _calendar(turn)


async def on_day(turn: Turn[Managing]) -> int:
    meeting_id, draft = _chosen(turn, 1), turn.draft
    pressed = await calendar_press(turn, f"mmcal{meeting_id}")
    if pressed is None:
        return DAY
    action, value = pressed
    if action == "month":
        return await _calendar(turn, value)
    # The same rules as booking: not in the past, inside the service period, and a
    # work-activity day on a working day, inside the program's day window.
    today = turn.services.now().astimezone(turn.services.settings.tz).date()
    if value < today or (draft.last_day is not None and value > draft.last_day):
        raise turn.refused("meeting: day not offered")
    terms = draft.terms
    if terms is not None and terms.day_window is not None and not is_working_day(value):
        await turn.alert(turn.t("Work-activity days are on working days."))
        return DAY
    draft.day = value
    first, latest = start_times(terms, draft.minutes)
    markup = time_keyboard(
        prefix=f"mmtm{meeting_id}", start=first, end=latest, step_minutes=STEP_MINUTES,
        language=turn.person.language,
    )  # fmt: skip
    await turn.show(turn.t("{day}: what time?", day=show_date(value, turn.person.language)), markup)
    return TIME


async def on_time(turn: Turn[Managing]) -> int:
    meeting_id, draft, services = _chosen(turn, 1), turn.draft, turn.services
    if draft.day is None:
        raise turn.refused("meeting: no day chosen")
    try:
        chosen = parse_time(turn.group(0), f"mmtm{meeting_id}")
    except ValueError as error:
        raise turn.refused("meeting: not a time") from error
    tz = services.settings.tz
    new_start = datetime.combine(draft.day, chosen, tzinfo=tz)
    now = services.now()
    if new_start <= now:
        raise turn.refused("meeting: time passed")
    try:
        count = await services.db.run(
            actions.move,
            turn.person,
            meeting_id,
            new_start,
            series=draft.series,
            now=now,
            tz=tz,
            quiet=services.settings.quiet_window,
        )
    except BookingRefused as refused:
        await turn.alert(refusal(refused.check, turn.t, turn.person.language))
        return TIME
    return await _done(
        turn,
        count,
        turn.t.plural(
            "Moved {n} meeting. Everyone concerned is told.",
            "Moved {n} meetings. Everyone concerned is told.",
            count,
        ),
    )


async def outside(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A meeting's button with no change of meetings open (left, timed out, or forged):
    refused; a press on another coach's meeting is audited as such."""
    person = await person_of_role(update, context, Role.COACH)
    assert context.matches  # the pattern: the action, the meeting id
    turn = Turn(update, context, person, Managing(), context.matches[0])
    await _own(turn, int(turn.group(2)))
    raise turn.refused("meeting: no change open")


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot, never shared between two (tests, the console)."""
    return [
        ConversationHandler(
            entry_points=[CallbackQueryHandler(on_list, pattern=r"^mm:list$")],
            states={
                LIST: [FLOW.button(r"^mm:m:(\d{1,12})$", on_meeting)],
                MEETING: [
                    FLOW.button(r"^mm:(mv|mvs):(\d{1,12})$", on_move),
                    FLOW.button(r"^mm:(x|xs):(\d{1,12})$", on_cancel),
                ],
                DAY: [FLOW.button(r"^mmcal(\d{1,12}):(?:n|d:[\d-]{10}|m:[\d-]{7})$", on_day)],
                TIME: [FLOW.button(r"^mmtm(\d{1,12}):t:\d{4}$", on_time)],
            },
            # The agenda's "by day / by client" (handlers/meetings.py) is not this
            # conversation's: pressing it means the coach has moved on.
            fallbacks=[CommandHandler("cancel", FLOW.stop), stale_buttons("mm(?!:by)")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="manage_meetings",
        ),
        CallbackQueryHandler(outside, pattern=ACTION),
    ]
