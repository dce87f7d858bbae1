"""Old buttons of the goals feature, pressed after their conversation was restarted (the
same command or button again) or left (another command, /cancel): every one gets the
polite "no longer valid", no handler fails (the e2e guard), and nothing is written or
sent. Each step's buttons are kept as they were shown, then pressed where they were.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import select

from bot.fakeapi.conversation import Conversation
from bot.fakeapi.models import BotMessage
from bot.goals.checkins import START
from bot.goals.evaluation import ASK_FEEDBACK
from bot.goals.texts import TOLD_CLIENT_CLOSED
from storage.models import (
    CheckInAnswer,
    CheckInPlan,
    Goal,
    OutboxMessage,
    PeriodReview,
)
from tests.e2e.harness import Harness
from tests.e2e.test_goals import (
    FI,
    HKI,
    STALE,
    add_goal,
    goals_bot,
    head,
    message_to,
    period_ends,
    sweep,
    team,
)

pytestmark = pytest.mark.asyncio
Press = tuple[int, str]  # a button as it was shown: its message, its data


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with goals_bot(database_url) as harness:
        yield harness


def buttons(message: BotMessage) -> list[Press]:
    """Every button of a message as it is shown now (an edit replaces them later)."""
    return [(message.message_id, data or "") for row in message.buttons for _, data in row]


def written(bot: Harness) -> dict[str, Any]:
    """What the goals feature writes, and every message queued for anybody."""
    with bot.db.session() as session:
        return {
            "goals": [
                (g.id, g.text, g.criterion, g.target_date, g.status, g.evidence)
                for g in session.exec(select(Goal).order_by(Goal.id))
            ],
            "plans": [
                (p.client_id, p.weekday, p.at_time, p.every_weeks)
                for p in session.exec(select(CheckInPlan))
            ],
            "answers": [
                (a.id, a.score, a.done, a.comment) for a in session.exec(select(CheckInAnswer))
            ],
            "reviews": [
                (r.period_id, r.evaluated_at, r.next_steps, r.feedback_score, r.feedback_text)
                for r in session.exec(select(PeriodReview))
            ],
            "outbox": len(session.exec(select(OutboxMessage.id)).all()),
        }


def shown(bot: Harness, chat: Conversation) -> int:
    """How many messages and edits the person has seen."""
    return sum(e.kind in ("message", "edit") for e in bot.fake.events(chat.user.id))


async def all_stale(bot: Harness, chat: Conversation, presses: list[Press]) -> None:
    """Each press is answered "no longer valid"; nothing is shown, written or sent."""
    assert presses
    before, seen = written(bot), shown(bot, chat)
    for message_id, data in presses:
        query = await bot.fake.press_button(chat.user.id, message_id, data, strict=False)
        assert (await chat.answer(query)).text == STALE, data
    assert written(bot) == before
    assert shown(bot, chat) == seen


async def press_old(bot: Harness, chat: Conversation, press: Press) -> str:
    """A button pressed on a message that shows it no more (an old client's screen)."""
    return await bot.fake.press_button(chat.user.id, press[0], press[1], strict=False)


async def one_goal(bot: Harness) -> tuple[Conversation, BotMessage]:
    """The coach with one goal for Matti; the coach's list of Matti's goals."""
    _, chats = team(bot)
    coach = chats["coach"]
    listing = await add_goal(
        coach, "Job search: channels", "Opettelen Työmarkkinatorin", "Profiili tehty",
        "button:No target date", first=True,
    )  # fmt: skip
    return coach, listing


async def test_adding_a_goal(bot: Harness) -> None:
    _, chats = team(bot)
    coach = chats["coach"]
    picker = await coach.say("/goals")
    steps = buttons(picker)
    listing = await coach.press("Matti Meikäläinen", message=picker)
    steps += buttons(listing)
    areas = await coach.press("➕ " + FI("Add a goal"), message=listing)
    steps += buttons(areas)
    ask = await coach.press(FI("Job search: networks"), message=areas)
    steps += buttons(ask)
    ask = await coach.say("Kartoitan verkostoni")
    steps += buttons(ask)
    target = await coach.say("10 nimeä listalla")
    steps += buttons(target)
    assert FI("In a month") in target.button_texts

    # Restarted: a new /goals; every earlier button is stale, the new picker works.
    again = await coach.say("/goals")
    await all_stale(bot, coach, steps)
    steps += buttons(again)
    listing = await coach.press("Matti Meikäläinen", message=again)
    steps += buttons(listing)
    # Left with /cancel at a typing step: the run's buttons are stale.
    areas = await coach.press("➕ " + FI("Add a goal"), message=listing)
    steps += buttons(areas)
    ask = await coach.press(FI("Job search: networks"), message=areas)
    steps += buttons(ask)
    await coach.say("Kartoitan verkostoni")
    target = await coach.say("10 nimeä listalla")
    steps += buttons(target)
    assert (await coach.say("/cancel")).text == FI("Stopped. Nothing was changed.")
    await all_stale(bot, coach, steps)
    # Left for another command at a step of buttons.
    picker = await coach.say("/goals")
    listing = await coach.press("Matti Meikäläinen", message=picker)
    await coach.say("/progress")
    await all_stale(bot, coach, buttons(listing))
    assert written(bot)["goals"] == []


async def test_editing_a_goal_and_its_target_date(bot: Harness) -> None:
    coach, listing = await one_goal(bot)
    steps = buttons(listing)
    view = await coach.press("1. Opettelen Työmarkkinatorin", message=listing)
    steps += buttons(view)
    ask = await coach.press("✏ " + FI("Edit the criterion"), message=view)
    steps += buttons(ask)
    # Restarted while the criterion is typed: the text is no longer the edit's either.
    picker = await coach.say("/goals")
    await all_stale(bot, coach, steps)
    other = await coach.say("Profiili tehty ja 3 työpaikkaa")
    assert other.text == FI("I didn't understand that. /help shows what you can do.")

    # Left with /cancel while the target date is chosen.
    listing = await coach.press("Matti Meikäläinen", message=picker)
    steps += buttons(listing)
    view = await coach.press("1. Opettelen Työmarkkinatorin", message=listing)
    steps += buttons(view)
    dates = await coach.press("✏ " + FI("Change the target date"), message=view)
    steps += buttons(dates)
    assert (await coach.say("/cancel")).text == FI("Stopped. Nothing was changed.")
    await all_stale(bot, coach, steps)
    [goal] = written(bot)["goals"]
    assert goal[1:5] == ("Opettelen Työmarkkinatorin", "Profiili tehty", None, "open")


async def test_closing_a_goal_with_evidence(bot: Harness) -> None:
    coach, listing = await one_goal(bot)
    view = await coach.press("1. Opettelen Työmarkkinatorin", message=listing)
    steps = buttons(view)
    closing = await coach.press("✔ " + FI("Close the goal"), message=view)
    results = buttons(closing)
    steps.append(results[-1])  # its Back
    ask = await coach.press("✅ " + FI("Reached"), message=closing)
    steps += buttons(ask)  # Back to the goal
    await coach.say("/goals")  # restarted
    await all_stale(bot, coach, steps)

    # A result names its goal: while the goal is open, it is taken on any message in any
    # step (test_goals.py: old buttons act on what they show); once the goal is closed,
    # every one of them is stale.
    query = await press_old(bot, coach, results[1])
    assert (await coach.answer(query)).text is None  # taken: the evidence is asked for
    ask = bot.fake.message(coach.user.id, results[1][0])
    await coach.say("Profiili näytetty tapaamisessa")
    await coach.reply()  # the goal, shown anew
    assert written(bot)["goals"][0][4:] == ("partly", "Profiili näytetty tapaamisessa")
    await all_stale(bot, coach, [*steps, *results, *buttons(ask)])


async def test_choosing_the_check_in_time(bot: Harness) -> None:
    _, chats = team(bot)
    client = chats["client"]
    own = await client.say("/goals")
    steps = buttons(own)
    days = await client.press("🗓 " + FI("Check-in time"), message=own)
    steps += buttons(days)
    hours = await client.press("Keskiviikko", message=days)
    steps += buttons(hours)
    often = await client.press("14.00", message=hours)
    steps += buttons(often)
    again = await client.say("/goals")  # restarted
    await all_stale(bot, client, steps)
    steps += buttons(again)
    days = await client.press("🗓 " + FI("Check-in time"), message=again)
    steps += buttons(days)
    await client.say("/meetings")  # left
    await all_stale(bot, client, steps)
    assert written(bot)["plans"] == []


async def test_check_in_answers_and_words(bot: Harness) -> None:
    _, chats = team(bot)
    coach, client = chats["coach"], chats["client"]
    for text, criterion in (("Haen 5 paikkaa", "5 hakemusta"), ("Käyn messuilla", "1 messut")):
        await add_goal(coach, "Mapping job opportunities", text, criterion,
                       "button:No target date", first=text.startswith("Haen"))  # fmt: skip
    assert await sweep(bot, datetime(2026, 11, 23, 10, 0, tzinfo=HKI)) == 1
    q1 = await message_to(bot, client, head(START))
    q2 = await client.press("4", message=q1, expect="message")
    second = buttons(q2)
    await client.press(FI("✍ Add a few words"), message=q1, expect="message")
    assert (await client.say("/cancel")).text == FI("Your answer is saved without words.")
    # The round's questions are answered however late, but not about a goal closed since.
    listing = await coach.say("/goals")
    listing = await coach.press("Matti Meikäläinen", message=listing)
    view = await coach.press("2. Käyn messuilla", message=listing)
    closing = await coach.press("✔ " + FI("Close the goal"), message=view)
    await coach.press("✖ " + FI("Not reached"), message=closing)
    await coach.say("Messut peruttiin")
    closed = FI(TOLD_CLIENT_CLOSED, goal="Käyn messuilla", status=FI("Not reached"))
    await message_to(bot, client, closed)
    await client.say("/goals")  # left
    checkin, goal = second[0][1].split(":")[1:3]
    words = (q2.message_id, f"ci:{checkin}:{goal}:w")  # words to an answer never given
    await all_stale(bot, client, [*second, words])
    assert [a[1:] for a in written(bot)["answers"]] == [(4, False, None)]


async def test_end_of_period_evaluation_and_feedback(bot: Harness) -> None:
    _, chats = team(bot)
    coach, client = chats["coach"], chats["client"]

    period_ends(bot, date(2026, 11, 27))
    for text, criterion in (("Haen 5 paikkaa", "5 hakemusta"), ("Käyn messuilla", "1 messut")):
        await add_goal(coach, "Mapping job opportunities", text, criterion,
                       "button:No target date", first=text.startswith("Haen"))  # fmt: skip
    assert await sweep(bot, datetime(2026, 11, 27, 9, 0, tzinfo=HKI)) == 2
    prompt = await message_to(bot, coach, "Matti Meikäläinen")
    question = await message_to(bot, client, head(ASK_FEEDBACK))
    go = FI("Evaluate the goals")

    # The coach's evaluation: restarted from the prompt, left with /cancel, with /goals.
    ask = await coach.press(go, message=prompt, expect="message")
    steps = buttons(ask)
    again = await coach.press(go, message=prompt, expect="message")
    await all_stale(bot, coach, steps)
    steps += buttons(again)
    await coach.press("✅ " + FI("Reached"), message=again)
    assert (await coach.say("/cancel")).text is not None
    await all_stale(bot, coach, steps)
    ask = await coach.press(go, message=prompt, expect="message")
    steps += buttons(ask)
    await coach.press("✅ " + FI("Reached"), message=ask)
    second = await coach.say("5 hakemusta lähetetty")
    steps += buttons(second)
    await coach.press("✖ " + FI("Not reached"), message=second)
    next_steps = await coach.say("Messut peruttiin")
    assert next_steps.button_texts == [FI("Skip ▶")]
    steps += buttons(next_steps)
    restarted = await coach.press(go, message=prompt, expect="message")
    await all_stale(bot, coach, steps)
    steps += buttons(restarted)
    await coach.say("/goals")
    await all_stale(bot, coach, steps)
    assert written(bot)["reviews"][0][1:3] == (None, None)  # not evaluated

    # The client's feedback: Skip after a tap, left with /cancel or another command.
    asked = await client.press("4", message=question, expect="edit")
    skip = buttons(asked)
    assert (await client.say("/cancel")).text == FI("Your answer is saved without words.")
    await all_stale(bot, client, skip)
    await press_old(bot, client, (question.message_id, f"{skip[0][1][:-4]}5"))
    await client.edit()  # the tap again, from the question as it was: Skip is back
    await client.say("/goals")
    await all_stale(bot, client, skip)
    assert written(bot)["reviews"][0][3:] == (5, None)


async def test_the_progress_picker(bot: Harness) -> None:
    _, chats = team(bot)
    coach = chats["coach"]
    await add_goal(coach, "Job search: networks", "Kartoitan verkostoni",
                   "10 nimeä listalla", "button:No target date", first=True)  # fmt: skip
    first = await coach.say("/progress")
    again = await coach.say("/progress")  # restarted
    await all_stale(bot, coach, buttons(first))
    await coach.say("/goals")  # left
    await all_stale(bot, coach, [*buttons(first), *buttons(again)])
    assert not bot.fake.calls("sendPhoto")
    chosen = await coach.say("/progress")
    picture = await coach.press("Matti Meikäläinen", message=chosen, expect="message")
    assert picture.kind == "photo"
    await all_stale(bot, coach, buttons(chosen))  # chosen once: done
