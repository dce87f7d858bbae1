"""The /progress chart: a client's goal check-in history as one PNG, made to be read on a phone.

Rendered headless with matplotlib's object API on the Agg canvas only. The bot calls this from
a worker thread (asyncio.to_thread), so nothing here touches pyplot or the global rcParams:
every figure, font and size is local to one call. Sizes are given in pixels of the final image
(a phone shows the 1080 px wide picture about 400 pt wide, so text must be large), and the
image has a fixed, predictable size: WIDTH_PX × height_px(number of goals).

Goal titles and criteria are the client's own words. They may hold emoji, scripts the bundled
DejaVu Sans lacks, control characters or dollar signs; characters the font cannot draw are
dropped before layout (matplotlib would otherwise warn on every missing glyph, and the
warnings filters are process-global, so they cannot be silenced per call in a thread), and
user text is never parsed as mathtext.
"""

from __future__ import annotations

import datetime
import io
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from babel.dates import format_date
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D

from messages.formatting import locale_of
from messages.i18n import Translator, translator

__all__ = ["WIDTH_PX", "GoalSeries", "Point", "height_px", "render_progress"]


@dataclass(frozen=True)
class Point:
    """One check-in answer: how well the goal went (1..5), or that it is done."""

    day: datetime.date
    score: int | None  # 1..5, None when `done` is True
    done: bool = False  # the client said the goal is done


@dataclass(frozen=True)
class GoalSeries:
    """One goal and its check-in answers, oldest first."""

    title: str  # the goal in the client's own words (may be long, odd Unicode, emoji)
    criterion: str  # what shows it is reached
    points: tuple[Point, ...]  # oldest first; may be empty
    closed: str | None = None  # None while open; else a short translated status, "Saavutettu"


WIDTH_PX = 1080
MAX_GOALS = 8  # more panels would make the image too tall to read on a phone

# Layout in pixels of the final image; one pixel is one dot at _DPI.
_DPI = 100
_HEADER_PX = 140  # figure title and the scale legend
_PANEL_PX = 450  # one goal: title, criterion, plot, date labels
_FOOTER_PX = 70  # the "n more goals" footnote (kept even when empty: the size stays predictable)
_MARGIN_PX = 40

# Font sizes in pixels of the final image (a 1080 px image shown ~400 pt wide on a phone).
_FIGURE_TITLE_PX = 44
_GOAL_TITLE_PX = 32
_TEXT_PX = 24  # criterion, legend, footnote, "no answers yet"
_TICK_PX = 24

# High-contrast colours that survive a dimmed phone screen and colour-blind readers.
_BACKGROUND = "white"
_INK = "#111827"
_MUTED = "#374151"
_GRID = "#d1d5db"
_LINE = "#1d4ed8"
_DONE = "#15803d"
_BADGE_FACE = "#dcfce7"
_BADGE_INK = "#14532d"

_SCORES = (1, 2, 3, 4, 5)
_DONE_Y = 5.9  # "done" sits above the 1..5 scale, on its own labelled tick
_FONT_FAMILY = "DejaVu Sans"  # bundled with matplotlib; covers Finnish and Swedish letters
_ELLIPSIS = "…"
_LINESPACING = 1.25


def height_px(goal_count: int) -> int:
    """The exact pixel height of the image for that many goals (at most MAX_GOALS drawn)."""
    panels = min(max(goal_count, 1), MAX_GOALS)
    return _HEADER_PX + _PANEL_PX * panels + _FOOTER_PX


