"""Hours against the cap and work-activity days, end to end through the fake Bot API.

A job-search client booked toward the 35-hour cap [002 §3.2]: the coach sees the hours
used / booked / left at the confirm step and in /clients, a warning at 80 %, and a
booking past the cap is refused with the figures and an offer to ask the caseworker for
more hours; the write path refuses it too. A work-activity client's days follow the
program's day rules [002 §2], at booking and when a day is moved. The people here speak
English, so the texts read as their message ids.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.fakeapi.conversation import Conversation
from bot.meetings import actions
from bot.meetings.notices import DEFAULT_QUIET
from bot.periods.hours import BookingRefused
from bot.rules.periods import Problem
from storage import meetings
from storage.models import (
    Attendance,
    Meeting,
    MeetingKind,
    MeetingStatus,
    PeriodRequest,
    Person,
    Role,
    ServicePeriod,
)
from tests.e2e.harness import Clock, Harness

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=HKI)
REFUSED = "This button is no longer valid."


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    clock = Clock(MONDAY_9.astimezone(UTC))
    async with Harness(database_url, COACHBOT_OUTBOX_INTERVAL=0.2) as harness:
        harness.services.clock = clock
        harness.clock = clock
        yield harness


async def team(bot: Harness, program: str) -> tuple[dict[str, int], dict[str, Conversation]]:
    coach = bot.add(Role.COACH, "Kaisa Koutsi", language="en")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija", language="en")
    client = bot.add(
        Role.CLIENT, "Matti Meikäläinen", coach=coach, caseworker=worker, program=program
    )
    chats = {
        "coach": await bot.join(coach, language_code="en"),
        "caseworker": await bot.join(worker, language_code="en"),
    }
    return {"coach": coach, "caseworker": worker, "client": client}, chats


def held(bot: Harness, ids: dict[str, int], days: list[int], hours: float) -> None:
    """Meetings of November already held, each recorded as attended for `hours`."""

    def add(session):  # type: ignore[no-untyped-def]
        for day in days:
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


def scheduled(bot: Harness) -> list[Meeting]:
    with bot.db.session() as session:
        return list(
            session.exec(
                select(Meeting)
                .where(Meeting.status == MeetingStatus.SCHEDULED.value)
                .where(Meeting.starts_at > MONDAY_9)
                .order_by(Meeting.starts_at)  # type: ignore[arg-type]
            )
        )


async def weekly(coach: Conversation, kind: str, count: str, hours: str = "2 hours"):  # type: ignore[no-untyped-def]
    """/schedule a weekly series on Wednesdays from 25 November at 10:00."""
    await coach.say("/schedule")
    await coach.press("Matti Meikäläinen")
    await coach.press(kind)
    await coach.press("25")
    await coach.press("10:00")
    await coach.press(hours)
    await coach.press("Decide later")
    await coach.press("Every week")
    await coach.press("Done")
    return await coach.press(count)


async def test_booking_toward_the_cap_warns_then_refuses(bot: Harness) -> None:
    ids, chats = await team(bot, "job-search")
    coach = chats["coach"]
    held(bot, ids, [3, 5, 10, 12, 17], 4.0)  # 20 of 35 hours used

    # 4 × 2 h: 28 of 35, the 80 % point: the figures and the warning, and it books.
    summary = await weekly(coach, "Individual meeting", "4")
    assert summary.text is not None
    assert "Hours of the period: 20 h used, 0 h booked, 15 h left of 35 h." in summary.text
    assert "This booking: 8 h. Left after it: 7 h." in summary.text
    assert "⚠ After this booking 80 % of the hours are used or booked." in summary.text
    assert summary.button_texts == ["✔ Book", "◀ Back", "✖ Cancel"]
    done = await coach.press("✔ Book")
    assert done.text == "Booked 4 meetings. The client gets a card to confirm."
    assert len(scheduled(bot)) == 4

    listing = await coach.say("/clients")
    assert listing.text is not None
    assert "20 h used, 8 h booked, 7 h left of 35 h" in listing.text

    # Group hours count too: 4 × 2 h more would pass the cap. Refused, with the figures.
    refused = await weekly(coach, "Group meeting", "4")
    assert refused.text is not None
    assert "Hours of the period: 20 h used, 8 h booked, 7 h left of 35 h." in refused.text
    # 35 h is the most job-search coaching allows [002 §3.1 a]: nothing more to ask for.
    assert (
        "✖ Not booked: this needs 8 h, but only 7 h are left of the cap of 35 h, "
        "the most the program allows."
    ) in refused.text
    assert "This booking" not in refused.text
    assert refused.button_texts == ["◀ Back", "✖ Cancel"]
    # The write path refuses too: a forged "Book" on the refusal books nothing.
    query = await bot.fake.press_button(coach.user.id, refused.message_id, "sc:ok", strict=False)
    assert (await coach.answer(query)).text != REFUSED  # taken, and refused by the action
    assert refused.text is not None and "✖ Not booked" in refused.text
    assert len(scheduled(bot)) == 4

    # Two of them fit (4 h of 7): back to the count, and the warning stays.
    await coach.press("◀ Back", message=refused)
    fits = await coach.press("2")
    assert fits.text is not None and "Left after it: 3 h." in fits.text
    assert "⚠ After this booking 91 % of the hours are used or booked." in fits.text

    # An agreement of 30 h leaves room under the program's 35: the coach may ask the
    # caseworker for the hours the refused booking lacks.
    def agreed(session):  # type: ignore[no-untyped-def]
        period = session.exec(select(ServicePeriod)).one()
        period.hour_cap = 30.0
        session.add(period)

    bot.db.call(agreed)
    await coach.say("/cancel")
    refused = await weekly(coach, "Group meeting", "2")
    assert (
        refused.text is not None
        and (
            "this needs 4 h, but only 2 h are left of the cap of 30 h. "
            "You can ask the caseworker for more hours."
        )
        in refused.text
    )
    assert refused.button_texts == ["Ask the caseworker for more hours", "◀ Back", "✖ Cancel"]
    asked = await coach.press("Ask the caseworker for more hours", message=refused)
    assert asked.text == (
        "Asked the caseworker for 2 more hours. Nothing was booked: book again when they "
        "have answered."
    )
    assert asked.button_texts == []
    with bot.db.session() as session:
        [request] = session.exec(select(PeriodRequest)).all()
        assert (request.kind, request.hours, request.status) == ("hours", 2.0, "pending")
        assert request.requested_by == ids["coach"]
    told = await bot.fake.wait_for_message(
        chats["caseworker"].user.id, predicate=lambda m: bool(m.buttons)
    )
    assert told.button_texts  # the caseworker decides with buttons (the period feature's)
    assert len(scheduled(bot)) == 4


async def test_the_write_path_counts_the_cap_and_the_procedure(bot: Harness) -> None:
    """Booking through the action itself: past the cap, and during the no-show procedure
    anything but the three-party meeting, is refused and nothing is written."""
    ids, _ = await team(bot, "job-retention")  # a 21-hour cap
    held(bot, ids, [3, 5, 10, 12], 5.0)  # 20 h

    def book(kind: MeetingKind, hours: float):  # type: ignore[no-untyped-def]
        def run(session):  # type: ignore[no-untyped-def]
            coach = session.get(Person, ids["coach"])
            return actions.book(
                session, coach, client_id=ids["client"], kind=kind,
                starts=[datetime(2026, 11, 25, 10, tzinfo=HKI)], duration=timedelta(hours=hours),
                place=None, now=bot.services.now(), tz=HKI, quiet=DEFAULT_QUIET,
            )  # fmt: skip

        return bot.db.call(run)

    with pytest.raises(BookingRefused) as over:
        book(MeetingKind.INDIVIDUAL, 1.5)
    assert over.value.check.problem is Problem.OVER_CAP
    assert scheduled(bot) == []

    def procedure(session, state):  # type: ignore[no-untyped-def]
        period = session.exec(select(ServicePeriod)).one()
        period.procedure = state
        session.add(period)

    bot.db.call(procedure, "three_party")
    with pytest.raises(BookingRefused) as waiting:
        book(MeetingKind.INDIVIDUAL, 1.0)
    assert waiting.value.check.problem is Problem.PROCEDURE
    assert book(MeetingKind.THREE_PARTY, 1.0) == 1  # exactly the cap
    assert [m.kind for m in scheduled(bot)] == ["three_party"]
    bot.db.call(procedure, None)
    # Granted hours never pass the program's 21 h [002 §3.1 b].
    with pytest.raises(BookingRefused) as full:
        book(MeetingKind.INDIVIDUAL, 0.5)
    assert full.value.check.problem is Problem.OVER_CAP and full.value.check.more_possible == 0


async def test_work_activity_days_follow_the_program(bot: Harness) -> None:
    ids, chats = await team(bot, "work-activity")
    coach = chats["coach"]
    await coach.say("/schedule")
    await coach.press("Matti Meikäläinen")
    days = await coach.press("Work-activity day")
    # A Saturday is not a work day.
    query = await coach.click("28*", message=days)
    assert (await coach.answer(query)).text == "Work-activity days are on working days."
    times = await coach.press("24", message=days)
    # The day window is 08–17 and the shortest day 4 hours: the last start is 13:00.
    assert times.button_texts[0] == "08:00"
    assert "13:00" in times.button_texts and "13:30" not in times.button_texts
    lengths = await coach.press("12:00", message=times)
    assert lengths.button_texts == ["4 hours", "◀ Back", "✖ Cancel"]  # 6 h would end at 18
    # A forged 5-hour day is refused (the program knows 4- and 6-hour days).
    query = await bot.fake.press_button(
        coach.user.id, lengths.message_id, "sc:du:300", strict=False
    )
    assert (await coach.answer(query)).text == REFUSED
    await coach.press("◀ Back", message=lengths)
    lengths = await coach.press("08:00", message=times)
    assert lengths.button_texts == ["4 hours", "6 hours", "◀ Back", "✖ Cancel"]
    await coach.press("6 hours", message=lengths)
    await coach.press("Decide later")
    await coach.press("Every week")
    # One weekday a week is not a work-activity week (2–5 days).
    query = await coach.click("Done")
    assert (await coach.answer(query)).text == "Work-activity days are 2–5 days a week."
    await coach.press("Thu")
    await coach.press("Done")
    summary = await coach.press("2")
    assert summary.text is not None and "Hours of the period" not in summary.text  # no cap
    done = await coach.press("✔ Book")
    assert done.text == "Booked 2 meetings. The client gets a card to confirm."
    made = scheduled(bot)
    assert [m.starts_at.astimezone(HKI) for m in made] == [
        datetime(2026, 11, 24, 8, 0, tzinfo=HKI),
        datetime(2026, 11, 26, 8, 0, tzinfo=HKI),
    ]
    assert {m.ends_at - m.starts_at for m in made} == {timedelta(hours=6)}

    # The write path: a 5-hour day, or one ending after 17, is refused from the data.
    def book(start: datetime, hours: float):  # type: ignore[no-untyped-def]
        def run(session):  # type: ignore[no-untyped-def]
            return actions.book(
                session, session.get(Person, ids["coach"]), client_id=ids["client"],
                kind=MeetingKind.WORK_DAY, starts=[start], duration=timedelta(hours=hours),
                place=None, now=bot.services.now(), tz=HKI, quiet=DEFAULT_QUIET,
            )  # fmt: skip

        return bot.db.call(run)

    with pytest.raises(BookingRefused) as five:
        book(datetime(2026, 12, 1, 8, tzinfo=HKI), 5)
    assert five.value.check.problem is Problem.DAY_LENGTH
    with pytest.raises(BookingRefused) as late:
        book(datetime(2026, 12, 1, 12, tzinfo=HKI), 6)
    assert late.value.check.problem is Problem.DAY_WINDOW

    # Moving the Tuesday: a 6-hour day may start at 11:00 at the latest; a forged later
    # start is refused with the reason, and nothing moves.
    listing = await coach.say("/meetings")
    choose = await coach.press("Change or cancel a meeting", message=listing)
    details = await coach.press(choose.button_texts[0])
    calendar = await coach.press("Move", message=details)
    query = await coach.click("28*", message=calendar)
    assert (await coach.answer(query)).text == "Work-activity days are on working days."
    times = await coach.press("25", message=calendar)
    assert "11:00" in times.button_texts and "11:30" not in times.button_texts
    meeting_id = made[0].id
    query = await bot.fake.press_button(
        coach.user.id, times.message_id, f"mmtm{meeting_id}:t:1200", strict=False
    )
    answer = await coach.answer(query)
    assert answer.text == "✖ A work-activity day is between 08.00 and 17.00."
    assert scheduled(bot)[0].starts_at == made[0].starts_at
    moved = await coach.press("09:00", message=times)
    assert moved.text == "Moved 1 meeting. Everyone concerned is told."
    assert scheduled(bot)[0].starts_at.astimezone(HKI) == datetime(2026, 11, 25, 9, tzinfo=HKI)


async def test_work_days_of_a_program_without_day_rules_are_free(bot: Harness) -> None:
    """Only programs whose data has day rules get them: a job-search "work day" is any
    length (of the usual ones) at any offered hour."""
    _, chats = await team(bot, "job-search")
    coach = chats["coach"]
    await coach.say("/schedule")
    await coach.press("Matti Meikäläinen")
    await coach.press("Work-activity day")
    times = await coach.press("28*")
    assert "20:30" in times.button_texts
    lengths = await coach.press("18:00", message=times)
    assert lengths.button_texts[:5] == ["30 min", "45 min", "1 hour", "90 min", "2 hours"]
    assert date(2026, 11, 28).weekday() == 5
