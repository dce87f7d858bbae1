"""Goals end to end through the fake Bot API: the coach's /goals, check-ins at the chosen
time (the goals job run by hand at the test clock, as the JobQueue would every minute),
the coach's digest, /progress pictures, the end of a period, and who may see what.
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.fakeapi.conversation import Conversation
from bot.fakeapi.models import BotMessage
from bot.goals import jobs as goal_jobs
from bot.goals.checkins import REMIND, START
from bot.goals.digest import DIGEST
from bot.goals.evaluation import ASK_FEEDBACK, EVALUATE_REMIND, FEEDBACK_NOTE, REPORT
from bot.goals.progress import WIDTH_PX, height_px
from bot.goals.texts import TOLD_CLIENT_ADDED, TOLD_CLIENT_ADDED_LATER, TOLD_CLIENT_CLOSED
from handlers.goals import CRITERION_REFUSALS
from messages.i18n import translator
from storage.models import (
    AuditEntry,
    CheckIn,
    CheckInAnswer,
    CheckInPlan,
    Goal,
    OutboxMessage,
    PeriodReview,
    Role,
    ServicePeriod,
)
from tests.e2e.harness import Harness

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=HKI)
FI = translator("fi")
STALE = FI("This button is no longer valid.")
EVIDENCE = (
    "Write one line of evidence: what shows it? E.g. “5 applications sent, copies in the folder”."
)
POINTED_OUT = (
    "⚠ Fewer than two goals were reached. A job-coaching period should end with at least two "
    "goals or results reached, or concrete next steps. Please write the next steps agreed "
    "with the client."
)


@asynccontextmanager
async def goals_bot(database_url: str) -> AsyncIterator[Harness]:
    """The bot on Monday 23.11.2026 09.00, its goals job run by hand (`sweep`)."""
    # The period's own reminders and automatic end (bot.periods.jobs) are not these tests'
    # subject: they move periods' ends by hand and look at the goals' prompts alone.
    async with Harness(
        database_url,
        now=MONDAY_9.astimezone(UTC),
        COACHBOT_OUTBOX_INTERVAL=0.2,
        without_jobs=("periods",),
    ) as harness:
        # The tests run the goals job by hand at the clock they set; the JobQueue's own
        # runs (at start, then every minute) would race them for the same work.
        assert harness.app is not None and harness.app.job_queue is not None
        for name in ("goals-start", "goals"):
            for job in harness.app.job_queue.get_jobs_by_name(name):
                job.schedule_removal()
        yield harness


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with goals_bot(database_url) as harness:
        yield harness


def team(
    bot: Harness, program: str = "job-coaching"
) -> tuple[dict[str, int], dict[str, Conversation]]:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija")
    client = bot.add(
        Role.CLIENT, "Matti Meikäläinen", coach=coach, caseworker=worker, program=program
    )
    ids = {"coach": coach, "caseworker": worker, "client": client}
    chats = {name: bot.fake.chat(bot.link(pid)) for name, pid in ids.items()}
    return ids, chats


async def sweep(bot: Harness, now: datetime) -> int:
    """What the every-minute goals job does, at `now`."""
    bot.clock.set(now.astimezone(UTC))  # type: ignore[union-attr]
    return await goal_jobs.run_once(bot.services)


async def message_to(bot: Harness, chat: Conversation, starts: str) -> BotMessage:
    return await bot.fake.wait_for_message(
        chat.user.id, predicate=lambda m: (m.text or "").startswith(starts)
    )


def digest_head(start: str, end: str) -> str:
    return FI(DIGEST, start=start, end=end, clients="").split("\n")[0]


def head(msgid: str) -> str:
    """The fixed start of a message in Finnish: up to its first line break or parameter."""
    return FI(msgid).split("\n")[0].split("{")[0]


async def add_goal(
    coach: Conversation,
    area: str,
    text: str,
    criterion: str,
    target: str,
    *,
    first: bool,
    client: str = "Matti Meikäläinen",
) -> BotMessage:
    """The coach's /goals → client → add → area → goal → criterion → target."""
    listing = await coach.say("/goals")
    assert listing.text == FI("Goals: which client?")
    listing = await coach.press(client, message=listing)
    if first:
        assert FI("No goals yet. Add the first one together with the client.") in (
            listing.text or ""
        )
    ask = await coach.press("➕ " + FI("Add a goal"), message=listing)
    assert ask.text == FI("New goal. What area is it in?")
    ask = await coach.press(FI(area), message=ask)
    assert ask.text is not None and ask.text.startswith(head(
        "Write the goal in the client's own words, e.g. “I find a job in logistics”."
    ))  # fmt: skip
    ask = await coach.say(text)
    assert ask.text is not None and ask.text.startswith(FI(
        "How will you both see that it is reached? Write a criterion that can be checked, "
        "e.g. “sends 5 applications by 15.12.”."
    )[:20])  # fmt: skip
    ask = await coach.say(criterion)
    assert ask.text == FI("By when? Choose, or write a date (e.g. 15.12.2026).")
    if target.startswith("button:"):
        done = await coach.press(FI(target[7:]), message=ask, expect="message")
    else:
        done = await coach.say(target)
    assert done.text == FI("Added. The client was told, and the check-ins will ask about it.")
    return await coach.reply()


