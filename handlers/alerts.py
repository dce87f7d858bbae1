"""Caseworker alerts: the Acknowledge button and /alerts, the list of open alerts.

The button is on every pushed alert (`al:<id>:ack`) and on each line of /alerts
(`al:<id>:list`). Only the alert's caseworker or an admin may acknowledge; anyone else,
or data that does not parse, gets the same polite refusal, so a forged press learns
nothing. `bot.alerts.acknowledge` records and audits; the coach is told via the outbox.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.access import for_roles, pressing_person
from bot.alerts import actions as alerts
from bot.services import services_of
from messages.formatting import show_short_datetime
from messages.i18n import N_, Translator, translator
from storage import audit
from storage.models import Alert, AlertKind, Person, Role

BUTTON = re.compile(r"^al:(\d{1,12}):(ack|list)$")
LIST_MAX = 20  # a longer list is unreadable, and Telegram caps a keyboard's buttons

KIND_NAMES = {
    AlertKind.NO_SHOW_UNKNOWN: N_("did not come, reason not known"),
    AlertKind.REPEATED_NO_SHOWS: N_("missed meetings without notice more than once"),
    AlertKind.CLIENT_STOPS: N_("wants to stop the service"),
    AlertKind.SIGNIFICANT_CHANGE: N_("a significant change reported by the coach"),
}


@dataclass(frozen=True)
class OpenAlert:
    """One line of /alerts: what the reader needs, read inside the transaction."""

    id: int
    client: str
    kind: AlertKind
    created_at: datetime


@dataclass(frozen=True)
class Acked:
    """The outcome of a press: who acknowledged, and whether it happened just now."""

    alert_id: int
    by: str
    now: bool
    coach_told: bool


# --- storage side: each runs in one transaction ----------------------------------------
def open_alerts(session: Session, viewer: Person) -> list[OpenAlert]:
    """A caseworker's own open alerts; an admin sees every open alert. The look is audited."""
    if viewer.role == Role.ADMIN.value:
        found = list(
            session.exec(
                select(Alert)
                .where(col(Alert.acknowledged_at).is_(None))
                .order_by(col(Alert.created_at), col(Alert.id))
            )
        )
    elif viewer.role == Role.CASEWORKER.value:
        found = alerts.open_for(session, viewer)
    else:
        found = []
    rows = []
    for alert in found:
        client = session.get(Person, alert.client_id)
        name = client.display_name if client else str(alert.facts.get("client", ""))
        assert alert.id is not None
        rows.append(OpenAlert(alert.id, name, AlertKind(alert.kind), alert.created_at))
    audit.record(session, "alerts.view", actor_id=viewer.id, detail=f"{len(rows)} alerts")
    return rows


def acknowledge(session: Session, alert_id: int, person: Person, now: datetime) -> Acked | None:
    """Acknowledge through bot.alerts (which checks and audits); None when refused."""
    before = session.get(Alert, alert_id)
    was_open = before is not None and before.acknowledged_at is None
    alert = alerts.acknowledge(session, alert_id, person, now)
    if alert is None or alert.acknowledged_by is None:
        return None
    by = session.get(Person, alert.acknowledged_by)
    return Acked(
        alert_id=alert_id,
        by=by.display_name if by else "",
        now=was_open,
        coach_told=was_open and alert.coach_id is not None,
    )


# --- showing ---------------------------------------------------------------------------
def _listing(
    found: list[OpenAlert], t: Translator, language: str, tz: ZoneInfo
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not found:
        return t("No open alerts."), None
    lines = [t.plural("{n} open alert:", "{n} open alerts:", len(found))]
    buttons = []
    for number, item in enumerate(found[:LIST_MAX], start=1):
        line = t(
            "{client}: {kind} ({when})",
            client=item.client,
            kind=t(KIND_NAMES[item.kind]),
            when=show_short_datetime(item.created_at, language, tz),
        )
        lines.append(f"{number}. {line}")
        buttons.append(
            InlineKeyboardButton(
                f"{t(alerts.ACKNOWLEDGE)} {number}", callback_data=f"al:{item.id}:list"
            )
        )
    if len(found) > LIST_MAX:
        extra = len(found) - LIST_MAX
        lines.append(t.plural("…and {n} more.", "…and {n} more.", extra))
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


@for_roles(Role.CASEWORKER, Role.ADMIN, command="alerts")
async def list_alerts(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    services = services_of(context)
    t = translator(person.language)
    found = await services.db.run(open_alerts, person)
    text, markup = _listing(found, t, person.language, services.settings.tz)
    assert update.effective_chat is not None
    await update.effective_chat.send_message(text, reply_markup=markup)


async def _refuse(update: Update, t: Translator) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(t("This button is no longer valid."), show_alert=True)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Acknowledge; then mark the alert message, or redraw the list it was pressed on."""
    query = update.callback_query
    assert query is not None
    person = await pressing_person(update, context)
    if person is None:
        return
    t = translator(person.language)
    match = BUTTON.match(query.data or "")
    if match is None:
        await _refuse(update, t)
        return
    alert_id, origin = int(match.group(1)), match.group(2)
    services = services_of(context)
    acked = await services.db.run(acknowledge, alert_id, person, services.now())
    if acked is None:
        await _refuse(update, t)
        return
    if acked.now:
        services.wake_outbox()
        done = t("Acknowledged. The coach is told.") if acked.coach_told else t("Acknowledged.")
    else:
        done = t("This alert was already acknowledged by {name}.", name=acked.by)
    await query.answer(done)
    if origin == "list":
        found = await services.db.run(open_alerts, person)
        text, markup = _listing(found, t, person.language, services.settings.tz)
        with contextlib.suppress(BadRequest):  # nothing changed on screen
            await query.edit_message_text(text, reply_markup=markup)
        return
    await _mark(query, t("✅ Acknowledged by {name}", name=acked.by))


async def _mark(query: CallbackQuery, mark: str) -> None:
    """Keep the alert's text, add who acknowledged it, and drop the button."""
    message = query.message
    if not isinstance(message, Message) or not message.text:
        return  # too old to edit: the acknowledgement is recorded all the same
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(f"{message.text}\n\n{mark}", reply_markup=None)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [
        CommandHandler("alerts", list_alerts, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(on_button, pattern=r"^al:"),
    ]
