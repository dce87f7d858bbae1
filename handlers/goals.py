"""/goals: a coach sets and follows a client's goals; a client sees their own.

Coach: client → the client's goals → add (area → the goal in the client's words → the
criterion that shows it is reached → target date), open one to edit it or close it as
reached / partly / not reached with a line of evidence, or choose the check-in time.
Client: their own goals with the latest answer and the criterion, and the check-in time.

Routed by state: each step takes only its own buttons (`gl:<action>:<id>…`, ids only),
pressed on this run's message; any other goals button, or one on a message of an earlier
run (restarted, left for another command, timed out), gets the polite "no longer valid"
and changes nothing. Every press is checked again in the database, so a forged button
acts on nothing. One button is taken on any message in any step: a goal's result
(`gl:s:<goal>:<status>`) names the goal and the result, so an old "How did it go?" closes
the goal it shows while that goal is open, and is refused once it is not.

What the coach types lives in the draft (`user_data`) until it is saved, abandoned for
another step or flow, or an hour has passed. Writes go through bot.goals.actions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.access import acting_person, person_of_role, reply
from bot.goals import actions
from bot.goals import texts as goal_texts
from bot.rules.goals import (
    AREAS,
    TARGET_CHOICES,
    TEXT_MAX,
    GoalStatus,
    criterion_problem,
    target_day,
    typed_target,
)
from handlers import progress
from handlers.ui import Awaiting, Context, Flow, Steps, Turn, expect_text, stale_buttons, text_done
from messages.formatting import show_short_datetime
from messages.i18n import N_, Translator, translator
from storage import goals, people
from storage.models import Goal, Role

OWNER = "goals"
END = ConversationHandler.END
# The steps. Browsing: CLIENTS, LIST, GOAL; adding: AREA → TEXT → CRITERION → TARGET;
# a goal: EDIT, DATE, CLOSING → EVIDENCE; the check-in time: DAY → HOUR → EVERY.
CLIENTS, LIST, AREA, TEXT, CRITERION, TARGET, GOAL, EDIT, DATE, CLOSING, EVIDENCE = range(11)
DAY, HOUR, EVERY = range(11, 14)
HOURS = ("0800", "0900", "1000", "1200", "1400", "1600", "1800")

ID = r"(\d{1,12})"
CHOICE = f"({'|'.join(TARGET_CHOICES)})"
HOUR_CHOICE = f"({'|'.join(HOURS)})"
STATUS = rf"^gl:s:{ID}:(reached|partly|not_reached)$"
VALUES = ("client_id", "goal_id", "area", "text", "criterion", "field", "status", "period_end")


@dataclass
class Draft(Steps):
    """The client or goal being worked on and what the coach has typed so far."""

    client_id: int | None = None
    goal_id: int | None = None
    area: str | None = None
    text: str | None = None
    criterion: str | None = None
    field: str | None = None  # an edit: "text" or "criterion"
    status: str | None = None  # a closing: the result the evidence is for
    period_end: date | None = None

    def start(self, **values: Any) -> None:
        """A new step: its own values, nothing left of another step's (the message
        stays the conversation's)."""
        for name in VALUES:
            setattr(self, name, values.pop(name, None))
        assert not values, values


FLOW = Flow(
    key="goals",
    draft=Draft,
    roles=(Role.COACH, Role.CLIENT),
    prefix="gl",
    stopped=N_("Stopped. Nothing was changed."),
)
Typed = Callable[[Turn[Draft], str], Awaitable[int | None]]


def _typing(turn: Turn[Draft], **values: Any) -> Draft:
    """A step that waits for the coach's text, with its values."""
    turn.draft.start(**values)
    expect_text(turn.context, OWNER)
    return turn.draft


def _browsing(turn: Turn[Draft]) -> Turn[Draft]:
    """A step of buttons only: whatever was being typed is dropped."""
    turn.draft.start()
    text_done(turn.context, OWNER)
    return turn


def _button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text, callback_data=data)]


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _close_button(t: Translator) -> list[InlineKeyboardButton]:
    return _button("✖ " + t("Close"), "gl:close")