def period_ends(bot: Harness, day: date) -> int:
    """The client's (only) period is planned to end on `day`; its id."""

    def change(session):  # type: ignore[no-untyped-def]
        period = session.exec(select(ServicePeriod)).one()
        period.planned_end = day
        session.add(period)
        return period.id

    return bot.db.call(change)  # type: ignore[no-any-return]


def stored_goals(bot: Harness) -> list[Goal]:
    with bot.db.session() as session:
        return list(session.exec(select(Goal).order_by(Goal.id)))


def answers(bot: Harness) -> list[tuple[int, int, int | None, bool, str | None]]:
    with bot.db.session() as session:
        rows = session.exec(select(CheckInAnswer).order_by(CheckInAnswer.id)).all()
        return [(a.checkin_id, a.goal_id, a.score, a.done, a.comment) for a in rows]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_goals_check_ins_digest_and_progress(bot: Harness) -> None:
    _, chats = team(bot)
    coach, client = chats["coach"], chats["client"]

    # The coach adds two goals; a goal without a real criterion is refused.
    await add_goal(
        coach, "Job search: CV and applications", "Päivitän CV:n ja haen töitä",
        "5 hakemusta lähetetty", "button:In a month", first=True,
    )  # fmt: skip
    listing = await coach.say("/goals")
    listing = await coach.press("Matti Meikäläinen", message=listing)
    ask = await coach.press("➕ " + FI("Add a goal"), message=listing)
    ask = await coach.press(FI("Job search: interviews"), message=ask)
    await coach.say("Harjoittelen työhaastattelua")
    refused = await coach.say("harjoittelen   työhaastattelua")
    assert refused.text == FI(CRITERION_REFUSALS["same"])
    refused = await coach.say("Kyllä.")
    assert refused.text == FI(CRITERION_REFUSALS["vague"], text="Kyllä.")
    ask = await coach.say("2 harjoitushaastattelua pidetty 15.12. mennessä")
    assert ask.text == FI("By when? Choose, or write a date (e.g. 15.12.2026).")
    wrong = await coach.say("eilen")
    assert wrong.text == FI("Please write a date from today on, e.g. 15.12.2026.")
    assert (await coach.say("15.12.2026")).text == FI(
        "Added. The client was told, and the check-ins will ask about it."
    )
    listing = await coach.reply()
    assert "Päivitän CV:n ja haen töitä" in (listing.text or "")
    assert "2 harjoitushaastattelua pidetty 15.12. mennessä" in (listing.text or "")

    first, second = stored_goals(bot)
    assert (first.area, first.criterion, first.target_date) == (
        "documents", "5 hakemusta lähetetty", date(2026, 12, 23),
    )  # fmt: skip
    assert (second.area, second.target_date, second.status) == (
        "interview", date(2026, 12, 15), "open",
    )  # fmt: skip
    told = await message_to(bot, client, head(TOLD_CLIENT_ADDED))
    assert "Päivitän CV:n ja haen töitä" in (told.text or "")
    # The second notice too (a chat gets about one message a second), so the next reply
    # to the client is their /goals.
    await bot.fake.wait_for_message(
        client.user.id,
        predicate=lambda m: (
            (m.text or "").startswith(head(TOLD_CLIENT_ADDED))
            and "Harjoittelen työhaastattelua" in (m.text or "")
        ),
    )

    # The client's /goals: own goals with the criterion and the check-in time.
    own = await client.say("/goals")
    assert own.text is not None and own.text.startswith(FI("Your goals"))
    assert "5 hakemusta lähetetty" in own.text and FI("no answers yet") in own.text
    assert "maanantai" in own.text  # weekly on Mondays at 10.00 until somebody chooses
    assert "➕ " + FI("Add a goal") not in own.button_texts

    # Monday 10.00: the check-in, one goal at a time.
    assert await sweep(bot, datetime(2026, 11, 23, 9, 59, tzinfo=HKI)) == 0
    assert await sweep(bot, datetime(2026, 11, 23, 10, 0, tzinfo=HKI)) == 1
    assert await sweep(bot, datetime(2026, 11, 23, 10, 1, tzinfo=HKI)) == 0  # once
    q1 = await message_to(bot, client, head(START))  # fmt: skip
    assert "1/2" in (q1.text or "") and "Päivitän CV:n ja haen töitä" in (q1.text or "")
    assert q1.button_texts == ["1", "2", "3", "4", "5", FI("✓ Done")]
    # A tap answers at once: the question shows the answer, and the next one follows.
    q2 = await client.press("4", message=q1, expect="message")
    assert "2/2" in (q2.text or "") and "Harjoittelen työhaastattelua" in (q2.text or "")
    assert q1.text == FI(
        "🎯 {goal}\nYour answer: {answer}", goal="Päivitän CV:n ja haen töitä", answer="4/5"
    )
    assert q1.button_texts == [FI("✍ Add a few words")]
    # Words only when asked for, so a text meant for something else is never taken.
    ask = await client.press(FI("✍ Add a few words"), message=q1, expect="message")
    assert ask.text == FI(
        "Write a few words about “{goal}”. (/cancel to stop)", goal="Päivitän CV:n ja haen töitä"
    )
    saved = await client.say("Lähetin kaksi hakemusta")
    assert saved.text == FI("Saved. Thank you!")
    thanks = await client.press("3", message=q2, expect="message")
    assert thanks.text == FI("Thank you! That was all. Your coach sees your answers.")
    after = await client.say("olen kipeä huomenna")  # not a comment: the absence flow's
    assert after.text == FI("You have no upcoming meetings.")
    round1 = first_round = answers(bot)[0][0]
    assert answers(bot) == [
        (round1, first.id, 4, False, "Lähetin kaksi hakemusta"),
        (round1, second.id, 3, False, None),
    ]

    # Next Monday: the coach's first digest (both answered, nothing marked) and a new
    # round in which goal 1 falls two steps and goal 2 is left unanswered.
    assert await sweep(bot, datetime(2026, 11, 30, 10, 0, tzinfo=HKI)) == 2
    calm = await message_to(bot, coach, digest_head("ma 23.11.2026", "su 29.11.2026"))
    assert "Päivitän CV:n ja haen töitä: " + FI("{score}/5", score=4) in (calm.text or "")
    assert "⚠" not in (calm.text or "").split("\n\n")[1]
    q1 = await bot.fake.wait_for_message(
        client.user.id, predicate=lambda m: m is not q1 and "1/2" in (m.text or "")
        and m.message_id > q2.message_id,
    )  # fmt: skip
    q2b = await client.press("2", message=q1, expect="message")
    assert "2/2" in (q2b.text or "")
    # A day later the round is reminded once, with the unanswered question.
    assert await sweep(bot, datetime(2026, 12, 1, 9, 59, tzinfo=HKI)) == 0
    assert await sweep(bot, datetime(2026, 12, 1, 10, 0, tzinfo=HKI)) == 1
    assert await sweep(bot, datetime(2026, 12, 2, 10, 0, tzinfo=HKI)) == 0
    reminder = await message_to(bot, client, head(REMIND))  # fmt: skip
    assert "Harjoittelen työhaastattelua" in (reminder.text or "")

    # Monday 7.12. 08.00: the coach's digest marks the fall and the missing answer.
    assert await sweep(bot, datetime(2026, 12, 7, 8, 0, tzinfo=HKI)) == 1
    digest = await message_to(bot, coach, digest_head("ma 30.11.2026", "su 6.12.2026"))
    text = digest.text or ""
    assert "👤 Matti Meikäläinen" in text
    assert (
        "Päivitän CV:n ja haen töitä: "
        + FI("{previous} → {score}/5 ⚠ fell {steps} steps", previous=4, score=2, steps=2)
        in text
    )
    assert "Harjoittelen työhaastattelua: " + FI("⚠ not answered") in text
    assert await sweep(bot, datetime(2026, 12, 7, 8, 30, tzinfo=HKI)) == 0  # once a week
    assert await sweep(bot, datetime(2026, 12, 7, 10, 0, tzinfo=HKI)) == 1  # the new round

    # Late: the reminder's question answered after the next round was due still counts.
    bot.clock.set(datetime(2026, 12, 7, 10, 30, tzinfo=HKI).astimezone(UTC))  # type: ignore[union-attr]
    await client.press("5", message=reminder, expect="edit")
    # The same question asked earlier (after the round's first answer) has done its work.
    await bot.fake.wait_until(lambda: q2b.buttons == [])
    assert reminder.button_texts == [FI("✍ Add a few words")]
    with bot.db.session() as session:
        rounds = session.exec(select(CheckIn).order_by(CheckIn.id)).all()
    assert [r.due_at for r in rounds] == [
        datetime(2026, 11, 23, 10, tzinfo=HKI), datetime(2026, 11, 30, 10, tzinfo=HKI),
        datetime(2026, 12, 7, 10, tzinfo=HKI),
    ]  # fmt: skip
    assert (rounds[1].id, second.id, 5, False, None) in answers(bot)
    assert first_round == rounds[0].id

    # /progress: the coach chooses the client and gets a PNG for a phone screen.
    choose = await coach.say("/progress")
    picture = await coach.press("Matti Meikäläinen", message=choose, expect="message")
    assert picture.kind == "photo" and picture.photo is not None and picture.photo.data
    assert png_size(picture.photo.data) == (WIDTH_PX, height_px(2))
    upload = bot.fake.calls("sendPhoto")[-1].uploads["photo"]
    assert upload.content_type == "image/png" and upload.data == picture.photo.data
    assert "Matti Meikäläinen" in (picture.caption or "")
    # The client's own, captioned in their language.
    own_picture = await client.say("/progress")
    assert own_picture.kind == "photo" and own_picture.photo is not None
    assert own_picture.caption == FI("Your progress. 1 = not at all, 5 = very well, ★ = done.")
    assert png_size(own_picture.photo.data or b"") == (WIDTH_PX, height_px(2))


