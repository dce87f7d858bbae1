"""The durable inbox: nothing a person sends is lost or handled twice, across restarts.

Each test runs the real Application against the fake Bot API, stops it (or stops its
worker) at the interesting moment, and starts a new one on the same database.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import select

from bot.fakeapi import FakeTelegram
from bot.inbox.worker import InboxWorker
from storage import meetings
from storage.models import (
    AbsenceNotice,
    ConversationState,
    InboxStatus,
    InboxUpdate,
    Meeting,
    MeetingKind,
    OutboxMessage,
    Role,
)
from tests.e2e.harness import Harness

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=HKI).astimezone(UTC)
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=HKI)


def team(bot: Harness) -> tuple[int, int]:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    client = bot.add(Role.CLIENT, "Matti Meikäläinen", coach=coach, program="job-search")
    return coach, client


def book(bot: Harness, coach: int, client: int, start: datetime) -> int:
    def save(session):  # type: ignore[no-untyped-def]
        [made] = meetings.book(
            session, coach_id=coach, client_id=client, kind=MeetingKind.INDIVIDUAL,
            starts=[start], duration=timedelta(hours=1), place="Kauppakatu 1",
        )  # fmt: skip
        return made.id

    return bot.db.call(save)


def notices(bot: Harness) -> list[AbsenceNotice]:
    with bot.db.session() as session:
        return list(session.exec(select(AbsenceNotice)))


def inbox_rows(bot: Harness) -> list[InboxUpdate]:
    with bot.db.session() as session:
        return list(session.exec(select(InboxUpdate).order_by(InboxUpdate.update_id)))


async def test_a_restart_in_the_middle_of_absent_continues_at_the_same_step(
    database_url: str,
) -> None:
    async with FakeTelegram() as fake:
        first = Harness(database_url, fake=fake, now=MONDAY_9)
        await first.__aenter__()
        coach, client_id = team(first)
        book(first, coach, client_id, TUESDAY_10)
        await first.join(coach)
        client = await first.join(client_id)
        pick = await client.say("/absent")
        await client.press(pick.button_texts[0])
        reason = await client.press("Seuraava ▶")
        assert reason.text == "Miksi et pääse?"
        await first.__aexit__(None, None, None)

        with first.db.session() as session:
            [saved] = session.exec(select(ConversationState)).all()
        assert saved.states == {"absence": 1}  # REASON, with the draft beside it

        second = Harness(database_url, fake=fake, now=MONDAY_9)
        await second.__aenter__()
        try:
            confirm = await client.press("Olen sairas", message=reason)
            assert confirm.text == "Lähetetäänkö ilmoitus 1 tapaamisesta?\nSyy: Olen sairas"
            answer = await client.press("✔ Lähetä")
            assert "Ilmoitit ajoissa." in (answer.text or "")
            assert len(notices(second)) == 1
        finally:
            await second.__aexit__(None, None, None)


async def test_a_restart_in_the_middle_of_schedule_continues_at_the_same_step(
    database_url: str,
) -> None:
    async with FakeTelegram() as fake:
        first = Harness(database_url, fake=fake, now=MONDAY_9)
        await first.__aenter__()
        coach_id, _client = team(first)
        coach = await first.join(coach_id)
        await coach.say("/schedule")
        kinds = await coach.press("Matti Meikäläinen")
        await first.__aexit__(None, None, None)

        second = Harness(database_url, fake=fake, now=MONDAY_9)
        await second.__aenter__()
        try:
            await coach.press("Ryhmätapaaminen", message=kinds)
            await coach.press("25")
            await coach.press("10.00")
            await coach.press("1 tunti")
            await coach.press("Päätetään myöhemmin")
            await coach.press("Vain kerran")
            done = await coach.press("✔ Varaa")
            assert "Varattu" in (done.text or "") or "varattu" in (done.text or "")
            with second.db.session() as session:
                [meeting] = session.exec(select(Meeting)).all()
            assert meeting.kind == MeetingKind.GROUP.value
        finally:
            await second.__aexit__(None, None, None)


async def test_a_notice_keeps_the_time_it_reached_the_inbox_though_handled_after_noon(
    database_url: str,
) -> None:
    """The bot was stuck across 12:00: the press came 11:59, it is handled 12:30. On time."""
    async with FakeTelegram() as fake:
        before_noon = datetime(2026, 11, 23, 11, 59, tzinfo=HKI).astimezone(UTC)
        bot = Harness(database_url, fake=fake, now=before_noon)
        await bot.__aenter__()
        try:
            coach, client_id = team(bot)
            book(bot, coach, client_id, TUESDAY_10)
            await bot.join(coach)
            client = await bot.join(client_id)
            pick = await client.say("/absent")
            await client.press(pick.button_texts[0])
            await client.press("Seuraava ▶")
            await client.press("Olen sairas")
            await bot.inbox.stop()  # the worker is stuck; the poller still stores
            await client.click("✔ Lähetä")
            await fake.wait_for_updates_taken()
            bot.clock.set(datetime(2026, 11, 23, 12, 30, tzinfo=HKI).astimezone(UTC))  # type: ignore[union-attr]
            assert notices(bot) == []
            worker = InboxWorker(bot.app, bot.services)  # type: ignore[arg-type]
            worker.start()
            try:
                answer = await client.edit()
                assert "Ilmoitit ajoissa." in (answer.text or "")
                [notice] = notices(bot)
                assert notice.timing == "on_time"
                assert notice.notified_at == before_noon
            finally:
                await worker.stop()
        finally:
            await bot.__aexit__(None, None, None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_same_update_posted_twice_to_the_webhook_is_handled_once(
    database_url: str,
) -> None:
    port = free_port()
    async with FakeTelegram() as fake:
        bot = Harness(
            database_url,
            fake=fake,
            now=MONDAY_9,
            mode="webhook",
            COACHBOT_WEBHOOK_URL="https://bot.example.fi/telegram",
            COACHBOT_WEBHOOK_SECRET="s3cret",
            COACHBOT_WEBHOOK_PORT=port,
        )
        await bot.__aenter__()
        try:
            coach, client_id = team(bot)
            meeting = book(bot, coach, client_id, TUESDAY_10)
            uid = bot.link(client_id)
            bot.link(coach)
            # The press as Telegram would post it (the fake queues it: no poller takes it).
            await fake.press_button(uid, 1, f"mt:{meeting}:yes", strict=False)
            [press] = fake.pending_updates
            url = f"http://127.0.0.1:{port}/telegram"
            async with httpx.AsyncClient() as http:
                refused = await http.post(url, content=json.dumps(press))
                assert refused.status_code == 403  # no secret header: not Telegram
                headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
                for _ in range(2):  # Telegram retries a webhook call it thinks failed
                    answer = await http.post(url, content=json.dumps(press), headers=headers)
                    assert answer.status_code == 200
            await bot.inbox.drained()
            [row] = inbox_rows(bot)
            assert (row.update_id, row.status, row.payload) == (press["update_id"], "done", {})
            answers = [r for r in fake.requests if r.method == "answerCallbackQuery"]
            assert len(answers) == 1
            with bot.db.session() as session:
                stored = session.get(Meeting, meeting)
                assert stored is not None and stored.client_response == "confirmed"
                told = session.exec(
                    select(OutboxMessage).where(
                        OutboxMessage.recipient_id == coach,
                        OutboxMessage.object_ref == f"meeting:{meeting}",
                    )
                ).all()
            assert len(told) == 1  # the coach hears "coming" once
        finally:
            await bot.__aexit__(None, None, None)


async def test_drafts_that_cannot_be_read_back_are_said_so_and_forgotten(
    database_url: str,
) -> None:
    async with Harness(database_url, now=MONDAY_9) as bot:
        _coach, client_id = team(bot)
        client = await bot.join(client_id)
        await bot.inbox.drained()  # the welcome's state is saved before we spoil it

        def garble(session):  # type: ignore[no-untyped-def]
            session.add(
                ConversationState(
                    user_id=client.user_id, states={"absence": 1}, data=b"not a pickle"
                )
            )

        bot.db.call(garble)
        lost = await client.say("olen kipeä")
        assert lost.text == (
            "Pahoittelen, en muista, mihin jäimme. Aloita alusta: /help kertoo, mitä voit tehdä."
        )
        # The words themselves are then handled from a clean slate: a new notice starts.
        picker = await client.reply()
        assert picker.text == "Sinulla ei ole tulevia tapaamisia."
        await bot.inbox.drained()
        with bot.db.session() as session:
            assert session.get(ConversationState, client.user_id) is None


async def test_a_handled_update_keeps_its_id_and_none_of_its_text(
    database_url: str,
) -> None:
    async with Harness(database_url, now=MONDAY_9) as bot:
        _coach, client_id = team(bot)
        client = await bot.join(client_id)
        await client.say("/help")
        await bot.inbox.drained()
        rows = inbox_rows(bot)
        assert rows and all(r.status == InboxStatus.DONE.value and r.payload == {} for r in rows)
