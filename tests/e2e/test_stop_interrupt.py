"""The client stops, the caseworker interrupts the service, end to end [issue 12 §1].

The client confirms /stop; the caseworker's alert carries "Interrupt the service" beside
Acknowledge (only while the client has a period that has not ended). It asks once; yes
ends the period as interrupted by the client (what is booked is cancelled, everyone told)
and acknowledges the alert, every copy losing its buttons. Only the client's own
caseworker may; every other press is refused and audited.

The real Application polls the fake Bot API, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.alerts.actions import resend_overdue
from bot.fakeapi import Conversation
from bot.fakeapi.models import BotMessage
from bot.meetings import actions as meeting_actions
from bot.meetings.notices import DEFAULT_QUIET
from bot.periods import procedure
from bot.periods import texts as period_texts
from bot.rules.periods import EndReason
from messages.i18n import translator
from storage import audit
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
HOUR = timedelta(hours=1)
FI = translator("fi")
REFUSED = FI("This button is no longer valid.")
ACK = FI("Acknowledge")
INTERRUPT = FI("Interrupt the service")
YES = FI("Yes, end the service")
BACK = "◀ " + FI("Back")
QUESTION = FI(
    "End the service now? The meetings booked are cancelled, and the client, the coach "
    "and you are told."
)
USER_IDS = itertools.count(95_000)


@pytest.fixture
async def bot(database_url: str):  # type: ignore[no-untyped-def]
    async with Harness(
        database_url, now=MONDAY_9.astimezone(UTC), COACHBOT_OUTBOX_INTERVAL=0.2
    ) as harness:
        yield harness


def team(
    bot: Harness, *, program: str | None = "job-search"
) -> tuple[dict[str, int], dict[str, Conversation]]:
    """A coach, a client (in a job-search period unless `program` is None) with a
    caseworker, another caseworker, another coach and an admin."""
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    other_coach = bot.add(Role.COACH, "Olli Toinen")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija")
    other_worker = bot.add(Role.CASEWORKER, "Outi Ojala")
    admin = bot.add(Role.ADMIN, "Aino Ylläpito")
    client = bot.add(
        Role.CLIENT, "Matti Meikäläinen", coach=coach, caseworker=worker, program=program
    )
    ids = {"coach": coach, "other_coach": other_coach, "worker": worker,
           "other_worker": other_worker, "admin": admin, "client": client}  # fmt: skip
    chats = {
        name: bot.fake.chat(bot.link(pid, user_id=next(USER_IDS))) for name, pid in ids.items()
    }
    return ids, chats


def book(bot: Harness, ids: dict[str, int], start: datetime) -> int:
    def save(session):  # type: ignore[no-untyped-def]
        coach = session.get(Person, ids["coach"])
        meeting_actions.book(
            session, coach, client_id=ids["client"], kind=MeetingKind.INDIVIDUAL, starts=[start],
            duration=HOUR, place="Kauppakatu 1", now=bot.services.now(), tz=HKI,
            quiet=DEFAULT_QUIET,
        )  # fmt: skip
        return (
            session.exec(
                select(Meeting).where(
                    Meeting.client_id == ids["client"], Meeting.starts_at == start
                )
            )
            .one()
            .id
        )

    return bot.db.call(save)


def period(bot: Harness, ids: dict[str, int]) -> ServicePeriod:
    with bot.db.session() as session:
        return session.exec(
            select(ServicePeriod).where(ServicePeriod.client_id == ids["client"])
        ).one()


def alerts(bot: Harness) -> list[Alert]:
    with bot.db.session() as session:
        return list(session.exec(select(Alert).order_by(Alert.id)))  # type: ignore[arg-type]


def status(bot: Harness, meeting_id: int) -> str:
    with bot.db.session() as session:
        found = session.get(Meeting, meeting_id)
        assert found is not None
        return found.status


async def stop_alert(bot: Harness, chats: dict[str, Conversation]) -> tuple[BotMessage, int]:
    """The client confirms /stop: the caseworker's alert, and its id."""
    question = await chats["client"].say("/stop")
    await chats["client"].press(FI("Yes, I want to stop"), message=question)
    alert = await bot.fake.wait_for_message(
        chats["worker"].user_id, predicate=lambda m: (m.text or "").startswith("Hälytys: Matti")
    )
    [raised] = alerts(bot)
    assert raised.kind == AlertKind.CLIENT_STOPS and raised.id is not None
    return alert, raised.id


async def seen(bot: Harness, chat: Conversation, text: str) -> None:
    await bot.fake.wait_until(lambda: any(text in (m.text or "") for m in chat.messages))


