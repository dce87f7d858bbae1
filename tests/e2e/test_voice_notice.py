"""A voice message is an absence notice too: the client taps the meeting it is about, the
notice counts from when the voice message was sent, and the coach gets the voice message
itself after the notice. Driven through the fake Bot API (its copyMessage and send_voice).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.absence.texts import ANSWERS
from bot.absence.voice import VOICE_NOTE
from bot.fakeapi import Conversation
from bot.fakeapi.models import BotMessage
from bot.rules.absence import NoticeTiming
from messages.i18n import translator
from storage import meetings
from storage.models import AbsenceNotice, AbsenceReason, MeetingKind, OutboxMessage, Role
from tests.e2e.harness import Harness
from tests.e2e.stale import REFUSED

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
FI = translator("fi")
MONDAY_1230 = datetime(2026, 11, 23, 12, 30, tzinfo=HKI)  # past the noon deadline
MONDAY_1150 = datetime(2026, 11, 23, 11, 50, tzinfo=HKI)  # …but the client spoke before it
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=HKI)
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=HKI)
PICK = FI(
    "Is this voice message an absence notice? Tap the meeting you cannot come to. "
    "Your coach gets the notice and your voice message."
)


@dataclass
class People:
    ids: dict[str, int]
    chats: dict[str, Conversation]


@pytest.fixture
async def bot(database_url: str) -> AsyncIterator[Harness]:
    # The outbox ticks rarely: what reaches the coach came because the notice woke it.
    async with Harness(
        database_url, now=MONDAY_1230.astimezone(UTC), COACHBOT_OUTBOX_INTERVAL=600
    ) as harness:
        yield harness


def people(bot: Harness) -> People:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    client = bot.add(Role.CLIENT, "Matti Meikäläinen", coach=coach, program="job-search")
    other = bot.add(Role.CLIENT, "Liisa Lahtinen", coach=coach, program="job-search")
    ids = {"coach": coach, "client": client, "other": other}
    return People(ids, {name: bot.fake.chat(bot.link(pid)) for name, pid in ids.items()})


def book(bot: Harness, coach: int, client: int, *starts: datetime) -> list[int]:
    def save(session):  # type: ignore[no-untyped-def]
        made = meetings.book(
            session, coach_id=coach, client_id=client, kind=MeetingKind.INDIVIDUAL,
            starts=list(starts), duration=timedelta(hours=1), place="Kauppakatu 1",
        )  # fmt: skip
        return [m.id for m in made]

    return bot.db.call(save)  # type: ignore[no-any-return]


def notices(bot: Harness) -> list[AbsenceNotice]:
    with bot.db.session() as session:
        return list(session.exec(select(AbsenceNotice).order_by(AbsenceNotice.id)))


def copies(bot: Harness) -> list[OutboxMessage]:
    with bot.db.session() as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "copy")))


async def speak(
    bot: Harness, chat: Conversation, at: datetime | None = None, *, video: bool = False
) -> tuple[dict, BotMessage]:  # type: ignore[type-arg]
    """The client sends a voice message (sent at `at`); returns it and the bot's answer."""
    date = int(at.timestamp()) if at is not None else None
    sent = await bot.fake.send_voice(chat.user_id, date=date, video_note=video)
    return sent, await chat.reply()


