"""Meetings end to end: booking by buttons, cards, answers, calendar files, changes, reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlmodel import select

from bot.meetings.agenda import queue_agendas
from bot.meetings.notices import booked
from storage import audit, meetings
from storage.models import (
    ClientResponse,
    Meeting,
    MeetingKind,
    MeetingStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    ServicePeriod,
)
from tests.e2e.harness import Clock, Harness
from tests.e2e.stale import LEAVES, REFUSED, Seen, leave, press_stale, seen

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
# Monday 23 November 2026, 09:00 in Helsinki.
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=HKI)


@pytest.fixture
async def bot(database_url: str):  # type: ignore[no-untyped-def]
    clock = Clock(MONDAY_9.astimezone(UTC))
    async with Harness(database_url, COACHBOT_OUTBOX_INTERVAL=0.2) as harness:
        harness.services.clock = clock
        harness.clock = clock
        yield harness


async def team(bot: Harness, kind_caseworker_language: str = "fi"):  # type: ignore[no-untyped-def]
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija", language=kind_caseworker_language)
    client = bot.add(
        Role.CLIENT, "Matti Meikäläinen", coach=coach, caseworker=worker, program="job-search"
    )
    chats = {
        "coach": await bot.join(coach),
        "caseworker": await bot.join(worker),
        "client": await bot.join(client),
    }
    return {"coach": coach, "caseworker": worker, "client": client}, chats


def rows(bot: Harness) -> list[OutboxMessage]:
    with bot.db.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def all_meetings(bot: Harness) -> list[Meeting]:
    with bot.db.session() as session:
        return list(session.exec(select(Meeting).order_by(Meeting.starts_at)))


async def book_single(coach_chat, kind: str = "Yksilötapaaminen", day: str = "24") -> None:  # type: ignore[no-untyped-def]
    first = await coach_chat.say("/schedule")
    assert first.text == "Varaa tapaaminen. Kenen kanssa?"
    step = await coach_chat.press("Matti Meikäläinen")
    assert step.text == "Matti Meikäläinen: millainen tapaaminen?"
    step = await coach_chat.press(kind)
    assert step.text == "Mikä päivä? (* viikonloppu tai pyhäpäivä)"
    assert "22" not in step.button_texts  # past days are not offered
    assert "28*" in step.button_texts  # a Saturday is marked
    step = await coach_chat.press(day)
    assert step.text is not None and step.text.endswith("mihin aikaan alkaa?")
    step = await coach_chat.press("10.00")
    assert step.text == "Kuinka pitkä?"
    step = await coach_chat.press("1 tunti")
    assert step.text == "Missä? Kirjoita osoite tai videolinkki."
    step = await coach_chat.say("Kauppakatu 1, Kuopio")
    assert step.text == "Toistuuko?"
    summary = await coach_chat.press("Vain kerran")
    assert summary.text is not None and summary.text.startswith("Tarkista ja vahvista:")
    done = await coach_chat.press("✔ Varaa")
    assert done.text == "Tapaaminen varattu. Asiakas saa viestin, jossa hän voi vahvistaa sen."
    assert done.button_texts == []  # booked: no button stays on the message


async def test_coach_books_and_the_client_confirms(bot: Harness) -> None:
    _, chats = await team(bot)
    await book_single(chats["coach"])
    client_uid = chats["client"].user.id
    card = await bot.fake.wait_for_message(
        client_uid, predicate=lambda m: (m.text or "").startswith("Uusi tapaaminen")
    )
    assert card.text == (
        "Uusi tapaaminen\nti 24.11.2026 klo 10.00–11.00\nYksilötapaaminen\n"
        "Valmentaja: Kaisa Koutsi\nPaikka: Kauppakatu 1, Kuopio\n"
        "Jos et pääse, kerro viimeistään ma 23.11. klo 12.00."
    )
    assert card.button_texts == ["Tulen", "En pääse", "Pyydä toista aikaa", "Lisää kalenteriin"]
    [meeting] = all_meetings(bot)
    assert meeting.starts_at == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)

    thanks = await chats["client"].press("Tulen", message=card)
    assert thanks.text == "Kiitos! Valmentajasi tietää, että tulet."
    # "Tulen" has done its work; "En pääse" stays, for a change of plans.
    await bot.fake.wait_until(lambda: card.button_texts == ["En pääse", "Lisää kalenteriin"])
    told = await bot.fake.wait_for_message(
        chats["coach"].user.id, predicate=lambda m: "tulee tapaamiseen" in (m.text or "")
    )
    assert told.text == "Matti Meikäläinen tulee tapaamiseen ti 24.11.2026 klo 10.00."
    agenda = await chats["coach"].say("/meetings")
    assert agenda.text is not None
    assert "✅ ti 24.11.2026 klo 10.00–11.00: Matti Meikäläinen, Yksilötapaaminen" in agenda.text
    by_client = await chats["coach"].press("Asiakkaittain", message=agenda)
    assert by_client.text is not None
    assert "\nMatti Meikäläinen\n✅ ti 24.11.2026 klo 10.00–11.00" in by_client.text
    client_list = await chats["client"].say("/meetings")
    assert client_list.text is not None and "Kaisa Koutsi" in client_list.text

    # The calendar file: a correct local time in Helsinki.
    calendar_file = await chats["client"].press("Lisää kalenteriin", message=card)
    assert calendar_file.document is not None
    assert calendar_file.document.filename.endswith(".ics")
    parsed = icalendar.Calendar.from_ical(calendar_file.document.data)
    [event] = [c for c in parsed.walk("VEVENT")]
    start = event.decoded("DTSTART")
    assert start.astimezone(HKI).replace(tzinfo=None) == datetime(2026, 11, 24, 10, 0)
    assert str(event["UID"]) == f"meeting-{meeting.id}@coachbot"

    # Reminders: 16:00 the day before and 08:00 (two hours before) on the day.
    reminders = {r.idempotency_key.split(":")[3]: r for r in rows(bot) if r.kind == "reminder"}
    assert reminders["day_before"].due_at == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert reminders["hours_before"].due_at == datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    bot.clock.set(datetime(2026, 11, 23, 14, 0, tzinfo=UTC))  # type: ignore[union-attr]
    bot.dispatcher.wake()
    reminder = await bot.fake.wait_for_message(
        client_uid, predicate=lambda m: (m.text or "").startswith("Muistutus")
    )
    assert reminder.text == (
        "Muistutus: huomenna sinulla on tapaaminen\nti 24.11.2026 klo 10.00–11.00\n"
        "Valmentaja: Kaisa Koutsi\nPaikka: Kauppakatu 1, Kuopio"
    )


async def test_client_cannot_come_or_asks_for_another_time(bot: Harness) -> None:
    _, chats = await team(bot)
    await book_single(chats["coach"])
    client_uid, coach_uid = chats["client"].user.id, chats["coach"].user.id
    card = await bot.fake.wait_for_message(
        client_uid, predicate=lambda m: (m.text or "").startswith("Uusi tapaaminen")
    )
    ask = await chats["client"].press("Pyydä toista aikaa", message=card)
    assert ask.text is not None and ask.text.startswith("Mitkä ajat sopisivat sinulle?")
    thanks = await chats["client"].say("Torstaina iltapäivällä 🙂")
    assert thanks.text == "Kiitos! Lähetin viestisi valmentajallesi."
    await bot.fake.wait_until(lambda: card.button_texts == ["En pääse", "Lisää kalenteriin"])
    told = await bot.fake.wait_for_message(
        coach_uid, predicate=lambda m: "pyytää toista aikaa" in (m.text or "")
    )
    assert told.text == (
        "Matti Meikäläinen pyytää toista aikaa tapaamiselle ti 24.11.2026 klo 10.00. "
        "Viesti: Torstaina iltapäivällä 🙂"
    )
    why = await chats["client"].press("En pääse", message=card)
    assert why.text == "Miksi et pääse?"  # the absence notice starts (tests/test_e2e_absence.py)
    await chats["client"].press("Toinen meno", message=why)
    await chats["client"].press("✔ Lähetä")
    [meeting] = all_meetings(bot)
    assert meeting.client_response == ClientResponse.DECLINED
    await bot.fake.wait_until(lambda: card.button_texts == ["Lisää kalenteriin"])


async def test_ill_come_on_a_card_after_a_notice_means_i_can_come_after_all(bot: Harness) -> None:
    _, chats = await team(bot)
    await book_single(chats["coach"])
    client, coach_uid = chats["client"], chats["coach"].user.id
    card = await bot.fake.wait_for_message(
        client.user.id, predicate=lambda m: (m.text or "").startswith("Uusi tapaaminen")
    )
    pick = await client.say("olen kipeä huomenna")
    await client.press("Seuraava ▶", message=pick, expect="edit")
    await client.press("✔ Lähetä", message=pick, expect="edit")
    [meeting] = all_meetings(bot)
    assert meeting.client_response == ClientResponse.DECLINED
    # The card still has its answers (the notice came by words): "Tulen" takes it back.
    back = await client.press("Tulen", message=card, expect="message")
    assert back.text == "Hyvä. Valmentajasi tietää, että tulet sittenkin."
    told = await bot.fake.wait_for_message(coach_uid, predicate=lambda m: "perui" in (m.text or ""))
    assert told.text == (
        "Matti Meikäläinen perui poissaoloilmoituksen: ti 24.11.2026 klo 10.00. Hän tulee."
    )
    [meeting] = all_meetings(bot)
    assert meeting.client_response == ClientResponse.NONE
    await bot.fake.wait_until(lambda: card.button_texts == ["En pääse", "Lisää kalenteriin"])


async def test_weekly_series_and_cancelling_the_rest(bot: Harness) -> None:
    _, chats = await team(bot)
    coach = chats["coach"]
    await coach.say("/schedule")
    await coach.press("Matti Meikäläinen")
    await coach.press("Ryhmätapaaminen")
    await coach.press("25")
    await coach.press("10.00")
    await coach.press("1 tunti")
    await coach.press("Päätetään myöhemmin")
    days = await coach.press("Joka viikko")
    assert days.text == "Minä viikonpäivinä?"
    assert "✓ ke" in days.button_texts
    await coach.press("pe")
    await coach.press("Valmis")
    summary = await coach.press("4")
    assert summary.text is not None and "4 tapaamista, viimeinen pe 4.12.2026" in summary.text
    done = await coach.press("✔ Varaa")
    assert done.text == "4 tapaamista varattu. Asiakas saa viestit, joissa hän voi vahvistaa ne."
    made = all_meetings(bot)
    local_days = [m.starts_at.astimezone(HKI).date() for m in made]
    assert local_days == [
        date(2026, 11, 25),
        date(2026, 11, 27),
        date(2026, 12, 2),
        date(2026, 12, 4),
    ]
    assert len({m.series_id for m in made}) == 1
    # Cards come at most a week ahead: two now, two later.
    client_uid = chats["client"].user.id
    await bot.fake.wait_until(
        lambda: (
            sum("Uusi tapaaminen" in (m.text or "") for m in bot.fake.messages_to(client_uid)) == 2
        )
    )
    # Cancel the Friday meeting and the rest of the series.
    listing = await coach.say("/meetings")
    choose = await coach.press("Muuta tai peru tapaaminen", message=listing)
    assert choose.text == "Mikä tapaaminen?"
    friday = next(t for t in choose.button_texts if t.startswith("pe 27.11.2026"))
    details = await coach.press(friday)
    result = await coach.press("Peru tämä ja sarjan loput", message=details)
    assert result.text == "3 tapaamista peruttu. Asiakas saa tiedon."
    assert result.button_texts == []
    statuses = [m.status for m in all_meetings(bot)]
    assert statuses == ["scheduled", "cancelled", "cancelled", "cancelled"]
    notice = await bot.fake.wait_for_message(
        client_uid, predicate=lambda m: "peruttu" in (m.text or "")
    )
    assert notice.text == "Tapaaminen pe 27.11.2026 klo 10.00 on peruttu."
    await bot.dispatcher.run_once()
    # The two meetings the client never saw bring no cancellation notices, and their cards
    # and reminders will never go out.
    texts = [m.text or "" for m in bot.fake.messages_to(client_uid)]
    assert sum("peruttu" in t for t in texts) == 1
    later = [r for r in rows(bot) if r.object_ref in {f"meeting:{m.id}" for m in made[2:]}]
    assert later and all(r.status == OutboxStatus.CANCELLED for r in later)


async def test_three_party_meeting_reaches_the_caseworker_and_moves(bot: Harness) -> None:
    _, chats = await team(bot, kind_caseworker_language="sv")
    await book_single(chats["coach"], kind="Kolmikantatapaaminen vastuuvirkailijan kanssa")
    worker_uid, client_uid = chats["caseworker"].user.id, chats["client"].user.id
    card = await bot.fake.wait_for_message(
        worker_uid, predicate=lambda m: (m.text or "").startswith("Nytt trepartsmöte")
    )
    assert card.text == (
        "Nytt trepartsmöte\ntis 24.11.2026 kl. 10.00–11.00\nKlient: Matti Meikäläinen\n"
        "Coach: Kaisa Koutsi\nPlats: Kauppakatu 1, Kuopio"
    )
    listing = await chats["caseworker"].say("/meetings")
    assert listing.text is not None and "Matti Meikäläinen" in listing.text
    await bot.fake.wait_for_message(client_uid, predicate=lambda m: "Uusi" in (m.text or ""))

    # The coach moves it to Thursday 26 November at 13.00.
    coach = chats["coach"]
    listing = await coach.say("/meetings")
    choose = await coach.press("Muuta tai peru tapaaminen", message=listing)
    details = await coach.press(choose.button_texts[0])
    calendar = await coach.press("Siirrä", message=details)
    assert calendar.text == "Mille päivälle siirretään?"
    times = await coach.press("26")
    done = await coach.press("13.00", message=times)
    assert done.text == "Tapaaminen siirretty. Asiakas saa tiedon."
    assert done.button_texts == []
    [meeting] = all_meetings(bot)
    assert meeting.starts_at == datetime(2026, 11, 26, 11, 0, tzinfo=UTC) and meeting.sequence == 1
    moved_client = await bot.fake.wait_for_message(
        client_uid, predicate=lambda m: "siirtynyt" in (m.text or "")
    )
    assert "to 26.11.2026 klo 13.00–14.00" in (moved_client.text or "")
    assert (moved_client.text or "").endswith(
        "Jos et pääse, kerro viimeistään ke 25.11. klo 12.00."
    )
    moved_worker = await bot.fake.wait_for_message(
        worker_uid, predicate=lambda m: "flyttats" in (m.text or "")
    )
    assert "tors 26.11.2026 kl. 13.00–14.00" in (moved_worker.text or "")
    # The reminders moved with it.
    reminders = [r for r in rows(bot) if r.kind == "reminder"]
    pending = sorted(r.due_at for r in reminders if r.status == OutboxStatus.PENDING)
    assert pending == [
        datetime(2026, 11, 25, 14, 0, tzinfo=UTC),  # Wednesday 16:00
        datetime(2026, 11, 26, 9, 0, tzinfo=UTC),  # Thursday 11:00
    ]
    assert all(r.status == OutboxStatus.CANCELLED for r in reminders if r.due_at not in pending)
    # The new calendar file has a higher SEQUENCE and the same UID.
    new_file = await chats["client"].press("Lisää kalenteriin", message=moved_client)
    assert new_file.document is not None
    [event] = icalendar.Calendar.from_ical(new_file.document.data).walk("VEVENT")
    assert int(event["SEQUENCE"]) == 1 and str(event["UID"]) == f"meeting-{meeting.id}@coachbot"


async def test_forged_meeting_buttons_are_refused_and_audited(bot: Harness) -> None:
    _, chats = await team(bot)
    await book_single(chats["coach"])
    [meeting] = all_meetings(bot)
    other_coach = bot.add(Role.COACH, "Olli Toinen")
    stranger_client = bot.add(Role.CLIENT, "Toinen Asiakas", coach=other_coach, program="ips")
    intruder = await bot.join(stranger_client)
    other_coach_chat = await bot.join(other_coach)
    anchor = await intruder.say("/help")
    for data in (f"mt:{meeting.id}:yes", f"mt:{meeting.id}:ics", "mt:x:yes", "mt:99999999:no"):
        query = await bot.fake.press_button(intruder.user.id, anchor.message_id, data, strict=False)
        answer = await intruder.answer(query)
        assert answer.text == "Tämä painike ei ole enää voimassa.", data
    anchor = await other_coach_chat.say("/help")
    for data in (f"mm:x:{meeting.id}", f"mm:mv:{meeting.id}", "sc:ok"):
        query = await bot.fake.press_button(
            other_coach_chat.user.id, anchor.message_id, data, strict=False
        )
        answer = await other_coach_chat.answer(query)
        assert answer.text == "Tämä painike ei ole enää voimassa.", data
    [after] = all_meetings(bot)
    assert after.status == MeetingStatus.SCHEDULED
    assert after.client_response == ClientResponse.NONE
    assert all(m.document is None for m in bot.fake.messages_to(intruder.user.id))
    with bot.db.session() as session:
        denied = audit.entries(session, action="meeting.denied")
    assert {e.actor_id for e in denied} >= {stranger_client, other_coach}


async def test_free_text_mid_conversation_gets_a_hint(bot: Harness) -> None:
    _, chats = await team(bot)
    coach = chats["coach"]
    await coach.say("/schedule")
    hint = await coach.say("tiistaina kymmeneltä")
    assert hint.text == "Valitse painikkeista. Voit lopettaa komennolla /cancel."
    stop = await coach.say("/cancel")
    assert stop.text == "Peruttu. Mitään ei varattu."
    assert all_meetings(bot) == []


async def test_settings_switch_a_reminder_off(bot: Harness) -> None:
    _, chats = await team(bot)
    await book_single(chats["coach"], day="25")
    await bot.fake.wait_for_message(
        chats["client"].user.id, predicate=lambda m: (m.text or "").startswith("Uusi tapaaminen")
    )
    shown = await chats["client"].say("/settings")
    assert shown.text is not None and "Tapaamista edeltävänä päivänä: 16.00" in shown.text
    changed = await chats["client"].press("ei muistutusta", callback_data="st:db:off")
    assert (
        changed.text is not None and "Tapaamista edeltävänä päivänä: ei muistutusta" in changed.text
    )
    reminders = [r for r in rows(bot) if r.kind == "reminder"]
    day_before = [r for r in reminders if ":day_before:" in r.idempotency_key]
    assert day_before and all(r.status == OutboxStatus.CANCELLED for r in day_before)
    soon = [r for r in reminders if ":hours_before:" in r.idempotency_key]
    assert [r.status for r in soon] == [OutboxStatus.PENDING]


async def test_coach_agenda_on_working_days_only(bot: Harness) -> None:
    _, chats = await team(bot)
    await book_single(chats["coach"])
    tz = bot.services.settings.tz
    # Tuesday 24 November, 07:59 and 08:00 local.
    assert bot.db.call(queue_agendas, datetime(2026, 11, 24, 7, 59, tzinfo=HKI), tz) == 0
    assert bot.db.call(queue_agendas, datetime(2026, 11, 24, 8, 0, tzinfo=HKI), tz) == 1
    assert bot.db.call(queue_agendas, datetime(2026, 11, 24, 9, 0, tzinfo=HKI), tz) == 0  # once
    bot.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=HKI))  # type: ignore[union-attr]
    bot.dispatcher.wake()
    agenda = await bot.fake.wait_for_message(
        chats["coach"].user.id, predicate=lambda m: "Hyvää huomenta" in (m.text or "")
    )
    assert agenda.text == (
        "Hyvää huomenta! Tämän päivän tapaamisesi, ti 24.11.2026:\n"
        "10.00–11.00 Matti Meikäläinen, Yksilötapaaminen"
    )
    # Christmas Day is not a working day: no agenda even with a meeting that day.
    christmas = datetime(2026, 12, 25, 10, 0, tzinfo=HKI)

    def book_christmas(session):  # type: ignore[no-untyped-def]
        client = session.exec(select(Person).where(Person.role == Role.CLIENT.value)).one()
        meetings.book(
            session,
            coach_id=client.coach_id,
            client_id=client.id,
            kind=MeetingKind.INDIVIDUAL,
            starts=[christmas],
            duration=timedelta(hours=1),
            place=None,
        )

    bot.db.call(book_christmas)
    assert bot.db.call(queue_agendas, datetime(2026, 12, 25, 8, 0, tzinfo=HKI), tz) == 0
    # ... and the next working day with a meeting gets one; after 10.00 it is too late.
    bot.db.call(
        lambda s: meetings.book(
            s,
            coach_id=all_meetings(bot)[0].coach_id,
            client_id=all_meetings(bot)[0].client_id,
            kind=MeetingKind.INDIVIDUAL,
            starts=[datetime(2026, 12, 28, 12, 0, tzinfo=HKI)],
            duration=timedelta(hours=1),
            place=None,
        )
    )
    assert bot.db.call(queue_agendas, datetime(2026, 12, 28, 10, 0, tzinfo=HKI), tz) == 0
    assert bot.db.call(queue_agendas, datetime(2026, 12, 28, 9, 59, tzinfo=HKI), tz) == 1


async def test_moving_a_series_across_daylight_saving_keeps_the_local_time(
    database_url: str,
) -> None:
    clock = Clock(datetime(2026, 3, 23, 9, 0, tzinfo=HKI).astimezone(UTC))
    async with Harness(database_url, COACHBOT_OUTBOX_INTERVAL=0.2) as bot:
        bot.services.clock = clock
        bot.clock = clock
        _, chats = await team(bot)

        def series(session):  # type: ignore[no-untyped-def]
            client = session.exec(select(Person).where(Person.role == Role.CLIENT.value)).one()
            # The service period runs in March (meetings outside it cannot be moved to).
            period = session.exec(select(ServicePeriod)).one()
            period.start_date = date(2026, 3, 2)
            session.add(period)
            starts = [
                datetime(2026, 3, 27, 10, 0, tzinfo=HKI),
                datetime(2026, 4, 3, 10, 0, tzinfo=HKI),
            ]
            meetings.book(
                session,
                coach_id=client.coach_id,
                client_id=client.id,
                kind=MeetingKind.INDIVIDUAL,
                starts=starts,
                duration=timedelta(hours=1),
                place=None,
            )

        bot.db.call(series)
        coach = chats["coach"]
        listing = await coach.say("/meetings")
        choose = await coach.press("Muuta tai peru tapaaminen", message=listing)
        details = await coach.press(choose.button_texts[0])
        await coach.press("Siirrä tämä ja sarjan loput", message=details)
        times = await coach.press("30")
        done = await coach.press("10.00", message=times)
        assert done.text == "2 tapaamista siirretty. Asiakas saa tiedon."
        local = [m.starts_at.astimezone(HKI) for m in all_meetings(bot)]
        assert [(d.date(), d.hour) for d in local] == [
            (date(2026, 3, 30), 10),
            (date(2026, 4, 6), 10),
        ]
        assert local[0].utcoffset() == timedelta(hours=3)


# --- stale buttons -----------------------------------------------------------------------
# After a conversation was restarted (the same command again) or left (another command,
# or /cancel), every button of every step it showed gets the polite "no longer valid", no
# handler fails (the guard of tests/e2e), and nothing is booked, moved, cancelled,
# answered or sent.
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=HKI)


def outbox_rows(bot: Harness) -> list[tuple[str, str]]:
    return [(r.idempotency_key, r.status) for r in rows(bot)]


def book_series(bot: Harness, ids: dict[str, int], *starts: datetime, cards: bool = True) -> None:
    """Meetings booked as /schedule books them, cards and reminders queued."""

    def save(session):  # type: ignore[no-untyped-def]
        made = meetings.book(
            session, coach_id=ids["coach"], client_id=ids["client"], kind=MeetingKind.INDIVIDUAL,
            starts=list(starts), duration=timedelta(hours=1), place="Kauppakatu 1",
        )  # fmt: skip
        if cards:
            for meeting in made:
                booked(session, meetings.view(session, meeting), bot.services.now(), HKI)

    bot.db.call(save)
    bot.dispatcher.wake()


# --- /schedule ---------------------------------------------------------------------------
@pytest.mark.parametrize("how", LEAVES)
async def test_schedule_buttons_are_stale_once_restarted_or_left(bot: Harness, how: str) -> None:
    _, chats = await team(bot)
    coach = chats["coach"]
    steps: list[Seen] = []
    step = await coach.say("/schedule")
    steps.append(seen(step))  # the client
    for press in ("Matti Meikäläinen", "Yksilötapaaminen", "25", "10.00", "1 tunti"):
        step = await coach.press(press, message=step)
        steps.append(seen(step))  # kind, day, time, duration, place
    step = await coach.say("Kauppakatu 1")  # a new message: does it repeat?
    steps.append(seen(step))
    for press in ("Joka viikko", "Valmis", "2"):
        step = await coach.press(press, message=step)
        steps.append(seen(step))  # weekdays, how many, the summary
    assert step.button_texts == ["✔ Varaa", "◀ Takaisin", "✖ Peru"]

    again = await leave(coach, how, "/schedule")
    assert await press_stale(bot, coach, steps) > 30
    assert all_meetings(bot) == []
    assert outbox_rows(bot) == []
    if how == "restart":  # the new run is where it was, and still books
        step = await coach.press("Matti Meikäläinen", message=again)
        assert step.text == "Matti Meikäläinen: millainen tapaaminen?"


# --- changing a meeting from /meetings ---------------------------------------------------
@pytest.mark.parametrize("how", LEAVES)
async def test_meeting_change_buttons_are_stale_once_restarted_or_left(
    bot: Harness, how: str
) -> None:
    ids, chats = await team(bot)
    book_series(bot, ids, WEDNESDAY_10, WEDNESDAY_10 + timedelta(days=7), cards=False)
    before = [(m.starts_at, m.status, m.sequence) for m in all_meetings(bot)]
    coach = chats["coach"]
    steps: list[Seen] = []
    listing = await coach.say("/meetings")
    step = await coach.press("Muuta tai peru tapaaminen", message=listing)
    steps.append(seen(step))  # which meeting
    step = await coach.press(step.button_texts[0], message=step)
    steps.append(seen(step))  # move or cancel, this or the rest of the series
    assert len(step.button_texts) == 4
    step = await coach.press("Siirrä tämä ja sarjan loput", message=step)
    steps.append(seen(step))  # the day
    step = await coach.press("26", message=step)
    steps.append(seen(step))  # the time

    if how == "restart":
        listing = await coach.say("/meetings")
        await coach.press("Muuta tai peru tapaaminen", message=listing)
    else:
        await leave(coach, how, "/meetings")
    assert await press_stale(bot, coach, steps) > 20
    assert [(m.starts_at, m.status, m.sequence) for m in all_meetings(bot)] == before
    assert outbox_rows(bot) == []


async def test_another_coachs_meeting_buttons_are_refused_and_audited(bot: Harness) -> None:
    """Forged without any change open: the answer is the same, the attempt is audited."""
    ids, _ = await team(bot)
    book_series(bot, ids, WEDNESDAY_10, cards=False)
    [meeting] = all_meetings(bot)
    other = await bot.join(bot.add(Role.COACH, "Olli Toinen"))
    anchor = await other.say("/help")
    steps = [Seen(anchor.message_id, (f"mm:m:{meeting.id}", f"mm:xs:{meeting.id}"))]
    await press_stale(bot, other, steps)
    assert [m.status for m in all_meetings(bot)] == [MeetingStatus.SCHEDULED]


# --- the meeting card --------------------------------------------------------------------
async def test_a_cards_answers_are_stale_once_the_meeting_moved(bot: Harness) -> None:
    """A move sends a new card; the old card's answers would confirm a time it does not
    show. "Ask for another time" left with /cancel takes no text after it."""
    ids, chats = await team(bot)
    book_series(bot, ids, WEDNESDAY_10)
    client = chats["client"]
    card = await bot.fake.wait_for_message(
        client.user.id, predicate=lambda m: (m.text or "").startswith("Uusi tapaaminen")
    )
    old_card = seen(card)
    asked = await client.press("Pyydä toista aikaa", message=card)
    assert asked.text is not None and asked.text.startswith("Mitkä ajat sopisivat sinulle?")
    await client.say("/cancel")
    unsent = await client.say("torstaina")  # no longer the answer: nothing goes to the coach
    assert unsent.text is not None and "toista aikaa" not in unsent.text

    coach = chats["coach"]
    listing = await coach.say("/meetings")
    step = await coach.press("Muuta tai peru tapaaminen", message=listing)
    step = await coach.press(step.button_texts[0], message=step)
    step = await coach.press("Siirrä", message=step)
    step = await coach.press("26", message=step)
    await coach.press("13.00", message=step)
    moved = await bot.fake.wait_for_message(
        client.user.id, predicate=lambda m: "siirtynyt" in (m.text or "")
    )
    answers = Seen(old_card.message_id, tuple(d for d in old_card.data if not d.endswith("ics")))
    assert len(answers.data) == 3
    await press_stale(bot, client, [answers])
    [meeting] = all_meetings(bot)
    assert meeting.client_response == ClientResponse.NONE
    await bot.dispatcher.run_once()
    assert not any("toista aikaa" in (m.text or "") for m in coach.messages)
    assert not any("tulee tapaamiseen" in (m.text or "") for m in coach.messages)
    # The new card answers.
    thanks = await client.press("Tulen", message=moved)
    assert thanks.text == "Kiitos! Valmentajasi tietää, että tulet."


async def test_a_cancelled_meetings_card_changes_nothing(bot: Harness) -> None:
    ids, chats = await team(bot)
    book_series(bot, ids, WEDNESDAY_10)
    client = chats["client"]
    card = await bot.fake.wait_for_message(
        client.user.id, predicate=lambda m: (m.text or "").startswith("Uusi tapaaminen")
    )
    coach = chats["coach"]
    listing = await coach.say("/meetings")
    step = await coach.press("Muuta tai peru tapaaminen", message=listing)
    step = await coach.press(step.button_texts[0], message=step)
    await coach.press("Peru tapaaminen", message=step)
    for text, answer in [
        ("Tulen", "Tämä tapaaminen on peruttu."),
        ("Pyydä toista aikaa", "Tämä tapaaminen on peruttu."),
        ("En pääse", REFUSED),
    ]:
        query = await client.click(text, message=card)
        assert (await client.answer(query)).text == answer, text
    [meeting] = all_meetings(bot)
    assert (meeting.status, meeting.client_response) == (
        MeetingStatus.CANCELLED,
        ClientResponse.NONE,
    )


# --- /settings ---------------------------------------------------------------------------
@pytest.mark.parametrize("how", LEAVES)
async def test_settings_buttons_are_stale_once_restarted_or_left(bot: Harness, how: str) -> None:
    ids, chats = await team(bot)
    book_series(bot, ids, WEDNESDAY_10)
    client = chats["client"]
    await bot.fake.wait_for_message(
        client.user.id, predicate=lambda m: (m.text or "").startswith("Uusi tapaaminen")
    )
    shown = await client.say("/settings")
    changed = await client.press("18.00", message=shown, expect="edit")
    assert changed.text is not None and "Tapaamista edeltävänä päivänä: 18.00" in changed.text
    steps = [seen(changed)]
    rows = outbox_rows(bot)

    again = await leave(client, how, "/settings")
    assert await press_stale(bot, client, steps) == len(steps[0].data)
    with bot.db.session() as session:
        person = session.get(Person, ids["client"])
        assert person is not None and person.preferences.get("day_before") == "18:00"
    assert outbox_rows(bot) == rows
    if how == "restart":  # the newest /settings message still takes a choice
        saved = await client.press("20.00", message=again, expect="edit")
        assert saved.text is not None and "Tapaamista edeltävänä päivänä: 20.00" in saved.text
