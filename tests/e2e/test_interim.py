"""The interim evaluation end to end [002 §3.1 a]: job-search coaching's evaluation is due
at the latest after 21 coaching hours. The job (run by hand at a passed `now`, as the
JobQueue would) reminds the coach at 18 h once, and when due once per working day; the
coach writes it in chat; it reaches the caseworker, who decides; "End" ends the period as
interrupted by the purchaser. The people here speak English, so the texts read as their
message ids.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.fakeapi.conversation import Conversation
from bot.fakeapi.models import BotMessage
from bot.periods import interim
from storage import meetings
from storage.models import (
    Attendance,
    InterimEvaluation,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Role,
    ServicePeriod,
)
from tests.e2e.harness import Clock, Harness
from tests.e2e.stale import LEAVES, Seen, leave, press_stale, seen

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=HKI)
REFUSED = "This button is no longer valid."
WRITE = "Write the interim evaluation"


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    clock = Clock(MONDAY_9.astimezone(UTC))
    async with Harness(database_url, COACHBOT_OUTBOX_INTERVAL=0.2) as harness:
        harness.services.clock = clock
        harness.clock = clock
        # The test runs the job by hand at the `now` it passes; the JobQueue's own runs
        # (once the wiring has the job) would race it.
        assert harness.app is not None and harness.app.job_queue is not None
        for name in ("interim-start", "interim"):
            for job in harness.app.job_queue.get_jobs_by_name(name):
                job.schedule_removal()
        yield harness


async def team(bot: Harness) -> tuple[dict[str, int], dict[str, Conversation]]:
    coach = bot.add(Role.COACH, "Kaisa Koutsi", language="en")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija", language="en")
    client = bot.add(
        Role.CLIENT, "Matti Meikäläinen", coach=coach, caseworker=worker, program="job-search"
    )
    chats = {
        "coach": await bot.join(coach, language_code="en"),
        "caseworker": await bot.join(worker, language_code="en"),
    }
    return {"coach": coach, "caseworker": worker, "client": client}, chats


def attended(bot: Harness, ids: dict[str, int], day: int, hours: float) -> None:
    """A meeting on `day` of November, held and recorded for `hours`."""

    def add(session):  # type: ignore[no-untyped-def]
        [meeting] = meetings.book(
            session, coach_id=ids["coach"], client_id=ids["client"],
            kind=MeetingKind.INDIVIDUAL, starts=[datetime(2026, 11, day, 10, tzinfo=HKI)],
            duration=timedelta(hours=hours), place=None,
        )  # fmt: skip
        session.add(
            Attendance(
                meeting_id=meeting.id, outcome="attended", hours_used=hours,
                billable_hours=hours, recorded_by=ids["coach"],
            )
        )  # fmt: skip

    bot.db.call(add)


async def sweep(bot: Harness, now: datetime) -> int:
    """The job's core at `now`; the clock follows, so what it queued goes out."""
    assert isinstance(bot.clock, Clock)
    bot.clock.set(now.astimezone(UTC))
    done = bot.db.call(interim.sweep, now, HKI)
    bot.dispatcher.wake()
    return done


async def reminder(bot: Harness, chat: Conversation, text: str) -> BotMessage:
    return await bot.fake.wait_for_message(chat.user.id, predicate=lambda m: text in (m.text or ""))


async def write(coach: Conversation, start: BotMessage, proposal: str) -> BotMessage:
    """The coach's steps from the reminder's button to the summary."""
    question = await coach.press(WRITE, message=start, expect="message")
    assert question.text == (
        "Matti Meikäläinen: interim evaluation after 21 coaching hours (21 h at the latest)."
        "\n\nHow has the client progressed? Write a few sentences."
    )
    assert question.button_texts == ["✖ Cancel"]
    choose = await coach.say("Two applications sent, CV ready. Interviews are hard for him.")
    assert choose.text == "Your proposal to the caseworker?"
    assert choose.button_texts == ["Continue the service", "End the service", "✖ Cancel"]
    why = await coach.press(proposal, message=choose)
    assert why.text == "Why? Write a short reason."
    return await coach.say("He is motivated and close to a job.")


