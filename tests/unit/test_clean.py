"""A person's text made safe to show to another (messages.clean), and long texts fitted
into Telegram's limits (messages.limits)."""

from __future__ import annotations

import pytest

from messages.clean import clean, clean_line
from messages.limits import MAX_TEXT, clip, length, split_text
from messages.render import render

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
ESC, BEL, NUL = "\x1b", "\x07", "\x00"
TECHNOLOGIST = "👩\u200d💻"  # woman + ZERO WIDTH JOINER + laptop


# --- cleaning -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        (f"kipeä{RLO}txt.exe", "kipeätxt.exe"),
        (f"{ESC}[31mpunainen{ESC}[0m", "[31mpunainen[0m"),
        (f"soi{BEL}{BEL}", "soi"),
        (f"a{NUL}b", "ab"),
        ("rivi 1\r\nrivi 2\rrivi 3\nrivi 4", "rivi 1\nrivi 2\nrivi 3\nrivi 4"),
        ("a\tb", "a b"),
        ("a\u2028b\u2029c", "a\nb\nc"),
        ("C1\x85\x9b here", "C1 here"),
        ("\x7fdel", "del"),
        ("\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069x", "x"),
    ],
)
def test_clean_removes_controls_and_overrides(typed: str, shown: str) -> None:
    assert clean(typed) == shown


@pytest.mark.parametrize(
    "kept",
    [
        TECHNOLOGIST,
        "👨‍👩‍👧 perhe",
        "مرحبا\u200f!",  # a right-to-left mark: reorders nothing but the "!"
        "abc\u200e123",
        "می\u200cخواهم",  # a zero-width non-joiner, needed in Persian
        "Hyvää päivää, Åsa! 😀",
        "",
    ],
)
def test_clean_keeps_text(kept: str) -> None:
    assert clean(kept) == kept


def test_clean_line_makes_one_line() -> None:
    assert clean_line(f"  Ma {ESC}olen\r\n  kipeä\t{RLO}tänään  ") == "Ma olen kipeä tänään"


def test_rendered_parameters_are_cleaned() -> None:
    """The outbox renders what a person wrote cleaned, whatever was stored."""
    text = render("{name}: {words}", {"name": f"Matti{RLO}", "words": f"a{ESC}b\nc{BEL}"}, "fi")
    assert text == "Matti: ab\nc"


# --- Telegram's limits ----------------------------------------------------------------------
def test_length_counts_utf16_units() -> None:
    assert length("abc") == 3
    assert length("😀") == 2  # outside the Basic Multilingual Plane
    assert length("ä") == 1
    assert length(TECHNOLOGIST) == 5


def test_a_text_that_fits_is_one_part_unchanged() -> None:
    text = "\n".join(["rivi"] * 10) + "\n"
    assert split_text(text) == [text]
    exact = "x" * MAX_TEXT
    assert split_text(exact) == [exact]


def test_a_long_text_is_split_at_line_ends() -> None:
    lines = [f"{n:03d} " + "a" * 96 for n in range(100)]  # 100 lines of 100 characters
    text = "\n".join(lines)
    parts = split_text(text)
    assert len(parts) == 3
    assert all(length(part) <= MAX_TEXT for part in parts)
    assert "\n".join(parts) == text  # nothing lost, no line broken
    assert all(line in lines for part in parts for line in part.split("\n"))


def test_a_10000_character_line_is_cut_at_spaces() -> None:
    words = ["sana"] * 2000  # 9,999 characters on one line
    text = " ".join(words)
    parts = split_text(text)
    assert len(parts) == 3
    assert all(length(part) <= MAX_TEXT for part in parts)
    assert all(not part.startswith(" ") and not part.endswith(" ") for part in parts)
    assert " ".join(parts).split() == words  # cut between words only


def test_a_line_with_no_spaces_is_cut_hard() -> None:
    text = "x" * 10_000
    parts = split_text(text)
    assert [len(part) for part in parts] == [MAX_TEXT, MAX_TEXT, 10_000 - 2 * MAX_TEXT]
    assert "".join(parts) == text


def test_emoji_count_double_and_are_not_cut_in_half() -> None:
    text = "😀" * 3000  # 6,000 UTF-16 units
    parts = split_text(text)
    assert [length(part) for part in parts] == [MAX_TEXT, 6000 - MAX_TEXT]
    assert "".join(parts) == text


def test_blank_lines_at_a_parts_edge_are_dropped() -> None:
    text = "a" * 4000 + "\n\n\n" + "b" * 200
    assert split_text(text) == ["a" * 4000, "b" * 200]


def test_split_with_a_smaller_limit() -> None:
    assert split_text("yksi\nkaksi\nkolme", limit=11) == ["yksi\nkaksi", "kolme"]


def test_clip_shortens_with_an_ellipsis() -> None:
    assert clip("lyhyt", 10) == "lyhyt"
    assert clip("Kauppakatu 1, Kuopio", 12) == "Kauppakatu…"
    assert clip("x" * 300, 200) == "x" * 199 + "…"
    assert length(clip("😀" * 300, 200)) <= 200
