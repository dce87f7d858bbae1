"""The no-show procedure's choices on the caseworker's no-show alert [002 §3.4.3].

A no-show alert's copy to the client's caseworker carries, beside Acknowledge, "Give
more time" (`al:<id>:more`: the alert's own message shows a month calendar, `np<id>:…`,
with ◀ Back to the choices) and "Call a three-party meeting" (`al:<id>:meet`). A choice
acknowledges the alert: the pressed copy keeps its text and says what was chosen, every
other copy loses its buttons (through the outbox). Each press is checked again by
`bot.periods.procedure` (the alert still open, the presser the client's own caseworker);
anyone else, a stale copy or forged data gets the one polite, audited refusal.
"""

from __future__ import annotations

import contextlib
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, BaseHandler, CallbackQueryHandler, ContextTypes

from bot.access import Refused, person_of_role
from bot.alerts import buttons
from bot.meetings.keyboards import month_calendar, parse_calendar
from bot.periods import procedure
from bot.periods.procedure import Decided
from bot.services import services_of
from handlers.ui import show, stale_buttons
from messages.formatting import show_date
from messages.i18n import Translator, translator
from messages.render import render_buttons
from storage.models import Person, Role


def _ask(t: Translator) -> str:
    return t("Until which day does the client have more time?")


def _pressed(update: Update) -> tuple[int, str]:
    """The pressed message's id and text (the alert as its reader sees it)."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if not isinstance(message, Message) or not message.text:
        return (message.message_id if message is not None else 0), ""
    return message.message_id, message.text


def _alert_text(update: Update, t: Translator) -> str:
    """The alert's own text, without the calendar's question if it is showing."""
    _, text = _pressed(update)
    question = f"\n\n{_ask(t)}"
    return text[: -len(question)] if text.endswith(question) else text


def _calendar(
    alert_id: int, month: date, choice: procedure.Choice, person: Person
) -> InlineKeyboardMarkup:
    t = translator(person.language)
    grid = month_calendar(
        month.year, month.month, today=choice.today, language=person.language,
        prefix=buttons.calendar_prefix(alert_id), last_day=choice.last_day,
    )  # fmt: skip
    back = InlineKeyboardButton("◀ " + t("Back"), callback_data=buttons.calendar_back(alert_id))
    return InlineKeyboardMarkup([*grid.inline_keyboard, [back]])


async def _caseworker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Person, int]:
    assert context.matches
    person = await person_of_role(update, context, Role.CASEWORKER)
    return person, int(context.matches[0].group(1))


async def _open(
    context: ContextTypes.DEFAULT_TYPE, person: Person, alert_id: int
) -> procedure.Choice:
    """The alert may still be decided by this person; else the polite refusal (audited)."""
    services = services_of(context)
    choice = await services.db.run(
        procedure.open_choice, alert_id, person, services.now(), services.settings.tz
    )
    if choice is None:
        raise Refused(person, "procedure")
    return choice


async def more_time(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Give more time: the alert shows the calendar of the days that may be chosen."""
    person, alert_id = await _caseworker(update, context)
    choice = await _open(context, person, alert_id)
    t = translator(person.language)
    text = f"{_alert_text(update, t)}\n\n{_ask(t)}"
    await show(update, text, _calendar(alert_id, choice.today, choice, person))


async def calendar(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A press on the calendar: another month, a blank, or the day chosen."""
    person, alert_id = await _caseworker(update, context)
    query = update.callback_query
    assert query is not None
    try:
        action, day = parse_calendar(query.data or "", buttons.calendar_prefix(alert_id))
    except ValueError:
        raise Refused(person, "procedure: calendar data") from None
    if action == "noop":
        await query.answer()
        return
    choice = await _open(context, person, alert_id)
    assert day is not None
    t = translator(person.language)
    if action == "month":
        text = f"{_alert_text(update, t)}\n\n{_ask(t)}"
        await show(update, text, _calendar(alert_id, day, choice, person))
        return
    if day <= choice.today:
        await query.answer(t("Please choose a day after today."), show_alert=True)
        return
    services = services_of(context)
    shown, _ = _pressed(update)
    decided = await services.db.run(
        lambda session: procedure.give_more_time(
            session, alert_id=alert_id, caseworker=person, until=day, now=services.now(),
            tz=services.settings.tz, shown=shown,
        )
    )  # fmt: skip
    if decided is None:
        raise Refused(person, "procedure: more time")
    mark = t(
        "✅ {name} gave more time until {until}.",
        name=decided.caseworker,
        until=show_date(day, person.language),
    )
    await _done(update, context, person, decided, mark)


async def back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ Back from the calendar: the alert's buttons again, while it is still open."""
    person, alert_id = await _caseworker(update, context)
    await _open(context, person, alert_id)
    rows = render_buttons(buttons.pushed(alert_id, choices=True), person.language) or []
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )
    await show(update, _alert_text(update, translator(person.language)), markup)


async def three_party(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Call a three-party meeting: decided at once (the coach books it)."""
    person, alert_id = await _caseworker(update, context)
    services = services_of(context)
    shown, _ = _pressed(update)
    decided = await services.db.run(
        lambda session: procedure.call_three_party(
            session, alert_id=alert_id, caseworker=person, now=services.now(), shown=shown
        )
    )
    if decided is None:
        raise Refused(person, "procedure: three-party")
    t = translator(person.language)
    mark = t("✅ {name} called a three-party meeting.", name=decided.caseworker)
    await _done(update, context, person, decided, mark)


async def _done(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    decided: Decided,
    mark: str,
) -> None:
    """The pressed copy keeps the alert's text, says what was chosen, and loses its buttons."""
    services_of(context).wake_outbox()
    t = translator(person.language)
    notice = (
        t("Done. The coach and the client are told.")
        if decided.coach_told
        else t("Done. The client is told.")
    )
    with contextlib.suppress(BadRequest):  # too old to edit: recorded all the same
        await show(update, f"{_alert_text(update, t)}\n\n{mark}", notice=notice)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried (before handlers.alerts, whose
    stale-button catch takes any other `al:` data)."""
    return [
        CallbackQueryHandler(more_time, pattern=buttons.MORE_TIME),
        CallbackQueryHandler(three_party, pattern=buttons.THREE_PARTY),
        CallbackQueryHandler(calendar, pattern=buttons.CALENDAR),
        CallbackQueryHandler(back, pattern=buttons.CALENDAR_BACK),
        stale_buttons(buttons.CALENDAR_PREFIX),
    ]
