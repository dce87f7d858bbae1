"""/people: the provider admin's overview of who is in the service and who has joined,
and, with buttons, the same people management as `coachbot people` [issue 12 §7].

overview → role → person → deactivate (a coach's or caseworker's successor chosen from
buttons when they have active clients) | reactivate | change a client's coach → confirm.
Every change is confirmed first and made by bot.people.actions in one transaction (which
checks the rule again: a person changed meanwhile is refused, nothing written). Buttons
carry ids and short codes only (`pp:p:12`); each press is checked: the admin's role, this
run's message (Flow), and that the id pressed is one this step offered. Back and /cancel
work at every step; a press of another step or an earlier run is "no longer valid".
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application, BaseHandler, ConversationHandler

from bot.commands import ROLE_GROUPS, ROLE_NAMES
from bot.onboarding import actions as onboarding
from bot.people import actions
from handlers.ui import Flow, Steps, Turn, nav_row, stale_buttons
from messages.i18n import N_, Translator
from storage import people
from storage.models import Person, Role
from storage.people import PeopleError, PersonCard

GROUP, PERSON, CARD, SUCCESSOR, COACH, CONFIRM = range(6)
PAGE = 60  # buttons in one list: Telegram takes 100 at most
ROLE_CHOICE = "|".join(role.value for role in Role)
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


@dataclass
class Draft(Steps):
    role: str | None = None
    person_id: int | None = None
    name: str = ""
    action: str | None = None  # deactivate, reactivate, coach
    target_id: int | None = None  # the successor or the new coach
    target_name: str = ""
    offered: list[int] | None = None  # the ids the step showing now offered


FLOW = Flow(
    key="people",
    draft=Draft,
    roles=(Role.ADMIN,),
    prefix="pp",
    stopped=N_("Stopped. Nothing was changed."),
)


def _overview(everyone: list[Person], t: Translator) -> str:
    lines = [t("People in the service:")]
    for role in Role:
        group = [p for p in everyone if p.role == role.value and p.active]
        waiting = sum(1 for p in group if p.telegram_user_id is None)
        lines.append(
            t(
                "{group}: {total} ({waiting} not joined yet)",
                group=t(ROLE_GROUPS[role]).capitalize(),
                total=len(group),
                waiting=waiting,
            )
        )
    not_joined = [p for p in everyone if p.active and p.telegram_user_id is None]
    if not_joined:
        lines.append("")
        lines.append(t("Not joined yet (id, name):"))
        lines += [f"{p.id} {p.display_name}" for p in not_joined[:50]]
        lines.append(t("Send an invite with: coachbot invite ID"))
    lines.append("")
    lines.append(t("To change someone, choose a group:"))
    return "\n".join(lines)


def _card_text(card: PersonCard, t: Translator) -> str:
    person = card.person
    lines = [
        f"{person.display_name} (id {person.id})",
        t("Role: {role}", role=t(ROLE_NAMES[Role(person.role)])),
        t("Language: {language}", language=LANGUAGE_NAMES.get(person.language, person.language)),
        t("Status: active") if person.active else t("Status: inactive (gets no messages)"),
        t("Joined the bot: yes")
        if person.telegram_user_id is not None
        else t("Joined the bot: not yet"),
    ]
    none = t("not set")
    if person.role == Role.CLIENT.value:
        lines.append(t("Coach: {name}", name=card.coach.display_name if card.coach else none))
        lines.append(
            t("Caseworker: {name}", name=card.caseworker.display_name if card.caseworker else none)
        )
    elif person.role in (Role.COACH.value, Role.CASEWORKER.value):
        lines.append(t("Active clients: {count}", count=card.clients))
    return "\n".join(lines)


def _choices(others: list[Person], code: str) -> list[list[InlineKeyboardButton]]:
    return [
        [InlineKeyboardButton(p.display_name, callback_data=f"pp:{code}:{p.id}")]
        for p in others[:PAGE]
    ]


async def _card(turn: Turn[Draft]) -> PersonCard:
    """The chosen person, as now (None raised as a refusal: the id is gone)."""
    services, draft = turn.services, turn.draft
    found = await services.db.run(people.card, turn.person.id, draft.person_id)
    if found is None:
        raise turn.refused("people: no such person")
    return found


# --- each step's question ----------------------------------------------------------------
async def ask(turn: Turn[Draft], state: int) -> int:
    t, draft, db = turn.t, turn.draft, turn.services.db
    draft.offered = None
    if state == GROUP:
        everyone = await db.run(onboarding.people_overview, turn.person.id)
        rows = [
            [
                InlineKeyboardButton(
                    t(ROLE_GROUPS[role]).capitalize(), callback_data=f"pp:r:{role.value}"
                )
            ]
            for role in Role
        ]
        rows.append(nav_row(t, "pp", back=False))
        await turn.show(_overview(everyone, t), InlineKeyboardMarkup(rows))
    elif state == PERSON:
        assert draft.role is not None
        group = await db.run(people.list_people, Role(draft.role))
        group.sort(key=lambda p: (not p.active, p.display_name.casefold()))
        rows = [
            [
                InlineKeyboardButton(
                    p.display_name if p.active else f"{p.display_name} {t('(inactive)')}",
                    callback_data=f"pp:p:{p.id}",
                )
            ]
            for p in group[:PAGE]
        ]
        draft.offered = [p.id for p in group[:PAGE] if p.id is not None]
        rows.append(nav_row(t, "pp"))
        question = t("{group}: whom do you want to change?", group=t(ROLE_GROUPS[Role(draft.role)]))
        if not group:
            question = t("Nobody in this group yet.")
        elif len(group) > PAGE:
            question += "\n" + t(
                "The first {n} are shown; use coachbot people for the rest.", n=PAGE
            )
        await turn.show(question[:1].upper() + question[1:], InlineKeyboardMarkup(rows))
    elif state == CARD:
        card = await _card(turn)
        draft.name = card.person.display_name
        rows = []
        if card.person.active and card.person.id != turn.person.id:
            rows.append([InlineKeyboardButton(t("Deactivate"), callback_data="pp:deact")])
        if not card.person.active:
            rows.append([InlineKeyboardButton(t("Reactivate"), callback_data="pp:react")])
        if card.person.active and card.person.role == Role.CLIENT.value:
            rows.append([InlineKeyboardButton(t("Change the coach"), callback_data="pp:coach")])
        rows.append(nav_row(t, "pp"))
        await turn.show(_card_text(card, t), InlineKeyboardMarkup(rows))
    elif state in (SUCCESSOR, COACH):
        card = await _card(turn)
        if state == SUCCESSOR:
            role, code = Role(card.person.role), "to"
            besides = [card.person.id]
            question = t.plural(
                "{name} has {n} active client. Who takes them over?",
                "{name} has {n} active clients. Who takes them over?",
                card.clients,
                name=card.person.display_name,
            )
        else:
            role, code = Role.COACH, "nc"
            besides = [card.person.coach_id]
            question = t("{name}: who is the new coach?", name=card.person.display_name)
        others = await db.run(people.others_of_role, role, besides=besides)
        draft.offered = [p.id for p in others[:PAGE] if p.id is not None]
        rows = _choices(others, code)
        rows.append(nav_row(t, "pp"))
        await turn.show(question, InlineKeyboardMarkup(rows))
    else:
        await turn.show(_confirmation(draft, t), _confirm_markup(t))
    return draft.reach(state)


def _confirmation(draft: Draft, t: Translator) -> str:
    if draft.action == "reactivate":
        return t(
            "Reactivate {name}? They can use the bot again with the same Telegram account.",
            name=draft.name,
        )
    if draft.action == "coach":
        return t(
            "Change the coach of {name} to {coach}?\n"
            "Their history stays. Their coming meetings move to {coach}. "
            "The client and both coaches are told.",
            name=draft.name,
            coach=draft.target_name,
        )
    if draft.target_id is not None:
        return t(
            "Deactivate {name}?\nTheir clients go to {successor}, who is told. "
            "A coach's clients are told who their new coach is. "
            "{name} gets no more messages.",
            name=draft.name,
            successor=draft.target_name,
        )
    return t(
        "Deactivate {name}?\nThey get no more messages and cannot use the bot. "
        "A client's coming meetings are cancelled and the coach is told.",
        name=draft.name,
    )


def _confirm_markup(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton("✔ " + t("Yes, do it"), callback_data="pp:yes")], nav_row(t, "pp")]
    )


def _offered(turn: Turn[Draft]) -> int:
    """The id pressed, if this step offered it; a forged or outdated id is refused."""
    chosen = int(turn.group(1))
    if chosen not in (turn.draft.offered or []):
        raise turn.refused("people: not offered")
    return chosen


# --- the steps ---------------------------------------------------------------------------
async def _begin(turn: Turn[Draft]) -> int:
    return await ask(turn, GROUP)


async def on_role(turn: Turn[Draft]) -> int:
    turn.draft.role = turn.group(1)
    return await ask(turn, PERSON)


async def on_person(turn: Turn[Draft]) -> int:
    turn.draft.person_id = _offered(turn)
    turn.draft.action = turn.draft.target_id = None
    return await ask(turn, CARD)


async def on_deactivate(turn: Turn[Draft]) -> int:
    card = await _card(turn)
    if not card.person.active or card.person.id == turn.person.id:
        raise turn.refused("people: cannot deactivate")
    turn.draft.action, turn.draft.target_id = "deactivate", None
    if card.clients and card.person.role in (Role.COACH.value, Role.CASEWORKER.value):
        others = await turn.services.db.run(
            people.others_of_role, Role(card.person.role), besides=[card.person.id]
        )
        if not others:
            await turn.alert(
                turn.t(
                    "Nobody can take over the clients: nobody else in this role is active. "
                    "Add someone first."
                )
            )
            return CARD
        return await ask(turn, SUCCESSOR)
    return await ask(turn, CONFIRM)


async def on_reactivate(turn: Turn[Draft]) -> int:
    card = await _card(turn)
    if card.person.active:
        raise turn.refused("people: already active")
    turn.draft.action, turn.draft.target_id = "reactivate", None
    return await ask(turn, CONFIRM)


async def on_change_coach(turn: Turn[Draft]) -> int:
    card = await _card(turn)
    if not card.person.active or card.person.role != Role.CLIENT.value:
        raise turn.refused("people: not an active client")
    turn.draft.action, turn.draft.target_id = "coach", None
    return await ask(turn, COACH)


async def on_target(turn: Turn[Draft]) -> int:
    """The successor or the new coach, one of those this step offered."""
    chosen = _offered(turn)
    target = await turn.services.db.run(people.card, turn.person.id, chosen)
    if target is None:
        raise turn.refused("people: no such person")
    turn.draft.target_id, turn.draft.target_name = chosen, target.person.display_name
    return await ask(turn, CONFIRM)


async def on_yes(turn: Turn[Draft]) -> int:
    t, draft, services = turn.t, turn.draft, turn.services
    if draft.person_id is None or draft.action is None:
        raise turn.refused("people: nothing to confirm")
    now, actor = services.now(), turn.person.id
    try:
        if draft.action == "reactivate":
            await services.db.run(actions.reactivate, draft.person_id, now=now, actor_id=actor)
            done = t("{name} is active again.", name=draft.name)
        elif draft.action == "coach":
            await services.db.run(
                actions.edit, draft.person_id, coach_id=draft.target_id, now=now, actor_id=actor
            )
            done = t("{name} now has a new coach: {coach}. Everyone is told.", name=draft.name,
                     coach=draft.target_name)  # fmt: skip
        else:
            await services.db.run(
                actions.deactivate,
                draft.person_id,
                successor_id=draft.target_id,
                now=now,
                actor_id=actor,
            )
            done = t("{name} is deactivated.", name=draft.name)
    except PeopleError:
        FLOW.end(turn.context)
        await turn.show(
            t(
                "That could not be done: something changed meanwhile. Nothing was changed. "
                "/people shows the situation now."
            )
        )
        return ConversationHandler.END
    services.wake_outbox()
    FLOW.end(turn.context)
    await turn.show(done)
    return ConversationHandler.END


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """Fresh handler objects for each Application: a conversation's state belongs to
    one running bot, never shared between two (tests, the console)."""
    back = FLOW.back(GROUP, ask)
    cancel_button, cancel_command = FLOW.stops()
    hint = FLOW.hint()
    person = FLOW.button(r"^pp:p:(\d{1,12})$", on_person)
    return [
        ConversationHandler(
            entry_points=[FLOW.command("people", _begin)],
            states={
                GROUP: [FLOW.button(rf"^pp:r:({ROLE_CHOICE})$", on_role), cancel_button, hint],
                PERSON: [person, back, cancel_button, hint],
                CARD: [
                    FLOW.button(r"^pp:deact$", on_deactivate),
                    FLOW.button(r"^pp:react$", on_reactivate),
                    FLOW.button(r"^pp:coach$", on_change_coach),
                    back,
                    cancel_button,
                    hint,
                ],
                SUCCESSOR: [
                    FLOW.button(r"^pp:to:(\d{1,12})$", on_target),
                    back,
                    cancel_button,
                    hint,
                ],
                COACH: [FLOW.button(r"^pp:nc:(\d{1,12})$", on_target), back, cancel_button, hint],
                CONFIRM: [FLOW.button(r"^pp:yes$", on_yes), back, cancel_button, hint],
            },
            fallbacks=[cancel_command, stale_buttons("pp:")],
            allow_reentry=True,
            conversation_timeout=3600,
            name="people",
        )
    ]
