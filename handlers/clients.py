"""/clients: a coach's or caseworker's own clients, and nobody else's; for a period with
an hour cap, its hours used / booked / left [002 §3.2]."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler, ContextTypes, filters

from bot.access import for_roles, reply
from bot.periods.hours import hours_of_clients, show_hours
from bot.periods.programs import program_name
from bot.services import services_of
from messages.formatting import show_date
from messages.i18n import translator
from storage import people
from storage.models import Person, Role


@for_roles(Role.COACH, Role.CASEWORKER, command="clients")
async def clients(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    t = translator(person.language)
    services = services_of(context)
    summaries = await services.db.run(people.clients_of, person)
    if not summaries:
        await reply(update, t("You have no clients yet."))
        return
    hours = await services.db.run(
        hours_of_clients, [c.id for c in summaries], services.now(), tz=services.settings.tz
    )
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
        counted = hours.get(client.id)
        if counted is not None and counted.cap is not None and counted.left is not None:
            language = person.language
            lines.append(
                "  "
                + t(
                    "{used} h used, {booked} h booked, {left} h left of {cap} h",
                    used=show_hours(counted.used, language),
                    booked=show_hours(counted.booked, language),
                    left=show_hours(max(counted.left, 0), language),
                    cap=show_hours(counted.cap, language),
                )
            )
    await reply(update, "\n".join(lines))


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [CommandHandler("clients", clients, filters=filters.ChatType.PRIVATE)]
