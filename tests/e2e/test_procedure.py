"""The no-show procedure end to end [002 §3.4.3]: the caseworker's choices on a no-show
alert, the three-party meeting that decides (missed: the period ends, what is booked is
cancelled, everyone told), and more time with its reminder on the day it ends.

The real Application polls the fake Bot API; the attendance job and the procedure's job
core are run by hand at the test clock's time, as the JobQueue would.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.alerts.actions import resend_overdue
from bot.attendance import jobs as attendance_jobs
from bot.fakeapi import Conversation
from bot.fakeapi.models import BotMessage
from bot.meetings import actions as meeting_actions
from bot.meetings.notices import DEFAULT_QUIET
from bot.periods import procedure
from bot.periods import texts as period_texts
from bot.periods.hours import BookingRefused
from bot.rules.periods import EndReason, Problem
from messages.i18n import translator
from messages.render import on, render
from storage import audit
from storage import outbox as outbox_rows
from storage.models import (
    Alert,
    AlertKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    PeriodStatus,
    Person,
    Role,
    ServicePeriod,
)
from tests.e2e.harness import Harness

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=HKI)
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=HKI)
THURSDAY_10 = datetime(2026, 11, 26, 10, 0, tzinfo=HKI)
HOUR = timedelta(hours=1)
FI = translator("fi")
REFUSED = FI("This button is no longer valid.")
NO_SHOW = "Ei tullut"
UNKNOWN = "Ei tiedossa: hälytä vastuuvirkailija nyt"
MORE_TIME = FI("Give more time")
THREE_PARTY = FI("Call a three-party meeting")
ACK = FI("Acknowledge")
CANCEL = FI(period_texts.CANCEL_MEETINGS)
USER_IDS = itertools.count(90_000)


@pytest.fixture
async def bot(database_url: str):  # type: ignore[no-untyped-def]
    async with Harness(
        database_url, now=MONDAY_9.astimezone(UTC), COACHBOT_OUTBOX_INTERVAL=0.2
    ) as harness:
        yield harness


def team(bot: Harness) -> tuple[dict[str, int], dict[str, Conversation]]:
    """A coach, a job-search client with a caseworker, another caseworker and an admin."""
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija")
    other_worker = bot.add(Role.CASEWORKER, "Outi Ojala")
    admin = bot.add(Role.ADMIN, "Aino Ylläpito")
    client = bot.add(
        Role.CLIENT, "Matti Meikäläinen", coach=coach, caseworker=worker, program="job-search"
    )
    ids = {"coach": coach, "worker": worker, "other_worker": other_worker, "admin": admin,
           "client": client}  # fmt: skip
    chats = {
        name: bot.fake.chat(bot.link(pid, user_id=next(USER_IDS))) for name, pid in ids.items()
    }
    return ids, chats


def book(
    bot: Harness, ids: dict[str, int], start: datetime, kind: MeetingKind = MeetingKind.INDIVIDUAL
) -> int:
    """A meeting as /schedule books it (the booking-time check of the period included)."""

    def save(session):  # type: ignore[no-untyped-def]
        coach = session.get(Person, ids["coach"])
        meeting_actions.book(
            session, coach, client_id=ids["client"], kind=kind, starts=[start],
            duration=HOUR, place="Kauppakatu 1", now=bot.services.now(), tz=HKI,
            quiet=DEFAULT_QUIET,
        )  # fmt: skip
        found = session.exec(
            select(Meeting).where(Meeting.client_id == ids["client"], Meeting.starts_at == start)
        ).one()
        return found.id

    return bot.db.call(save)


async def sweep(bot: Harness, now: datetime) -> None:
    bot.clock.set(now.astimezone(UTC))  # type: ignore[union-attr]
    await attendance_jobs.run_once(bot.services)


async def message_to(bot: Harness, chat: Conversation, predicate) -> BotMessage:  # type: ignore[no-untyped-def]
    return await bot.fake.wait_for_message(chat.user_id, predicate=predicate)


async def seen(bot: Harness, chat: Conversation, predicate) -> BotMessage:  # type: ignore[no-untyped-def]
    """A message `chat` got at any time (in whatever order several came at once)."""
    await bot.fake.wait_until(lambda: any(predicate(m) for m in chat.messages))
    return next(m for m in chat.messages if predicate(m))


def period(bot: Harness, ids: dict[str, int]) -> ServicePeriod:
    with bot.db.session() as session:
        return session.exec(
            select(ServicePeriod).where(ServicePeriod.client_id == ids["client"])
        ).one()


def status(bot: Harness, meeting_id: int) -> str:
    with bot.db.session() as session:
        found = session.get(Meeting, meeting_id)
        assert found is not None
        return found.status


def alerts(bot: Harness) -> list[Alert]:
    with bot.db.session() as session:
        return list(session.exec(select(Alert).order_by(Alert.id)))  # type: ignore[arg-type]


async def missed(
    bot: Harness, ids: dict[str, int], chats: dict[str, Conversation], meeting: int, at: datetime
) -> BotMessage:
    """The coach records `meeting` as a no-show from the prompt after it."""
    await sweep(bot, at)
    prompt = await message_to(
        bot, chats["coach"],
        lambda m: (m.text or "").startswith("Miten tapaaminen meni?") and m.buttons != [],
    )  # fmt: skip
    return await chats["coach"].press(NO_SHOW, message=prompt)


async def no_show_alert(
    bot: Harness, ids: dict[str, int], chats: dict[str, Conversation]
) -> tuple[BotMessage, int]:
    """A meeting missed, the reason unknown: the caseworker's alert, and its id."""
    meeting = book(bot, ids, TUESDAY_10)
    recorded = await missed(bot, ids, chats, meeting, TUESDAY_10 + 2 * HOUR)
    await chats["coach"].press(UNKNOWN, message=recorded)
    alert = await message_to(
        bot, chats["worker"], lambda m: (m.text or "").startswith("Hälytys: Matti")
    )
    [raised] = alerts(bot)
    assert raised.kind == AlertKind.NO_SHOW_UNKNOWN
    assert raised.id is not None
    return alert, raised.id