def render_progress(client_name: str, goals: Sequence[GoalSeries], language: str) -> bytes:
    """PNG bytes: one panel per goal (the first MAX_GOALS), WIDTH_PX × height_px(len(goals))."""
    t = translator(language)
    shown = list(goals[:MAX_GOALS])
    height = height_px(len(goals))
    figure = Figure(figsize=(WIDTH_PX / _DPI, height / _DPI), dpi=_DPI, facecolor=_BACKGROUND)
    canvas = FigureCanvasAgg(figure)
    sheet = _Sheet(figure, canvas.get_renderer(), height)

    title = t("Progress: {name}", name=_drawable(client_name))
    sheet.text(
        _MARGIN_PX,
        24,
        sheet.fit(title, _FIGURE_TITLE_PX, WIDTH_PX - 2 * _MARGIN_PX, bold=True),
        _FIGURE_TITLE_PX,
        bold=True,
    )
    legend = t("1 = not at all, 5 = very well")
    sheet.text(
        _MARGIN_PX,
        86,
        sheet.fit(legend, _TEXT_PX, WIDTH_PX - 2 * _MARGIN_PX),
        _TEXT_PX,
        color=_MUTED,
    )

    if not shown:
        sheet.text(
            WIDTH_PX / 2,
            _HEADER_PX + _PANEL_PX / 2,
            t("No check-in answers yet"),
            _TEXT_PX,
            color=_MUTED,
            ha="center",
            va="center",
        )
    done_label = sheet.fit(t("done"), _TICK_PX, 260)
    label_px = max(sheet.width(text, _TICK_PX) for text in (*map(str, _SCORES), done_label))
    plot_left = _MARGIN_PX + label_px + 24
    for index, goal in enumerate(shown):
        top = _HEADER_PX + index * _PANEL_PX
        if index:
            sheet.rule(top)
        _draw_goal(sheet, t, goal, top, plot_left, done_label)

    hidden = len(goals) - len(shown)
    if hidden > 0:
        note = t.plural("{n} more goal is not shown.", "{n} more goals are not shown.", hidden)
        sheet.text(
            _MARGIN_PX,
            height - _FOOTER_PX + 18,
            sheet.fit(note, _TEXT_PX, WIDTH_PX - 2 * _MARGIN_PX),
            _TEXT_PX,
            color=_MUTED,
        )

    buffer = io.BytesIO()
    canvas.print_png(buffer)  # not savefig: no rcParams["savefig.*"] may change the size
    return buffer.getvalue()


def _draw_goal(
    sheet: _Sheet, t: Translator, goal: GoalSeries, top: float, plot_left: float, done_label: str
) -> None:
    """One panel: wrapped title, one-line criterion (and status badge), then the plot."""
    text_width = WIDTH_PX - 2 * _MARGIN_PX
    title = sheet.fit(
        _drawable(goal.title) or _ELLIPSIS, _GOAL_TITLE_PX, text_width, bold=True, lines=2
    )
    sheet.text(_MARGIN_PX, top + 14, title, _GOAL_TITLE_PX, bold=True)

    # Right under the title, however many lines it took; the plot below stays put.
    criterion_top = top + 24 + (title.count("\n") + 1) * _GOAL_TITLE_PX * _LINESPACING
    if goal.closed:
        status = sheet.fit(_drawable(goal.closed) or _ELLIPSIS, _TEXT_PX, 300, bold=True)
        pad = _TEXT_PX * 0.4
        sheet.text(
            WIDTH_PX - _MARGIN_PX - pad,
            criterion_top,
            status,
            _TEXT_PX,
            bold=True,
            color=_BADGE_INK,
            ha="right",
            badge=pad,
        )
        text_width -= sheet.width(status, _TEXT_PX, bold=True) + 2 * pad + 24
    criterion = t("Criterion: {criterion}", criterion=_drawable(goal.criterion))
    sheet.text(
        _MARGIN_PX,
        criterion_top,
        sheet.fit(criterion, _TEXT_PX, text_width),
        _TEXT_PX,
        color=_MUTED,
    )

    axes = sheet.axes(plot_left, top + 160, WIDTH_PX - _MARGIN_PX, top + _PANEL_PX - 58)
    _style_axes(axes, done_label)
    points = sorted(goal.points, key=lambda point: point.day)
    if not points:
        axes.set_xticks([])
        axes.text(
            0.5,
            0.5,
            t("No check-in answers yet"),
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontproperties=sheet.font(_TEXT_PX),
            color=_MUTED,
            parse_math=False,
            usetex=False,
        )
        return

    scored = [p for p in points if not p.done and p.score is not None]
    # Dots shrink when there are so many answers that full-size ones would merge into a bar.
    spacing_px = (WIDTH_PX - _MARGIN_PX - plot_left) / max(len(points), 1)
    axes.plot(
        [p.day.toordinal() for p in scored],
        [p.score for p in scored],
        color=_LINE,
        linewidth=4,
        marker="o",
        markersize=(size := min(13.0, max(5.0, spacing_px * 0.5))),
        markerfacecolor=_LINE,
        markeredgecolor="white",
        markeredgewidth=2 if size > 9 else 0,
        solid_capstyle="round",
        zorder=3,
    )
    done = [p for p in points if p.done]
    axes.plot(
        [p.day.toordinal() for p in done],
        [_DONE_Y] * len(done),
        linestyle="none",
        marker="*",
        markersize=30,
        markerfacecolor=_DONE,
        markeredgecolor="white",
        markeredgewidth=1.5,
        zorder=4,
        clip_on=False,
    )
    _date_axis(sheet, axes, [p.day for p in points], t.language)


