"""Caseworker alerts end to end: /stop, /change, Acknowledge, the re-send, /alerts, restarts.

The real Application polls the fake Bot API; time is passed in with the harness Clock,
and the re-send job is run by hand the way the JobQueue runs it.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.alerts import jobs as alert_jobs
from bot.alerts.actions import raise_alert
from bot.fakeapi import Conversation, FakeTelegram
from bot.fakeapi.models import BotMessage, CallbackAnswer
from messages.i18n import translator
from messages.render import at
from storage import audit
from storage.db import Database
from storage.models import Alert, AlertKind, AuditEntry, OutboxMessage, Person, Role
from tests.e2e.harness import Clock, Harness

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
# Friday 20 November 2026, 14:00 in Helsinki: one working day later is Monday 14:00.
FRIDAY_14 = datetime(2026, 11, 20, 14, 0, tzinfo=HKI)
MONDAY_14 = datetime(2026, 11, 23, 14, 0, tzinfo=HKI)

STOP_QUESTION = (
    "Haluatko lopettaa palvelun?\n"
    "Jos haluat, kerron siitä valmentajallesi ja vastuuvirkailijallesi. "
    "He ottavat sinuun yhteyttä."
)
STOP_ALERT = "Hälytys: Matti Meikäläinen kertoo haluavansa lopettaa palvelun."
REFUSED = "Tämä painike ei ole enää voimassa."
FI = translator("fi")
CHOOSE_HINT = FI("Please choose with the buttons above, or /cancel to stop.")
# Conversation handlers are module objects that outlive each test's Application, so every
# test gets Telegram users of its own: a conversation left open elsewhere cannot leak in.
USER_IDS = itertools.count(70_000)


@dataclass
class Team:
    ids: dict[str, int]
    chats: dict[str, Conversation]

    def uid(self, who: str) -> int:
        return self.chats[who].user_id


@pytest.fixture
async def bot(database_url: str):  # type: ignore[no-untyped-def]
    # The outbox ticks rarely here: whatever arrives in a test's few seconds came "at once",
    # because the feature woke the outbox, not because a tick happened by.
    async with Harness(
        database_url, now=FRIDAY_14.astimezone(UTC), COACHBOT_OUTBOX_INTERVAL=600
    ) as harness:
        yield harness


def team(bot: Harness) -> Team:
    """A coach with two clients, each with their own caseworker, and a provider admin."""
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija")
    other_worker = bot.add(Role.CASEWORKER, "Outi Ojala")
    admin = bot.add(Role.ADMIN, "Aino Ylläpito")
    client = bot.add(Role.CLIENT, "Matti Meikäläinen", coach=coach, caseworker=worker)
    other = bot.add(Role.CLIENT, "Liisa Lahtinen", coach=coach, caseworker=other_worker)
    ids = {
        "coach": coach,
        "worker": worker,
        "other_worker": other_worker,
        "admin": admin,
        "client": client,
        "other": other,
    }
    chats = {
        name: bot.fake.chat(bot.link(person, user_id=next(USER_IDS)))
        for name, person in ids.items()
    }
    return Team(ids, chats)


def clock(bot: Harness) -> Clock:
    assert isinstance(bot.clock, Clock)
    return bot.clock


def alerts(bot: Harness) -> list[Alert]:
    with bot.db.session() as session:
        return list(session.exec(select(Alert).order_by(Alert.id)))  # type: ignore[arg-type]


def audited(bot: Harness, action: str) -> list[AuditEntry]:
    with bot.db.session() as session:
        return audit.entries(session, action=action)


def again_rows(bot: Harness) -> list[OutboxMessage]:
    with bot.db.session() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "alert")).all()
        return [r for r in rows if ":again:" in r.idempotency_key]


def raise_for(db: Database, client_id: int, kind: AlertKind, now: datetime, **facts: Any) -> int:
    """Raise an alert the way the features do: in their own transaction."""

    def go(session):  # type: ignore[no-untyped-def]
        client = session.get(Person, client_id)
        return raise_alert(session, kind=kind, client=client, facts=facts, now=now).id

    return db.call(go)


async def forged_press(bot: Harness, chat: Conversation, data: str) -> CallbackAnswer:
    """A press with data the user was never shown (a forged or replayed callback)."""
    message = chat.last
    query = await bot.fake.press_button(
        chat.user_id, message.message_id if message else 1, data, strict=False
    )
    return await bot.fake.wait_for_answer(query)


async def alert_message(fake: FakeTelegram, uid: int, start: str = "Hälytys") -> BotMessage:
    return await fake.wait_for_message(uid, predicate=lambda m: (m.text or "").startswith(start))


def listed(client: str, kind: str, at: str, age: str = "today") -> str:
    """One line of /alerts: raised on Friday 20.11. at `at`, `age` ago."""
    return FI("{client}: {kind} ({when}, {age})", client=client, kind=kind,
              when=f"pe 20.11. klo {at}", age=FI(age))  # fmt: skip


async def run_resend_job(bot: Harness) -> None:
    assert bot.app is not None and bot.app.job_queue is not None
    [job] = bot.app.job_queue.get_jobs_by_name(alert_jobs.JOB_NAME)
    await job.run(bot.app)


async def client_stops(bot: Harness, t: Team) -> BotMessage:
    """The client confirms /stop; returns the bot's answer."""
    question = await t.chats["client"].say("/stop")
    assert question.text == STOP_QUESTION
    return await t.chats["client"].press("Kyllä, haluan lopettaa", message=question)