def _back(t: Translator, data: str) -> list[InlineKeyboardButton]:
    return _button("◀ " + t("Back"), data)


def _hhmm(code: str) -> time:
    return time(int(code[:2]), int(code[2:]))


def _today(turn: Turn[Draft]) -> date:
    return turn.services.now().astimezone(turn.services.settings.tz).date()


def _coach_only(turn: Turn[Draft]) -> None:
    """A coach's step: a client's press (forged, or an old message) is refused."""
    if turn.person.role != Role.COACH.value:
        raise turn.refused("goals: a coach's button")


async def _open_goal(turn: Turn[Draft], goal_id: int) -> Goal | None:
    """The coach's open goal; None (said so) when it is not theirs; a closed goal's button
    is refused: its result is not rewritten."""
    goal = await turn.services.db.run(goals.goal_for, turn.person, goal_id)
    if goal is None:
        await _gone(turn)
        return None
    if goal.status != GoalStatus.OPEN.value:
        raise turn.refused("goals: closed goal")
    return goal


async def _ask(
    turn: Turn[Draft], question: str, rows: list[list[InlineKeyboardButton]], state: int
) -> int:
    await turn.show(question, InlineKeyboardMarkup(rows))
    return state


async def _gone(turn: Turn[Draft]) -> int:
    """The client or goal is no longer this person's: say so and end."""
    text_done(turn.context, OWNER)
    await turn.show(turn.t("This is no longer available to you."))
    return FLOW.end(turn.context)


# --- views -------------------------------------------------------------------------------
async def show_clients(turn: Turn[Draft]) -> int:
    t = turn.t
    clients = await turn.services.db.run(people.clients_of, turn.person)
    if not clients:
        await turn.show(t("You have no clients yet."))
        return FLOW.end(turn.context)
    rows = [_button(c.display_name, f"gl:c:{c.id}") for c in clients]
    rows.append(_close_button(t))
    return await _ask(turn, t("Goals: which client?"), rows, CLIENTS)


async def show_list(turn: Turn[Draft], client_id: int, *, new: bool = False) -> int:
    t = turn.t
    found = await turn.services.db.run(goals.overview, turn.person, client_id)
    if found is None:
        return await _gone(turn)
    coach = turn.person.role == Role.COACH.value
    parts = [t("{client}: goals", client=found.client.display_name) if coach else t("Your goals")]
    if not found.goals:
        parts.append(
            t("No goals yet. Add the first one together with the client.")
            if coach
            else t("No goals yet. You and your coach set them together.")
        )
    for n, goal in enumerate(found.goals, start=1):
        points = found.history.get(goal.id or 0, [])
        parts.append(
            t(
                "{n}. {icon} {goal}\nReached when: {criterion}\n"
                "Target: {target} · Latest: {latest}",
                n=n,
                icon=goal_texts.icon(goal),
                goal=goal.text,
                criterion=goal.criterion,
                target=goal_texts.target_text(goal.target_date, t),
                latest=goal_texts.answer_text(points[-1] if points else None, t)
                if goal.status == GoalStatus.OPEN.value
                else goal_texts.status_text(goal, t),
            )
        )
    if found.plan is not None:
        parts.append(t("Check-ins: {plan}.", plan=goal_texts.plan_text(found.plan, t)))
    rows = []
    if coach:
        if found.evaluate_period_id is not None:
            rows.append(
                _button("📝 " + t("Evaluate the goals"), f"ev:{found.evaluate_period_id}:go")
            )
        rows.append(_button("➕ " + t("Add a goal"), f"gl:add:{client_id}"))
        rows += [
            _button(f"{n}. {_short(g.text)}", f"gl:g:{g.id}")
            for n, g in enumerate(found.goals, start=1)
        ]
    rows.append(_button("🗓 " + t("Check-in time"), f"gl:p:{client_id}"))
    if found.goals:
        rows.append(_button("📈 " + t("Progress chart"), f"gl:chart:{client_id}"))
    rows.append(_back(t, "gl:clients") + _close_button(t) if coach else _close_button(t))
    await turn.show("\n\n".join(parts), InlineKeyboardMarkup(rows), new=new)
    return LIST