async def forged(bot: Harness, chat: Conversation, message: BotMessage, data: str) -> str:
    """A press with data the user was never shown (forged or replayed); the query id."""
    return await bot.fake.press_button(chat.user.id, message.message_id, data, strict=False)


async def test_nobody_sees_or_touches_another_persons_goals(bot: Harness) -> None:
    ids, chats = team(bot)
    coach, client = chats["coach"], chats["client"]
    await add_goal(
        coach, "Mapping job opportunities", "Selvitän logistiikan työpaikat",
        "10 työpaikkaa listattu", "button:No target date", first=True,
    )  # fmt: skip
    other_coach = bot.add(Role.COACH, "Olli Toinen")
    other_client = bot.add(Role.CLIENT, "Liisa Lahtinen", coach=other_coach)
    worker = chats["caseworker"]
    rival = bot.fake.chat(bot.link(other_coach))
    stranger_client = bot.fake.chat(bot.link(other_client))
    [goal] = stored_goals(bot)

    # Another coach: their /goals does not list Matti, forged buttons show nothing.
    listing = await rival.say("/goals")
    assert listing.button_texts[0] == "Liisa Lahtinen"
    assert "Matti" not in " ".join(listing.button_texts)
    await forged(bot, rival, listing, f"gl:c:{ids['client']}")
    shown = await rival.edit()
    assert shown.text == FI("This is no longer available to you.")
    listing = await rival.say("/goals")
    await rival.press("Liisa Lahtinen", message=listing)
    query = await forged(bot, rival, listing, f"gl:g:{goal.id}")
    gone = await rival.edit()  # the goal is not theirs: the view says so, nothing more
    assert gone.text == FI("This is no longer available to you.")
    assert (await rival.answer(query)).text is None
    assert "Selvitän" not in " ".join(m.text or "" for m in rival.messages)
    picker = await rival.say("/progress")
    await forged(bot, rival, picker, f"pg:{ids['client']}")
    gone = await rival.reply()
    assert gone.text == FI("This is no longer available to you.") and gone.kind == "text"
    assert not bot.fake.calls("sendPhoto")

    # Another client: forged check-in answers change nothing.
    assert await sweep(bot, datetime(2026, 11, 23, 10, 0, tzinfo=HKI)) == 1
    q = await message_to(bot, client, head(START))  # fmt: skip
    data = q.buttons[0][2][1] or ""
    query = await forged(bot, stranger_client, q, data)
    assert (await stranger_client.answer(query)).text == STALE
    query = await forged(bot, rival, q, data)  # not even the client's coach answers for them
    assert (await rival.answer(query)).text == STALE
    assert answers(bot) == []
    mine = await stranger_client.say("/goals")
    assert "Selvitän" not in (mine.text or "")
    assert FI("No goals yet. You and your coach set them together.") in (mine.text or "")
    pic = await stranger_client.say("/progress")
    assert pic.text == FI("There are no goals yet, so there is nothing to draw.")

    # A caseworker and an unknown user get polite refusals.
    refused = await worker.say("/goals")
    assert refused.text == FI(
        "Sorry, /{command} is for {who}. /help shows what you can do.",
        command="goals", who=FI("{first} and {last}", first=FI("coaches"), last=FI("clients")),
    )  # fmt: skip
    unknown = bot.fake.chat(bot.user_id())
    hello = await unknown.say("/progress")
    assert hello.text is not None and "Coachbot" in hello.text
    assert stored_goals(bot)[0].status == "open"
    with bot.db.session() as session:
        denied = session.exec(
            select(AuditEntry).where(
                AuditEntry.action.in_(("goals.denied", "button.refused"))  # type: ignore[attr-defined]
            )
        ).all()
    assert {e.actor_id for e in denied} >= {other_coach, other_client}


