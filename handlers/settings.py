"""/settings: each person chooses or switches off their own reminder times."""

from __future__ import annotations

import contextlib
import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.access import for_roles, pressing_person, refuse_button
from bot.meetings.notices import reschedule_reminders
from bot.rules.reminders import preference
from bot.services import services_of
from messages.i18n import Translator, translator
from storage import audit
from storage.models import Person, Role

DAY_BEFORE = ("12:00", "16:00", "18:00", "20:00")
HOURS_BEFORE = (1, 2, 3)
AGENDA = ("07:00", "08:00", "09:00")
CHOICE = re.compile(r"^st:(db|hb|ag):(off|\d{1,2}|\d{4})$")


def _time_label(value: str, language: str) -> str:
    return value.replace(":", ".") if language in ("fi", "sv") else value


def _summary(person: Person, t: Translator) -> str:
    prefs = person.preferences
    off = t("off")
    lines = [t("Your reminders:")]
    if person.role == Role.CLIENT.value:
        day = preference(prefs, "day_before")
        hours = preference(prefs, "hours_before")
        lines.append(
            t(
                "The day before a meeting: {value}",
                value=_time_label(day, person.language) if day else off,
            )
        )
        lines.append(
            t(
                "Before a meeting: {value}",
                value=t.plural("{n} hour before", "{n} hours before", int(hours)) if hours else off,
            )
        )
    if person.role == Role.COACH.value:
        agenda = preference(prefs, "agenda")
        lines.append(
            t(
                "Agenda on working days: {value}",
                value=_time_label(agenda, person.language) if agenda else off,
            )
        )
    return "\n".join(lines)


def _keyboard(person: Person, t: Translator) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    lang = person.language
    if person.role == Role.CLIENT.value:
        rows.append([InlineKeyboardButton(t("Day before:"), callback_data="st:n:0")])
        rows.append(
            [
                InlineKeyboardButton(
                    _time_label(v, lang), callback_data=f"st:db:{v.replace(':', '')}"
                )
                for v in DAY_BEFORE
            ]
            + [InlineKeyboardButton(t("off"), callback_data="st:db:off")]
        )
        rows.append([InlineKeyboardButton(t("Hours before:"), callback_data="st:n:1")])
        rows.append(
            [InlineKeyboardButton(str(h), callback_data=f"st:hb:{h}") for h in HOURS_BEFORE]
            + [InlineKeyboardButton(t("off"), callback_data="st:hb:off")]
        )
    elif person.role == Role.COACH.value:
        rows.append(
            [
                InlineKeyboardButton(
                    _time_label(v, lang), callback_data=f"st:ag:{v.replace(':', '')}"
                )
                for v in AGENDA
            ]
            + [InlineKeyboardButton(t("off"), callback_data="st:ag:off")]
        )
    return InlineKeyboardMarkup(rows) if rows else None


@for_roles(Role.CLIENT, Role.COACH, command="settings")
async def settings(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    t = translator(person.language)
    markup = _keyboard(person, t)
    text = _summary(person, t) if markup else t("You have no reminders to set.")
    assert update.effective_chat is not None
    await update.effective_chat.send_message(text, reply_markup=markup)


def _save(session, person_id: int, key: str, value: Any, now, tz, quiet) -> Person | None:  # type: ignore[no-untyped-def]
    person = session.get(Person, person_id)
    if person is None:
        return None
    prefs = dict(person.preferences)
    prefs[key] = value
    person.preferences = prefs
    session.add(person)
    session.flush()
    audit.record(session, "settings.change", actor_id=person_id, subject_id=person_id, detail=key)
    if person.role == Role.CLIENT.value:
        reschedule_reminders(session, person, now, tz, quiet)
    return person


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    person = await pressing_person(update, context)
    if person is None:
        return
    t = translator(person.language)
    match = CHOICE.match(query.data or "")
    if match is None:
        await query.answer()  # the label buttons do nothing
        return
    field, raw = match.groups()
    key = {"db": "day_before", "hb": "hours_before", "ag": "agenda"}[field]
    allowed_role = Role.COACH.value if field == "ag" else Role.CLIENT.value
    value: Any
    if raw == "off":
        value = None
    elif field == "hb":
        value = int(raw)
        if value not in HOURS_BEFORE:
            value = "invalid"
    else:
        value = f"{raw[:2]}:{raw[2:]}" if len(raw) == 4 else "invalid"
        if value not in (DAY_BEFORE if field == "db" else AGENDA):
            value = "invalid"
    if value == "invalid" or person.role != allowed_role:
        await refuse_button(update, context, person)
        return
    services = services_of(context)
    assert person.id is not None
    settings = services.settings
    saved = await services.db.run(
        _save, person.id, key, value, services.now(), settings.tz, settings.quiet_window
    )
    services.wake_outbox()
    await query.answer(t("Saved."))
    if saved is not None:
        with contextlib.suppress(BadRequest):  # the same choice again: nothing to redraw
            await query.edit_message_text(_summary(saved, t), reply_markup=_keyboard(saved, t))


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [
        CommandHandler("settings", settings, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(choose, pattern=r"^st:"),
    ]