async def show_goal(turn: Turn[Draft], goal_id: int, *, new: bool = False) -> int:
    t = turn.t
    db = turn.services.db
    goal = await db.run(goals.goal_for, turn.person, goal_id)
    if goal is None:
        return await _gone(turn)
    found = await db.run(goals.history, goal.client_id)
    points = found.get(goal.id or 0, [])[-4:]
    recent = "\n".join(
        goal_texts.answer_text(p, t) + (f" – {p.comment}" if p.comment else "") for p in points
    )
    text = t(
        "{icon} {goal}\nArea: {area}\nReached when: {criterion}\nTarget date: {target}\n"
        "Status: {status}",
        icon=goal_texts.icon(goal),
        goal=goal.text,
        area=goal_texts.area_text(goal.area, t),
        criterion=goal.criterion,
        target=goal_texts.target_text(goal.target_date, t),
        status=goal_texts.status_text(goal, t),
    )
    if goal.evidence:
        text += "\n" + t("Evidence: {evidence}", evidence=goal.evidence)
    text += "\n\n" + (t("Latest check-ins:") + "\n" + recent if recent else t("No answers yet."))
    rows = []
    if goal.status == GoalStatus.OPEN.value:
        rows += [
            _button("✏ " + t("Edit the goal"), f"gl:e:{goal.id}:text"),
            _button("✏ " + t("Edit the criterion"), f"gl:e:{goal.id}:criterion"),
            _button("✏ " + t("Change the target date"), f"gl:d:{goal.id}"),
            _button("✔ " + t("Close the goal"), f"gl:x:{goal.id}"),
        ]
    rows.append(_back(t, f"gl:c:{goal.client_id}"))
    await turn.show(text, InlineKeyboardMarkup(rows), new=new)
    return GOAL


def _target_rows(
    t: Translator, prefix: str, period_end: date | None
) -> list[list[InlineKeyboardButton]]:
    rows = [_button(t("In 2 weeks"), f"{prefix}:14"), _button(t("In a month"), f"{prefix}:30")]
    if period_end is not None:
        rows.append(_button(t("When the period ends"), f"{prefix}:end"))
    rows.append(_button(t("No target date"), f"{prefix}:none"))
    return rows


# --- entry and browsing ------------------------------------------------------------------
async def _begin(turn: Turn[Draft]) -> int:
    """/goals: a client's own goals; a coach's clients."""
    assert turn.person.id is not None
    text_done(turn.context, OWNER)
    if turn.person.role == Role.CLIENT.value:
        return await show_list(turn, turn.person.id)
    return await show_clients(turn)


async def on_clients(turn: Turn[Draft]) -> int:
    """LIST's Back: the coach's clients."""
    _coach_only(turn)
    return await show_clients(turn)


async def on_list(turn: Turn[Draft]) -> int:
    """A client chosen (CLIENTS), or Back to their goals (AREA, GOAL, DAY)."""
    return await show_list(_browsing(turn), int(turn.group(1)))


async def on_close(turn: Turn[Draft]) -> int:
    query = turn.update.callback_query
    assert query is not None
    text_done(turn.context, OWNER)
    await query.answer()
    await query.edit_message_reply_markup(None)
    return FLOW.end(turn.context)


async def on_goal(turn: Turn[Draft]) -> int:
    """A goal opened (LIST), or Back to it from one of its steps."""
    _coach_only(turn)
    return await show_goal(_browsing(turn), int(turn.group(1)))


async def on_chart(turn: Turn[Draft]) -> None:
    """The progress chart as a new message; the list stays as it is."""
    assert turn.update.callback_query is not None
    await turn.update.callback_query.answer()
    await progress.send_chart(turn.update, turn.context, turn.person, int(turn.group(1)))


