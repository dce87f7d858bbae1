"""/settings: each person chooses or switches off their own reminder times.

A one-step conversation on the /settings message: each tap is saved at once
(bot.meetings.actions.set_reminder) and the message redrawn. A client chooses the day
before, the hours before, and the morning reminder on the day of the absence-notice
deadline (tell by 12.00). "✔ Done" (or /cancel) leaves the summary without buttons. Only
the newest /settings message takes presses; an older one, or one left with another
command, is answered "no longer valid"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
)

from bot.meetings import actions
from bot.rules.reminders import preference
from handlers.fallback import nothing_to_cancel
from handlers.meetings import leave_buttons
from handlers.ui import Flow, Steps, Turn, stale_buttons
from messages.i18n import N_, Translator
from storage.models import Person, Role

DAY_BEFORE = ("12:00", "16:00", "18:00", "20:00")
HOURS_BEFORE = (1, 2, 3)
DEADLINE_MORNING = ("08:00", "09:00", "10:00", "11:00")  # all before the 12.00 deadline
AGENDA = ("07:00", "08:00", "09:00")
FIELDS = {"db": "day_before", "hb": "hours_before", "dl": "deadline", "ag": "agenda"}
DEADLINE_SUMMARY = N_("On the last day to tell you cannot come: {value}")
DEADLINE_LABEL = N_("Last day to tell:")


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
        morning = preference(prefs, "deadline")
        lines.append(
            t(DEADLINE_SUMMARY, value=_time_label(morning, person.language) if morning else off)
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
        rows.append([InlineKeyboardButton(t(DEADLINE_LABEL), callback_data="st:n:2")])
        rows.append(
            [
                InlineKeyboardButton(
                    _time_label(v, lang), callback_data=f"st:dl:{v.replace(':', '')}"
                )
                for v in DEADLINE_MORNING
            ]
            + [InlineKeyboardButton(t("off"), callback_data="st:dl:off")]
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
    if rows:
        rows.append([InlineKeyboardButton("✔ " + t("Done"), callback_data="st:done")])
    return InlineKeyboardMarkup(rows) if rows else None


CHOOSING = 0


@dataclass
class Shown(Steps):
    """The /settings message whose buttons are live (a newer /settings replaces it)."""


FLOW = Flow(key="settings", draft=Shown, roles=(Role.CLIENT, Role.COACH), prefix="st")


async def _begin(turn: Turn[Shown]) -> int:
    t, person = turn.t, turn.person
    markup = _keyboard(person, t)
    if markup is None:
        await turn.show(t("You have no reminders to set."))
        return FLOW.end(turn.context)
    await turn.show(_summary(person, t), markup)
    return CHOOSING


def _value(turn: Turn[Shown], field: str, raw: str) -> Any:
    """The preference a button sets (None: off); Refused when it is not one offered to
    this person's role."""
    allowed_role = Role.COACH.value if field == "ag" else Role.CLIENT.value
    if turn.person.role != allowed_role:
        raise turn.refused("settings: not for this role")
    if raw == "off":
        return None
    if field == "hb":
        if int(raw) not in HOURS_BEFORE:
            raise turn.refused("settings: not offered")
        return int(raw)
    value = f"{raw[:2]}:{raw[2:]}"
    offered = {"db": DAY_BEFORE, "dl": DEADLINE_MORNING, "ag": AGENDA}.get(field, ())
    if value not in offered:
        raise turn.refused("settings: not offered")
    return value


async def choose(turn: Turn[Shown]) -> int:
    """A time, or off: saved at once, the client's reminders follow, the message redrawn."""
    field, raw = turn.group(1), turn.group(2)
    value = _value(turn, field, raw)
    key = FIELDS[field]
    services, settings = turn.services, turn.services.settings
    assert turn.person.id is not None
    saved = await services.db.run(
        actions.set_reminder,
        turn.person.id,
        key,
        value,
        now=services.now(),
        tz=settings.tz,
        quiet=settings.quiet_window,
    )
    services.wake_outbox()
    if saved is None:
        raise turn.refused("settings: no such person")
    t = turn.t
    await turn.show(_summary(saved, t), _keyboard(saved, t), notice=t("Saved."))
    return CHOOSING


async def label(turn: Turn[Shown]) -> int:
    """The row titles are buttons too (Telegram has no plain text in a keyboard): nothing."""
    assert turn.update.callback_query is not None
    await turn.update.callback_query.answer()
    return CHOOSING


async def done(turn: Turn[Shown]) -> int:
    """The "✔ Done" button: the summary stays, the buttons go (all is saved already)."""
    await turn.show(_summary(turn.person, turn.t))
    return FLOW.end(turn.context)


async def close(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel: the choices are already saved, so nothing is undone; the /settings
    message keeps no buttons."""
    shown = (context.user_data or {}).get(FLOW.key)
    chat = update.effective_chat
    if isinstance(shown, Shown) and shown.message_id is not None and chat is not None:
        await leave_buttons(context.bot, chat.id, shown.message_id, ())
    await nothing_to_cancel(update, context)
    return FLOW.end(context)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot, never shared between two (tests, the console)."""
    return [
        ConversationHandler(
            entry_points=[FLOW.command("settings", _begin)],
            states={
                CHOOSING: [
                    FLOW.button(r"^st:(db|hb|dl|ag):(off|\d|\d{4})$", choose),
                    FLOW.button(r"^st:n:\d$", label),
                    FLOW.button(r"^st:done$", done),
                ]
            },
            fallbacks=[CommandHandler("cancel", close), stale_buttons("st:")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="settings",
        )
    ]
