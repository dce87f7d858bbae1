"""/period: the coach runs a client's service period; the caseworker decides requests.

Coach: client → the period (program, dates, status, the latest possible end, hours used /
booked / left against the cap) with its actions: ask the caseworker for an extension (a
day from a month calendar) or for more hours, suspend (first and last day, at most the
program's month), resume, interrupt (by whom, then why, typed), end as the goal reached,
record the employment it led to (start day, hours a week, open market or not); with no
period running, start one (program, agreed hour cap, start day).

Routed by state: each step takes only its own buttons (`pe:<action>…`, the calendars
`pex:`, `pes1:`, `pes2:`, `pej:`, `pen:`), pressed on this run's message; any other, or a
press on an earlier run's message, gets the polite "no longer valid" and changes nothing.

Outside the conversation, on messages the outbox sent: the caseworker's Approve / Decline
(`pr:<request>:yes|no`; only the client's own caseworker, once) and the coach's "cancel
the meetings in the suspension" (`ps:<period>:cx`). Writes go through bot.periods.actions.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta

from babel.numbers import format_decimal
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    ContextTypes,
    ConversationHandler,
)

from bot.access import Refused, person_of_role, reply
from bot.meetings.keyboards import month_calendar, parse_calendar
from bot.periods import actions, buttons, texts
from bot.periods.actions import Overview, PeriodError, PeriodRefused
from bot.periods.programs import program_name
from bot.periods.terms import describe
from bot.rules.periods import EndReason
from bot.services import services_of
from handlers.ui import Flow, Steps, Turn, nav_row, own_client, show, stale_buttons, typed_text
from messages.formatting import locale_of, show_date
from messages.i18n import N_, Translator, translator
from storage.models import PeriodStatus, Person, Role

CLIENT, VIEW, EXTEND, HOURS, FIRST, LAST, BY, REASON, GOAL = range(9)
JOB_DATE, JOB_HOURS, JOB_MARKET, PROGRAM, CAP, START = range(9, 15)
ID = r"(\d{1,12})"
MORE_HOURS = (5, 10, 15)
WEEKLY_HOURS = ("10", "18", "20", "25", "30", "37.5")
BY_CHOICES = {
    "client": N_("The client"),
    "provider": N_("We, the provider"),
    "purchaser": N_("The purchaser"),
}
STATUS_NAMES = {
    PeriodStatus.ACTIVE.value: N_("running"),
    PeriodStatus.SUSPENDED.value: N_("suspended"),
    PeriodStatus.ENDED.value: N_("ended"),
}
NOTE_MAX = actions.NOTE_MAX
# The calendars: their prefixes (one per step, so an old step's calendar is stale).
CAL = {EXTEND: "pex", FIRST: "pes1", LAST: "pes2", JOB_DATE: "pej", START: "pen"}
START_AHEAD = timedelta(days=90)


@dataclass
class Draft(Steps):
    client_id: int | None = None
    client_name: str = ""
    period_id: int | None = None
    month: date | None = None  # the month a calendar shows
    first: date | None = None  # the suspension's first day
    by: str | None = None  # who interrupts
    job_start: date | None = None
    job_hours: float | None = None
    program: str | None = None
    cap: float | None = None


FLOW = Flow(
    key="periods",
    draft=Draft,
    roles=(Role.COACH, Role.ADMIN),
    prefix="pe",
    stopped=N_("Stopped. Nothing was changed."),
)


def _button(text: str, data: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text, callback_data=data)]


def _today(turn: Turn[Draft]) -> date:
    return turn.services.now().astimezone(turn.services.settings.tz).date()


def _number(value: float, language: str) -> str:
    return format_decimal(round(value, 2), locale=locale_of(language))


def _day(value: date | None, t: Translator) -> str:
    return show_date(value, t.language) if value is not None else t(texts.NO_END)


def _refusal(t: Translator, error: Exception) -> str:
    if isinstance(error, PeriodRefused):
        return t(texts.problem_text(error.problem))
    assert isinstance(error, PeriodError)
    return t(texts.ERRORS.get(error.code, texts.ERRORS["not_yours"]))


# --- the period's view ----------------------------------------------------------------------
def _hours_line(found: Overview, t: Translator) -> str | None:
    if found.hours is not None and found.hours.cap is not None:
        hours = found.hours
        return t(
            "Hours: {used} used, {booked} booked, {left} left of {cap}.",
            used=_number(hours.used, t.language),
            booked=_number(hours.booked, t.language),
            left=_number(hours.left or 0.0, t.language),
            cap=_number(hours.cap, t.language),  # type: ignore[arg-type]
        )
    if found.cap is not None:
        return t("Hour cap: {cap} h.", cap=_number(found.cap, t.language))
    return None


def view_text(found: Overview, t: Translator) -> str:
    if found.period_id is None:
        return t("{client} has no service period running.", client=found.client)
    assert found.program_key is not None and found.status is not None
    parts = [
        t("{client}: {program}", client=found.client, program=program_name(found.program_key, t)),
        t(
            "{start} – {end}, {status}",
            start=_day(found.start, t),
            end=_day(found.end, t),
            status=t(STATUS_NAMES[found.status]),
        ),
    ]
    if found.suspended_from and found.suspended_until:
        parts.append(
            t(
                "Suspension: {first} – {last}",
                first=_day(found.suspended_from, t),
                last=_day(found.suspended_until, t),
            )
        )
    if found.end is not None:
        parts.append(t("Latest possible end: {latest}", latest=_day(found.latest, t)))
    hours = _hours_line(found, t)
    if hours:
        parts.append(hours)
    if "extension" in found.pending:
        parts.append(t("An extension is waiting for the caseworker's decision."))
    if "hours" in found.pending:
        parts.append(t("More hours are waiting for the caseworker's decision."))
    if found.job is not None:
        parts.append(
            t(
                "Employment: starts {start}, {hours} h a week.",
                start=_day(found.job.start, t),
                hours=_number(found.job.hours_week, t.language),
            )
        )
        if found.bonus_may_apply:
            parts.append(t("The employment bonus may apply once the job has lasted 3 months."))
    if found.terms is not None:
        parts.append("")
        parts.extend(describe(found.terms, t))
    return "\n".join(parts)


def view_rows(found: Overview, t: Translator) -> list[list[InlineKeyboardButton]]:
    if found.period_id is None:
        return [_button("➕ " + t("Start a period"), "pe:n"), nav_row(t, "pe")]
    rows = []
    if found.direct and found.may_extend:
        rows.append(_button("📅 " + t("Extend"), "pe:x"))
    elif found.may_extend and "extension" not in found.pending:
        rows.append(_button("📅 " + t("Ask for an extension"), "pe:x"))
    if found.cap is not None and "hours" not in found.pending and not found.direct:
        rows.append(_button("⏱ " + t("Ask for more hours"), "pe:h"))
    if found.status == PeriodStatus.SUSPENDED.value:
        rows.append(_button("▶ " + t("Resume now"), "pe:r"))
    elif found.may_suspend and found.status == PeriodStatus.ACTIVE.value:
        rows.append(_button("⏸ " + t("Suspend"), "pe:s"))
    rows.append(_button("💼 " + t("Record employment"), "pe:j"))
    rows.append(_button("✅ " + t("End: goal reached"), "pe:g"))
    rows.append(_button("⏹ " + t("Interrupt"), "pe:i"))
    rows.append(nav_row(t, "pe"))
    return rows


async def _overview(turn: Turn[Draft]) -> Overview:
    draft, services = turn.draft, turn.services
    assert turn.person.id is not None and draft.client_id is not None
    found = await services.db.run(actions.overview, turn.person.id, draft.client_id, services.now())
    if found is None:
        raise turn.refused("periods: not the coach's client")
    draft.period_id = found.period_id
    return found


async def show_view(turn: Turn[Draft], *, new: bool = False, notice: str | None = None) -> int:
    found = await _overview(turn)
    t = turn.t
    await turn.show(
        view_text(found, t), InlineKeyboardMarkup(view_rows(found, t)), new=new, notice=notice
    )
    return turn.draft.reach(VIEW)


# --- each step's question ------------------------------------------------------------------
def _calendar(
    turn: Turn[Draft], state: int, first: date, last: date | None
) -> list[list[InlineKeyboardButton]]:
    today = _today(turn)
    shown = today if first <= today and (last is None or today <= last) else first
    month = turn.draft.month or shown.replace(day=1)
    markup = month_calendar(
        month.year, month.month, today=first, language=turn.t.language, prefix=CAL[state],
        last_day=last,
    )  # fmt: skip
    return [list(row) for row in markup.inline_keyboard] + [nav_row(turn.t, "pe")]


async def ask(turn: Turn[Draft], state: int) -> int:
    """Show `state`'s question from the draft (also for Back)."""
    t, draft = turn.t, turn.draft
    if state == CLIENT:
        return await FLOW.ask_client(turn, t("Service period: which client?"), CLIENT)
    if state == VIEW:
        return await show_view(turn)
    found = await _overview(turn)
    rows: list[list[InlineKeyboardButton]]
    if state == EXTEND:
        assert found.end is not None
        question = t(
            "{client}: the period ends on {end}. Until when should it be extended? "
            "The latest possible end is {latest}.",
            client=draft.client_name, end=_day(found.end, t), latest=_day(found.latest, t),
        )  # fmt: skip
        rows = _calendar(turn, state, found.end + timedelta(days=1), found.latest)
    elif state == HOURS:
        question = t("{client}: how many more hours should I ask for?", client=draft.client_name)
        rows = [[InlineKeyboardButton(f"+{n} h", callback_data=f"pe:h:{n}") for n in MORE_HOURS]]
        rows.append(nav_row(t, "pe"))
    elif state == FIRST:
        question = t("Suspension: choose the first day.")
        rows = _calendar(turn, state, max(_today(turn), found.start or _today(turn)), found.end)
    elif state == LAST:
        assert draft.first is not None
        question = t("Suspension from {first}: choose the last day (at most a month).",
                     first=_day(draft.first, t))  # fmt: skip
        assert found.program_key is not None
        limit = await turn.services.db.run(
            actions.last_suspension_day, found.program_key, draft.first
        )
        rows = _calendar(turn, state, draft.first, limit)
    elif state == BY:
        question = t("{client}: who interrupts the service?", client=draft.client_name)
        rows = [_button(t(label), f"pe:i:{key}") for key, label in BY_CHOICES.items()]
        rows.append(nav_row(t, "pe"))
    elif state == REASON:
        question = t("Write the reason in a few words. The caseworker reads it. (/cancel to stop)")
        rows = [nav_row(t, "pe")]
    elif state == GOAL:
        question = t(
            "End {client}'s period today because the goal was reached? Booked meetings are "
            "cancelled, and the client and the caseworker are told.",
            client=draft.client_name,
        )
        rows = [_button("✅ " + t("Yes, end it"), "pe:g:yes"), nav_row(t, "pe")]
    elif state == JOB_DATE:
        question = t("Employment: choose the first day of the job.")
        first = (found.start or _today(turn)) - timedelta(days=30)
        rows = _calendar(turn, state, first, _today(turn) + START_AHEAD)
    elif state == JOB_HOURS:
        question = t("How many hours a week?")
        rows = [[InlineKeyboardButton(h, callback_data=f"pe:jh:{h}") for h in WEEKLY_HOURS[:3]],
                [InlineKeyboardButton(h, callback_data=f"pe:jh:{h}") for h in WEEKLY_HOURS[3:]],
                nav_row(t, "pe")]  # fmt: skip
    elif state == JOB_MARKET:
        question = t("Is the job on the open labour market?")
        rows = [_button(t("Yes"), "pe:jm:yes"), _button(t("No"), "pe:jm:no"), nav_row(t, "pe")]
    elif state == PROGRAM:
        choices = await turn.services.db.run(actions.program_choices)
        question = t("{client}: which program?", client=draft.client_name)
        rows = [_button(program_name(key, t), f"pe:p:{key}") for key, _ in choices]
        rows.append(nav_row(t, "pe"))
    elif state == CAP:
        assert draft.cap is not None
        question = t("The agreed hour cap? The program allows at most {cap} h.",
                     cap=_number(draft.cap, t.language))  # fmt: skip
        caps = [c for c in (draft.cap, draft.cap - 5, draft.cap - 10, draft.cap - 15) if c > 0]
        rows = [[InlineKeyboardButton(f"{c:g} h", callback_data=f"pe:cap:{c:g}") for c in caps],
                nav_row(t, "pe")]  # fmt: skip
    else:
        assert state == START
        question = t("Choose the first day of the period.")
        today = _today(turn)
        rows = _calendar(turn, state, today - timedelta(days=30), today + START_AHEAD)
    await turn.show(question, InlineKeyboardMarkup(rows))
    return draft.reach(state)


