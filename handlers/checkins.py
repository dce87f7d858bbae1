"""The client's answers: check-in questions (`ci:<round>:<goal>:<1-5|d|skip>`) and the
end-of-period feedback (`fb:<period>:<1-5|skip>`), each followed by optional few words.

One question at a time: after a tap the question turns into the answer (so the chat does
not fill with old buttons) and the next question comes once the words are written or
skipped. Every press is checked in the database (whose round, which goal), and answers
to an older round are still accepted.
"""

from __future__ import annotations

import re
from typing import Any

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

from bot.access import acting_person, refuse_button, reply, t_for
from bot.goals import checkins
from bot.goals import evaluation as period_review
from bot.rules.goals import COMMENT_MAX, FEEDBACK_MAX
from bot.services import services_of
from handlers.ui import Awaiting, expect_text, text_done
from messages.i18n import N_, Translator, translator
from messages.render import render, render_buttons
from storage.models import Person, Role

CHECKIN = re.compile(r"^ci:(\d{1,12}):(\d{1,12}):([1-5]|d|w)$")
FEEDBACK = re.compile(r"^fb:(\d{1,12}):([1-5]|skip)$")
COMMENT, FEEDBACK_TEXT = range(2)
COMMENT_FOR = "checkins.comment_for"
FEEDBACK_FOR = "checkins.feedback_for"
WORDS_BUTTON = N_("✍ Add a few words")


def _data(context: ContextTypes.DEFAULT_TYPE) -> dict[Any, Any]:
    assert context.user_data is not None
    return context.user_data


def _forget(context: ContextTypes.DEFAULT_TYPE) -> None:
    _data(context).pop(COMMENT_FOR, None)
    _data(context).pop(FEEDBACK_FOR, None)
    text_done(context, "checkins")
    text_done(context, "feedback")


def _skip(t: Translator, data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t(checkins.SKIP_BUTTON), callback_data=data)]]
    )


