"""The /progress chart: a PNG of the promised size, whatever the clients wrote in their goals."""

from __future__ import annotations

import datetime
import gc
import struct
import warnings
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import pytest

from bot.goals.progress import (
    WIDTH_PX,
    GoalSeries,
    Point,
    height_px,
    render_progress,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
START = datetime.date(2026, 1, 12)


def _size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which a PNG must have first."""
    assert png[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _weekly(*scores: int, done: bool = False) -> tuple[Point, ...]:
    points = [Point(START + datetime.timedelta(weeks=k), score) for k, score in enumerate(scores)]
    if done:
        points.append(Point(START + datetime.timedelta(weeks=len(scores)), None, done=True))
    return tuple(points)


def _goal(title: str = "Haen kolmeen työpaikkaan", *points: Point) -> GoalSeries:
    return GoalSeries(title=title, criterion="Hakemukset on lähetetty", points=points)


@cache
def _chart_of(count: int) -> bytes:
    """A Finnish chart of `count` goals, rendered once for the tests that look at it."""
    goals = [_goal(f"Tavoite {i}", *_weekly(1 + i % 5, 3)) for i in range(count)]
    return render_progress("Matti", goals, "fi")


def test_a_png() -> None:
    png = render_progress("Matti", [_goal("Herään ajoissa", *_weekly(2, 3, 4))], "fi")
    assert png.startswith(PNG_SIGNATURE)
    assert png.endswith(b"IEND\xaeB`\x82")


@pytest.mark.parametrize(("count", "panels"), [(1, 1), (2, 2), (8, 8), (11, 8)])
def test_the_size_is_fixed_and_known(count: int, panels: int) -> None:
    assert _size(_chart_of(count)) == (WIDTH_PX, height_px(count))
    assert height_px(count) == height_px(panels)  # no more than 8 panels are drawn


def test_more_than_eight_goals_are_cut_and_counted() -> None:
    """The ninth goal on is not drawn, but a footnote says so: the image differs from 8 goals."""
    assert height_px(11) == height_px(8)
    assert _chart_of(11) != _chart_of(8)


def test_nothing_to_show_still_renders() -> None:
    assert _size(render_progress("Matti", [], "fi")) == (WIDTH_PX, height_px(0))
    assert height_px(0) == height_px(1)
    empty = [_goal("Päivitän CV:n"), _goal("Haen kurssille")]
    assert _size(render_progress("Matti", empty, "sv")) == (WIDTH_PX, height_px(2))


def test_odd_user_text_renders_quietly() -> None:
    """Emoji, very long text, mathtext-looking dollars, RTL, joiners: no exception, no warning."""
    odd = [
        "Työhaastattelu 😀🎉 👩\u200d💻 ✅",
        "pitkä " * 333 + "x" * 2000,
        "Säästän $x$ ja maksan $5 \\frac{1}{2} $ velkaa",
        "שלום עולם مرحبا بالعالم",
        "zero\u200bwidth\u200djoiner\u200c \u202eoverride\u202c \ufeff",
        "中文目标 ঘ \U0001f9d1\u200d\U0001f373 \ud800",
        "",
        " \n\t ",
        "{name} {0} %s",
    ]
    goals = [
        GoalSeries(
            title=text,
            criterion=text * 2,
            points=_weekly(*range(1, 1 + i % 5), done=i % 2 == 0),
            closed=text or None,
        )
        for i, text in enumerate(odd)
    ]
    # Objects earlier tests left for the garbage collector (a crashed process's database
    # connection) warn when collected; collect them now so they do not warn in here, and
    # count only what rendering says: a ResourceWarning is never the chart's.
    gc.collect()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_progress("Ω $y$ 🙂 " + "Nimi " * 50, goals[:8], "en")
        assert _size(png) == (WIDTH_PX, height_px(8))
        png = render_progress("🙂", goals[8:], "sv")
        assert _size(png) == (WIDTH_PX, height_px(1))
    said = [str(w.message) for w in caught if not issubclass(w.category, ResourceWarning)]
    assert said == []


def test_the_picture_depends_on_the_data() -> None:
    rising = render_progress("Matti", [_goal("Liikun", *_weekly(1, 2, 3, 4))], "fi")
    falling = render_progress("Matti", [_goal("Liikun", *_weekly(4, 3, 2, 1))], "fi")
    done = render_progress("Matti", [_goal("Liikun", *_weekly(1, 2, 3, 4, done=True))], "fi")
    assert len({rising, falling, done}) == 3
    assert render_progress("Matti", [_goal("Liikun", *_weekly(1, 2, 3, 4))], "fi") == rising


def test_the_language_shows() -> None:
    """Dates are Babel's: '12.1.' in Finnish, '12 Jan' in English, so the pictures differ."""
    goals = [_goal("Liikun", *_weekly(3))]
    assert render_progress("Matti", goals, "fi") != render_progress("Matti", goals, "en")


def test_threads_render_the_same_pictures() -> None:
    """The bot renders in worker threads: no shared state may leak from one chart into another."""
    charts = [
        ("Matti", [_goal("Liikun", *_weekly(1, 2, 3, 4, done=True))], "fi"),
        ("Maija", [_goal("Haen töitä", *_weekly(5, 4, 2)), _goal("Opiskelen")], "en"),
    ]
    expected = [render_progress(*chart) for chart in charts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda chart: render_progress(*chart), charts * 2))
    assert results == expected * 2
