"""The inbox across real processes: `coachbot run` killed with SIGKILL, and two of them
sharing one PostgreSQL database. Each bot is a subprocess talking to the fake Bot API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from bot.fakeapi import FakeTelegram
from storage.models import InboxStatus, InboxUpdate, Role
from tests.e2e.harness import Harness

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]
HELP_START = "Roolisi: asiakas."


def start_bot(fake: FakeTelegram, database_url: str, **extra: str) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "COACHBOT_"))},
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "DATABASE_URL": database_url,
        "COACHBOT_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def stop(process: subprocess.Popen[bytes], how: signal.Signals = signal.SIGTERM) -> str:
    process.send_signal(how)
    _, err = process.communicate(timeout=30)
    return err.decode(errors="replace")


def clients(bot: Harness, count: int) -> list[int]:
    coach = bot.add(Role.COACH, "Kaisa")
    return [bot.link(bot.add(Role.CLIENT, f"Client {n}", coach=coach)) for n in range(count)]


def rows(bot: Harness) -> list[InboxUpdate]:
    with bot.db.session() as session:
        return list(session.exec(select(InboxUpdate)))


def help_replies(fake: FakeTelegram, uid: int) -> int:
    return sum(1 for m in fake.messages_to(uid) if (m.text or "").startswith(HELP_START))


def all_replies(fake: FakeTelegram, uid: int) -> int:
    return len(fake.messages_to(uid))


async def test_sigkill_with_updates_stored_but_not_handled_loses_none_and_repeats_none(
    database_url: str,
) -> None:
    async with FakeTelegram() as fake:
        setup = Harness(database_url, fake=fake)
        users = clients(setup, 20)
        fake.faults.add("sendMessage", 500, times=None)  # Telegram is failing: replies wait
        first = start_bot(fake, database_url)
        try:
            for uid in users:
                await fake.send_text(uid, "/help")
            await fake.wait_for_updates_taken(timeout=30)  # stored, and confirmed to Telegram
            await fake.wait_until(lambda: fake.count("sendMessage") >= len(users) // 2, timeout=30)
        finally:
            stop(first, signal.SIGKILL)
        stored = rows(setup)
        assert len(stored) == len(users)
        assert not [r for r in stored if r.status == InboxStatus.DONE.value]
        assert fake.sent_messages == []  # nothing reached anyone before the kill

        fake.faults.clear()  # Telegram is back
        second = start_bot(fake, database_url)
        try:
            await fake.wait_until(lambda: all(help_replies(fake, uid) for uid in users), timeout=60)
            await fake.wait_until(
                lambda: all(r.status == InboxStatus.DONE.value for r in rows(setup)), timeout=30
            )
        finally:
            errors = stop(second)
        assert "Traceback" not in errors, errors[-3000:]
        assert {uid: help_replies(fake, uid) for uid in users} == dict.fromkeys(users, 1)
        assert {uid: all_replies(fake, uid) for uid in users} == dict.fromkeys(users, 1)
        setup.db.dispose()


async def test_two_processes_on_postgresql_answer_every_update_once_in_each_persons_order(
    backend: str, database_url: str
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite serves one process (a second one refuses to start)")
    per_user = 10
    async with FakeTelegram() as fake:
        setup = Harness(database_url, fake=fake)
        users = clients(setup, 100)
        one = start_bot(fake, database_url)
        two = start_bot(fake, database_url)
        try:
            for _ in range(per_user):
                for uid in users:
                    await fake.send_text(uid, "/me")
            await fake.wait_until(
                lambda: all(len(fake.messages_to(uid)) >= per_user for uid in users),
                timeout=120,
            )
            await fake.wait_until(
                lambda: all(r.status == InboxStatus.DONE.value for r in rows(setup)), timeout=30
            )
        finally:
            errors = stop(one) + stop(two)
        assert "Traceback" not in errors, errors[-3000:]
        stored = rows(setup)
        assert len(stored) == per_user * len(users)
        # Both processes handled updates (one of them also polled for both).
        assert len(Counter(r.claimed_by for r in stored)) == 2
        for uid in users:
            assert len(fake.messages_to(uid)) == per_user, uid  # each update answered once
            lane = sorted((r for r in stored if r.lane == uid), key=lambda r: r.update_id)
            finished = [r.done_at for r in lane]
            assert finished == sorted(finished), uid  # one at a time, in the order written
        setup.db.dispose()
