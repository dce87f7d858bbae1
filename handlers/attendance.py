"""Answers to the attendance prompt, and a client's reason for a no-show.

Coach: `at:<id>:attended` → hours buttons (`at:<id>:h<minutes>`) → one line of text for
the diary; `at:<id>:noshow` → "is the reason known?" (`at:<id>:unknown` / `at:<id>:wait`);
`at:<id>:cancelled`. Client: `at:<id>:r:<reason>`, or `r:other` and a few words.
Callback data carries ids and actions only; every press is checked against the database
(whose meeting, which state), so a forged or stale button changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from babel.numbers import format_decimal
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

from bot.access import acting_person, pressing_person, reply, t_for
from bot.attendance import actions as attendance
from bot.attendance.actions import ReasonAnswer, ReasonState
from bot.services import services_of
from messages.formatting import locale_of
from messages.i18n import Translator, translator
from storage.models import Person

ANSWER = re.compile(
    r"^at:(\d{1,12}):"
    r"(attended|noshow|cancelled|unknown|wait|h\d{1,4}|r:(?:ill|child|forgot|other))$"
)
WAITING_HOURS, WAITING_DIARY, WAITING_REASON = range(3)
HOURS_FOR = "attendance.hours_for"
DIARY_FOR = "attendance.diary_for"
REASON_FOR = "attendance.reason_for"
PROMPT_ACTIONS = ("attended", "noshow", "cancelled")


def _data(context: ContextTypes.DEFAULT_TYPE) -> dict[Any, Any]:
    assert context.user_data is not None
    return context.user_data


def _current(context: ContextTypes.DEFAULT_TYPE) -> int:
    """The step this person is in, so a refused press leaves it as it was.

    Returning None from an entry point would open a conversation (and its timeout) for
    somebody who was not in one, so the step is derived from what is being waited for.
    """
    data = _data(context)
    if data.get(DIARY_FOR) is not None:
        return WAITING_DIARY
    if data.get(REASON_FOR) is not None:
        return WAITING_REASON
    if data.get(HOURS_FOR) is not None:
        return WAITING_HOURS
    return ConversationHandler.END


def _forget(context: ContextTypes.DEFAULT_TYPE) -> None:
    for key in (HOURS_FOR, DIARY_FOR, REASON_FOR):
        _data(context).pop(key, None)


async def _refuse(update: Update, t: Translator) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(t("This button is no longer valid."), show_alert=True)


def hours_label(minutes: int, language: str) -> str:
    return format_decimal(minutes / 60, format="#,##0.##", locale=locale_of(language))


def _hours_keyboard(meeting_id: int, choices: list[int], t: Translator) -> InlineKeyboardMarkup:
    """The planned length alone on the first row, the usual lengths below it."""
    planned, *others = choices
    language = t.language
    rows = [
        [
            InlineKeyboardButton(
                t("{hours} h (as planned)", hours=hours_label(planned, language)),
                callback_data=f"at:{meeting_id}:h{planned}",
            )
        ]
    ]
    buttons = [
        InlineKeyboardButton(
            t("{hours} h", hours=hours_label(m, language)), callback_data=f"at:{meeting_id}:h{m}"
        )
        for m in others
    ]
    rows += [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    return InlineKeyboardMarkup(rows)


def _reason_keyboard(meeting_id: int, t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("Unknown: alert the caseworker now"), callback_data=f"at:{meeting_id}:unknown"
                )
            ],
            [
                InlineKeyboardButton(
                    t("Ask the client first"), callback_data=f"at:{meeting_id}:wait"
                )
            ],
        ]
    )


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Any `at:` button: the coach's answers and the client's reasons."""
    query = update.callback_query
    assert query is not None
    person = await pressing_person(update, context)
    if person is None:
        return ConversationHandler.END
    t = translator(person.language)
    match = ANSWER.match(query.data or "")
    if match is None:
        await _refuse(update, t)
        return _current(context)
    meeting_id, action = int(match.group(1)), match.group(2)
    if action.startswith("r:"):
        return await _client_reason(update, context, person, meeting_id, action[2:])
    if _data(context).get(DIARY_FOR) == meeting_id and (
        action in PROMPT_ACTIONS or action.startswith("h")
    ):
        # Already recorded; the diary line is what is missing.
        await query.answer(
            t("Please write a line about what was done, as text. (/cancel leaves it empty)"),
            show_alert=True,
        )
        return WAITING_DIARY
    if action == "attended":
        return await _attended(update, context, person, meeting_id)
    if action.startswith("h"):
        return await _hours(update, context, person, meeting_id, int(action[1:]))
    if action == "noshow":
        return await _no_show(update, context, person, meeting_id)
    if action == "cancelled":
        return await _cancelled(update, context, person, meeting_id)
    return await _reason_known(update, context, person, meeting_id, unknown=action == "unknown")


