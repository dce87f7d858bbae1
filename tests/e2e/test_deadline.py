"""Knowing the absence-notice deadline before it passes, end to end: the card and the
client's /meetings name it, a morning reminder comes on the deadline's day (09.00 by
default, held by quiet hours, none after a notice, off in /settings) with "En pääse" on
it, and a client's /help says the rule in one sentence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.fakeapi import Conversation
from bot.fakeapi.models import BotMessage
from bot.meetings import actions as meeting_actions
from bot.meetings.notices import DEFAULT_QUIET
from storage.models import Meeting, MeetingKind, OutboxMessage, OutboxStatus, Person, Role
from tests.e2e.harness import Harness

pytestmark = pytest.mark.asyncio
HKI = ZoneInfo("Europe/Helsinki")
FAST = {"COACHBOT_OUTBOX_INTERVAL": 0.2}
TELL_TODAY = "Jos et pääse, kerro tänään viimeistään klo 12.00."


def hki(day: int, hour: int, minute: int = 0) -> datetime:
    """A Helsinki wall-clock time in November 2026 (Monday is the 23rd), as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=HKI).astimezone(UTC)


async def team(bot: Harness) -> tuple[dict[str, int], dict[str, Conversation]]:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    client = bot.add(Role.CLIENT, "Matti Meikäläinen", coach=coach, program="job-search")
    chats = {"coach": await bot.join(coach), "client": await bot.join(client)}
    return {"coach": coach, "client": client}, chats


def book(bot: Harness, ids: dict[str, int], *starts: datetime) -> list[int]:
    """Booked as the coach books: with the client's card and reminders."""

    def save(session):  # type: ignore[no-untyped-def]
        before = set(session.exec(select(Meeting.id)).all())
        meeting_actions.book(
            session, session.get(Person, ids["coach"]), client_id=ids["client"],
            kind=MeetingKind.INDIVIDUAL, starts=list(starts), duration=timedelta(hours=1),
            place="Kauppakatu 1", now=bot.clock(), tz=HKI,
            quiet=bot.services.settings.quiet_window,
        )  # fmt: skip
        return sorted(set(session.exec(select(Meeting.id)).all()) - before)

    return bot.db.call(save)


def deadline_rows(bot: Harness, meeting_id: int) -> list[OutboxMessage]:
    with bot.db.session() as session:
        found = session.exec(
            select(OutboxMessage)
            .where(
                OutboxMessage.kind == "deadline",
                OutboxMessage.object_ref == f"meeting:{meeting_id}",
            )
            .order_by(OutboxMessage.id)
        )
        return list(found)


def deadline_messages(chat: Conversation) -> list[BotMessage]:
    return [m for m in chat.messages if TELL_TODAY in (m.text or "")]


async def at_time(bot: Harness, chat: Conversation, instant: datetime) -> list[BotMessage]:
    """The clock moves on and the dispatcher sends what is due: the deadline reminders so far."""
    bot.clock.set(instant)  # type: ignore[union-attr]
    await bot.dispatcher.run_once()
    return deadline_messages(chat)


# --- the card and /meetings --------------------------------------------------------------
async def test_the_card_and_the_clients_meetings_name_the_deadline(database_url: str) -> None:
    async with Harness(database_url, now=hki(23, 9), **FAST) as bot:
        ids, chats = await team(bot)
        client = chats["client"]
        # Monday's at 09.00: its card comes now, a week ahead.
        book(bot, ids, hki(24, 10), datetime(2026, 11, 30, 9, 0, tzinfo=HKI))
        await bot.dispatcher.run_once()
        cards = [m for m in client.messages if (m.text or "").startswith("Uusi tapaaminen")]
        assert [c.text.split("\n")[-1] for c in cards if c.text] == [
            "Jos et pääse, kerro viimeistään ma 23.11. klo 12.00.",
            "Jos et pääse, kerro viimeistään pe 27.11. klo 12.00.",  # Monday's: the Friday
        ]

        listing = await client.say("/meetings")
        assert listing.text == (
            "Tulevat tapaamiset:\n"
            "ti 24.11.2026 klo 10.00–11.00: Yksilötapaaminen, Kaisa Koutsi, Kauppakatu 1\n"
            "Jos et pääse, kerro viimeistään ma 23.11. klo 12.00.\n"
            "ma 30.11.2026 klo 9.00–10.00: Yksilötapaaminen, Kaisa Koutsi, Kauppakatu 1\n"
            "Jos et pääse, kerro viimeistään pe 27.11. klo 12.00."
        )

        # Past noon: Tuesday's deadline has passed, and the list says to tell at once.
        bot.clock.set(hki(23, 13))  # type: ignore[union-attr]
        listing = await client.say("/meetings")
        assert listing.text is not None
        assert "Jos et pääse, kerro heti. Raja oli ma 23.11. klo 12.00." in listing.text
        # A notice given: the list says so instead of the deadline.
        pick = await client.say("en pääse maanantaina")
        assert pick.button_texts[1].startswith("☑ ma 30.11.")
        await client.press("Seuraava ▶", message=pick)
        await client.press("Toinen meno", message=pick)
        await client.press("✔ Lähetä", message=pick)
        listing = await client.say("/meetings")
        assert listing.text is not None
        assert listing.text.endswith("Kauppakatu 1\n❌ Olet kertonut, ettet pääse.")

        # Booked after its deadline: the card says to tell at once.
        book(bot, ids, hki(24, 15))
        await bot.dispatcher.run_once()
        [late] = [m for m in client.messages if "ti 24.11.2026 klo 15.00" in (m.text or "")]
        assert late.text is not None and late.text.startswith("Uusi tapaaminen\n")
        assert late.text.endswith("Jos et pääse, kerro heti. Raja oli ma 23.11. klo 12.00.")