def told(bot: Harness, chat: Conversation, message: str, params: dict[str, object]) -> BotMessage:
    """The message `chat` got, rendered as the outbox renders it (in Finnish)."""
    text = render(message, params, "fi", HKI)
    found = [m for m in chat.messages if m.text == text]
    assert found, f"{text!r} not in {[m.text for m in chat.messages]}"
    return found[0]


async def arrives(
    bot: Harness, chat: Conversation, message: str, params: dict[str, object]
) -> BotMessage:
    text = render(message, params, "fi", HKI)
    return await message_to(bot, chat, lambda m: m.text == text)


# --- a three-party meeting called, and missed -------------------------------------------
async def test_a_missed_three_party_meeting_ends_the_period_and_cancels_what_is_booked(
    bot: Harness,
) -> None:
    ids, chats = team(bot)
    worker, coach, client = chats["worker"], chats["coach"], chats["client"]
    later = book(bot, ids, datetime(2026, 12, 3, 10, 0, tzinfo=HKI))  # booked before
    alert, alert_id = await no_show_alert(bot, ids, chats)
    assert alert.button_texts == [ACK, MORE_TIME, THREE_PARTY]
    text = alert.text  # the fake edits the message object in place
    assert alert.buttons[2] == [(THREE_PARTY, f"al:{alert_id}:meet")]

    called = await worker.press(THREE_PARTY, message=alert, expect="edit")
    assert called.text == (
        f"{text}\n\n" + FI("✅ {name} called a three-party meeting.", name="Ville Virkailija")
    )
    assert called.buttons == []
    found = period(bot, ids)
    assert (found.procedure, found.procedure_until) == ("three_party", None)
    [raised] = alerts(bot)
    assert (raised.acknowledged_by, raised.acknowledged_at) == (
        ids["worker"],
        TUESDAY_10.astimezone(UTC) + 2 * HOUR,
    )
    names = {"caseworker": "Ville Virkailija", "client": "Matti Meikäläinen"}
    # The meeting booked before is offered for cancelling (kept here: the end cancels it).
    to_coach = await arrives(bot, coach, procedure.THREE_PARTY_COACH_BOOKED, {**names, "count": 1})
    assert to_coach.button_texts == [CANCEL]
    await arrives(bot, client, procedure.THREE_PARTY_CLIENT, {})
    # The choice is the acknowledgement: the coach hears the choice, not "acknowledged" too.
    assert not any("kuittasi" in (m.text or "") for m in coach.messages)

    # Until it is held, nothing else is booked; the three-party meeting is.
    with pytest.raises(BookingRefused) as refused:
        book(bot, ids, datetime(2026, 11, 30, 10, 0, tzinfo=HKI))
    assert refused.value.check.problem is Problem.PROCEDURE
    three = book(bot, ids, datetime(2026, 12, 1, 10, 0, tzinfo=HKI), MeetingKind.THREE_PARTY)

    # The client does not come to it (and has had the card of the meeting after it): the
    # period ends as interrupted, for not coming.
    await sweep(bot, datetime(2026, 12, 1, 12, 0, tzinfo=HKI))
    await message_to(bot, client, lambda m: "3.12.2026" in (m.text or ""))
    await missed(bot, ids, chats, three, datetime(2026, 12, 1, 12, 0, tzinfo=HKI))
    ended = period(bot, ids)
    assert ended.status == PeriodStatus.ENDED
    assert ended.end_reason == EndReason.NO_SHOW
    assert ended.ended_on == date(2026, 12, 1)
    assert ended.procedure_meeting_id == three
    assert status(bot, later) == MeetingStatus.CANCELLED
    assert status(bot, three) == MeetingStatus.SCHEDULED  # held, as a no-show
    reason = FI(period_texts.REASONS[EndReason.NO_SHOW])
    for who in ("coach", "worker"):
        await seen(bot, chats[who], lambda m: reason in (m.text or ""))
    own_words = FI(period_texts.CLIENT_REASONS[EndReason.NO_SHOW])
    await seen(bot, client, lambda m: own_words in (m.text or ""))
    # The meeting booked for later is called off for the client, who had its card.
    off = FI("The meeting on {when} is cancelled.", when="to 3.12.2026 klo 10.00")
    await bot.fake.wait_until(lambda: any(m.text == off for m in client.messages))
    with bot.db.session() as session:
        assert [e.subject_id for e in audit.entries(session, action="procedure.no_show")] == [
            ended.id
        ]
    # Everyone was told the service ended: the client is not asked why they missed the
    # meeting, and no repeated-absence alert follows the ended period.
    assert [a.kind for a in alerts(bot)] == [AlertKind.NO_SHOW_UNKNOWN]
    with bot.db.session() as session:
        assert not outbox_rows.queued(session, f"attendance:{three}:ask")


