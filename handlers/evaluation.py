"""The coach's end-of-period evaluation, from the prompt's button (`ev:<period>:go`).

Each open goal of the period in turn: reached / partly / not reached (`ev:<period>:<goal>:
<r|p|n>`) and a line of evidence; then the next steps (required in spirit for a
job-coaching period with fewer than two goals reached, which the bot points out); then the
number reached is recorded and the summary goes to the client and the caseworker.
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
from bot.goals import evaluation as period_review
from bot.goals import texts as goal_texts
from bot.rules.goals import EVIDENCE_MAX, FEEDBACK_MAX, GoalStatus, needs_next_steps
from bot.services import services_of
from handlers.ui import Awaiting, expect_text, show, text_done
from messages.i18n import translator
from messages.render import render
from storage import goals
from storage.models import Person, Role

PRESS = re.compile(r"^ev:(\d{1,12}):(?:(go|skip)|(\d{1,12}):(r|p|n))$")
EVIDENCE, NEXT_STEPS = range(2)
STATE = "evaluation.state"
OWNER = "evaluation"
STATUSES = {"r": GoalStatus.REACHED, "p": GoalStatus.PARTLY, "n": GoalStatus.NOT_REACHED}


def _data(context: ContextTypes.DEFAULT_TYPE) -> dict[Any, Any]:
    assert context.user_data is not None
    return context.user_data


async def _coach(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Person | None:
    person = await acting_person(update, context)
    if person is None or person.role != Role.COACH.value:
        await refuse_button(update, context, person)
        return None
    return person


async def step(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    coach: Person,
    period_id: int,
    *,
    new: bool = False,
) -> int:
    """Ask about the next open goal, or for the next steps when all are evaluated.

    From the prompt (`new`) the steps come as new messages, so the prompt keeps its
    button: after /cancel or a pause the coach continues from it."""
    services = services_of(context)
    t = translator(coach.language)
    found = await services.db.run(period_review.evaluation, coach, period_id)
    chat = update.effective_chat
    assert chat is not None
    if found is None:
        _forget(context)
        await chat.send_message(t("This is no longer available to you."))
        return ConversationHandler.END
    if found.evaluated:
        _forget(context)
        await chat.send_message(t("This period is evaluated already; the summary was sent."))
        return ConversationHandler.END
    if found.next_goal is not None:
        goal = found.next_goal
        history = await services.db.run(goals.history, goal.client_id)
        points = history.get(goal.id or 0, [])
        choices = (("✅", "Reached", "r"), ("◐", "Partly reached", "p"), ("✖", "Not reached", "n"))
        rows = [
            [
                InlineKeyboardButton(
                    f"{mark} {t(label)}", callback_data=f"ev:{period_id}:{goal.id}:{k}"
                )
            ]
            for mark, label, k in choices
        ]
        n = found.goals.index(goal) + 1
        await show(
            update,
            t(
                "{client}, goal {n}/{total}:\n🎯 {goal}\nReached when: {criterion}\n"
                "Latest check-in: {latest}\n\nWas it reached?",
                client=found.client.display_name,
                n=n,
                total=len(found.goals),
                goal=goal.text,
                criterion=goal.criterion,
                latest=goal_texts.answer_text(points[-1] if points else None, t),
            ),
            InlineKeyboardMarkup(rows),
            new=new,
        )
        _data(context)[STATE] = {"period": period_id}
        text_done(context, OWNER)
        return ConversationHandler.END
    unmet = needs_next_steps(found.period.program_key, found.reached, None)
    text = t("All goals evaluated: {reached} of {total} reached.", reached=found.reached,
             total=len(found.goals))  # fmt: skip
    if unmet:
        text += "\n\n" + t(
            "⚠ Fewer than two goals were reached. A job-coaching period should end with at "
            "least two goals or results reached, or concrete next steps. Please write the "
            "next steps agreed with the client."
        )
    else:
        text += "\n\n" + t("Write the next steps agreed with the client, or tap Skip.")
    skip = InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("Skip ▶"), callback_data=f"ev:{period_id}:skip")]]
    )
    await show(update, text, skip, new=new)
    _data(context)[STATE] = {"period": period_id, "expect": "next_steps"}
    expect_text(context, OWNER)
    return NEXT_STEPS


async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    query = update.callback_query
    assert query is not None
    match = PRESS.match(query.data or "")
    coach = await _coach(update, context)
    if coach is None:
        return ConversationHandler.END
    if match is None:
        await refuse_button(update, context, coach)
        return ConversationHandler.END
    t = translator(coach.language)
    period_id = int(match[1])
    if match[2] == "go":
        await query.answer()  # the steps come as new messages; the tap is answered here
        return await step(update, context, coach, period_id, new=True)
    if match[2] == "skip":
        return await _finish(update, context, coach, period_id, None)
    goal_id, status = int(match[3]), STATUSES[match[4]]
    services = services_of(context)
    found = await services.db.run(period_review.evaluation, coach, period_id)
    if found is None or goal_id not in {g.id for g in found.goals}:
        await refuse_button(update, context, coach)
        return ConversationHandler.END
    _data(context)[STATE] = {"period": period_id, "goal": goal_id, "status": status.value}
    expect_text(context, OWNER)
    await show(
        update,
        t(
            "{status}. Write one line of evidence: what shows it? E.g. “5 applications "
            "sent, copies in the folder”.",
            status=t(goal_texts.STATUS_NAMES[status]),
        ),
    )
    return EVIDENCE


async def on_evidence(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    coach = await acting_person(update, context)
    state = _data(context).get(STATE) or {}
    message = update.effective_message
    if coach is None or "goal" not in state or message is None:
        return ConversationHandler.END
    t = translator(coach.language)
    text = " ".join((message.text or "").split())
    if not text or len(text) > EVIDENCE_MAX:
        await reply(update, t("Please write one line of evidence (at most {n} characters).",
                              n=EVIDENCE_MAX))  # fmt: skip
        return EVIDENCE
    services = services_of(context)
    closed = await services.db.run(
        goals.close_goal, coach, state["goal"], GoalStatus(state["status"]), text, services.now()
    )
    if closed is None:
        _forget(context)
        await reply(update, t("This is no longer available to you."))
        return ConversationHandler.END
    return await step(update, context, coach, state["period"], new=True)


async def on_next_steps(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    coach = await acting_person(update, context)
    state = _data(context).get(STATE) or {}
    message = update.effective_message
    if coach is None or state.get("expect") != "next_steps" or message is None:
        return ConversationHandler.END
    t = translator(coach.language)
    text = " ".join((message.text or "").split())
    if not text or len(text) > FEEDBACK_MAX:
        await reply(update, t("That is too long. Please write at most {n} characters.",
                              n=FEEDBACK_MAX))  # fmt: skip
        return NEXT_STEPS
    return await _finish(update, context, coach, state["period"], text)


async def _finish(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    coach: Person,
    period_id: int,
    next_steps: str | None,
) -> int:
    services = services_of(context)
    t = translator(coach.language)
    state = _data(context).get(STATE) or {}
    if state.get("period") != period_id or state.get("expect") != "next_steps":
        await refuse_button(update, context, coach)
        return ConversationHandler.END

    saved = await services.db.run(
        period_review.finish, coach, period_id, next_steps, services.now()
    )
    _forget(context)
    if saved is None:
        await reply(update, t("This is no longer available to you."))
        return ConversationHandler.END
    services.wake_outbox()
    if update.callback_query is not None:
        await update.callback_query.edit_message_reply_markup(None)  # reply() answers it
    summary = render(period_review.REPORT, saved, coach.language, services.settings.tz)
    done = t("Recorded. The summary went to the client and the caseworker.")
    await reply(update, f"{summary}\n\n{done}")
    return ConversationHandler.END


async def text_expected(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    await reply(update, t("Please write your answer as text, or /cancel to stop."))
    state = _data(context).get(STATE) or {}
    return EVIDENCE if "goal" in state else NEXT_STEPS


async def stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/cancel: what is evaluated stays; the prompt's button continues later."""
    _forget(context)
    person = await acting_person(update, context)
    t = t_for(update, context, person)
    await reply(update, t("Paused. The goals evaluated so far are saved; continue from the "
                          "“Evaluate the goals” button."))  # fmt: skip
    return ConversationHandler.END


async def timed_out(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    _forget(context)


def _forget(context: ContextTypes.DEFAULT_TYPE) -> None:
    _data(context).pop(STATE, None)
    text_done(context, OWNER)


TEXT = filters.TEXT & ~filters.COMMAND
OTHER = ~filters.TEXT & ~filters.COMMAND & ~filters.StatusUpdate.ALL


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application (conversation state is per bot); a text
    is taken only while the evaluation is the flow that asked for it last."""
    press = CallbackQueryHandler(on_press, pattern=r"^ev:")
    text = TEXT & Awaiting(application, OWNER)
    other = OTHER & Awaiting(application, OWNER)
    return [
        ConversationHandler(
            entry_points=[press],
            states={
                EVIDENCE: [
                    press,
                    MessageHandler(text, on_evidence),
                    MessageHandler(other, text_expected),
                ],
                NEXT_STEPS: [
                    press,
                    MessageHandler(text, on_next_steps),
                    MessageHandler(other, text_expected),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", stop, filters=Awaiting(application, OWNER))],
            allow_reentry=True,
            conversation_timeout=3600,
            name="evaluation",
        )
    ]
