"""The outbox's gaps closed, end to end: no reminder after its meeting started (a restart,
an absence notice, a cancellation, a move), a replayed update tells nobody twice, and a
429 pause longer than the lease keeps the rows with the dispatcher that holds them."""

from __future__ import annotations

import asyncio
import json
import socket
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import select

from bot.fakeapi import FakeTelegram
from bot.meetings import actions as meeting_actions
from bot.meetings.notices import DEFAULT_QUIET
from storage import meetings, outbox
from storage.models import (
    InboxUpdate,
    Meeting,
    MeetingKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    Priority,
    Role,
)
from tests.e2e.harness import Harness

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
FAST = {"COACHBOT_OUTBOX_INTERVAL": 0.2}


def hki(day: int, hour: int, minute: int = 0) -> datetime:
    """A Helsinki wall-clock time in November 2026 (Monday is the 23rd), as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=HKI).astimezone(UTC)


def team(bot: Harness) -> tuple[int, int]:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    client = bot.add(Role.CLIENT, "Matti Meikäläinen", coach=coach, program="job-search")
    return coach, client


def book(bot: Harness, coach: int, client: int, *starts: datetime) -> list[int]:
    """Booked as the coach books: with the client's card and reminders."""

    def save(session):  # type: ignore[no-untyped-def]
        before = session.exec(select(Meeting.id)).all()
        meeting_actions.book(
            session, session.get(Person, coach), client_id=client, kind=MeetingKind.INDIVIDUAL,
            starts=list(starts), duration=timedelta(hours=1), place="Kauppakatu 1",
            now=bot.clock(), tz=HKI, quiet=DEFAULT_QUIET,
        )  # fmt: skip
        return sorted(set(session.exec(select(Meeting.id)).all()) - set(before))

    return bot.db.call(save)


def rows(bot: Harness) -> list[OutboxMessage]:
    with bot.db.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def reminder_rows(bot: Harness, meeting_id: int) -> list[OutboxMessage]:
    return [
        r for r in rows(bot) if r.kind == "reminder" and r.object_ref == f"meeting:{meeting_id}"
    ]


def reminders(bot: Harness, uid: int) -> list[str]:
    return [m.text or "" for m in bot.fake.messages_to(uid) if (m.text or "").startswith("Muist")]


async def at_time(bot: Harness, uid: int, instant: datetime) -> list[str]:
    """The clock moves on; the dispatcher sends what is due. The reminders so far."""
    bot.clock.set(instant)  # type: ignore[union-attr]
    await bot.dispatcher.run_once()
    return [text.split("\n")[0] for text in reminders(bot, uid)]