# --- the morning reminder ----------------------------------------------------------------
async def test_the_deadline_days_reminder_comes_at_9_and_its_button_starts_a_notice(
    database_url: str,
) -> None:
    async with Harness(database_url, now=hki(23, 9), **FAST) as bot:
        ids, chats = await team(bot)
        client, coach = chats["client"], chats["coach"]
        [wednesday] = book(bot, ids, hki(25, 10))
        await bot.dispatcher.run_once()  # the card
        [row] = deadline_rows(bot, wednesday)
        assert (row.due_at, row.expires_at, row.quiet) == (hki(24, 9), hki(24, 12), True)

        assert await at_time(bot, client, hki(24, 8, 59)) == []
        [reminder] = await at_time(bot, client, hki(24, 9))
        assert reminder.text == (
            "Tapaamisesi: ke 25.11.2026 klo 10.00–11.00, Kaisa Koutsi\n" + TELL_TODAY
        )
        assert reminder.button_texts == ["En pääse"]

        why = await client.press("En pääse", message=reminder)
        assert why.text == "Miksi et pääse?"
        await client.press("Olen sairas", message=why)
        answer = await client.press("✔ Lähetä", message=why)
        assert answer.text == (
            "Kiitos. Valmentajallesi on kerrottu.\n"
            "ke 25.11. klo 10.00: Ilmoitit ajoissa. Raja oli ti 24.11. klo 12.00."
        )
        assert answer.button_texts == []
        # The reminder's button has done its work.
        await bot.fake.wait_until(lambda: reminder.button_texts == [], what="button gone")
        told = await bot.fake.wait_for_message(
            coach.user.id, predicate=lambda m: "ei pääse" in (m.text or "")
        )
        assert "Syy: sairaus." in (told.text or "")


async def test_a_monday_meetings_reminder_comes_on_friday_and_follows_a_move(
    database_url: str,
) -> None:
    async with Harness(database_url, now=hki(23, 9), **FAST) as bot:
        ids, chats = await team(bot)
        [monday] = book(bot, ids, datetime(2026, 11, 30, 10, 0, tzinfo=HKI))
        [row] = deadline_rows(bot, monday)
        assert row.due_at == hki(27, 9)  # Friday 09.00
        assert row.expires_at == hki(27, 12)

        def move(session):  # type: ignore[no-untyped-def]
            coach = session.get(Person, ids["coach"])
            return meeting_actions.move(
                session, coach, monday, datetime(2026, 11, 26, 13, 0, tzinfo=HKI),
                series=False, now=bot.clock(), tz=HKI, quiet=DEFAULT_QUIET,
            )  # fmt: skip

        assert bot.db.call(move) == 1
        old, new = deadline_rows(bot, monday)
        assert old.status == OutboxStatus.CANCELLED
        assert (new.status, new.due_at) == (OutboxStatus.PENDING, hki(25, 9))  # Wednesday

        def cancel(session):  # type: ignore[no-untyped-def]
            coach = session.get(Person, ids["coach"])
            return meeting_actions.cancel(session, coach, monday, series=False, now=bot.clock())

        assert bot.db.call(cancel) == 1
        assert [r.status for r in deadline_rows(bot, monday)] == [OutboxStatus.CANCELLED] * 2
        assert await at_time(bot, chats["client"], hki(27, 9)) == []


async def test_quiet_hours_hold_the_reminder(database_url: str) -> None:
    async with Harness(
        database_url, now=hki(23, 9), COACHBOT_QUIET_HOURS="21:00-10:00", **FAST
    ) as bot:
        ids, chats = await team(bot)
        client = chats["client"]
        [wednesday] = book(bot, ids, hki(25, 10))
        [row] = deadline_rows(bot, wednesday)
        assert row.due_at == hki(24, 10)
        assert await at_time(bot, client, hki(24, 9)) == []
        assert len(await at_time(bot, client, hki(24, 10))) == 1


async def test_no_reminder_when_quiet_hours_last_until_the_deadline(database_url: str) -> None:
    async with Harness(
        database_url, now=hki(23, 9), COACHBOT_QUIET_HOURS="21:00-12:00", **FAST
    ) as bot:
        ids, chats = await team(bot)
        [wednesday] = book(bot, ids, hki(25, 10))
        assert deadline_rows(bot, wednesday) == []  # it could only come after the deadline
        assert await at_time(bot, chats["client"], hki(24, 12)) == []


