"""The interim evaluation in chat [002 §3.1 a]: the coach writes it, the caseworker decides.

The coach: `/interim` (the clients whose evaluation is waiting) or the reminder's button
(`ir:<period>:go`, on any message: it starts afresh) → how the client has progressed
(text) → continue or end (buttons) → why (text) → check and send. The caseworker gets it
with "Continue" / "End" (`iw:<evaluation>:c|e`); "End" asks once more (`x` yes, `b` back)
because it ends the period and cancels what is booked. The writes are
bot.periods.interim.

Routed by state, persisted under the name "interim": each step takes only its own
buttons, for its own period, on this run's message; a press of a step left behind, of
another coach's period or of a decision already made is answered "no longer valid".
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
)

from bot.access import Refused, person_of_role, reply
from bot.periods import interim
from bot.periods.hours import show_hours
from bot.periods.interim import Proposal
from bot.services import services_of
from handlers.checkins import text_expected, words
from handlers.ui import (
    Context,
    Flow,
    Steps,
    Turn,
    expect_text,
    nav_row,
    show,
    stale_buttons,
    text_done,
    typed_text,
)
from messages.i18n import N_, Translator, translator
from messages.render import render
from storage.models import Role

ID = r"(\d{1,12})"
CHOOSE, PROGRESS, PROPOSAL, REASON, CONFIRM = range(5)
OWNER = "interim"
PROPOSALS = {"c": Proposal.CONTINUE, "e": Proposal.END}
END = ConversationHandler.END


@dataclass
class Draft(Steps):
    period_id: int | None = None
    client_name: str = ""
    progress: str = ""
    proposal: str | None = None
    reason: str = ""


FLOW = Flow(
    key="interim",
    draft=Draft,
    roles=(Role.COACH,),
    prefix="ir",
    stopped=N_("Stopped. Nothing was sent."),
)


def _cancel_row(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([nav_row(t, "ir", back=False)])


def _forget(context: Context) -> int:
    text_done(context, OWNER)
    return FLOW.end(context)


# --- the coach ---------------------------------------------------------------------------
async def on_command(turn: Turn[Draft]) -> int:
    """/interim: the coach's clients whose interim evaluation is waiting."""
    services, t = turn.services, turn.t
    found = await services.db.run(
        interim.open_for_coach, turn.person, services.now(), services.settings.tz
    )
    if not found:
        await turn.show(t("No interim evaluation is waiting."))
        return FLOW.end(turn.context)
    language = turn.person.language
    rows = [
        [
            InlineKeyboardButton(
                t(
                    "{client} ({hours} of {due} h)",
                    client=o.client_name,
                    hours=show_hours(o.used, language),
                    due=show_hours(o.due, language),
                ),
                callback_data=f"ir:{o.period_id}:go",
            )
        ]
        for o in found
    ]
    rows.append(nav_row(t, "ir", back=False))
    await turn.show(t("Whose interim evaluation?"), InlineKeyboardMarkup(rows))
    return turn.draft.reach(CHOOSE)


async def on_go(update: Update, context: Context) -> int:
    """The reminder's button, or a client chosen in /interim: start afresh. On the list's
    own message the question replaces it; from a reminder it comes as a new message, so
    the reminder keeps its button."""
    coach = await person_of_role(update, context, Role.COACH)
    assert context.match is not None and update.callback_query is not None
    period_id = int(context.match[1])
    services = services_of(context)
    found = await services.db.run(
        interim.opening, coach, period_id, services.now(), services.settings.tz
    )
    if found is None:
        raise Refused(coach, "interim: not the coach's period")
    t = translator(coach.language)
    earlier = (context.user_data or {}).get(FLOW.key)
    message = update.callback_query.message
    on_list = (
        isinstance(earlier, Draft)
        and message is not None
        and earlier.message_id == message.message_id
    )
    if not on_list:
        await update.callback_query.answer()  # the steps come as new messages
    if found.written:
        await show(
            update,
            t("The interim evaluation of {client} is written already.", client=found.client_name),
            new=not on_list,
        )
        return _forget(context)
    draft = FLOW.begin(context, Draft(period_id=period_id, client_name=found.client_name))
    turn = Turn(update, context, coach, draft)
    await turn.show(
        t(
            "{client}: interim evaluation after {hours} coaching hours ({due} h at the "
            "latest).\n\nHow has the client progressed? Write a few sentences.",
            client=found.client_name,
            hours=show_hours(found.used, coach.language),
            due=show_hours(found.due, coach.language),
        ),
        _cancel_row(t),
        new=not on_list,
    )
    expect_text(context, OWNER)
    return draft.reach(PROGRESS)