async def test_the_interim_evaluation_reaches_the_caseworker(bot: Harness) -> None:
    ids, chats = await team(bot)
    coach, caseworker = chats["coach"], chats["caseworker"]
    for day in (3, 5, 10, 12):
        attended(bot, ids, day, 4.0)  # 16 h: nothing yet
    assert await sweep(bot, MONDAY_9) == 0

    attended(bot, ids, 17, 2.0)  # 18 h: the coach hears it is coming, once
    assert await sweep(bot, MONDAY_9) == 1
    soon = await reminder(bot, coach, "has 18 coaching hours")
    assert soon.text == (
        "Matti Meikäläinen has 18 coaching hours. The interim evaluation is due at 21 hours "
        "at the latest. Please write it soon: it goes to the caseworker."
    )
    assert soon.button_texts == [WRITE]
    assert await sweep(bot, MONDAY_9 + timedelta(hours=3)) == 0
    listing = await coach.say("/interim")
    assert listing.text == "Whose interim evaluation?"
    assert listing.button_texts == ["Matti Meikäläinen (18 of 21 h)", "✖ Cancel"]

    attended(bot, ids, 19, 3.0)  # 21 h: due, reminded once per working day from 09.00
    assert await sweep(bot, MONDAY_9 + timedelta(hours=1)) == 1
    due = await reminder(bot, coach, "is due now")
    assert due.text == (
        "Matti Meikäläinen has 21 coaching hours: the interim evaluation is due now (21 hours "
        "at the latest). Please write it: it goes to the caseworker."
    )
    assert await sweep(bot, MONDAY_9 + timedelta(hours=8)) == 0  # the same day
    assert await sweep(bot, MONDAY_9 + timedelta(days=5)) == 0  # Saturday
    assert await sweep(bot, MONDAY_9 + timedelta(days=7, hours=-1)) == 0  # Monday 08.00
    assert await sweep(bot, MONDAY_9 + timedelta(days=7)) == 1  # Monday 09.00
    again = await reminder(bot, coach, "is due now")

    # Another coach cannot open it.
    other = await bot.join(bot.add(Role.COACH, "Olli Toinen", language="en"), language_code="en")
    anchor = await other.say("/help")
    period_id = bot.db.call(lambda s: s.exec(select(ServicePeriod)).one().id)
    query = await bot.fake.press_button(
        other.user.id, anchor.message_id, f"ir:{period_id}:go", strict=False
    )
    assert (await other.answer(query)).text == REFUSED

    summary = await write(coach, again, "Continue the service")
    assert summary.text == (
        "Check and send to the caseworker:\nMatti Meikäläinen\n\n"
        "Progress: Two applications sent, CV ready. Interviews are hard for him.\n\n"
        "Proposal: continue the service\nWhy: He is motivated and close to a job."
    )
    sent = await coach.press("✔ Send", message=summary)
    assert sent.text == "Sent to the caseworker. You will hear their decision."
    assert sent.button_texts == []
    with bot.db.session() as session:
        [row] = session.exec(select(InterimEvaluation)).all()
        assert (row.period_id, row.hours_at, row.proposal) == (period_id, 21.0, "continue")
        assert row.written_by == ids["coach"] and row.decision is None
    # Written: no more reminders, and the reminder's button says so.
    assert await sweep(bot, MONDAY_9 + timedelta(days=8)) == 0
    done = await coach.press(WRITE, message=due, expect="message")
    assert done.text == "The interim evaluation of Matti Meikäläinen is written already."

    card = await reminder(bot, caseworker, "Interim evaluation:")
    assert card.text == (
        "Interim evaluation: Matti Meikäläinen, Job-search coaching, after 21 coaching hours."
        "\nCoach: Kaisa Koutsi\n\nProgress: Two applications sent, CV ready. Interviews are "
        "hard for him.\n\nThe coach proposes: continue the service.\nWhy: He is motivated and "
        "close to a job.\n\nShould the service continue?"
    )
    assert card.button_texts == ["Continue", "End"]
    # Another caseworker cannot decide it.
    stranger = bot.add(Role.CASEWORKER, "Outi Ulkopuolinen", language="en")
    outsider = await bot.join(stranger, language_code="en")
    anchor = await outsider.say("/help")
    query = await bot.fake.press_button(
        outsider.user.id, anchor.message_id, f"iw:{row.id}:c", strict=False
    )
    assert (await outsider.answer(query)).text == REFUSED

    # "End" asks once more; Back brings the choice back; "Continue" decides.
    sure = await caseworker.press("End", message=card)
    assert sure.text is not None and sure.text.endswith(
        "End the service now? Its booked meetings are cancelled, and the client and the "
        "coach are told."
    )
    assert sure.button_texts == ["Yes, end the service", "◀ Back"]
    back = await caseworker.press("◀ Back", message=card)
    assert back.button_texts == ["Continue", "End"]
    decided = await caseworker.press("Continue", message=card)
    assert decided.text is not None and decided.text.endswith(
        "✔ Your decision: the service continues. The coach is told."
    )
    assert decided.button_texts == []
    told = await reminder(bot, coach, "The caseworker read")
    assert told.text == (
        "The caseworker read the interim evaluation of Matti Meikäläinen: the service continues."
    )
    with bot.db.session() as session:
        [row] = session.exec(select(InterimEvaluation)).all()
        assert (row.decision, row.decided_by) == ("continue", ids["caseworker"])
        assert session.exec(select(ServicePeriod)).one().status == "active"
    # Decided once: a second press (forged) is refused.
    query = await bot.fake.press_button(
        caseworker.user.id, card.message_id, f"iw:{row.id}:x", strict=False
    )
    assert (await caseworker.answer(query)).text == REFUSED
    assert bot.db.call(lambda s: s.exec(select(ServicePeriod)).one().status) == "active"