async def test_closing_editing_and_the_check_in_time(bot: Harness) -> None:
    ids, chats = team(bot, program="job-search")
    coach, client = chats["coach"], chats["client"]
    listing = await add_goal(
        coach, "Job search: channels", "Opettelen Työmarkkinatorin", "Profiili tehty",
        "button:In 2 weeks", first=True,
    )  # fmt: skip
    view = await coach.press("1. Opettelen Työmarkkinatorin", message=listing)
    assert "Profiili tehty" in (view.text or "") and FI("Edit the criterion") in " ".join(
        view.button_texts
    )
    ask = await coach.press("✏ " + FI("Edit the criterion"), message=view)
    assert ask.text == FI("Write the criterion anew: what will show that the goal is reached?")
    refused = await coach.say("opettelen Työmarkkinatorin.")  # the goal again: not saved
    assert refused.text == FI(CRITERION_REFUSALS["same"])
    saved = await coach.say("Profiili tehty ja 3 työpaikkaa tallennettu")
    assert saved.text == FI("Saved.")
    view = await coach.reply()
    assert "Profiili tehty ja 3 työpaikkaa tallennettu" in (view.text or "")
    [goal] = stored_goals(bot)
    assert goal.criterion == "Profiili tehty ja 3 työpaikkaa tallennettu"
    closing = await coach.press("✔ " + FI("Close the goal"), message=view)
    assert closing.text == FI("How did it go?")
    ask = await coach.press("✅ " + FI("Reached"), message=closing)
    assert ask.text is not None and ask.text.startswith(head(EVIDENCE))
    await coach.say("Profiili näytetty tapaamisessa 30.11.")
    [goal] = stored_goals(bot)
    assert (goal.status, goal.evidence, goal.closed_by) == (
        "reached", "Profiili näytetty tapaamisessa 30.11.", ids["coach"],
    )  # fmt: skip
    closed = FI(TOLD_CLIENT_CLOSED, goal="Opettelen Työmarkkinatorin", status=FI("Reached"))
    told = await message_to(bot, client, closed)
    assert told.text == closed

    # The client chooses another check-in time: every two weeks, Wednesdays at 14.00.
    own = await client.say("/goals")
    ask = await client.press("🗓 " + FI("Check-in time"), message=own, expect="edit")
    assert ask.text == FI("Check-ins: on which day should I ask?")
    ask = await client.press("Keskiviikko", message=ask, expect="edit")
    ask = await client.press("14.00", message=ask, expect="edit")
    assert ask.text == FI("How often?")
    saved = await client.press(FI("Every two weeks"), message=ask, expect="message")
    assert saved.text == FI("Saved. The next check-in is on {next}.", next="ke 25.11. klo 14.00")
    with bot.db.session() as session:
        plan = session.get(CheckInPlan, ids["client"])
        assert plan is not None
        assert (plan.weekday, plan.at_time, plan.every_weeks, plan.updated_by) == (
            2, "14:00", 2, ids["client"],
        )  # fmt: skip
    listing = await client.reply()
    assert "joka toinen keskiviikko klo 14.00" in (listing.text or "")
    # Free text between buttons is not swallowed by /goals: it reaches the other handlers.
    reply = await client.say("mitä kuuluu")
    assert reply.text == FI("I didn't understand that. /help shows what you can do.")


