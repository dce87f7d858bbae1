"""/goals: a coach sets and follows a client's goals; a client sees their own.

Coach: client → the client's goals → add (area → the goal in the client's words → the
criterion that shows it is reached → target date), open one to edit it or close it as
reached / partly / not reached with a line of evidence, or choose the check-in time.
Client: their own goals with the latest answer and the criterion, and the check-in time.
Callback data carries ids and choices only (`gl:…`); every step re-checks in the database
that the acting person may touch the client or goal, so a forged or stale button changes
nothing and shows nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import goal_texts
from bot.access import acting_person, for_roles, refuse_button, reply
from bot.rules.goals import AREAS, TEXT_MAX, GoalStatus, next_occurrence, parse_day
from bot.services import services_of
from handlers import progress
from handlers.ui import show
from messages.formatting import show_short_datetime
from messages.i18n import N_, Translator, translator
from messages.render import near
from storage import goals, outbox, people
from storage.models import Person, Role

KEY = "goals"
# Between buttons no conversation is open (the draft waits in user_data and `gl:` buttons
# are an entry point), so a client's free text, e.g. an absence, is never swallowed here;
# the conversation holds only while a text is awaited.
BROWSE = ConversationHandler.END
TYPING = 1
HOURS = ("08:00", "09:00", "10:00", "12:00", "14:00", "16:00", "18:00")

TOLD_CLIENT_ADDED = N_(
    "Your coach added a goal for you:\n🎯 {goal}\nReached when: {criterion}\n\n"
    "I will ask you how it is going, next on {next}. /goals shows your goals."
)
TOLD_CLIENT_CLOSED = N_("Your goal “{goal}” is now marked: {status}.")
TOLD_CLIENT_PLAN = N_(
    "Your coach changed your check-in time. I will ask you next on {next}. /goals shows it."
)


@dataclass
class Draft:
    client_id: int | None = None
    goal_id: int | None = None
    area: str | None = None
    text: str | None = None
    criterion: str | None = None
    status: str | None = None
    weekday: int | None = None
    hour: str | None = None
    expect: str | None = None  # the text awaited: text, criterion, target, evidence, edit:*
    extra: dict[str, Any] = field(default_factory=dict)


def _draft(context: ContextTypes.DEFAULT_TYPE) -> Draft | None:
    data = context.user_data
    found = data.get(KEY) if data is not None else None
    return found if isinstance(found, Draft) else None


def _button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text, callback_data=data)]


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _done(t: Translator) -> list[InlineKeyboardButton]:
    return _button("✖ " + t("Close"), "gl:close")


def _back(t: Translator, data: str = "gl:list") -> list[InlineKeyboardButton]:
    return _button("◀ " + t("Back"), data)


# --- views -------------------------------------------------------------------------------
async def show_clients(update: Update, context: ContextTypes.DEFAULT_TYPE, coach: Person) -> int:
    t = translator(coach.language)
    clients = await services_of(context).db.run(people.clients_of, coach)
    if not clients:
        await show(update, t("You have no clients yet."))
        return ConversationHandler.END
    rows = [_button(c.display_name, f"gl:c:{c.id}") for c in clients]
    rows.append(_done(t))
    await show(update, t("Goals: which client?"), InlineKeyboardMarkup(rows))
    return BROWSE


async def show_list(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, *, new: bool = False
) -> int:
    draft = _draft(context)
    assert draft is not None and draft.client_id is not None
    t = translator(person.language)
    found = await services_of(context).db.run(goals.overview, person, draft.client_id)
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
        rows.append(_button("➕ " + t("Add a goal"), "gl:add"))
        rows += [
            _button(f"{n}. {_short(g.text)}", f"gl:g:{g.id}")
            for n, g in enumerate(found.goals, start=1)
        ]
    rows.append(_button("🗓 " + t("Check-in time"), "gl:plan"))
    if found.goals:
        rows.append(_button("📈 " + t("Progress chart"), "gl:chart"))
    rows.append(_back(t, "gl:clients") + _done(t) if coach else _done(t))
    await show(update, "\n\n".join(parts), InlineKeyboardMarkup(rows), new=new)
    return BROWSE


async def show_goal(
    update: Update, context: ContextTypes.DEFAULT_TYPE, coach: Person, *, new: bool = False
) -> int:
    draft = _draft(context)
    assert draft is not None and draft.goal_id is not None
    t = translator(coach.language)
    services = services_of(context)
    goal = await services.db.run(goals.goal_for, coach, draft.goal_id)
    if goal is None or goal.client_id != draft.client_id:
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
            _button("✏ " + t("Edit the goal"), "gl:e:text"),
            _button("✏ " + t("Edit the criterion"), "gl:e:criterion"),
            _button("✏ " + t("Change the target date"), "gl:e:target"),
            _button("✔ " + t("Close the goal"), "gl:x"),
        ]
    rows.append(_back(t))
    await show(update, text, InlineKeyboardMarkup(rows), new=new)
    return BROWSE


async def _gone(update: Update, context: ContextTypes.DEFAULT_TYPE, t: Translator) -> int:
    """The client or goal is no longer this person's: say so and end."""
    context.user_data.pop(KEY, None)  # type: ignore[union-attr]
    await show(update, t("This is no longer available to you."))
    return ConversationHandler.END


