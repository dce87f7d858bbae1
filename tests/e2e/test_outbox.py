"""The outbox through the real Application and the fake Bot API: timing, faults, recovery."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.outbox.dispatcher import UNREACHABLE_MESSAGE
from storage import outbox
from storage.models import OutboxMessage, OutboxStatus, Person, Priority, Role
from tests.e2e import notify
from tests.e2e.harness import Clock, Harness

pytestmark = pytest.mark.asyncio

FAST = {"COACHBOT_OUTBOX_INTERVAL": 0.2}
# 22:30 Helsinki time on a Monday (UTC+2 in November).
EVENING = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)


def rows(bot: Harness) -> list[OutboxMessage]:
    with bot.db.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def team(bot: Harness) -> tuple[int, int, int]:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija", language="sv")
    client = bot.add(Role.CLIENT, "Matti M", coach=coach, caseworker=worker, program="job-search")
    return coach, worker, client


async def test_send_now_reaches_telegram_within_a_second(database_url: str) -> None:
    async with Harness(database_url) as bot:  # the regular 2-second tick
        _, worker, _ = team(bot)
        uid = bot.link(worker)
        began = time.monotonic()
        await notify.send_now(
            bot.services, recipient_id=worker, kind="alert", message=UNREACHABLE_MESSAGE,
            params={"name": "Matti M"}, key="alert-1",
        )  # fmt: skip
        message = await bot.fake.wait_for_message(uid, timeout=5)
        # Woken, not found by the 2-second tick: well under it, with room for a busy
        # machine (the jobs' first runs at start share the database with it).
        assert time.monotonic() - began < 1.5
        # Rendered in the recipient's language (Swedish) at send time.
        assert message.text is not None and message.text.startswith(
            "Matti M kan inte ta emot mina meddelanden"
        )
        await bot.fake.wait_until(lambda: rows(bot)[0].status == OutboxStatus.SENT)
        assert rows(bot)[0].telegram_message_id == message.message_id


async def test_a_wake_runs_however_late_the_busy_loop_gets_to_it(database_url: str) -> None:
    """A start runs every job at once; a wake the event loop reaches more than a second
    late must still send (APScheduler drops a late one-off job by default), or the message
    waits for the next tick: ten minutes here."""
    async with Harness(database_url, COACHBOT_OUTBOX_INTERVAL=600) as bot:
        _, worker, _ = team(bot)
        uid = bot.link(worker)
        await bot.dispatcher.run_once()  # the start's own pass is over
        bot.db.call(
            outbox.schedule, recipient_id=worker, kind="alert", message=UNREACHABLE_MESSAGE,
            params={"name": "Matti M"}, key="late-wake", due_at=bot.services.now(),
            priority=Priority.ALERT,
        )  # fmt: skip
        bot.services.wake_outbox()
        time.sleep(1.3)  # the loop is busy (blocked, not waiting) past the one-second grace
        message = await bot.fake.wait_for_message(uid, timeout=5)
        assert message.text is not None and message.text.startswith("Matti M")


async def test_a_scheduled_message_waits_for_its_time(database_url: str) -> None:
    clock = Clock(EVENING - timedelta(hours=8))
    async with Harness(database_url, now=clock.now, **FAST) as bot:
        bot.clock = clock
        bot.services.clock = clock
        coach, _, _ = team(bot)
        uid = bot.link(coach)
        await notify.schedule(
            bot.services, recipient_id=coach, kind="reminder", message="Agenda {n}",
            params={"n": 1}, key="agenda-1", due_at=clock.now + timedelta(hours=1),
        )  # fmt: skip
        assert await bot.dispatcher.run_once() == 0
        await bot.fake.wait_for_updates_taken()
        assert bot.fake.messages_to(uid) == []
        clock.set(clock.now + timedelta(hours=1))
        bot.dispatcher.wake()
        message = await bot.fake.wait_for_message(uid)
        assert message.text == "Agenda 1"


async def test_quiet_hours_hold_client_reminders_but_not_alerts(database_url: str) -> None:
    clock = Clock(EVENING)
    async with Harness(database_url, **FAST) as bot:
        bot.services.clock = clock
        _, worker, client = team(bot)
        client_uid, worker_uid = bot.link(client), bot.link(worker)
        await notify.schedule(
            bot.services, recipient_id=client, kind="reminder", message="Reminder {n}",
            params={"n": 1}, key="r1", due_at=clock.now, quiet=True,
        )  # fmt: skip
        await notify.send_now(
            bot.services, recipient_id=worker, kind="alert", message="Alert {n}",
            params={"n": 1}, key="a1",
        )  # fmt: skip
        alert = await bot.fake.wait_for_message(worker_uid)
        assert alert.text == "Alert 1"
        await bot.dispatcher.run_once()
        held = next(r for r in rows(bot) if r.idempotency_key == "r1")
        assert held.status == OutboxStatus.PENDING
        assert held.due_at == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # 08:00 Helsinki
        assert bot.fake.messages_to(client_uid) == []
        clock.set(datetime(2026, 11, 24, 6, 0, tzinfo=UTC))
        bot.dispatcher.wake()
        reminder = await bot.fake.wait_for_message(client_uid)
        assert reminder.text == "Reminder 1"


async def test_429_is_obeyed_and_nothing_is_lost(database_url: str) -> None:
    async with Harness(database_url, **FAST) as bot:
        coach, _, _ = team(bot)
        uid = bot.link(coach)
        bot.fake.faults.add(method="sendMessage", status=429, retry_after=1, times=1)
        began = time.monotonic()
        await notify.send_now(
            bot.services, recipient_id=coach, kind="alert", message="Alert {n}",
            params={"n": 1}, key="a1",
        )  # fmt: skip
        message = await bot.fake.wait_for_message(uid, timeout=5)
        assert message.text == "Alert 1"
        assert time.monotonic() - began >= 1.0  # retry_after was waited out
        assert bot.fake.statuses[429] == 1
        assert len(bot.fake.messages_to(uid)) == 1
        await bot.fake.wait_until(lambda: rows(bot)[0].status == OutboxStatus.SENT)
        assert rows(bot)[0].last_error == "429 retry_after"


async def test_server_errors_and_timeouts_are_retried_with_backoff(database_url: str) -> None:
    clock = Clock(EVENING - timedelta(hours=8))
    async with Harness(database_url, COACHBOT_TELEGRAM_TIMEOUT=0.3, **FAST) as bot:
        bot.services.clock = clock
        coach, _, _ = team(bot)
        uid = bot.link(coach)
        bot.fake.faults.add(method="sendMessage", status=500, times=1)
        bot.fake.faults.add(method="sendMessage", status=502, times=1)
        await notify.send_now(
            bot.services, recipient_id=coach, kind="alert", message="Alert {n}",
            params={"n": 1}, key="a1",
        )  # fmt: skip
        await bot.fake.wait_until(lambda: bot.fake.statuses[500] == 1)
        await bot.dispatcher.run_once()
        [row] = rows(bot)
        assert row.status == OutboxStatus.PENDING and row.attempts == 1
        assert row.due_at == clock.now + timedelta(seconds=2)  # the first back-off step
        clock.set(clock.now + timedelta(seconds=2))
        await bot.dispatcher.run_once()
        [row] = rows(bot)
        assert row.attempts == 2 and row.due_at == clock.now + timedelta(seconds=4)
        # A timeout: Telegram may or may not have delivered, so the row is tried again.
        bot.fake.faults.add(method="sendMessage", delay=1.0, times=1)
        clock.set(clock.now + timedelta(seconds=4))
        await bot.dispatcher.run_once()
        [row] = rows(bot)
        assert row.status == OutboxStatus.PENDING and "TimedOut" in (row.last_error or "")
        clock.set(clock.now + timedelta(seconds=8))
        await bot.dispatcher.run_once()
        [row] = rows(bot)
        assert row.status == OutboxStatus.SENT and row.attempts == 4
        texts = [m.text for m in bot.fake.messages_to(uid)]
        # Delivered; at most the one copy the timed-out request may have left behind.
        assert 1 <= texts.count("Alert 1") <= 2


async def test_a_blocked_client_is_marked_and_the_coach_told_once(database_url: str) -> None:
    async with Harness(database_url, **FAST) as bot:
        coach, _, client = team(bot)
        coach_uid, client_uid = bot.link(coach), bot.link(client)
        bot.fake.block(client_uid, notify=False)
        for n in (1, 2):
            await notify.send_now(
                bot.services, recipient_id=client, kind="reminder", message="Reminder {n}",
                params={"n": n}, key=f"r{n}",
            )  # fmt: skip
        told = await bot.fake.wait_for_message(coach_uid)
        assert told.text == (
            "Matti M ei voi vastaanottaa viestejäni: hän on estänyt minut tai poistanut "
            "Telegram-tilinsä. Ota häneen yhteyttä muulla tavalla."
        )
        await bot.fake.wait_until(
            lambda: sum(r.status == OutboxStatus.FAILED for r in rows(bot)) == 2
        )
        await bot.dispatcher.run_once()
        assert len(bot.fake.messages_to(coach_uid)) == 1  # told once, not per message
        failed = [r for r in rows(bot) if r.status == OutboxStatus.FAILED]
        assert all((r.last_error or "").startswith("Forbidden") for r in failed)
        with bot.db.session() as session:
            person = session.get(Person, client)
            assert person is not None and person.unreachable_since is not None
        # The client comes back and writes: reachable again, and a retry delivers.
        await bot.fake.chat(client_uid).say("/help")
        with bot.db.session() as session:
            person = session.get(Person, client)
            assert person is not None and person.unreachable_since is None
        assert bot.db.call(outbox.retry, failed[0].id, datetime.now(UTC))
        bot.dispatcher.wake()
        again = await bot.fake.wait_for_message(
            client_uid, predicate=lambda m: "Reminder" in (m.text or "")
        )
        assert again.text == "Reminder 1"


async def test_chat_not_found_and_unjoined_people_fail_visibly(database_url: str) -> None:
    async with Harness(database_url, **FAST) as bot:
        coach, _, client = team(bot)
        admin = bot.add(Role.ADMIN, "Aino")
        admin_uid = bot.link(admin)
        bot.link(coach, known=False)  # an id Telegram does not know: chat not found
        await notify.send_now(
            bot.services, recipient_id=coach, kind="alert", message="Alert", key="a1"
        )
        told = await bot.fake.wait_for_message(admin_uid)
        assert told.text is not None and told.text.startswith("Kaisa Koutsi ei voi vastaanottaa")
        await notify.send_now(
            bot.services, recipient_id=client, kind="alert", message="Alert", key="a2"
        )
        # Not joined yet: the message waits, and comes as soon as they join.
        await bot.fake.wait_until(
            lambda: (
                {r.idempotency_key: r.last_error for r in rows(bot)}.get("a2")
                == "waiting for the person to join"
            )
        )
        assert {r.idempotency_key: r.status for r in rows(bot)}["a2"] == "pending"
        joined = await bot.join(client)
        waited = await bot.fake.wait_for_message(
            joined.user.id, predicate=lambda m: m.text == "Alert"
        )
        assert waited.text == "Alert"
        by_key = {r.idempotency_key: r for r in rows(bot)}
        assert "Chat not found" in (by_key["a1"].last_error or "")
        # Linked but never pressed Start: Telegram refuses, and it is handled as blocked.
        worker = bot.add(Role.CASEWORKER, "Ville V")
        bot.link(worker, started=False)
        await notify.send_now(
            bot.services, recipient_id=worker, kind="alert", message="Alert", key="a3"
        )
        second = await bot.fake.wait_for_message(
            admin_uid, predicate=lambda m: (m.text or "").startswith("Ville V")
        )
        assert second.text is not None and "ei voi vastaanottaa" in second.text


async def test_cancel_and_move_by_key(database_url: str) -> None:
    clock = Clock(EVENING - timedelta(hours=8))
    async with Harness(database_url, **FAST) as bot:
        bot.services.clock = clock
        coach, _, _ = team(bot)
        uid = bot.link(coach)
        due = clock.now + timedelta(minutes=30)
        for key in ("gone", "moved", "kept"):
            await notify.schedule(
                bot.services, recipient_id=coach, kind="reminder", message=key, key=key,
                due_at=due, object_ref=f"meeting:{key}",
            )  # fmt: skip
        assert (await notify.cancel(bot.services, object_ref="meeting:gone")).changed == 1
        later = clock.now + timedelta(hours=2)
        assert (await notify.move(bot.services, later, key="moved")).changed == 1
        clock.set(due)
        await bot.dispatcher.run_once()
        assert [m.text for m in bot.fake.messages_to(uid)] == ["kept"]
        clock.set(later)
        await bot.dispatcher.run_once()
        assert [m.text for m in bot.fake.messages_to(uid)] == ["kept", "moved"]


async def test_startup_sends_what_is_overdue_alerts_first_oldest_first(database_url: str) -> None:
    prepare = Harness(database_url)  # only for its data helpers: no bot runs yet
    coach, _, _ = team(prepare)
    uid = prepare.link(coach)
    past = datetime.now(UTC) - timedelta(hours=3)

    def add(session):  # type: ignore[no-untyped-def]
        for n in range(3):
            outbox.schedule(
                session, recipient_id=coach, kind="reminder", message=f"reminder {n}",
                key=f"r{n}", due_at=past + timedelta(minutes=n), priority=Priority.REMINDER,
            )  # fmt: skip
        outbox.schedule(
            session, recipient_id=coach, kind="alert", message="alert", key="a",
            due_at=past + timedelta(hours=1), priority=Priority.ALERT,
        )  # fmt: skip

    prepare.db.call(add)
    prepare.db.dispose()
    await prepare.fake.start()
    async with Harness(database_url, fake=prepare.fake, COACHBOT_TELEGRAM_RATE=0) as bot:
        await bot.fake.wait_until(lambda: len(bot.fake.messages_to(uid)) == 4)
        texts = [m.text for m in bot.fake.messages_to(uid)]
        assert texts == ["alert", "reminder 0", "reminder 1", "reminder 2"]
    await prepare.fake.stop()
