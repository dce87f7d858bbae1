"""/language: each person picks fi, sv or en; the menu and all texts follow."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot.access import for_roles, person_of_role
from bot.commands import EVERYONE
from bot.menus import set_person_menu
from bot.services import services_of
from handlers.ui import show, stale_buttons
from messages.i18n import SUPPORTED, translator
from storage import people
from storage.models import Person

# Language names are shown in the language itself, so anyone can find their own.
NATIVE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}
PREFIX = "lang:"
# One of the supported languages exactly; any other `lang:` data is stale or forged.
CHOICE = rf"^{PREFIX}({'|'.join(SUPPORTED)})$"


@for_roles(*EVERYONE, command="language")
async def language(update: Update, context: ContextTypes.DEFAULT_TYPE, person: Person) -> None:
    t = translator(person.language)
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(NATIVE_NAMES[code], callback_data=PREFIX + code)]
            for code in SUPPORTED
        ]
    )
    assert update.effective_chat is not None
    await update.effective_chat.send_message(t("Choose your language:"), reply_markup=keyboard)


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert context.matches
    person = await person_of_role(update, context, *EVERYONE)
    code = context.matches[0].group(1)
    assert person.id is not None
    await services_of(context).db.run(people.set_language, person.id, code)
    person.language = code
    t = translator(code)
    await show(update, t("Language changed. I will talk to you in English now."))
    await set_person_menu(context.bot, person)


def handlers(application: Application) -> list[BaseHandler]:  # type: ignore[type-arg]
    """This module's handlers, in the order they are tried."""
    return [
        CommandHandler("language", language, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(choose, pattern=CHOICE),
        stale_buttons(PREFIX),
    ]
