"""The client's answers: check-in questions (`ci:<round>:<goal>:<1-5|d>`, and `…:w` for a
few words) and the end-of-period feedback (`fb:<period>:<1-5>`), each followed by
optional few words (the feedback's: written, or `fb:<period>:skip`).

One question at a time: after a tap the question turns into the answer (so the chat does
not fill with old buttons) and the next question comes at once; another copy of the same
question (the round's reminder, or the first question) loses its buttons. Once the
feedback's words are written (or /cancel), its Skip button goes too. The questions come from
the outbox whenever their round is due, and answers to an older round still count, so
their buttons are taken in any step and checked in the database on every press (whose
round, which goal, still open): what is not the client's, or no longer asked, is refused.
Only the feedback's Skip belongs to a step, the one waiting for the feedback's words;
pressed after the client has left it, it is answered "no longer valid".
"""

from __future__ import annotations

import contextlib
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.access import Refused, acting_person, person_of_role, reply, t_for
from bot.goals import actions, checkins
from bot.rules.goals import COMMENT_MAX, FEEDBACK_MAX
from bot.services import services_of
from handlers.ui import Awaiting, Context, expect_text, stale_buttons, text_done, typed_text
from messages.i18n import N_, translator
from messages.render import render, render_buttons
from storage.models import Person, Role

ID = r"(\d{1,12})"
ANSWER = rf"^ci:{ID}:{ID}:([1-5]|d)$"
WORDS = rf"^ci:{ID}:{ID}:w$"
SCORE = rf"^fb:{ID}:([1-5])$"
SKIP = rf"^fb:{ID}:skip$"
COMMENT, FEEDBACK_TEXT = range(2)
COMMENT_FOR = "checkins.comment_for"
FEEDBACK_FOR = "checkins.feedback_for"
# The questions this handler sent itself: "<round>:<goal>" → message id, so an answer
# given on another copy (the round's reminder) takes the buttons off this one too.
ASKED = "checkins.asked"
ASKED_KEPT = 20
WORDS_BUTTON = N_("✍ Add a few words")
END = ConversationHandler.END


def _data(context: Context) -> dict[Any, Any]:
    assert context.user_data is not None
    return context.user_data


def _forget(context: Context) -> None:
    _data(context).pop(COMMENT_FOR, None)
    _data(context).pop(FEEDBACK_FOR, None)
    text_done(context, "checkins")
    text_done(context, "feedback")


def _ids(context: Context) -> tuple[str, ...]:
    assert context.match is not None
    return context.match.groups()


async def _client(update: Update, context: Context) -> Person:
    return await person_of_role(update, context, Role.CLIENT)


def _markup(q: checkins.Question, language: str) -> InlineKeyboardMarkup:
    rows = render_buttons(q.buttons, language) or []
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def send_question(
    update: Update, context: Context, client: Person, q: checkins.Question | None
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
    sent = await chat.send_message(text, reply_markup=_markup(q, client.language))
    first = q.buttons[0][0]["data"] if q.buttons and q.buttons[0] else ""
    asked: dict[str, int] = _data(context).setdefault(ASKED, {})
    asked[":".join(first.split(":")[1:3])] = sent.message_id
    for old in list(asked)[:-ASKED_KEPT]:
        del asked[old]


async def _unbutton(update: Update, message_id: int | None) -> None:
    """Take the buttons off one of the bot's messages in this chat, if it still has them."""
    chat = update.effective_chat
    if message_id is None or chat is None:
        return
    with contextlib.suppress(BadRequest):  # no buttons any more, or the message is gone
        await chat.get_bot().edit_message_reply_markup(chat.id, message_id, reply_markup=None)


# --- check-ins ---------------------------------------------------------------------------
async def on_answer(update: Update, context: Context) -> int:
    """A tap answers the question at once and the next one follows; words are optional,
    asked only when the client taps "Add a few words"."""
    client = await _client(update, context)
    checkin_id, goal_id, value = _ids(context)
    services = services_of(context)
    query = update.callback_query
    assert query is not None
    shown = query.message.message_id if query.message is not None else None
    result = await services.db.run(
        actions.answer_checkin,
        client,
        int(checkin_id),
        int(goal_id),
        value,
        services.now(),
        shown,
    )
    if result is None:
        raise Refused(client, "not this client's question")
    services.wake_outbox()  # the round's other copies of this question lose their buttons
    t = translator(client.language)
    answer = t("✓ done") if result.done else f"{result.score}/5"
    await query.answer()
    await query.edit_message_text(
        t("🎯 {goal}\nYour answer: {answer}", goal=result.goal.text, answer=answer),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(t(WORDS_BUTTON), callback_data=f"ci:{checkin_id}:{goal_id}:w")]]
        ),
    )
    other = _data(context).get(ASKED, {}).pop(f"{checkin_id}:{goal_id}", None)
    if other != shown:
        await _unbutton(update, other)
    await send_question(update, context, client, result.following)
    # Words asked for earlier and not written yet are still awaited.
    return COMMENT if _data(context).get(COMMENT_FOR) else END


async def on_words(update: Update, context: Context) -> int:
    client = await _client(update, context)
    checkin_id, goal_id = (int(part) for part in _ids(context))
    goal = await services_of(context).db.run(checkins.answered_goal, client, checkin_id, goal_id)
    if goal is None:
        raise Refused(client, "not this client's answer")
    _forget(context)
    _data(context)[COMMENT_FOR] = (checkin_id, goal_id)
    expect_text(context, "checkins")
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    await query.answer()
    await query.edit_message_reply_markup(None)
    t = translator(client.language)
    await update.effective_chat.send_message(
        t("Write a few words about “{goal}”. (/cancel to stop)", goal=goal.text)
    )
    return COMMENT


