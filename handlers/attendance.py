"""Answers to the attendance prompt, and a client's reason for a no-show.

Routed by state (the button formats are in `bot.attendance.buttons`): a prompt's answers
and the client's reasons start the conversation from any state; the hours buttons are
taken only while the hours are asked, for that meeting; the diary line and the client's
own words only while they are awaited. Any other `at:` press is answered "no longer
valid" by the last fallback. Callback data carries ids and actions only; every press is
still checked against the database (whose meeting, which state), so a forged or stale
button changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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

from bot.access import Refused, acting_person, person_of_role, reply, t_for
from bot.attendance import actions as attendance
from bot.attendance import buttons, texts
from bot.attendance.actions import ReasonAnswer, ReasonState
from bot.services import services_of
from handlers.ui import stale_buttons, typed_text
from messages.formatting import locale_of
from messages.i18n import N_, Translator, translator
from storage.models import Person, Role

WAITING_HOURS, WAITING_DIARY, WAITING_REASON = range(3)
HOURS_FOR = "attendance.hours_for"
DIARY_FOR = "attendance.diary_for"
REASON_FOR = "attendance.reason_for"
Step = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[int | None]]


def _data(context: ContextTypes.DEFAULT_TYPE) -> dict[Any, Any]:
    assert context.user_data is not None
    return context.user_data


def _forget(context: ContextTypes.DEFAULT_TYPE) -> None:
    for key in (HOURS_FOR, DIARY_FOR, REASON_FOR):
        _data(context).pop(key, None)


def _pressed(context: ContextTypes.DEFAULT_TYPE, group: int = 1) -> str:
    """A part of the pressed button's data, as its handler's pattern matched it."""
    assert context.matches
    return context.matches[0].group(group)


async def _pressing(
    update: Update, context: ContextTypes.DEFAULT_TYPE, role: Role
) -> tuple[Person, int]:
    """The person of `role` pressing, and the meeting of the button; else Refused."""
    return await person_of_role(update, context, role), int(_pressed(context))


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
                callback_data=buttons.hours(meeting_id, planned),
            )
        ]
    ]
    keys = [
        InlineKeyboardButton(
            t("{hours} h", hours=hours_label(m, language)),
            callback_data=buttons.hours(meeting_id, m),
        )
        for m in others
    ]
    rows += [keys[i : i + 4] for i in range(0, len(keys), 4)]
    return InlineKeyboardMarkup(rows)


def _reason_keyboard(meeting_id: int, t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("Unknown: alert the caseworker now"),
                    callback_data=buttons.data(meeting_id, "unknown"),
                )
            ],
            [
                InlineKeyboardButton(
                    t("Ask the client first"), callback_data=buttons.data(meeting_id, "wait")
                )
            ],
        ]
    )


# --- the coach ---------------------------------------------------------------------------
async def diary_expected(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A button of the meeting whose diary line is awaited: it is recorded already, the
    line is what is missing. Another meeting's hours are stale."""
    person, meeting_id = await _pressing(update, context, Role.COACH)
    if _data(context).get(DIARY_FOR) != meeting_id:
        raise Refused(person, "attendance: not this meeting")
    assert update.callback_query is not None
    t = translator(person.language)
    await update.callback_query.answer(
        t("Please write a line about what was done, as text. (/cancel leaves it empty)"),
        show_alert=True,
    )
    return WAITING_DIARY


def _unless_writing_diary(step: Step) -> Step:
    """While a diary line is awaited, a prompt's answer for that meeting (its outcome is
    recorded) gets the diary hint; another meeting's starts over as usual."""

    @functools.wraps(step)
    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
        if _data(context).get(DIARY_FOR) == int(_pressed(context)):
            return await diary_expected(update, context)
        return await step(update, context)

    return answer