async def _attended(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, meeting_id: int
) -> int:
    services = services_of(context)
    t = translator(person.language)
    found = await services.db.run(attendance.open_for_coach, meeting_id, person, services.now())
    if found is None:
        await _refuse(update, t)
        return _current(context)
    _forget(context)
    _data(context)[HOURS_FOR] = meeting_id
    choices = attendance.hour_choices(found.meeting)
    await reply(
        update,
        t("How many hours were used?"),
        reply_markup=_hours_keyboard(meeting_id, choices, t),
    )
    return WAITING_HOURS


async def _hours(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    meeting_id: int,
    minutes: int,
) -> int:
    services = services_of(context)
    t = translator(person.language)
    recorded = await services.db.run(
        attendance.record_attended, meeting_id, person, minutes, services.now()
    )
    if recorded is None:
        await _refuse(update, t)
        return _current(context)
    _forget(context)
    _data(context)[DIARY_FOR] = meeting_id
    await reply(
        update,
        t(
            "Recorded: {hours} h. What was done? Write one line for the diary.",
            hours=hours_label(minutes, person.language),
        ),
    )
    return WAITING_DIARY


async def _no_show(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, meeting_id: int
) -> int:
    services = services_of(context)
    t = translator(person.language)
    recorded = await services.db.run(
        attendance.record_no_show, meeting_id, person, services.now(), services.settings.tz
    )
    if recorded is None:
        await _refuse(update, t)
        return _current(context)
    services.wake_outbox()
    _forget(context)
    client = recorded.found.client.display_name
    planned = attendance.planned_minutes(recorded.found.meeting)
    text = t(
        "Recorded as a no-show: {client}. The planned {hours} h are billable.\n"
        "I am asking {client} what happened. Is the reason known?",
        client=client,
        hours=hours_label(planned, person.language),
    )
    if recorded.alerted:
        text += "\n" + t("This is a repeated no-show, so the caseworker is alerted.")
    await reply(update, text, reply_markup=_reason_keyboard(meeting_id, t))
    return ConversationHandler.END


async def _cancelled(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person, meeting_id: int
) -> int:
    services = services_of(context)
    t = translator(person.language)
    recorded = await services.db.run(
        attendance.record_cancelled, meeting_id, person, services.now()
    )
    if recorded is None:
        await _refuse(update, t)
        return _current(context)
    services.wake_outbox()
    _forget(context)
    await reply(
        update,
        t(
            "Recorded: cancelled by the provider. No hours are billable. {client} is told.",
            client=recorded.found.client.display_name,
        ),
    )
    return ConversationHandler.END


