"""The coach's end-of-period evaluation, from the prompt's button (`ev:<period>:go`).

Each open goal of the period in turn: reached / partly / not reached (`ev:<period>:<goal>:
<r|p|n>`) and a line of evidence; then the next steps (required in spirit for a
job-coaching period with fewer than two goals reached, which the bot points out); then the
number reached is recorded and the summary goes to the client and the caseworker.

Routed by state: the prompt's button (kept on the prompt, and in /goals) starts afresh at
any time from where the evaluation stands; each step takes only its own buttons, for its
own period, on this run's message. A button of a step left behind (after /cancel, another
command, or a new start) is answered "no longer valid". What is evaluated is saved goal
by goal, so a pause loses nothing. When the evaluation is recorded, no button is left
that would ask for it again: the last step's Skip goes, and the prompts lose theirs (via
the outbox); after /cancel the step's buttons go, and the prompt's button continues.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

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
)

from bot.access import acting_person, person_of_role, reply, t_for
from bot.goals import actions
from bot.goals import evaluation as period_review
from bot.goals import texts as goal_texts
from bot.rules.goals import EVIDENCE_MAX, FEEDBACK_MAX, GoalStatus, needs_next_steps
from handlers.checkins import text_expected, words
from handlers.ui import (
    Awaiting,
    Context,
    Flow,
    Steps,
    Turn,
    expect_text,
    stale_buttons,
    text_done,
    typed_text,
)
from messages.render import render
from storage import goals
from storage.models import Role

ID = r"(\d{1,12})"
STATUS, EVIDENCE, NEXT_STEPS = range(3)
OWNER = "evaluation"
STATUSES = {"r": GoalStatus.REACHED, "p": GoalStatus.PARTLY, "n": GoalStatus.NOT_REACHED}
END = ConversationHandler.END


@dataclass
class Draft(Steps):
    """The period being evaluated, and the result whose evidence is being written."""

    period_id: int | None = None
    goal_id: int | None = None
    status: str | None = None


FLOW = Flow(key="evaluation", draft=Draft, roles=(Role.COACH,), prefix="ev")
TextStep = Callable[[Turn[Draft], str], Awaitable[int | None]]


def _forget(context: Context) -> int:
    text_done(context, OWNER)
    return FLOW.end(context)


async def _unbutton_step(update: Update, context: Context) -> None:
    """The run's own message (a step's question) loses its buttons: the run is over."""
    draft = (context.user_data or {}).get(FLOW.key)
    chat = update.effective_chat
    if not isinstance(draft, Draft) or draft.message_id is None or chat is None:
        return
    with contextlib.suppress(BadRequest):  # no buttons any more, or the message is gone
        await chat.get_bot().edit_message_reply_markup(chat.id, draft.message_id, reply_markup=None)


async def step(turn: Turn[Draft], *, new: bool = False) -> int:
    """Ask about the next open goal, or for the next steps when all are evaluated.

    From the prompt (`new`) the steps come as new messages, so the prompt keeps its
    button: after /cancel or a pause the coach continues from it."""
    draft, services, t = turn.draft, turn.services, turn.t
    assert draft.period_id is not None
    period_id = draft.period_id
    found = await services.db.run(period_review.evaluation, turn.person, period_id)
    chat = turn.update.effective_chat
    assert chat is not None
    if found is None:
        await chat.send_message(t("This is no longer available to you."))
        return _forget(turn.context)
    if found.evaluated:
        await chat.send_message(t("This period is evaluated already; the summary was sent."))
        return _forget(turn.context)
    draft.goal_id = draft.status = None
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
        await turn.show(
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
        text_done(turn.context, OWNER)
        return STATUS
    unmet = needs_next_steps(found.min_reached, found.reached, None)
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
    await turn.show(text, skip, new=new)
    expect_text(turn.context, OWNER)
    return NEXT_STEPS


async def on_go(update: Update, context: Context) -> int:
    """The prompt's button (or the one in /goals), on any message: start afresh from
    where the evaluation stands; an earlier run's buttons are stale from now on."""
    coach = await person_of_role(update, context, Role.COACH)
    assert context.match is not None
    draft = FLOW.begin(context, Draft(period_id=int(context.match[1])))
    query = update.callback_query
    assert query is not None
    await query.answer()  # the steps come as new messages; the tap is answered here
    return await step(Turn(update, context, coach, draft), new=True)


def _of_this_run(turn: Turn[Draft]) -> int:
    """The period a step's button names: the one being evaluated, else refused."""
    period_id = int(turn.group(1))
    if turn.draft.period_id != period_id:
        raise turn.refused("evaluation: another period")
    return period_id