def _of_this_run(turn: Turn[Draft]) -> int:
    period_id = int(turn.group(1))
    if turn.draft.period_id != period_id:
        raise turn.refused("interim: another period")
    return period_id


async def _long_enough(turn: Turn[Draft], text: str) -> bool:
    if text and len(text) <= interim.TEXT_MAX:
        return True
    await reply(
        turn.update,
        turn.t("Please write a few sentences (at most {n} characters).", n=interim.TEXT_MAX),
    )
    return False


async def on_progress(turn: Turn[Draft], text: str) -> int | None:
    if not await _long_enough(turn, text):
        return None
    draft, t = turn.draft, turn.t
    draft.progress = text
    text_done(turn.context, OWNER)
    rows = [
        [
            InlineKeyboardButton(
                t("Continue the service"), callback_data=f"ir:{draft.period_id}:p:c"
            ),
            InlineKeyboardButton(t("End the service"), callback_data=f"ir:{draft.period_id}:p:e"),
        ],
        nav_row(t, "ir", back=False),
    ]
    await turn.show(t("Your proposal to the caseworker?"), InlineKeyboardMarkup(rows))
    return draft.reach(PROPOSAL)


async def on_proposal(turn: Turn[Draft]) -> int:
    _of_this_run(turn)
    turn.draft.proposal = PROPOSALS[turn.group(2)].value
    await turn.show(turn.t("Why? Write a short reason."), _cancel_row(turn.t))
    expect_text(turn.context, OWNER)
    return turn.draft.reach(REASON)


async def on_reason(turn: Turn[Draft], text: str) -> int | None:
    if not await _long_enough(turn, text):
        return None
    draft, t = turn.draft, turn.t
    if draft.proposal is None:
        return _forget(turn.context)
    draft.reason = text
    text_done(turn.context, OWNER)
    summary = t(
        "Check and send to the caseworker:\n{client}\n\nProgress: {progress}\n\n"
        "Proposal: {proposal}\nWhy: {reason}",
        client=draft.client_name,
        progress=draft.progress,
        proposal=t(interim.PROPOSAL_NAMES[Proposal(draft.proposal)]),
        reason=draft.reason,
    )
    rows = [
        [InlineKeyboardButton("✔ " + t("Send"), callback_data=f"ir:{draft.period_id}:ok")],
        nav_row(t, "ir", back=False),
    ]
    await turn.show(summary, InlineKeyboardMarkup(rows))
    return draft.reach(CONFIRM)


async def on_send(turn: Turn[Draft]) -> int:
    period_id = _of_this_run(turn)
    draft, services, t = turn.draft, turn.services, turn.t
    if draft.proposal is None or not draft.progress or not draft.reason:
        raise turn.refused("interim: incomplete")
    written = await services.db.run(
        interim.write,
        turn.person,
        period_id,
        progress=draft.progress,
        proposal=Proposal(draft.proposal),
        reason=draft.reason,
        now=services.now(),
        tz=services.settings.tz,
    )
    _forget(turn.context)
    if written is None:
        await turn.show(t("This is no longer available to you."))
        return END
    services.wake_outbox()
    if written.sent:
        await turn.show(t("Sent to the caseworker. You will hear their decision."))
    else:
        await turn.show(
            t("Saved. The client has no caseworker to send it to: please tell the admin.")
        )
    return END


async def stop(update: Update, context: Context) -> int:
    text_done(context, OWNER)
    return await FLOW.stop(update, context)


async def on_cancel(turn: Turn[Draft]) -> int:
    return await stop(turn.update, turn.context)


async def timed_out(update: object, context: Context) -> None:
    _forget(context)