async def ask_area(update: Update, t: Translator) -> int:
    rows = [_button(t(label), f"gl:a:{key}") for key, label in AREAS.items()]
    rows.append(_back(t))
    await show(update, t("New goal. What area is it in?"), InlineKeyboardMarkup(rows))
    return BROWSE


async def ask_text(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    t: Translator,
    expect: str,
    question: str,
    buttons: list[list[InlineKeyboardButton]] | None = None,
) -> int:
    draft = _draft(context)
    assert draft is not None
    draft.expect = expect
    rows = (buttons or []) + [_back(t)]
    await show(update, question, InlineKeyboardMarkup(rows))
    return TYPING


def _target_buttons(t: Translator, context: ContextTypes.DEFAULT_TYPE) -> list[Any]:
    draft = _draft(context)
    end = draft.extra.get("period_end") if draft else None
    rows = [
        _button(t("In 2 weeks"), "gl:t:14"),
        _button(t("In a month"), "gl:t:30"),
    ]
    if isinstance(end, date):
        rows.append(_button(t("When the period ends"), "gl:t:end"))
    rows.append(_button(t("No target date"), "gl:t:none"))
    return rows


async def ask_plan(update: Update, context: ContextTypes.DEFAULT_TYPE, t: Translator) -> int:
    names = [goal_texts.weekday_name(day, t.language).capitalize() for day in range(7)]
    rows = [_button(names[day], f"gl:w:{day}") for day in range(5)]
    rows.append([InlineKeyboardButton(names[d], callback_data=f"gl:w:{d}") for d in (5, 6)])
    rows.append(_back(t))
    await show(update, t("Check-ins: on which day should I ask?"), InlineKeyboardMarkup(rows))
    return BROWSE


async def ask_hour(update: Update, t: Translator) -> int:
    labels = [goal_texts.clock_text(time(int(h[:2]), int(h[3:])), t.language) for h in HOURS]
    buttons = [
        InlineKeyboardButton(label, callback_data=f"gl:h:{h.replace(':', '')}")
        for label, h in zip(labels, HOURS, strict=True)
    ]
    rows = [buttons[:4], buttons[4:], _back(t, "gl:plan")]
    await show(update, t("At what time?"), InlineKeyboardMarkup(rows))
    return BROWSE


async def ask_every(update: Update, t: Translator) -> int:
    rows = [
        _button(t("Every week"), "gl:f:1"),
        _button(t("Every two weeks"), "gl:f:2"),
        _back(t, "gl:plan"),
    ]
    await show(update, t("How often?"), InlineKeyboardMarkup(rows))
    return BROWSE


