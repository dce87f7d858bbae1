"""Messages within Telegram's limits, and a person's text shown cleaned to another.

Telegram refuses a text over 4,096 characters, and the fake Bot API does the same: a long
/meetings pages itself (◀ n/N ▶ on one message), other long answers and outbox messages
go as several messages. What a client types reaches the coach without control or
bidirectional-override characters.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.fakeapi.models import BotMessage
from bot.meetings.notices import booked
from bot.outbox.dispatcher import UNREACHABLE_MESSAGE
from storage import meetings, outbox
from storage.models import Meeting, MeetingKind, Priority, Role
from tests.e2e.harness import Clock, Harness
from tests.e2e.stale import Seen, press_stale, seen

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=HKI)
LIMIT = 4096
# A place of 300 characters, as a coach might paste directions into it.
PLACE = (
    "Työvoimapalvelujen asiakaspalvelupiste, Kauppakatu 1 A, 3. kerros, "
    "neuvotteluhuone Kallavesi, sisäänkäynti sisäpihan puolelta; "
) * 3
PLACE = PLACE[:300]
RLO, ESC, BEL = "\u202e", "\x1b", "\x07"


@pytest.fixture
async def bot(database_url: str):  # type: ignore[no-untyped-def]
    clock = Clock(MONDAY_9.astimezone(UTC))
    async with Harness(database_url, COACHBOT_OUTBOX_INTERVAL=0.2) as harness:
        harness.services.clock = clock
        harness.clock = clock
        yield harness


async def team(bot: Harness):  # type: ignore[no-untyped-def]
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija")
    client = bot.add(
        Role.CLIENT, "Matti Meikäläinen", coach=coach, caseworker=worker, program="job-search"
    )
    chats = {
        "coach": await bot.join(coach),
        "caseworker": await bot.join(worker),
        "client": await bot.join(client),
    }
    return {"coach": coach, "caseworker": worker, "client": client}, chats


def book(bot: Harness, ids: dict[str, int], starts: list[datetime], *, cards: bool) -> None:
    def save(session):  # type: ignore[no-untyped-def]
        made = meetings.book(
            session, coach_id=ids["coach"], client_id=ids["client"],
            kind=MeetingKind.THREE_PARTY, starts=starts, duration=timedelta(hours=1),
            place=PLACE,
        )  # fmt: skip
        if cards:
            for meeting in made:
                booked(session, meetings.view(session, meeting), bot.services.now(), HKI)

    bot.db.call(save)
    bot.dispatcher.wake()


def thirty_meetings() -> list[datetime]:
    """Two a day, at 10.00 and 13.00, for fifteen days from Tuesday."""
    first = datetime(2026, 11, 24, 10, 0, tzinfo=HKI)
    return [first + timedelta(days=day, hours=hours) for day in range(15) for hours in (0, 3)]


def meeting_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if "Kauppakatu" in line]


def page_data(message: BotMessage) -> Seen:
    """The page buttons of a /meetings message (the others start the view afresh)."""
    data = seen(message)
    return Seen(data.message_id, tuple(d for d in data.data if d.startswith("mp:")))


async def test_thirty_long_meetings_page_for_the_coach(bot: Harness) -> None:
    ids, chats = await team(bot)
    book(bot, ids, thirty_meetings(), cards=False)
    coach = chats["coach"]

    agenda = await coach.say("/meetings")
    first = agenda.text or ""
    assert len(first) <= LIMIT
    assert first.startswith(
        "Tulevat tapaamiset:\n✅ tulee, ❌ ei pääse, ❓ pyytää toista aikaa\n\n"
    )
    assert agenda.button_texts == ["1/3", "▶", "Asiakkaittain", "Muuta tai peru tapaaminen"]
    pages = [meeting_lines(first)]
    # A place is shortened in the list; the card and the calendar file have all of it.
    assert all(line.endswith("…") and PLACE not in line for line in pages[0])

    second = await coach.press("▶", message=agenda, expect="edit")
    assert second.message_id == agenda.message_id  # one message, turned in place
    assert second.button_texts == ["◀", "2/3", "▶", "Asiakkaittain", "Muuta tai peru tapaaminen"]
    assert len(second.text or "") <= LIMIT
    assert (second.text or "").startswith("Tulevat tapaamiset:\n")
    pages.append(meeting_lines(second.text or ""))
    third = await coach.press("▶", message=agenda, expect="edit")
    assert third.button_texts == ["◀", "3/3", "Asiakkaittain", "Muuta tai peru tapaaminen"]
    pages.append(meeting_lines(third.text or ""))
    assert [len(lines) for lines in pages] == [10, 10, 10]
    assert len({line for lines in pages for line in lines}) == 30
    back = await coach.press("◀", message=agenda, expect="edit")
    assert back.button_texts[:3] == ["◀", "2/3", "▶"]
    assert meeting_lines(back.text or "") == pages[1]

    # By client, from its first page, on the same message; its pages turn too.
    by_client = await coach.press("Asiakkaittain", message=agenda, expect="edit")
    assert (by_client.text or "").split("\n")[3] == "Matti Meikäläinen"
    assert by_client.button_texts == ["1/3", "▶", "Päivittäin", "Muuta tai peru tapaaminen"]
    turned = await coach.press("▶", message=agenda, expect="edit")
    assert len(turned.text or "") <= LIMIT
    assert (turned.text or "").split("\n")[3] == "Matti Meikäläinen"  # the heading again
    assert turned.button_texts[:3] == ["◀", "2/3", "▶"]
    old = page_data(turned)

    # A forged view, and the pages of a /meetings message once a newer one is shown, or
    # once the coach moved on: "no longer valid", nothing redrawn.
    await press_stale(bot, coach, [Seen(agenda.message_id, ("mp:l:0", "mp:d:99x"))])
    newer = await coach.say("/meetings")
    assert newer.button_texts[:2] == ["1/3", "▶"]
    assert await press_stale(bot, coach, [old]) == 3
    await coach.say("/help")
    assert await press_stale(bot, coach, [page_data(newer)]) == 2

    # The change of a meeting still starts from the agenda.
    listing = await coach.say("/meetings")
    choose = await coach.press("Muuta tai peru tapaaminen", message=listing)
    assert choose.text == "Mikä tapaaminen?"
    assert await press_stale(bot, coach, [page_data(newer)]) == 2


async def test_thirty_long_meetings_page_for_the_client_and_the_caseworker(bot: Harness) -> None:
    ids, chats = await team(bot)
    book(bot, ids, thirty_meetings(), cards=False)
    client = chats["client"]
    shown = await client.say("/meetings")
    assert len(shown.text or "") <= LIMIT
    assert shown.button_texts == ["1/3", "▶"]
    assert len(meeting_lines(shown.text or "")) == 10
    lines = meeting_lines(shown.text or "")
    for expected in ("2/3", "3/3"):
        page = await client.press("▶", message=shown, expect="edit")
        assert len(page.text or "") <= LIMIT
        assert expected in page.button_texts
        lines += meeting_lines(page.text or "")
    assert len(set(lines)) == 30 and all("Kaisa Koutsi" in line for line in lines)
    # A coach's view is not the client's to ask for.
    await press_stale(bot, client, [Seen(shown.message_id, ("mp:d:0", "mp:c:1"))])

    worker = chats["caseworker"]
    listing = await worker.say("/meetings")
    assert len(listing.text or "") <= LIMIT
    assert listing.button_texts == ["1/3", "▶"]
    last = await worker.press("▶", message=listing, expect="edit")
    assert len(meeting_lines(last.text or "")) == 10


async def test_a_short_list_is_one_message_as_before(bot: Harness) -> None:
    ids, chats = await team(bot)
    book(bot, ids, thirty_meetings()[:3], cards=False)
    shown = await chats["client"].say("/meetings")
    assert shown.button_texts == []
    assert len(meeting_lines(shown.text or "")) == 3
    agenda = await chats["coach"].say("/meetings")
    assert agenda.button_texts == ["Asiakkaittain", "Muuta tai peru tapaaminen"]


async def test_a_long_answer_goes_as_several_messages(bot: Harness) -> None:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    for number in range(60):
        bot.add(Role.CLIENT, f"Asiakas {number:02d} " + "Pitkänimi-" * 8, coach=coach)
    chat = await bot.join(coach)
    first = await chat.say("/clients")
    second = await chat.reply()
    texts = [first.text or "", second.text or ""]
    assert all(len(text) <= LIMIT for text in texts)
    assert texts[0].startswith("Sinulla on 60 asiakasta:")
    lines = [line for text in texts for line in text.split("\n") if line.startswith("• ")]
    assert len(lines) == 60


async def test_a_long_outbox_message_goes_in_parts_its_buttons_on_the_last(bot: Harness) -> None:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    chat = await bot.join(coach)
    name = f"Matti{RLO}{ESC}" + " sana" * 1800  # 9,000 characters and more

    def queue(session):  # type: ignore[no-untyped-def]
        outbox.schedule(
            session, recipient_id=coach, kind="test", message=UNREACHABLE_MESSAGE,
            params={"name": name}, key="long:1", due_at=bot.services.now(),
            priority=Priority.ALERT, buttons=[[{"text": "By day", "data": "mm:byday"}]],
        )  # fmt: skip

    bot.db.call(queue)
    bot.dispatcher.wake()
    parts = [await chat.reply(timeout=10.0) for _ in range(3)]
    assert all(len(part.text or "") <= LIMIT for part in parts)
    assert (parts[0].text or "").startswith("Matti sana sana")
    assert (parts[2].text or "").endswith("Ota häneen yhteyttä muulla tavalla.")
    assert [part.button_texts for part in parts] == [[], [], ["Päivittäin"]]
    assert not any(c in "".join(p.text or "" for p in parts) for c in (RLO, ESC))


# --- a person's words, cleaned --------------------------------------------------------------
async def test_a_clients_words_reach_the_coach_cleaned(bot: Harness) -> None:
    ids, chats = await team(bot)
    book(bot, ids, [datetime(2026, 11, 25, 10, 0, tzinfo=HKI)], cards=True)
    client, coach = chats["client"], chats["coach"]
    card = await bot.fake.wait_for_message(
        client.user.id, predicate=lambda m: (m.text or "").startswith("Uusi")
    )
    await client.press("Pyydä toista aikaa", message=card)
    thanks = await client.say(f"Torstai{RLO}kävisi{ESC}[2J{BEL} paremmin")
    assert thanks.text == "Kiitos! Lähetin viestisi valmentajallesi."
    told = await bot.fake.wait_for_message(
        coach.user.id, predicate=lambda m: "pyytää toista aikaa" in (m.text or "")
    )
    assert (told.text or "").endswith("Viesti: Torstaikävisi[2J paremmin")
    with bot.db.session() as session:
        [meeting] = session.exec(select(Meeting)).all()
        assert meeting.response_note == "Torstaikävisi[2J paremmin"  # stored clean

    # An absence notice's own words: the coach reads them cleaned, whatever was stored.
    pick = await client.say("/absent")
    await client.press(pick.button_texts[0], message=pick)
    await client.press("Seuraava ▶", message=pick)
    await client.press("Jotain muuta", message=pick)
    confirm = await client.say(f"Lapsi{RLO} sairas{ESC}{BEL}")
    assert RLO not in (confirm.text or "") and ESC not in (confirm.text or "")
    await client.press("✔ Lähetä", message=confirm)
    notice = await bot.fake.wait_for_message(
        coach.user.id, predicate=lambda m: "ei pääse" in (m.text or "")
    )
    text = notice.text or ""
    assert "Syy hänen omin sanoin: Lapsi sairas\n" in text
    assert not any(c in text for c in (RLO, ESC, BEL))