def _style_axes(axes: Axes, done_label: str) -> None:
    """The fixed 1..5 scale plus the 'done' row, light grid, no chart junk."""
    axes.set_facecolor(_BACKGROUND)
    axes.set_ylim(0.6, 6.3)
    fonts = {"fontsize": _points(_TICK_PX), "fontfamily": _FONT_FAMILY, "color": _INK}
    axes.set_yticks([*_SCORES, _DONE_Y], [*map(str, _SCORES), done_label], **fonts)
    axes.tick_params(axis="both", length=6, width=1.5, pad=8, colors=_INK)
    axes.get_yticklabels()[-1].set_color(_DONE)
    axes.grid(axis="y", color=_GRID, linewidth=1.2)
    axes.axhline(5.45, color=_GRID, linewidth=1.2, linestyle=(0, (4, 4)))
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        axes.spines[side].set_color(_MUTED)
        axes.spines[side].set_linewidth(1.5)


def _date_axis(sheet: _Sheet, axes: Axes, days: list[datetime.date], language: str) -> None:
    """Label check-in days, newest first kept, skipping days whose labels would collide."""
    first, last = days[0].toordinal(), days[-1].toordinal()
    span = last - first
    labels = {day: _short_date(day, language) for day in days}
    widest = max(sheet.width(label, _TICK_PX) for label in labels.values())
    axes_px = axes.get_position().width * WIDTH_PX
    # Room at both ends for the star and for the first and last date label (centred on its
    # tick) to stay inside the image.
    pad_px = max(widest / 2 - _MARGIN_PX + 12, 24)
    pad = span * pad_px / (axes_px - 2 * pad_px) if span else 1.0  # one day: ±1 day
    axes.set_xlim(first - pad, last + pad)
    min_gap = (widest + 28) / axes_px * (span + 2 * pad)
    ticks: list[datetime.date] = []
    for day in sorted(labels, reverse=True):
        if not ticks or ticks[-1].toordinal() - day.toordinal() >= min_gap:
            ticks.append(day)
    ticks.reverse()
    axes.set_xticks(
        [day.toordinal() for day in ticks],
        [labels[day] for day in ticks],
        fontsize=_points(_TICK_PX),
        fontfamily=_FONT_FAMILY,
        color=_INK,
    )


def _short_date(day: datetime.date, language: str) -> str:
    """'3.2.' in Finnish and Swedish, '3 Feb' in English: short enough for a tick."""
    pattern = "d MMM" if language == "en" else "d.M."
    return format_date(day, format=pattern, locale=locale_of(language))


def _points(pixels: float) -> float:
    """Font sizes are set in points; the layout is thought in pixels of the final image."""
    return pixels * 72 / _DPI


@cache
def _glyphs() -> frozenset[int]:
    """Code points both the regular and the bold DejaVu Sans can draw (read once, read-only)."""
    regular, bold = (
        frozenset(font_manager.get_font(font_manager.findfont(font)).get_charmap())
        for font in (
            FontProperties(family=_FONT_FAMILY),
            FontProperties(family=_FONT_FAMILY, weight="bold"),
        )
    )
    return regular & bold


def _drawable(text: str) -> str:
    """User text reduced to what the font can draw, on one line with single spaces.

    Missing glyphs (most emoji, CJK, ...) would be boxes plus a warning each; control and
    format characters (zero-width joiners, bidi overrides, lone surrogates) are dropped too.
    """
    glyphs = _glyphs()
    kept: list[str] = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char)[0] != "C" and ord(char) in glyphs:
            kept.append(char)
    return " ".join("".join(kept).split())