async def _client(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Person | None:
    person = await acting_person(update, context)
    if person is None or person.role != Role.CLIENT.value:
        await refuse_button(update, context, person)
        return None
    return person


def _markup(q: checkins.Question, language: str) -> InlineKeyboardMarkup:
    rows = render_buttons(q.buttons, language) or []
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def send_question(
    update: Update, context: ContextTypes.DEFAULT_TYPE, client: Person, q: checkins.Question | None
) -> None:
    """The next question of the round, or thanks when all are answered."""
    t = translator(client.language)
    chat = update.effective_chat
    assert chat is not None
    if q is None:
        await chat.send_message(t("Thank you! That was all. Your coach sees your answers."))
        return
    tz = services_of(context).settings.tz
    text = render(q.message, q.params, client.language, tz)
    await chat.send_message(text, reply_markup=_markup(q, client.language))


# --- check-ins ---------------------------------------------------------------------------
async def on_checkin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A tap answers the question at once and the next one follows; words are optional,
    asked only when the client taps "Add a few words"."""
    query = update.callback_query
    assert query is not None
    match = CHECKIN.match(query.data or "")
    if match is None:
        await refuse_button(update, context, await acting_person(update, context))
        return ConversationHandler.END
    client = await _client(update, context)
    if client is None:
        return ConversationHandler.END
    checkin_id, goal_id, value = int(match[1]), int(match[2]), match[3]
    services = services_of(context)
    t = translator(client.language)
    if value == "w":
        goal = await services.db.run(checkins.answered_goal, client, checkin_id, goal_id)
        if goal is None:
            await refuse_button(update, context, client)
            return ConversationHandler.END
        _forget(context)
        _data(context)[COMMENT_FOR] = (checkin_id, goal_id)
        expect_text(context, "checkins")
        await query.answer()
        await query.edit_message_reply_markup(None)
        assert update.effective_chat is not None
        await update.effective_chat.send_message(
            t("Write a few words about “{goal}”. (/cancel to stop)", goal=goal.text)
        )
        return COMMENT
    result = await services.db.run(
        checkins.answer, client, checkin_id, goal_id, value, services.now()
    )
    if result is None:
        await refuse_button(update, context, client)
        return ConversationHandler.END
    answer = t("✓ done") if result.done else f"{result.score}/5"
    await query.answer()
    await query.edit_message_text(
        t("🎯 {goal}\nYour answer: {answer}", goal=result.goal.text, answer=answer),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(t(WORDS_BUTTON), callback_data=f"ci:{checkin_id}:{goal_id}:w")]]
        ),
    )
    await send_question(update, context, client, result.following)
    # Words asked for earlier and not written yet are still awaited.
    return COMMENT if _data(context).get(COMMENT_FOR) else ConversationHandler.END


async def _take_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, key: str, limit: int, state: int
) -> tuple[Person, Any, str] | int:
    """The awaited text with what it answers, or the state to stay in (too long) or END."""
    person = await acting_person(update, context)
    target = _data(context).get(key)
    message = update.effective_message
    if person is None or target is None or message is None:
        _forget(context)
        return ConversationHandler.END
    text = (message.text or "").strip()
    if len(text) > limit:
        t = translator(person.language)
        await reply(update, t("That is too long. Please write at most {n} characters.", n=limit))
        return state
    return person, target, text


async def on_comment(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    taken = await _take_text(update, context, COMMENT_FOR, COMMENT_MAX, COMMENT)
    if isinstance(taken, int):
        return taken
    person, (checkin_id, goal_id), text = taken
    services = services_of(context)
    saved = await services.db.run(
        checkins.comment, person, checkin_id, goal_id, text, services.now()
    )
    _forget(context)
    t = translator(person.language)
    await reply(update, t("Saved. Thank you!") if saved else t("Stopped. Nothing was recorded."))
    return ConversationHandler.END


# --- feedback at the end of a period -----------------------------------------------------
async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None
    match = FEEDBACK.match(query.data or "")
    client = await _client(update, context) if match else None
    if match is None or client is None:
        if match is None:
            await refuse_button(update, context, await acting_person(update, context))
        return ConversationHandler.END
    period_id, value = int(match[1]), match[2]
    services = services_of(context)
    t = translator(client.language)
    if value == "skip":
        _forget(context)
        saved = await services.db.run(
            period_review.record_feedback_text, client, period_id, None, services.now()
        )
        if not saved:
            await refuse_button(update, context, client)
            return ConversationHandler.END
        services.wake_outbox()
        await query.edit_message_reply_markup(None)
        await reply(update, t("Thank you for your feedback!"))
        return ConversationHandler.END
    saved = await services.db.run(
        period_review.record_feedback_score, client, period_id, int(value), services.now()
    )
    if not saved:
        await refuse_button(update, context, client)
        return ConversationHandler.END
    await query.answer()
    await query.edit_message_text(
        t(
            "Your answer: {score}/5. Thank you!\n\n"
            "Anything you want to say about the coaching? Write it now, or tap Skip.",
            score=value,
        ),
        reply_markup=_skip(t, f"fb:{period_id}:skip"),
    )
    _forget(context)
    _data(context)[FEEDBACK_FOR] = period_id
    expect_text(context, "feedback")
    return FEEDBACK_TEXT


async def on_feedback_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    taken = await _take_text(update, context, FEEDBACK_FOR, FEEDBACK_MAX, FEEDBACK_TEXT)
    if isinstance(taken, int):
        return taken
    person, period_id, text = taken
    services = services_of(context)
    saved = await services.db.run(
        period_review.record_feedback_text, person, period_id, text, services.now()
    )
    _forget(context)
    t = translator(person.language)
    if not saved:
        await reply(update, t("Stopped. Nothing was recorded."))
        return ConversationHandler.END
    services.wake_outbox()
    await reply(update, t("Thank you for your feedback!"))
    return ConversationHandler.END


async def text_expected(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    await reply(update, t("Please write your answer as text, or /cancel to stop."))
    return COMMENT if _data(context).get(COMMENT_FOR) else FEEDBACK_TEXT


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel: the tap is kept; only the words are left out."""
    _forget(context)
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    await reply(update, t("Your answer is saved without words."))
    return ConversationHandler.END


async def timed_out(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    _forget(context)


TEXT = filters.TEXT & ~filters.COMMAND
OTHER = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application (conversation state is per bot); a text
    is taken only while this flow is the one that asked for it last."""
    comment = TEXT & Awaiting(application, "checkins")
    feedback = TEXT & Awaiting(application, "feedback")
    presses = [
        CallbackQueryHandler(on_checkin, pattern=r"^ci:"),
        CallbackQueryHandler(on_feedback, pattern=r"^fb:"),
    ]
    return [
        ConversationHandler(
            entry_points=presses,
            states={
                COMMENT: [
                    *presses,
                    MessageHandler(comment, on_comment),
                    MessageHandler(OTHER & Awaiting(application, "checkins"), text_expected),
                ],
                FEEDBACK_TEXT: [
                    *presses,
                    MessageHandler(feedback, on_feedback_text),
                    MessageHandler(OTHER & Awaiting(application, "feedback"), text_expected),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                CommandHandler(
                    "cancel", stop, filters=Awaiting(application, "checkins", "feedback")
                )
            ],
            allow_reentry=True,
            conversation_timeout=3600,
            name="checkins",
        )
    ]