# --- /stop ------------------------------------------------------------------------------
async def test_stop_with_confirmation_reaches_the_caseworker_and_the_coach_at_once(
    bot: Harness,
) -> None:
    t = team(bot)
    client = t.chats["client"]

    refused = await t.chats["coach"].say("/stop")
    assert refused.text is not None and "/stop" in refused.text and refused.buttons == []

    first = await client.say("/stop")
    assert first.text == STOP_QUESTION
    assert first.button_texts == ["Kyllä, haluan lopettaa", "En, jatkan"]
    no = await client.press("En, jatkan", message=first)
    assert no.text == "Hyvä. Jatketaan niin kuin ennenkin. Voit puhua asiasta valmentajasi kanssa."
    assert no.buttons == []
    assert alerts(bot) == []

    # Plain words ask the same question (the free-text recognizer calls ask_to_stop).
    question = await client.say("haluan lopettaa")
    assert question.text == STOP_QUESTION
    began = time.monotonic()
    answer = await client.press("Kyllä, haluan lopettaa", message=question)
    assert answer.text == (
        "Kiitos, kun kerroit. Valmentajasi ja vastuuvirkailijasi ottavat sinuun pian yhteyttä."
    )
    alert = await alert_message(bot.fake, t.uid("worker"))
    told = await bot.fake.wait_for_message(
        t.uid("coach"), predicate=lambda m: "lopettaa" in (m.text or "")
    )
    assert time.monotonic() - began < 5  # at once: the outbox's own tick is 10 minutes away
    assert alert.text == STOP_ALERT
    assert alert.button_texts == ["Kuittaa"]
    assert told.text == (
        "Matti Meikäläinen kertoo haluavansa lopettaa palvelun. "
        "Myös vastuuvirkailija on saanut hälytyksen. Ota yhteyttä asiakkaaseen."
    )
    [stored] = alerts(bot)
    assert stored.kind == AlertKind.CLIENT_STOPS
    assert stored.facts == {"client": "Matti Meikäläinen"}
    assert (stored.caseworker_id, stored.coach_id) == (t.ids["worker"], t.ids["coach"])
    # Other people's chats got nothing about it.
    for who in ("other_worker", "admin", "other"):
        assert not any("Matti" in (m.text or "") for m in t.chats[who].messages)

    # A stale confirmation, or the answered one pressed again, raises nothing more.
    stale = await bot.fake.press_button(client.user_id, first.message_id, "sp:yes", strict=False)
    assert (await bot.fake.wait_for_answer(stale)).text == REFUSED
    again = await forged_press(bot, client, "sp:yes")
    assert again.text == REFUSED and again.show_alert
    assert len(alerts(bot)) == 1


async def test_only_a_client_may_confirm_stopping(bot: Harness) -> None:
    t = team(bot)
    answer = await forged_press(bot, t.chats["coach"], "sp:yes")
    assert answer.text == REFUSED
    assert alerts(bot) == []