# --- adding a goal -----------------------------------------------------------------------
async def on_add(turn: Turn[Draft]) -> int:
    """LIST's "Add a goal", or Back to the areas while the goal is typed."""
    _coach_only(turn)
    client_id = int(turn.group(1))
    _browsing(turn)
    if await turn.services.db.run(goals.client_for, turn.person, client_id) is None:
        return await _gone(turn)
    t = turn.t
    rows = [_button(t(goal_texts.AREA_NAMES[key]), f"gl:a:{client_id}:{key}") for key in AREAS]
    rows.append(_back(t, f"gl:c:{client_id}"))
    return await _ask(turn, t("New goal. What area is it in?"), rows, AREA)


async def on_area(turn: Turn[Draft]) -> int:
    _coach_only(turn)
    client_id, area = int(turn.group(1)), turn.group(2)
    db = turn.services.db
    if await db.run(goals.client_for, turn.person, client_id) is None:
        return await _gone(turn)
    period = await db.run(people.current_period, client_id)
    end = period.planned_end if period else None
    _typing(turn, client_id=client_id, area=area, period_end=end)
    return await _ask(
        turn,
        turn.t("Write the goal in the client's own words, e.g. “I find a job in logistics”."),
        [_back(turn.t, f"gl:add:{client_id}")],
        TEXT,
    )


async def on_goal_text(turn: Turn[Draft], text: str) -> int:
    turn.draft.text = text
    return await _ask(
        turn,
        turn.t("How will you both see that it is reached? Write a criterion that can be "
               "checked, e.g. “sends 5 applications by 15.12.”."),
        [_back(turn.t, f"gl:add:{turn.draft.client_id}")],
        CRITERION,
    )  # fmt: skip


# Why a criterion is refused, with an example of one that can be checked.
CRITERION_REFUSALS = {
    "same": N_(
        "That only repeats the goal. Write what shows it is reached: a number, a date or "
        "something another person can see, e.g. “5 applications sent by 15.12.” or "
        "“employment contract signed”."
    ),
    "vague": N_(
        "“{text}” does not show whether the goal is reached. Write a number, a date or "
        "something another person can see, e.g. “5 applications sent by 15.12.” or "
        "“employment contract signed”."
    ),
}


async def _refused_criterion(turn: Turn[Draft], goal: str, text: str) -> bool:
    """A criterion that measures nothing (the goal again, or a bare "kyllä") is refused
    with an example of one that does; the step stays."""
    problem = criterion_problem(goal, text)
    if problem is not None:
        await reply(turn.update, turn.t(CRITERION_REFUSALS[problem], text=text))
    return problem is not None


async def on_criterion(turn: Turn[Draft], text: str) -> int | None:
    draft, t = turn.draft, turn.t
    if await _refused_criterion(turn, draft.text or "", text):
        return None
    draft.criterion = text
    rows = _target_rows(t, f"gl:tn:{draft.client_id}", draft.period_end)
    return await _ask(
        turn,
        t("By when? Choose, or write a date (e.g. 15.12.2026)."),
        [*rows, _back(t, f"gl:add:{draft.client_id}")],
        TARGET,
    )


async def on_new_target(turn: Turn[Draft]) -> int:
    _coach_only(turn)
    draft = turn.draft
    if draft.client_id != int(turn.group(1)) or draft.criterion is None:
        raise turn.refused("goals: another draft")
    return await _add(turn, target_day(turn.group(2), _today(turn), draft.period_end))


async def on_typed_target(turn: Turn[Draft], text: str) -> int | None:
    day = await _typed_day(turn, text)
    return None if day is None else await _add(turn, day)


# --- a goal's steps ----------------------------------------------------------------------
async def on_edit(turn: Turn[Draft]) -> int:
    _coach_only(turn)
    goal_id, field = int(turn.group(1)), turn.group(2)
    goal = await _open_goal(turn, goal_id)
    if goal is None:
        return END
    _typing(turn, client_id=goal.client_id, goal_id=goal_id, field=field)
    question = (
        turn.t("Write the goal anew.")
        if field == "text"
        else turn.t("Write the criterion anew: what will show that the goal is reached?")
    )
    return await _ask(turn, question, [_back(turn.t, f"gl:g:{goal_id}")], EDIT)