async def test_no_reminder_once_the_client_has_told_and_back_when_taken_back(
    database_url: str,
) -> None:
    async with Harness(database_url, now=hki(23, 9), **FAST) as bot:
        ids, chats = await team(bot)
        client = chats["client"]
        [wednesday] = book(bot, ids, hki(25, 10))
        await bot.dispatcher.run_once()

        pick = await client.say("en pääse keskiviikkona")
        assert pick.button_texts[0].startswith("☑ ke 25.11.")
        await client.press("Seuraava ▶", message=pick)
        await client.press("Toinen meno", message=pick)
        await client.press("✔ Lähetä", message=pick)
        assert [r.status for r in deadline_rows(bot, wednesday)] == [OutboxStatus.CANCELLED]
        assert await at_time(bot, client, hki(24, 9)) == []

        # Taken back on Tuesday at 10.30: the reminder (09.00) is past, it stays away.
        bot.clock.set(hki(24, 10, 30))  # type: ignore[union-attr]
        again = await client.say("/absent")
        choose = await client.press("Tulenkin sittenkin", message=again)
        await client.press("Tulen sittenkin: ke 25.11. klo 10.00", message=choose)
        assert [r.status for r in deadline_rows(bot, wednesday)] == [OutboxStatus.CANCELLED]
        assert await at_time(bot, client, hki(24, 12)) == []


async def test_taken_back_before_9_the_reminder_comes_after_all(database_url: str) -> None:
    async with Harness(database_url, now=hki(23, 9), **FAST) as bot:
        ids, chats = await team(bot)
        client = chats["client"]
        [wednesday] = book(bot, ids, hki(25, 10))
        await bot.dispatcher.run_once()  # the card
        pick = await client.say("olen kipeä keskiviikkona")
        confirm = await client.press("Seuraava ▶", message=pick, expect="edit")
        assert confirm.text == "Lähetetäänkö ilmoitus 1 tapaamisesta?\nSyy: Olen sairas"
        await client.press("✔ Lähetä", message=pick, expect="edit")
        bot.clock.set(hki(23, 15))  # type: ignore[union-attr]
        again = await client.say("/absent")
        choose = await client.press("Tulenkin sittenkin", message=again)
        await client.press("Tulen sittenkin: ke 25.11. klo 10.00", message=choose)
        assert [r.status for r in deadline_rows(bot, wednesday)] == [OutboxStatus.PENDING]
        assert len(await at_time(bot, client, hki(24, 9))) == 1


async def test_settings_move_or_switch_off_the_reminder_and_done_leaves_no_buttons(
    database_url: str,
) -> None:
    async with Harness(database_url, now=hki(23, 9), **FAST) as bot:
        ids, chats = await team(bot)
        client = chats["client"]
        [wednesday] = book(bot, ids, hki(25, 10))
        await bot.dispatcher.run_once()  # the card
        shown = await client.say("/settings")
        assert shown.text is not None and "Viimeisenä ilmoituspäivänä: 09.00" in shown.text
        later = await client.press("10.00", message=shown, expect="edit")
        assert later.text is not None and "Viimeisenä ilmoituspäivänä: 10.00" in later.text
        pending = [r for r in deadline_rows(bot, wednesday) if r.status == OutboxStatus.PENDING]
        assert [r.due_at for r in pending] == [hki(24, 10)]

        off = await client.press(callback_data="st:dl:off", message=shown, expect="edit")
        assert off.text is not None
        assert "Viimeisenä ilmoituspäivänä: ei muistutusta" in off.text
        assert all(r.status == OutboxStatus.CANCELLED for r in deadline_rows(bot, wednesday))
        with bot.db.session() as session:
            person = session.get(Person, ids["client"])
            assert person is not None and person.preferences["deadline"] is None

        done = await client.press("✔ Valmis", message=shown, expect="edit")
        assert done.text == off.text
        assert done.button_texts == []
        assert await at_time(bot, client, hki(24, 12)) == []

        # /cancel closes a /settings message too: no button stays on it.
        again = await client.say("/settings")
        assert again.button_texts
        await client.say("/cancel")
        await bot.fake.wait_until(lambda: again.button_texts == [], what="buttons gone")


# --- /help -------------------------------------------------------------------------------
async def test_a_clients_help_says_the_rule_in_one_sentence(database_url: str) -> None:
    async with Harness(database_url, now=hki(23, 9), **FAST) as bot:
        _, chats = await team(bot)
        rule = (
            "Jos et pääse tapaamiseen, kerro siitä viimeistään tapaamista edeltävänä "
            'arkipäivänä klo 12.00: paina "En pääse" tai kirjoita esimerkiksi '
            '"olen kipeä huomenna".'
        )
        shown = await chats["client"].say("/help")
        assert shown.text is not None and rule in shown.text
        coach_help = await chats["coach"].say("/help")
        assert coach_help.text is not None and "klo 12.00" not in coach_help.text
