"""Command menus: each linked person sees the commands of their role, in their language."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.commands import STRANGER_COMMANDS, CommandSpec, commands_for
from messages.i18n import SUPPORTED, translator
from storage.models import Person, Role

log = logging.getLogger(__name__)


def _bot_commands(
    specs: list[CommandSpec] | tuple[CommandSpec, ...], language: str
) -> list[BotCommand]:
    t = translator(language)
    return [BotCommand(spec.name, t(spec.description)[:256]) for spec in specs]


async def set_person_menu(bot: Bot, person: Person) -> None:
    """Per-chat scope: the menu follows the person's role and language."""
    if person.telegram_user_id is None:
        return
    try:
        await bot.set_my_commands(
            _bot_commands(commands_for(Role(person.role)), person.language),
            scope=BotCommandScopeChat(person.telegram_user_id),
        )
    except TelegramError:
        # A menu is a convenience; the reply the person is waiting for matters more.
        log.warning("could not set the command menu for person %s", person.id)


async def set_default_menus(bot: Bot, default_language: str) -> None:
    """What strangers see: the default language, and each other language by its code."""
    await bot.set_my_commands(
        _bot_commands(STRANGER_COMMANDS, default_language), scope=BotCommandScopeDefault()
    )
    for language in SUPPORTED:
        await bot.set_my_commands(
            _bot_commands(STRANGER_COMMANDS, language),
            scope=BotCommandScopeDefault(),
            language_code=language,
        )