async def on_edit_text(turn: Turn[Draft], text: str) -> int | None:
    draft = turn.draft
    assert draft.field is not None
    if draft.field == "criterion" and draft.goal_id is not None:
        goal = await turn.services.db.run(goals.goal_for, turn.person, draft.goal_id)
        if goal is not None and await _refused_criterion(turn, goal.text, text):
            return None
    return await _edit(turn, draft.field, text)


async def on_date(turn: Turn[Draft]) -> int:
    _coach_only(turn)
    goal_id = int(turn.group(1))
    goal = await _open_goal(turn, goal_id)
    if goal is None:
        return END
    period = await turn.services.db.run(people.current_period, goal.client_id)
    end = period.planned_end if period else None
    _typing(turn, client_id=goal.client_id, goal_id=goal_id, period_end=end)
    return await _ask(
        turn,
        turn.t("By when? Choose, or write a date (e.g. 15.12.2026)."),
        [*_target_rows(turn.t, f"gl:t:{goal_id}", end), _back(turn.t, f"gl:g:{goal_id}")],
        DATE,
    )


async def on_target(turn: Turn[Draft]) -> int:
    _coach_only(turn)
    draft, choice = turn.draft, turn.group(2)
    if draft.goal_id != int(turn.group(1)) or (choice == "end" and draft.period_end is None):
        raise turn.refused("goals: another draft")
    return await _edit(turn, "target_date", target_day(choice, _today(turn), draft.period_end))


async def on_typed_date(turn: Turn[Draft], text: str) -> int | None:
    day = await _typed_day(turn, text)
    return None if day is None else await _edit(turn, "target_date", day)


async def on_closing(turn: Turn[Draft]) -> int:
    _coach_only(turn)
    goal_id = int(turn.group(1))
    if await _open_goal(turn, goal_id) is None:
        return END
    t = turn.t
    rows = [
        _button("✅ " + t("Reached"), f"gl:s:{goal_id}:reached"),
        _button("◐ " + t("Partly reached"), f"gl:s:{goal_id}:partly"),
        _button("✖ " + t("Not reached"), f"gl:s:{goal_id}:not_reached"),
        _back(t, f"gl:g:{goal_id}"),
    ]
    return await _ask(_browsing(turn), t("How did it go?"), rows, CLOSING)


async def on_status(update: Update, context: Context) -> int:
    """A goal's result, on any message in any step (see the module's docstring): the
    message it was pressed on becomes this run's, asking for the evidence."""
    coach = await person_of_role(update, context, Role.COACH)
    turn = Turn(update, context, coach, FLOW.begin(context), context.match)
    goal_id, status = int(turn.group(1)), turn.group(2)
    goal = await _open_goal(turn, goal_id)
    if goal is None:
        return END
    _typing(turn, client_id=goal.client_id, goal_id=goal_id, status=status)
    return await _ask(
        turn,
        turn.t("Write one line of evidence: what shows it? E.g. “5 applications sent, "
               "copies in the folder”."),
        [_back(turn.t, f"gl:g:{goal_id}")],
        EVIDENCE,
    )  # fmt: skip


async def on_evidence(turn: Turn[Draft], text: str) -> int:
    draft, services = turn.draft, turn.services
    assert draft.goal_id is not None and draft.status is not None
    status = GoalStatus(draft.status)
    goal = await services.db.run(
        actions.close_goal, turn.person, draft.goal_id, status, text, services.now()
    )
    if goal is None:
        return await _gone(turn)
    services.wake_outbox()
    await reply(
        turn.update, turn.t("Saved: {status}.", status=turn.t(goal_texts.STATUS_NAMES[status]))
    )
    return await show_goal(_browsing(turn), goal.id or 0, new=True)