async def test_the_caseworker_interrupts_the_service_of_a_client_who_wants_to_stop(
    bot: Harness,
) -> None:
    ids, chats = team(bot)
    worker, coach, client = chats["worker"], chats["coach"], chats["client"]
    booked = book(bot, ids, datetime(2026, 11, 26, 10, 0, tzinfo=HKI))
    await seen(bot, client, "26.11.2026")  # the client has the meeting's card
    alert, alert_id = await stop_alert(bot, chats)
    text = alert.text  # the fake edits the message object in place
    assert alert.buttons == [[(ACK, f"al:{alert_id}:ack")], [(INTERRUPT, f"al:{alert_id}:end")]]

    # It asks once; Back gives the alert's buttons again.
    asked = await worker.press(INTERRUPT, message=alert, expect="edit")
    assert asked.text == f"{text}\n\n{QUESTION}"
    assert asked.buttons == [[(YES, f"al:{alert_id}:end:yes")], [(BACK, f"al:{alert_id}:end:back")]]
    back = await worker.press(BACK, message=asked, expect="edit")
    assert (back.text, back.button_texts) == (text, [ACK, INTERRUPT])
    assert period(bot, ids).status == PeriodStatus.ACTIVE
    assert alerts(bot)[0].acknowledged_at is None

    asked = await worker.press(INTERRUPT, message=back, expect="edit")
    done = await worker.press(YES, message=asked, expect="edit")
    assert done.text == f"{text}\n\n" + FI("✅ {name} ended the service.", name="Ville Virkailija")
    assert done.buttons == []

    ended = period(bot, ids)
    assert (ended.status, ended.end_reason, ended.ended_on, ended.ended_by) == (
        PeriodStatus.ENDED, EndReason.CLIENT, date(2026, 11, 23), ids["worker"],
    )  # fmt: skip
    assert ended.end_note == FI(procedure.STOPPED_IN_CHAT)
    assert status(bot, booked) == MeetingStatus.CANCELLED
    [acked] = alerts(bot)
    assert (acked.acknowledged_by, acked.acknowledged_at) == (
        ids["worker"],
        MONDAY_9.astimezone(UTC),
    )
    # Everyone is told by the period's end: the client in their own words, the meeting off.
    await seen(bot, client, FI(period_texts.CLIENT_REASONS[EndReason.CLIENT]))
    await seen(
        bot, client, FI("The meeting on {when} is cancelled.", when="to 26.11.2026 klo 10.00")
    )
    reason = FI(period_texts.REASONS[EndReason.CLIENT])
    await seen(bot, coach, reason)
    await seen(bot, worker, reason)
    await seen(bot, worker, ended.end_note)
    # The choice is the acknowledgement: the coach hears the end, not "acknowledged" too.
    assert not any("kuittasi" in (m.text or "") for m in coach.messages)
    with bot.db.session() as session:
        [entry] = audit.entries(session, action="procedure.interrupt")
    assert (entry.actor_id, entry.subject_id) == (ids["worker"], ended.id)

    # Pressed again (another device, an old copy): refused, nothing more happens.
    for data in (f"al:{alert_id}:end", f"al:{alert_id}:end:yes"):
        query = await bot.fake.press_button(worker.user_id, alert.message_id, data, strict=False)
        assert (await worker.answer(query)).text == REFUSED, data


async def test_only_the_clients_own_caseworker_may_interrupt(bot: Harness) -> None:
    ids, chats = team(bot)
    alert, alert_id = await stop_alert(bot, chats)
    forged = (f"al:{alert_id}:end", f"al:{alert_id}:end:yes", f"al:{alert_id}:end:back")
    for who in ("other_worker", "coach", "other_coach", "client", "admin"):
        chat = chats[who]
        for data in forged:
            query = await bot.fake.press_button(chat.user_id, alert.message_id, data, strict=False)
            answer = await chat.answer(query)
            assert (answer.text, answer.show_alert) == (REFUSED, True), (who, data)
    # Shapes no handler takes, and another alert's id.
    worker = chats["worker"]
    for data in (f"al:{alert_id}:end:x", f"al:{alert_id}:endyes", f"al:{alert_id + 7}:end:yes"):
        query = await bot.fake.press_button(worker.user_id, alert.message_id, data, strict=False)
        assert (await worker.answer(query)).text == REFUSED, data
    assert period(bot, ids).status == PeriodStatus.ACTIVE
    assert alerts(bot)[0].acknowledged_at is None
    with bot.db.session() as session:
        denied = audit.entries(session, action="procedure.denied")
        refused = audit.entries(session, action="button.refused")
    assert {e.actor_id for e in denied} >= {ids["other_worker"]}
    assert len(denied) + len(refused) >= 5 * len(forged) + 3

    # Acknowledged plainly: the interruption goes with the Acknowledge button.
    marked = await worker.press(ACK, message=alert, expect="edit")
    assert marked.buttons == []
    query = await bot.fake.press_button(
        worker.user_id, alert.message_id, f"al:{alert_id}:end:yes", strict=False
    )
    assert (await worker.answer(query)).text == REFUSED
    assert period(bot, ids).status == PeriodStatus.ACTIVE


async def test_without_a_period_the_alert_only_acknowledges(bot: Harness) -> None:
    _, chats = team(bot, program=None)
    alert, alert_id = await stop_alert(bot, chats)
    assert alert.button_texts == [ACK]
    query = await bot.fake.press_button(
        chats["worker"].user_id, alert.message_id, f"al:{alert_id}:end", strict=False
    )
    assert (await chats["worker"].answer(query)).text == REFUSED


async def test_the_admins_copy_only_acknowledges_and_every_copy_loses_its_buttons(
    bot: Harness,
) -> None:
    ids, chats = team(bot)
    alert, _ = await stop_alert(bot, chats)
    # A working day later nobody has acknowledged it: it goes again, to the admin too.
    now = (MONDAY_9 + timedelta(days=1)).astimezone(UTC)
    bot.clock.set(now)  # type: ignore[union-attr]
    assert bot.db.call(lambda s: resend_overdue(s, now, HKI)) == 1
    bot.dispatcher.wake()
    to_admin = await bot.fake.wait_for_message(
        chats["admin"].user_id, predicate=lambda m: "Matti" in (m.text or "")
    )
    to_worker = await bot.fake.wait_for_message(
        chats["worker"].user_id,
        predicate=lambda m: "Matti" in (m.text or "") and m.message_id != alert.message_id,
    )
    assert to_admin.button_texts == [ACK]
    assert to_worker.button_texts == [ACK, INTERRUPT]
    asked = await chats["worker"].press(INTERRUPT, message=to_worker, expect="edit")
    await chats["worker"].press(YES, message=asked, expect="edit")
    assert period(bot, ids).ended_on == date(2026, 11, 24)
    await bot.fake.wait_until(lambda: alert.buttons == [] and to_admin.buttons == [])