# --- /change ----------------------------------------------------------------------------
async def test_change_reaches_the_caseworker_with_category_and_note(bot: Harness) -> None:
    t = team(bot)
    coach = t.chats["coach"]
    first = await coach.say("/change")
    assert first.text == "Ilmoita merkittävä muutos. Kuka asiakas?"
    assert first.button_texts == ["Liisa Lahtinen", "Matti Meikäläinen", "✖ Peru"]
    hint = await coach.say("Matti")
    assert hint.text == CHOOSE_HINT
    step = await coach.press("Matti Meikäläinen", message=first)
    assert step.text == "Matti Meikäläinen: mikä on muuttunut?"
    assert step.button_texts == [
        "Tilanne tai suunnitelma on muuttunut",
        "Tarvitaan jokin muu palvelu",
        "Tavoitteet eivät ole enää realistisia",
        "Ristiriita työpaikalla",
        "Palvelun keskeyttäminen näyttää perustellulta",
        "◀ Takaisin",
        "✖ Peru",
    ]
    back = await coach.press("◀ Takaisin", message=step)
    assert back.text == "Ilmoita merkittävä muutos. Kuka asiakas?"
    await coach.press("Matti Meikäläinen", message=back)
    ask = await coach.press("Ristiriita työpaikalla")
    assert ask.text == (
        "Matti Meikäläinen: ristiriita työpaikalla.\n"
        "Kuvaile muutos muutamalla lauseella. Vastuuvirkailija lukee tämän, joten kirjoita "
        "vain se, mitä hänen tarvitsee tietää. (/cancel lopettaa)"
    )
    # A button where text is expected gets a hint; nothing is sent.
    hint_answer = await forged_press(bot, coach, "ch:k:goals")
    assert hint_answer.text == "Kirjoita kuvaus tekstinä, tai /cancel lopettaa."
    assert alerts(bot) == []

    note = "Riita esihenkilön kanssa. Asiakas ei halua palata työpaikalle."
    done = await coach.say(note)
    assert done.text == (
        "Lähetetty. Vastuuvirkailija saa hälytyksen nyt. Saat tiedon, kun hän kuittaa sen."
    )
    alert = await alert_message(bot.fake, t.uid("worker"))
    assert alert.text == (
        "Hälytys valmentajalta Kaisa Koutsi: merkittävä muutos, asiakas Matti Meikäläinen: "
        f"ristiriita työpaikalla. {note}"
    )
    assert alert.button_texts == ["Kuittaa"]
    [stored] = alerts(bot)
    assert stored.kind == AlertKind.SIGNIFICANT_CHANGE
    assert stored.facts == {
        "client": "Matti Meikäläinen",
        "coach": "Kaisa Koutsi",
        "category": {"$msg": "a conflict at the workplace"},
        "note": note,
    }
    assert not any("Matti" in (m.text or "") for m in t.chats["other_worker"].messages)


async def test_change_can_be_cancelled_and_is_only_for_coaches(bot: Harness) -> None:
    t = team(bot)
    coach = t.chats["coach"]
    await coach.say("/change")
    await coach.press("Liisa Lahtinen")
    await coach.press("Tarvitaan jokin muu palvelu")
    stopped = await coach.say("/cancel")
    assert stopped.text == "Lopetettu. Mitään ei lähetetty."
    # Another coach's client cannot be chosen with forged data.
    await coach.say("/change")
    forged = await forged_press(bot, coach, f"ch:c:{t.ids['worker']}")
    assert forged.text == REFUSED
    assert alerts(bot) == []

    client = t.chats["client"]
    refused = await client.say("/change")
    assert refused.text is not None and "/change" in refused.text
    # The refused entry did not leave a conversation open: text goes on as usual.
    answer = await client.say("hei")
    assert answer.text is not None and "/cancel" not in answer.text


