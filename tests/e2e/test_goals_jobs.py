"""The goals job as several bot processes run it: the same minute, the same database.

Each process runs the job's steps in their own transactions, rounds in batches; whatever
the interleaving, every client gets exactly one round and one first question.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from benchmarks.goals import add_clients
from bot.goals import checkins
from bot.goals import jobs as goal_jobs
from storage.db import Database
from storage.models import CheckIn, OutboxMessage

HKI = ZoneInfo("Europe/Helsinki")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=HKI).astimezone(UTC)
CLIENTS = 60


@dataclass
class _Settings:
    tz: ZoneInfo = HKI


@dataclass
class _Process:
    """What the job needs of Services: its own database pool, a clock, a wake-up."""

    db: Database
    settings: _Settings = field(default_factory=_Settings)
    woken: int = 0

    def now(self) -> datetime:
        return MONDAY_10

    def wake_outbox(self) -> None:
        self.woken += 1


async def test_two_processes_open_each_round_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkins, "BATCH", 7)  # many batches, so the two interleave
    monkeypatch.setattr(goal_jobs, "BATCH", 7)
    setup = Database(database_url)
    add_clients(setup, CLIENTS)
    first, second = _Process(Database(database_url)), _Process(Database(database_url))
    try:
        done = await asyncio.gather(goal_jobs.run_once(first), goal_jobs.run_once(second))
        assert sum(done) == CLIENTS
        assert first.woken + second.woken >= 1
        again = await goal_jobs.run_once(first)  # the next minute: nothing new
        assert again == 0
        with setup.session() as session:
            rounds = session.exec(select(CheckIn.client_id)).all()
            questions = session.exec(
                select(OutboxMessage.idempotency_key, func.count())
                .where(OutboxMessage.kind == "checkin")
                .group_by(OutboxMessage.idempotency_key)
            ).all()
        assert sorted(rounds) == sorted(set(rounds)) and len(rounds) == CLIENTS
        assert len(questions) == CLIENTS and {n for _, n in questions} == {1}
    finally:
        for database in (setup, first.db, second.db):
            database.dispose()


def test_a_client_without_a_running_period_is_not_asked(database_url: str) -> None:
    db = Database(database_url)
    try:
        add_clients(db, 3)

        def end_all(session):  # type: ignore[no-untyped-def]
            from storage.models import ServicePeriod

            for period in session.exec(select(ServicePeriod)).all():
                period.planned_end = date(2026, 11, 20)
                session.add(period)

        db.call(end_all)
        assert db.call(checkins.queue_rounds, MONDAY_10, HKI) == 0
    finally:
        db.dispose()


async def test_a_bot_started_after_the_check_in_time_asks_at_once(database_url: str) -> None:
    """The JobQueue's start run catches up: the state is in the database, not the queue."""
    from bot.fakeapi import FakeTelegram
    from storage.models import Person
    from tests.e2e.harness import Harness

    setup = Database(database_url)
    add_clients(setup, 1)
    fake = FakeTelegram()
    await fake.start()
    try:

        def link(session):  # type: ignore[no-untyped-def]
            client = session.exec(select(Person).where(Person.role == "client")).one()
            client.telegram_user_id = 77_001
            session.add(client)

        fake.add_user(77_001, "Client")
        setup.call(link)
        # The bot was down at 10.00; it starts at 10.20.
        later = MONDAY_10.replace(minute=20)
        async with Harness(database_url, now=later, fake=fake, COACHBOT_OUTBOX_INTERVAL=0.2):
            question = await fake.wait_for_message(77_001, timeout=10)
            assert question.text is not None and "Goal 0" in question.text
            assert question.button_texts[:5] == ["1", "2", "3", "4", "5"]
    finally:
        setup.dispose()
        await fake.stop()


def test_one_process_at_a_time_runs_a_step(database_url: str) -> None:
    """PostgreSQL: while one transaction holds a step's lock, another skips the step."""
    from storage import bulk

    db = Database(database_url)
    try:
        with db.session() as first, db.session() as second:
            assert bulk.only_one(first, "goals:rounds")
            if db.engine.dialect.name == "postgresql":
                assert not bulk.only_one(second, "goals:rounds")
                assert bulk.only_one(second, "goals:digests")  # another step is free
                first.rollback()  # the lock ends with the transaction
                assert bulk.only_one(second, "goals:rounds")
            else:
                assert bulk.only_one(second, "goals:rounds")  # one process by design
    finally:
        db.dispose()
