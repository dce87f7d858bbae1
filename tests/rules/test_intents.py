"""A client's free text: what it is about, and the days it names ("olen kipeä huomenna").
Today is passed in; every word list is tested in Finnish, Swedish and English."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.rules.intents import Intent, days_mentioned, intent_of, reason_hint

WEDNESDAY = date(2026, 11, 25)
THURSDAY = date(2026, 11, 26)
FRIDAY = date(2026, 11, 27)
MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    "text",
    [
        # fi
        "en pääse tänään",
        "olen kipeä tänään 🤒",
        "En pääse tänää",
        "sairastuin, en pääse tämän päivän tapaamiseen",
        # sv
        "jag kan inte komma i dag",
        "Jag är sjuk idag",
        "kan inte komma på dagens möte",
        # en
        "I can't come today",
        "sick today, sorry",
    ],
)
def test_today(text: str) -> None:
    assert days_mentioned(text, WEDNESDAY) == [WEDNESDAY]


@pytest.mark.parametrize(
    "text",
    [
        # fi
        "olen kipeä huomenna",
        "en pääse huomiseen tapaamiseen",
        "Huomenna en pääse",
        "huominen ei käy",
        # sv
        "jag kan inte komma i morgon",
        "Jag är sjuk imorgon",
        "kan inte komma imorron",
        # en
        "I can't come tomorrow",
        "ill tomorrow",
        "I won't come to tomorrow's meeting",
    ],
)
def test_tomorrow(text: str) -> None:
    assert days_mentioned(text, WEDNESDAY) == [THURSDAY]


@pytest.mark.parametrize(
    "text",
    [
        "en pääse ylihuomenna",
        "ylihuomiseen en tule",
        "jag kan inte komma i övermorgon",
        "I can't come the day after tomorrow",
    ],
)
def test_the_day_after_tomorrow_is_not_tomorrow(text: str) -> None:
    assert days_mentioned(text, WEDNESDAY) == [FRIDAY]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        # fi: every case ending
        ("en pääse maanantaina", MONDAY),
        ("maanantain tapaamiseen en pääse", MONDAY),
        ("olen kipeä torstaina", THURSDAY),
        ("en tule perjantaina", FRIDAY),
        ("tiistaina en pääse", date(2026, 12, 1)),
        # sv
        ("jag kan inte komma på måndag", MONDAY),
        ("Jag är sjuk på torsdag", THURSDAY),
        ("kan inte komma fredagen", FRIDAY),
        # en
        ("I can't come on Monday", MONDAY),
        ("sick on thursday", THURSDAY),
        ("not coming Friday", FRIDAY),
    ],
)
def test_a_weekday_is_the_next_one(text: str, day: date) -> None:
    assert days_mentioned(text, WEDNESDAY) == [day]


@pytest.mark.parametrize(
    "text", ["en pääse keskiviikkona", "jag kan inte komma på onsdag", "can't come Wednesday"]
)
def test_todays_weekday_is_a_week_ahead(text: str) -> None:
    """Today would be "tänään", "i dag", "today"."""
    assert days_mentioned(text, WEDNESDAY) == [WEDNESDAY + timedelta(days=7)]


def test_several_days_are_all_named_soonest_first() -> None:
    assert days_mentioned("olen kipeä tänään ja huomenna", WEDNESDAY) == [WEDNESDAY, THURSDAY]
    assert days_mentioned("sick friday and monday", WEDNESDAY) == [FRIDAY, MONDAY]


@pytest.mark.parametrize(
    "text",
    [
        "olen kipeä",
        "hyvää huomenta, olen kipeä",  # "huomenta" is a morning, not tomorrow
        "god morgon, jag är sjuk",
        "I am ill",
        "",
        "kipeä huomenna " * 100,  # too long to be a quick notice
    ],
)
def test_no_day_named(text: str) -> None:
    assert days_mentioned(text, WEDNESDAY) == []


@pytest.mark.parametrize(
    "text",
    [
        "olen kipeä huomenna",
        "en pääse tänään",
        "jag kan inte komma i morgon",
        "jag är sjuk idag",
        "I can't come on Monday",
        "I am ill tomorrow",
    ],
)
def test_words_with_a_day_are_an_absence(text: str) -> None:
    assert intent_of(text) is Intent.ABSENCE


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("olen kipeä huomenna", "ill"),
        ("lapsi on sairas tänään", "child_ill"),
        ("jag är sjuk i morgon", "ill"),
        ("my kid is sick today", "child_ill"),
        ("I can't come on Monday", None),
    ],
)
def test_the_reason_is_read_from_the_same_words(text: str, hint: str | None) -> None:
    assert reason_hint(text) == hint
