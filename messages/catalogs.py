"""Keep the catalogs in step with the code: extract message ids and update fi, sv, en.

Run `python -m messages.catalogs` after changing user-visible texts; the tests fail
while any catalog lacks a translation.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from messages.i18n import DOMAIN, LOCALES_DIR, SUPPORTED

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "handlers", "storage", "messages")
# t("..."), N_("..."), and t.plural("one", "many", n)
KEYWORDS = {"t": None, "N_": None, "_": None, "plural": (1, 2)}
METHOD_MAP = [("**.py", "python")]


def extract() -> Catalog:
    """Every message id in the source, with where it is used."""
    catalog = Catalog(domain=DOMAIN, project="coachbot", charset="utf-8")
    for folder in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, METHOD_MAP, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
        ):
            catalog.add(
                message,
                None,
                [(f"{folder}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def update() -> None:
    template = extract()
    with (ROOT / "messages" / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_output=True)
    for language in SUPPORTED:
        catalog = load(language)
        catalog.update(template, no_fuzzy_matching=True)
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_output=True, ignore_obsolete=True)


def untranslated(language: str) -> list[str]:
    """Message ids of the code that the language's catalog lacks or leaves empty or fuzzy."""
    catalog = load(language)
    missing = []
    for message in extract():
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        strings = found.string if found is not None else None
        done = all(strings) if isinstance(strings, tuple | list) else bool(strings)
        if found is None or not done or found.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


if __name__ == "__main__":
    update()
    for language in SUPPORTED:
        print(f"{language}: {len(untranslated(language))} untranslated")
