"""Outbox benchmarks (issue 3). Run: `make bench` or `python -m benchmarks [--quick]`.

1. Within Telegram's limits: N due messages to M chats through the fake Bot API that
   enforces 30 msg/s and 1 msg/s per chat; sustained rate, 429s, losses, duplicates.
2. Limits off: dispatcher throughput as a ratio to a bare `await bot.send_message` loop
   against the same fake server, in the same run.
3. Tick cost with 100,000 future rows against 1,000 future rows (100 due each time), on
   SQLite and PostgreSQL: the claim must use the index.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import DISPATCHER_KEY, build_application
from bot.embedded import running
from bot.fakeapi import FakeTelegram
from bot.outbox.dispatcher import Dispatcher
from bot.services import Services
from bot.settings import Settings
from storage.db import Database
from storage.migrate import upgrade
from storage.models import OutboxMessage, Person, Priority, Role


def sqlite_url() -> str:
    url = f"sqlite:///{tempfile.mkdtemp(prefix='coachbot-bench-')}/bench.sqlite3"
    upgrade(url)
    return url


def add_people(db: Database, fake: FakeTelegram, chats: int) -> list[int]:
    """`chats` linked clients; returns their person ids (chat id = 500000 + index)."""
    table = Person.__table__
    now = datetime.now(UTC)
    rows = [
        {
            "role": Role.CLIENT.value, "display_name": f"Client {i}", "language": "fi",
            "telegram_user_id": 500_000 + i, "active": True, "created_at": now,
        }
        for i in range(chats)
    ]  # fmt: skip
    with db.session() as session:
        session.connection().execute(table.insert(), rows)
    for i in range(chats):
        fake.add_user(500_000 + i, f"Client{i}")
    with db.session() as session:
        return [p.id for p in session.query(Person).order_by(Person.id)]  # type: ignore[misc]


def add_messages(
    db: Database, people: list[int], count: int, *, due: datetime, prefix: str
) -> None:
    """Round-robin over the people, as reminders for many clients come due together."""
    table = OutboxMessage.__table__
    now = datetime.now(UTC)
    rows = [
        {
            "recipient_id": people[n % len(people)], "kind": "bench", "message": f"{prefix} {n}",
            "params": {}, "due_at": due, "priority": int(Priority.REMINDER), "quiet": False,
            "status": "pending", "attempts": 0, "idempotency_key": f"{prefix}-{n}",
            "created_at": now,
        }
        for n in range(count)
    ]  # fmt: skip
    with db.session() as session:
        for start in range(0, len(rows), 5000):
            session.connection().execute(table.insert(), rows[start : start + 5000])


@asynccontextmanager
async def bot_on(
    fake: FakeTelegram, url: str, **settings: Any
) -> AsyncIterator[tuple[Dispatcher, Any]]:
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        DATABASE_URL=url,
        COACHBOT_OUTBOX_INTERVAL=3600,  # the benchmark drives the dispatcher itself
        **settings,
    )
    services = Services(settings=config, db=Database(url))
    application = build_application(services)
    async with running(application):
        yield application.bot_data[DISPATCHER_KEY], application
    services.db.dispose()


async def within_limits(messages: int, chats: int) -> dict[str, float]:
    url = sqlite_url()
    async with FakeTelegram(enforce_limits=True) as fake:
        db = Database(url)
        people = add_people(db, fake, chats)
        add_messages(db, people, messages, due=datetime.now(UTC), prefix="Limited")
        async with bot_on(fake, url) as (dispatcher, _):
            began = time.monotonic()
            await dispatcher.run_once()
            elapsed = time.monotonic() - began
        sends = fake.calls("sendMessage")
        ok = [r for r in sends if r.status == 200]
        texts = Counter(m.text for m in fake.sent_messages)
        first, last = ok[0].at, ok[-1].at
        db.dispose()
    rate = (len(ok) - 1) / (last - first)
    return {
        "messages": messages,
        "chats": chats,
        "seconds": round(elapsed, 1),
        "sustained_rate": round(rate, 2),
        "share_of_limit": round(rate / 30.0, 3),
        "answers_429": fake.rate_limit_hits,
        "lost": messages - len(texts),
        "duplicates": sum(texts.values()) - len(texts),
    }


async def limits_off(messages: int, chats: int) -> dict[str, float]:
    url = sqlite_url()
    async with FakeTelegram() as fake:
        db = Database(url)
        people = add_people(db, fake, chats)
        add_messages(db, people, messages, due=datetime.now(UTC), prefix="Free")
        async with bot_on(fake, url, COACHBOT_TELEGRAM_RATE=0) as (dispatcher, _):
            bot = dispatcher.bot
            chat_ids = [500_000 + i for i in range(chats)]
            began = time.perf_counter()
            for n in range(messages):  # the baseline: a bare loop on the same bot and server
                await bot.send_message(chat_ids[n % chats], f"Bare {n}")
            bare = messages / (time.perf_counter() - began)
            began = time.perf_counter()
            sent = await dispatcher.run_once()
            ours = sent / (time.perf_counter() - began)
        db.dispose()
    return {
        "messages": messages,
        "bare_loop_per_s": round(bare),
        "dispatcher_per_s": round(ours),
        "ratio": round(ours / bare, 2),
    }


async def tick_cost(url: str, label: str, repeats: int = 5) -> dict[str, float]:
    """Median tick with 100 due rows over 1,000 and then 100,000 future rows."""
    results = {}
    async with FakeTelegram() as fake:
        db = Database(url)
        people = add_people(db, fake, 100)
        future = datetime.now(UTC) + timedelta(days=30)
        async with bot_on(fake, url, COACHBOT_TELEGRAM_RATE=0) as (dispatcher, _):
            for size in (1_000, 100_000):
                have = db.call(lambda s: s.query(OutboxMessage).count())  # type: ignore[misc]
                add_messages(db, people, size - have + 0, due=future, prefix=f"Future{size}")
                times = []
                for r in range(repeats):
                    add_messages(db, people, 100, due=datetime.now(UTC), prefix=f"Due{size}-{r}")
                    began = time.perf_counter()
                    sent = await dispatcher.run_once()
                    times.append(time.perf_counter() - began)
                    assert sent == 100, sent
                results[size] = statistics.median(times)
        db.dispose()
    return {
        "database": label,
        "tick_1k_ms": round(results[1_000] * 1000, 1),
        "tick_100k_ms": round(results[100_000] * 1000, 1),
        "ratio": round(results[100_000] / results[1_000], 2),
    }
