"""Onboarding, roles, languages and errors: the real bot against the fake Bot API over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from storage import audit
from storage.models import AuditEntry, Person, Role
from tests.e2e.harness import Harness

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def bot(database_url: str):  # type: ignore[no-untyped-def]
    async with Harness(database_url) as harness:
        yield harness


def team(bot: Harness, client_language: str = "fi") -> dict[str, int]:
    coach = bot.add(Role.COACH, "Kaisa Koutsi")
    worker = bot.add(Role.CASEWORKER, "Ville Virkailija")
    client = bot.add(
        Role.CLIENT,
        "Matti Meikäläinen",
        language=client_language,
        coach=coach,
        caseworker=worker,
        program="job-search",
    )
    return {"coach": coach, "caseworker": worker, "client": client}


GREETINGS = {
    "fi": ("Hei Matti Meikäläinen! Olet nyt yhteydessä Coachbotiin.", "Roolisi: asiakas."),
    "sv": ("Hej Matti Meikäläinen! Du är nu ansluten till Coachbot.", "Din roll: klient."),
    "en": ("Hello Matti Meikäläinen! You are now connected to Coachbot.", "Your role: client."),
}
USED = {
    "fi": "Tämä kutsulinkki on jo käytetty.",
    "sv": "Den här inbjudningslänken har redan använts.",
    "en": "This invite link has already been used.",
}
MENU_HELP = {
    "fi": "Mitä voin tehdä sinulle",
    "sv": "Vad jag kan göra för dig",
    "en": "What I can do for you",
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_invite_onboarding_in_each_language(bot: Harness, language: str) -> None:
    ids = team(bot, client_language=language)
    uid = bot.user_id()
    chat = bot.fake.chat(uid, first_name="Matti", language_code="fi")
    code = bot.invite(ids["client"])
    reply = await chat.say(f"/start {code}")
    greeting, role_line = GREETINGS[language]
    assert reply.text is not None
    assert reply.text.startswith(greeting)
    assert role_line in reply.text and "/me" in reply.text and "/clients" not in reply.text
    # The client's own menu, in their language, for their chat only.
    menu = dict(bot.fake.commands(scope_chat_id=uid))
    assert set(menu) == {
        "help",
        "meetings",
        "absent",
        "goals",
        "progress",
        "me",
        "settings",
        "language",
        "stop",
    }
    assert menu["help"] == MENU_HELP[language]
    with bot.db.session() as session:
        person = session.get(Person, ids["client"])
        assert person is not None and person.telegram_user_id == uid
        assert audit.entries(session, action="person.link")[0].subject_id == ids["client"]
    # The link works once: the next /start with it is refused, even from the same account.
    again = await chat.say(f"/start {code}")
    assert again.text is not None and again.text.startswith(USED[language])


async def test_coach_and_caseworker_get_their_own_menus(bot: Harness) -> None:
    ids = team(bot)
    coach_chat = await bot.join(ids["coach"])
    assert coach_chat.last is not None and "/clients" in (coach_chat.last.text or "")
    assert set(dict(bot.fake.commands(scope_chat_id=coach_chat.user.id))) == {
        "help",
        "meetings",
        "change",
        "schedule",
        "period",
        "interim",
        "log",
        "diary",
        "goals",
        "progress",
        "me",
        "clients",
        "settings",
        "language",
    }
    admin = bot.add(Role.ADMIN, "Aino Ylläpito")
    admin_chat = await bot.join(admin)
    assert "people" in dict(bot.fake.commands(scope_chat_id=admin_chat.user.id))
    # Strangers see the default menu, in the default language and per Telegram language.
    assert [name for name, _ in bot.fake.commands()] == ["start", "help"]
    assert dict(bot.fake.commands(language_code="sv"))["start"] == "Gå med via din inbjudningslänk"


async def test_wrong_used_and_expired_codes(bot: Harness) -> None:
    ids = team(bot)
    chat = bot.fake.chat(bot.user_id(), language_code="fi")
    unknown = await chat.say("/start ThisIsNotARealInviteCode123")
    assert unknown.text == (
        "En löytänyt tätä kutsua. Tarkista, että avasit koko linkin, "
        "tai pyydä valmentajaltasi uusi."
    )
    expired_code = bot.invite(ids["client"], now=datetime.now(UTC) - timedelta(days=8))
    expired = await chat.say(f"/start {expired_code}")
    assert expired.text == "Tämä kutsulinkki on vanhentunut. Pyydä valmentajaltasi uusi linkki."

    code = bot.invite(ids["client"])
    await bot.fake.chat(bot.user_id()).say(f"/start {code}")
    used = await chat.say(f"/start {code}")
    assert used.text is not None and used.text.startswith("Tämä kutsulinkki on jo käytetty.")
    # None of these replies names anybody.
    for message in bot.fake.messages_to(chat.user.id):
        assert "Matti" not in (message.text or "") and "Kaisa" not in (message.text or "")


async def test_repeated_wrong_codes_are_slowed_down(bot: Harness) -> None:
    ids = team(bot)
    chat = bot.fake.chat(bot.user_id(), language_code="en")
    for i in range(5):
        reply = await chat.say(f"/start wrongcode{i:010d}")
        assert reply.text is not None and reply.text.startswith("I could not find this invite")
    good = bot.invite(ids["client"])
    slowed = await chat.say(f"/start {good}")
    assert slowed.text == "Too many attempts. Please wait 1 minute and try again."
    with bot.db.session() as session:
        person = session.get(Person, ids["client"])
        assert person is not None and person.telegram_user_id is None


async def test_one_account_cannot_become_two_people(bot: Harness) -> None:
    ids = team(bot)
    chat = await bot.join(ids["client"])
    coach_code = bot.invite(ids["coach"])
    refused = await chat.say(f"/start {coach_code}")
    assert refused.text is not None and refused.text.startswith(
        "Tämä Telegram-tili on jo yhdistetty Coachbotiin toiselle henkilölle."
    )
    with bot.db.session() as session:
        coach = session.get(Person, ids["coach"])
        assert coach is not None and coach.telegram_user_id is None


async def test_a_stranger_learns_how_to_join_and_nothing_else(bot: Harness) -> None:
    team(bot)
    chat = bot.fake.chat(bot.user_id(), language_code="sv-FI")
    for text in ["/start", "hej", "/clients", "/me", "/people", "/language"]:
        reply = await chat.say(text)
        assert reply.text is not None and reply.text.startswith("Hej! Jag är Coachbot"), text
        assert "Matti" not in reply.text and "Kaisa" not in reply.text
    help_reply = await chat.say("/help")
    assert help_reply.text is not None and "/start" in help_reply.text


async def test_a_role_refuses_another_roles_command(bot: Harness) -> None:
    ids = team(bot)
    client_chat = await bot.join(ids["client"])
    refusal = await client_chat.say("/clients")
    assert refusal.text == (
        "Komento /clients ei ole käytössäsi: se on tarkoitettu näille: valmentajat ja "
        "vastuuvirkailijat. Komento /help kertoo, mitä voit tehdä."
    )
    coach_chat = await bot.join(ids["coach"], language_code="en")
    people_refusal = await coach_chat.say("/people")
    assert people_refusal.text is not None
    assert people_refusal.text.startswith(
        "Komento /people ei ole käytössäsi: se on tarkoitettu näille: palvelun ylläpitäjät"
    )
    schedule_refusal = await client_chat.say("/schedule")
    assert schedule_refusal.text is not None
    assert schedule_refusal.text.startswith("Komento /schedule ei ole käytössäsi")
    unknown = await client_chat.say("/frobnicate")
    assert unknown.text == "En tunne tätä komentoa. Komento /help kertoo, mitä voit tehdä."


async def test_clients_lists_only_own_clients_and_is_audited(bot: Harness) -> None:
    ids = team(bot)
    other_coach = bot.add(Role.COACH, "Olli Toinen")
    bot.add(Role.CLIENT, "Salainen Asiakas", coach=other_coach, program="ips")
    coach_chat = await bot.join(ids["coach"])
    reply = await coach_chat.say("/clients")
    assert reply.text is not None
    assert reply.text.startswith("Sinulla on 1 asiakas:")
    assert "Matti Meikäläinen: Työnhakuvalmennus, alkaen ma 2.11.2026 (ei vielä liittynyt)" in (
        reply.text
    )
    assert "Salainen" not in reply.text
    worker_chat = await bot.join(ids["caseworker"])
    worker_reply = await worker_chat.say("/clients")
    assert worker_reply.text is not None and "Matti Meikäläinen" in worker_reply.text
    with bot.db.session() as session:
        views = session.exec(select(AuditEntry).where(AuditEntry.action == "clients.view")).all()
    assert {v.actor_id for v in views} == {ids["coach"], ids["caseworker"]}


async def test_me_shows_a_client_their_contacts(bot: Harness) -> None:
    ids = team(bot)
    chat = await bot.join(ids["client"])
    reply = await chat.say("/me")
    assert reply.text is not None
    for line in [
        "Nimi: Matti Meikäläinen",
        "Rooli: asiakas",
        "Valmentaja: Kaisa Koutsi",
        "Vastuuvirkailija: Ville Virkailija",
        "Palvelu: Työnhakuvalmennus",
        "Jakso: alkaen ma 2.11.2026",
    ]:
        assert line in reply.text


async def test_language_switch_changes_texts_and_menu(bot: Harness) -> None:
    ids = team(bot)
    chat = await bot.join(ids["client"])
    menu = await chat.say("/language")
    assert menu.text == "Valitse kieli:"
    assert menu.button_texts == ["Suomi", "Svenska", "English"]
    edited = await chat.press("Svenska")
    assert edited.text == "Språket är bytt. Jag talar svenska med dig nu."
    help_reply = await chat.say("/help")
    assert help_reply.text is not None and help_reply.text.startswith("Din roll: klient.")
    assert (
        dict(bot.fake.commands(scope_chat_id=chat.user.id))["me"] == "Mina uppgifter och kontakter"
    )
    with bot.db.session() as session:
        person = session.get(Person, ids["client"])
        assert person is not None and person.language == "sv"


async def test_forged_and_stale_buttons_are_refused_politely(bot: Harness) -> None:
    ids = team(bot)
    chat = await bot.join(ids["client"])
    menu = await chat.say("/language")
    query = await bot.fake.press_button(chat.user.id, menu.message_id, "lang:de", strict=False)
    answer = await chat.answer(query)
    assert answer.text == "Tämä painike ei ole enää voimassa." and answer.show_alert
    query = await bot.fake.press_button(
        chat.user.id, menu.message_id, "meeting:999:confirm", strict=False
    )
    answer = await chat.answer(query)
    assert answer.text == "Tämä painike ei ole enää voimassa."
    with bot.db.session() as session:
        person = session.get(Person, ids["client"])
        assert person is not None and person.language == "fi"


async def test_huge_and_odd_messages_get_a_polite_answer(bot: Harness) -> None:
    ids = team(bot)
    chat = await bot.join(ids["client"])
    for text in ["🙂" * 1000, "\u202etekstiä\u200b\u0000", "x" * 4096, "/start " + "ä" * 300]:
        reply = await chat.say(text)
        assert reply.text is not None
        assert "/help" in reply.text or "kutsua" in reply.text


@pytest.mark.handler_errors_expected
async def test_the_error_handler_answers_in_the_users_language(
    bot: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ids = team(bot)
    chat = await bot.join(ids["coach"])

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr("storage.people.clients_of", broken)
    reply = await chat.say("/clients")
    assert reply.text == (
        "Pahoittelen, tapahtui virhe. Mitään lähettämääsi ei kadonnut. "
        "Yritä hetken päästä uudelleen."
    )
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "coachbot.errors")
    assert "RuntimeError" in logged
    assert "Kaisa" not in logged and "/clients" not in logged
