"""The catalogs: every message of the code translated in fi, sv and en, placeholders intact."""

from __future__ import annotations

import re
import string

import pytest

from messages.catalogs import ROOT, SOURCE_DIRS, extract, load, untranslated
from messages.i18n import SUPPORTED, normalize, translator


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", SUPPORTED)
def test_every_message_is_translated(language: str) -> None:
    assert untranslated(language) == []


@pytest.mark.parametrize("language", SUPPORTED)
def test_translations_keep_the_placeholders(language: str) -> None:
    catalog = load(language)
    code_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extract() if m.id}
    checked = 0
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        expected = set().union(*(_fields(i) for i in ids))
        for translated in strings:
            assert _fields(translated) <= expected, (language, ids[0], translated)
        checked += 1
    assert checked >= len(code_ids) > 20


def test_a_missing_message_is_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: a message the catalog lacks, or leaves empty, is reported."""
    catalog = load("fi")
    gone, emptied = [m.id for m in catalog if isinstance(m.id, str) and m.id][:2]
    del catalog[gone]
    catalog[emptied].string = ""
    monkeypatch.setattr("messages.catalogs.load", lambda language: catalog)
    assert sorted(untranslated("fi")) == sorted([gone, emptied])


def test_languages_and_plurals() -> None:
    assert normalize("sv-FI") == "sv" and normalize("en_GB") == "en" and normalize("de") == "fi"
    assert translator("fi").plural("You have {n} client:", "You have {n} clients:", 1) == (
        "Sinulla on 1 asiakas:"
    )
    assert translator("sv").plural("You have {n} client:", "You have {n} clients:", 2) == (
        "Du har 2 klienter:"
    )


def test_every_translated_literal_is_one_the_extraction_finds() -> None:
    """`translator(x)("...")` is not extracted, so its translation would be dropped as
    obsolete at the next catalog update: write `t = translator(x)` and `t("...")`."""
    pattern = re.compile(r"translator\([^()]*(?:\([^()]*\))?[^()]*\)\(\s*(?:[\"']|$)", re.M)
    offenders = [
        f"{path.relative_to(ROOT)}:{source[: match.start()].count(chr(10)) + 1}"
        for folder in SOURCE_DIRS
        for path in (ROOT / folder).rglob("*.py")
        for source in [path.read_text()]
        for match in pattern.finditer(source)
    ]
    assert offenders == []