def _reason_text(answer: ReasonAnswer, t: Translator) -> str:
    client = answer.found.client.display_name
    if answer.state == ReasonState.EXPLAINED:
        return t(
            "{client} has already told the reason: {reason}",
            client=client,
            reason=t(answer.reason)
            if answer.reason in attendance.REASONS.values()
            else answer.reason,
        )
    if answer.alerted:
        return t("The caseworker is alerted.")
    if answer.state == ReasonState.UNKNOWN:
        return t("The caseworker has already been alerted.")
    hours = int(attendance.EXPLAIN_WITHIN.total_seconds() // 3600)
    return t(
        "OK. If {client} does not answer within {hours} hours, I will alert the caseworker.",
        client=client,
        hours=hours,
    )


async def _reason_known(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    meeting_id: int,
    *,
    unknown: bool,
) -> int:
    services = services_of(context)
    t = translator(person.language)
    act = attendance.reason_unknown if unknown else attendance.reason_wait
    answer = await services.db.run(act, meeting_id, person, services.now())
    if answer is None:
        await _refuse(update, t)
        return _current(context)
    if answer.alerted:
        services.wake_outbox()
    await reply(update, _reason_text(answer, t))
    return _current(context)


async def _client_reason(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    person: Person,
    meeting_id: int,
    key: str,
) -> int:
    services = services_of(context)
    t = translator(person.language)
    if key == "other":
        allowed = await services.db.run(attendance.may_explain, meeting_id, person, services.now())
        if not allowed:
            await _refuse(update, t)
            return _current(context)
        _forget(context)
        _data(context)[REASON_FOR] = meeting_id
        await reply(update, t("Write in a few words what happened. (/cancel to stop)"))
        return WAITING_REASON
    found = await services.db.run(
        attendance.explain, meeting_id, person, attendance.REASONS[key], services.now()
    )
    if found is None:
        await _refuse(update, t)
        return _current(context)
    services.wake_outbox()
    _forget(context)
    await reply(update, t("Thank you for telling. I told your coach."))
    return ConversationHandler.END


async def _typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, key: str
) -> tuple[Person, int, str] | None:
    """The awaited line and the meeting it is for (taken off the waiting list); None when
    nothing is awaited or the message is empty."""
    person = await acting_person(update, context)
    meeting_id = _data(context).pop(key, None)
    message = update.effective_message
    if person is None or meeting_id is None or message is None or not (message.text or "").strip():
        return None
    return person, meeting_id, message.text or ""


async def diary_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = await _typed(update, context, DIARY_FOR)
    if typed is None:
        return ConversationHandler.END
    person, meeting_id, text = typed
    services = services_of(context)
    t = translator(person.language)
    saved = await services.db.run(attendance.record_diary, meeting_id, person, text, services.now())
    await reply(
        update,
        t("Saved in the diary. Thank you!") if saved else t("Stopped. Nothing was recorded."),
    )
    return ConversationHandler.END


async def reason_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    typed = await _typed(update, context, REASON_FOR)
    if typed is None:
        return ConversationHandler.END
    person, meeting_id, text = typed
    services = services_of(context)
    t = translator(person.language)
    found = await services.db.run(attendance.explain, meeting_id, person, text, services.now())
    if found is None:
        await reply(update, t("Stopped. Nothing was sent."))
        return ConversationHandler.END
    services.wake_outbox()
    await reply(update, t("Thank you for telling. I told your coach."))
    return ConversationHandler.END


async def buttons_expected(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    await reply(update, t("Please choose with the buttons above, or /cancel to stop."))
    return WAITING_HOURS


async def text_expected(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    await reply(update, t("Please write your answer as text, or /cancel to stop."))
    return _current(context)


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel: the hours stay recorded; an unfinished answer is simply dropped."""
    data = _data(context)
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    if data.get(DIARY_FOR) is not None:
        text = t("The hours are saved without a diary line.")
    elif data.get(REASON_FOR) is not None:
        text = t("Stopped. Nothing was sent.")
    else:
        text = t("Stopped. Nothing was recorded.")
    _forget(context)
    await reply(update, text)
    return ConversationHandler.END


async def timed_out(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    _forget(context)


TEXT = filters.TEXT & ~filters.COMMAND
OTHER = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application (conversation state is per bot)."""
    return [
        ConversationHandler(
            entry_points=[CallbackQueryHandler(press, pattern=r"^at:")],
            states={
                WAITING_HOURS: [MessageHandler(TEXT | OTHER, buttons_expected)],
                WAITING_DIARY: [
                    MessageHandler(TEXT, diary_text),
                    MessageHandler(OTHER, text_expected),
                ],
                WAITING_REASON: [
                    MessageHandler(TEXT, reason_text),
                    MessageHandler(OTHER, text_expected),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", stop)],
            per_chat=True,
            per_user=True,
            allow_reentry=True,
            conversation_timeout=3600,
            name="attendance",
        ),
    ]
