"""/goals: a coach sets and follows a client's goals; a client sees their own.

Coach: client → the client's goals → add (area → the goal in the client's words → the
criterion that shows it is reached → target date), open one to edit it or close it as
reached / partly / not reached with a line of evidence, or choose the check-in time.
Client: their own goals with the latest answer and the criterion, and the check-in time.

Every button names the client or goal it acts on (`gl:<action>:<id>…`), and every press
is checked again in the database, so an old or forged button acts on what it shows or on
nothing. Only what the person types lives in `user_data` (the draft), and only until it
is saved, abandoned for another flow, or an hour has passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
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
    TypeHandler,
    filters,
)

from bot.access import acting_person, for_roles, refuse_button, reply
from bot.goals import texts as goal_texts
from bot.rules.goals import (
    AREAS,
    TEXT_MAX,
    GoalStatus,
    next_occurrence,
    parse_day,
)
from bot.services import services_of
from handlers import progress
from handlers.ui import Awaiting, entry, expect_text, show, text_done
from messages.formatting import show_short_datetime
from messages.i18n import N_, Translator, translator
from messages.render import near
from storage import goals, outbox, people
from storage.models import Person, Role

KEY = "goals"
OWNER = "goals"
# Between buttons no conversation is open (buttons are entry points), so a client's free
# text, e.g. an absence, is never taken here; the conversation holds only while a text
# is awaited.
BROWSE = ConversationHandler.END
TYPING = 1
HOURS = ("0800", "0900", "1000", "1200", "1400", "1600", "1800")
TARGETS = ("14", "30", "end", "none")

TOLD_CLIENT_ADDED = N_(
    "Your coach added a goal for you:\n🎯 {goal}\nReached when: {criterion}\n\n"
    "I will ask you how it is going, next on {next}. /goals shows your goals."
)
TOLD_CLIENT_ADDED_LATER = N_(
    "Your coach added a goal for you:\n🎯 {goal}\nReached when: {criterion}\n\n"
    "/goals shows your goals."
)
TOLD_CLIENT_CLOSED = N_("Your goal “{goal}”: {status}.")
TOLD_CLIENT_PLAN = N_(
    "Your coach changed your check-in time. I will ask you next on {next}. /goals shows it."
)

PRESS = re.compile(
    r"^gl:(?:"
    r"(?P<clients>clients)|(?P<close>close)"
    r"|c:(?P<list>\d{1,12})|add:(?P<add>\d{1,12})|a:(?P<a_client>\d{1,12}):(?P<area>[a-z_]{1,24})"
    r"|g:(?P<goal>\d{1,12})|e:(?P<e_goal>\d{1,12}):(?P<field>text|criterion)"
    r"|d:(?P<d_goal>\d{1,12})|t:(?P<t_goal>\d{1,12}):(?P<t_choice>14|30|end|none)"
    r"|tn:(?P<tn_client>\d{1,12}):(?P<tn_choice>14|30|end|none)"
    r"|x:(?P<x_goal>\d{1,12})|s:(?P<s_goal>\d{1,12}):(?P<status>reached|partly|not_reached)"
    r"|p:(?P<p_client>\d{1,12})|w:(?P<w_client>\d{1,12}):(?P<w_day>[0-6])"
    r"|h:(?P<h_client>\d{1,12}):(?P<h_day>[0-6]):(?P<h_at>\d{4})"
    r"|f:(?P<f_client>\d{1,12}):(?P<f_day>[0-6]):(?P<f_at>\d{4}):(?P<every>[12])"
    r"|chart:(?P<chart>\d{1,12})"
    r")$"
)


@dataclass
class Draft:
    """What the person is typing: a new goal, an edit, or a closing's evidence."""

    mode: str  # add | edit:text | edit:criterion | target | evidence
    client_id: int
    goal_id: int | None = None
    area: str | None = None
    text: str | None = None
    criterion: str | None = None
    status: str | None = None
    period_end: date | None = None
    step: str = ""  # for add: text → criterion → target


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft | None:
    data = context.user_data
    found = data.get(KEY) if data is not None else None
    return found if isinstance(found, Draft) else None


def _forget(context: ContextTypes.DEFAULT_TYPE) -> None:
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    text_done(context, OWNER)


