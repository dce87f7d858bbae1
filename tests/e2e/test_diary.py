"""The diary end to end: the coach's /log of work outside meetings, /diary's month at a
glance with a correction that keeps the first version, the caseworker's read-only view,
and old or forged buttons, through the fake Bot API with the real Application.

Buttons are pressed by their data (ids and actions only); texts written by people are
looked for in what the bot shows, and the words of the catalog are rendered from their ids.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.diary import actions, texts
from bot.diary.actions import Details, Kind
from bot.fakeapi import Conversation
from bot.fakeapi.models import BotMessage
from messages.i18n import translator
from storage import audit, meetings
from storage.models import Attendance, DiaryEntry, MeetingKind, Role
from tests.e2e.harness import Harness
from tests.e2e.stale import LEAVES, REFUSED, leave, press_stale, seen

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 20, 14, 0, tzinfo=HKI)  # Friday
TODAY = date(2026, 11, 20)
USER_IDS = itertools.count(83_000)
FI = translator("fi")


@dataclass
class Team:
    coach: int
    worker: int
    client: int
    other: int  # another client of the same coach, with another caseworker
    chats: dict[str, Conversation]


@pytest.fixture
async def bot(database_url: str):  # type: ignore[no-untyped-def]
    async with Harness(database_url, now=NOW.astimezone(UTC), COACHBOT_OUTBOX_INTERVAL=600) as h:
        yield h


def team(bot: Harness) -> Team:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija")
    other_worker = bot.add(Role.CASEWORKER, "Olli Toinen")
    client = bot.add(Role.CLIENT, "Matti Meikäläinen", coach=coach, caseworker=worker,
                     program="job-search", start=date(2026, 10, 1))  # fmt: skip
    other = bot.add(Role.CLIENT, "Liisa Toinen", coach=coach, caseworker=other_worker,
                    program="job-search", start=date(2026, 10, 1))  # fmt: skip
    chats = {
        name: bot.fake.chat(bot.link(person, user_id=next(USER_IDS)))
        for name, person in (("coach", coach), ("worker", worker), ("client", client))
    }
    return Team(coach, worker, client, other, chats)


def data(message: BotMessage) -> list[str]:
    return [d or "" for row in message.buttons for _, d in row]


def entries(bot: Harness) -> list[DiaryEntry]:
    with bot.db.session() as session:
        return list(session.exec(select(DiaryEntry).order_by(col(DiaryEntry.id))))


def audited(bot: Harness, action: str) -> list[str]:
    with bot.db.session() as session:
        return [e.detail or "" for e in audit.entries(session, action=action)]


def add(bot: Harness, t: Team, kind: Kind, day: date, text: str, client: int | None = None,
        **details: object) -> int:  # fmt: skip
    entry = bot.db.call(
        actions.add_entry, t.coach, client or t.client, kind, day,
        Details(text=text, **details), now=NOW, tz=HKI,  # type: ignore[arg-type]
    )  # fmt: skip
    return entry.id  # type: ignore[no-any-return]


def held(bot: Harness, t: Team, start: datetime, content: str, hours: float = 1.5) -> None:
    """An attended meeting with its hours and content, as /attendance records it."""

    def go(session):  # type: ignore[no-untyped-def]
        [made] = meetings.book(
            session, coach_id=t.coach, client_id=t.client, kind=MeetingKind.INDIVIDUAL,
            starts=[start], duration=timedelta(hours=2), place=None,
        )  # fmt: skip
        attended = {"outcome": "attended", "hours_used": hours, "billable_hours": hours}
        session.add(
            Attendance(meeting_id=made.id, content=content, recorded_by=t.coach, **attended)
        )

    bot.db.call(go)


async def begin_log(chat: Conversation, client: int, kind: Kind) -> BotMessage:
    picker = await chat.say("/log")
    kinds = await chat.press(expect="edit", callback_data=f"dl:c:{client}", message=picker)
    assert f"dl:k:{kind}" in data(kinds)
    return await chat.press(expect="edit", callback_data=f"dl:k:{kind}", message=kinds)


async def save(chat: Conversation, note: str) -> BotMessage:
    """The note typed, then ✅ Save on the summary."""
    confirm = await chat.say(note)
    assert note in (confirm.text or "") and "dl:save" in data(confirm)
    return await chat.press(expect="edit", callback_data="dl:save", message=confirm)


async def test_log_saves_each_kind_with_its_own_fields(bot: Harness) -> None:
    t = team(bot)
    coach = t.chats["coach"]

    # An employer contact [003: the shared contact log]: the employer, no minutes.
    days = await begin_log(coach, t.client, Kind.EMPLOYER_CONTACT)
    assert {"dl:d:0", "dl:d:1", "dlc:d:2026-11-20"} <= set(data(days))
    assert "dlc:d:2026-11-21" not in data(days)  # not ahead: only work done is logged
    await coach.press(expect="edit", callback_data="dl:d:0", message=days)
    await coach.say("Oy Firma Ab")
    done = await save(coach, "Soitin avoimesta paikasta")
    assert "Soitin avoimesta paikasta" in (done.text or "") and "Oy Firma Ab" in (done.text or "")

    # A job's start [003 form C]: its first day ahead, hours a week, wage support.
    days = await begin_log(coach, t.client, Kind.JOB_START)
    assert "dlc:d:2026-12-01" in data(await coach.press(
        expect="edit", callback_data="dlc:m:2026-12", message=days))  # fmt: skip
    await coach.press(expect="edit", callback_data="dlc:d:2026-12-01", message=days)
    hours = await coach.say("Kahvila Oy")
    query = await bot.fake.press_button(coach.user_id, hours.message_id, "dl:h:99", strict=False)
    assert (await coach.answer(query)).text == REFUSED  # not offered
    wage = await coach.press(expect="edit", callback_data="dl:h:20", message=hours)
    await coach.press(expect="edit", callback_data="dl:w:yes", message=wage)
    await save(coach, "Työsopimus allekirjoitettu")

    # A job's end [003 form D]: yesterday, the employer and why it ended.
    days = await begin_log(coach, t.client, Kind.JOB_END)
    await coach.press(expect="edit", callback_data="dl:d:1", message=days)
    await coach.say("Kauppa Ab")
    await coach.say("Määräaikainen sopimus päättyi")
    await save(coach, "Työ päättyi sovitusti")

    # A call: the minutes, no employer.
    days = await begin_log(coach, t.client, Kind.CALL)
    minutes = await coach.press(expect="edit", callback_data="dl:d:0", message=days)
    assert data(minutes)[:4] == ["dl:m:15", "dl:m:30", "dl:m:60", "dl:m:90"]
    await coach.press(expect="edit", callback_data="dl:m:30", message=minutes)
    await save(coach, "Puhelu Kelan asiasta")

    rows = [(e.kind, e.happened_on, e.employer, e.minutes, e.hours_week, e.wage_support,
             e.end_reason, e.text, e.client_id, e.created_by) for e in entries(bot)]  # fmt: skip
    assert rows == [
        ("employer_contact", TODAY, "Oy Firma Ab", None, None, None, None,
         "Soitin avoimesta paikasta", t.client, t.coach),
        ("job_start", date(2026, 12, 1), "Kahvila Oy", None, 20.0, True, None,
         "Työsopimus allekirjoitettu", t.client, t.coach),
        ("job_end", TODAY - timedelta(days=1), "Kauppa Ab", None, None, None,
         "Määräaikainen sopimus päättyi", "Työ päättyi sovitusti", t.client, t.coach),
        ("call", TODAY, None, 30, None, None, None, "Puhelu Kelan asiasta", t.client, t.coach),
    ]  # fmt: skip
    assert all(e.period_id is not None for e in entries(bot))
    assert len(audited(bot, "diary.add")) == 4


async def test_diary_shows_the_month_of_one_client_and_moves_between_months(
    bot: Harness,
) -> None:
    t = team(bot)
    held(bot, t, datetime(2026, 11, 3, 10, tzinfo=HKI), "CV päivitetty yhdessä")
    held(bot, t, datetime(2026, 10, 27, 10, tzinfo=HKI), "Lokakuun tapaaminen")
    add(bot, t, Kind.EMPLOYER_MEETING, date(2026, 11, 12), "Tapasimme esimiehen",
        employer="Rauta Oy", minutes=60)  # fmt: skip
    add(bot, t, Kind.OTHER, date(2026, 10, 30), "Lokakuun muistiinpano")
    add(bot, t, Kind.CALL, date(2026, 11, 13), "Toisen asiakkaan puhelu", client=t.other,
        minutes=15)  # fmt: skip
    coach = t.chats["coach"]

    picker = await coach.say("/diary")
    month = await coach.press(expect="edit", callback_data=f"dy:c:{t.client}", message=picker)
    text = month.text or ""
    assert "CV päivitetty yhdessä" in text and "1,5" in text
    assert "Tapasimme esimiehen" in text and "Rauta Oy" in text
    assert FI(texts.KIND_NAMES["employer_meeting"]) in text
    assert FI(texts.MINUTES, minutes=60) in text
    assert "Lokakuu" not in text and "Toisen asiakkaan" not in text
    assert "dy:m:2026-10" in data(month) and "dy:m:2026-12" not in data(month)

    october = await coach.press(expect="edit", callback_data="dy:m:2026-10", message=month)
    text = october.text or ""
    assert "Lokakuun tapaaminen" in text and "Lokakuun muistiinpano" in text
    assert "CV päivitetty" not in text and "Tapasimme" not in text
    assert "dy:m:2026-11" in data(october)

    # A month not offered (ahead of this one), pressed by hand: refused, audited.
    query = await bot.fake.press_button(
        coach.user_id, october.message_id, "dy:m:2027-01", strict=False
    )
    assert (await coach.answer(query)).text == REFUSED
    assert "dy:m:2027-01" in audited(bot, "button.refused")
    assert len(audited(bot, "diary.view")) == 2


async def test_a_correction_is_a_new_row_and_the_first_version_stays(bot: Harness) -> None:
    t = team(bot)
    typo = "Verkostopalaveri, kirjoitusvirhe"
    first = add(bot, t, Kind.NETWORK_MEETING, date(2026, 11, 18), typo, minutes=90)
    coach = t.chats["coach"]
    picker = await coach.say("/diary")
    month = await coach.press(expect="edit", callback_data=f"dy:c:{t.client}", message=picker)
    assert data(month)[0] == f"dy:e:{first}"
    ask = await coach.press(expect="edit", callback_data=f"dy:e:{first}", message=month)
    assert "dy:back" in data(ask)

    again = await coach.say("Verkostopalaveri sosiaalityöntekijän kanssa")
    text = again.text or ""
    assert "Verkostopalaveri sosiaalityöntekijän kanssa " + FI(texts.CORRECTED) in text
    assert "kirjoitusvirhe" not in text

    old, new = entries(bot)
    assert (old.id, old.text, old.replaced_by) == (first, "Verkostopalaveri, kirjoitusvirhe",
                                                   new.id)  # fmt: skip
    assert (new.text, new.replaced_by, new.minutes, new.kind) == (
        "Verkostopalaveri sosiaalityöntekijän kanssa",
        None,
        90,
        "network_meeting",
    )
    assert audited(bot, "diary.correct") == [f"entry:{first}->{new.id}"]
    # The view offers the new version only; the old one's button, pressed by hand, is refused.
    assert f"dy:e:{new.id}" in data(again) and f"dy:e:{first}" not in data(again)
    query = await bot.fake.press_button(coach.user_id, again.message_id, f"dy:e:{first}",
                                        strict=False)  # fmt: skip
    assert (await coach.answer(query)).text == REFUSED
    assert len(entries(bot)) == 2


async def test_the_caseworker_reads_only_and_the_client_not_at_all(bot: Harness) -> None:
    t = team(bot)
    entry = add(bot, t, Kind.BENEFITS_COUNSELLING, date(2026, 11, 19), "Palkan vaikutus tukiin",
                minutes=30)  # fmt: skip
    add(bot, t, Kind.OTHER, date(2026, 11, 19), "Toisen asiakkaan asia", client=t.other)
    worker = t.chats["worker"]
    picker = await worker.say("/diary")
    assert f"dy:c:{t.other}" not in data(picker)  # another caseworker's client
    month = await worker.press(expect="edit", callback_data=f"dy:c:{t.client}", message=picker)
    assert "Palkan vaikutus tukiin" in (month.text or "")
    assert not [d for d in data(month) if d.startswith("dy:e:")]

    for forged in (f"dy:e:{entry}", f"dy:c:{t.other}"):
        query = await bot.fake.press_button(worker.user_id, month.message_id, forged,
                                            strict=False)  # fmt: skip
        assert (await worker.answer(query)).text == REFUSED, forged
    assert len(entries(bot)) == 2

    refused = await t.chats["client"].say("/diary")
    assert "Palkan" not in (refused.text or "")
    refused = await t.chats["client"].say("/log")
    assert "dl:" not in "".join(data(refused))


async def test_a_forged_client_and_an_oversized_note_are_refused(bot: Harness) -> None:
    t = team(bot)
    stranger_coach = bot.add(Role.COACH, "Toinen Koutsi")
    theirs = bot.add(Role.CLIENT, "Vieras Asiakas", coach=stranger_coach)
    coach = t.chats["coach"]
    picker = await coach.say("/log")
    assert f"dl:c:{theirs}" not in data(picker)
    query = await bot.fake.press_button(coach.user_id, picker.message_id, f"dl:c:{theirs}",
                                        strict=False)  # fmt: skip
    assert (await coach.answer(query)).text == REFUSED

    days = await begin_log(coach, t.client, Kind.OTHER)
    note = await coach.press(expect="edit", callback_data="dl:d:0", message=days)
    assert "dl:back" in data(note)
    too_long = await coach.say("x" * (actions.TEXT_MAX + 1))
    assert str(actions.TEXT_MAX) in (too_long.text or "")
    await save(coach, "Lyhyt muistiinpano")
    assert [e.text for e in entries(bot)] == ["Lyhyt muistiinpano"]


@pytest.mark.parametrize("how", LEAVES)
async def test_old_buttons_of_log_and_diary_are_no_longer_valid(bot: Harness, how: str) -> None:
    t = team(bot)
    add(bot, t, Kind.CALL, date(2026, 11, 2), "Puhelu", minutes=15)
    coach = t.chats["coach"]
    picker = await coach.say("/log")
    steps = [seen(picker)]
    kinds = await coach.press(expect="edit", callback_data=f"dl:c:{t.client}", message=picker)
    steps.append(seen(kinds))
    days = await coach.press(expect="edit", callback_data="dl:k:job_start", message=kinds)
    steps.append(seen(days))
    await coach.press(expect="edit", callback_data="dl:d:0", message=days)
    hours = await coach.say("Firma Oy")
    steps.append(seen(hours))
    await leave(coach, how, "/log")
    assert await press_stale(bot, coach, steps) > 10

    picker = await coach.say("/diary")
    steps = [seen(picker)]
    month = await coach.press(expect="edit", callback_data=f"dy:c:{t.client}", message=picker)
    steps.append(seen(month))
    await leave(coach, how, "/diary")
    assert await press_stale(bot, coach, steps) >= 4
    assert len(entries(bot)) == 1


async def test_a_long_month_goes_as_several_messages_with_the_buttons_on_the_last(
    bot: Harness,
) -> None:
    t = team(bot)
    ids = [
        add(bot, t, Kind.OTHER, date(2026, 11, day), f"Merkintä {day}: " + "sanoja " * 120)
        for day in range(2, 10)
    ]
    coach = t.chats["coach"]
    picker = await coach.say("/diary")
    query = await coach.click(callback_data=f"dy:c:{t.client}", message=picker)
    assert (await coach.answer(query)).text is None  # answered, quietly
    parts = [await coach.reply(), await coach.reply()]
    while not parts[-1].buttons:
        parts.append(await coach.reply())
    assert all(len(p.text or "") <= 4096 for p in parts) and not parts[0].buttons
    assert all(f"Merkintä {day}:" in "".join(p.text or "" for p in parts) for day in range(2, 10))
    last = parts[-1]
    assert [f"dy:e:{i}" for i in ids] == [d for d in data(last) if d.startswith("dy:e:")]
    ask = await coach.press(expect="edit", callback_data=f"dy:e:{ids[-1]}", message=last)
    assert ask.message_id == last.message_id


async def test_a_forged_impossible_month_is_refused_politely(bot: Harness) -> None:
    """`dy:m:0000-01` passes the pattern but is no date: refused, not the error handler."""
    t = team(bot)
    coach = t.chats["coach"]
    picker = await coach.say("/diary")
    month = await coach.press(expect="edit", callback_data=f"dy:c:{t.client}", message=picker)
    for forged in ("dy:m:0000-01", "dy:m:2026-13", "dy:m:2026-00"):
        query = await bot.fake.press_button(coach.user_id, month.message_id, forged, strict=False)
        assert (await coach.answer(query)).text == REFUSED, forged
        assert forged in audited(bot, "button.refused")
    # The view still works.
    october = await coach.press(expect="edit", callback_data="dy:m:2026-10", message=month)
    assert "dy:m:2026-11" in data(october)


async def test_a_busy_month_offers_correct_buttons_for_the_latest_entries_only(
    bot: Harness,
) -> None:
    """Telegram takes at most 100 buttons a message: 35 entries get 30 ✏, and the view
    says so; an older entry's button, pressed by hand, is refused."""
    t = team(bot)
    ids = [add(bot, t, Kind.OTHER, date(2026, 11, 1 + n // 2), f"Lyhyt {n}") for n in range(35)]
    coach = t.chats["coach"]
    picker = await coach.say("/diary")
    month = await coach.press(expect="edit", callback_data=f"dy:c:{t.client}", message=picker)
    text = month.text or ""
    assert "Lyhyt 0" in text and "Lyhyt 34" in text  # every entry is still shown
    assert FI("✏ Only the latest {n} entries can be corrected here.", n=30) in text
    corrects = [d for d in data(month) if d.startswith("dy:e:")]
    assert corrects == [f"dy:e:{i}" for i in ids[5:]]
    assert len(data(month)) <= 100
    labels = [label for row in month.buttons for label, d in row if (d or "").startswith("dy:e")]
    assert labels[0] == "✏ " + FI("Correct {n}", n=6)  # the numbers of the list stay
    query = await bot.fake.press_button(coach.user_id, month.message_id, f"dy:e:{ids[0]}",
                                        strict=False)  # fmt: skip
    assert (await coach.answer(query)).text == REFUSED
    ask = await coach.press(expect="edit", callback_data=f"dy:e:{ids[-1]}", message=month)
    assert "dy:back" in data(ask)


async def test_a_quiet_month_has_no_note_about_buttons(bot: Harness) -> None:
    t = team(bot)
    add(bot, t, Kind.OTHER, date(2026, 11, 2), "Ainoa")
    coach = t.chats["coach"]
    picker = await coach.say("/diary")
    month = await coach.press(expect="edit", callback_data=f"dy:c:{t.client}", message=picker)
    assert FI("✏ Only the latest {n} entries can be corrected here.", n=30) not in (
        month.text or ""
    )
