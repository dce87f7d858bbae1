"""/progress: a chart of each goal's check-in history, as a picture in the chat.

A client gets their own; a coach chooses one of their clients (`pg:<client id>`, checked
again on the press). The chart is drawn in a worker thread, in the viewer's language.
The coach's choice is a step, taken on this run's picker only: an earlier picker (the
command given again), one whose choice is made, or one the coach has moved on from
(another command) is answered "no longer valid".
"""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    Application,
    BaseHandler,
    ContextTypes,
    ConversationHandler,
)

from bot.access import reply
from bot.goals import texts as goal_texts
from bot.goals.progress import GoalSeries, Point, render_progress
from bot.rules.goals import GoalStatus
from bot.services import services_of
from handlers.ui import Flow, Steps, Turn, stale_buttons
from messages.i18n import translator
from storage import goals, people
from storage.models import Person, Role

PICK = 0
PER_PICTURE = 4  # 4 panels: 1080 × 2010 px
MAX_PICTURES = 3


def series_of(found: goals.Overview, language: str, tz: ZoneInfo) -> list[GoalSeries]:
    """Each goal's answers on the local day of the round they belong to."""
    t = translator(language)
    out: list[GoalSeries] = []
    for goal in found.goals:
        points = tuple(
            Point(p.due_at.astimezone(tz).date(), None if p.done else p.score, p.done)
            for p in found.history.get(goal.id or 0, [])
        )
        closed = None if goal.status == GoalStatus.OPEN.value else goal_texts.status_text(goal, t)
        out.append(GoalSeries(goal.text, goal.criterion, points, closed))
    return out


async def send_chart(
    update: Update, context: ContextTypes.DEFAULT_TYPE, viewer: Person, client_id: int
) -> None:
    services = services_of(context)
    t = translator(viewer.language)
    found = await services.db.run(goals.overview, viewer, client_id)
    chat = update.effective_chat
    if chat is None:
        return
    if found is None:
        await chat.send_message(t("This is no longer available to you."))
        return
    if not found.goals:
        await chat.send_message(t("There are no goals yet, so there is nothing to draw."))
        return
    series = series_of(found, viewer.language, services.settings.tz)
    # Open goals first; at most PER_PICTURE panels a picture, so Telegram, which shrinks a
    # photo to 2560 px on its long side, never makes the text too small to read.
    series.sort(key=lambda s: s.closed is not None)
    chunks = [series[i : i + PER_PICTURE] for i in range(0, len(series), PER_PICTURE)]
    chunks = chunks[:MAX_PICTURES]
    caption = (
        t("Your progress. 1 = not at all, 5 = very well, ★ = done.")
        if viewer.id == client_id
        else t("{client}: progress. 1 = not at all, 5 = very well, ★ = done.",
               client=found.client.display_name)
    )  # fmt: skip
    for n, chunk in enumerate(chunks, start=1):
        png = await asyncio.to_thread(
            render_progress, found.client.display_name, chunk, viewer.language
        )
        part = f" ({n}/{len(chunks)})" if len(chunks) > 1 else ""
        await chat.send_photo(InputFile(png, filename="progress.png"), caption=caption + part)


FLOW = Flow(key="progress", draft=Steps, roles=(Role.COACH, Role.CLIENT), prefix="pg")


async def _begin(turn: Turn[Steps]) -> int:
    person = turn.person
    assert person.id is not None
    if person.role == Role.CLIENT.value:
        await send_chart(turn.update, turn.context, person, person.id)
        return FLOW.end(turn.context)
    clients = await turn.services.db.run(people.clients_of, person)
    if not clients:
        await reply(turn.update, turn.t("You have no clients yet."))
        return FLOW.end(turn.context)
    rows = [[InlineKeyboardButton(c.display_name, callback_data=f"pg:{c.id}")] for c in clients]
    await turn.show(turn.t("Progress chart: which client?"), InlineKeyboardMarkup(rows))
    return PICK


async def chosen(turn: Turn[Steps]) -> int:
    """A client chosen on this run's picker (checked again: the coach's own client)."""
    if turn.person.role != Role.COACH.value:
        raise turn.refused("progress: a coach's button")
    query = turn.update.callback_query
    assert query is not None
    await query.answer()
    await send_chart(turn.update, turn.context, turn.person, int(turn.group(1)))
    return FLOW.end(turn.context)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [
        ConversationHandler(
            entry_points=[FLOW.command("progress", _begin)],
            states={PICK: [FLOW.button(r"^pg:(\d{1,12})$", chosen)]},
            fallbacks=[stale_buttons("pg:")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="progress",
        )
    ]