# --- acknowledging ----------------------------------------------------------------------
async def test_acknowledging_is_recorded_and_the_coach_is_told(bot: Harness) -> None:
    t = team(bot)
    await client_stops(bot, t)
    alert = await alert_message(bot.fake, t.uid("worker"))
    [stored] = alerts(bot)

    # Someone else's presses are refused politely, and change nothing.
    for who, data in [
        ("other_worker", f"al:{stored.id}:ack"),
        ("client", f"al:{stored.id}:ack"),
        ("coach", f"al:{stored.id}:ack"),
        ("other_worker", f"al:{stored.id}:list"),
        ("worker", "al:abc:ack"),
        ("worker", f"al:{stored.id}:delete"),
        ("worker", f"al:{stored.id + 1000}:ack"),
    ]:
        answer = await forged_press(bot, t.chats[who], data)
        assert (answer.text, answer.show_alert) == (REFUSED, True), (who, data)
    [unchanged] = alerts(bot)
    assert unchanged.acknowledged_at is None and unchanged.acknowledged_by is None
    assert len(audited(bot, "alert.denied")) == 5  # the well-formed ones reach the check

    clock(bot).set(FRIDAY_14.astimezone(UTC) + timedelta(minutes=20))
    worker = t.chats["worker"]
    query = await worker.click("Kuittaa", message=alert)
    assert (await worker.answer(query)).text == "Kuitattu. Valmentajalle kerrotaan."
    edited = await worker.edit(alert.message_id)
    assert edited.text == f"{STOP_ALERT}\n\n✅ Kuitannut: Ville Virkailija"
    assert edited.buttons == []
    told = await bot.fake.wait_for_message(
        t.uid("coach"), predicate=lambda m: "kuittasi" in (m.text or "")
    )
    assert told.text == "Ville Virkailija kuittasi hälytyksen asiakkaasta Matti Meikäläinen."
    [acked] = alerts(bot)
    assert acked.acknowledged_at == FRIDAY_14.astimezone(UTC) + timedelta(minutes=20)
    assert acked.acknowledged_by == t.ids["worker"]
    assert [e.actor_id for e in audited(bot, "alert.ack")] == [t.ids["worker"]]

    # An admin may press too; it was already done, so nothing changes and nobody is told again.
    late = await forged_press(bot, t.chats["admin"], f"al:{stored.id}:ack")
    assert late.text == "Ville Virkailija on jo kuitannut tämän hälytyksen."
    assert alerts(bot)[0].acknowledged_by == t.ids["worker"]
    await t.chats["coach"].silence(0.5)
    assert len([m for m in t.chats["coach"].messages if "kuittasi" in (m.text or "")]) == 1


# --- sent again after one working day ---------------------------------------------------
async def test_an_unacknowledged_alert_is_sent_again_after_one_working_day(bot: Harness) -> None:
    t = team(bot)
    await client_stops(bot, t)
    await alert_message(bot.fake, t.uid("worker"))

    for instant in (
        datetime(2026, 11, 21, 14, 0, tzinfo=HKI),  # Saturday
        datetime(2026, 11, 23, 9, 0, tzinfo=HKI),  # Monday morning
        MONDAY_14 - timedelta(seconds=1),
    ):
        clock(bot).set(instant.astimezone(UTC))
        await run_resend_job(bot)
        assert again_rows(bot) == [], instant

    clock(bot).set(MONDAY_14.astimezone(UTC))
    await run_resend_job(bot)
    expected = f"Ei vielä kuitattu. {STOP_ALERT}"
    to_worker = await alert_message(bot.fake, t.uid("worker"), "Ei vielä kuitattu")
    to_admin = await alert_message(bot.fake, t.uid("admin"), "Ei vielä kuitattu")
    assert to_worker.text == to_admin.text == expected
    assert to_worker.button_texts == to_admin.button_texts == ["Kuittaa"]

    # Exactly once: later runs of the job send nothing more.
    clock(bot).set((MONDAY_14 + timedelta(hours=1)).astimezone(UTC))
    await run_resend_job(bot)
    await run_resend_job(bot)
    assert sorted(r.recipient_id for r in again_rows(bot)) == sorted(
        [t.ids["worker"], t.ids["admin"]]
    )
    await t.chats["admin"].silence(0.5)
    assert [m.text for m in t.chats["admin"].messages] == [expected]
    [stored] = alerts(bot)
    assert stored.resent_at == MONDAY_14.astimezone(UTC)

    # The admin acknowledges the copy they got; the coach is told who did it.
    admin = t.chats["admin"]
    edited = await admin.press("Kuittaa", message=to_admin, expect="edit")
    assert edited.text == f"{expected}\n\n✅ Kuitannut: Aino Ylläpito"
    told = await bot.fake.wait_for_message(
        t.uid("coach"), predicate=lambda m: "kuittasi" in (m.text or "")
    )
    assert told.text == "Aino Ylläpito kuittasi hälytyksen asiakkaasta Matti Meikäläinen."
    assert alerts(bot)[0].acknowledged_by == t.ids["admin"]


