"""The monthly report's PDF with texts people really type [002 §3.4.2]: a meeting's content
or a job's end reason of mostly line breaks, or of many short lines, is taller than an A5
page as one table cell, which fpdf2 cannot render. The report still renders: blank runs
collapse, a long cell shows its start and the whole text follows the table."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from bot.reports.monthly import Entry, HeldMeeting, MonthlyReport
from bot.reports.pdf import CELL_LINES, compact, render_pdf
from bot.rules.reports import MonthFigures

NOVEMBER = date(2026, 11, 1)
BREAKS = "Alkuteksti" + "\n" * 1000 + "Lopputeksti"  # 1,000 line breaks between two words
SIXTY = "\n".join(f"rivi {n} tehty" for n in range(1, 61))  # 60 short lines
CRLF = "Syy alussa" + "\r\n \t" * 140 + "\r\nsyy lopussa"  # Windows line ends and blanks


def report(content: str, reason: str, text: str = "Puhelu työnantajalle") -> MonthlyReport:
    start = datetime(2026, 11, 3, 8, tzinfo=UTC)
    return MonthlyReport(
        month=NOVEMBER,
        made_on=date(2026, 12, 1),
        client_id=1,
        client="Äijä Öhman",
        period_id=1,
        program_key="job-search",
        period_start=date(2026, 9, 1),
        period_end=None,
        status="active",
        ended_on=None,
        end_reason=None,
        suspended=None,
        coach="Kaisa Kärki",
        caseworker="Ville Vä",
        figures=MonthFigures(program_key="job-search", billing="hourly", month=NOVEMBER),
        meetings=[
            HeldMeeting(start, start.replace(hour=9), "individual", 1.0, content),
            HeldMeeting(
                start.replace(day=5),
                start.replace(day=5, hour=10),
                "individual",
                2.0,
                "Lyhyt tapaaminen",
            ),
        ],
        entries=[
            Entry(
                day=date(2026, 11, 20),
                kind="job_end",
                text=text,
                employer="Kahvila Öljy",
                end_reason=reason,
            ),
            Entry(day=date(2026, 11, 21), kind="call", text="Soitto", minutes=15),
        ],
    )


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize(
    ("content", "reason", "text"),
    [
        (BREAKS, BREAKS[:300], "Puhelu"),
        (SIXTY, SIXTY, SIXTY),
        (CRLF, CRLF, BREAKS),
    ],
    ids=["line-breaks", "sixty-lines", "crlf"],
)
def test_a_cell_taller_than_a_page_still_renders(content: str, reason: str, text: str) -> None:
    pages, found = pdf_text(render_pdf(report(content, reason, text), "fi"))
    words = " ".join(found.split())
    for expected in (
        "Alkuteksti",
        "Lopputeksti",
        "rivi 1 tehty",
        "rivi 60 tehty",
        "Syy alussa",
        "syy lopussa",
    ):
        if expected.split()[0] in content + reason + text:
            assert expected in words, expected
    # The rest of the report is there too, after the long rows.
    assert "Lyhyt tapaaminen" in words and "Soitto" in words
    assert "Muu työ" in words and "Valmentajan arvio" in words
    for n in range(1, pages + 1):
        assert f"{n}/{pages}" in found


def test_blank_runs_collapse_so_the_text_stays_short() -> None:
    pages, found = pdf_text(render_pdf(report(BREAKS, CRLF), "fi"))
    assert pages <= 2  # 1,000 line breaks would be ~25 pages of empty lines
    assert "Alkuteksti" in found and "syy lopussa" in found
    assert compact(BREAKS) == "Alkuteksti\n\nLopputeksti"
    assert compact(CRLF) == "Syy alussa\n\nsyy lopussa"
    assert compact("a\n\n\nb\nc  \n") == "a\n\nb\nc"


def test_sixty_lines_show_their_start_in_the_row_and_all_below() -> None:
    _, found = pdf_text(render_pdf(report(SIXTY, "Työ loppui"), "fi"))
    lines = found.splitlines()
    # In the table: the start, cut with "…" and a pointer to the whole text.
    assert any(line.endswith("…") for line in lines)
    assert "(koko teksti taulukon alla)" in found or "(in full below the table)" in found
    # Below the table: each of the 60 lines, in order, once more than the cell shows.
    assert found.count("rivi 60 tehty") == 1
    assert found.count("rivi 1 tehty") == 2
    assert found.count(f"rivi {CELL_LINES - 2} tehty") == 2
    assert found.index("rivi 59 tehty") < found.index("rivi 60 tehty")


def test_a_short_text_is_not_cut() -> None:
    _, found = pdf_text(render_pdf(report("Kolme\nlyhyttä\nriviä", "Työ loppui"), "en"))
    assert "(in full below the table)" not in found
    assert "Kolme" in found and "riviä" in found