def _begin_typing(context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> None:
    assert context.user_data is not None
    context.user_data[KEY] = draft
    expect_text(context, OWNER)


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


# --- views -------------------------------------------------------------------------------
async def show_clients(update: Update, context: ContextTypes.DEFAULT_TYPE, coach: Person) -> int:
    t = translator(coach.language)
    clients = await services_of(context).db.run(people.clients_of, coach)
    if not clients:
        await show(update, t("You have no clients yet."))
        return BROWSE
    rows = [_button(c.display_name, f"gl:c:{c.id}") for c in clients]
    rows.append(_close_button(t))
    await show(update, t("Goals: which client?"), InlineKeyboardMarkup(rows))
    return BROWSE


async def show_list(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    client_id: int,
    *,
    new: bool = False,
) -> int:
    t = translator(person.language)
    found = await services_of(context).db.run(goals.overview, person, client_id)
    if found is None:
        return await _gone(update, context, t)
    coach = person.role == Role.COACH.value
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
    await show(update, "\n\n".join(parts), InlineKeyboardMarkup(rows), new=new)
    return BROWSE


async def show_goal(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    coach: Person,
    goal_id: int,
    *,
    new: bool = False,
) -> int:
    t = translator(coach.language)
    services = services_of(context)
    goal = await services.db.run(goals.goal_for, coach, goal_id)
    if goal is None:
        return await _gone(update, context, t)
    found = await services.db.run(goals.history, goal.client_id)
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
    await show(update, text, InlineKeyboardMarkup(rows), new=new)
    return BROWSE


async def _gone(update: Update, context: ContextTypes.DEFAULT_TYPE, t: Translator) -> int:
    """The client or goal is no longer this person's: say so and end."""
    _forget(context)
    await show(update, t("This is no longer available to you."))
    return BROWSE


def _target_rows(t: Translator, prefix: str, period_end: date | None) -> list[Any]:
    rows = [_button(t("In 2 weeks"), f"{prefix}:14"), _button(t("In a month"), f"{prefix}:30")]
    if period_end is not None:
        rows.append(_button(t("When the period ends"), f"{prefix}:end"))
    rows.append(_button(t("No target date"), f"{prefix}:none"))
    return rows


async def _ask(update: Update, question: str, rows: list[list[InlineKeyboardButton]]) -> int:
    await show(update, question, InlineKeyboardMarkup(rows))
    return TYPING


# --- entry -------------------------------------------------------------------------------
@for_roles(Role.COACH, Role.CLIENT, command="goals")
async def _begin(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    assert person.id is not None
    _forget(context)
    if person.role == Role.CLIENT.value:
        return await show_list(update, context, person, person.id)
    return await show_clients(update, context, person)


start = entry(_begin)


# --- buttons -----------------------------------------------------------------------------
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None
    person = await acting_person(update, context)
    match = PRESS.match(query.data or "")
    if person is None or match is None or person.role not in (Role.COACH, Role.CLIENT):
        await refuse_button(update, context, person)
        return BROWSE
    found = {k: v for k, v in match.groupdict().items() if v is not None}
    coach = person.role == Role.COACH.value
    if "tn_client" not in found:
        _forget(context)  # any other button leaves what was being typed
    if "close" in found:
        _forget(context)
        await query.answer()
        await query.edit_message_reply_markup(None)
        return BROWSE
    if "clients" in found and coach:
        _forget(context)
        return await show_clients(update, context, person)
    if "list" in found:
        _forget(context)
        return await show_list(update, context, person, int(found["list"]))
    if "chart" in found:
        await query.answer()
        await progress.send_chart(update, context, person, int(found["chart"]))
        return BROWSE
    if "p_client" in found:
        return await ask_plan(update, context, person, int(found["p_client"]))
    if "w_client" in found:
        return await ask_hour(update, person, int(found["w_client"]), int(found["w_day"]))
    if "h_client" in found and found["h_at"] in HOURS:
        return await ask_every(
            update, person, int(found["h_client"]), int(found["h_day"]), found["h_at"]
        )
    if "f_client" in found and found["f_at"] in HOURS:
        return await _save_plan(
            update, context, person, int(found["f_client"]), int(found["f_day"]),
            _hhmm(found["f_at"]), int(found["every"]),
        )  # fmt: skip
    if coach:
        state = await _coach_button(update, context, person, found)
        if state is not None:
            return state
    await refuse_button(update, context, person)
    return BROWSE


async def _coach_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, coach: Person, found: dict[str, str]
) -> int | None:
    t = translator(coach.language)
    db = services_of(context).db
    if "add" in found:
        client_id = int(found["add"])
        if await db.run(goals.client_for, coach, client_id) is None:
            return await _gone(update, context, t)
        _forget(context)
        rows = [_button(t(label), f"gl:a:{client_id}:{key}") for key, label in AREAS.items()]
        rows.append(_back(t, f"gl:c:{client_id}"))
        await show(update, t("New goal. What area is it in?"), InlineKeyboardMarkup(rows))
        return BROWSE
    if "a_client" in found and found["area"] in AREAS:
        client_id = int(found["a_client"])
        if await db.run(goals.client_for, coach, client_id) is None:
            return await _gone(update, context, t)
        period = await db.run(people.current_period, client_id)
        _begin_typing(
            context,
            Draft("add", client_id, area=found["area"], step="text",
                  period_end=period.planned_end if period else None),
        )  # fmt: skip
        return await _ask(
            update,
            t("Write the goal in the client's own words, e.g. “I find a job in logistics”."),
            [_back(t, f"gl:add:{client_id}")],
        )
    if "tn_client" in found:
        draft = _draft(context)
        if (
            draft is None
            or draft.mode != "add"
            or draft.step != "target"
            or draft.client_id != int(found["tn_client"])
        ):
            return None
        day = _target_day(context, draft.period_end, found["tn_choice"])
        return await _add(update, context, coach, draft, day)
    goal_id = next(
        (int(found[k]) for k in ("goal", "e_goal", "d_goal", "t_goal", "x_goal", "s_goal")
         if k in found),
        None,
    )  # fmt: skip
    if goal_id is None:
        return None
    goal = await db.run(goals.goal_for, coach, goal_id)
    if goal is None:
        return await _gone(update, context, t)
    if "goal" in found:
        _forget(context)
        return await show_goal(update, context, coach, goal_id)
    if goal.status != GoalStatus.OPEN.value:
        return None
    back = [_back(t, f"gl:g:{goal_id}")]
    if "e_goal" in found:
        field = found["field"]
        _begin_typing(context, Draft(f"edit:{field}", goal.client_id, goal_id=goal_id))
        question = (
            t("Write the goal anew.")
            if field == "text"
            else t("Write the criterion anew: what will show that the goal is reached?")
        )
        return await _ask(update, question, back)
    if "d_goal" in found:
        period = await db.run(people.current_period, goal.client_id)
        end = period.planned_end if period else None
        _begin_typing(context, Draft("target", goal.client_id, goal_id=goal_id, period_end=end))
        return await _ask(
            update,
            t("By when? Choose, or write a date (e.g. 15.12.2026)."),
            [*_target_rows(t, f"gl:t:{goal_id}", end), back[0]],
        )
    if "t_goal" in found:
        period = await db.run(people.current_period, goal.client_id)
        end = period.planned_end if period else None
        if found["t_choice"] == "end" and end is None:
            return None
        day = _target_day(context, end, found["t_choice"])
        return await _edit(update, context, coach, goal_id, "target_date", day)
    if "x_goal" in found:
        rows = [
            _button("✅ " + t("Reached"), f"gl:s:{goal_id}:reached"),
            _button("◐ " + t("Partly reached"), f"gl:s:{goal_id}:partly"),
            _button("✖ " + t("Not reached"), f"gl:s:{goal_id}:not_reached"),
            back[0],
        ]
        await show(update, t("How did it go?"), InlineKeyboardMarkup(rows))
        return BROWSE
    if "s_goal" in found:
        _begin_typing(
            context, Draft("evidence", goal.client_id, goal_id=goal_id, status=found["status"])
        )
        return await _ask(
            update,
            t("Write one line of evidence: what shows it? E.g. “5 applications sent, "
              "copies in the folder”."),
            back,
        )  # fmt: skip
    return None


def _target_day(context: ContextTypes.DEFAULT_TYPE, end: date | None, choice: str) -> date | None:
    services = services_of(context)
    today = services.now().astimezone(services.settings.tz).date()
    if choice == "end":
        return end
    if choice == "none":
        return None
    return today + timedelta(days=int(choice))


# --- the check-in time (no draft: the buttons carry the choices) ------------------------
async def ask_plan(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, client_id: int
) -> int:
    t = translator(person.language)
    if await services_of(context).db.run(goals.client_for, person, client_id) is None:
        return await _gone(update, context, t)
    names = [goal_texts.weekday_name(day, t.language).capitalize() for day in range(7)]
    rows = [_button(names[day], f"gl:w:{client_id}:{day}") for day in range(5)]
    rows.append(
        [InlineKeyboardButton(names[d], callback_data=f"gl:w:{client_id}:{d}") for d in (5, 6)]
    )
    rows.append(_back(t, f"gl:c:{client_id}"))
    await show(update, t("Check-ins: on which day should I ask?"), InlineKeyboardMarkup(rows))
    return BROWSE


async def ask_hour(update: Update, person: Person, client_id: int, day: int) -> int:
    t = translator(person.language)
    buttons = [
        InlineKeyboardButton(
            goal_texts.clock_text(_hhmm(code), t.language),
            callback_data=f"gl:h:{client_id}:{day}:{code}",
        )
        for code in HOURS
    ]
    rows = [buttons[:4], buttons[4:], _back(t, f"gl:p:{client_id}")]
    await show(update, t("At what time?"), InlineKeyboardMarkup(rows))
    return BROWSE


async def ask_every(update: Update, person: Person, client_id: int, day: int, at: str) -> int:
    t = translator(person.language)
    prefix = f"gl:f:{client_id}:{day}:{at}"
    rows = [
        _button(t("Every week"), f"{prefix}:1"),
        _button(t("Every two weeks"), f"{prefix}:2"),
        _back(t, f"gl:w:{client_id}:{day}"),
    ]
    await show(update, t("How often?"), InlineKeyboardMarkup(rows))
    return BROWSE


# --- text --------------------------------------------------------------------------------
async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await acting_person(update, context)
    draft = _draft(context)
    message = update.effective_message
    if person is None or draft is None or message is None or person.role != Role.COACH.value:
        _forget(context)
        return BROWSE
    t = translator(person.language)
    text = " ".join((message.text or "").split())
    if not text:
        await reply(update, t("Please write your answer as text, or /cancel to stop."))
        return TYPING
    if len(text) > TEXT_MAX:
        await reply(update, t("That is too long. Please write at most {n} characters.", n=TEXT_MAX))
        return TYPING
    if draft.mode == "add":
        return await _add_step(update, context, person, draft, text)
    if draft.mode == "target":
        return await _typed_target(update, context, person, draft, text)
    if draft.mode in ("edit:text", "edit:criterion") and draft.goal_id is not None:
        return await _edit(update, context, person, draft.goal_id, draft.mode[5:], text)
    if draft.mode == "evidence":
        return await _close(update, context, person, draft, text)
    _forget(context)
    return BROWSE


async def _add_step(
    update: Update, context: ContextTypes.DEFAULT_TYPE, coach: Person, draft: Draft, text: str
) -> int:
    t = translator(coach.language)
    back = [_back(t, f"gl:add:{draft.client_id}")]
    if draft.step == "text":
        draft.text, draft.step = text, "criterion"
        return await _ask(
            update,
            t("How will you both see that it is reached? Write a criterion that can be "
              "checked, e.g. “sends 5 applications by 15.12.”."),
            back,
        )  # fmt: skip
    if draft.step == "criterion":
        if text.casefold() == (draft.text or "").casefold() or len(text) < 3:
            await reply(
                update,
                t("The criterion must say what shows the goal is reached, e.g. a number "
                  "and a date. Please write it again."),
            )  # fmt: skip
            return TYPING
        draft.criterion, draft.step = text, "target"
        return await _ask(
            update,
            t("By when? Choose, or write a date (e.g. 15.12.2026)."),
            _target_rows(t, f"gl:tn:{draft.client_id}", draft.period_end) + back,
        )
    return await _typed_target(update, context, coach, draft, text)


async def _typed_target(
    update: Update, context: ContextTypes.DEFAULT_TYPE, coach: Person, draft: Draft, text: str
) -> int:
    t = translator(coach.language)
    services = services_of(context)
    today = services.now().astimezone(services.settings.tz).date()
    day = parse_day(text, today)
    if day is None or not today <= day <= today + timedelta(days=3 * 366):
        await reply(update, t("Please write a date from today on, e.g. 15.12.2026."))
        return TYPING
    if draft.mode == "add":
        return await _add(update, context, coach, draft, day)
    assert draft.goal_id is not None
    return await _edit(update, context, coach, draft.goal_id, "target_date", day)


# --- saving ------------------------------------------------------------------------------
async def _add(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    coach: Person,
    draft: Draft,
    day: date | None,
) -> int:
    assert draft.area and draft.text and draft.criterion
    services = services_of(context)
    t = translator(coach.language)
    now, tz = services.now(), services.settings.tz

    def save(session):  # type: ignore[no-untyped-def]
        goal = goals.add_goal(
            session, coach, draft.client_id, area=draft.area, text=draft.text,
            criterion=draft.criterion, target_date=day, now=now, tz=tz,
        )  # fmt: skip
        if goal is None:
            return None
        plan = goals.plan_rule(goals.ensure_plan(session, goal.client_id, now, tz))
        params = {"goal": goal.text, "criterion": goal.criterion}
        # The next check-in is promised only when there will be one: a running period.
        asked = goals.checked_in(session, goal.client_id, now.astimezone(tz).date())
        if asked:
            params["next"] = near(next_occurrence(plan, now, tz))
        outbox.schedule(
            session,
            recipient_id=goal.client_id,
            kind="goal_added",
            message=TOLD_CLIENT_ADDED if asked else TOLD_CLIENT_ADDED_LATER,
            params=params,
            key=f"goal:{goal.id}:added",
            due_at=now,
        )
        return goal

    goal = await services.db.run(save)
    _forget(context)
    if goal is None:
        return await _gone(update, context, t)
    services.wake_outbox()
    await reply(update, t("Added. The client was told, and the check-ins will ask about it."))
    return await show_list(update, context, coach, goal.client_id, new=True)


async def _edit(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    coach: Person,
    goal_id: int,
    what: str,
    value: str | date | None,
) -> int:
    services = services_of(context)
    t = translator(coach.language)
    goal = await services.db.run(goals.edit_goal, coach, goal_id, what, value, services.now())
    _forget(context)
    if goal is None:
        return await _gone(update, context, t)
    await reply(update, t("Saved."))
    return await show_goal(update, context, coach, goal_id, new=True)


async def _close(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    coach: Person,
    draft: Draft,
    evidence: str,
) -> int:
    assert draft.goal_id is not None and draft.status is not None
    services = services_of(context)
    t = translator(coach.language)
    now = services.now()
    status = GoalStatus(draft.status)

    def save(session):  # type: ignore[no-untyped-def]
        goal = goals.close_goal(session, coach, draft.goal_id, status, evidence, now)
        if goal is not None:
            outbox.schedule(
                session,
                recipient_id=goal.client_id,
                kind="goal_closed",
                message=TOLD_CLIENT_CLOSED,
                params={"goal": goal.text, "status": {"$msg": goal_texts.STATUS_NAMES[status]}},
                key=f"goal:{goal.id}:closed",
                due_at=now,
            )
        return goal

    goal = await services.db.run(save)
    _forget(context)
    if goal is None:
        return await _gone(update, context, t)
    services.wake_outbox()
    await reply(update, t("Saved: {status}.", status=t(goal_texts.STATUS_NAMES[status])))
    return await show_goal(update, context, coach, draft.goal_id, new=True)


async def _save_plan(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    client_id: int,
    weekday: int,
    at: time,
    every: int,
) -> int:
    services = services_of(context)
    t = translator(person.language)
    now, tz = services.now(), services.settings.tz

    def save(session):  # type: ignore[no-untyped-def]
        plan = goals.set_plan(
            session, person, client_id, weekday=weekday, at=at, every_weeks=every,
            now=now, tz=tz,
        )  # fmt: skip
        if plan is None:
            return None
        upcoming = next_occurrence(goals.plan_rule(plan), now, tz)
        if person.role == Role.COACH.value:
            outbox.schedule(
                session,
                recipient_id=plan.client_id,
                kind="checkin_plan",
                message=TOLD_CLIENT_PLAN,
                params={"next": near(upcoming)},
                key=f"checkin-plan:{plan.client_id}:{now.isoformat()}",
                due_at=now,
            )
        return upcoming

    upcoming = await services.db.run(save)
    if upcoming is None:
        return await _gone(update, context, t)
    services.wake_outbox()
    await reply(
        update,
        t(
            "Saved. The next check-in is on {next}.",
            next=show_short_datetime(upcoming, person.language, tz),
        ),
    )
    return await show_list(update, context, person, client_id, new=True)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    _forget(context)
    person = await acting_person(update, context)
    t = translator(person.language if person else "fi")
    await reply(update, t("Stopped. Nothing was changed."))
    return BROWSE


async def timed_out(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    _forget(context)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application (conversation state is per bot)."""
    press = CallbackQueryHandler(on_button, pattern=r"^gl:")
    typed = filters.TEXT & ~filters.COMMAND & Awaiting(application, OWNER)
    return [
        ConversationHandler(
            entry_points=[CommandHandler("goals", start, filters=filters.ChatType.PRIVATE), press],
            states={
                TYPING: [press, MessageHandler(typed, on_text)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", cancel, filters=Awaiting(application, OWNER))],
            allow_reentry=True,
            conversation_timeout=3600,
            name="goals",
        )
    ]