# --- /alerts ----------------------------------------------------------------------------
async def test_alerts_lists_only_the_open_alerts_of_ones_own_clients(bot: Harness) -> None:
    t = team(bot)
    now = FRIDAY_14.astimezone(UTC)
    mine = raise_for(bot.db, t.ids["client"], AlertKind.CLIENT_STOPS, now)
    raise_for(
        bot.db,
        t.ids["other"],
        AlertKind.NO_SHOW_UNKNOWN,
        now + timedelta(hours=1),
        when=at(now - timedelta(days=1)),
    )
    done = raise_for(bot.db, t.ids["client"], AlertKind.REPEATED_NO_SHOWS, now, dates="x")
    with bot.db.session() as session:
        alert = session.get(Alert, done)
        assert alert is not None
        alert.acknowledged_at, alert.acknowledged_by = now, t.ids["worker"]
        session.add(alert)

    # Let the pushed alerts arrive first, so the replies below are the lists.
    clock(bot).set(now + timedelta(hours=2))
    bot.dispatcher.wake()
    await bot.fake.wait_until(lambda: len(bot.fake.messages_to(t.uid("worker"))) == 2)
    await alert_message(bot.fake, t.uid("other_worker"))
    worker = t.chats["worker"]
    listing = await worker.say("/alerts")
    assert listing.text == (
        "1 avoin hälytys:\n1. " + listed("Matti Meikäläinen", "haluaa lopettaa palvelun", "14.00")
    )
    assert listing.buttons == [[("Kuittaa 1", f"al:{mine}:list")]]
    theirs = await t.chats["other_worker"].say("/alerts")
    assert theirs.text == (
        "1 avoin hälytys:\n1. " + listed("Liisa Lahtinen", "ei tullut, syy ei tiedossa", "15.00")
    )
    everyone = await t.chats["admin"].say("/alerts")
    assert everyone.text == (
        "2 avointa hälytystä:\n"
        f"1. {listed('Matti Meikäläinen', 'haluaa lopettaa palvelun', '14.00')}\n"
        f"2. {listed('Liisa Lahtinen', 'ei tullut, syy ei tiedossa', '15.00')}"
    )
    for who in ("client", "coach"):
        refused = await t.chats[who].say("/alerts")
        assert refused.text is not None and "/alerts" in refused.text
        assert "Matti" not in refused.text and "Liisa" not in refused.text

    # Acknowledging from the list redraws it.
    redrawn = await worker.press("Kuittaa 1", message=listing, expect="edit")
    assert redrawn.text == "Ei avoimia hälytyksiä."
    assert redrawn.buttons == []
    assert (await worker.say("/alerts")).text == "Ei avoimia hälytyksiä."
    views = audited(bot, "alerts.view")
    assert t.ids["worker"] in {e.actor_id for e in views}


# --- nothing is lost over a restart -----------------------------------------------------
async def test_an_alert_raised_while_the_bot_is_stopped_arrives_after_the_restart(
    database_url: str,
) -> None:
    now = FRIDAY_14.astimezone(UTC)
    async with FakeTelegram() as fake:
        first = Harness(database_url, fake=fake, now=now)
        worker = first.add(Role.CASEWORKER, "Ville Virkailija")
        client = first.add(Role.CLIENT, "Matti Meikäläinen", caseworker=worker)
        uid = first.link(worker)
        async with first:
            await fake.wait_for_updates_taken()
        assert fake.messages_to(uid) == []

        db = Database(database_url)
        try:
            raise_for(db, client, AlertKind.CLIENT_STOPS, now)
        finally:
            db.dispose()

        async with Harness(database_url, fake=fake, now=now + timedelta(minutes=5)):
            alert = await alert_message(fake, uid)
            assert alert.text == STOP_ALERT
            assert alert.button_texts == ["Kuittaa"]


# --- stale buttons ----------------------------------------------------------------------
def written(bot: Harness) -> tuple[object, ...]:
    """Everything a press could write: alerts and their acknowledgement, queued messages."""
    with bot.db.session() as session:
        raised = [
            (a.id, a.acknowledged_at, a.acknowledged_by)
            for a in session.exec(select(Alert).order_by(Alert.id))  # type: ignore[arg-type]
        ]
        queued = sorted(r.idempotency_key for r in session.exec(select(OutboxMessage)))
    return raised, queued


