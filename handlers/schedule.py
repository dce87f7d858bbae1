"""The coach's /schedule conversation: a meeting booked in a few taps.

client → kind → date → start time → duration → place → repeat → summary → confirm.
Back and cancel work at every step; text where a button is expected gets a hint.
Everything chosen so far lives in user_data under one key, and every step re-checks
that the client is still the coach's own. Each step takes only its own buttons (pressed
on this run's message); any other "sc" button is answered "no longer valid". The booking
itself is bot.meetings.actions.book.

The period's contract is read from its program, never from constants here: at the confirm
step the coach sees the hours used / booked / left of a capped period, a warning at 80 %
and, past the cap, a refusal with the figures and a button that asks the caseworker for
more hours [002 §3.2]; during the no-show procedure only the three-party meeting can be
booked [002 §3.4.3]; a work-activity day follows the program's day rules [002 §2]. The
write path checks all of it again (bot.periods.hours.check_booking).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application, BaseHandler, ConversationHandler

from bot.meetings import actions
from bot.meetings.keyboards import month_calendar, parse_time, time_keyboard
from bot.meetings.notices import KIND_NAMES, NO_PLACE
from bot.periods import actions as periods
from bot.periods import texts as period_texts
from bot.periods.hours import (
    BookingCheck,
    BookingRefused,
    check_booking,
    has_day_rules,
    series_days_problem,
    show_hours,
)
from bot.periods.terms import terms_of
from bot.rules.calendar import is_working_day
from bot.rules.periods import Contract, Problem, day_lengths
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
DAY_START, DAY_END = time(8, 0), time(21, 0)
STEP_MINUTES = 30
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
    terms: Contract | None = None  # the client's program, as its contract


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


def work_rules(draft: Draft) -> Contract | None:
    """The program's day rules apply to a work-activity day of a client whose program has
    them (work activity [002 §2]); any other meeting, or program, has none."""
    terms = draft.terms
    if draft.kind is MeetingKind.WORK_DAY and terms is not None and has_day_rules(terms):
        return terms
    return None


def _allowed_minutes(draft: Draft) -> list[int]:
    """A work-activity day is one of the program's day lengths and ends inside its window;
    other meetings any of the usual lengths."""
    terms = work_rules(draft)
    if terms is None:
        return list(DURATIONS)
    assert draft.start is not None
    return day_lengths(terms, draft.start)


def start_times(terms: Contract | None, minutes: int | None = None) -> tuple[time, time]:
    """The start times offered (the keyboard's end is not offered): a work day starts in
    the program's window early enough to end in it (`minutes` long, else the shortest day)."""
    if terms is None or terms.day_window is None:
        return DAY_START, DAY_END
    first, last = terms.day_window
    shortest = minutes if minutes is not None else min(terms.day_hours or (0,)) * 60
    base = date(2000, 1, 3)
    latest = datetime.combine(base, last) - timedelta(minutes=shortest - STEP_MINUTES)
    return first, min(latest, datetime.combine(base, time(23, 30))).time()


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
        first, latest = start_times(work_rules(draft))
        text = t("{day}: what time does it start?", day=show_date(draft.day, person.language))
        markup = time_keyboard(
            prefix="sctm", start=first, end=latest, step_minutes=STEP_MINUTES,
            language=person.language,
        )  # fmt: skip
    elif state == DURATION:
        options = _allowed_minutes(draft)
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
    assert draft.client_id is not None
    duration = timedelta(minutes=draft.minutes)
    warnings = []
    check = await services.db.run(
        check_booking,
        client_id=draft.client_id,
        kind=draft.kind,
        spans=[(s, s + duration) for s in times],
        now=services.now(),
        tz=tz,
    )
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
    lines += hours_lines(check, t, person.language)
    rows = [[InlineKeyboardButton("✔ " + t("Book"), callback_data="sc:ok")]]
    if check.problem is Problem.OVER_CAP and check.more_possible >= missing_hours(check):
        more = t("Ask the caseworker for more hours")
        rows = [[InlineKeyboardButton(more, callback_data="sc:more")]]
    elif check.problem is not None:
        rows = []  # refused: back to change the booking, or cancel
    markup = InlineKeyboardMarkup([*rows, nav_row(t, "sc")])
    await turn.show("\n".join(lines), markup)
    return draft.reach(CONFIRM)


def hours_lines(check: BookingCheck, t: Translator, language: str) -> list[str]:
    """The period's hours (a capped period), the 80 % warning, and why a booking is refused."""
    found: list[str] = []
    before, after = check.before, check.after
    if before is not None and after is not None and before.cap is not None:
        assert before.left is not None and after.left is not None
        found.append(
            t(
                "Hours of the period: {used} h used, {booked} h booked, {left} h left of {cap} h.",
                used=show_hours(before.used, language),
                booked=show_hours(before.booked, language),
                left=show_hours(max(before.left, 0), language),
                cap=show_hours(before.cap, language),
            )
        )
        if check.problem is None:
            found.append(
                t(
                    "This booking: {new} h. Left after it: {left} h.",
                    new=show_hours(after.booked - before.booked, language),
                    left=show_hours(after.left, language),
                )
            )
        if check.warn:
            found.append(
                t(
                    "⚠ After this booking {share} % of the hours are used or booked.",
                    share=math.floor(100 * after.counted / before.cap),
                )
            )
    if check.problem is not None:
        found.append(refusal(check, t, language))
    return found


def missing_hours(check: BookingCheck) -> float:
    """The hours a booking past the cap lacks, rounded up to the half hour."""
    if check.after is None or check.after.cap is None:
        return 0.0
    return math.ceil((check.after.counted - check.after.cap) * 2) / 2


def refusal(check: BookingCheck, t: Translator, language: str) -> str:
    """Why the period's contract does not allow this booking (or move)."""
    problem, terms = check.problem, check.terms
    before, after = check.before, check.after
    if problem is Problem.OVER_CAP and before is not None and after is not None:
        assert before.cap is not None and before.left is not None
        figures = {
            "new": show_hours(after.booked - before.booked, language),
            "left": show_hours(max(before.left, 0), language),
            "cap": show_hours(before.cap, language),
        }
        if check.more_possible >= missing_hours(check):
            return t(
                "✖ Not booked: this needs {new} h, but only {left} h are left of the cap of "
                "{cap} h. You can ask the caseworker for more hours.",
                **figures,
            )
        return t(
            "✖ Not booked: this needs {new} h, but only {left} h are left of the cap of "
            "{cap} h, the most the program allows.",
            **figures,
        )
    if problem is Problem.OUTSIDE_PERIOD:
        return t("✖ That day is outside the client's service period.")
    if problem is Problem.SUSPENDED:
        return t("✖ The service is suspended on that day.")
    if problem is Problem.PROCEDURE:
        return t(
            "✖ A three-party meeting has been called to decide whether the service ends. "
            "Only that meeting can be booked until it is held."
        )
    if problem is Problem.DAY_LENGTH and terms is not None and terms.day_hours:
        return t(
            "✖ A work-activity day lasts {hours} hours.",
            hours=" / ".join(str(h) for h in terms.day_hours),
        )
    if problem is Problem.DAY_WINDOW and terms is not None and terms.day_window:
        first, last = terms.day_window
        return t(
            "✖ A work-activity day is between {first} and {last}.",
            first=f"{first:%H.%M}",
            last=f"{last:%H.%M}",
        )
    if problem is Problem.NOT_WEEKDAY:
        return "✖ " + t("Work-activity days are on working days.")
    if problem is Problem.DAYS_PER_WEEK and terms is not None and terms.days_per_week:
        low, high = terms.days_per_week
        return t("✖ Work-activity days are {low}–{high} days a week.", low=low, high=high)
    return t("✖ This cannot be booked.")


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
    draft.terms = await turn.services.db.run(terms_of, client.program_key)
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
    terms = work_rules(draft)
    if terms is not None and terms.day_window is not None and not is_working_day(value):
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
    if turn.draft.start is None or minutes not in _allowed_minutes(turn.draft):
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
    terms = work_rules(turn.draft)
    if terms is not None and series_days_problem(terms, len(turn.draft.weekdays)):
        assert terms.days_per_week is not None
        low, high = terms.days_per_week
        await turn.alert(
            turn.t("Work-activity days are {low}–{high} days a week.", low=low, high=high)
        )
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
    except BookingRefused:
        # Something changed since the summary (another booking, an attendance record, the
        # no-show procedure): the summary again, with the figures and the reason.
        return await _confirm(turn)
    services.wake_outbox()
    done = t.plural(
        "Booked {n} meeting. The client gets a card to confirm.",
        "Booked {n} meetings. The client gets a card to confirm.",
        count,
    )
    await turn.show(done)
    return FLOW.end(turn.context)


async def on_more_hours(turn: Turn[Draft]) -> int:
    """Past the cap: the coach asks the caseworker for the hours this booking lacks
    (rounded up to the half hour); nothing is booked. The caseworker decides with buttons
    (bot.periods.actions.request)."""
    t, draft, services = turn.t, turn.draft, turn.services
    tz, now = services.settings.tz, services.now()
    if draft.client_id is None or draft.kind is None or draft.minutes is None or not draft.day:
        raise turn.refused("schedule: incomplete")
    duration = timedelta(minutes=draft.minutes)
    check = await services.db.run(
        check_booking,
        client_id=draft.client_id,
        kind=draft.kind,
        spans=[(s, s + duration) for s in starts(draft, tz)],
        now=now,
        tz=tz,
    )
    if check.problem is not Problem.OVER_CAP or check.period_id is None:
        return await _confirm(turn)  # it fits now, or is refused for another reason
    missing = missing_hours(check)
    try:
        await services.db.run(
            periods.request,
            coach_id=turn.person.id,
            period_id=check.period_id,
            kind="hours",
            until=None,
            hours=missing,
            note=None,
            now=now,
        )
    except periods.PeriodError as error:  # e.g. one is waiting already, or no caseworker
        await turn.show(t(period_texts.ERRORS.get(error.code, period_texts.ERRORS["not_yours"])))
        return FLOW.end(turn.context)
    except periods.PeriodRefused as refused:  # the program's cap is reached meanwhile
        await turn.show(t(period_texts.problem_text(refused.problem)))
        return FLOW.end(turn.context)
    services.wake_outbox()
    await turn.show(
        t(
            "Asked the caseworker for {hours} more hours. Nothing was booked: book again "
            "when they have answered.",
            hours=show_hours(missing, turn.person.language),
        )
    )
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
        CONFIRM: [
            FLOW.button(r"^sc:ok$", on_book),
            FLOW.button(r"^sc:more$", on_more_hours),
        ],
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
