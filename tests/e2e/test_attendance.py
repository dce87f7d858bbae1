"""Attendance end to end: the prompt after a meeting, its reminder, no-shows and alerts.

The attendance job is run by hand at the test clock's time (`sweep`), as the JobQueue would
every minute; the outbox dispatcher delivers through the fake Bot API.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.attendance import jobs as attendance_jobs
from bot.fakeapi import FakeTelegram
from bot.fakeapi.models import BotMessage
from bot.rules.attendance import Outcome
from messages.i18n import translator
from storage import audit, meetings
from storage.models import (
    AbsenceNotice,
    AbsenceReason,
    Alert,
    AlertKind,
    Attendance,
    MeetingKind,
    OutboxMessage,
    OutboxStatus,
    Role,
)
from tests.e2e.harness import Harness

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=HKI)
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=HKI)
THURSDAY_10 = datetime(2026, 11, 26, 10, 0, tzinfo=HKI)
HOUR = timedelta(hours=1)
FI = translator("fi")
# Shared texts are compared with their catalog entry: other features own their wording.
STALE = FI("This button is no longer valid.")
CHOOSE_BUTTONS = FI("Please choose with the buttons above, or /cancel to stop.")


@pytest.fixture
async def bot(database_url: str):  # type: ignore[no-untyped-def]
    async with Harness(
        database_url, now=MONDAY_9.astimezone(UTC), COACHBOT_OUTBOX_INTERVAL=0.2
    ) as harness:
        yield harness


def team(bot: Harness) -> tuple[dict[str, int], dict[str, object]]:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija")
    client = bot.add(
        Role.CLIENT, "Matti Meikäläinen", coach=coach, caseworker=worker, program="job-search"
    )
    ids = {"coach": coach, "caseworker": worker, "client": client}
    chats = {name: bot.fake.chat(bot.link(pid)) for name, pid in ids.items()}
    return ids, chats


def book(bot: Harness, ids: dict[str, int], start: datetime, hours: float = 1.0) -> int:
    def save(session):  # type: ignore[no-untyped-def]
        [meeting] = meetings.book(
            session, coach_id=ids["coach"], client_id=ids["client"],
            kind=MeetingKind.INDIVIDUAL, starts=[start], duration=timedelta(hours=hours),
            place="Kauppakatu 1",
        )  # fmt: skip
        return meeting.id

    return bot.db.call(save)


async def sweep(bot: Harness, now: datetime) -> int:
    """What the every-minute job does, at `now`."""
    bot.clock.set(now.astimezone(UTC))  # type: ignore[union-attr]
    return await attendance_jobs.run_once(bot.services)


def rows(bot: Harness, prefix: str = "attendance:") -> dict[str, OutboxMessage]:
    with bot.db.session() as session:
        found = session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return {r.idempotency_key: r for r in found if r.idempotency_key.startswith(prefix)}


def recorded(bot: Harness, meeting_id: int) -> Attendance | None:
    with bot.db.session() as session:
        return session.get(Attendance, meeting_id)


def alerts(bot: Harness) -> list[Alert]:
    with bot.db.session() as session:
        return list(session.exec(select(Alert).order_by(Alert.id)))


async def message_to(bot: Harness, chat, starts: str) -> BotMessage:  # type: ignore[no-untyped-def]
    return await bot.fake.wait_for_message(
        chat.user.id, predicate=lambda m: (m.text or "").startswith(starts)
    )


async def test_the_prompt_comes_when_the_meeting_ends_and_is_filled_in(bot: Harness) -> None:
    ids, chats = team(bot)
    coach = chats["coach"]
    meeting = book(bot, ids, TUESDAY_10)
    assert await sweep(bot, TUESDAY_10 + HOUR - timedelta(seconds=1)) == 0
    assert rows(bot) == {}
    assert await sweep(bot, TUESDAY_10 + HOUR) == 1
    prompt = await message_to(bot, coach, "Miten tapaaminen meni?")
    assert prompt.text == (
        "Miten tapaaminen meni?\nti 24.11.2026 klo 10.00–11.00\nMatti Meikäläinen, Yksilötapaaminen"
    )
    assert prompt.button_texts == ["Osallistui", "Ei tullut", "Palveluntuottaja perui"]
    assert await sweep(bot, TUESDAY_10 + 2 * HOUR) == 0  # one prompt only

    hours = await coach.press("Osallistui", message=prompt)
    assert hours.text == "Montako tuntia käytettiin?"
    assert hours.button_texts[:3] == ["1 h (suunniteltu)", "0,5 h", "1,5 h"]
    hint = await coach.say("puolitoista")  # text where a button is expected
    assert hint.text == CHOOSE_BUTTONS
    ask = await coach.press("1,5 h", message=hours)
    assert ask.text == "Kirjattu: 1,5 h. Mitä tehtiin? Kirjoita yksi rivi päiväkirjaan."
    # A button where the diary text is expected gets a hint, and changes nothing.
    query = await coach.click("Ei tullut", message=prompt)
    answer = await coach.answer(query)
    assert answer.text is not None and answer.text.startswith("Kirjoita tekstinä rivi")
    done = await coach.say("Päivitettiin CV ja haettiin kahta paikkaa")
    assert done.text == "Tallennettu päiväkirjaan. Kiitos!"

    row = recorded(bot, meeting)
    assert row is not None and row.outcome == Outcome.ATTENDED
    assert (row.hours_used, row.billable_hours) == (1.5, 1.5)
    assert row.content == "Päivitettiin CV ja haettiin kahta paikkaa"
    assert row.recorded_by == ids["coach"]
    assert row.recorded_at == (TUESDAY_10 + 2 * HOUR).astimezone(UTC)
    assert rows(bot)[f"attendance:{meeting}:remind"].status == OutboxStatus.CANCELLED
    # The prompt is answered: its buttons are stale now.
    query = await coach.click("Palveluntuottaja perui", message=prompt)
    assert (await coach.answer(query)).text == STALE
    assert recorded(bot, meeting).outcome == Outcome.ATTENDED  # type: ignore[union-attr]


async def test_an_unanswered_prompt_is_reminded_on_the_next_working_morning(bot: Harness) -> None:
    ids, chats = team(bot)
    coach, client = chats["coach"], chats["client"]
    friday = book(bot, ids, datetime(2026, 11, 27, 14, 0, tzinfo=HKI))
    await sweep(bot, datetime(2026, 11, 27, 15, 0, tzinfo=HKI))
    await message_to(bot, coach, "Miten tapaaminen meni?")
    remind = rows(bot)[f"attendance:{friday}:remind"]
    assert remind.due_at == datetime(2026, 11, 30, 8, 0, tzinfo=HKI)  # Monday 08:00
    bot.clock.set(datetime(2026, 11, 30, 7, 59, tzinfo=HKI))  # type: ignore[union-attr]
    await bot.dispatcher.run_once()
    assert not any("Muistutus" in (m.text or "") for m in coach.messages)  # type: ignore[attr-defined]
    bot.clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=HKI))  # type: ignore[union-attr]
    bot.dispatcher.wake()
    reminder = await message_to(bot, coach, "Muistutus: tätä tapaamista ei ole vielä kirjattu.")
    assert reminder.text is not None and "pe 27.11.2026 klo 14.00–15.00" in reminder.text
    # Answered from the reminder: cancelled by the provider, and the client is told.
    done = await coach.press("Palveluntuottaja perui", message=reminder)
    assert done.text == (
        "Kirjattu: palveluntuottaja perui. Tunteja ei laskuteta. Matti Meikäläinen saa tiedon."
    )
    told = await message_to(bot, client, "Palveluntuottaja perui")
    assert told.text == (
        "Palveluntuottaja perui tapaamisesi pe 27.11.2026 klo 14.00. "
        "Sitä ei lasketa poissaoloksesi."
    )
    row = recorded(bot, friday)
    assert row is not None and row.outcome == Outcome.CANCELLED_BY_PROVIDER
    assert row.billable_hours == 0

    # Holidays are skipped: Thursday before Easter → Tuesday (Good Friday, Easter Monday);
    # the day before Christmas Eve → the Monday after Christmas.
    for start, due in (
        (datetime(2026, 4, 2, 14, 0, tzinfo=HKI), datetime(2026, 4, 7, 8, 0, tzinfo=HKI)),
        (datetime(2026, 12, 23, 14, 0, tzinfo=HKI), datetime(2026, 12, 28, 8, 0, tzinfo=HKI)),
    ):
        meeting = book(bot, ids, start)
        await sweep(bot, start + 2 * HOUR)
        assert rows(bot)[f"attendance:{meeting}:remind"].due_at == due


async def test_a_meeting_with_a_notice_is_filled_in_without_a_prompt(bot: Harness) -> None:
    ids, chats = team(bot)
    on_time, late, withdrawn = (book(bot, ids, TUESDAY_10 + n * 2 * HOUR) for n in range(3))

    def notify(session):  # type: ignore[no-untyped-def]
        deadline = datetime(2026, 11, 23, 12, 0, tzinfo=HKI)
        for meeting, timing, at, gone in (
            (on_time, "on_time", deadline - HOUR, None),
            (late, "late", deadline + HOUR, None),
            (withdrawn, "on_time", deadline - HOUR, deadline),
        ):
            session.add(
                AbsenceNotice(
                    client_id=ids["client"], meeting_id=meeting, reason=AbsenceReason.ILL.value,
                    notified_at=at, deadline=deadline, timing=timing, withdrawn_at=gone,
                )
            )  # fmt: skip

    bot.db.call(notify)
    await sweep(bot, TUESDAY_10 + 5 * HOUR)  # all three have ended
    first, second = recorded(bot, on_time), recorded(bot, late)
    assert first is not None and first.outcome == Outcome.ABSENT_ON_TIME
    assert first.billable_hours == 0
    assert second is not None and second.outcome == Outcome.ABSENT_LATE
    assert second.billable_hours == 1.0
    assert recorded(bot, withdrawn) is None  # a withdrawn notice: the coach is asked
    assert sorted(rows(bot)) == [
        f"attendance:{withdrawn}:prompt",
        f"attendance:{withdrawn}:remind",
    ]
    prompt = await message_to(bot, chats["coach"], "Miten tapaaminen meni?")
    assert prompt.text is not None and "klo 14.00–15.00" in prompt.text


async def test_a_no_show_with_an_unknown_reason_alerts_the_caseworker_at_once(
    bot: Harness,
) -> None:
    ids, chats = team(bot)
    coach, client, worker = chats["coach"], chats["client"], chats["caseworker"]
    meeting = book(bot, ids, TUESDAY_10, hours=1.5)
    await sweep(bot, TUESDAY_10 + 2 * HOUR)
    prompt = await message_to(bot, coach, "Miten tapaaminen meni?")
    shown = await coach.press("Ei tullut", message=prompt)
    assert shown.text == (
        "Kirjattu ilmoittamattomaksi poissaoloksi: Matti Meikäläinen. "
        "Suunnitellut 1,5 h laskutetaan.\nKysyn asiakkaalta, mitä tapahtui. Onko syy tiedossa?"
    )
    row = recorded(bot, meeting)
    assert row is not None and row.outcome == Outcome.NO_SHOW and row.billable_hours == 1.5
    question = await message_to(bot, client, "Et tullut tapaamiseen")
    assert question.text == "Et tullut tapaamiseen ti 24.11.2026 klo 10.00. Mitä tapahtui?"
    assert question.button_texts == ["Olin sairas", "Lapseni oli sairas", "Unohdin", "Jotain muuta"]

    alerted = await coach.press("Ei tiedossa: hälytä vastuuvirkailija nyt", message=shown)
    assert alerted.text == "Vastuuvirkailija on hälytetty."
    alert = await bot.fake.wait_for_message(
        worker.user.id,  # type: ignore[attr-defined]
        predicate=lambda m: "Matti Meikäläinen" in (m.text or ""),
    )
    assert alert.text is not None and "24.11.2026" in alert.text
    [raised] = alerts(bot)
    assert raised.kind == AlertKind.NO_SHOW_UNKNOWN and raised.caseworker_id == ids["caseworker"]
    again = await coach.press("Ei tiedossa: hälytä vastuuvirkailija nyt", message=shown)
    assert again.text == "Vastuuvirkailija on jo hälytetty."
    await sweep(bot, TUESDAY_10 + 3 * 24 * HOUR)
    assert len(alerts(bot)) == 1  # once

    # The client explains later in their own words; the coach is told.
    other = await client.press("Jotain muuta", message=question)
    assert other.text == "Kerro muutamalla sanalla, mitä tapahtui. (/cancel lopettaa)"
    thanks = await client.say("Bussi ei tullut")
    assert thanks.text == "Kiitos, kun kerroit. Kerroin sen valmentajallesi."
    told = await message_to(bot, coach, "Matti Meikäläinen kertoi")
    assert told.text == (
        "Matti Meikäläinen kertoi, miksi jäi pois tapaamisesta ti 24.11.2026 klo 10.00: "
        "Bussi ei tullut"
    )
    row = recorded(bot, meeting)
    assert row is not None and (row.reason_state, row.reason_text) == (
        "explained",
        "Bussi ei tullut",
    )
    query = await client.click("Olin sairas", message=question)  # answered already
    assert (await client.answer(query)).text == STALE


async def test_a_no_show_the_client_does_not_explain_in_24_hours_alerts(bot: Harness) -> None:
    ids, chats = team(bot)
    coach = chats["coach"]
    meeting = book(bot, ids, TUESDAY_10)
    await sweep(bot, TUESDAY_10 + HOUR)
    prompt = await message_to(bot, coach, "Miten tapaaminen meni?")
    shown = await coach.press("Ei tullut", message=prompt)
    wait = await coach.press("Kysy ensin asiakkaalta", message=shown)
    assert wait.text == (
        "Selvä. Jos Matti Meikäläinen ei vastaa 24 tunnin kuluessa, hälytän vastuuvirkailijan."
    )
    recorded_at = TUESDAY_10 + HOUR
    assert await sweep(bot, recorded_at + 24 * HOUR - timedelta(seconds=1)) == 0
    assert alerts(bot) == []
    assert await sweep(bot, recorded_at + 24 * HOUR) == 1
    [raised] = alerts(bot)
    assert raised.kind == AlertKind.NO_SHOW_UNKNOWN
    assert raised.facts["client"] == "Matti Meikäläinen"
    await bot.fake.wait_for_message(
        chats["caseworker"].user.id,  # type: ignore[attr-defined]
        predicate=lambda m: "Matti Meikäläinen" in (m.text or ""),
    )
    assert await sweep(bot, recorded_at + 25 * HOUR) == 0  # once
    assert recorded(bot, meeting).reason_state == "unknown"  # type: ignore[union-attr]
    again = await coach.press("Ei tiedossa: hälytä vastuuvirkailija nyt", message=shown)
    assert again.text == "Vastuuvirkailija on jo hälytetty."
    assert len(alerts(bot)) == 1


async def test_the_second_no_show_in_a_period_alerts_naming_both_dates(bot: Harness) -> None:
    ids, chats = team(bot)
    coach, client = chats["coach"], chats["client"]
    first, second = book(bot, ids, TUESDAY_10), book(bot, ids, THURSDAY_10)

    await sweep(bot, TUESDAY_10 + HOUR)
    prompt = await message_to(bot, coach, "Miten tapaaminen meni?")
    shown = await coach.press("Ei tullut", message=prompt)
    assert shown.text is not None and "toistuva" not in shown.text
    question = await message_to(bot, client, "Et tullut tapaamiseen")
    thanks = await client.press("Olin sairas", message=question)
    assert thanks.text == "Kiitos, kun kerroit. Kerroin sen valmentajallesi."
    told = await message_to(bot, coach, "Matti Meikäläinen kertoi")
    assert told.text is not None and told.text.endswith(": oli sairas")
    known = await coach.press("Ei tiedossa: hälytä vastuuvirkailija nyt", message=shown)
    assert known.text == "Matti Meikäläinen on jo kertonut syyn: oli sairas"
    assert alerts(bot) == []

    await sweep(bot, THURSDAY_10 + HOUR)
    prompt = await message_to(bot, coach, "Miten tapaaminen meni?")
    shown = await coach.press("Ei tullut", message=prompt)
    assert shown.text is not None and shown.text.endswith(
        "Tämä on toistuva ilmoittamaton poissaolo, joten vastuuvirkailija on hälytetty."
    )
    [repeated] = alerts(bot)
    assert repeated.kind == AlertKind.REPEATED_NO_SHOWS
    alert = await bot.fake.wait_for_message(
        chats["caseworker"].user.id,  # type: ignore[attr-defined]
        predicate=lambda m: "Matti Meikäläinen" in (m.text or ""),
    )
    assert alert.text is not None and "ti 24.11.2026, to 26.11.2026" in alert.text
    # The explained first no-show never alerts; the silent second one does after 24 hours.
    await sweep(bot, THURSDAY_10 + 26 * HOUR)
    kinds = [(a.kind, a.facts.get("when")) for a in alerts(bot)]
    assert kinds[1:] == [
        (AlertKind.NO_SHOW_UNKNOWN, {"$dt": THURSDAY_10.astimezone(UTC).isoformat()})
    ]
    assert recorded(bot, first).reason_state == "explained"  # type: ignore[union-attr]
    assert recorded(bot, second).reason_state == "unknown"  # type: ignore[union-attr]


async def test_forged_attendance_buttons_are_refused(bot: Harness) -> None:
    ids, chats = team(bot)
    meeting = book(bot, ids, TUESDAY_10)
    other_coach = bot.add(Role.COACH, "Olli Toinen")
    other_client = bot.add(Role.CLIENT, "Toinen Asiakas", coach=other_coach, program="ips")
    intruders = [bot.fake.chat(bot.link(pid)) for pid in (other_coach, other_client)]
    intruders += [chats["client"], chats["caseworker"]]

    async def refused(chat, data: str) -> None:  # type: ignore[no-untyped-def]
        anchor = await chat.say("/help")
        query = await bot.fake.press_button(chat.user.id, anchor.message_id, data, strict=False)
        assert (await chat.answer(query)).text == STALE, data

    # Before the meeting has ended, not even its own coach can record it.
    await refused(chats["coach"], f"at:{meeting}:attended")
    await sweep(bot, TUESDAY_10 + HOUR)
    await message_to(bot, chats["coach"], "Miten tapaaminen meni?")
    for chat in intruders:
        for action in ("attended", "noshow", "cancelled", "h60", "unknown", "r:ill", "r:other"):
            await refused(chat, f"at:{meeting}:{action}")
    for data in ("at:x:attended", "at:99999999:noshow", f"at:{meeting}:h7", f"at:{meeting}:zz"):
        await refused(chats["coach"], data)
    assert recorded(bot, meeting) is None
    assert alerts(bot) == []
    with bot.db.session() as session:
        denied = audit.entries(session, action="attendance.denied")
    assert {e.actor_id for e in denied} >= {other_coach, other_client, ids["client"]}
    # The meeting's own coach still can.
    noshow = await chats["coach"].press(callback_data=f"at:{meeting}:noshow")
    assert noshow.text is not None and noshow.text.startswith("Kirjattu ilmoittamattomaksi")
    # And now the other client cannot explain it, nor the coach pick hours for it.
    await refused(intruders[1], f"at:{meeting}:r:forgot")
    await refused(chats["coach"], f"at:{meeting}:h60")
    row = recorded(bot, meeting)
    assert row is not None and row.reason_state == "asked"


async def test_nothing_is_lost_across_a_restart(database_url: str) -> None:
    fake = FakeTelegram()
    await fake.start()
    try:
        start = MONDAY_9.astimezone(UTC)
        async with Harness(database_url, fake=fake, now=start, COACHBOT_OUTBOX_INTERVAL=0.2) as bot:
            ids, chats = team(bot)
            coach = chats["coach"]
            monday = book(bot, ids, MONDAY_9)  # 09:00–10:00, a no-show nobody explains
            tuesday = book(bot, ids, TUESDAY_10)  # ends while the bot is down
            await sweep(bot, MONDAY_9 + HOUR)
            prompt = await message_to(bot, coach, "Miten tapaaminen meni?")
            await coach.press("Ei tullut", message=prompt)
        # Down from Monday 10:00 until Tuesday 12:00: the Tuesday meeting ended and the
        # 24 hours for the Monday no-show ran out meanwhile.
        later = (TUESDAY_10 + 2 * HOUR).astimezone(UTC)
        async with Harness(database_url, fake=fake, now=later, COACHBOT_OUTBOX_INTERVAL=0.2) as bot:
            prompt = await bot.fake.wait_for_message(
                coach.user.id,  # type: ignore[attr-defined]
                predicate=lambda m: "ti 24.11.2026 klo 10.00–11.00" in (m.text or ""),
            )
            assert prompt.text is not None and prompt.text.startswith("Miten tapaaminen meni?")
            await bot.fake.wait_for_message(
                chats["caseworker"].user.id,  # type: ignore[attr-defined]
                predicate=lambda m: "Matti Meikäläinen" in (m.text or ""),
            )
            [raised] = alerts(bot)
            assert raised.kind == AlertKind.NO_SHOW_UNKNOWN
            assert recorded(bot, monday).reason_state == "unknown"  # type: ignore[union-attr]
            assert f"attendance:{tuesday}:prompt" in rows(bot)
    finally:
        await fake.stop()


# --- stale buttons: every step's buttons, after the conversation restarted or was left ----
def snapshot(bot: Harness) -> tuple[object, ...]:
    """Everything a press could write: outcomes, queued messages, alerts."""
    with bot.db.session() as session:
        outcomes = [
            (a.meeting_id, a.outcome, a.hours_used, a.content, a.reason_state, a.reason_text)
            for a in session.exec(select(Attendance).order_by(Attendance.meeting_id))
        ]
        # Keys only: the dispatcher moves the rows' status on meanwhile.
        queued = [r.idempotency_key for r in session.exec(select(OutboxMessage))]
        raised = [a.id for a in session.exec(select(Alert))]
    return outcomes, queued, raised


async def stale(bot: Harness, chat, message: BotMessage, *labels: str) -> None:  # type: ignore[no-untyped-def]
    """Each button is answered "no longer valid", and nothing is written or sent."""
    before, seen = snapshot(bot), len(chat.messages)
    for label in labels:
        query = await bot.fake.press_button(
            chat.user_id, message.message_id, message.callback_data(label), strict=False
        )
        answer = await chat.answer(query)
        assert (answer.text, answer.show_alert) == (STALE, True), label
    await chat.silence()
    assert len(chat.messages) == seen
    assert snapshot(bot) == before


async def test_attended_hours_diary_buttons_go_stale_when_restarted_or_left(bot: Harness) -> None:
    ids, chats = team(bot)
    coach = chats["coach"]
    first, second = book(bot, ids, TUESDAY_10), book(bot, ids, TUESDAY_10 + 2 * HOUR)
    await sweep(bot, TUESDAY_10 + 3 * HOUR)
    prompts = [m for m in coach.messages if (m.text or "").startswith("Miten tapaaminen")]
    if len(prompts) < 2:
        await bot.fake.wait_until(
            lambda: sum("Miten tapaaminen" in (m.text or "") for m in coach.messages) == 2
        )
        prompts = [m for m in coach.messages if (m.text or "").startswith("Miten tapaaminen")]
    by_meeting = {m.callback_data("Osallistui"): m for m in prompts}
    prompt_1 = by_meeting[f"at:{first}:attended"]
    prompt_2 = by_meeting[f"at:{second}:attended"]

    # Restarted with another meeting: the first meeting's hours are stale.
    hours_1 = await coach.press("Osallistui", message=prompt_1)
    hours_2 = await coach.press("Osallistui", message=prompt_2)
    await stale(bot, coach, hours_1, "1 h (suunniteltu)", "0,5 h")
    # Left with another command: the hours asked last are stale too.
    await coach.say("/help")
    await stale(bot, coach, hours_2, "1 h (suunniteltu)", "2 h")
    assert recorded(bot, first) is None and recorded(bot, second) is None

    # Hours, then the diary step is left: the hours stay, no later text is the diary line.
    hours_2 = await coach.press("Osallistui", message=prompt_2)
    asked = await coach.press("1 h (suunniteltu)", message=hours_2)
    assert asked.text == "Kirjattu: 1 h. Mitä tehtiin? Kirjoita yksi rivi päiväkirjaan."
    await coach.say("/help")
    await coach.say("Päivitettiin CV")
    row = recorded(bot, second)
    assert row is not None and row.outcome == Outcome.ATTENDED and row.content is None
    await stale(bot, coach, hours_2, "1 h (suunniteltu)", "0,5 h")
    await stale(bot, coach, prompt_2, "Osallistui", "Ei tullut", "Palveluntuottaja perui")

    # /cancel at the diary step: the same.
    hours_1 = await coach.press("Osallistui", message=prompt_1)
    await coach.press("1,5 h", message=hours_1)
    cancelled = await coach.say("/cancel")
    assert cancelled.text == "Tunnit on tallennettu ilman päiväkirjariviä."
    await stale(bot, coach, hours_1, "1,5 h", "1 h (suunniteltu)")
    await stale(bot, coach, prompt_1, "Osallistui", "Ei tullut", "Palveluntuottaja perui")
    assert recorded(bot, first).hours_used == 1.5  # type: ignore[union-attr]
    # The prompts were answered once: their reminders withdrawn, nothing else queued.
    assert {k: r.status for k, r in rows(bot).items()} == {
        f"attendance:{first}:prompt": OutboxStatus.SENT,
        f"attendance:{first}:remind": OutboxStatus.CANCELLED,
        f"attendance:{second}:prompt": OutboxStatus.SENT,
        f"attendance:{second}:remind": OutboxStatus.CANCELLED,
    }


async def test_no_show_buttons_go_stale_when_answered_restarted_or_left(bot: Harness) -> None:
    ids, chats = team(bot)
    coach, client = chats["coach"], chats["client"]
    meeting = book(bot, ids, TUESDAY_10)
    await sweep(bot, TUESDAY_10 + HOUR)
    prompt = await message_to(bot, coach, "Miten tapaaminen meni?")
    await coach.press("Ei tullut", message=prompt)
    question = await message_to(bot, client, "Et tullut tapaamiseen")
    # The prompt is answered: none of its buttons records or asks the client again.
    await stale(bot, coach, prompt, "Ei tullut", "Osallistui", "Palveluntuottaja perui")

    # The client starts to write, starts again, and leaves with /cancel: nothing is sent.
    other = await client.press("Jotain muuta", message=question)
    assert other.text == "Kerro muutamalla sanalla, mitä tapahtui. (/cancel lopettaa)"
    again = await client.press("Jotain muuta", message=question)
    assert again.text == other.text
    stopped = await client.say("/cancel")
    assert stopped.text == "Lopetettu. Mitään ei lähetetty."
    assert recorded(bot, meeting).reason_state == "asked"  # type: ignore[union-attr]
    # A button answer still counts; after it, every reason button is stale.
    thanks = await client.press("Olin sairas", message=question)
    assert thanks.text == "Kiitos, kun kerroit. Kerroin sen valmentajallesi."
    await stale(bot, client, question, "Olin sairas", "Unohdin", "Jotain muuta")
    row = recorded(bot, meeting)
    assert row is not None and (row.reason_state, row.reason_text) == ("explained", "was ill")
    assert [k for k in rows(bot) if k.endswith((":ask", ":explained"))] == [
        f"attendance:{meeting}:ask",
        f"attendance:{meeting}:explained",
    ]
    assert alerts(bot) == []