async def test_an_attended_three_party_meeting_ends_the_procedure(bot: Harness) -> None:
    ids, chats = team(bot)
    alert, _ = await no_show_alert(bot, ids, chats)
    await chats["worker"].press(THREE_PARTY, message=alert, expect="edit")
    three = book(bot, ids, datetime(2026, 12, 1, 10, 0, tzinfo=HKI), MeetingKind.THREE_PARTY)
    await sweep(bot, datetime(2026, 12, 1, 12, 0, tzinfo=HKI))
    prompt = await message_to(
        bot, chats["coach"], lambda m: "1.12.2026" in (m.text or "") and m.buttons != []
    )
    hours = await chats["coach"].press("Osallistui", message=prompt)
    await chats["coach"].press(hours.button_texts[0], message=hours)
    held = period(bot, ids)
    assert (held.status, held.procedure, held.procedure_meeting_id) == (
        PeriodStatus.ACTIVE,
        None,
        three,
    )
    await arrives(bot, chats["coach"], procedure.THREE_PARTY_HELD, {"client": "Matti Meikäläinen"})
    # Booking is open again.
    book(bot, ids, datetime(2026, 12, 3, 10, 0, tzinfo=HKI))


# --- what was booked before the three-party meeting ---------------------------------------
async def called(
    bot: Harness, ids: dict[str, int], chats: dict[str, Conversation], later_at: datetime
) -> tuple[int, int, BotMessage]:
    """An individual meeting (at `later_at`) and a three-party one booked; a no-show alert;
    the caseworker calls the three-party meeting. The meetings' ids, the coach's message."""
    later = book(bot, ids, later_at)
    three = book(bot, ids, datetime(2026, 12, 1, 10, 0, tzinfo=HKI), MeetingKind.THREE_PARTY)
    alert, _ = await no_show_alert(bot, ids, chats)
    await chats["worker"].press(THREE_PARTY, message=alert, expect="edit")
    names = {"caseworker": "Ville Virkailija", "client": "Matti Meikäläinen", "count": 1}
    to_coach = await arrives(bot, chats["coach"], procedure.THREE_PARTY_COACH_BOOKED, names)
    return later, three, to_coach