# --- the check-in time (the buttons carry the choices) ----------------------------------
async def on_plan(turn: Turn[Draft]) -> int:
    """LIST's "Check-in time", or Back to the days."""
    client_id = int(turn.group(1))
    if await turn.services.db.run(goals.client_for, turn.person, client_id) is None:
        return await _gone(turn)
    t = turn.t
    names = [goal_texts.weekday_name(day, t.language).capitalize() for day in range(7)]
    rows = [_button(names[day], f"gl:w:{client_id}:{day}") for day in range(5)]
    rows.append(
        [InlineKeyboardButton(names[d], callback_data=f"gl:w:{client_id}:{d}") for d in (5, 6)]
    )
    rows.append(_back(t, f"gl:c:{client_id}"))
    return await _ask(turn, t("Check-ins: on which day should I ask?"), rows, DAY)


async def on_day(turn: Turn[Draft]) -> int:
    """A day chosen, or Back to the hours."""
    client_id, day = turn.group(1), turn.group(2)
    buttons = [
        InlineKeyboardButton(
            goal_texts.clock_text(_hhmm(code), turn.t.language),
            callback_data=f"gl:h:{client_id}:{day}:{code}",
        )
        for code in HOURS
    ]
    rows = [buttons[:4], buttons[4:], _back(turn.t, f"gl:p:{client_id}")]
    return await _ask(turn, turn.t("At what time?"), rows, HOUR)


async def on_hour(turn: Turn[Draft]) -> int:
    client_id, day, at = turn.group(1), turn.group(2), turn.group(3)
    prefix = f"gl:f:{client_id}:{day}:{at}"
    rows = [
        _button(turn.t("Every week"), f"{prefix}:1"),
        _button(turn.t("Every two weeks"), f"{prefix}:2"),
        _back(turn.t, f"gl:w:{client_id}:{day}"),
    ]
    return await _ask(turn, turn.t("How often?"), rows, EVERY)


async def on_every(turn: Turn[Draft]) -> int:
    client_id, services = int(turn.group(1)), turn.services
    tz = services.settings.tz
    upcoming = await services.db.run(
        actions.set_plan, turn.person, client_id, weekday=int(turn.group(2)),
        at=_hhmm(turn.group(3)), every_weeks=int(turn.group(4)), now=services.now(), tz=tz,
        update_id=turn.update.update_id,
    )  # fmt: skip
    if upcoming is None:
        return await _gone(turn)
    services.wake_outbox()
    next_time = show_short_datetime(upcoming, turn.person.language, tz)
    await reply(turn.update, turn.t("Saved. The next check-in is on {next}.", next=next_time))
    return await show_list(turn, client_id, new=True)


# --- typed text --------------------------------------------------------------------------
def typed(application: Application, step: Typed) -> MessageHandler:  # type: ignore[type-arg]
    """The coach's text for the step that asked for it, on one line and not too long;
    else asked again, and the step stays."""

    async def write(update: Update, context: Context) -> int | None:
        coach = await person_of_role(update, context, Role.COACH)
        turn = Turn(update, context, coach, FLOW.draft_of(context, coach))
        message = update.effective_message
        text = " ".join((message.text or "").split()) if message is not None else ""
        if not text:
            await reply(update, turn.t("Please write your answer as text, or /cancel to stop."))
            return None
        if len(text) > TEXT_MAX:
            too_long = turn.t("That is too long. Please write at most {n} characters.", n=TEXT_MAX)
            await reply(update, too_long)
            return None
        return await step(turn, text)

    return MessageHandler(filters.TEXT & ~filters.COMMAND & Awaiting(application, OWNER), write)


async def _typed_day(turn: Turn[Draft], text: str) -> date | None:
    day = typed_target(text, _today(turn))
    if day is None:
        await reply(turn.update, turn.t("Please write a date from today on, e.g. 15.12.2026."))
    return day


# --- saving ------------------------------------------------------------------------------
async def _add(turn: Turn[Draft], day: date | None) -> int:
    draft, services = turn.draft, turn.services
    assert draft.client_id and draft.area and draft.text and draft.criterion
    new = actions.NewGoal(draft.client_id, draft.area, draft.text, draft.criterion, day)
    goal = await services.db.run(
        actions.add_goal, turn.person, new, services.now(), services.settings.tz
    )
    if goal is None:
        return await _gone(turn)
    services.wake_outbox()
    await reply(
        turn.update, turn.t("Added. The client was told, and the check-ins will ask about it.")
    )
    return await show_list(_browsing(turn), goal.client_id, new=True)