def typed(application: Application, take) -> MessageHandler:  # type: ignore[no-untyped-def, type-arg]
    """The coach's text for the step that asked for it, on one line."""

    async def write(update: Update, context: Context) -> int | None:
        coach = await person_of_role(update, context, Role.COACH)
        turn = Turn(update, context, coach, FLOW.draft_of(context, coach))
        return await take(turn, " ".join(typed_text(update).split()))  # type: ignore[no-any-return]

    return MessageHandler(words(application, OWNER)[0], write)


# --- the caseworker ------------------------------------------------------------------------
def _decision_buttons(t: Translator, evaluation_id: int) -> InlineKeyboardMarkup:
    """The caseworker's choice, as the outbox sent it (bot.periods.interim)."""
    continue_label, end_label = t(interim.CONTINUE_BUTTON), t(interim.END_BUTTON)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(continue_label, callback_data=f"iw:{evaluation_id}:c"),
                InlineKeyboardButton(end_label, callback_data=f"iw:{evaluation_id}:e"),
            ]
        ]
    )


async def on_decision(update: Update, context: Context) -> None:
    """ "Continue" decides at once; "End" asks once more (yes / back). Only the client's
    own caseworker, only while nobody has decided and the period runs."""
    caseworker = await person_of_role(update, context, Role.CASEWORKER)
    assert context.match is not None
    evaluation_id, code = int(context.match[1]), context.match[2]
    services = services_of(context)
    tz, now = services.settings.tz, services.now()
    t = translator(caseworker.language)
    evaluation = await services.db.run(interim.for_caseworker, caseworker, evaluation_id)
    if evaluation is None:
        raise Refused(caseworker, "interim: not open to this caseworker")
    params = await services.db.run(interim.caseworker_params, evaluation, caseworker.language)
    base = render(interim.TO_CASEWORKER, params, caseworker.language, tz)
    if code == "e":
        rows = [
            [
                InlineKeyboardButton(
                    t("Yes, end the service"), callback_data=f"iw:{evaluation_id}:x"
                )
            ],
            [InlineKeyboardButton("◀ " + t("Back"), callback_data=f"iw:{evaluation_id}:b")],
        ]
        question = t(
            "End the service now? Its booked meetings are cancelled, and the client and "
            "the coach are told."
        )
        await show(update, f"{base}\n\n{question}", InlineKeyboardMarkup(rows))
        return
    if code == "b":
        await show(update, base, _decision_buttons(t, evaluation_id))
        return
    decision = Proposal.END if code == "x" else Proposal.CONTINUE
    decided = await services.db.run(
        interim.decide, caseworker, evaluation_id, decision, now=now, tz=tz
    )
    if decided is None:
        raise Refused(caseworker, "interim: decided meanwhile")
    services.wake_outbox()
    done = (
        t("Your decision: the service ends. The client and the coach are told.")
        if decision is Proposal.END
        else t("Your decision: the service continues. The coach is told.")
    )
    await show(update, f"{base}\n\n✔ {done}")


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application (conversation state is per bot)."""
    other = MessageHandler(words(application, OWNER)[1], text_expected)
    cancel = FLOW.button(r"^ir:cancel$", on_cancel)
    hint = FLOW.hint()
    return [
        ConversationHandler(
            entry_points=[
                FLOW.command("interim", on_command),
                CallbackQueryHandler(on_go, pattern=rf"^ir:{ID}:go$"),
            ],
            states={
                CHOOSE: [cancel, hint],
                PROGRESS: [typed(application, on_progress), other, cancel],
                PROPOSAL: [FLOW.button(rf"^ir:{ID}:p:(c|e)$", on_proposal), cancel, hint],
                REASON: [typed(application, on_reason), other, cancel],
                CONFIRM: [FLOW.button(rf"^ir:{ID}:ok$", on_send), cancel, hint],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
            },
            fallbacks=[CommandHandler("cancel", stop), stale_buttons("ir:")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="interim",
        ),
        CallbackQueryHandler(on_decision, pattern=rf"^iw:{ID}:(c|e|x|b)$"),
        # A step's button with no evaluation open (stopped, timed out, or forged), and
        # anything else of the decision's: "no longer valid".
        stale_buttons("i[rw]:"),
    ]