async def _go(turn: Turn[Draft], state: int) -> int:
    turn.draft.month = None
    return await ask(turn, state)


# --- the steps -------------------------------------------------------------------------------
async def _begin(turn: Turn[Draft]) -> int:
    return await ask(turn, CLIENT)


async def on_client(turn: Turn[Draft]) -> int:
    client = await own_client(turn)
    turn.draft.client_id, turn.draft.client_name = client.id, client.display_name
    return await show_view(turn)


def _running(turn: Turn[Draft]) -> int:
    """A period's action needs the period shown: else the press is stale."""
    if turn.draft.period_id is None:
        raise turn.refused("periods: no period")
    return turn.draft.period_id


async def on_action(turn: Turn[Draft]) -> int:
    """One of the view's buttons, if the view offers it now (a forged or an older view's
    press is refused: an open-ended period has no extension, a program no suspension)."""
    action = turn.group(1)
    offered = {b.callback_data for row in view_rows(await _overview(turn), turn.t) for b in row}
    if f"pe:{action}" not in offered:
        raise turn.refused("periods: not offered")
    if action == "n":
        if turn.draft.period_id is not None:
            raise turn.refused("periods: a period runs")
        return await _go(turn, PROGRAM)
    _running(turn)
    if action == "r":
        return await _act(turn, actions.resume, on=_today(turn))
    state = {"x": EXTEND, "h": HOURS, "s": FIRST, "i": BY, "g": GOAL, "j": JOB_DATE}[action]
    return await _go(turn, state)