async def on_result(turn: Turn[Draft]) -> int:
    """Reached / partly / not reached for the goal asked about: its evidence next."""
    period_id = _of_this_run(turn)
    goal_id, status = int(turn.group(2)), STATUSES[turn.group(3)]
    found = await turn.services.db.run(period_review.evaluation, turn.person, period_id)
    if found is None or found.next_goal is None or found.next_goal.id != goal_id:
        raise turn.refused("evaluation: not the goal asked about")
    turn.draft.goal_id, turn.draft.status = goal_id, status.value
    expect_text(turn.context, OWNER)
    t = turn.t
    await turn.show(
        t(
            "{status}. Write one line of evidence: what shows it? E.g. “5 applications "
            "sent, copies in the folder”.",
            status=t(goal_texts.STATUS_NAMES[status]),
        ),
    )
    return EVIDENCE


async def on_evidence(turn: Turn[Draft], text: str) -> int | None:
    draft, services = turn.draft, turn.services
    if draft.goal_id is None or draft.status is None:
        return _forget(turn.context)
    if not text or len(text) > EVIDENCE_MAX:
        await reply(turn.update, turn.t(
            "Please write one line of evidence (at most {n} characters).", n=EVIDENCE_MAX
        ))  # fmt: skip
        return None
    closed = await services.db.run(
        actions.close_goal, turn.person, draft.goal_id, GoalStatus(draft.status), text,
        services.now(), tell_client=False,  # the period's summary tells the client
    )  # fmt: skip
    if closed is None:
        await reply(turn.update, turn.t("This is no longer available to you."))
        return _forget(turn.context)
    return await step(turn, new=True)


async def on_next_steps(turn: Turn[Draft], text: str) -> int | None:
    if not text or len(text) > FEEDBACK_MAX:
        await reply(turn.update, turn.t(
            "That is too long. Please write at most {n} characters.", n=FEEDBACK_MAX
        ))  # fmt: skip
        return None
    return await _finish(turn, text)


async def on_skip(turn: Turn[Draft]) -> int:
    """No next steps written: the summary goes as it is (with the warning if due)."""
    _of_this_run(turn)
    return await _finish(turn, None)


async def _finish(turn: Turn[Draft], next_steps: str | None) -> int:
    services, t, update = turn.services, turn.t, turn.update
    saved = await services.db.run(
        actions.finish_evaluation, turn.person, turn.draft.period_id, next_steps, services.now()
    )
    if saved is not None:
        services.wake_outbox()  # the summary, and the prompts lose their buttons
        if update.callback_query is not None:
            await update.callback_query.edit_message_reply_markup(None)  # reply() answers it
        else:  # the next steps were written: Skip has done its work
            await _unbutton_step(update, turn.context)
    _forget(turn.context)
    if saved is None:
        await reply(update, t("This is no longer available to you."))
        return END
    summary = render(period_review.REPORT, saved, turn.person.language, services.settings.tz)
    done = t("Recorded. The summary went to the client and the caseworker.")
    await reply(update, f"{summary}\n\n{done}")
    return END


async def stop(update: Update, context: Context) -> int:
    """/cancel: what is evaluated stays; the prompt's button continues later (the step's
    own buttons are gone: the run is over)."""
    await _unbutton_step(update, context)
    t = t_for(update, context, await acting_person(update, context))
    await reply(update, t("Paused. The goals evaluated so far are saved; continue from the "
                          "“Evaluate the goals” button."))  # fmt: skip
    return _forget(context)


async def timed_out(update: object, context: Context) -> None:
    _forget(context)


def typed(application: Application, take: TextStep) -> MessageHandler:  # type: ignore[type-arg]
    """The coach's text for the step that asked for it, on one line."""

    async def write(update: Update, context: Context) -> int | None:
        coach = await person_of_role(update, context, Role.COACH)
        turn = Turn(update, context, coach, FLOW.draft_of(context, coach))
        return await take(turn, " ".join(typed_text(update).split()))

    return MessageHandler(words(application, OWNER)[0], write)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application (conversation state is per bot); a text
    is taken only while the evaluation is the flow that asked for it last."""
    other = MessageHandler(words(application, OWNER)[1], text_expected)
    return [
        ConversationHandler(
            entry_points=[CallbackQueryHandler(on_go, pattern=rf"^ev:{ID}:go$")],
            states={
                STATUS: [FLOW.button(rf"^ev:{ID}:{ID}:(r|p|n)$", on_result)],
                EVIDENCE: [typed(application, on_evidence), other],
                NEXT_STEPS: [
                    FLOW.button(rf"^ev:{ID}:skip$", on_skip),
                    typed(application, on_next_steps),
                    other,
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[
                CommandHandler("cancel", stop, filters=Awaiting(application, OWNER)),
                stale_buttons("ev:"),
            ],
            allow_reentry=True,
            conversation_timeout=3600,
            name="evaluation",
        )
    ]
