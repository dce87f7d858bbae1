"""/clients: a coach's or caseworker's own clients, and nobody else's."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler, ContextTypes, filters

from bot.access import for_roles, reply
from bot.periods.programs import program_name
from bot.services import services_of
from messages.formatting import show_date
from messages.i18n import translator
from storage import people
from storage.models import Person, Role


@for_roles(Role.COACH, Role.CASEWORKER, command="clients")
async def clients(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    t = translator(person.language)
    summaries = await services_of(context).db.run(people.clients_of, person)
    if not summaries:
        await reply(update, t("You have no clients yet."))
        return
    lines = [t.plural("You have {n} client:", "You have {n} clients:", len(summaries))]
    for client in summaries:
        if client.program_key and client.start_date:
            since = show_date(client.start_date, person.language)
            detail = t(
                "{program}, from {start}",
                program=program_name(client.program_key, t),
                start=since,
            )
        else:
            detail = t("no service period")
        joined = "" if client.linked else " " + t("(not joined yet)")
        lines.append(f"• {client.display_name}: {detail}{joined}")
    await reply(update, "\n".join(lines))


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [CommandHandler("clients", clients, filters=filters.ChatType.PRIVATE)]
