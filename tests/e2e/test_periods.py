"""The service period end to end: the coach's /period, the caseworker's Approve, the
messages that follow, through the fake Bot API with the real Application.

Buttons are pressed by their data (ids and actions only), and the texts expected are
rendered from the catalog ids, so the tests read the same whatever the catalogs say.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.fakeapi import Conversation
from bot.fakeapi.models import BotMessage
from bot.meetings import notices
from bot.periods import actions, jobs, texts
from bot.rules.periods import EndReason
from messages.render import render
from storage import goals, meetings
from storage.models import (
    Meeting,
    MeetingKind,
    MeetingStatus,
    OutboxMessage,
    PeriodRequest,
    PeriodStatus,
    Role,
    ServicePeriod,
)
from tests.e2e.harness import Harness
from tests.e2e.stale import LEAVES, REFUSED, Seen, leave, press_stale, seen

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=HKI)  # Friday
TODAY = date(2026, 11, 20)
USER_IDS = itertools.count(81_000)


@dataclass
class Team:
    coach: int
    worker: int
    client: int
    chats: dict[str, Conversation]


@pytest.fixture
async def bot(database_url: str):  # type: ignore[no-untyped-def]
    async with Harness(database_url, now=NOW.astimezone(UTC), COACHBOT_OUTBOX_INTERVAL=600) as h:
        yield h


def team(bot: Harness) -> Team:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija")
    client = bot.add(Role.CLIENT, "Matti Meikäläinen", coach=coach, caseworker=worker)
    chats = {
        name: bot.fake.chat(bot.link(person, user_id=next(USER_IDS)))
        for name, person in (("coach", coach), ("worker", worker), ("client", client))
    }
    return Team(coach, worker, client, chats)


def start(bot: Harness, t: Team, program: str = "job-search", **kw: object) -> ServicePeriod:
    values: dict[str, object] = {"start": TODAY - timedelta(days=18), "end": None,
                                 "hour_cap": None, "now": NOW}  # fmt: skip
    values.update(kw)
    return bot.db.call(
        actions.start_period, actor_id=t.coach, client_id=t.client, program_key=program, **values
    )


def period(bot: Harness, period_id: int) -> ServicePeriod:
    with bot.db.session() as session:
        found = session.get(ServicePeriod, period_id)
        assert found is not None
        return found


def fi(message: str, **params: object) -> str:
    return render(message, dict(params), "fi")


def book(bot: Harness, t: Team, when: datetime) -> int:
    """A meeting booked the way /schedule books it: the client's card goes at once when
    the meeting is within a week."""

    def go(session):  # type: ignore[no-untyped-def]
        [made] = meetings.book(
            session, coach_id=t.coach, client_id=t.client, kind=MeetingKind.INDIVIDUAL,
            starts=[when], duration=timedelta(hours=1), place=None,
        )  # fmt: skip
        notices.booked(session, meetings.view(session, made), NOW, HKI)
        return made.id

    meeting_id = bot.db.call(go)
    bot.services.wake_outbox()
    return meeting_id


async def until_text(chat: Conversation, wanted: str) -> BotMessage:
    """The next message with this text (others before it are passed over)."""
    for _ in range(10):
        message = await chat.reply()
        if message.text == wanted:
            return message
    raise AssertionError(f"no message {wanted!r}")


async def open_period(chat: Conversation, client_id: int) -> BotMessage:
    step = await chat.say("/period")
    while f"pe:c:{client_id}" not in [d for row in step.buttons for _, d in row]:
        step = await chat.reply()  # a job's message came first (the goals' evaluation)
    return await chat.press(expect="edit", callback_data=f"pe:c:{client_id}", message=step)


async def test_an_extension_approved_by_the_caseworker_moves_the_end(bot: Harness) -> None:
    t = team(bot)
    made = start(bot, t)
    assert made.planned_end == date(2027, 5, 1)
    coach, worker = t.chats["coach"], t.chats["worker"]
    view = await open_period(coach, t.client)
    assert "pe:x" in [d for row in view.buttons for _, d in row]
    calendar = await coach.press(expect="edit", callback_data="pe:x", message=view)
    assert "pex:d:2027-05-02" in [d for row in calendar.buttons for _, d in row]
    june = await coach.press(expect="edit", callback_data="pex:m:2027-06", message=calendar)
    await coach.press(expect="edit", callback_data="pex:d:2027-06-15", message=june)

    asked = await worker.reply()
    assert asked.text == fi(
        texts.ASK_EXTENSION, coach="Kaisa Koutsi", client="Matti Meikäläinen",
        program={"$msg": "Job-search coaching"}, end={"$date": "2027-05-01"},
        until={"$date": "2027-06-15"}, latest={"$date": "2027-07-01"}, note={"$msg": texts.NO_NOTE},
    )  # fmt: skip
    [[(_, approve), (_, _decline)]] = asked.buttons
    assert period(bot, made.id).planned_end == date(2027, 5, 1)  # only asked so far

    await worker.press(expect="edit", callback_data=approve, message=asked)
    told = await until_text(
        coach,
        fi(texts.EXTENSION_APPROVED, caseworker="Ville Virkailija", client="Matti Meikäläinen",
           until={"$date": "2027-06-15"}),
    )  # fmt: skip
    assert told is not None
    after = period(bot, made.id)
    assert (after.planned_end, after.extensions) == (date(2027, 6, 15), 1)

    # Pressed again (the button is gone, the press forged): no longer valid, nothing moves.
    query = await bot.fake.press_button(worker.user_id, asked.message_id, approve, strict=False)
    assert (await worker.answer(query)).text == REFUSED
    # The coach presses it (forged): the same refusal.
    query = await bot.fake.press_button(coach.user_id, told.message_id, approve, strict=False)
    assert (await coach.answer(query)).text == REFUSED
    assert period(bot, made.id).extensions == 1


async def test_job_retention_is_refused_without_a_job_search_that_led_to_a_job(
    bot: Harness,
) -> None:
    t = team(bot)
    search = start(bot, t, start=date(2026, 3, 2))
    bot.db.call(
        actions.end_period, actor_id=t.coach, period_id=search.id,
        reason=EndReason.GOAL_REACHED, note=None, on=TODAY - timedelta(days=1), now=NOW,
    )  # fmt: skip
    coach = t.chats["coach"]
    view = await open_period(coach, t.client)
    assert next(d for row in view.buttons for _, d in row) == "pe:n"
    step = await coach.press(expect="edit", callback_data="pe:n", message=view)
    step = await coach.press(expect="edit", callback_data="pe:p:job-retention", message=step)
    assert "pe:cap:21" in [d for row in step.buttons for _, d in row]
    step = await coach.press(expect="edit", callback_data="pe:cap:21", message=step)
    query = await coach.click(callback_data="pen:d:2026-11-23", message=step)
    answer = await coach.answer(query)
    assert (answer.text, answer.show_alert) == (
        fi(texts.PROBLEMS[actions.Problem.NEEDS_EMPLOYMENT]), True,
    )  # fmt: skip
    with bot.db.session() as session:
        from storage import periods

        assert periods.current_period(session, t.client) is None

    bot.db.call(
        actions.record_employment, actor_id=t.coach, period_id=search.id,
        job_start=date(2026, 11, 16), hours_week=30.0, open_market=True, now=NOW,
    )  # fmt: skip
    shown = await coach.press(expect="edit", callback_data="pen:d:2026-11-23", message=step)
    assert "Matti Meikäläinen" in (shown.text or "")
    with bot.db.session() as session:
        from storage import periods

        started = periods.current_period(session, t.client)
        assert started is not None
        assert (started.program_key, started.hour_cap) == ("job-retention", 21.0)
    welcome = await until_text(
        t.chats["client"],
        fi(texts.WELCOME, program={"$msg": "Job-retention coaching"}, coach="Kaisa Koutsi",
           start={"$date": "2026-11-23"}),
    )  # fmt: skip
    assert "Kaisa Koutsi" in (welcome.text or "")


async def test_interrupting_cancels_booked_meetings_and_tells_the_client(bot: Harness) -> None:
    t = team(bot)
    made = start(bot, t)
    client, coach = t.chats["client"], t.chats["coach"]
    meeting_id = book(bot, t, datetime(2026, 11, 24, 10, tzinfo=HKI))
    await client.reply()  # the welcome or the card: both come now
    await client.reply()
    view = await open_period(coach, t.client)
    step = await coach.press(expect="edit", callback_data="pe:i", message=view)
    step = await coach.press(expect="edit", callback_data="pe:i:provider", message=step)
    shown = await coach.say("Ei ole sitoutunut palveluun")
    assert shown.text == render(
        "{client} has no service period running.", {"client": "Matti Meikäläinen"}, "fi"
    )
    ended = period(bot, made.id)
    assert (ended.status, ended.end_reason, ended.end_note) == (
        PeriodStatus.ENDED.value, EndReason.PROVIDER.value, "Ei ole sitoutunut palveluun",
    )  # fmt: skip
    with bot.db.session() as session:
        assert session.get(Meeting, meeting_id).status == MeetingStatus.CANCELLED.value
    told = await until_text(
        client,
        fi(texts.ENDED_CLIENT, program={"$msg": "Job-search coaching"},
           end={"$date": TODAY.isoformat()},
           reason={"$msg": texts.CLIENT_REASONS[EndReason.PROVIDER]}),
    )  # fmt: skip
    assert told is not None
    with bot.db.session() as session:
        off = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.idempotency_key == f"meeting:{meeting_id}:cancelled"
            )
        ).one()
        assert off.recipient_id == t.client  # the client had seen the card, and is told
    await until_text(
        t.chats["worker"],
        fi(texts.ENDED_CASEWORKER, client="Matti Meikäläinen",
           program={"$msg": "Job-search coaching"}, start={"$date": "2026-11-02"},
           end={"$date": TODAY.isoformat()}, reason={"$msg": texts.REASONS[EndReason.PROVIDER]},
           note="Ei ole sitoutunut palveluun"),
    )  # fmt: skip


async def test_a_suspension_moves_the_end_and_pauses_check_ins(bot: Harness) -> None:
    t = team(bot)
    made = start(bot, t)
    coach, client = t.chats["coach"], t.chats["client"]
    meeting_id = book(bot, t, datetime(2026, 11, 25, 10, tzinfo=HKI))
    view = await open_period(coach, t.client)
    step = await coach.press(expect="edit", callback_data="pe:s", message=view)
    step = await coach.press(expect="edit", callback_data="pes1:d:2026-11-23", message=step)
    assert "pes2:d:2026-11-30" in [d for row in step.buttons for _, d in row]
    step = await coach.press(expect="edit", callback_data="pes2:m:2026-12", message=step)
    offered = [d for row in step.buttons for _, d in row]
    assert "pes2:d:2026-12-22" in offered and "pes2:d:2026-12-23" not in offered  # a month
    await coach.press(expect="edit", callback_data="pes2:d:2026-12-06", message=step)
    after = period(bot, made.id)
    assert after.planned_end == date(2027, 5, 1) + timedelta(days=14)
    assert (after.suspended_from, after.suspended_until) == (date(2026, 11, 23), date(2026, 12, 6))

    offer = await until_text(
        coach,
        fi(texts.SUSPENDED_COACH, client="Matti Meikäläinen", first={"$date": "2026-11-23"},
           last={"$date": "2026-12-06"}, end={"$date": "2027-05-15"}, count=1,
           program={"$msg": "Job-search coaching"}),
    )  # fmt: skip
    [[(_, cancel)]] = offer.buttons
    await coach.press(expect="edit", callback_data=cancel, message=offer)
    with bot.db.session() as session:
        assert session.get(Meeting, meeting_id).status == MeetingStatus.CANCELLED.value

    # The first day comes: the job suspends the period, and check-ins stop.
    monday = datetime(2026, 11, 23, 6, tzinfo=HKI)
    with bot.db.session() as session:
        assert goals.checked_in(session, t.client, date(2026, 11, 22)) is True
    bot.db.call(jobs.sweep, monday, HKI)
    assert period(bot, made.id).status == PeriodStatus.SUSPENDED.value
    with bot.db.session() as session:
        assert goals.checked_in(session, t.client, date(2026, 11, 23)) is False
    # and after the last day it runs again, the client told
    december = datetime(2026, 12, 7, 9, tzinfo=HKI)
    bot.db.call(jobs.sweep, december, HKI)
    assert period(bot, made.id).status == PeriodStatus.ACTIVE.value
    bot.clock.set(december.astimezone(UTC))  # type: ignore[union-attr]
    bot.services.wake_outbox()
    await until_text(client, fi(texts.RESUMED_CLIENT))


@pytest.mark.parametrize("how", LEAVES)
async def test_period_buttons_are_stale_once_restarted_or_left(bot: Harness, how: str) -> None:
    t = team(bot)
    made = start(bot, t)
    coach = t.chats["coach"]
    first = await coach.say("/period")
    steps = [seen(first)]  # the clients
    view = await coach.press(expect="edit", callback_data=f"pe:c:{t.client}", message=first)
    steps.append(seen(view))  # the period and its actions
    calendar = await coach.press(expect="edit", callback_data="pe:x", message=view)
    steps.append(seen(calendar))  # the extension's calendar
    await leave(coach, how, "/period")
    assert await press_stale(bot, coach, steps) > 40
    with bot.db.session() as session:
        assert list(session.exec(select(PeriodRequest))) == []
    assert period(bot, made.id).planned_end == date(2027, 5, 1)


async def test_the_admin_extends_any_clients_period_at_once(bot: Harness) -> None:
    """The provider's admin runs the contracts in chat as on the command line: any active
    client, and an extension is made (the caseworker decided outside the bot), not asked."""
    t = team(bot)
    made = start(bot, t)
    admin = bot.fake.chat(bot.link(bot.add(Role.ADMIN, "Aino Ylläpito"), user_id=next(USER_IDS)))
    view = await open_period(admin, t.client)
    data = [d for row in view.buttons for _, d in row]
    assert "pe:x" in data and "pe:h" not in data  # no "ask for more hours": nobody to ask
    assert "Työnhakuvalmennus" in (view.text or "")
    calendar = await admin.press(expect="edit", callback_data="pe:x", message=view)
    june = await admin.press(expect="edit", callback_data="pex:m:2027-06", message=calendar)
    await admin.press(expect="edit", callback_data="pex:d:2027-06-15", message=june)
    assert period(bot, made.id or 0).planned_end == date(2027, 6, 15)
    with bot.db.session() as session:
        assert session.exec(select(PeriodRequest)).all() == []  # nothing waits for a decision
    # The coach and the client hear of it; a coach of someone else sees no such client.
    other = bot.fake.chat(bot.link(bot.add(Role.COACH, "Olli Muu"), user_id=next(USER_IDS)))
    step = await other.say("/period")
    assert step.buttons == []  # "You have no clients yet."
    # A press forged with the client's id on an admin's view is answered "no longer valid".
    assert await press_stale(bot, other, [Seen(view.message_id, (f"pe:c:{t.client}",))]) == 1
    assert period(bot, made.id or 0).planned_end == date(2027, 6, 15)