async def test_end_of_period_evaluation_and_feedback(bot: Harness) -> None:
    ids, chats = team(bot)
    coach, client, worker = chats["coach"], chats["client"], chats["caseworker"]

    period_id = period_ends(bot, date(2026, 12, 20))  # a Sunday: prompted on Friday 18.12.
    for text, criterion in (("Haen 5 paikkaa", "5 hakemusta"), ("Käyn messuilla", "1 messut")):
        await add_goal(coach, "Mapping job opportunities", text, criterion,
                       "button:When the period ends", first=text.startswith("Haen"))  # fmt: skip
    assert [g.target_date for g in stored_goals(bot)] == [date(2026, 12, 20)] * 2

    assert await sweep(bot, datetime(2026, 12, 18, 8, 59, tzinfo=HKI)) == 0
    assert await sweep(bot, datetime(2026, 12, 18, 9, 0, tzinfo=HKI)) == 2
    assert await sweep(bot, datetime(2026, 12, 18, 9, 5, tzinfo=HKI)) == 0
    prompt = await message_to(bot, coach, "Matti Meikäläinen")
    assert prompt.button_texts == [FI("Evaluate the goals")]
    feedback = await message_to(bot, client, FI(ASK_FEEDBACK, end="su 20.12.2026"))  # fmt: skip

    # The client's feedback: a tap and a few words.
    asked = await client.press("4", message=feedback, expect="edit")
    assert asked.button_texts == [FI("Skip ▶")]
    thanks = await client.say("Sain paljon apua CV:n kanssa")
    assert thanks.text == FI("Thank you for your feedback!")
    assert asked.buttons == []  # the words are the answer: Skip has done its work

    # The coach starts, is interrupted, and continues from the prompt, which keeps its button.
    query = await coach.click(FI("Evaluate the goals"), message=prompt)
    assert (await coach.answer(query)).text is None  # the tap is answered (no spinner)
    ask = await coach.reply()
    assert "Haen 5 paikkaa" in (ask.text or "") and "1/2" in (ask.text or "")
    assert prompt.button_texts == [FI("Evaluate the goals")]
    await coach.press("✅ " + FI("Reached"), message=ask)
    other = await coach.say("/goals")  # something else first: its text is its own
    other = await coach.press("Matti Meikäläinen", message=other)
    other = await coach.press("➕ " + FI("Add a goal"), message=other)
    other = await coach.press(FI("Working-life skills"), message=other)
    criterion = await coach.say("Opettelen kalenterin käytön")
    assert criterion.text is not None and criterion.text.startswith(FI(
        "How will you both see that it is reached? Write a criterion that can be checked, "
        "e.g. “sends 5 applications by 15.12.”."
    )[:20])  # fmt: skip
    paused = await coach.say("/cancel")
    assert paused.text == FI("Stopped. Nothing was changed.")
    assert [g.status for g in stored_goals(bot)] == ["open", "open"]  # nothing taken
    # The coach's /goals offers the evaluation too; the prompt's button works as well.
    ask = await coach.press(FI("Evaluate the goals"), message=prompt, expect="message")
    assert "Haen 5 paikkaa" in (ask.text or "") and "1/2" in (ask.text or "")
    ask = await coach.press("✅ " + FI("Reached"), message=ask)
    nxt = await coach.say("5 hakemusta lähetetty, kopiot kansiossa")
    assert "Käyn messuilla" in (nxt.text or "") and "2/2" in (nxt.text or "")
    await coach.press("✖ " + FI("Not reached"), message=nxt)
    steps = await coach.say("Messut peruttiin")
    assert steps.text is not None
    assert steps.text.startswith(FI("All goals evaluated: {reached} of {total} reached.",
                                    reached=1, total=2))  # fmt: skip
    assert head(POINTED_OUT) in steps.text
    summary = await coach.say("Hakee logistiikan koulutukseen tammikuussa")
    assert summary.text is not None and summary.text.startswith(head(REPORT))  # fmt: skip
    assert summary.text.endswith(FI("Recorded. The summary went to the client and the caseworker."))
    assert "1/2" in summary.text and "4/5 Sain paljon apua CV:n kanssa" in summary.text
    assert "Hakee logistiikan koulutukseen tammikuussa" in summary.text
    assert "⚠" not in summary.text  # next steps are recorded: the rule is met

    with bot.db.session() as session:
        review = session.get(PeriodReview, period_id)
        assert review is not None
        assert (review.goals_total, review.goals_reached, review.feedback_score) == (2, 1, 4)
        assert review.feedback_text == "Sain paljon apua CV:n kanssa"
        assert review.next_steps == "Hakee logistiikan koulutukseen tammikuussa"
        assert review.evaluated_by == ids["coach"]
        statuses = [g.status for g in session.exec(select(Goal).order_by(Goal.id))]
    assert statuses == ["reached", "not_reached"]
    to_worker = await message_to(bot, worker, head(REPORT))
    assert "Sain paljon apua CV:n kanssa" in (to_worker.text or "")
    await message_to(bot, client, head(REPORT))
    # The evaluation is final: the prompt loses its button, and the step's Skip is gone
    # too; an old press says so, and nothing is prompted again.
    await bot.fake.wait_until(lambda: prompt.buttons == [])
    assert steps.buttons == []
    query = await bot.fake.press_button(
        coach.user_id, prompt.message_id, f"ev:{period_id}:go", strict=False
    )
    await coach.answer(query)
    again = await coach.reply()
    assert again.text == FI("This period is evaluated already; the summary was sent.")
    assert await sweep(bot, datetime(2026, 12, 19, 9, 0, tzinfo=HKI)) == 0
    with bot.db.session() as session:
        reports = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "period_report")
        ).all()
    assert len(reports) == 2


