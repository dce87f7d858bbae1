"""The coach's /schedule conversation: a meeting booked in a few taps.

client → kind → date → start time → duration → place → repeat → summary → confirm.
Back and cancel work at every step; text where a button is expected gets a hint.
Everything chosen so far lives in user_data under one key, and every step re-checks
that the client is still the coach's own. Each step takes only its own buttons (pressed
on this run's message); any other "sc" button is answered "no longer valid". The booking
itself is bot.meetings.actions.book.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application, BaseHandler, ConversationHandler

from bot.meetings import actions
from bot.meetings.keyboards import month_calendar, parse_time, time_keyboard
from bot.meetings.notices import KIND_NAMES, NO_PLACE
from bot.rules.calendar import is_working_day
from handlers.meetings import calendar_press
from handlers.ui import (
    Flow,
    Steps,
    Turn,
    choose_with_buttons,
    nav_row,
    own_client,
    stale_buttons,
    typed_text,
)
from messages.formatting import show_date, show_time
from messages.i18n import N_, Translator
from storage import meetings
from storage.meetings import MeetingError
from storage.models import MeetingKind, Person, Role

CLIENT, KIND, DATE, TIME, DURATION, PLACE, REPEAT, WEEKDAYS, COUNT, CONFIRM = range(10)
DURATIONS = (30, 45, 60, 90, 120)
WORK_DAY_HOURS = (4, 6)
WORK_DAY_WINDOW = (time(8, 0), time(17, 0))
COUNTS = (2, 4, 6, 8, 10, 12)
PLACE_MAX = 300
WEEKDAY_NAMES = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
KINDS = "|".join(kind.value for kind in MeetingKind)


@dataclass
class Draft(Steps):
    client_id: int | None = None
    client_name: str = ""
    period_start: date | None = None
    period_end: date | None = None
    kind: MeetingKind | None = None
    day: date | None = None
    start: time | None = None
    minutes: int | None = None
    place: str | None = None
    weekdays: set[int] = field(default_factory=set)
    count: int = 1
    overlap_ok: bool = False


FLOW = Flow(
    key="schedule",
    draft=Draft,
    roles=(Role.COACH,),
    prefix="sc",
    stopped=N_("Cancelled. Nothing was booked."),
)


def _with_nav(
    markup: InlineKeyboardMarkup, t: Translator, back: bool = True
) -> InlineKeyboardMarkup:
    rows = [list(row) for row in markup.inline_keyboard]
    rows.append(nav_row(t, "sc", back=back))
    return InlineKeyboardMarkup(rows)


def starts(draft: Draft, tz) -> list[datetime]:  # type: ignore[no-untyped-def]
    """Every start of the booking in UTC: one, or a weekly series on the chosen weekdays."""
    assert draft.day is not None and draft.start is not None
    first = draft.day
    found: list[datetime] = []
    weekdays = draft.weekdays or {first.weekday()}
    day = first
    while len(found) < draft.count and (draft.period_end is None or day <= draft.period_end):
        if day.weekday() in weekdays:
            found.append(datetime.combine(day, draft.start, tzinfo=tz))
        day += timedelta(days=1)
        if (day - first).days > 400:
            break
    return found


def _allowed_minutes(draft: Draft, today: date) -> list[int]:
    """A work-activity day is 4 or 6 hours and ends by 17.00; other meetings any length."""
    if draft.kind is not MeetingKind.WORK_DAY:
        return list(DURATIONS)
    assert draft.start is not None
    return [
        h * 60
        for h in WORK_DAY_HOURS
        if datetime.combine(today, draft.start) + timedelta(hours=h)
        <= datetime.combine(today, WORK_DAY_WINDOW[1])
    ]


# --- each step's question ------------------------------------------------------------
async def ask(turn: Turn[Draft], state: int, *, notice: str | None = None) -> int:
    """Show step `state`'s question on the conversation's message. `notice`: why this
    step is asked again (an alert on the press)."""
    t, draft, person, services = turn.t, turn.draft, turn.person, turn.services
    tz = services.settings.tz
    today = services.now().astimezone(tz).date()
    text: str
    markup = InlineKeyboardMarkup([])
    if state == CLIENT:
        return await FLOW.ask_client(turn, t("Book a meeting. Who with?"), CLIENT)
    if state == KIND:
        text = t("{client}: what kind of meeting?", client=draft.client_name)
        markup = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(t(KIND_NAMES[k]), callback_data=f"sc:k:{k.value}")]
                for k in MeetingKind
            ]
        )
    elif state == DATE:
        first = max(today, draft.period_start or today)
        month = draft.day or first
        text = t("Which day? (* weekend or holiday)")
        markup = month_calendar(
            month.year,
            month.month,
            today=first,
            language=person.language,
            prefix="sccal",
            last_day=draft.period_end,
        )
    elif state == TIME:
        assert draft.kind is not None and draft.day is not None
        latest = time(21, 0)
        if draft.kind is MeetingKind.WORK_DAY:
            latest = time(17 - WORK_DAY_HOURS[0], 0)
        text = t("{day}: what time does it start?", day=show_date(draft.day, person.language))
        markup = time_keyboard(
            prefix="sctm", start=time(8, 0), end=latest, step_minutes=30, language=person.language
        )
    elif state == DURATION:
        options = _allowed_minutes(draft, today)
        if not options:
            text = t("A work-activity day must end by 17.00. Choose an earlier start.")
        else:
            text = t("How long?")
            row = [
                InlineKeyboardButton(_minutes(m, t), callback_data=f"sc:du:{m}") for m in options
            ]
            markup = InlineKeyboardMarkup([row])
    elif state == PLACE:
        text = t("Where? Write the address or the video link.")
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t("Decide later"), callback_data="sc:pl:none")]]
        )
    elif state == REPEAT:
        text = t("Does it repeat?")
        markup = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(t("Only once"), callback_data="sc:rp:none")],
                [InlineKeyboardButton(t("Every week"), callback_data="sc:rp:weekly")],
            ]
        )
    elif state == WEEKDAYS:
        text = t("On which weekdays?")
        row = [
            InlineKeyboardButton(
                ("✓ " if i in draft.weekdays else "") + t(WEEKDAY_NAMES[i]),
                callback_data=f"sc:wd:{i}",
            )
            for i in range(5)
        ]
        done = [InlineKeyboardButton(t("Done"), callback_data="sc:wd:done")]
        markup = InlineKeyboardMarkup([row, done])
    elif state == COUNT:
        text = t("How many meetings in all?")
        row = [InlineKeyboardButton(str(n), callback_data=f"sc:rc:{n}") for n in COUNTS]
        rows = [row[:3], row[3:]]
        if draft.period_end:
            rows.append(
                [InlineKeyboardButton(t("Until the period ends"), callback_data="sc:rc:end")]
            )
        markup = InlineKeyboardMarkup(rows)
    else:
        return await _confirm(turn)
    await turn.show(text, _with_nav(markup, t), notice=notice, alert=True)
    return draft.reach(state)


def _local(instant: datetime, person: Person) -> str:
    return f"{show_date(instant.date(), person.language)} {show_time(instant, person.language)}"


def _minutes(minutes: int, t: Translator) -> str:
    if minutes % 60 == 0:
        return t.plural("{n} hour", "{n} hours", minutes // 60)
    return t("{n} min", n=minutes)


async def _confirm(turn: Turn[Draft]) -> int:
    t, draft, person, services = turn.t, turn.draft, turn.person, turn.services
    tz = services.settings.tz
    times = starts(draft, tz)
    if not times:
        notice = t("No meeting fits in the service period. Choose another day.")
        return await ask(turn, DATE, notice=notice)
    assert draft.minutes is not None and draft.kind is not None
    duration = timedelta(minutes=draft.minutes)
    warnings = []
    if (
        draft.kind is MeetingKind.WORK_DAY
        and draft.count > 1
        and not 2 <= len(draft.weekdays or {0}) <= 5
    ):
        warnings.append(t("Note: work-activity days are 2–5 days a week."))
    clashes = await services.db.run(
        meetings.overlapping, person.id, [(s, s + duration) for s in times]
    )
    if clashes:
        first = clashes[0].starts_at.astimezone(tz)
        warnings.append(
            t("Note: this overlaps your meeting on {when}.", when=_local(first, person))
        )
    lines = [t("Check and confirm:"), draft.client_name, t(KIND_NAMES[draft.kind])]
    first_local = times[0].astimezone(tz)
    lines.append(f"{_local(first_local, person)} ({_minutes(draft.minutes, t)})")
    if len(times) > 1:
        last = times[-1].astimezone(tz)
        lines.append(
            t.plural(
                "{n} meeting, the last on {day}",
                "{n} meetings, the last on {day}",
                len(times),
                day=show_date(last.date(), person.language),
            )
        )
    lines.append(t("Place: {place}", place=draft.place or t(NO_PLACE)))
    lines += warnings
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("✔ " + t("Book"), callback_data="sc:ok")], nav_row(t, "sc")]
    )
    await turn.show("\n".join(lines), markup)
    return draft.reach(CONFIRM)


# --- the steps ---------------------------------------------------------------------------
async def _begin(turn: Turn[Draft]) -> int:
    return await ask(turn, CLIENT)


async def on_client(turn: Turn[Draft]) -> int:
    client = await own_client(turn)
    if client.program_key is None:
        await turn.alert(
            turn.t(
                "{client} has no service period. Ask the admin to add one.",
                client=client.display_name,
            )
        )
        return CLIENT
    draft = turn.draft
    draft.client_id, draft.client_name = client.id, client.display_name
    draft.period_start, draft.period_end = client.start_date, client.planned_end
    return await ask(turn, KIND)


async def on_kind(turn: Turn[Draft]) -> int:
    turn.draft.kind = MeetingKind(turn.group(1))
    return await ask(turn, DATE)


async def on_day(turn: Turn[Draft]) -> int:
    pressed = await calendar_press(turn, "sccal")
    if pressed is None:
        return DATE
    action, value = pressed
    draft = turn.draft
    if action == "month":
        draft.day = value
        return await ask(turn, DATE)
    today = turn.services.now().astimezone(turn.services.settings.tz).date()
    first = max(today, draft.period_start or today)
    if value < first or (draft.period_end and value > draft.period_end):
        await turn.alert(turn.t("That day is outside the service period."))
        return DATE
    if draft.kind is MeetingKind.WORK_DAY and not is_working_day(value):
        await turn.alert(turn.t("Work-activity days are on working days."))
        return DATE
    draft.day = value
    return await ask(turn, TIME)


async def on_time(turn: Turn[Draft]) -> int:
    try:
        chosen = parse_time(turn.group(0), "sctm")
    except ValueError as error:
        raise turn.refused("schedule: not a time") from error
    services, draft = turn.services, turn.draft
    if draft.day is None:
        raise turn.refused("schedule: no day")
    if datetime.combine(draft.day, chosen, tzinfo=services.settings.tz) <= services.now():
        await turn.alert(turn.t("That time has already passed."))
        return TIME
    draft.start = chosen
    return await ask(turn, DURATION)


async def on_duration(turn: Turn[Draft]) -> int:
    minutes = int(turn.group(1))
    work_day = turn.draft.kind is MeetingKind.WORK_DAY
    if minutes not in ([h * 60 for h in WORK_DAY_HOURS] if work_day else DURATIONS):
        raise turn.refused("schedule: duration")
    turn.draft.minutes = minutes
    return await ask(turn, PLACE)


async def on_no_place(turn: Turn[Draft]) -> int:
    turn.draft.place = None
    return await ask(turn, REPEAT)


async def on_place(turn: Turn[Draft]) -> int:
    place = " ".join(typed_text(turn.update).split())[:PLACE_MAX]
    if not place:
        return await choose_with_buttons(turn.update, turn.context) or PLACE
    turn.draft.place = place
    return await ask(turn, REPEAT)


async def on_once(turn: Turn[Draft]) -> int:
    turn.draft.count, turn.draft.weekdays = 1, set()
    return await ask(turn, CONFIRM)


async def on_weekly(turn: Turn[Draft]) -> int:
    day = turn.draft.day
    if day is None:
        raise turn.refused("schedule: no day")
    turn.draft.weekdays = {day.weekday()} if day.weekday() < 5 else set()
    return await ask(turn, WEEKDAYS)


async def on_weekday(turn: Turn[Draft]) -> int:
    turn.draft.weekdays ^= {int(turn.group(1))}
    return await ask(turn, WEEKDAYS)


async def on_weekdays_done(turn: Turn[Draft]) -> int:
    if not turn.draft.weekdays:
        await turn.alert(turn.t("Choose at least one weekday."))
        return WEEKDAYS
    return await ask(turn, COUNT)


async def on_count(turn: Turn[Draft]) -> int:
    value = turn.group(1)
    if value != "end" and int(value) not in COUNTS:
        raise turn.refused("schedule: count")
    turn.draft.count = 200 if value == "end" else int(value)
    return await ask(turn, CONFIRM)


async def on_book(turn: Turn[Draft]) -> int:
    t, draft, services = turn.t, turn.draft, turn.services
    tz = services.settings.tz
    now = services.now()
    if draft.client_id is None or draft.kind is None or draft.minutes is None or not draft.day:
        raise turn.refused("schedule: incomplete")  # nothing half-chosen is ever booked
    times = [s for s in starts(draft, tz) if s > now]
    if not times:
        return await ask(turn, TIME, notice=t("That time has already passed."))
    try:
        count = await services.db.run(
            actions.book,
            turn.person,
            client_id=draft.client_id,
            kind=draft.kind,
            starts=times,
            duration=timedelta(minutes=draft.minutes),
            place=draft.place,
            now=now,
            tz=tz,
            quiet=services.settings.quiet_window,
        )
    except MeetingError:
        await turn.show(t("This client is no longer yours. Nothing was booked."))
        return FLOW.end(turn.context)
    services.wake_outbox()
    done = t.plural(
        "Booked {n} meeting. The client gets a card to confirm.",
        "Booked {n} meetings. The client gets a card to confirm.",
        count,
    )
    await turn.show(done)
    return FLOW.end(turn.context)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot, never shared between two (tests, the console)."""
    back = FLOW.back(CLIENT, ask)
    cancel_button, cancel_command = FLOW.stops()
    hint = FLOW.hint()
    steps = {
        CLIENT: [FLOW.button(r"^sc:c:(\d{1,12})$", on_client)],
        KIND: [FLOW.button(rf"^sc:k:({KINDS})$", on_kind)],
        DATE: [FLOW.button(r"^sccal:(?:n|d:[\d-]{10}|m:[\d-]{7})$", on_day)],
        TIME: [FLOW.button(r"^sctm:t:\d{4}$", on_time)],
        DURATION: [FLOW.button(r"^sc:du:(\d{1,3})$", on_duration)],
        PLACE: [
            FLOW.button(r"^sc:pl:none$", on_no_place),
            FLOW.text(on_place),
        ],
        REPEAT: [
            FLOW.button(r"^sc:rp:none$", on_once),
            FLOW.button(r"^sc:rp:weekly$", on_weekly),
        ],
        WEEKDAYS: [
            FLOW.button(r"^sc:wd:([0-4])$", on_weekday),
            FLOW.button(r"^sc:wd:done$", on_weekdays_done),
        ],
        COUNT: [FLOW.button(r"^sc:rc:(\d{1,2}|end)$", on_count)],
        CONFIRM: [FLOW.button(r"^sc:ok$", on_book)],
    }
    return [
        ConversationHandler(
            entry_points=[FLOW.command("schedule", _begin)],
            states={state: [*own, back, cancel_button, hint] for state, own in steps.items()},
            fallbacks=[cancel_command, stale_buttons("sc")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="schedule",
        )
    ]