async def on_calendar(turn: Turn[Draft]) -> int | None:
    """A calendar's day, or another month (the step stays)."""
    state = turn.draft.current(CLIENT)
    prefix = CAL.get(state)
    data = turn.update.callback_query.data if turn.update.callback_query else None
    if prefix is None or not (data or "").startswith(prefix + ":"):
        raise turn.refused("periods: another step's calendar")
    try:
        what, day = parse_calendar(data or "", prefix)
    except ValueError:
        raise turn.refused("periods: forged calendar") from None
    if what == "noop" or day is None:
        assert turn.update.callback_query is not None
        await turn.update.callback_query.answer()
        return None
    if what == "month":
        turn.draft.month = day
        return await ask(turn, state)
    return await _chosen_day(turn, state, day)


async def _chosen_day(turn: Turn[Draft], state: int, day: date) -> int:
    draft, services = turn.draft, turn.services
    if state == EXTEND:
        assert turn.person.id is not None
        if turn.person.role == Role.ADMIN.value:  # the provider's admin extends at once
            return await _act(turn, actions.extend_period, until=day)
        return await _act(
            turn, actions.request, coach=True, kind="extension", until=day, hours=None, note=None,
            done=turn.t("Asked. The caseworker decides, and you will be told."),
        )  # fmt: skip
    if state == FIRST:
        draft.first = day
        return await _go(turn, LAST)
    if state == LAST:
        assert draft.first is not None
        return await _act(turn, actions.suspend, first=draft.first, last=day,
                          tz=services.settings.tz)  # fmt: skip
    if state == JOB_DATE:
        draft.job_start = day
        return await _go(turn, JOB_HOURS)
    assert state == START and draft.program is not None
    return await _start(turn, day)