async def test_skipping_next_steps_leaves_the_warning_in_the_report(bot: Harness) -> None:
    ids, chats = team(bot)
    coach, worker = chats["coach"], chats["caseworker"]

    period_id = period_ends(bot, date(2026, 11, 27))
    await add_goal(coach, "Working-life skills", "Opin ajanhallintaa", "Kalenteri käytössä",
                   "button:No target date", first=True)  # fmt: skip
    assert await sweep(bot, datetime(2026, 11, 27, 9, 0, tzinfo=HKI)) == 2
    prompt = await message_to(bot, coach, "Matti Meikäläinen")
    # Left unanswered over the weekend: reminded once, on the second working day at 09.00.
    assert await sweep(bot, datetime(2026, 12, 1, 8, 59, tzinfo=HKI)) == 0
    assert await sweep(bot, datetime(2026, 12, 1, 9, 0, tzinfo=HKI)) == 1
    assert await sweep(bot, datetime(2026, 12, 2, 9, 0, tzinfo=HKI)) == 0
    reminder = await message_to(bot, coach, head(EVALUATE_REMIND))
    assert reminder.text == FI(EVALUATE_REMIND, client="Matti Meikäläinen", end="pe 27.11.2026")
    assert reminder.button_texts == [FI("Evaluate the goals")]
    ask = await coach.press(FI("Evaluate the goals"), message=prompt)
    ask = await coach.press("◐ " + FI("Partly reached"), message=ask)
    steps = await coach.say("Kalenteri käytössä osan viikosta")
    summary = await coach.press(FI("Skip ▶"), message=steps, expect="message")
    assert "0/1" in (summary.text or "")
    assert FI(
        "\n\n⚠ Fewer than two goals were reached and no next steps were recorded. "
        "A job-coaching period should end with at least two goals or results reached, "
        "or concrete next steps."
    ).strip() in (summary.text or "")
    report = await message_to(bot, worker, head(REPORT))
    assert "⚠" in (report.text or "") and FI("not given yet") in (report.text or "")
    # The client's copy has no warning: that is for the caseworker and the coach.
    own = await message_to(bot, chats["client"], head(REPORT))
    assert "⚠" not in (own.text or "") and "0/1" in (own.text or "")
    # Feedback given after the summary follows it: the tap at once, the words after.
    question = next(
        m for m in chats["client"].messages if (m.text or "").startswith(head(ASK_FEEDBACK))
    )
    await chats["client"].press("2", message=question, expect="edit")
    note = await message_to(bot, worker, head(FEEDBACK_NOTE))
    assert note.text == FI(
        FEEDBACK_NOTE, client="Matti Meikäläinen", end="pe 27.11.2026", feedback="2/5 "
    )
    await chats["client"].say("Liian lyhyt jakso")
    note = await bot.fake.wait_for_message(
        worker.user.id, predicate=lambda m: "Liian lyhyt jakso" in (m.text or "")
    )
    assert note.text == FI(
        FEEDBACK_NOTE, client="Matti Meikäläinen", end="pe 27.11.2026",
        feedback="2/5 Liian lyhyt jakso",
    )  # fmt: skip
    await message_to(bot, coach, head(FEEDBACK_NOTE))
    with bot.db.session() as session:
        keys = [
            r.idempotency_key
            for r in session.exec(
                select(OutboxMessage).where(OutboxMessage.kind == "period_report")
            )
        ]
    assert sorted(keys) == sorted(
        f"period-report:{period_id}:{person}" for person in (ids["client"], ids["caseworker"])
    )


async def test_the_chart_speaks_the_viewers_language(bot: Harness) -> None:
    coach = bot.add(Role.COACH, "Karin Coach", language="sv")
    client = bot.add(Role.CLIENT, "Matti Meikäläinen", coach=coach, program="job-search")
    coach_chat = bot.fake.chat(bot.link(coach))
    bot.fake.chat(bot.link(client))

    def goal(session):  # type: ignore[no-untyped-def]
        from storage import goals
        from storage.models import Person

        owner = session.get(Person, coach)
        goals.add_goal(
            session, owner, client, area="networks", text="Kartoitan verkostoni",
            criterion="10 nimeä listalla", target_date=None, now=MONDAY_9.astimezone(UTC), tz=HKI,
        )  # fmt: skip

    bot.db.call(goal)
    picker = await coach_chat.say("/progress")
    assert picker.text == translator("sv")("Progress chart: which client?")
    picture = await coach_chat.press("Matti Meikäläinen", message=picker, expect="message")
    assert picture.caption == translator("sv")(
        "{client}: progress. 1 = not at all, 5 = very well, ★ = done.", client="Matti Meikäläinen"
    )
    assert picture.photo is not None and png_size(picture.photo.data or b"") == (
        WIDTH_PX, height_px(1),
    )  # fmt: skip