# --- entry -------------------------------------------------------------------------------
@for_roles(Role.COACH, Role.CLIENT, command="goals")
async def _begin(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> int:
    assert context.user_data is not None and person.id is not None
    if person.role == Role.CLIENT.value:
        context.user_data[KEY] = Draft(client_id=person.id)
        return await show_list(update, context, person)
    context.user_data[KEY] = Draft()
    return await show_clients(update, context, person)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    state = await _begin(update, context)
    return ConversationHandler.END if state is None else int(state)


# --- buttons -----------------------------------------------------------------------------
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None
    person = await acting_person(update, context)
    draft = _draft(context)
    if person is None or draft is None or person.role not in (Role.COACH, Role.CLIENT):
        await refuse_button(update, context, person)
        return ConversationHandler.END
    t = translator(person.language)
    data = (query.data or "")[3:]
    coach = person.role == Role.COACH.value
    if data == "close":
        context.user_data.pop(KEY, None)  # type: ignore[union-attr]
        await query.answer()
        await query.edit_message_reply_markup(None)
        return ConversationHandler.END
    if data == "clients" and coach:
        draft.client_id = None
        return await show_clients(update, context, person)
    if data.startswith("c:") and coach and data[2:].isdigit():
        draft.client_id, draft.goal_id = int(data[2:]), None
        return await show_list(update, context, person)
    if draft.client_id is None:
        await refuse_button(update, context, person)
        return BROWSE
    if data == "list":
        draft.goal_id, draft.expect = None, None
        return await show_list(update, context, person)
    if data == "chart":
        await query.answer()
        await progress.send_chart(update, context, person, draft.client_id)
        return BROWSE
    if data == "plan":
        return await ask_plan(update, context, t)
    if data.startswith("w:") and data[2:] in "0123456":
        draft.weekday = int(data[2:])
        return await ask_hour(update, t)
    if data.startswith("h:") and f"{data[2:4]}:{data[4:]}" in HOURS and draft.weekday is not None:
        draft.hour = f"{data[2:4]}:{data[4:]}"
        return await ask_every(update, t)
    if data in ("f:1", "f:2") and draft.weekday is not None and draft.hour is not None:
        return await _save_plan(update, context, person, int(data[2:]))
    if coach:
        state = await _coach_button(update, context, person, draft, data)
        if state is not None:
            return state
    await refuse_button(update, context, person)
    return BROWSE


async def _coach_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, coach: Person, draft: Draft, data: str
) -> int | None:
    t = translator(coach.language)
    services = services_of(context)
    if data == "add":
        draft.area = draft.text = draft.criterion = None
        return await ask_area(update, t)
    if data.startswith("a:") and data[2:] in AREAS:
        draft.area = data[2:]
        period = await services.db.run(people.current_period, draft.client_id)
        draft.extra["period_end"] = period.planned_end if period else None
        return await ask_text(
            update, context, t, "text",
            t("Write the goal in the client's own words, e.g. “I find a job in logistics”."),
        )  # fmt: skip
    if data.startswith("t:") and draft.expect == "target":
        return await _target_chosen(update, context, coach, data[2:])
    if data.startswith("g:") and data[2:].isdigit():
        draft.goal_id = int(data[2:])
        return await show_goal(update, context, coach)
    if draft.goal_id is None:
        return None
    if data == "e:text":
        return await ask_text(update, context, t, "edit:text", t("Write the goal anew."))
    if data == "e:criterion":
        return await ask_text(
            update, context, t, "edit:criterion",
            t("Write the criterion anew: what will show that the goal is reached?"),
        )  # fmt: skip
    if data == "e:target":
        return await ask_text(
            update, context, t, "target",
            t("By when? Choose, or write a date (e.g. 15.12.2026)."),
            _target_buttons(t, context),
        )  # fmt: skip
    if data == "x":
        rows = [
            _button("✅ " + t("Reached"), "gl:s:reached"),
            _button("◐ " + t("Partly reached"), "gl:s:partly"),
            _button("✖ " + t("Not reached"), "gl:s:not_reached"),
            _back(t, f"gl:g:{draft.goal_id}"),
        ]
        await show(update, t("How did it go?"), InlineKeyboardMarkup(rows))
        return BROWSE
    if data.startswith("s:") and data[2:] in {s.value for s in GoalStatus} - {"open"}:
        draft.status = data[2:]
        return await ask_text(
            update, context, t, "evidence",
            t("Write one line of evidence: what shows it? E.g. “5 applications sent, "
              "copies in the folder”."),
        )  # fmt: skip
    return None


# --- text --------------------------------------------------------------------------------
async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await acting_person(update, context)
    draft = _draft(context)
    message = update.effective_message
    if person is None or draft is None or message is None:
        return ConversationHandler.END
    t = translator(person.language)
    text = " ".join((message.text or "").split())
    if draft.expect is None or person.role != Role.COACH.value:
        await reply(update, t("Please choose with the buttons above, or /cancel to stop."))
        return BROWSE
    if not text:
        await reply(update, t("Please write your answer as text, or /cancel to stop."))
        return TYPING
    if len(text) > TEXT_MAX:
        await reply(update, t("That is too long. Please write at most {n} characters.", n=TEXT_MAX))
        return TYPING
    expect = draft.expect
    if expect == "text":
        draft.text = text
        return await ask_text(
            update, context, t, "criterion",
            t("How will you both see that it is reached? Write a criterion that can be "
              "checked, e.g. “sends 5 applications by 15.12.”."),
        )  # fmt: skip
    if expect == "criterion":
        if text.casefold() == (draft.text or "").casefold() or len(text) < 3:
            await reply(
                update,
                t("The criterion must say what shows the goal is reached, e.g. a number "
                  "and a date. Please write it again."),
            )  # fmt: skip
            return TYPING
        draft.criterion = text
        return await ask_text(
            update, context, t, "target",
            t("By when? Choose, or write a date (e.g. 15.12.2026)."),
            _target_buttons(t, context),
        )  # fmt: skip
    if expect == "target":
        today = services_of(context).now().astimezone(services_of(context).settings.tz).date()
        day = parse_day(text, today)
        if day is None or day < today:
            await reply(update, t("Please write a date from today on, e.g. 15.12.2026."))
            return TYPING
        return await _target_chosen(update, context, person, day.isoformat())
    if expect in ("edit:text", "edit:criterion"):
        return await _edit(update, context, person, expect[5:], text)
    if expect == "evidence":
        return await _close(update, context, person, text)
    return BROWSE