async def test_a_voice_message_becomes_a_notice_from_its_send_time_and_reaches_the_coach(
    bot: Harness,
) -> None:
    p = people(bot)
    tuesday, wednesday = book(bot, p.ids["coach"], p.ids["client"], TUESDAY_10, WEDNESDAY_10)
    client, coach = p.chats["client"], p.chats["coach"]

    voice, pick = await speak(bot, client, MONDAY_1150)
    assert pick.text == PICK
    assert pick.buttons == [
        [("ti 24.11. klo 10.00 " + FI("Individual meeting"), f"vn:m:{tuesday}")],
        [("ke 25.11. klo 10.00 " + FI("Individual meeting"), f"vn:m:{wednesday}")],
        [("✖ " + FI("Cancel"), "vn:cancel")],
    ]
    done = await client.press(message=pick, callback_data=f"vn:m:{tuesday}", expect="edit")
    # On time: the voice message was sent before noon, though the tap came after it.
    assert done.text == "\n".join(
        [
            FI("Thank you. Your coach has been told and gets your voice message."),
            FI(
                ANSWERS[NoticeTiming.ON_TIME],
                when="ti 24.11. klo 10.00",
                deadline="ma 23.11. klo 12.00",
            ),
        ]
    )
    assert done.buttons == []  # the final message carries no buttons

    [notice] = notices(bot)
    assert notice.meeting_id == tuesday and notice.timing == "on_time"
    assert notice.notified_at == MONDAY_1150.astimezone(UTC)
    assert (notice.reason, notice.note) == (AbsenceReason.OTHER, FI(VOICE_NOTE))

    # The coach: the notice's text first, then the voice message itself.
    told = await bot.fake.wait_for_message(
        coach.user_id, predicate=lambda m: FI(VOICE_NOTE) in (m.text or "")
    )
    assert "Matti Meikäläinen" in (told.text or "") and "24.11.2026" in (told.text or "")
    heard = await bot.fake.wait_for_message(coach.user_id, predicate=lambda m: m.kind == "voice")
    assert heard.message_id > told.message_id
    assert heard.media is not None and heard.media["file_id"] == voice["voice"]["file_id"]
    assert heard.copied_from == (client.user_id, voice["message_id"])
    assert heard.buttons == []
    await bot.dispatcher.run_once()  # what went out is recorded
    [copy] = copies(bot)
    assert copy.recipient_id == p.ids["coach"] and copy.status == "sent"
    assert copy.idempotency_key.startswith("voice:")
    assert copy.object_ref == f"meeting:{tuesday}"
    # Nothing reached the other client.
    assert p.chats["other"].messages == []

    # A second voice message offers only the meeting without a notice.
    _, again = await speak(bot, client, MONDAY_1230)
    assert [data for row in again.buttons for _, data in row] == [
        f"vn:m:{wednesday}",
        "vn:cancel",
    ]


async def test_a_video_note_counts_too_and_a_late_one_is_late(bot: Harness) -> None:
    p = people(bot)
    [tuesday] = book(bot, p.ids["coach"], p.ids["client"], TUESDAY_10)
    client = p.chats["client"]
    _, pick = await speak(bot, client, MONDAY_1230 - timedelta(minutes=5), video=True)
    assert pick.text == PICK
    done = await client.press(message=pick, callback_data=f"vn:m:{tuesday}", expect="edit")
    assert (done.text or "").endswith(
        FI(ANSWERS[NoticeTiming.LATE], when="ti 24.11. klo 10.00", deadline="ma 23.11. klo 12.00")
    )
    [notice] = notices(bot)
    assert notice.timing == "late"
    assert notice.notified_at == (MONDAY_1230 - timedelta(minutes=5)).astimezone(UTC)
    heard = await bot.fake.wait_for_message(
        p.chats["coach"].user_id, predicate=lambda m: m.kind == "video_note"
    )
    assert heard.copied_from is not None


async def test_the_pickers_buttons_are_stale_once_cancelled_or_asked_again(bot: Harness) -> None:
    p = people(bot)
    [tuesday] = book(bot, p.ids["coach"], p.ids["client"], TUESDAY_10)
    [theirs] = book(bot, p.ids["coach"], p.ids["other"], TUESDAY_10)
    client = p.chats["client"]

    _, first = await speak(bot, client, MONDAY_1150)
    _, second = await speak(bot, client, MONDAY_1150)  # asked again: the first is stale
    for data in (f"vn:m:{tuesday}", "vn:cancel"):
        query = await bot.fake.press_button(client.user_id, first.message_id, data)
        answer = await client.answer(query)
        assert (answer.text, answer.show_alert) == (REFUSED, True)
    # Another client's meeting, forged on the live picker: refused, nothing filed.
    query = await bot.fake.press_button(
        client.user_id, second.message_id, f"vn:m:{theirs}", strict=False
    )
    assert (await client.answer(query)).text == REFUSED
    assert notices(bot) == []

    stopped = await client.press("✖ " + FI("Cancel"), message=second, expect="edit")
    assert stopped.text == FI("Stopped. Nothing was sent.") and stopped.buttons == []
    query = await bot.fake.press_button(
        client.user_id, second.message_id, f"vn:m:{tuesday}", strict=False
    )
    assert (await client.answer(query)).text == REFUSED
    assert notices(bot) == [] and copies(bot) == []
    await p.chats["coach"].silence(0.3)
    assert p.chats["coach"].messages == []


async def test_without_meetings_or_from_a_coach_nothing_is_sent_on(bot: Harness) -> None:
    p = people(bot)
    _, answer = await speak(bot, p.chats["client"])
    assert answer.text == FI(
        "You have no upcoming meetings to give notice for, so I did not send this voice "
        "message on. Please contact your coach directly."
    )
    assert answer.buttons == []
    _, coach_answer = await speak(bot, p.chats["coach"])
    assert coach_answer.text == FI("I didn't understand that. /help shows what you can do.")
    assert copies(bot) == [] and notices(bot) == []