async def test_the_coach_may_cancel_what_was_booked_before_the_three_party_meeting(
    bot: Harness,
) -> None:
    ids, chats = team(bot)
    coach, client = chats["coach"], chats["client"]
    later, three, to_coach = await called(bot, ids, chats, THURSDAY_10)
    # The client has had the later meeting's card: its cancelling is told to them.
    await message_to(bot, client, lambda m: "26.11.2026" in (m.text or ""))
    found = period(bot, ids)
    assert to_coach.buttons == [[(CANCEL, f"pc:{found.id}:cx")]]
    # Nobody else may press it (another coach, the caseworker, the client, an admin), nor
    # another period's, nor a shape no handler takes.
    other = bot.add(Role.COACH, "Olli Toinen")
    chats["other_coach"] = bot.fake.chat(bot.link(other, user_id=next(USER_IDS)))
    for who in ("other_coach", "worker", "client", "admin"):
        chat = chats[who]
        query = await bot.fake.press_button(
            chat.user_id, to_coach.message_id, f"pc:{found.id}:cx", strict=False
        )
        assert (await chat.answer(query)).text == REFUSED, who
    for data in (f"pc:{found.id + 7}:cx", f"pc:{found.id}:x"):
        query = await bot.fake.press_button(coach.user_id, to_coach.message_id, data, strict=False)
        assert (await coach.answer(query)).text == REFUSED, data
    assert status(bot, later) == MeetingStatus.SCHEDULED

    text = to_coach.text
    done = await coach.press(CANCEL, message=to_coach, expect="edit")
    assert done.text == f"{text}\n\n✅ " + FI("Meetings cancelled: {n}.", n=1)
    assert done.buttons == []
    assert status(bot, later) == MeetingStatus.CANCELLED
    assert status(bot, three) == MeetingStatus.SCHEDULED  # the one to be held stays
    off = FI("The meeting on {when} is cancelled.", when="to 26.11.2026 klo 10.00")
    await bot.fake.wait_until(lambda: any(m.text == off for m in client.messages))
    assert period(bot, ids).procedure == "three_party"  # still nothing else is booked
    with bot.db.session() as session:
        [entry] = audit.entries(session, action="procedure.cancel")
        denied = audit.entries(session, action="procedure.denied")
    assert (entry.actor_id, entry.subject_id, entry.detail) == (ids["coach"], found.id, "1")
    assert {e.actor_id for e in denied} >= {other, ids["coach"]}


async def test_the_cancel_button_is_stale_once_the_three_party_meeting_is_held(
    bot: Harness,
) -> None:
    ids, chats = team(bot)
    coach = chats["coach"]
    later, _, to_coach = await called(bot, ids, chats, datetime(2026, 12, 3, 10, 0, tzinfo=HKI))
    await sweep(bot, datetime(2026, 12, 1, 12, 0, tzinfo=HKI))
    prompt = await message_to(
        bot, coach, lambda m: "1.12.2026" in (m.text or "") and m.buttons != []
    )
    hours = await coach.press("Osallistui", message=prompt)
    await coach.press(hours.button_texts[0], message=hours)
    assert period(bot, ids).procedure is None
    query = await coach.click(CANCEL, message=to_coach)
    assert (await coach.answer(query)).text == REFUSED
    assert status(bot, later) == MeetingStatus.SCHEDULED


async def test_with_nothing_else_booked_the_coach_gets_no_cancel_button(bot: Harness) -> None:
    ids, chats = team(bot)
    alert, _ = await no_show_alert(bot, ids, chats)
    await chats["worker"].press(THREE_PARTY, message=alert, expect="edit")
    names = {"caseworker": "Ville Virkailija", "client": "Matti Meikäläinen"}
    to_coach = await arrives(bot, chats["coach"], procedure.THREE_PARTY_COACH, names)
    assert to_coach.buttons == []