async def test_old_buttons_and_half_typed_goals_act_on_what_they_show(bot: Harness) -> None:
    ids, chats = team(bot)
    coach = chats["coach"]
    aino = bot.add(Role.CLIENT, "Aino Asiakas", coach=ids["coach"], program="job-search")
    aino_chat = bot.fake.chat(bot.link(aino))
    await add_goal(coach, "Working-life skills", "Opin ajanhallintaa", "Kalenteri käytössä",
                   "button:No target date", first=True, client="Aino Asiakas")  # fmt: skip
    await message_to(bot, aino_chat, head(TOLD_CLIENT_ADDED))

    # Half a goal for Matti, abandoned with Back; then Aino's goal gets a target date.
    listing = await coach.say("/goals")
    listing = await coach.press("Matti Meikäläinen", message=listing)
    ask = await coach.press("➕ " + FI("Add a goal"), message=listing)
    ask = await coach.press(FI("Job search: networks"), message=ask)
    ask = await coach.say("Matin oma tavoite")
    areas = await coach.press("◀ " + FI("Back"), message=ask)
    listing = await coach.press("◀ " + FI("Back"), message=areas)
    clients = await coach.press("◀ " + FI("Back"), message=listing)
    listing = await coach.press("Aino Asiakas", message=clients)
    view = await coach.press("1. Opin ajanhallintaa", message=listing)
    ask = await coach.press("✏ " + FI("Change the target date"), message=view)
    assert FI("When the period ends") not in ask.button_texts  # Aino's period has no end
    done = await coach.press(FI("In a month"), message=ask, expect="message")
    assert done.text == FI("Saved.")
    [goal] = stored_goals(bot)
    assert (goal.client_id, goal.text, goal.target_date) == (
        aino, "Opin ajanhallintaa", date(2026, 12, 23),
    )  # fmt: skip

    # An old "how did it go?" for goal 1, pressed after goal 2 was opened: goal 1 it is.
    view = await coach.reply()
    dialog = await coach.press("✔ " + FI("Close the goal"), message=view)
    await add_goal(coach, "Working-life skills", "Opin tiimityötä", "3 yhteistä tehtävää",
                   "button:No target date", first=False, client="Aino Asiakas")  # fmt: skip
    ask = await coach.press("◐ " + FI("Partly reached"), message=dialog)
    await coach.say("Kalenteri käytössä osan viikosta")
    first, second = stored_goals(bot)
    assert (first.text, first.status) == ("Opin ajanhallintaa", "partly")
    assert (second.text, second.status) == ("Opin tiimityötä", "open")
    # The same old button again (replayed): a closed goal's result is not rewritten.
    query = await forged(bot, coach, dialog, f"gl:s:{first.id}:reached")
    assert (await coach.answer(query)).text == STALE
    assert stored_goals(bot)[0].status == "partly"


async def test_check_ins_follow_the_period(bot: Harness) -> None:
    _, chats = team(bot, program="job-search")
    await add_goal(chats["coach"], "Job search: networks", "Kartoitan verkostoni",
                   "10 nimeä listalla", "button:No target date", first=True)  # fmt: skip

    period_ends(bot, date(2026, 11, 20))  # ended last Friday: no check-ins, only its end prompts
    assert await sweep(bot, datetime(2026, 11, 23, 10, 0, tzinfo=HKI)) == 2
    with bot.db.session() as session:
        assert session.exec(select(CheckIn)).all() == []
        kinds = {r.kind for r in session.exec(select(OutboxMessage))}
    assert {"goal_evaluation", "feedback"} <= kinds
    period_ends(bot, date(2027, 1, 29))  # extended: asked again from the next Monday
    assert await sweep(bot, datetime(2026, 11, 30, 10, 0, tzinfo=HKI)) == 1
    with bot.db.session() as session:
        [checkin] = session.exec(select(CheckIn)).all()
    assert checkin.due_at == datetime(2026, 11, 30, 10, tzinfo=HKI)
    await message_to(bot, chats["client"], head(START))  # delivered before the client acts
    # The check-in time changed on the day of a round: no second round that day.
    listing = await chats["client"].say("/goals")
    ask = await chats["client"].press("🗓 " + FI("Check-in time"), message=listing, expect="edit")
    ask = await chats["client"].press("Maanantai", message=ask, expect="edit")
    ask = await chats["client"].press("14.00", message=ask, expect="edit")
    await chats["client"].press(FI("Every week"), message=ask, expect="message")
    assert await sweep(bot, datetime(2026, 11, 30, 14, 0, tzinfo=HKI)) == 0
    assert await sweep(bot, datetime(2026, 12, 7, 14, 0, tzinfo=HKI)) == 2  # + the digest
    with bot.db.session() as session:
        due = [c.due_at for c in session.exec(select(CheckIn).order_by(CheckIn.id))]
    assert due == [
        datetime(2026, 11, 30, 10, tzinfo=HKI), datetime(2026, 12, 7, 14, tzinfo=HKI),
    ]  # fmt: skip
    # The extended period is prompted again at its new end (Friday 29.1.2027 at 09.00).
    assert await sweep(bot, datetime(2027, 1, 29, 8, 59, tzinfo=HKI)) == 0
    assert await sweep(bot, datetime(2027, 1, 29, 9, 0, tzinfo=HKI)) == 2
    with bot.db.session() as session:
        keys = sorted(
            r.idempotency_key
            for r in session.exec(
                select(OutboxMessage).where(OutboxMessage.kind == "goal_evaluation")
            )
        )
    assert [k.rsplit(":", 1)[1] for k in keys] == ["2026-11-20", "2027-01-29"]


