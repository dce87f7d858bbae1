"""/change's buttons once the conversation was restarted or left: every step's buttons get
the polite "no longer valid", no handler fails, and no alert is raised or sent."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from storage.models import Alert, OutboxMessage, Role
from tests.e2e.harness import Clock, Harness
from tests.e2e.stale import LEAVES, leave, press_stale, seen

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture
async def bot(database_url: str):  # type: ignore[no-untyped-def]
    clock = Clock(datetime(2026, 11, 20, 14, 0, tzinfo=HKI).astimezone(UTC))
    async with Harness(database_url, COACHBOT_OUTBOX_INTERVAL=0.2) as harness:
        harness.services.clock = clock
        harness.clock = clock
        yield harness


@pytest.mark.parametrize("how", LEAVES)
async def test_change_buttons_are_stale_once_restarted_or_left(bot: Harness, how: str) -> None:
    coach_id = bot.add(Role.COACH, "Kaisa Koutsi")
    worker_id = bot.add(Role.CASEWORKER, "Ville Virkailija")
    bot.add(Role.CLIENT, "Matti Meikäläinen", coach=coach_id, caseworker=worker_id)
    coach, worker = await bot.join(coach_id), await bot.join(worker_id)
    step = await coach.say("/change")
    steps = [seen(step)]  # the client
    step = await coach.press("Matti Meikäläinen", message=step)
    steps.append(seen(step))  # the category
    step = await coach.press("Ristiriita työpaikalla", message=step)
    steps.append(seen(step))  # the description, with Back and Cancel
    assert step.button_texts == ["◀ Takaisin", "✖ Peru"]

    again = await leave(coach, how, "/change")
    assert await press_stale(bot, coach, steps) == 2 + 7 + 2
    with bot.db.session() as session:
        assert list(session.exec(select(Alert))) == []
        assert list(session.exec(select(OutboxMessage))) == []
    assert not any("Hälytys" in (m.text or "") for m in worker.messages)
    if how == "restart":  # the new run is where it was
        step = await coach.press("Matti Meikäläinen", message=again)
        assert step.text == "Matti Meikäläinen: mikä on muuttunut?"