async def eventually(check: Callable[[], object], timeout: float = 5.0) -> None:
    """Poll the database for a state another task writes (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


TOMORROW = "Muistutus: huomenna sinulla on tapaaminen"


async def test_no_reminder_after_its_meeting_started_even_after_a_restart(
    database_url: str,
) -> None:
    async with FakeTelegram() as fake:
        async with Harness(database_url, fake=fake, now=hki(23, 9), **FAST) as first:
            coach, client = team(first)
            uid = first.link(client)
            first.link(coach)
            wednesday, thursday = book(first, coach, client, hki(25, 10), hki(26, 10))
            await first.dispatcher.run_once()
            cards = [m.text or "" for m in fake.messages_to(uid)]
            assert len(cards) == 2 and all(c.startswith("Uusi tapaaminen") for c in cards)
        # The bot was down from Monday morning to Wednesday 16.00: Wednesday's meeting at
        # 10.00 is over. Its reminders are dropped; Thursday's day-before one is due now.
        async with Harness(database_url, fake=fake, now=hki(25, 16), **FAST) as second:
            await second.dispatcher.run_once()
            texts = [m.text or "" for m in fake.messages_to(uid)][2:]
            assert [t.split("\n")[0] for t in texts] == [TOMORROW]
            assert "to 26.11." in texts[0]
            gone = reminder_rows(second, wednesday)
            assert [(r.status, r.last_error) for r in gone] == [("cancelled", "expired")] * 2
            assert all(r.expires_at == hki(25, 10) for r in gone)
            assert [r.status for r in reminder_rows(second, thursday)] == ["sent", "pending"]
            # An operator cannot send the expired reminder after all.
            assert not second.db.call(outbox.retry, gone[0].id, hki(25, 16))


async def test_no_reminder_after_an_absence_notice_and_back_when_it_is_withdrawn(
    database_url: str,
) -> None:
    async with Harness(database_url, now=hki(23, 9), **FAST) as bot:
        coach, client_id = team(bot)
        await bot.join(coach)
        client = await bot.join(client_id)
        uid = client.user.id
        tuesday, wednesday = book(bot, coach, client_id, hki(24, 10), hki(25, 10))
        await bot.dispatcher.run_once()  # the cards
        assert len(reminder_rows(bot, tuesday) + reminder_rows(bot, wednesday)) == 4

        pick = await client.say("/absent")
        await client.press("Kaikki tällä viikolla", message=pick)
        await client.press("Seuraava ▶")
        await client.press("Olen sairas")
        await client.press("✔ Lähetä")
        withdrawn = reminder_rows(bot, tuesday) + reminder_rows(bot, wednesday)
        assert [r.status for r in withdrawn] == ["cancelled"] * 4

        # Better by Monday afternoon: the Wednesday notice is withdrawn.
        bot.clock.set(hki(23, 15))  # type: ignore[union-attr]
        again = await client.say("/absent")
        choose = await client.press("Tulenkin sittenkin", message=again)
        await client.press("Tulen sittenkin: ke 25.11. klo 10.00", message=choose)
        assert [r.status for r in reminder_rows(bot, wednesday)] == ["pending"] * 2

        assert await at_time(bot, uid, hki(23, 16)) == []  # Tuesday's day-before: withdrawn
        assert await at_time(bot, uid, hki(24, 8)) == []  # Tuesday's 2 hours before: withdrawn
        assert await at_time(bot, uid, hki(24, 16)) == [TOMORROW]  # Wednesday's: back
        assert await at_time(bot, uid, hki(25, 8)) == [
            TOMORROW,
            "Muistutus: tapaamisesi alkaa klo 10.00",
        ]
        assert [r.status for r in reminder_rows(bot, tuesday)] == ["cancelled"] * 2


async def test_cancelling_or_moving_a_meeting_takes_its_reminders_along(
    database_url: str,
) -> None:
    async with Harness(database_url, now=hki(23, 9), **FAST) as bot:
        coach, client_id = team(bot)
        uid = bot.link(client_id)
        bot.link(coach)
        tuesday, wednesday = book(bot, coach, client_id, hki(24, 10), hki(25, 10))
        await bot.dispatcher.run_once()  # the cards

        def change(session):  # type: ignore[no-untyped-def]
            person = session.get(Person, coach)
            now = bot.clock()
            assert meeting_actions.cancel(session, person, tuesday, series=False, now=now) == 1
            moved = meeting_actions.move(
                session, person, wednesday, datetime(2026, 11, 26, 12, 0, tzinfo=HKI),
                series=False, now=now, tz=HKI, quiet=DEFAULT_QUIET,
            )  # fmt: skip
            assert moved == 1

        bot.db.call(change)
        assert [r.status for r in reminder_rows(bot, tuesday)] == ["cancelled"] * 2
        pending = [r for r in reminder_rows(bot, wednesday) if r.status == "pending"]
        assert {r.expires_at for r in pending} == {hki(26, 12)}  # the new start

        assert await at_time(bot, uid, hki(23, 16)) == []  # the cancelled Tuesday meeting
        assert await at_time(bot, uid, hki(24, 16)) == []  # Wednesday's old time
        assert await at_time(bot, uid, hki(25, 8)) == []
        assert await at_time(bot, uid, hki(25, 16)) == [TOMORROW]  # Thursday, the new day
        assert await at_time(bot, uid, hki(26, 10)) == [
            TOMORROW,
            "Muistutus: tapaamisesi alkaa klo 12.00",
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_replayed_answer_tells_the_coach_once(database_url: str) -> None:
    """The client's words for 'another time' are handled, then the reply to her meets a
    Telegram fault: the inbox handles the same update again a moment later, when the real
    clock has moved on. The coach is told once."""
    port = free_port()
    async with FakeTelegram() as fake:
        bot = Harness(
            database_url,
            fake=fake,
            mode="webhook",
            COACHBOT_WEBHOOK_URL="https://bot.example.fi/telegram",
            COACHBOT_WEBHOOK_SECRET="s3cret",
            COACHBOT_WEBHOOK_PORT=port,
            COACHBOT_TELEGRAM_PATIENCE=0,
            **FAST,
        )
        await bot.__aenter__()
        try:
            coach, client = team(bot)

            def save(session):  # type: ignore[no-untyped-def]
                [made] = meetings.book(
                    session, coach_id=coach, client_id=client, kind=MeetingKind.INDIVIDUAL,
                    starts=[datetime.now(UTC) + timedelta(days=2)],
                    duration=timedelta(hours=1), place=None,
                )  # fmt: skip
                return made.id

            meeting = bot.db.call(save)
            uid, coach_uid = bot.link(client), bot.link(coach)

            def done(update_id: int) -> InboxUpdate | None:
                with bot.db.session() as session:
                    row = session.get(InboxUpdate, update_id)
                    return row if row is not None and row.status == "done" else None

            async def post(update: dict) -> None:  # type: ignore[type-arg]
                """As Telegram posts it, then until the inbox has handled it."""
                async with httpx.AsyncClient() as http:
                    answer = await http.post(
                        f"http://127.0.0.1:{port}/telegram",
                        content=json.dumps(update),
                        headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"},
                    )
                assert answer.status_code == 200
                await eventually(lambda: done(update["update_id"]), timeout=10)

            await fake.press_button(uid, 1, f"mt:{meeting}:other", strict=False)
            await post(fake.pending_updates[-1])
            asked = await fake.wait_for_message(uid)
            assert (asked.text or "").startswith("Mitkä ajat sopisivat sinulle?")

            fake.faults.add(method="sendMessage", status=502, chat_id=uid, times=1)
            await fake.send_text(uid, "Torstaina käy")
            note = fake.pending_updates[-1]
            await post(note)
            assert done(note["update_id"]).attempts == 2  # type: ignore[union-attr]
            thanks = await fake.wait_for_message(uid)
            assert thanks.text == "Kiitos! Lähetin viestisi valmentajallesi."
            told = [r for r in rows(bot) if r.recipient_id == coach]
            assert [r.kind for r in told] == ["meeting-answer"]
            assert told[0].params["note"] == "Torstaina käy"
            await fake.wait_for_message(coach_uid)
            await bot.dispatcher.run_once()
            assert len(fake.messages_to(coach_uid)) == 1
        finally:
            await bot.__aexit__(None, None, None)


async def test_a_429_pause_longer_than_the_lease_keeps_the_rows_with_their_dispatcher(
    database_url: str,
) -> None:
    start = hki(23, 12)
    lease = timedelta(seconds=30)
    async with Harness(database_url, now=start, dispatcher_options={"lease": lease}, **FAST) as bot:
        coach, _ = team(bot)
        uid = bot.link(coach)
        bot.fake.faults.add(method="sendMessage", status=429, retry_after=4, times=1)

        def add(session):  # type: ignore[no-untyped-def]
            for n in range(3):  # one claim takes all three
                outbox.schedule(
                    session, recipient_id=coach, kind="alert", message=f"Alert {n}",
                    key=f"a{n}", due_at=start, priority=Priority.ALERT,
                )  # fmt: skip

        bot.db.call(add)
        bot.dispatcher.wake()
        await bot.fake.wait_until(lambda: bot.fake.statuses[429] == 1)
        worker = bot.dispatcher.worker

        def held() -> set[str]:
            in_flight = (OutboxStatus.CLAIMED.value, OutboxStatus.SENDING.value)
            return {
                r.idempotency_key
                for r in rows(bot)
                if r.claimed_by == worker and r.status in in_flight
            }

        # The first met the 429 and waits in the outbox; the other two wait behind the
        # pause, claimed by this dispatcher. The clock runs on past their first lease.
        await eventually(lambda: held() == {"a1", "a2"})
        for step in (1, 2, 3):
            now = start + step * timedelta(seconds=12)
            bot.clock.set(now)  # type: ignore[union-attr]
            bot.dispatcher.wake()

            def renewed() -> bool:
                mine = [r for r in rows(bot) if r.idempotency_key in ("a1", "a2")]
                return all(r.lease_until == now + lease for r in mine)  # noqa: B023

            await eventually(renewed)
            assert held() == {"a1", "a2"}
            # Another process's pass now: nothing of ours has run out.
            assert bot.db.call(outbox.reclaim_expired, now) == 0
        assert now > start + lease
        await bot.fake.wait_until(lambda: len(bot.fake.messages_to(uid)) == 3, timeout=10)
        texts = Counter(m.text for m in bot.fake.messages_to(uid))
        assert texts == {"Alert 0": 1, "Alert 1": 1, "Alert 2": 1}
        assert bot.fake.statuses[429] == 1
        await eventually(lambda: {r.status for r in rows(bot)} == {"sent"})
