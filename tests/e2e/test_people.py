"""People management end to end through the fake Bot API: a deactivated person gets
nothing (the dispatcher cancels their rows) and is a stranger to the bot; a coach change
reaches the client in their own language and both coaches; the admin's /people buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.commands import ROLE_GROUPS
from bot.fakeapi.conversation import Conversation
from bot.fakeapi.models import BotMessage
from bot.meetings import actions as meeting_actions
from bot.meetings.notices import DEFAULT_QUIET
from bot.outbox.dispatcher import RECIPIENT_INACTIVE
from bot.people import actions, texts
from messages.i18n import translator
from storage.models import (
    AuditEntry,
    Meeting,
    MeetingKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    Priority,
    Role,
)
from tests.e2e import notify
from tests.e2e.harness import Harness
from tests.e2e.stale import press_stale, seen

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=HKI).astimezone(UTC)  # a Monday morning
FI = translator("fi")
STRANGER = FI(
    "Hello! I am Coachbot, the assistant of your employment coaching. "
    "I don't know you yet. To start, open the invite link your coach gave you. "
    "If you have no link, ask your coach for one."
)


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    async with Harness(database_url, now=NOW, COACHBOT_OUTBOX_INTERVAL=0.2) as harness:
        yield harness


def team(bot: Harness, client_language: str = "fi") -> dict[str, int]:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    other = bot.add(Role.COACH, "Olli Ohjaaja")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija")
    client = bot.add(
        Role.CLIENT, "Matti Meikäläinen", language=client_language, coach=coach,
        caseworker=worker, program="job-search",
    )  # fmt: skip
    return {"coach": coach, "other": other, "worker": worker, "client": client}


def rows(bot: Harness, recipient: int) -> list[OutboxMessage]:
    with bot.db.session() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.recipient_id == recipient)
                .order_by(col(OutboxMessage.id))
            )
        )


def person(bot: Harness, person_id: int) -> Person:
    with bot.db.session() as session:
        found = session.get(Person, person_id)
        assert found is not None
        return found


async def message_to(bot: Harness, chat: Conversation, starts: str) -> str:
    found = await bot.fake.wait_for_message(
        chat.user.id, predicate=lambda m: (m.text or "").startswith(starts)
    )
    assert found.text is not None
    return found.text


async def test_the_outbox_sends_nothing_to_a_deactivated_person(bot: Harness) -> None:
    ids = team(bot)
    quiet_coach = bot.add(Role.COACH, "Leena Lähtijä")
    leaving = bot.fake.chat(bot.link(quiet_coach))
    staying = bot.fake.chat(bot.link(ids["worker"]))
    later = NOW + timedelta(hours=1)
    await notify.schedule(
        bot.services, recipient_id=quiet_coach, kind="test", message=texts.COACH_CLIENT_LEFT,
        params={"client": "X", "count": 0}, key="before", due_at=later, priority=Priority.NOTICE,
    )  # fmt: skip
    outcome = bot.db.call(actions.deactivate, quiet_coach, now=NOW)
    assert outcome.role == "coach" and not person(bot, quiet_coach).active
    for key, recipient in (("after", quiet_coach), ("other", ids["worker"])):
        await notify.send_now(
            bot.services, recipient_id=recipient, kind="test", message=texts.COACH_CLIENT_LEFT,
            params={"client": "X", "count": 0}, key=key,
        )  # fmt: skip
    # The active person's row in the same pass goes out as usual.
    await message_to(bot, staying, FI(texts.COACH_CLIENT_LEFT, client="X", count=0)[:10])
    bot.clock.set(later)  # type: ignore[union-attr]
    await bot.dispatcher.run_once()
    found = {row.idempotency_key: row for row in rows(bot, quiet_coach)}
    for key in ("before", "after"):
        assert found[key].status == OutboxStatus.CANCELLED.value, key
        assert found[key].last_error == RECIPIENT_INACTIVE
        assert found[key].attempts == 0 and found[key].claimed_by is None
    await leaving.silence()
    assert leaving.messages == []
    [other] = rows(bot, ids["worker"])
    assert other.status == OutboxStatus.SENT.value


async def test_a_deactivated_person_is_a_stranger_to_the_bot_until_reactivated(
    bot: Harness,
) -> None:
    ids = team(bot)
    chat = await bot.join(ids["client"])
    me = await chat.say("/me")
    assert me.text is not None and "Matti Meikäläinen" in me.text
    bot.db.call(actions.deactivate, ids["client"], now=NOW)
    for text in ("/start", "/me", "/meetings", "olen kipeä", "hei"):
        reply = await chat.say(text)
        assert reply.text == STRANGER, text
    bot.db.call(actions.reactivate, ids["client"], now=NOW)
    me = await chat.say("/me")
    assert me.text is not None and "Nimi: Matti Meikäläinen" in me.text


async def test_a_coach_change_tells_the_client_in_their_language_and_both_coaches(
    bot: Harness,
) -> None:
    ids = team(bot, client_language="sv")
    chats = {name: bot.fake.chat(bot.link(ids[name])) for name in ("coach", "other", "client")}
    start = NOW + timedelta(days=3)

    def book(session):  # type: ignore[no-untyped-def]
        coach = session.get(Person, ids["coach"])
        return meeting_actions.book(
            session, coach, client_id=ids["client"], kind=MeetingKind.INDIVIDUAL,
            starts=[start], duration=timedelta(hours=1), place="Toimisto",
            now=NOW, tz=HKI, quiet=DEFAULT_QUIET,
        )  # fmt: skip

    bot.db.call(book)
    outcome = bot.db.call(actions.edit, ids["client"], coach_id=ids["other"], now=NOW)
    assert outcome.changed == ("coach",) and outcome.meetings_moved == 1
    bot.services.wake_outbox()
    sv = translator("sv")
    told = await message_to(bot, chats["client"], sv(texts.CLIENT_NEW_COACH, coach="Olli Ohjaaja"))
    assert "Olli Ohjaaja" in told
    old = await message_to(
        bot, chats["coach"], FI(texts.OLD_COACH_CLIENT_MOVED, client="Matti", coach="")[:5]
    )
    assert "Matti Meikäläinen" in old and "Olli Ohjaaja" in old
    new = await message_to(
        bot, chats["other"], FI(texts.NEW_COACH_CLIENTS, old="", clients="")[:10]
    )
    assert "Matti Meikäläinen" in new and "Kaisa Koutsi" in new
    with bot.db.session() as session:
        [meeting] = session.exec(select(Meeting)).all()
        assert meeting.coach_id == ids["other"]
        reminders = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == "reminder",
                OutboxMessage.status == OutboxStatus.PENDING.value,
            )
        ).all()
    # The client's reminders still to come name the new coach.
    assert reminders and {row.params["coach"] for row in reminders} == {"Olli Ohjaaja"}
    # The new coach has the meeting in /meetings now, the old one has not.
    listing = await chats["other"].say("/meetings")
    assert listing.text is not None and "Matti Meikäläinen" in listing.text
    old_listing = await chats["coach"].say("/meetings")
    assert old_listing.text is not None and "Matti Meikäläinen" not in old_listing.text


# --- the admin's /people buttons ------------------------------------------------------------
REFUSED = "Tämä painike ei ole enää voimassa."


def group_label(role: Role) -> str:
    return FI(ROLE_GROUPS[role]).capitalize()


async def open_card(chat: Conversation, role: Role, name: str) -> BotMessage:
    overview = await chat.say("/people")
    assert overview.text is not None and overview.text.startswith(FI("People in the service:"))
    await chat.press(group_label(role))
    return await chat.press(name)


async def test_the_admin_deactivates_a_coach_and_picks_the_successor_from_buttons(
    bot: Harness,
) -> None:
    ids = team(bot)
    admin_id = bot.add(Role.ADMIN, "Aino Admin")
    admin = await bot.join(admin_id)
    client_chat = bot.fake.chat(bot.link(ids["client"]))
    other_chat = bot.fake.chat(bot.link(ids["other"]))
    card = await open_card(admin, Role.COACH, "Kaisa Koutsi")
    assert card.text is not None and FI("Active clients: {count}", count=1) in card.text
    steps = [seen(card)]
    successors = await admin.press(FI("Deactivate"))
    assert successors.button_texts[:1] == ["Olli Ohjaaja"]  # the leaver is not offered
    steps.append(seen(successors))
    confirm = await admin.press("Olli Ohjaaja")
    assert confirm.text is not None and "Olli Ohjaaja" in confirm.text
    assert person(bot, ids["coach"]).active  # nothing done before the confirmation
    steps.append(seen(confirm))
    done = await admin.press("✔ " + FI("Yes, do it"))
    assert done.text == FI("{name} is deactivated.", name="Kaisa Koutsi")
    assert not person(bot, ids["coach"]).active
    assert person(bot, ids["client"]).coach_id == ids["other"]
    told = await message_to(bot, client_chat, FI(texts.CLIENT_NEW_COACH, coach="Olli Ohjaaja"))
    assert "Olli Ohjaaja" in told
    new = await message_to(bot, other_chat, FI(texts.NEW_COACH_CLIENTS, old="", clients="")[:10])
    assert "Matti Meikäläinen" in new
    with bot.db.session() as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "person.deactivate")
        ).one()
    assert (entry.actor_id, entry.subject_id) == (admin_id, ids["coach"])
    assert entry.detail == f"to {ids['other']}"
    # The flow is over: every button it showed is now "no longer valid", nothing changes.
    assert await press_stale(bot, admin, steps) > 3
    assert person(bot, ids["client"]).coach_id == ids["other"]


async def test_the_admin_changes_a_clients_coach_and_reactivates_a_person(bot: Harness) -> None:
    ids = team(bot)
    admin = await bot.join(bot.add(Role.ADMIN, "Aino Admin"))
    client_chat = bot.fake.chat(bot.link(ids["client"]))
    await open_card(admin, Role.CLIENT, "Matti Meikäläinen")
    coaches = await admin.press(FI("Change the coach"))
    assert coaches.button_texts[:1] == ["Olli Ohjaaja"]  # not the coach they have
    await admin.press("Olli Ohjaaja")
    done = await admin.press("✔ " + FI("Yes, do it"))
    assert done.text is not None and "Olli Ohjaaja" in done.text
    assert person(bot, ids["client"]).coach_id == ids["other"]
    await message_to(bot, client_chat, FI(texts.CLIENT_NEW_COACH, coach="Olli Ohjaaja"))
    # Deactivate the client (no successor step), then bring them back.
    await open_card(admin, Role.CLIENT, "Matti Meikäläinen")
    confirm = await admin.press(FI("Deactivate"))
    assert confirm.button_texts[0] == "✔ " + FI("Yes, do it")
    await admin.press("✔ " + FI("Yes, do it"))
    assert not person(bot, ids["client"]).active
    card = await open_card(admin, Role.CLIENT, f"Matti Meikäläinen {FI('(inactive)')}")
    assert FI("Deactivate") not in card.button_texts
    await admin.press(FI("Reactivate"))
    done = await admin.press("✔ " + FI("Yes, do it"))
    assert done.text == FI("{name} is active again.", name="Matti Meikäläinen")
    assert person(bot, ids["client"]).active


async def test_people_buttons_are_the_admins_alone_and_only_those_offered(bot: Harness) -> None:
    ids = team(bot)
    admin_id = bot.add(Role.ADMIN, "Aino Admin")
    admin = await bot.join(admin_id)
    await admin.say("/people")
    listing = await admin.press(group_label(Role.COACH))
    # An id the step did not offer (another role's person), forged onto the admin's message.
    query = await bot.fake.press_button(
        admin.user.id, listing.message_id, f"pp:p:{ids['client']}", strict=False
    )
    answer = await admin.answer(query)
    assert (answer.text, answer.show_alert) == (REFUSED, True)
    # The admin cannot deactivate themselves: no such button on their own card.
    own = await open_card(admin, Role.ADMIN, "Aino Admin")
    assert FI("Deactivate") not in own.button_texts
    # A coach pressing the admin's buttons gets the polite refusal; nothing changes.
    coach = await bot.join(ids["coach"])
    refusal = await coach.say("/people")
    assert refusal.text is not None and refusal.text.startswith("Komento /people ei ole")
    for data in (f"pp:p:{ids['other']}", "pp:deact", "pp:yes", f"pp:to:{ids['other']}"):
        query = await bot.fake.press_button(coach.user.id, refusal.message_id, data, strict=False)
        answer = await coach.answer(query)
        assert answer.text == REFUSED, data
    assert person(bot, ids["other"]).active and person(bot, ids["coach"]).active
    # /cancel stops the admin's flow with nothing changed.
    await open_card(admin, Role.COACH, "Kaisa Koutsi")
    stopped = await admin.say("/cancel")
    assert stopped.text == FI("Stopped. Nothing was changed.")
    assert person(bot, ids["coach"]).active
