"""The no-show procedure's choices on the caseworker's no-show alert [002 §3.4.3].

A no-show alert's copy to the client's caseworker carries, beside Acknowledge, "Give
more time" (`al:<id>:more`: the alert's own message shows a month calendar, `np<id>:…`,
with ◀ Back to the choices) and "Call a three-party meeting" (`al:<id>:meet`). A choice
acknowledges the alert: the pressed copy keeps its text and says what was chosen, every
other copy loses its buttons (through the outbox). Each press is checked again by
`bot.periods.procedure` (the alert still open, the presser the client's own caseworker);
anyone else, a stale copy or forged data gets the one polite, audited refusal.

A "wants to stop" alert (the client confirmed /stop) carries "Interrupt the service"
(`al:<id>:end`) [issue 12 §1]: the alert asks once, "Yes, end the service"
(`al:<id>:end:yes`) or ◀ Back (`al:<id>:end:back`); yes ends the period as interrupted
by the client and acknowledges the alert, as a no-show choice does.

The coach's message about a called three-party meeting may carry "Cancel these
meetings" (`pc:<period id>:cx`): only the client's own coach, only while the procedure
lasts; the message keeps its text and says how many were cancelled.
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
from storage.models import AlertKind, Person, Role


def _ask(t: Translator) -> str:
    return t("Until which day does the client have more time?")


def _ask_interrupt(t: Translator) -> str:
    return t(
        "End the service now? The meetings booked are cancelled, and the client, the coach "
        "and you are told."
    )


def _pressed(update: Update) -> tuple[int, str]:
    """The pressed message's id and text (the alert as its reader sees it)."""
    query = update.callback_query
    assert query is not None
    message = query.message
    if not isinstance(message, Message) or not message.text:
        return (message.message_id if message is not None else 0), ""
    return message.message_id, message.text


def _alert_text(update: Update, t: Translator) -> str:
    """The alert's own text, without the question of a choice if one is showing."""
    _, text = _pressed(update)
    for asked in (_ask(t), _ask_interrupt(t)):
        question = f"\n\n{asked}"
        if text.endswith(question):
            return text[: -len(question)]
    return text


def _markup(rows: list[list[tuple[str, str]]] | None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(text, callback_data=data) for text, data in row]
            for row in rows or []
        ]
    )


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
    rows = render_buttons(buttons.pushed(alert_id, AlertKind.NO_SHOW_UNKNOWN), person.language)
    await show(update, _alert_text(update, translator(person.language)), _markup(rows))


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


# --- the client wants to stop: interrupt the service [issue 12 §1] ---------------------
async def _may_interrupt(context: ContextTypes.DEFAULT_TYPE, person: Person, alert_id: int) -> None:
    services = services_of(context)
    if not await services.db.run(procedure.open_interruption, alert_id, person, services.now()):
        raise Refused(person, "procedure: interrupt")


async def interrupt(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Interrupt the service: the alert asks once (yes, or back to its buttons)."""
    person, alert_id = await _caseworker(update, context)
    await _may_interrupt(context, person, alert_id)
    t = translator(person.language)
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("Yes, end the service"),
                                  callback_data=buttons.interrupt_yes(alert_id))],
            [InlineKeyboardButton("◀ " + t("Back"),
                                  callback_data=buttons.interrupt_back(alert_id))],
        ]
    )  # fmt: skip
    await show(update, f"{_alert_text(update, t)}\n\n{_ask_interrupt(t)}", markup)


async def interrupt_back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """◀ Back from the question: the alert's buttons again, while it is still open."""
    person, alert_id = await _caseworker(update, context)
    await _may_interrupt(context, person, alert_id)
    rows = render_buttons(buttons.pushed(alert_id, AlertKind.CLIENT_STOPS), person.language)
    await show(update, _alert_text(update, translator(person.language)), _markup(rows))


async def interrupt_yes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes: the period ends as interrupted by the client; the alert is acknowledged."""
    person, alert_id = await _caseworker(update, context)
    services = services_of(context)
    shown, _ = _pressed(update)
    decided = await services.db.run(
        lambda session: procedure.interrupt(
            session, alert_id=alert_id, caseworker=person, now=services.now(),
            tz=services.settings.tz, shown=shown,
        )
    )  # fmt: skip
    if decided is None:
        raise Refused(person, "procedure: interrupt")
    services.wake_outbox()
    t = translator(person.language)
    mark = t("✅ {name} ended the service.", name=decided.caseworker)
    notice = (
        t("Done. The service ended: the client, the coach and you are told.")
        if decided.coach_told
        else t("Done. The service ended: the client and you are told.")
    )
    with contextlib.suppress(BadRequest):  # too old to edit: recorded all the same
        await show(update, f"{_alert_text(update, t)}\n\n{mark}", notice=notice)


# --- the coach cancels what was booked before the three-party meeting ---------------------
async def cancel_booked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The coach pressed "Cancel these meetings" on their three-party message."""
    assert context.matches
    person = await person_of_role(update, context, Role.COACH)
    services = services_of(context)
    assert person.id is not None
    count = await services.db.run(
        lambda session: procedure.cancel_booked(
            session, coach_id=person.id, period_id=int(context.matches[0].group(1)),  # type: ignore[index]
            now=services.now(),
        )
    )  # fmt: skip
    if count is None:
        raise Refused(person, "procedure: cancel")
    services.wake_outbox()
    t = translator(person.language)
    _, text = _pressed(update)
    mark = "✅ " + t("Meetings cancelled: {n}.", n=count)
    with contextlib.suppress(BadRequest):  # too old to edit: recorded all the same
        await show(update, f"{text}\n\n{mark}" if text else mark, notice=t("Saved."))


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried (before handlers.alerts, whose
    stale-button catch takes any other `al:` data)."""
    return [
        CallbackQueryHandler(more_time, pattern=buttons.MORE_TIME),
        CallbackQueryHandler(three_party, pattern=buttons.THREE_PARTY),
        CallbackQueryHandler(calendar, pattern=buttons.CALENDAR),
        CallbackQueryHandler(back, pattern=buttons.CALENDAR_BACK),
        stale_buttons(buttons.CALENDAR_PREFIX),
        CallbackQueryHandler(interrupt, pattern=buttons.INTERRUPT),
        CallbackQueryHandler(interrupt_yes, pattern=buttons.INTERRUPT_YES),
        CallbackQueryHandler(interrupt_back, pattern=buttons.INTERRUPT_BACK),
        CallbackQueryHandler(cancel_booked, pattern=procedure.CANCEL_BOOKED),
        stale_buttons(procedure.CANCEL_PREFIX),
    ]
