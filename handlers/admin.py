"""/people: the provider admin's overview of who is in the service and who has joined."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, BaseHandler, CommandHandler, ContextTypes, filters

from bot.access import for_roles, reply
from bot.commands import ROLE_GROUPS
from bot.onboarding import actions as onboarding
from bot.services import services_of
from messages.i18n import translator
from storage.models import Person, Role


@for_roles(Role.ADMIN, command="people")
async def people_command(
    update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person
) -> None:
    t = translator(person.language)
    everyone = await services_of(context).db.run(onboarding.people_overview, person.id)
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
    await reply(update, "\n".join(lines))


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [CommandHandler("people", people_command, filters=filters.ChatType.PRIVATE)]