# --- saving ------------------------------------------------------------------------------
async def _target_chosen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, coach: Person, choice: str
) -> int:
    draft = _draft(context)
    assert draft is not None
    services = services_of(context)
    today = services.now().astimezone(services.settings.tz).date()
    day: date | None
    if choice == "none":
        day = None
    elif choice == "end":
        day = draft.extra.get("period_end")
    elif choice.isdigit():
        day = today + timedelta(days=int(choice))
    else:
        day = date.fromisoformat(choice)
    if draft.goal_id is not None and draft.text is None:
        return await _edit(update, context, coach, "target_date", day)
    return await _add(update, context, coach, day)


async def _add(
    update: Update, context: ContextTypes.DEFAULT_TYPE, coach: Person, day: date | None
) -> int:
    draft = _draft(context)
    assert draft is not None and draft.client_id is not None
    assert draft.area and draft.text and draft.criterion
    services = services_of(context)
    t = translator(coach.language)
    now, tz = services.now(), services.settings.tz

    def save(session):  # type: ignore[no-untyped-def]
        goal = goals.add_goal(
            session, coach, draft.client_id, area=draft.area, text=draft.text,
            criterion=draft.criterion, target_date=day, now=now,
        )  # fmt: skip
        if goal is None:
            return None
        plan = goals.plan_rule(goals.ensure_plan(session, goal.client_id, now))
        outbox.schedule(
            session,
            recipient_id=goal.client_id,
            kind="goal_added",
            message=TOLD_CLIENT_ADDED,
            params={
                "goal": goal.text,
                "criterion": goal.criterion,
                "next": near(next_occurrence(plan, now, tz)),
            },
            key=f"goal:{goal.id}:added",
            due_at=now,
        )
        return goal

    goal = await services.db.run(save)
    if goal is None:
        return await _gone(update, context, t)
    services.wake_outbox()
    draft.area = draft.text = draft.criterion = draft.expect = None
    await reply(update, t("Added. The client was told, and the check-ins will ask about it."))
    return await show_list(update, context, coach, new=True)


async def _edit(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    coach: Person,
    what: str,
    value: str | date | None,
) -> int:
    draft = _draft(context)
    assert draft is not None and draft.goal_id is not None
    services = services_of(context)
    t = translator(coach.language)
    goal = await services.db.run(goals.edit_goal, coach, draft.goal_id, what, value, services.now())
    if goal is None:
        return await _gone(update, context, t)
    draft.expect = None
    await reply(update, t("Saved."))
    return await show_goal(update, context, coach, new=True)


async def _close(
    update: Update, context: ContextTypes.DEFAULT_TYPE, coach: Person, evidence: str
) -> int:
    draft = _draft(context)
    assert draft is not None and draft.goal_id is not None and draft.status is not None
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
    if goal is None:
        return await _gone(update, context, t)
    services.wake_outbox()
    draft.expect = draft.status = None
    await reply(update, t("Saved: {status}.", status=t(goal_texts.STATUS_NAMES[status])))
    return await show_goal(update, context, coach, new=True)


async def _save_plan(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, every: int
) -> int:
    draft = _draft(context)
    assert draft is not None and draft.client_id is not None
    assert draft.weekday is not None and draft.hour is not None
    services = services_of(context)
    t = translator(person.language)
    now, tz = services.now(), services.settings.tz
    at = time(int(draft.hour[:2]), int(draft.hour[3:]))

    def save(session):  # type: ignore[no-untyped-def]
        plan = goals.set_plan(
            session, person, draft.client_id, weekday=draft.weekday, at=at,
            every_weeks=every, now=now, tz=tz,
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
    draft.weekday = draft.hour = None
    await reply(
        update,
        t(
            "Saved. The next check-in is on {next}.",
            next=show_short_datetime(upcoming, person.language, tz),
        ),
    )
    return await show_list(update, context, person, new=True)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop(KEY, None)  # type: ignore[union-attr]
    person = await acting_person(update, context)
    t = translator(person.language if person else "fi")
    await reply(update, t("Stopped. Nothing was changed."))
    return ConversationHandler.END


STEPS = [
    CallbackQueryHandler(on_button, pattern=r"^gl:"),
    CommandHandler("cancel", cancel),
    MessageHandler(filters.ALL & ~filters.COMMAND, on_text),
]


def make_handlers() -> list[Any]:
    """Fresh handler objects for each Application (conversation state is per bot)."""
    return [
        ConversationHandler(
            entry_points=[
                CommandHandler("goals", start, filters=filters.ChatType.PRIVATE),
                CallbackQueryHandler(on_button, pattern=r"^gl:"),
            ],
            states={TYPING: STEPS},
            fallbacks=[CommandHandler("cancel", cancel)],
            allow_reentry=True,
            conversation_timeout=3600,
            name="goals",
        )
    ]