async def attended(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person, meeting_id = await _pressing(update, context, Role.COACH)
    services = services_of(context)
    found = await services.db.run(attendance.open_for_coach, meeting_id, person, services.now())
    if found is None:
        raise Refused(person, "attendance")
    _forget(context)
    _data(context)[HOURS_FOR] = meeting_id
    t = translator(person.language)
    choices = attendance.hour_choices(found.meeting)
    await reply(
        update,
        t("How many hours were used?"),
        reply_markup=_hours_keyboard(meeting_id, choices, t),
    )
    return WAITING_HOURS


async def hours(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The hours of the meeting being recorded; then its diary line is asked."""
    person, meeting_id = await _pressing(update, context, Role.COACH)
    if _data(context).get(HOURS_FOR) != meeting_id:
        raise Refused(person, "attendance: not this meeting")
    minutes = int(_pressed(context, 2))
    services = services_of(context)
    recorded = await services.db.run(
        attendance.record_attended, meeting_id, person, minutes, services.now()
    )
    if recorded is None:
        raise Refused(person, "attendance")
    _forget(context)
    _data(context)[DIARY_FOR] = meeting_id
    t = translator(person.language)
    await reply(
        update,
        t(
            "Recorded: {hours} h. What was done? Write one line for the diary.",
            hours=hours_label(minutes, person.language),
        ),
    )
    return WAITING_DIARY


async def no_show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person, meeting_id = await _pressing(update, context, Role.COACH)
    services = services_of(context)
    recorded = await services.db.run(
        attendance.record_no_show, meeting_id, person, services.now(), services.settings.tz
    )
    if recorded is None:
        raise Refused(person, "attendance")
    services.wake_outbox()
    _forget(context)
    t = translator(person.language)
    planned = attendance.planned_minutes(recorded.found.meeting)
    text = t(
        "Recorded as a no-show: {client}. The planned {hours} h are billable.\n"
        "I am asking {client} what happened. Is the reason known?",
        client=recorded.found.client.display_name,
        hours=hours_label(planned, person.language),
    )
    if recorded.alerted:
        text += "\n" + t("This is a repeated no-show, so the caseworker is alerted.")
    await reply(update, text, reply_markup=_reason_keyboard(meeting_id, t))
    return ConversationHandler.END


async def cancelled(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person, meeting_id = await _pressing(update, context, Role.COACH)
    services = services_of(context)
    recorded = await services.db.run(
        attendance.record_cancelled, meeting_id, person, services.now()
    )
    if recorded is None:
        raise Refused(person, "attendance")
    services.wake_outbox()
    _forget(context)
    t = translator(person.language)
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
            reason=t(answer.reason) if answer.reason in texts.REASONS.values() else answer.reason,
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


async def reason_known(
    update: Update, context: ContextTypes.DEFAULT_TYPE, *, unknown: bool
) -> None:
    """Is the no-show's reason known? Answerable at any time; the state stays as it was
    (None), so a diary line awaited meanwhile is still awaited."""
    person, meeting_id = await _pressing(update, context, Role.COACH)
    services = services_of(context)
    answer = await services.db.run(
        attendance.reason_known, meeting_id, person, services.now(), unknown=unknown
    )
    if answer is None:
        raise Refused(person, "attendance")
    if answer.alerted:
        services.wake_outbox()
    await reply(update, _reason_text(answer, translator(person.language)))


# --- the client ------------------------------------------------------------------------
async def client_reason(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person, meeting_id = await _pressing(update, context, Role.CLIENT)
    reason = texts.REASONS[_pressed(context, 2)]
    services = services_of(context)
    found = await services.db.run(attendance.explain, meeting_id, person, reason, services.now())
    if found is None:
        raise Refused(person, "attendance")
    services.wake_outbox()
    _forget(context)
    t = translator(person.language)
    await reply(update, t("Thank you for telling. I told your coach."))
    return ConversationHandler.END


async def client_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person, meeting_id = await _pressing(update, context, Role.CLIENT)
    services = services_of(context)
    if not await services.db.run(attendance.may_explain, meeting_id, person, services.now()):
        raise Refused(person, "attendance")
    _forget(context)
    _data(context)[REASON_FOR] = meeting_id
    t = translator(person.language)
    await reply(update, t("Write in a few words what happened. (/cancel to stop)"))
    return WAITING_REASON


# --- the awaited line of text ----------------------------------------------------------
@dataclass(frozen=True)
class Awaited:
    """A line of text one step waits for: where its meeting is kept, what saves it, and
    what the writer is told."""

    key: str
    save: Callable[..., object | None]
    saved: str
    dropped: str
    tells: bool  # saving it queues a message: wake the outbox


DIARY = Awaited(
    DIARY_FOR,
    attendance.record_diary,
    N_("Saved in the diary. Thank you!"),
    N_("Stopped. Nothing was recorded."),
    tells=False,
)
REASON = Awaited(
    REASON_FOR,
    attendance.explain,
    N_("Thank you for telling. I told your coach."),
    N_("Stopped. Nothing was sent."),
    tells=True,
)


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE, *, awaited: Awaited) -> int:
    """The awaited line for the meeting it was asked for (taken off the waiting list)."""
    person = await acting_person(update, context)
    meeting_id = _data(context).pop(awaited.key, None)
    text = typed_text(update) or None
    if person is None or meeting_id is None or not (text or "").strip():
        return ConversationHandler.END
    services = services_of(context)
    t = translator(person.language)
    saved = await services.db.run(awaited.save, meeting_id, person, text, services.now())
    if saved is None:
        await reply(update, t(awaited.dropped))
        return ConversationHandler.END
    if awaited.tells:
        services.wake_outbox()
    await reply(update, t(awaited.saved))
    return ConversationHandler.END


async def buttons_expected(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    await reply(update, t("Please choose with the buttons above, or /cancel to stop."))
    return WAITING_HOURS


async def text_expected(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    await reply(update, t("Please write your answer as text, or /cancel to stop."))


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
    """Fresh handler objects for each Application (conversation state is per bot).

    A prompt's answers and the client's reasons start (or start over) from any state, so
    each state lists them; the rest of a state's list is what that step takes."""
    prompt = {attended: buttons.ATTENDED, no_show: buttons.NO_SHOW, cancelled: buttons.CANCELLED}
    answers = [
        CallbackQueryHandler(functools.partial(reason_known, unknown=True), buttons.REASON_UNKNOWN),
        CallbackQueryHandler(functools.partial(reason_known, unknown=False), buttons.REASON_WAIT),
        CallbackQueryHandler(client_reason, pattern=buttons.CLIENT_REASON),
        CallbackQueryHandler(client_other, pattern=buttons.CLIENT_OTHER),
    ]
    entries = [CallbackQueryHandler(step, pattern) for step, pattern in prompt.items()] + answers
    return [
        ConversationHandler(
            entry_points=entries,
            states={
                WAITING_HOURS: [
                    CallbackQueryHandler(hours, pattern=buttons.HOURS),
                    *entries,
                    MessageHandler(TEXT | OTHER, buttons_expected),
                ],
                WAITING_DIARY: [
                    CallbackQueryHandler(diary_expected, pattern=buttons.HOURS),
                    *[
                        CallbackQueryHandler(_unless_writing_diary(step), pattern)
                        for step, pattern in prompt.items()
                    ],
                    *answers,
                    MessageHandler(TEXT, functools.partial(typed, awaited=DIARY)),
                    MessageHandler(OTHER, text_expected),
                ],
                WAITING_REASON: [
                    *entries,
                    MessageHandler(TEXT, functools.partial(typed, awaited=REASON)),
                    MessageHandler(OTHER, text_expected),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", stop), stale_buttons(buttons.PREFIX)],
            per_chat=True,
            per_user=True,
            conversation_timeout=3600,
            name="attendance",
        ),
    ]
