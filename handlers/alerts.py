"""Caseworker alerts: the Acknowledge button and /alerts, the list of open alerts.

The button is on every pushed alert (`al:<id>:ack`) and on each line of /alerts
(`al:<id>:list`); each has its own handler with a strict pattern, and any other `al:`
data is a stale or forged press. Only the alert's caseworker or an admin may
acknowledge; anyone else gets the same polite refusal, so a forged press learns nothing.
`bot.alerts.actions` records and audits; the coach is told via the outbox, and the other
copies of the alert lose their button through it. /alerts says how old each alert is.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.access import Refused, for_roles, person_of_role, reply
from bot.alerts import actions, buttons, texts
from bot.alerts.actions import Acked, OpenAlert
from bot.rules.alerts import age_in_days
from bot.services import services_of
from handlers.ui import show, stale_buttons
from messages.formatting import show_short_datetime
from messages.i18n import Translator, translator
from storage.models import Person, Role

LIST_MAX = 20  # a longer list is unreadable, and Telegram caps a keyboard's buttons


def _age(item: OpenAlert, t: Translator, now: datetime, tz: ZoneInfo) -> str:
    days = age_in_days(item.created_at, now, tz)
    if days == 0:
        return t("today")
    if days == 1:
        return t("yesterday")
    return t("{n} days ago", n=days)  # two or more


def _listing(
    found: list[OpenAlert], t: Translator, language: str, tz: ZoneInfo, now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not found:
        return t("No open alerts."), None
    lines = [t.plural("{n} open alert:", "{n} open alerts:", len(found))]
    keys = []
    for number, item in enumerate(found[:LIST_MAX], start=1):
        line = t(
            "{client}: {kind} ({when}, {age})",
            client=item.client,
            kind=t(texts.KIND_NAMES[item.kind]),
            when=show_short_datetime(item.created_at, language, tz),
            age=_age(item, t, now, tz),
        )
        lines.append(f"{number}. {line}")
        keys.append(
            InlineKeyboardButton(
                f"{t(texts.ACKNOWLEDGE)} {number}", callback_data=buttons.ack_from_list(item.id)
            )
        )
    if len(found) > LIST_MAX:
        extra = len(found) - LIST_MAX
        lines.append(t.plural("…and {n} more.", "…and {n} more.", extra))
    rows = [keys[i : i + 2] for i in range(0, len(keys), 2)]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _open_alerts(
    context: ContextTypes.DEFAULT_TYPE, person: Person
) -> tuple[str, InlineKeyboardMarkup | None]:
    services = services_of(context)
    found = await services.db.run(actions.open_alerts, person)
    t, tz = translator(person.language), services.settings.tz
    return _listing(found, t, person.language, tz, services.now())


@for_roles(Role.CASEWORKER, Role.ADMIN, command="alerts")
async def list_alerts(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    text, markup = await _open_alerts(context, person)
    await reply(update, text, reply_markup=markup)


async def _acknowledge(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, pushed: bool
) -> tuple[Person, Translator, Acked, str]:
    """Acknowledge the pressed alert; Refused when the person may not (the action audits
    it) or the alert does not exist. Returns what the press is to be answered with.

    `pushed`: pressed on a copy of the alert, which is redrawn here; the other copies lose
    their button through the outbox."""
    assert context.matches
    person = await person_of_role(update, context, *Role)
    services = services_of(context)
    alert_id = int(context.matches[0].group(1))
    query = update.callback_query
    shown = query.message.message_id if pushed and query and query.message else None
    acked = await services.db.run(actions.acknowledge, alert_id, person, services.now(), shown)
    if acked is None:
        raise Refused(person, "alert")
    t = translator(person.language)
    if acked.now:
        services.wake_outbox()
        done = t("Acknowledged. The coach is told.") if acked.coach_told else t("Acknowledged.")
    else:
        done = t("This alert was already acknowledged by {name}.", name=acked.by)
    return person, t, acked, done


async def acknowledge_pushed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """On the alert itself: keep its text, add who acknowledged it (once), drop the button."""
    _, t, acked, done = await _acknowledge(update, context, pushed=True)
    query = update.callback_query
    assert query is not None
    mark = t("✅ Acknowledged by {name}", name=acked.by)
    message = query.message
    if not isinstance(message, Message) or not message.text or message.text.endswith(mark):
        await query.answer(done)  # too old to edit, or marked already: recorded all the same
        return
    with contextlib.suppress(BadRequest):
        await show(update, f"{message.text}\n\n{mark}", notice=done)


async def acknowledge_listed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """On the /alerts list: redraw it without the alert just acknowledged."""
    person, _, _, done = await _acknowledge(update, context, pushed=False)
    text, markup = await _open_alerts(context, person)
    await show(update, text, markup, notice=done)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [
        CommandHandler("alerts", list_alerts, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(acknowledge_pushed, pattern=buttons.ACK),
        CallbackQueryHandler(acknowledge_listed, pattern=buttons.ACK_FROM_LIST),
        stale_buttons(buttons.ALERT_PREFIX),
    ]