async def test_moving_on_leaves_the_old_conversation_and_its_text_goes_to_the_new(
    bot: Harness,
) -> None:
    _, chats = team(bot)
    coach, client = chats["coach"], chats["client"]
    # A /change left at its description step, then a goal: the goal's words are the goal's.
    ask = await coach.say("/change")
    ask = await coach.press("Matti Meikäläinen", message=ask)
    ask = await coach.press(ask.button_texts[0], message=ask)  # a category
    assert "Matti Meikäläinen" in (ask.text or "")
    listing = await coach.say("/goals")
    listing = await coach.press("Matti Meikäläinen", message=listing)
    ask = await coach.press("➕ " + FI("Add a goal"), message=listing)
    ask = await coach.press(FI("Job search: networks"), message=ask)
    criterion = await coach.say("Kartoitan verkostoni")
    assert criterion.text is not None and criterion.text.startswith(FI(
        "How will you both see that it is reached? Write a criterion that can be checked, "
        "e.g. “sends 5 applications by 15.12.”."
    )[:20])  # fmt: skip
    with bot.db.session() as session:
        from storage.models import Alert

        assert session.exec(select(Alert)).all() == []  # nothing went to the caseworker
    # /cancel after moving on from a flow: a kind word, not "unknown command".
    await coach.say("/progress")
    nothing = await coach.say("/cancel")
    assert nothing.text == FI("There is nothing to cancel. /help shows what you can do.")
    assert [g.text for g in stored_goals(bot)] == []  # the half-typed goal was dropped

    # Words asked for under one answer, written after answering the next question.
    await add_goal(coach, "Job search: interviews", "Harjoittelen haastattelua",
                   "2 harjoitusta", "button:No target date", first=False)  # fmt: skip
    await add_goal(coach, "Job search: channels", "Opettelen hakukanavat",
                   "3 kanavaa käytössä", "button:No target date", first=False)  # fmt: skip
    assert await sweep(bot, datetime(2026, 11, 23, 10, 0, tzinfo=HKI)) == 1
    q1 = await message_to(bot, client, head(START))
    q2 = await client.press("4", message=q1, expect="message")
    await client.press(FI("✍ Add a few words"), message=q1, expect="message")
    await client.press("3", message=q2, expect="message")
    saved = await client.say("Kävin yhdessä harjoituksessa")
    assert saved.text == FI("Saved. Thank you!")
    comments = {goal: comment for _, goal, _, _, comment in answers(bot)}
    [first] = [g for g in stored_goals(bot) if g.text == "Harjoittelen haastattelua"]
    assert comments[first.id] == "Kävin yhdessä harjoituksessa"


async def test_a_goal_added_outside_a_running_period_promises_no_check_in(bot: Harness) -> None:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    client = bot.add(
        Role.CLIENT, "Matti Meikäläinen", coach=coach, program="job-search",
        start=date(2026, 12, 7),  # starts in two weeks
    )  # fmt: skip
    coach_chat, client_chat = (bot.fake.chat(bot.link(p)) for p in (coach, client))
    await add_goal(coach_chat, "Job search: networks", "Kartoitan verkostoni",
                   "10 nimeä listalla", "button:No target date", first=True)  # fmt: skip
    told = await message_to(bot, client_chat, head(TOLD_CLIENT_ADDED))
    assert told.text == FI(
        TOLD_CLIENT_ADDED_LATER, goal="Kartoitan verkostoni", criterion="10 nimeä listalla"
    )
    assert await sweep(bot, datetime(2026, 11, 30, 10, 0, tzinfo=HKI)) == 0  # not started
    assert await sweep(bot, datetime(2026, 12, 7, 10, 0, tzinfo=HKI)) == 1  # its first Monday


async def test_an_answered_question_leaves_no_buttons_on_its_other_copy(bot: Harness) -> None:
    _, chats = team(bot)
    coach, client = chats["coach"], chats["client"]
    await add_goal(coach, "Working-life skills", "Opin ajanhallintaa", "Kalenteri käytössä",
                   "button:No target date", first=True)  # fmt: skip
    assert await sweep(bot, datetime(2026, 11, 23, 10, 0, tzinfo=HKI)) == 1
    first = await message_to(bot, client, head(START))
    assert await sweep(bot, datetime(2026, 11, 24, 10, 0, tzinfo=HKI)) == 1
    reminder = await message_to(bot, client, head(REMIND))
    assert reminder.button_texts == first.button_texts == ["1", "2", "3", "4", "5", FI("✓ Done")]

    # Answered on the first: the reminder asks no more, the first shows the answer.
    answered = await client.press("4", message=first, expect="edit")
    assert answered.button_texts == [FI("✍ Add a few words")]
    await bot.fake.wait_until(lambda: reminder.buttons == [])
    assert "Opin ajanhallintaa" in (reminder.text or "")  # the text stays as it was