async def on_hours(turn: Turn[Draft]) -> int:
    return await _act(
        turn, actions.request, coach=True, kind="hours", until=None,
        hours=float(turn.group(1)), note=None,
        done=turn.t("Asked. The caseworker decides, and you will be told."),
    )  # fmt: skip


async def on_by(turn: Turn[Draft]) -> int:
    _running(turn)
    turn.draft.by = turn.group(1)
    return await _go(turn, REASON)


async def on_reason(turn: Turn[Draft]) -> int:
    t, draft = turn.t, turn.draft
    text = typed_text(turn.update).strip()
    if not text:
        await reply(turn.update, t("Please write the reason as text, or /cancel to stop."))
        return REASON
    if len(text) > NOTE_MAX:
        await reply(turn.update, t("That is too long. Please write at most {n} characters.",
                                   n=NOTE_MAX))  # fmt: skip
        return REASON
    if draft.by not in BY_CHOICES:
        raise turn.refused("periods: no interrupter")
    return await _act(
        turn, actions.end_period, reason=EndReason(draft.by), note=text, on=_today(turn),
        new=True,
    )  # fmt: skip


async def on_goal(turn: Turn[Draft]) -> int:
    return await _act(
        turn, actions.end_period, reason=EndReason.GOAL_REACHED, note=None, on=_today(turn)
    )