async def _take_text(
    update: Update, context: Context, key: str, limit: int
) -> tuple[Person, Any, str] | int | None:
    """The awaited text with what it answers; None to stay (too long, asked again), END
    when nothing awaits it."""
    person = await acting_person(update, context)
    target = _data(context).get(key)
    message = update.effective_message
    if person is None or target is None or message is None:
        _forget(context)
        return END
    text = typed_text(update).strip()
    if len(text) > limit:
        t = translator(person.language)
        await reply(update, t("That is too long. Please write at most {n} characters.", n=limit))
        return None
    return person, target, text


async def on_comment(update: Update, context: Context) -> int | None:
    taken = await _take_text(update, context, COMMENT_FOR, COMMENT_MAX)
    if not isinstance(taken, tuple):
        return taken
    person, (checkin_id, goal_id), text = taken
    services = services_of(context)
    saved = await services.db.run(
        actions.comment_checkin, person, checkin_id, goal_id, text, services.now()
    )
    _forget(context)
    t = translator(person.language)
    await reply(update, t("Saved. Thank you!") if saved else t("Stopped. Nothing was recorded."))
    return END


# --- feedback at the end of a period -----------------------------------------------------
async def on_score(update: Update, context: Context) -> int:
    client = await _client(update, context)
    period_id, score = (int(part) for part in _ids(context))
    services = services_of(context)
    saved = await services.db.run(actions.feedback_score, client, period_id, score, services.now())
    if not saved:
        raise Refused(client, "not this client's period")
    services.wake_outbox()  # given after the summary, it follows it at once
    t = translator(client.language)
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(
        t(
            "Your answer: {score}/5. Thank you!\n\n"
            "Anything you want to say about the coaching? Write it now, or tap Skip.",
            score=score,
        ),
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(t(checkins.SKIP_BUTTON), callback_data=f"fb:{period_id}:skip")]]
        ),
    )
    _forget(context)
    assert query.message is not None
    _data(context)[FEEDBACK_FOR] = (period_id, query.message.message_id)
    expect_text(context, "feedback")
    return FEEDBACK_TEXT


async def on_skip(update: Update, context: Context) -> int:
    """No words: the tap is the feedback. Only on the question just answered."""
    client = await _client(update, context)
    query = update.callback_query
    assert query is not None
    shown = query.message.message_id if query.message is not None else None
    if _data(context).get(FEEDBACK_FOR) != (int(_ids(context)[0]), shown):
        raise Refused(client, "checkins: another feedback question")
    _forget(context)
    await query.edit_message_reply_markup(None)
    t = translator(client.language)
    await reply(update, t("Thank you for your feedback!"))
    return END


async def on_feedback_text(update: Update, context: Context) -> int | None:
    taken = await _take_text(update, context, FEEDBACK_FOR, FEEDBACK_MAX)
    if not isinstance(taken, tuple):
        return taken
    person, (period_id, question), text = taken
    services = services_of(context)
    saved = await services.db.run(actions.feedback_words, person, period_id, text, services.now())
    _forget(context)
    await _unbutton(update, question)  # the words are the answer: Skip has done its work
    t = translator(person.language)
    if not saved:
        await reply(update, t("Stopped. Nothing was recorded."))
        return END
    services.wake_outbox()
    await reply(update, t("Thank you for your feedback!"))
    return END


async def stop(update: Update, context: Context) -> int:
    """/cancel: the tap is kept; only the words are left out (and the feedback's Skip)."""
    feedback = _data(context).get(FEEDBACK_FOR)
    _forget(context)
    if feedback is not None:
        await _unbutton(update, feedback[1])
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    await reply(update, t("Your answer is saved without words."))
    return END


async def text_expected(update: Update, context: Context) -> None:
    """A sticker or a photo where words were asked for: ask again, stay in the step."""
    t = t_for(update, context, await acting_person(update, context))
    await reply(update, t("Please write your answer as text, or /cancel to stop."))


async def forget(update: object, context: Context) -> None:
    """An hour without the words: nothing waits for them any more."""
    _forget(context)


def words(
    application: Application,  # type: ignore[type-arg]
    owner: str,
) -> tuple[filters.BaseFilter, filters.BaseFilter]:
    """The messages a step waiting for `owner`'s words takes: the text, and anything else
    (asked again), only while `owner` is the flow that asked for a text last."""
    awaited = Awaiting(application, owner)
    text = filters.TEXT & ~filters.COMMAND & awaited
    other = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL & awaited
    return text, other


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application (conversation state is per bot)."""
    comment, not_comment = words(application, "checkins")
    feedback, not_feedback = words(application, "feedback")
    return [
        ConversationHandler(
            entry_points=[
                CallbackQueryHandler(on_answer, pattern=ANSWER),
                CallbackQueryHandler(on_words, pattern=WORDS),
                CallbackQueryHandler(on_score, pattern=SCORE),
            ],
            states={
                COMMENT: [
                    MessageHandler(comment, on_comment),
                    MessageHandler(not_comment, text_expected),
                ],
                FEEDBACK_TEXT: [
                    CallbackQueryHandler(on_skip, pattern=SKIP),
                    MessageHandler(feedback, on_feedback_text),
                    MessageHandler(not_feedback, text_expected),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, forget)],
            },
            fallbacks=[
                CommandHandler(
                    "cancel", stop, filters=Awaiting(application, "checkins", "feedback")
                ),
                stale_buttons("ci:"),
                stale_buttons("fb:"),
            ],
            allow_reentry=True,
            conversation_timeout=3600,
            name="checkins",
        )
    ]