async def test_the_caseworker_ends_the_service_after_the_evaluation(bot: Harness) -> None:
    ids, chats = await team(bot)
    coach, caseworker = chats["coach"], chats["caseworker"]
    for day in (3, 5, 10, 12, 17):
        attended(bot, ids, day, 4.2)  # 21 h
    booked = bot.db.call(
        lambda s: meetings.book(
            s, coach_id=ids["coach"], client_id=ids["client"], kind=MeetingKind.INDIVIDUAL,
            starts=[datetime(2026, 11, 26, 10, tzinfo=HKI)], duration=timedelta(hours=1),
            place=None,
        )[0].id
    )  # fmt: skip
    assert await sweep(bot, MONDAY_9) == 1
    due = await reminder(bot, coach, "is due now")
    assert "21 coaching hours" in (due.text or "")
    summary = await write(coach, due, "End the service")
    assert summary.text is not None and "Proposal: end the service" in summary.text
    # /cancel on the summary sends nothing; the reminder's button starts again.
    stopped = await coach.say("/cancel")
    assert stopped.text == "Stopped. Nothing was sent."
    query = await bot.fake.press_button(
        coach.user.id, summary.message_id, summary.buttons[0][0][1] or "", strict=False
    )
    assert (await coach.answer(query)).text == REFUSED
    assert bot.db.call(lambda s: s.exec(select(InterimEvaluation)).all()) == []
    summary = await write(coach, due, "End the service")
    await coach.press("✔ Send", message=summary)

    card = await reminder(bot, caseworker, "Interim evaluation:")
    assert "The coach proposes: end the service." in (card.text or "")
    await caseworker.press("End", message=card)
    ended = await caseworker.press("Yes, end the service", message=card)
    assert ended.text is not None and ended.text.endswith(
        "✔ Your decision: the service ends. The client and the coach are told."
    )
    told = await reminder(bot, coach, "The caseworker read")
    assert told.text == (
        "The caseworker read the interim evaluation of Matti Meikäläinen: the service ends. "
        "Booked meetings are cancelled and everyone is told."
    )
    with bot.db.session() as session:
        period = session.exec(select(ServicePeriod)).one()
        assert (period.status, period.end_reason) == ("ended", "purchaser")
        assert period.ended_on == MONDAY_9.date() and period.ended_by == ids["caseworker"]
        assert period.end_note == "He is motivated and close to a job."
        meeting = session.get(Meeting, booked)
        assert meeting is not None and meeting.status == MeetingStatus.CANCELLED.value
        assert session.exec(select(InterimEvaluation)).one().decision == "end"
    # The period has ended: nothing left to remind or decide.
    assert await sweep(bot, MONDAY_9 + timedelta(days=1)) == 0
    listing = await coach.say("/interim")
    assert listing.text == "No interim evaluation is waiting."


@pytest.mark.parametrize("how", LEAVES)
async def test_interim_buttons_are_stale_once_restarted_or_left(bot: Harness, how: str) -> None:
    """A Finnish-speaking coach: the steps are pressed by their data, the refusal is the
    catalog's. Nothing is written by a step left behind."""
    coach_id = bot.add(Role.COACH, "Kaisa Koutsi")
    client_id = bot.add(Role.CLIENT, "Matti Meikäläinen", coach=coach_id, program="job-search")
    coach = await bot.join(coach_id)
    for day in (3, 5, 10):
        attended(bot, {"coach": coach_id, "client": client_id}, day, 7.0)
    assert await sweep(bot, MONDAY_9) == 1
    start = await bot.fake.wait_for_message(coach.user.id, predicate=lambda m: bool(m.buttons))
    period_id = bot.db.call(lambda s: s.exec(select(ServicePeriod)).one().id)
    steps: list[Seen] = []
    step = await coach.press(callback_data=f"ir:{period_id}:go", message=start, expect="message")
    steps.append(seen(step))  # progress
    step = await coach.say("Hyvin menee.")
    steps.append(seen(step))  # the proposal
    step = await coach.press(callback_data=f"ir:{period_id}:p:c", message=step)
    steps.append(seen(step))  # why
    step = await coach.say("Työpaikka lähellä.")
    steps.append(seen(step))  # check and send
    assert f"ir:{period_id}:ok" in steps[-1].data

    await leave(coach, how, "/interim")
    assert await press_stale(bot, coach, steps) >= 6
    assert bot.db.call(lambda s: s.exec(select(InterimEvaluation)).all()) == []