# --- more time ----------------------------------------------------------------------------
async def test_more_time_until_a_day_is_recorded_and_reminded_on_that_day(bot: Harness) -> None:
    ids, chats = team(bot)
    worker, coach, client = chats["worker"], chats["coach"], chats["client"]
    alert, alert_id = await no_show_alert(bot, ids, chats)

    text = alert.text  # the fake edits the message object in place
    calendar = await worker.press(MORE_TIME, message=alert, expect="edit")
    question = FI("Until which day does the client have more time?")
    assert calendar.text == f"{text}\n\n{question}"
    assert "[24]" in calendar.button_texts and "25" in calendar.button_texts
    assert "23" not in calendar.button_texts  # the past is not offered
    # Back: the alert's three choices again; and into the calendar once more.
    again = await worker.press("◀ " + FI("Back"), message=calendar, expect="edit")
    assert (again.text, again.button_texts) == (text, [ACK, MORE_TIME, THREE_PARTY])
    calendar = await worker.press(MORE_TIME, message=again, expect="edit")
    # Today is not "more time".
    query = await worker.click("[24]", message=calendar)
    answer = await worker.answer(query)
    assert (answer.text, answer.show_alert) == (FI("Please choose a day after today."), True)
    assert period(bot, ids).procedure is None
    # Into December, and the 15th.
    december = await worker.press("▶", message=calendar, expect="edit")
    assert december.text == calendar.text and "15" in december.button_texts
    until = date(2026, 12, 15)
    given = await worker.press("15", message=december, expect="edit")
    assert given.text == f"{text}\n\n" + FI(
        "✅ {name} gave more time until {until}.", name="Ville Virkailija", until="ti 15.12.2026"
    )
    assert given.buttons == []
    found = period(bot, ids)
    assert (found.procedure, found.procedure_until) == ("more_time", until)
    assert alerts(bot)[0].acknowledged_by == ids["worker"]
    names = {"caseworker": "Ville Virkailija", "client": "Matti Meikäläinen", "until": on(until)}
    await arrives(bot, coach, procedure.MORE_TIME_COACH, names)
    await arrives(bot, client, procedure.MORE_TIME_CLIENT, {"until": on(until)})
    # A beyond-the-calendar day, forged, or the same alert decided again: refused.
    for data in (f"np{alert_id}:d:2027-06-01", f"al:{alert_id}:meet", f"np{alert_id}:d:2026-12-16"):
        query = await bot.fake.press_button(worker.user_id, given.message_id, data, strict=False)
        assert (await worker.answer(query)).text == REFUSED, data
    assert period(bot, ids).procedure_until == until

    # The job: nothing before the day; on the day (from 08.00) once, to coach and caseworker.
    def run(now: datetime) -> int:
        return bot.db.call(lambda s: procedure.more_time_over(s, now.astimezone(UTC), HKI))

    assert run(datetime(2026, 12, 14, 23, 0, tzinfo=HKI)) == 0
    assert run(datetime(2026, 12, 15, 7, 59, tzinfo=HKI)) == 0
    assert run(datetime(2026, 12, 15, 8, 0, tzinfo=HKI)) == 1
    assert run(datetime(2026, 12, 15, 12, 0, tzinfo=HKI)) == 0  # once
    assert run(datetime(2026, 12, 16, 8, 0, tzinfo=HKI)) == 0
    bot.clock.set(datetime(2026, 12, 15, 8, 0, tzinfo=HKI).astimezone(UTC))  # type: ignore[union-attr]
    bot.dispatcher.wake()
    reminder = {"client": "Matti Meikäläinen", "until": on(until)}
    await arrives(bot, coach, procedure.MORE_TIME_OVER, reminder)
    await arrives(bot, worker, procedure.MORE_TIME_OVER_CASEWORKER, reminder)
    assert not any(
        m.text == render(procedure.MORE_TIME_OVER, reminder, "fi") for m in client.messages
    )