class _Sheet:
    """Pixel-based drawing on one figure: positions from the top-left, sizes in pixels."""

    def __init__(self, figure: Figure, renderer: RendererAgg, height: int) -> None:
        self.figure = figure
        self.renderer = renderer
        self.height = height

    def font(self, size_px: float, *, bold: bool = False) -> FontProperties:
        return FontProperties(
            family=_FONT_FAMILY, size=_points(size_px), weight="bold" if bold else "normal"
        )

    def width(self, text: str, size_px: float, *, bold: bool = False) -> float:
        """The drawn width of one line in pixels, measured with the real font."""
        width, _, _ = self.renderer.get_text_width_height_descent(
            text, self.font(size_px, bold=bold), ismath=False
        )
        return float(width)

    def fit(
        self, text: str, size_px: float, max_px: float, *, bold: bool = False, lines: int = 1
    ) -> str:
        """Wrap to at most `lines` lines no wider than max_px, the last cut with '…' if need be.

        textwrap counts characters, so the wrap width is narrowed until the measured lines fit
        (wide letters, capitals and long words differ a lot from the average).
        """
        # Hardly a glyph is narrower than a fifth of the font size, so more would not fit:
        # measuring it wastes time (zero-width marks only get the text cut a little early).
        limit = int(lines * max_px / (size_px * 0.2)) + 1
        cut = len(text) > limit
        text = text[:limit]
        if not cut and self.width(text, size_px, bold=bold) <= max_px:
            return text
        if lines <= 1:
            return self._cut(text, size_px, max_px, bold=bold)
        width = max(int(max_px / (size_px * 0.45)), 1)
        while True:
            wrapped = textwrap.wrap(text, width=width, break_long_words=True)
            if width == 1 or all(
                self.width(line, size_px, bold=bold) <= max_px for line in wrapped[:lines]
            ):
                break
            width = max(1, width - max(1, width // 12))
        if cut or len(wrapped) > lines:
            rest = " ".join(wrapped[lines - 1 :])
            wrapped = [*wrapped[: lines - 1], self._cut(rest, size_px, max_px, bold=bold)]
        return "\n".join(wrapped)

    def _cut(self, text: str, size_px: float, max_px: float, *, bold: bool = False) -> str:
        """The longest start of text that fits with '…' after it, at a space if one is near."""
        low, high = 0, len(text)  # text[:low] + "…" fits; text[:high + 1] + "…" would not
        while low < high:
            middle = (low + high + 1) // 2
            if self.width(text[:middle].rstrip() + _ELLIPSIS, size_px, bold=bold) <= max_px:
                low = middle
            else:
                high = middle - 1
        head = text[:low]
        space = head.rfind(" ")
        if space > low * 0.7:
            head = head[:space]
        return head.rstrip() + _ELLIPSIS

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size_px: float,
        *,
        bold: bool = False,
        color: str = _INK,
        ha: str = "left",
        va: str = "top",
        badge: float = 0.0,
    ) -> None:
        """Figure text at pixel (x, y) from the top-left; never mathtext, never TeX."""
        artist = self.figure.text(
            x / WIDTH_PX,
            1 - y / self.height,
            text,
            fontproperties=self.font(size_px, bold=bold),
            color=color,
            ha=ha,
            va=va,
            linespacing=_LINESPACING,
            parse_math=False,
            usetex=False,
        )
        if badge:
            artist.set_bbox(
                {
                    "boxstyle": f"round,pad={badge / size_px:.2f}",
                    "facecolor": _BADGE_FACE,
                    "edgecolor": _DONE,
                    "linewidth": 1.5,
                }
            )

    def rule(self, y: float) -> None:
        """A thin separator line across the image between two panels."""
        level = 1 - y / self.height
        self.figure.add_artist(
            Line2D(
                [_MARGIN_PX / WIDTH_PX, 1 - _MARGIN_PX / WIDTH_PX],
                [level, level],
                color=_GRID,
                linewidth=2,
            )
        )

    def axes(self, left: float, top: float, right: float, bottom: float) -> Axes:
        """Axes occupying the pixel box (left, top)-(right, bottom) of the image."""
        return self.figure.add_axes(
            (
                left / WIDTH_PX,
                1 - bottom / self.height,
                (right - left) / WIDTH_PX,
                (bottom - top) / self.height,
            )
        )
