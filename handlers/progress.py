"""/progress: a chart of each goal's check-in history, as a picture in the chat.

A client gets their own; a coach chooses one of their clients (`pg:<client id>`, checked
again on the press). The chart is drawn in a worker thread, in the viewer's language.
"""

from __future__ import annotations

import asyncio
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.access import acting_person, for_roles, refuse_button, reply
from bot.goals import texts as goal_texts
from bot.goals.progress import GoalSeries, Point, render_progress
from bot.rules.goals import GoalStatus
from bot.services import services_of
from messages.i18n import translator
from storage import goals, people
from storage.models import Person, Role

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


@for_roles(Role.COACH, Role.CLIENT, command="progress")
async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    assert person.id is not None
    if person.role == Role.CLIENT.value:
        await send_chart(update, context, person, person.id)
        return
    t = translator(person.language)
    clients = await services_of(context).db.run(people.clients_of, person)
    if not clients:
        await reply(update, t("You have no clients yet."))
        return
    rows = [[InlineKeyboardButton(c.display_name, callback_data=f"pg:{c.id}")] for c in clients]
    await reply(update, t("Progress chart: which client?"), reply_markup=InlineKeyboardMarkup(rows))


async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    person = await acting_person(update, context)
    data = query.data or ""
    if person is None or person.role != Role.COACH.value or not data[3:].isdigit():
        await refuse_button(update, context, person)
        return
    await query.answer()
    await send_chart(update, context, person, int(data[3:]))


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [
        CommandHandler("progress", start, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(chosen, pattern=r"^pg:"),
    ]