async def test_an_attended_meeting_ends_the_more_time_and_no_reminder_comes(bot: Harness) -> None:
    ids, chats = team(bot)
    alert, _ = await no_show_alert(bot, ids, chats)
    calendar = await chats["worker"].press(MORE_TIME, message=alert, expect="edit")
    await chats["worker"].press("30", message=calendar, expect="edit")
    assert period(bot, ids).procedure_until == date(2026, 11, 30)
    book(bot, ids, datetime(2026, 11, 26, 10, 0, tzinfo=HKI))
    await sweep(bot, datetime(2026, 11, 26, 12, 0, tzinfo=HKI))
    prompt = await message_to(
        bot, chats["coach"], lambda m: "26.11.2026" in (m.text or "") and m.buttons != []
    )
    hours = await chats["coach"].press("Osallistui", message=prompt)
    await chats["coach"].press(hours.button_texts[0], message=hours)
    cleared = period(bot, ids)
    assert (cleared.procedure, cleared.procedure_until) == (None, None)
    now = datetime(2026, 11, 30, 9, 0, tzinfo=HKI).astimezone(UTC)
    assert bot.db.call(lambda s: procedure.more_time_over(s, now, HKI)) == 0


# --- who may choose -----------------------------------------------------------------------
async def test_only_the_clients_own_caseworker_may_choose(bot: Harness) -> None:
    ids, chats = team(bot)
    alert, alert_id = await no_show_alert(bot, ids, chats)
    forged = (f"al:{alert_id}:more", f"al:{alert_id}:meet", f"np{alert_id}:m:2026-12",
              f"np{alert_id}:d:2026-12-01", f"np{alert_id}:back")  # fmt: skip
    for who in ("other_worker", "coach", "client", "admin"):
        chat = chats[who]
        for data in forged:
            query = await bot.fake.press_button(chat.user_id, alert.message_id, data, strict=False)
            answer = await chat.answer(query)
            assert (answer.text, answer.show_alert) == (REFUSED, True), (who, data)
    # Shapes no handler takes, and another alert's id.
    worker = chats["worker"]
    for data in (f"np{alert_id}:d:2026-13-01", f"np{alert_id}:x", f"al:{alert_id + 7}:meet"):
        query = await bot.fake.press_button(worker.user_id, alert.message_id, data, strict=False)
        assert (await worker.answer(query)).text == REFUSED, data
    found = period(bot, ids)
    assert found.procedure is None
    assert alerts(bot)[0].acknowledged_at is None
    with bot.db.session() as session:
        denied = audit.entries(session, action="procedure.denied")
        refused = audit.entries(session, action="button.refused")
    assert {e.actor_id for e in denied} >= {ids["other_worker"]}
    assert len(denied) + len(refused) >= 4 * len(forged) + 3

    # Acknowledged plainly: the choices go with the Acknowledge button.
    marked = await worker.press(ACK, message=alert, expect="edit")
    assert marked.buttons == []
    query = await bot.fake.press_button(
        worker.user_id, alert.message_id, f"al:{alert_id}:meet", strict=False
    )
    assert (await worker.answer(query)).text == REFUSED
    assert period(bot, ids).procedure is None


async def test_an_admins_copy_of_the_alert_only_acknowledges(bot: Harness) -> None:
    ids, chats = team(bot)
    alert, _ = await no_show_alert(bot, ids, chats)
    # A working day later nobody has acknowledged it: it goes again, to the admin too.
    now = (TUESDAY_10 + 2 * HOUR + timedelta(days=1)).astimezone(UTC)
    bot.clock.set(now)  # type: ignore[union-attr]
    assert bot.db.call(lambda s: resend_overdue(s, now, HKI)) == 1
    bot.dispatcher.wake()
    to_admin = await message_to(bot, chats["admin"], lambda m: "Matti" in (m.text or ""))
    to_worker = await message_to(
        bot, chats["worker"],
        lambda m: "Matti" in (m.text or "") and m.message_id != alert.message_id,
    )  # fmt: skip
    assert to_admin.button_texts == [ACK]
    assert to_worker.button_texts == [ACK, MORE_TIME, THREE_PARTY]
    # The admin may acknowledge, not choose.
    query = await chats["admin"].click(ACK, message=to_admin)
    assert (await chats["admin"].answer(query)).text != REFUSED
    await bot.fake.wait_until(lambda: to_worker.buttons == [] and alert.buttons == [])