async def _edit(turn: Turn[Draft], what: str, value: str | date | None) -> int:
    draft, services = turn.draft, turn.services
    assert draft.goal_id is not None
    goal = await services.db.run(
        actions.edit_goal, turn.person, draft.goal_id, what, value, services.now()
    )
    if goal is None:
        return await _gone(turn)
    await reply(turn.update, turn.t("Saved."))
    return await show_goal(_browsing(turn), goal.id or 0, new=True)


async def cancel(update: Update, context: Context) -> int:
    """/cancel while a text is awaited."""
    text_done(context, OWNER)
    person = await acting_person(update, context)
    await reply(update, translator(person.language if person else "fi")(FLOW.stopped))
    return FLOW.end(context)


async def timed_out(update: object, context: Context) -> None:
    text_done(context, OWNER)
    FLOW.end(context)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application (conversation state is per bot): per
    step its own buttons and, while a text is awaited, the text."""
    press: dict[str, CallbackQueryHandler] = {  # type: ignore[type-arg]
        "clients": FLOW.button(r"^gl:clients$", on_clients),
        "close": FLOW.button(r"^gl:close$", on_close),
        "list": FLOW.button(rf"^gl:c:{ID}$", on_list),
        "add": FLOW.button(rf"^gl:add:{ID}$", on_add),
        "area": FLOW.button(rf"^gl:a:{ID}:({'|'.join(AREAS)})$", on_area),
        "new_target": FLOW.button(rf"^gl:tn:{ID}:{CHOICE}$", on_new_target),
        "goal": FLOW.button(rf"^gl:g:{ID}$", on_goal),
        "edit": FLOW.button(rf"^gl:e:{ID}:(text|criterion)$", on_edit),
        "date": FLOW.button(rf"^gl:d:{ID}$", on_date),
        "target": FLOW.button(rf"^gl:t:{ID}:{CHOICE}$", on_target),
        "closing": FLOW.button(rf"^gl:x:{ID}$", on_closing),
        "plan": FLOW.button(rf"^gl:p:{ID}$", on_plan),
        "day": FLOW.button(rf"^gl:w:{ID}:([0-6])$", on_day),
        "hour": FLOW.button(rf"^gl:h:{ID}:([0-6]):{HOUR_CHOICE}$", on_hour),
        "every": FLOW.button(rf"^gl:f:{ID}:([0-6]):{HOUR_CHOICE}:([12])$", on_every),
        "chart": FLOW.button(rf"^gl:chart:{ID}$", on_chart),  # type: ignore[arg-type]
    }
    return [
        ConversationHandler(
            entry_points=[
                FLOW.command("goals", _begin),
                CallbackQueryHandler(on_status, pattern=STATUS),
            ],
            states={
                CLIENTS: [press["list"], press["close"]],
                LIST: [press[a] for a in ("clients", "add", "goal", "plan", "chart", "close")],
                AREA: [press["area"], press["list"]],
                TEXT: [press["add"], typed(application, on_goal_text)],
                CRITERION: [press["add"], typed(application, on_criterion)],
                TARGET: [press["new_target"], press["add"], typed(application, on_typed_target)],
                GOAL: [press["edit"], press["date"], press["closing"], press["list"]],
                EDIT: [press["goal"], typed(application, on_edit_text)],
                DATE: [press["target"], press["goal"], typed(application, on_typed_date)],
                CLOSING: [press["goal"]],  # the results themselves: `on_status`, any step
                EVIDENCE: [press["goal"], typed(application, on_evidence)],
                DAY: [press["day"], press["list"]],
                HOUR: [press["hour"], press["plan"]],
                EVERY: [press["every"], press["day"]],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", cancel, filters=Awaiting(application, OWNER)),
                stale_buttons("gl:"),
            ],
            allow_reentry=True,
            conversation_timeout=3600,
            name="goals",
        )
    ]
