"""/help and /me: what a person can do, and what the bot knows about them."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler, ContextTypes, filters

from bot.access import acting_person, reply, t_for, tell_stranger
from bot.commands import ROLE_NAMES, STRANGER_COMMANDS, commands_for
from bot.periods.programs import program_name
from bot.services import services_of
from messages.formatting import show_date
from messages.i18n import N_, translator
from storage import audit, people
from storage.models import Person, Role

INTROS = {
    Role.CLIENT: N_("Here you see your own details and who your coach is."),
    Role.COACH: N_("Here you see your clients and their service periods."),
    Role.CASEWORKER: N_("Here you see the clients you are responsible for."),
    Role.ADMIN: N_(
        "Here you see the people of your service. "
        "People are added and invited with the coachbot command line."
    ),
}
# The noon rule [002 §3.4.3] in one sentence, for clients.
DEADLINE_RULE = N_(
    "If you cannot come to a meeting, tell us by 12:00 on the working day before it: "
    'press "I can\'t come" or write, for example, "I am ill tomorrow".'
)


def help_text(person: Person) -> str:
    t = translator(person.language)
    role = Role(person.role)
    lines = [
        t("Your role: {role}.", role=t(ROLE_NAMES[role])),
        t(INTROS[role]),
    ]
    if role is Role.CLIENT:
        lines.append(t(DEADLINE_RULE))
    lines += ["", t("Commands:")]
    lines += [f"/{spec.name} – {t(spec.description)}" for spec in commands_for(role)]
    return "\n".join(lines)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = await acting_person(update, context)
    if person is None:
        t = t_for(update, context, None)
        lines = [
            t(
                "I am Coachbot, the assistant of your employment coaching. "
                "To start, open the invite link your coach gave you."
            ),
            "",
        ]
        lines += [f"/{spec.name} – {t(spec.description)}" for spec in STRANGER_COMMANDS]
        await reply(update, "\n".join(lines))
        return
    await reply(update, help_text(person))


async def me(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    person = await acting_person(update, context)
    if person is None:
        await tell_stranger(update, context)
        return
    db = services_of(context).db
    t = translator(person.language)
    lines = [
        t("Name: {name}", name=person.display_name),
        t("Role: {role}", role=t(ROLE_NAMES[Role(person.role)])),
    ]
    if person.role == Role.CLIENT.value:
        assert person.id is not None
        coach, caseworker = await db.run(people.contacts_of, person)
        period = await db.run(people.current_period, person.id)
        none = t("not set")
        lines.append(t("Coach: {name}", name=coach.display_name if coach else none))
        lines.append(t("Caseworker: {name}", name=caseworker.display_name if caseworker else none))
        if period is not None:
            lines.append(t("Service: {program}", program=program_name(period.program_key, t)))
            start = show_date(period.start_date, person.language)
            if period.planned_end:
                end = show_date(period.planned_end, person.language)
                lines.append(t("Period: {start} – {end}", start=start, end=end))
            else:
                lines.append(t("Period: from {start}", start=start))
        else:
            lines.append(t("You have no service period yet."))
    await db.run(audit.record, "me.view", actor_id=person.id, subject_id=person.id)
    await reply(update, "\n".join(lines))


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [
        CommandHandler("help", help_command, filters=filters.ChatType.PRIVATE),
        CommandHandler("me", me, filters=filters.ChatType.PRIVATE),
    ]