async def on_job_hours(turn: Turn[Draft]) -> int:
    turn.draft.job_hours = float(turn.group(1))
    return await _go(turn, JOB_MARKET)


async def on_job_market(turn: Turn[Draft]) -> int:
    draft = turn.draft
    if draft.job_start is None or draft.job_hours is None:
        raise turn.refused("periods: no job yet")
    return await _act(
        turn, actions.record_employment, job_start=draft.job_start, hours_week=draft.job_hours,
        open_market=turn.group(1) == "yes",
        done=turn.t("Employment recorded: starts {start}, {hours} h a week.",
                    start=_day(draft.job_start, turn.t),
                    hours=_number(draft.job_hours, turn.t.language)),
    )  # fmt: skip


async def on_program(turn: Turn[Draft]) -> int:
    if turn.draft.period_id is not None:
        raise turn.refused("periods: a period runs")
    choices = dict(await turn.services.db.run(actions.program_choices))
    key = turn.group(1)
    if key not in choices:
        raise turn.refused("periods: unknown program")
    turn.draft.program, turn.draft.cap = key, choices[key]
    return await _go(turn, CAP if choices[key] is not None else START)


async def on_cap(turn: Turn[Draft]) -> int:
    draft = turn.draft
    cap = float(turn.group(1))
    if draft.program is None or draft.cap is None or not 0 < cap <= draft.cap:
        raise turn.refused("periods: another cap")
    draft.cap = cap
    return await _go(turn, START)


async def _start(turn: Turn[Draft], day: date) -> int:
    draft, services = turn.draft, turn.services
    assert draft.client_id is not None and draft.program is not None
    try:
        await services.db.run(
            actions.start_period, actor_id=turn.person.id, client_id=draft.client_id,
            program_key=draft.program, start=day, end=None, hour_cap=draft.cap,
            now=services.now(), provider=services.settings.provider_name,
        )  # fmt: skip
    except (PeriodRefused, PeriodError) as error:
        await turn.alert(_refusal(turn.t, error))
        return draft.current(START)
    services.wake_outbox()
    draft.program = draft.cap = None
    return await show_view(turn, notice=turn.t("Started. The client is welcomed."))


async def _act(
    turn: Turn[Draft],
    fn,
    *,
    coach: bool = False,
    done: str | None = None,
    new: bool = False,  # type: ignore[no-untyped-def]
    **kwargs,  # type: ignore[no-untyped-def]
) -> int:
    """Run one of the period's actions; a refusal is said and the step stays; done, the
    period's view again."""
    period_id, services = _running(turn), turn.services
    who = {"coach_id": turn.person.id} if coach else {"actor_id": turn.person.id}
    try:
        await services.db.run(fn, period_id=period_id, now=services.now(), **who, **kwargs)
    except (PeriodRefused, PeriodError) as error:
        if turn.update.callback_query is None:
            await reply(turn.update, _refusal(turn.t, error))
        else:
            await turn.alert(_refusal(turn.t, error))
        return turn.draft.current(VIEW)
    services.wake_outbox()
    turn.draft.month = None
    return await show_view(turn, new=new, notice=done or turn.t("Saved."))


