"""The monthly report as a PDF the caseworker reads on a phone [002 §3.4.2, §3.7].

A5 portrait (a phone shows the page's width at about the size of a printed A5 page, so a
10 pt text stays readable without zooming), a header with the month and the client on
every page, sections with headings, tables for the meetings, absences and goals, and the
page number as "1/3" at the foot. The client is named by display name only: the
caseworker knows the client, and no other identifier goes into a document that travels.

Every word comes from the catalogs in the reader's language; dates and numbers through
Babel (messages.formatting). The font is matplotlib's bundled DejaVu Sans, so Finnish and
Swedish letters need no system font; characters it cannot draw (emoji in a coach's notes)
are dropped rather than printed as empty boxes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace

from bot.diary.texts import (
    CORRECTED,
    EMPLOYER,
    END_REASON,
    HOURS_WEEK,
    MINUTES,
    NO_ENTRIES,
    NO_MEETINGS,
    NO_WAGE_SUPPORT,
    WAGE_SUPPORT,
)
from bot.diary.texts import KIND_NAMES as ENTRY_KINDS
from bot.goals.texts import AREA_NAMES, STATUS_NAMES
from bot.meetings.notices import KIND_NAMES as MEETING_KINDS
from bot.periods.programs import program_name
from bot.periods.texts import NO_END, REASONS
from bot.reports.monthly import MonthlyReport
from bot.rules.goals import GoalStatus
from bot.rules.periods import EndReason
from messages.formatting import locale_of, show_date, show_short_datetime
from messages.i18n import N_, Translator, translator
from storage.models import MeetingKind

FAMILY = "DejaVu"
BODY_PT = 10
SMALL_PT = 8.5
HEADING_PT = 12.5
TITLE_PT = 16
MARGIN_MM = 10
LINE_MM = 5.0
PADDING_MM = 1
# fpdf2 cannot split a table row across pages: a cell taller than a page fails the whole
# report. A cell shows at most this many lines (about 100 mm of an A5 page's 182); a longer
# text ends in "…" there and follows the table in full as paragraphs, which do break.
CELL_LINES = 20

PERIOD_STATUS = {
    "active": N_("running"),
    "suspended": N_("suspended"),
    "ended": N_("ended"),
}


@cache
def _fonts() -> tuple[str, str]:
    import matplotlib

    base = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return str(base / "DejaVuSans.ttf"), str(base / "DejaVuSans-Bold.ttf")


@cache
def _glyphs() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    font = TTFont(_fonts()[0], lazy=True)
    return frozenset(font.getBestCmap())


def clean(text: str) -> str:
    """Text the font can draw: control characters become spaces (a newline stays), and
    characters DejaVu Sans lacks (emoji, other scripts) are dropped."""
    glyphs = _glyphs()
    out = []
    for char in text:
        if char == "\n":
            out.append(char)
        elif unicodedata.category(char).startswith("C"):
            out.append(" ")
        elif ord(char) in glyphs:
            out.append(char)
    return "".join(out).strip()


def compact(text: str) -> str:
    """`clean` with trailing spaces cut and each run of blank lines made one: a text of
    mostly line breaks (Enter held down in the chat) takes a line, not pages."""
    lines: list[str] = []
    for line in clean(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n"):
        line = line.rstrip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


class _Sheet(FPDF):
    """Pages with the report's running header and the "n/N" page number."""

    def __init__(self, running_head: str) -> None:
        super().__init__(orientation="P", unit="mm", format=(148, 210))  # A5
        self.running_head = running_head
        regular, bold = _fonts()
        self.add_font(FAMILY, "", regular)
        self.add_font(FAMILY, "B", bold)
        self.set_margins(MARGIN_MM, MARGIN_MM + 4, MARGIN_MM)
        self.set_auto_page_break(True, margin=MARGIN_MM + 4)

    def header(self) -> None:
        self.set_font(FAMILY, "", SMALL_PT)
        self.set_text_color(80)
        self.set_y(6)
        self.cell(0, 4, self.running_head, align="L")
        self.set_draw_color(180)
        self.line(MARGIN_MM, 11, self.w - MARGIN_MM, 11)
        self.set_text_color(0)
        self.set_y(MARGIN_MM + 4)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FAMILY, "", SMALL_PT)
        self.set_text_color(80)
        self.cell(0, 4, f"{self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0)


class _Writer:
    def __init__(self, report: MonthlyReport, language: str) -> None:
        self.r = report
        self.t: Translator = translator(language)
        self.lang = self.t.language
        self.locale = locale_of(self.lang)
        month = format_date(report.month, "LLLL yyyy", locale=self.locale)
        self.month = month[:1].upper() + month[1:]
        self.name = self.t("Monthly report")
        self.pdf = _Sheet(clean(f"{self.name} · {self.month} · {report.client}"))
        self.pdf.set_title(f"{self.name} {self.month}")
        self.pdf.set_creator("coachbot")

    # --- values ------------------------------------------------------------------------
    def num(self, value: float | Decimal | int) -> str:
        return format_decimal(value, format="#,##0.##", locale=self.locale)

    def eur(self, value: Decimal) -> str:
        return format_currency(value, "EUR", locale=self.locale)

    def day(self, value: date) -> str:
        return show_date(value, self.lang)

    def meeting_kind(self, kind: str) -> str:
        try:
            return self.t(MEETING_KINDS[MeetingKind(kind)])
        except (ValueError, KeyError):
            return kind

    # --- layout ------------------------------------------------------------------------
    def heading(self, text: str) -> None:
        pdf = self.pdf
        if pdf.get_y() > pdf.h - 45:  # a heading never stands alone at a page's foot
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font(FAMILY, "B", HEADING_PT)
        pdf.multi_cell(0, 6.5, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FAMILY, "", BODY_PT)
        pdf.ln(1)

    def para(self, text: str, size: float = BODY_PT) -> None:
        self.pdf.set_font(FAMILY, "", size)
        self.pdf.multi_cell(0, LINE_MM, compact(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_font(FAMILY, "", BODY_PT)

    def fit(self, text: str, width: float, line_height: float) -> tuple[str, bool]:
        """The cell's text as wrapped in `width` mm with the current font, at most
        CELL_LINES lines; True when it was cut (the cell then ends in "…")."""
        lines = self.pdf.multi_cell(
            width - 2 * PADDING_MM - 0.5, line_height, text, dry_run=True,
            output=MethodReturnValue.LINES,
        )  # fmt: skip
        if len(lines) <= CELL_LINES:
            return text, False
        kept = [line.rstrip() for line in lines[: CELL_LINES - 1]]
        kept[-1] = kept[-1][:-2].rstrip() + "…" if len(kept[-1]) > 2 else kept[-1] + "…"
        return "\n".join([*kept, self.t("(in full below the table)")]), True

    def table(
        self,
        head: Sequence[str] | None,
        body: Sequence[Sequence[str]],
        widths: Sequence[float],
        align: Sequence[str] | None = None,
    ) -> None:
        """`widths` in mm, summing to the page's text width. A cell too long for
        CELL_LINES shows its start; the whole text follows the table, under the row's
        first cell as its label."""
        pdf = self.pdf
        pdf.set_font(FAMILY, "", BODY_PT if head is None else SMALL_PT + 0.5)
        line_height = LINE_MM - (0 if head is None else 0.6)
        scale = pdf.epw / sum(widths)
        rows: list[list[str]] = []
        in_full: list[tuple[str, str]] = []
        for values in body:
            row = []
            for value, width in zip(values, widths, strict=True):
                text = compact(value)
                shown, cut = self.fit(text, width * scale, line_height)
                if cut:
                    label = ", ".join(compact(values[0]).splitlines()[:2])
                    in_full.append((label[:120], text))
                row.append(shown)
            rows.append(row)
        with pdf.table(
            col_widths=tuple(widths),
            width=pdf.epw,
            first_row_as_headings=head is not None,
            headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
            line_height=line_height,
            text_align=tuple(align) if align else "LEFT",
            borders_layout="HORIZONTAL_LINES",
            padding=PADDING_MM,
        ) as table:
            for values in ([[clean(v) for v in head]] if head is not None else []) + rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        pdf.set_font(FAMILY, "", BODY_PT)
        pdf.ln(1)
        for label, text in in_full:
            pdf.set_font(FAMILY, "B", BODY_PT)
            pdf.multi_cell(0, LINE_MM, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.para(text)
            pdf.ln(1)

    # --- sections ----------------------------------------------------------------------
    def title(self) -> None:
        pdf, t, r = self.pdf, self.t, self.r
        pdf.add_page()
        pdf.set_font(FAMILY, "B", TITLE_PT)
        pdf.multi_cell(0, 8, clean(f"{self.name}: {self.month}"),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
        pdf.set_font(FAMILY, "", BODY_PT)
        period = f"{self.day(r.period_start)} – " + (
            self.day(r.period_end) if r.period_end else t(NO_END)
        )
        status = t(PERIOD_STATUS.get(r.status, r.status))
        if r.ended_on is not None:
            reason = t(REASONS[EndReason(r.end_reason)]) if r.end_reason in _REASONS else ""
            status = t("ended {day}", day=self.day(r.ended_on)) + (f": {reason}" if reason else "")
        elif r.suspended is not None and r.suspended[1] >= r.month:
            status += ", " + t(
                "suspended {start} – {end}",
                start=self.day(r.suspended[0]),
                end=self.day(r.suspended[1]),
            )
        nobody = t("not named")
        rows = [
            [t("Client"), r.client],
            [t("Service"), program_name(r.program_key, t)],
            [t("Period"), period],
            [t("Status"), status],
            [t("Coach"), r.coach or nobody],
            [t("Caseworker"), r.caseworker or nobody],
            [t("Made on"), self.day(r.made_on)],
        ]
        self.table(None, rows, (32, 96))

    def figures(self) -> None:
        t, r, f = self.t, self.r, self.r.figures
        self.heading(t("The month in figures"))
        rows: list[list[str]] = []
        if f.billing == "work_allowance":
            rows.append([t("Attendance days"), self.num(f.attendance_days)])
            for hours, days in f.work_days.items():
                rows.append([t("Days of {hours} hours", hours=hours), self.num(days)])
            rows += [
                [t("Sick days"), self.num(f.sick_days)],
                [t("Days absent"), self.num(f.absence_days)],
                [t("Work allowance (työraha)"), self.eur(f.work_allowance)],
                [t("Leave days earned"), self.num(f.leave_days)],
            ]
        else:
            rows += [
                [t("Meetings held"), self.num(f.held)],
                [t("Hours held"), self.num(f.hours_held)],
            ]
        rows += [
            [t("Absences notified on time"), self.num(f.absent_on_time)],
            [t("Absences notified late"), self.num(f.absent_late)],
            [t("No-shows"), self.num(f.no_shows)],
        ]
        if f.cancelled:
            rows.append([t("Cancelled by the provider"), self.num(f.cancelled)])
        if f.unrecorded:
            rows.append([t("Meetings not recorded yet"), self.num(f.unrecorded)])
        if f.billing in ("hourly", "contract"):
            rows.append([t("Billable hours"), self.num(f.billable_hours)])
        if f.billing == "monthly":
            rows.append([t("Realised coaching month"), t("Yes") if f.realised_month else t("No")])
            if f.realised_month:
                rows.append([t("Monthly fee"), self.eur(f.month_fee)])
            if f.supplement:
                rows.append([t("Supplement for partial work ability"), self.eur(f.supplement)])
        if f.bonus:
            rows.append([t("Employment bonus"), self.eur(f.bonus)])
        elif f.bonus_pending:
            rows.append(
                [t("Employment bonus"), t("waiting for the job's 3 months and the pay certificate")]
            )
        if r.hours is not None:
            rows += [
                [t("Hours used by the end of the month"), self.num(r.hours.used)],
                [t("Hour cap"), self.num(r.hours.cap)],
                [t("Hours left"), self.num(r.hours.left)],
            ]
        rows += [
            [t("Employer contacts and meetings"), self.num(len(r.employer_contacts))],
            [t("Jobs started"), self.num(len(r.job_starts))],
            [t("Jobs ended"), self.num(len(r.job_ends))],
        ]
        self.table(None, rows, (92, 36), ("LEFT", "RIGHT"))

    def meetings(self) -> None:
        t, r = self.t, self.r
        self.heading(t("Meetings held"))
        if not r.meetings:
            self.para(t(NO_MEETINGS))
            return
        body = [
            [
                f"{self.day(m.day)}\n{self.meeting_kind(m.kind)}",
                self.num(m.hours),
                m.content or t("not written"),
            ]
            for m in r.meetings
        ]
        self.table([t("Meeting"), t("Hours"), t("What was done")], body, (36, 16, 76),
                   ("LEFT", "RIGHT", "LEFT"))  # fmt: skip

    def absences(self) -> None:
        t, r = self.t, self.r
        self.heading(t("Absences"))
        if not r.absences:
            self.para(t("No absences this month."))
        else:
            body = []
            for a in r.absences:
                notice = t("on time") if a.on_time else t("late")
                if a.sick:
                    notice += ", " + t("ill")
                body.append(
                    [
                        f"{self.day(a.day)}\n{self.meeting_kind(a.kind)}, {self.num(a.hours)} h",
                        notice,
                        show_short_datetime(a.deadline, self.lang) if a.deadline else "–",
                        show_short_datetime(a.notified_at, self.lang) if a.notified_at else "–",
                    ]
                )
            self.table([t("Meeting"), t("Notice"), t("Deadline"), t("Notified")], body,
                       (40, 24, 32, 32))  # fmt: skip
        self.heading(t("No-shows"))
        if not r.no_shows:
            self.para(t("No no-shows this month."))
            return
        body = [[self.day(n.day), self.meeting_kind(n.kind), self.num(n.hours)] for n in r.no_shows]
        self.table([t("Date"), t("Meeting"), t("Hours")], body, (36, 76, 16),
                   ("LEFT", "LEFT", "RIGHT"))  # fmt: skip

    def goals(self) -> None:
        t, r = self.t, self.r
        self.heading(t("Goal progress"))
        if not r.goals:
            self.para(t("No goals set."))
            return
        self.para(t("1 = not at all, 5 = very well"), SMALL_PT)
        body = []
        for g in r.goals:
            area = AREA_NAMES.get(g.area)
            name = g.text + (f"\n({t(area)})" if area else "")
            now = t("done") if g.done and g.latest is None else _score(g.latest)
            status = t(STATUS_NAMES[GoalStatus(g.status)]) if g.status in _STATUSES else g.status
            if g.closed_on is not None:
                status += f" {self.day(g.closed_on)}"
            body.append([name, now, _score(g.previous), status])
        self.table([t("Goal"), t("This month"), t("Before"), t("Status")], body,
                   (66, 18, 16, 28), ("LEFT", "CENTER", "CENTER", "LEFT"))  # fmt: skip

    def entries(self) -> None:
        t, r = self.t, self.r
        self.heading(t("Other work"))
        if not r.entries:
            self.para(t(NO_ENTRIES))
            return
        body = []
        for e in r.entries:
            name = ENTRY_KINDS.get(e.kind)
            parts = [e.text]
            if e.employer:
                parts.append(t(EMPLOYER, employer=e.employer))
            if e.minutes:
                parts.append(t(MINUTES, minutes=e.minutes))
            if e.hours_week is not None:
                parts.append(t(HOURS_WEEK, hours=self.num(e.hours_week)))
            if e.wage_support is not None:
                parts.append(t(WAGE_SUPPORT) if e.wage_support else t(NO_WAGE_SUPPORT))
            if e.end_reason:
                parts.append(t(END_REASON, reason=e.end_reason))
            if e.corrected:
                parts.append(t(CORRECTED))
            body.append([self.day(e.day), t(name) if name else e.kind, "\n".join(parts)])
        self.table([t("Date"), t("Work"), t("Details")], body, (26, 32, 70))

    def assessment(self) -> None:
        t = self.t
        self.heading(t("The coach's assessment"))
        self.para(self.r.assessment or t("Not written yet."))

    def render(self) -> bytes:
        self.title()
        self.figures()
        self.meetings()
        self.absences()
        self.goals()
        self.entries()
        self.assessment()
        return bytes(self.pdf.output())


_REASONS = {reason.value for reason in EndReason}
_STATUSES = {status.value for status in GoalStatus}


def _score(value: int | None) -> str:
    return "–" if value is None else f"{value}/5"


def render_pdf(report: MonthlyReport, language: str) -> bytes:
    """The report as PDF bytes, every word in `language` (fi, sv or en)."""
    return _Writer(report, language).render()
