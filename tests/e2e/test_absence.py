"""Absence notices end to end: the noon rule answered at once, the coach told at once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.absence import actions
from storage import audit, meetings
from storage.models import (
    AbsenceNotice,
    AbsenceReason,
    ClientResponse,
    Meeting,
    MeetingKind,
    Person,
    Role,
)
from tests.e2e.harness import Clock, Harness
from tests.e2e.stale import LEAVES, REFUSED, leave, press_stale, seen

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=HKI)


async def setup(database_url: str, now: datetime = MONDAY_9, **settings: object):  # type: ignore[no-untyped-def]
    harness = Harness(database_url, **settings)
    await harness.__aenter__()
    clock = Clock(now.astimezone(UTC))
    harness.services.clock = clock
    harness.clock = clock
    coach = harness.add(Role.COACH, "Kaisa Koutsi")
    client = harness.add(Role.CLIENT, "Matti Meikäläinen", coach=coach, program="job-search")
    chats = {"coach": await harness.join(coach), "client": await harness.join(client)}
    return harness, {"coach": coach, "client": client}, chats


def book(bot: Harness, coach: int, client: int, *starts: datetime) -> list[int]:
    def save(session):  # type: ignore[no-untyped-def]
        made = meetings.book(
            session, coach_id=coach, client_id=client, kind=MeetingKind.INDIVIDUAL,
            starts=list(starts), duration=timedelta(hours=1), place="Kauppakatu 1",
        )  # fmt: skip
        return [m.id for m in made]

    return bot.db.call(save)


def notices(bot: Harness) -> list[AbsenceNotice]:
    with bot.db.session() as session:
        return list(session.exec(select(AbsenceNotice).order_by(AbsenceNotice.id)))


TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=HKI)
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=HKI)


async def test_an_on_time_notice_is_answered_and_reaches_the_coach_within_a_second(
    database_url: str,
) -> None:
    bot, ids, chats = await setup(database_url)  # the regular 2-second outbox tick
    try:
        book(bot, ids["coach"], ids["client"], TUESDAY_10)
        client = chats["client"]
        pick = await client.say("/absent")
        assert pick.text == "Mihin tapaamisiin et pääse? Valitse napauttamalla."
        chosen = await client.press(pick.button_texts[0])
        assert chosen.button_texts[0].startswith("☑ ti 24.11. klo 10.00")
        reason = await client.press("Seuraava ▶")
        assert reason.text == "Miksi et pääse?"
        confirm = await client.press("Olen sairas")
        assert confirm.text == "Lähetetäänkö ilmoitus 1 tapaamisesta?\nSyy: Olen sairas"
        began = time.monotonic()
        answer = await client.press("✔ Lähetä")
        assert answer.text == (
            "Kiitos. Valmentajallesi on kerrottu.\n"
            "ti 24.11. klo 10.00: Ilmoitit ajoissa. Raja oli ma 23.11. klo 12.00."
        )
        told = await bot.fake.wait_for_message(
            chats["coach"].user.id, predicate=lambda m: "ei pääse" in (m.text or "")
        )
        assert time.monotonic() - began < 1.0
        assert told.text == (
            "Matti Meikäläinen ei pääse: ti 24.11.2026 klo 10.00. Syy: sairaus.\n"
            "Ilmoitus tuli ajoissa (raja ma 23.11. klo 12.00)."
        )
        [notice] = notices(bot)
        assert notice.timing == "on_time"
        assert notice.notified_at == MONDAY_9.astimezone(UTC)
        assert notice.deadline == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    finally:
        await bot.__aexit__(None, None, None)


@pytest.mark.parametrize(
    ("now", "timing", "answer"),
    [
        (datetime(2026, 11, 23, 12, 0, 0, tzinfo=HKI), "on_time", "Ilmoitit ajoissa."),
        (datetime(2026, 11, 23, 12, 0, 1, tzinfo=HKI), "late", "joten ilmoitus tuli myöhässä."),
        (datetime(2026, 11, 24, 10, 0, 0, tzinfo=HKI), "after_start", "Tapaaminen oli jo alkanut."),
    ],
)
async def test_the_noon_rule_at_its_edges(
    database_url: str, now: datetime, timing: str, answer: str
) -> None:
    bot, ids, chats = await setup(database_url, now=now, COACHBOT_OUTBOX_INTERVAL=0.2)
    try:
        book(bot, ids["coach"], ids["client"], TUESDAY_10)
        client = chats["client"]
        pick = await client.say("/absent")
        await client.press(pick.button_texts[0])
        await client.press("Seuraava ▶")
        await client.press("Toinen meno")
        reply = await client.press("✔ Lähetä")
        assert reply.text is not None and answer in reply.text
        assert [n.timing for n in notices(bot)] == [timing]
        told = await bot.fake.wait_for_message(
            chats["coach"].user.id, predicate=lambda m: "ei pääse" in (m.text or "")
        )
        words = {"on_time": "ajoissa", "late": "myöhässä", "after_start": "alkamisen jälkeen"}
        assert f"Ilmoitus tuli {words[timing]}" in (told.text or "")
    finally:
        await bot.__aexit__(None, None, None)


async def test_one_notice_for_two_meetings_and_a_withdrawal(database_url: str) -> None:
    bot, ids, chats = await setup(database_url, COACHBOT_OUTBOX_INTERVAL=0.2)
    try:
        book(bot, ids["coach"], ids["client"], TUESDAY_10, WEDNESDAY_10)
        client = chats["client"]
        pick = await client.say("/absent")
        week = await client.press("Kaikki tällä viikolla", message=pick)
        assert [t[:2] for t in week.button_texts[:2]] == ["☑ ", "☑ "]
        await client.press("Seuraava ▶")
        await client.press("Lapseni on sairas")
        answer = await client.press("✔ Lähetä")
        assert answer.text is not None
        assert "ti 24.11. klo 10.00: Ilmoitit ajoissa. Raja oli ma 23.11. klo 12.00." in answer.text
        assert "ke 25.11. klo 10.00: Ilmoitit ajoissa. Raja oli ti 24.11. klo 12.00." in answer.text
        coach_uid = chats["coach"].user.id
        await bot.fake.wait_until(
            lambda: sum("ei pääse" in (m.text or "") for m in bot.fake.messages_to(coach_uid)) == 2
        )
        with bot.db.session() as session:
            responses = [m.client_response for m in session.exec(select(Meeting))]
        assert responses == [ClientResponse.DECLINED, ClientResponse.DECLINED]

        # The client feels better: the Wednesday notice is withdrawn before the meeting,
        # with words that cannot be mixed up with the flow's "✖ Peru" (stop).
        again = await client.say("/absent")
        assert again.text == "Olet jo ilmoittanut kaikista tapaamisistasi."
        assert again.button_texts == ["Tulenkin sittenkin", "✖ Peru"]
        choose = await client.press("Tulenkin sittenkin", message=again)
        assert choose.text == "Mihin tapaamiseen pääset sittenkin?"
        done = await client.press("Tulen sittenkin: ke 25.11. klo 10.00", message=choose)
        assert done.text == "Hyvä. Valmentajasi tietää, että tulet sittenkin."
        assert done.button_texts == []
        told = await bot.fake.wait_for_message(
            coach_uid, predicate=lambda m: "perui" in (m.text or "")
        )
        assert told.text == (
            "Matti Meikäläinen perui poissaoloilmoituksen: ke 25.11.2026 klo 10.00. Hän tulee."
        )
        assert [n.withdrawn_at is not None for n in notices(bot)] == [False, True]
    finally:
        await bot.__aexit__(None, None, None)


async def test_the_cards_i_cant_come_and_plain_words_start_a_notice(database_url: str) -> None:
    bot, ids, chats = await setup(database_url, COACHBOT_OUTBOX_INTERVAL=0.2)
    try:
        book(bot, ids["coach"], ids["client"], TUESDAY_10, WEDNESDAY_10)
        from bot.meetings.notices import booked

        def cards(session):  # type: ignore[no-untyped-def]
            for m in session.exec(select(Meeting)):
                booked(session, meetings.view(session, m), bot.services.now(), HKI)

        bot.db.call(cards)
        bot.dispatcher.wake()
        client = chats["client"]
        card = await bot.fake.wait_for_message(
            client.user.id, predicate=lambda m: "ti 24.11.2026" in (m.text or "")
        )
        why = await client.press("En pääse", message=card)
        assert why.text == "Miksi et pääse?"
        await client.press("Olen sairas", message=why)
        answer = await client.press("✔ Lähetä")
        assert answer.text is not None and "Ilmoitit ajoissa" in answer.text
        assert answer.button_texts == []
        # The card's answers have done their work: only the calendar file stays.
        card = await client.edit(card.message_id)
        assert card.button_texts == ["Lisää kalenteriin"]
        # Plain words: the reason is understood; today has no meeting, and it says so.
        pick = await client.say("olen kipeä tänään 🤒")
        assert pick.text == (
            "Sinulla ei ole tapaamista ma 23.11.2026.\n"
            "Mihin tapaamisiin et pääse? Valitse napauttamalla."
        )
        assert pick.button_texts[0].startswith("☐ ke 25.11.")
        await client.press(pick.button_texts[0])
        confirm = await client.press("Seuraava ▶")
        assert confirm.text == "Lähetetäänkö ilmoitus 1 tapaamisesta?\nSyy: Olen sairas"
        await client.press("✔ Lähetä")
        assert [n.reason for n in notices(bot)] == ["ill", "ill"]
        unclear = await client.say("mitä kuuluu?")
        assert unclear.text == "En ymmärtänyt viestiä. Komento /help kertoo, mitä voit tehdä."
        swedish = bot.add(Role.CLIENT, "Sara S", language="sv", coach=ids["coach"], program="ips")
        sara = await bot.join(swedish)
        reply = await sara.say("Jag är sjuk")
        assert reply.text == "Du har inga kommande möten."
    finally:
        await bot.__aexit__(None, None, None)


async def test_a_client_cannot_file_a_notice_for_another_clients_meeting(database_url: str) -> None:
    bot, ids, _ = await setup(database_url, COACHBOT_OUTBOX_INTERVAL=0.2)
    try:
        [mine] = book(bot, ids["coach"], ids["client"], TUESDAY_10)
        other = bot.add(Role.CLIENT, "Toinen Asiakas", coach=ids["coach"], program="ips")
        intruder = await bot.join(other)
        pick = await intruder.say("/absent")
        assert pick.text == "Sinulla ei ole tulevia tapaamisia."
        for data in (f"mt:{mine}:no", f"ab:m:{mine}"):
            query = await bot.fake.press_button(
                intruder.user.id, pick.message_id, data, strict=False
            )
            answer = await intruder.answer(query)
            assert answer.text in ("Tämä painike ei ole enää voimassa.", None), data
        with bot.db.session() as session:
            person = session.get(Person, other)
            filed = actions.file_notices(
                session, person, [mine], AbsenceReason.ILL, None, now=bot.services.now(), tz=HKI
            )
        assert filed == [] and notices(bot) == []
        with bot.db.session() as session:
            assert {e.actor_id for e in audit.entries(session, action="absence.denied")} == {other}
    finally:
        await bot.__aexit__(None, None, None)


# --- stale buttons -----------------------------------------------------------------------
THURSDAY_10 = datetime(2026, 11, 26, 10, 0, tzinfo=HKI)


async def test_the_first_flows_send_after_absent_again_is_refused_politely(
    database_url: str,
) -> None:
    """The bug of issue #10: /absent → pick → reason → /absent again → the first flow's
    "✔ Lähetä" used to fail an assert on the new, empty draft ("tapahtui virhe")."""
    bot, ids, chats = await setup(database_url, COACHBOT_OUTBOX_INTERVAL=0.2)
    try:
        book(bot, ids["coach"], ids["client"], TUESDAY_10)
        client = chats["client"]
        pick = await client.say("/absent")
        await client.press(pick.button_texts[0], message=pick)
        await client.press("Seuraava ▶", message=pick)
        first = await client.press("Olen sairas", message=pick)
        assert first.button_texts == ["✔ Lähetä", "✖ Peru"]
        again = await client.say("/absent")
        assert again.text == "Mihin tapaamisiin et pääse? Valitse napauttamalla."
        query = await client.click("✔ Lähetä", message=first)
        answer = await client.answer(query)
        assert (answer.text, answer.show_alert) == (REFUSED, True)
        assert notices(bot) == []
        await client.silence()
        # The new flow is where it was, and still works.
        chosen = await client.press(again.button_texts[0], message=again)
        assert chosen.button_texts[0].startswith("☑ ")
    finally:
        await bot.__aexit__(None, None, None)
    assert not any("ei pääse" in (m.text or "") for m in chats["coach"].messages)


@pytest.mark.parametrize("how", LEAVES)
async def test_every_steps_buttons_are_stale_once_the_notice_is_restarted_or_left(
    database_url: str, how: str
) -> None:
    bot, ids, chats = await setup(database_url, COACHBOT_OUTBOX_INTERVAL=0.2)
    try:
        _, _, thursday = book(
            bot, ids["coach"], ids["client"], TUESDAY_10, WEDNESDAY_10, THURSDAY_10
        )

        def file_thursday(session):  # type: ignore[no-untyped-def]
            client = session.get(Person, ids["client"])
            now = bot.services.now()
            actions.file_notices(
                session, client, [thursday], AbsenceReason.ILL, None, now=now, tz=HKI
            )

        bot.db.call(file_thursday)
        bot.dispatcher.wake()
        coach_uid = chats["coach"].user.id
        await bot.fake.wait_for_message(coach_uid, predicate=lambda m: "ei pääse" in (m.text or ""))
        client = chats["client"]
        steps = []
        # A first run to the withdrawal list; then a second run through every other step.
        pick = await client.say("/absent")
        steps.append(seen(pick))
        steps.append(seen(await client.press("Tulenkin sittenkin", message=pick)))
        pick = await client.say("/absent")
        steps.append(seen(pick))
        steps.append(seen(await client.press(pick.button_texts[0], message=pick)))
        steps.append(seen(await client.press("Seuraava ▶", message=pick)))
        steps.append(seen(await client.press("Jotain muuta", message=pick)))
        confirm = await client.say("hammaslääkäri")
        assert confirm.button_texts == ["✔ Lähetä", "✖ Peru"]
        steps.append(seen(confirm))

        await leave(client, how, "/absent")
        assert await press_stale(bot, client, steps) >= 10
        [notice] = notices(bot)
        assert (notice.meeting_id, notice.withdrawn_at) == (thursday, None)
        await bot.dispatcher.run_once()
        assert sum("ei pääse" in (m.text or "") for m in bot.fake.messages_to(coach_uid)) == 1
        assert not any("perui" in (m.text or "") for m in bot.fake.messages_to(coach_uid))
    finally:
        await bot.__aexit__(None, None, None)


# --- plain words with a day in them -------------------------------------------------------
async def test_olen_kipea_huomenna_ticks_tomorrows_meeting(database_url: str) -> None:
    bot, ids, chats = await setup(database_url, COACHBOT_OUTBOX_INTERVAL=0.2)
    try:
        tuesday, _ = book(bot, ids["coach"], ids["client"], TUESDAY_10, WEDNESDAY_10)
        client = chats["client"]
        pick = await client.say("olen kipeä huomenna")
        assert pick.text == "Mihin tapaamisiin et pääse? Valitse napauttamalla."
        assert pick.button_texts[:2] == [
            "☑ ti 24.11. klo 10.00 Yksilötapaaminen",
            "☐ ke 25.11. klo 10.00 Yksilötapaaminen",
        ]
        confirm = await client.press("Seuraava ▶", message=pick)
        assert confirm.text == "Lähetetäänkö ilmoitus 1 tapaamisesta?\nSyy: Olen sairas"
        await client.press("✔ Lähetä", message=pick)
        assert [(n.meeting_id, n.reason) for n in notices(bot)] == [(tuesday, "ill")]
    finally:
        await bot.__aexit__(None, None, None)


async def test_jag_kan_inte_komma_i_morgon_ticks_tomorrows_meeting(database_url: str) -> None:
    bot, ids, chats = await setup(database_url, COACHBOT_OUTBOX_INTERVAL=0.2)
    try:
        sara = bot.add(Role.CLIENT, "Sara S", language="sv", coach=ids["coach"], program="ips")
        tuesday, _ = book(bot, ids["coach"], sara, TUESDAY_10, WEDNESDAY_10)
        client = await bot.join(sara)
        pick = await client.say("Jag kan inte komma i morgon")
        assert pick.text == "Vilka möten kan du inte komma till? Tryck för att välja."
        assert [b[:2] for b in pick.button_texts[:2]] == ["☑ ", "☐ "]
        assert "24.11." in pick.button_texts[0]
        why = await client.press("Nästa ▶", message=pick)
        assert why.text == "Varför kan du inte komma?"
        await client.press("Något annat", message=pick)
        confirm = await client.say("tandläkare")
        await client.press("✔ Skicka", message=confirm)
        assert [(n.meeting_id, n.note) for n in notices(bot)] == [(tuesday, "tandläkare")]
        told = await bot.fake.wait_for_message(
            chats["coach"].user.id, predicate=lambda m: "Sara S" in (m.text or "")
        )
        # The coach reads the reason about the client, here in the client's own words.
        assert told.text == (
            "Sara S ei pääse: ti 24.11.2026 klo 10.00. Syy hänen omin sanoin: tandläkare\n"
            "Ilmoitus tuli ajoissa (raja ma 23.11. klo 12.00)."
        )
    finally:
        await bot.__aexit__(None, None, None)


async def test_i_cant_come_on_monday_ticks_mondays_meeting(database_url: str) -> None:
    wednesday_9 = datetime(2026, 11, 25, 9, 0, tzinfo=HKI)
    bot, ids, chats = await setup(database_url, now=wednesday_9, COACHBOT_OUTBOX_INTERVAL=0.2)
    try:
        eve = bot.add(Role.CLIENT, "Eve E", language="en", coach=ids["coach"], program="ips")
        monday = datetime(2026, 11, 30, 10, 0, tzinfo=HKI)
        _, on_monday = book(bot, ids["coach"], eve, THURSDAY_10, monday)
        client = await bot.join(eve)
        pick = await client.say("I can't come on Monday, my kid is sick")
        assert pick.text == "Which meetings can you not come to? Tap to choose."
        assert [b[:2] for b in pick.button_texts[:2]] == ["☐ ", "☑ "]
        confirm = await client.press("Next ▶", message=pick)
        assert confirm.text == "Send a notice for 1 meeting?\nReason: My child is ill"
        await client.press("✔ Send", message=pick)
        assert [(n.meeting_id, n.reason) for n in notices(bot)] == [(on_monday, "child_ill")]
        told = await bot.fake.wait_for_message(
            chats["coach"].user.id, predicate=lambda m: "Eve E" in (m.text or "")
        )
        assert "Syy: lapsen sairaus." in (told.text or "")

        # A day without a meeting says so, and the picker is there to choose from.
        pick = await client.say("I can't come on Friday")
        assert pick.text == (
            "You have no meeting on Fri 27 Nov 2026.\n"
            "Which meetings can you not come to? Tap to choose."
        )
        assert pick.button_texts[0].startswith("☐ ")
    finally:
        await bot.__aexit__(None, None, None)