# --- outside the conversation: the caseworker's decision, the coach's cancelling ----------
async def _mark(update: Update, text: str, notice: str) -> None:
    """Keep the pushed message's text, add what was done, drop its buttons."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if not isinstance(message, Message) or not message.text:
        await query.answer(notice)
        return
    with contextlib.suppress(BadRequest):
        await show(update, f"{message.text}\n\n{text}", notice=notice)


async def on_decide(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Approve / Decline: only the client's own caseworker, once; else no longer valid."""
    assert context.matches
    person = await person_of_role(update, context, Role.CASEWORKER)
    services = services_of(context)
    match = context.matches[0]
    approve = match.group(2) == "yes"
    t = translator(person.language)
    try:
        decided = await services.db.run(
            actions.decide_request, caseworker_id=person.id, request_id=int(match.group(1)),
            approve=approve, now=services.now(),
        )  # fmt: skip
    except PeriodError as error:
        raise Refused(person, f"periods: {error.code}") from None
    except PeriodRefused as refused:
        assert update.callback_query is not None
        await update.callback_query.answer(_refusal(t, refused), show_alert=True)
        return
    services.wake_outbox()
    mark = ("✅ " + t("Approved")) if decided.approved else ("✖ " + t("Declined"))
    await _mark(update, mark, t("Saved. The coach is told."))


async def on_cancel_suspended(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The coach's "cancel these meetings" on the suspension's message."""
    assert context.matches
    person: Person = await person_of_role(update, context, Role.COACH)
    services = services_of(context)
    try:
        count = await services.db.run(
            actions.cancel_suspended_meetings, coach_id=person.id,
            period_id=int(context.matches[0].group(1)), now=services.now(),
            tz=services.settings.tz,
        )  # fmt: skip
    except PeriodError as error:
        raise Refused(person, f"periods: {error.code}") from None
    services.wake_outbox()
    t = translator(person.language)
    await _mark(update, "✅ " + t("Meetings cancelled: {n}.", n=count), t("Saved."))


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot."""
    back = FLOW.back(CLIENT, ask)
    cancel_button, cancel_command = FLOW.stops()
    hint = FLOW.hint()
    calendar = FLOW.button(r"^(?:pex|pes1|pes2|pej|pen):(?:n|d:[0-9-]{10}|m:[0-9-]{7})$",
                           on_calendar)  # type: ignore[arg-type]  # fmt: skip
    nav = [back, cancel_button]
    return [
        CallbackQueryHandler(on_decide, pattern=buttons.DECIDE),
        stale_buttons(buttons.REQUEST_PREFIX),
        CallbackQueryHandler(on_cancel_suspended, pattern=buttons.CANCEL_SUSPENDED),
        stale_buttons(buttons.SUSPENSION_PREFIX),
        ConversationHandler(
            entry_points=[FLOW.command("period", _begin)],
            states={
                CLIENT: [FLOW.button(rf"^pe:c:{ID}$", on_client), cancel_button, hint],
                VIEW: [FLOW.button(r"^pe:([xhsrigjn])$", on_action), *nav, hint],
                EXTEND: [calendar, *nav, hint],
                HOURS: [FLOW.button(r"^pe:h:(5|10|15)$", on_hours), *nav, hint],
                FIRST: [calendar, *nav, hint],
                LAST: [calendar, *nav, hint],
                BY: [FLOW.button(r"^pe:i:(client|provider|purchaser)$", on_by), *nav, hint],
                REASON: [*nav, FLOW.text(on_reason)],
                GOAL: [FLOW.button(r"^pe:g:yes$", on_goal), *nav, hint],
                JOB_DATE: [calendar, *nav, hint],
                JOB_HOURS: [FLOW.button(r"^pe:jh:(\d{1,2}(?:\.5)?)$", on_job_hours), *nav, hint],
                JOB_MARKET: [FLOW.button(r"^pe:jm:(yes|no)$", on_job_market), *nav, hint],
                PROGRAM: [FLOW.button(r"^pe:p:([a-z0-9-]{1,32})$", on_program), *nav, hint],
                CAP: [FLOW.button(r"^pe:cap:(\d{1,3}(?:\.\d)?)$", on_cap), *nav, hint],
                START: [calendar, *nav, hint],
            },
            fallbacks=[cancel_command, stale_buttons("pe")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="periods",
        ),
    ]
