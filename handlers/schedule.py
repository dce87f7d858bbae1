"""The coach's /schedule conversation: a meeting booked in a few taps.

client → kind → date → start time → duration → place → repeat → summary → confirm.
Back and cancel work at every step; text where a button is expected gets a hint.
Everything chosen so far lives in user_data under one key, and every step re-checks
that the client is still the coach's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

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

from bot.access import acting_person, for_roles, refuse_button, reply
from bot.meetings.keyboards import month_calendar, parse_calendar, parse_time, time_keyboard
from bot.meetings.notices import KIND_NAMES, NO_PLACE, booked
from bot.rules.calendar import is_working_day
from bot.services import services_of
from handlers.ui import acting_coach, entry, nav_row, show
from messages.formatting import show_date, show_time
from messages.i18n import N_, Translator, translator
from storage import meetings, people
from storage.meetings import MeetingError
from storage.models import MeetingKind, Person, Role

KEY = "schedule"
CLIENT, KIND, DATE, TIME, DURATION, PLACE, REPEAT, WEEKDAYS, COUNT, CONFIRM = range(10)
DURATIONS = (30, 45, 60, 90, 120)
WORK_DAY_HOURS = (4, 6)
WORK_DAY_WINDOW = (time(8, 0), time(17, 0))
COUNTS = (2, 4, 6, 8, 10, 12)
PLACE_MAX = 300
WEEKDAY_NAMES = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


@dataclass
class Draft:
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
    history: list[int] = field(default_factory=list)


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft:
    data = context.user_data
    assert data is not None
    if KEY not in data:
        data[KEY] = Draft()
    return data[KEY]  # type: ignore[no-any-return]


def _nav(t: Translator, *, back: bool = True) -> list[InlineKeyboardButton]:
    return nav_row(t, "sc", back=back)


def _with_nav(
    markup: InlineKeyboardMarkup, t: Translator, back: bool = True
) -> InlineKeyboardMarkup:
    rows = [list(row) for row in markup.inline_keyboard]
    rows.append(_nav(t, back=back))
    return InlineKeyboardMarkup(rows)


_show = show


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


# --- each step's question ------------------------------------------------------------
async def ask(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, state: int
) -> int:
    draft = _draft(context)
    t = translator(person.language)
    services = services_of(context)
    tz = services.settings.tz
    today = services.now().astimezone(tz).date()
    if state == CLIENT:
        clients = await services.db.run(people.clients_of, person)
        if not clients:
            await _show(update, t("You have no clients yet."), None)
            return ConversationHandler.END
        rows = [
            [InlineKeyboardButton(c.display_name, callback_data=f"sc:c:{c.id}")] for c in clients
        ]
        await _show(
            update,
            t("Book a meeting. Who with?"),
            _with_nav(InlineKeyboardMarkup(rows), t, back=False),
        )
    elif state == KIND:
        rows = [
            [InlineKeyboardButton(t(KIND_NAMES[k]), callback_data=f"sc:k:{k.value}")]
            for k in MeetingKind
        ]
        await _show(
            update,
            t("{client}: what kind of meeting?", client=draft.client_name),
            _with_nav(InlineKeyboardMarkup(rows), t),
        )
    elif state == DATE:
        first = max(today, draft.period_start or today)
        month = draft.day or first
        markup = month_calendar(
            month.year,
            month.month,
            today=first,
            language=person.language,
            prefix="sccal",
            last_day=draft.period_end,
        )
        await _show(update, t("Which day? (* weekend or holiday)"), _with_nav(markup, t))
    elif state == TIME:
        assert draft.kind is not None
        latest = time(21, 0)
        if draft.kind is MeetingKind.WORK_DAY:
            latest = time(17 - WORK_DAY_HOURS[0], 0)
        markup = time_keyboard(
            prefix="sctm", start=time(8, 0), end=latest, step_minutes=30, language=person.language
        )
        assert draft.day is not None
        question = t("{day}: what time does it start?", day=show_date(draft.day, person.language))
        await _show(update, question, _with_nav(markup, t))
    elif state == DURATION:
        assert draft.kind is not None and draft.start is not None
        if draft.kind is MeetingKind.WORK_DAY:
            options = [
                h * 60
                for h in WORK_DAY_HOURS
                if datetime.combine(today, draft.start) + timedelta(hours=h)
                <= datetime.combine(today, WORK_DAY_WINDOW[1])
            ]
        else:
            options = list(DURATIONS)
        if not options:
            text = t("A work-activity day must end by 17.00. Choose an earlier start.")
            await _show(update, text, _with_nav(InlineKeyboardMarkup([]), t))
            return DURATION
        row = [InlineKeyboardButton(_minutes(m, t), callback_data=f"sc:du:{m}") for m in options]
        await _show(update, t("How long?"), _with_nav(InlineKeyboardMarkup([row]), t))
    elif state == PLACE:
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(t("Decide later"), callback_data="sc:pl:none")]]
        )
        await _show(update, t("Where? Write the address or the video link."), _with_nav(markup, t))
    elif state == REPEAT:
        markup = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(t("Only once"), callback_data="sc:rp:none")],
                [InlineKeyboardButton(t("Every week"), callback_data="sc:rp:weekly")],
            ]
        )
        await _show(update, t("Does it repeat?"), _with_nav(markup, t))
    elif state == WEEKDAYS:
        row = [
            InlineKeyboardButton(
                ("✓ " if i in draft.weekdays else "") + t(WEEKDAY_NAMES[i]),
                callback_data=f"sc:wd:{i}",
            )
            for i in range(5)
        ]
        done = [InlineKeyboardButton(t("Done"), callback_data="sc:wd:done")]
        await _show(
            update, t("On which weekdays?"), _with_nav(InlineKeyboardMarkup([row, done]), t)
        )
    elif state == COUNT:
        row = [InlineKeyboardButton(str(n), callback_data=f"sc:rc:{n}") for n in COUNTS]
        rows = [row[:3], row[3:]]
        if draft.period_end:
            rows.append(
                [InlineKeyboardButton(t("Until the period ends"), callback_data="sc:rc:end")]
            )
        await _show(
            update, t("How many meetings in all?"), _with_nav(InlineKeyboardMarkup(rows), t)
        )
    elif state == CONFIRM:
        return await _confirm(update, context, person)
    if not draft.history or draft.history[-1] != state:
        draft.history.append(state)
    return state


def _local(instant: datetime, person: Person) -> str:
    return f"{show_date(instant.date(), person.language)} {show_time(instant, person.language)}"


def _minutes(minutes: int, t: Translator) -> str:
    if minutes % 60 == 0:
        return t.plural("{n} hour", "{n} hours", minutes // 60)
    return t("{n} min", n=minutes)


async def _confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    draft = _draft(context)
    t = translator(person.language)
    services = services_of(context)
    tz = services.settings.tz
    times = starts(draft, tz)
    if not times:
        await _show(update, t("No meeting fits in the service period. Choose another day."), None)
        return await ask(update, context, person, DATE)
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
        [[InlineKeyboardButton("✔ " + t("Book"), callback_data="sc:ok")], _nav(t)]
    )
    await _show(update, "\n".join(lines), markup)
    if not draft.history or draft.history[-1] != CONFIRM:
        draft.history.append(CONFIRM)
    return CONFIRM


# --- entry and steps -----------------------------------------------------------------
@for_roles(Role.COACH, command="schedule")
async def _begin(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    assert context.user_data is not None
    context.user_data[KEY] = Draft()
    return await ask(update, context, person, CLIENT)


start = entry(_begin)
_coach = acting_coach


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None
    person = await _coach(update, context)
    if person is None:
        return ConversationHandler.END
    t = translator(person.language)
    draft = _draft(context)
    data = query.data or ""
    services = services_of(context)
    tz = services.settings.tz
    now_local = services.now().astimezone(tz)
    try:
        if data == "sc:cancel":
            context.user_data.pop(KEY, None)  # type: ignore[union-attr]
            await _show(update, t("Cancelled. Nothing was booked."), None)
            return ConversationHandler.END
        if data == "sc:back":
            if len(draft.history) > 1:
                draft.history.pop()
            return await ask(
                update, context, person, draft.history[-1] if draft.history else CLIENT
            )
        if data.startswith("sc:c:"):
            client_id = int(data.removeprefix("sc:c:"))
            summaries = await services.db.run(people.clients_of, person)
            mine = next((c for c in summaries if c.id == client_id), None)
            if mine is None:
                raise ValueError("not the coach's client")
            if mine.program_key is None:
                await query.answer(
                    t(
                        "{client} has no service period. Ask the admin to add one.",
                        client=mine.display_name,
                    ),
                    show_alert=True,
                )
                return CLIENT
            draft.client_id, draft.client_name = mine.id, mine.display_name
            draft.period_start, draft.period_end = mine.start_date, mine.planned_end
            return await ask(update, context, person, KIND)
        if data.startswith("sc:k:"):
            draft.kind = MeetingKind(data.removeprefix("sc:k:"))
            return await ask(update, context, person, DATE)
        if data.startswith("sccal:"):
            action, value = parse_calendar(data, "sccal")
            if action == "noop":
                await query.answer()
                return DATE
            if action == "month":
                assert value is not None
                draft.day = value
                return await ask(update, context, person, DATE)
            assert value is not None
            first = max(now_local.date(), draft.period_start or now_local.date())
            if value < first or (draft.period_end and value > draft.period_end):
                await query.answer(t("That day is outside the service period."), show_alert=True)
                return DATE
            if draft.kind is MeetingKind.WORK_DAY and not is_working_day(value):
                await query.answer(t("Work-activity days are on working days."), show_alert=True)
                return DATE
            draft.day = value
            return await ask(update, context, person, TIME)
        if data.startswith("sctm:"):
            chosen = parse_time(data, "sctm")
            assert draft.day is not None
            if datetime.combine(draft.day, chosen, tzinfo=tz) <= services.now():
                await query.answer(t("That time has already passed."), show_alert=True)
                return TIME
            draft.start = chosen
            return await ask(update, context, person, DURATION)
        if data.startswith("sc:du:"):
            minutes = int(data.removeprefix("sc:du:"))
            allowed = (
                [h * 60 for h in WORK_DAY_HOURS]
                if draft.kind is MeetingKind.WORK_DAY
                else DURATIONS
            )
            if minutes not in allowed:
                raise ValueError("duration")
            draft.minutes = minutes
            return await ask(update, context, person, PLACE)
        if data == "sc:pl:none":
            draft.place = None
            return await ask(update, context, person, REPEAT)
        if data == "sc:rp:none":
            draft.count, draft.weekdays = 1, set()
            return await ask(update, context, person, CONFIRM)
        if data == "sc:rp:weekly":
            assert draft.day is not None
            draft.weekdays = {draft.day.weekday()} if draft.day.weekday() < 5 else set()
            return await ask(update, context, person, WEEKDAYS)
        if data.startswith("sc:wd:"):
            value = data.removeprefix("sc:wd:")
            if value == "done":
                if not draft.weekdays:
                    await query.answer(t("Choose at least one weekday."), show_alert=True)
                    return WEEKDAYS
                return await ask(update, context, person, COUNT)
            day = int(value)
            if not 0 <= day <= 4:
                raise ValueError("weekday")
            draft.weekdays ^= {day}
            return await ask(update, context, person, WEEKDAYS)
        if data.startswith("sc:rc:"):
            value = data.removeprefix("sc:rc:")
            draft.count = 200 if value == "end" else int(value)
            if value != "end" and draft.count not in COUNTS:
                raise ValueError("count")
            return await ask(update, context, person, CONFIRM)
        if data == "sc:ok":
            return await _book(update, context, person)
    except (ValueError, KeyError):
        pass
    await _refuse(update, context, person)
    return draft.history[-1] if draft.history else ConversationHandler.END


async def _refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    """A stale or forged button: a polite answer, and a line in the audit log."""
    await refuse_button(update, context, person)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await _coach(update, context)
    if person is None:
        return ConversationHandler.END
    draft = _draft(context)
    t = translator(person.language)
    state = draft.history[-1] if draft.history else CLIENT
    message = update.effective_message
    if state == PLACE and message is not None and message.text:
        place = " ".join(message.text.split())[:PLACE_MAX]
        if place:
            draft.place = place
            return await ask(update, context, person, REPEAT)
    await reply(update, t("Please choose with the buttons above, or /cancel to stop."))
    return state


async def _book(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    draft = _draft(context)
    t = translator(person.language)
    services = services_of(context)
    tz = services.settings.tz
    quiet = services.settings.quiet_window
    now = services.now()
    if draft.client_id is None or draft.kind is None or draft.minutes is None or not draft.day:
        # A stale or forged "Book": nothing half-chosen is ever booked.
        await _refuse(update, context, person)
        return ConversationHandler.END
    times = [s for s in starts(draft, tz) if s > now]
    if not times:
        await _show(update, t("That time has already passed."), None)
        return await ask(update, context, person, TIME)

    def save(session):  # type: ignore[no-untyped-def]
        made = meetings.book(
            session,
            coach_id=person.id,
            client_id=draft.client_id,
            kind=draft.kind,
            starts=times,
            duration=timedelta(minutes=draft.minutes),
            place=draft.place,
        )
        for meeting in made:
            booked(session, meetings.view(session, meeting), now, tz, quiet)
        return len(made)

    try:
        count = await services.db.run(save)
    except MeetingError:
        await _show(update, t("This client is no longer yours. Nothing was booked."), None)
        return ConversationHandler.END
    services.wake_outbox()
    context.user_data.pop(KEY, None)  # type: ignore[union-attr]
    done = t.plural(
        "Booked {n} meeting. The client gets a card to confirm.",
        "Booked {n} meetings. The client gets a card to confirm.",
        count,
    )
    await _show(update, done, None)
    return ConversationHandler.END


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(KEY, None)  # type: ignore[union-attr]
    person = await acting_person(update, context)
    t = translator(person.language if person else "fi")
    await reply(update, t("Cancelled. Nothing was booked."))
    return ConversationHandler.END


STEPS = [
    CallbackQueryHandler(on_button, pattern=r"^sc"),
    CommandHandler("cancel", stop),
    MessageHandler(filters.ALL & ~filters.COMMAND, on_text),
]


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot, never shared between two (tests, the console)."""
    return [
        ConversationHandler(
            entry_points=[CommandHandler("schedule", start, filters=filters.ChatType.PRIVATE)],
            states={state: STEPS for state in range(10)},
            fallbacks=[CommandHandler("cancel", stop)],
            allow_reentry=True,
            conversation_timeout=3600,
        )
    ]