async def stale_presses(bot: Harness, chat: Conversation, message_id: int, *data: str) -> None:
    """Each press is answered "no longer valid"; nothing is written, sent or edited."""
    before, seen, edits = written(bot), len(chat.messages), bot.fake.count("editMessageText")
    for pressed in data:
        query = await bot.fake.press_button(chat.user_id, message_id, pressed, strict=False)
        answer = await bot.fake.wait_for_answer(query)
        assert (answer.text, answer.show_alert) == (REFUSED, True), pressed
    await chat.silence()
    assert (written(bot), len(chat.messages)) == (before, seen)
    assert bot.fake.count("editMessageText") == edits


async def test_stop_buttons_go_stale_when_asked_again_or_answered(bot: Harness) -> None:
    t = team(bot)
    client = t.chats["client"]
    first = await client.say("/stop")
    second = await client.say("haluan lopettaa")  # asked again: the first copy is stale
    assert first.text == second.text == STOP_QUESTION
    await stale_presses(bot, client, first.message_id, "sp:yes", "sp:no")
    declined = await client.press("En, jatkan", message=second)
    assert declined.message_id == second.message_id and declined.buttons == []
    await stale_presses(bot, client, second.message_id, "sp:yes", "sp:no")
    assert alerts(bot) == []

    third = await client.say("/stop")
    done = await client.press("Kyllä, haluan lopettaa", message=third)
    assert done.text is not None and done.text.startswith("Kiitos, kun kerroit.")
    await alert_message(bot.fake, t.uid("worker"))
    await stale_presses(bot, client, third.message_id, "sp:yes", "sp:no")
    for message in (first, second, third):
        await stale_presses(bot, client, message.message_id, "sp:maybe", "sp:yes:1")
    # Told once: one alert to the caseworker, one message to the coach.
    [raised] = alerts(bot)
    assert len([m for m in t.chats["worker"].messages if m.text == STOP_ALERT]) == 1
    assert len([m for m in t.chats["coach"].messages if "lopettaa" in (m.text or "")]) == 1
    assert raised.acknowledged_at is None


async def test_acknowledge_pressed_again_or_forged_changes_nothing(bot: Harness) -> None:
    t = team(bot)
    await client_stops(bot, t)
    pushed = await alert_message(bot.fake, t.uid("worker"))
    worker = t.chats["worker"]
    listing = await worker.say("/alerts")
    [stored] = alerts(bot)
    assert listing.buttons == [[("Kuittaa 1", f"al:{stored.id}:list")]]

    marked = await worker.press("Kuittaa", message=pushed, expect="edit")
    assert marked.text == f"{STOP_ALERT}\n\n✅ Kuitannut: Ville Virkailija"
    await bot.fake.wait_for_message(
        t.uid("coach"), predicate=lambda m: "kuittasi" in (m.text or "")
    )
    before, edits = written(bot), bot.fake.count("editMessageText")

    # The same button again (a double tap, or a second device): said, not done again.
    query = await bot.fake.press_button(
        worker.user_id, pushed.message_id, f"al:{stored.id}:ack", strict=False
    )
    answer = await bot.fake.wait_for_answer(query)
    assert answer.text == "Ville Virkailija on jo kuitannut tämän hälytyksen."
    assert bot.fake.count("editMessageText") == edits  # marked once
    # The list shown before: the press says so and redraws the list without it.
    redrawn = await worker.press("Kuittaa 1", message=listing, expect="edit")
    assert redrawn.text == "Ei avoimia hälytyksiä." and redrawn.buttons == []
    assert written(bot) == before
    assert [e.actor_id for e in audited(bot, "alert.ack")] == [t.ids["worker"]]
    await t.chats["coach"].silence(0.5)
    assert len([m for m in t.chats["coach"].messages if "kuittasi" in (m.text or "")]) == 1

    # Forged ids and shapes: the polite refusal, and nothing changes.
    denied = len(audited(bot, "alert.denied"))
    forged = [f"al:{stored.id + 1000}:ack", f"al:{stored.id + 1000}:list", "al:99999999:ack"]
    await stale_presses(
        bot, worker, pushed.message_id, *forged, f"al:{stored.id}:undo", "al:-1:ack", "al:1"
    )
    assert len(audited(bot, "alert.denied")) == denied + len(forged)
