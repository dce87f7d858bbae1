"""One client's monthly report [002 §3.4.2] on real SQLite and PostgreSQL: a month of
meetings with the diary's content, a notice on time and a late one (each with its
deadline), a no-show, goal check-ins and `/log` entries give the figures the caseworker
reads; the PDF holds them, in Finnish letters, with "n/N" page numbers; and the CLI's
CSV and XLSX rows agree with `report billing` for the same month."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from typer.testing import CliRunner

from bot.cli_report import report_app
from bot.diary.actions import Details, Kind, add_entry, correct_entry
from bot.reports.billing import billing_month
from bot.reports.monthly import MonthlyReport, NoReport, monthly_report
from bot.reports.pdf import render_pdf
from bot.rules.attendance import Outcome
from bot.rules.billing import billable_hours, planned_hours
from storage import audit, people
from storage.db import Database
from storage.models import (
    AbsenceNotice,
    Attendance,
    CheckIn,
    CheckInAnswer,
    Goal,
    Meeting,
    Role,
    ServicePeriod,
)
from tests.unit.test_cli_report import november

HELSINKI = ZoneInfo("Europe/Helsinki")
NOVEMBER = date(2026, 11, 1)
TODAY = date(2026, 12, 1)
runner = CliRunner()


def local(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=HELSINKI).astimezone(UTC)


def add_meeting(
    session,  # type: ignore[no-untyped-def]
    coach_id: int,
    client_id: int,
    start: datetime,
    hours: float,
    outcome: Outcome,
    *,
    used: float | None = None,
    kind: str = "individual",
    content: str | None = None,
    notice: tuple[str, str, datetime, datetime] | None = None,
) -> None:
    """A meeting with its recorded outcome, as bot.attendance records it; `notice` is
    (timing, reason, notified at, deadline)."""
    end = start + timedelta(hours=hours)
    meeting = Meeting(
        coach_id=coach_id, client_id=client_id, kind=kind, starts_at=start, ends_at=end
    )
    session.add(meeting)
    session.flush()
    if notice is not None:
        timing, reason, notified, deadline = notice
        session.add(
            AbsenceNotice(
                client_id=client_id,
                meeting_id=meeting.id,
                reason=reason,
                notified_at=notified,
                deadline=deadline,
                timing=timing,
            )
        )
    if outcome == Outcome.ATTENDED and used is None:
        used = hours
    session.add(
        Attendance(
            meeting_id=meeting.id,
            outcome=outcome.value,
            hours_used=used if outcome == Outcome.ATTENDED else None,
            billable_hours=billable_hours(outcome, planned=planned_hours(start, end), used=used),
            content=content,
        )
    )


def a_month(url: str) -> int:
    """Äijä Öhman's November 2026 in job-search coaching (35 h cap), with an October
    meeting (counted against the cap) and a December one (not this month's)."""

    def add(session) -> int:  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="Kaisa Kärki", language="fi")
        worker = people.add_person(session, role=Role.CASEWORKER, name="Ville Vä", language="fi")
        client = people.add_person(
            session,
            role=Role.CLIENT,
            name="Äijä Öhman",
            language="fi",
            coach_id=coach.id,
            caseworker_id=worker.id,
        )
        period = ServicePeriod(
            client_id=client.id,
            program_key="job-search",
            start_date=date(2026, 10, 1),
            planned_end=date(2027, 3, 31),
        )
        session.add(period)
        session.flush()
        c, k = client.id, coach.id
        add_meeting(session, k, c, local(20, 10, 10), 2.0, Outcome.ATTENDED, content="Alku")
        add_meeting(
            session,
            k,
            c,
            local(3, 10),
            2.0,
            Outcome.ATTENDED,
            used=1.5,
            content="CV päivitetty ja työpaikkoja etsitty 🚀",
        )
        add_meeting(
            session,
            k,
            c,
            local(5, 10),
            1.0,
            Outcome.ABSENT_ON_TIME,
            notice=("on_time", "ill", local(3, 12), local(4, 10)),
        )
        add_meeting(
            session,
            k,
            c,
            local(10, 10),
            1.0,
            Outcome.ABSENT_LATE,
            notice=("late", "other", local(10, 9), local(9, 10)),
        )
        add_meeting(session, k, c, local(12, 10), 2.0, Outcome.NO_SHOW)
        add_meeting(
            session,
            k,
            c,
            local(18, 9),
            1.0,
            Outcome.ATTENDED,
            kind="group",
            content="Ryhmässä harjoiteltiin haastattelua",
        )
        add_meeting(session, k, c, local(1, 10, 12), 1.0, Outcome.ATTENDED, content="Joulukuu")

        now = local(30, 12)
        add_entry(
            session,
            k,
            c,
            Kind.EMPLOYER_CONTACT,
            date(2026, 11, 6),
            Details(text="Soitin työpaikasta", employer="Kahvila Öljy"),
            now=now,
            tz=HELSINKI,
        )
        add_entry(
            session,
            k,
            c,
            Kind.JOB_START,
            date(2026, 11, 20),
            Details(
                text="Työsopimus allekirjoitettu",
                employer="Kahvila Öljy",
                hours_week=20.0,
                wage_support=False,
            ),
            now=now,
            tz=HELSINKI,
        )
        call = add_entry(
            session,
            k,
            c,
            Kind.CALL,
            date(2026, 11, 21),
            Details(text="Puhelu väärin", minutes=15),
            now=now,
            tz=HELSINKI,
        )
        assert call.id is not None
        correct_entry(session, k, call.id, "Puhelu: työn aloitus sujui", now=now)
        add_entry(
            session,
            k,
            c,
            Kind.OTHER,
            date(2026, 10, 30),
            Details(text="Lokakuun työ"),
            now=now,
            tz=HELSINKI,
        )

        cv = Goal(
            client_id=c,
            period_id=period.id,
            area="documents",
            text="Hyvä CV",
            criterion="CV on valmis",
            created_at=local(2, 10, 10),
        )
        job = Goal(
            client_id=c,
            period_id=period.id,
            area="employment",
            text="Löydän työn",
            criterion="Työsopimus",
            created_at=local(2, 10, 10),
            status="reached",
            evidence="Kahvila",
            closed_at=local(25, 12),
        )
        old = Goal(
            client_id=c,
            period_id=period.id,
            area="digital",
            text="Vanha tavoite",
            criterion="x",
            created_at=local(2, 10, 10),
            status="not_reached",
            evidence="y",
            closed_at=local(28, 12, 10),
        )
        session.add_all([cv, job, old])
        session.flush()
        for due, scores in (
            (local(20, 10, 10), {cv.id: 2, job.id: 1}),
            (local(10, 10), {cv.id: 3}),
            (local(24, 10), {cv.id: 4, job.id: 5}),
        ):
            round_ = CheckIn(client_id=c, due_at=due)
            session.add(round_)
            session.flush()
            for goal_id, score in scores.items():
                session.add(
                    CheckInAnswer(
                        checkin_id=round_.id, goal_id=goal_id, score=score, answered_at=due
                    )
                )
        return c

    db = Database(url)
    try:
        return db.call(add)
    finally:
        db.dispose()


def report_of(url: str, client_id: int, month: date = NOVEMBER) -> MonthlyReport:
    db = Database(url)
    try:
        return db.call(monthly_report, client_id=client_id, month=month, today=TODAY, tz=HELSINKI)
    finally:
        db.dispose()


def test_the_month_in_figures(database_url: str) -> None:
    client_id = a_month(database_url)
    report = report_of(database_url, client_id)

    assert (report.client, report.coach, report.caseworker) == (
        "Äijä Öhman",
        "Kaisa Kärki",
        "Ville Vä",
    )
    assert (report.program_key, report.period_start, report.period_end, report.status) == (
        "job-search",
        date(2026, 10, 1),
        date(2027, 3, 31),
        "active",
    )
    held = [(m.day, m.kind, m.hours, m.content) for m in report.meetings]
    assert held == [
        (date(2026, 11, 3), "individual", 1.5, "CV päivitetty ja työpaikkoja etsitty 🚀"),
        (date(2026, 11, 18), "group", 1.0, "Ryhmässä harjoiteltiin haastattelua"),
    ]
    on_time, late = report.absences
    assert (on_time.day, on_time.on_time, on_time.sick, on_time.hours) == (
        date(2026, 11, 5),
        True,
        True,
        1.0,
    )
    assert on_time.deadline == datetime(2026, 11, 4, 10, tzinfo=HELSINKI)
    assert (late.on_time, late.sick, late.deadline) == (
        False,
        False,
        datetime(2026, 11, 9, 10, tzinfo=HELSINKI),
    )
    assert late.notified_at == datetime(2026, 11, 10, 9, tzinfo=HELSINKI)
    assert [(n.day, n.hours) for n in report.no_shows] == [(date(2026, 11, 12), 2.0)]

    f = report.figures
    assert (f.held, f.hours_held, f.absent_on_time, f.absent_late, f.no_shows) == (
        2,
        Decimal("2.5"),
        1,
        1,
        1,
    )
    assert f.billable_hours == Decimal("5.5")  # 2.5 held + 1 late + 2 no-show
    # The cap counts October too, and nothing of December: 2 + 5.5.
    assert report.hours is not None
    assert (report.hours.cap, report.hours.used, report.hours.left) == (35.0, 7.5, 27.5)
    assert report.hours.coached == 4.5

    goals = {g.text: g for g in report.goals}
    assert set(goals) == {"Hyvä CV", "Löydän työn"}  # "Vanha tavoite" closed in October
    cv, job = goals["Hyvä CV"], goals["Löydän työn"]
    assert (cv.latest, cv.previous, cv.change, cv.answers, cv.status) == (4, 2, 2, 2, "open")
    assert (job.latest, job.previous, job.status, job.closed_on) == (
        5,
        1,
        "reached",
        date(2026, 11, 25),
    )

    kinds = [(e.day, e.kind, e.corrected) for e in report.entries]
    assert kinds == [
        (date(2026, 11, 6), "employer_contact", False),
        (date(2026, 11, 20), "job_start", False),
        (date(2026, 11, 21), "call", True),  # a correction, marked as such
    ]
    assert report.entries[2].text == "Puhelu: työn aloitus sujui"  # the latest version
    assert len(report.employer_contacts) == 1
    assert [(j.employer, j.hours_week, j.wage_support) for j in report.job_starts] == [
        ("Kahvila Öljy", 20.0, False)
    ]
    assert report.assessment is None

    # The same figures as the month's billing line.
    db = Database(database_url)
    try:
        billing = db.call(billing_month, month=NOVEMBER, today=TODAY)
        (line,) = [li for li in billing.lines if li.client_id == client_id]
        assert line.figures == report.figures
        seen = db.call(lambda s: audit.entries(s, action="report.view"))
        assert [(e.actor_id, e.subject_id) for e in seen] == [(None, client_id)]
    finally:
        db.dispose()


def test_the_figures_count_the_month_in_the_reports_time_zone(database_url: str) -> None:
    """The report's `tz` reaches the figures: a meeting at 00:30 on 1 December in Helsinki
    is 30 November in UTC, so a report made in UTC lists it in November and counts it."""
    utc = ZoneInfo("UTC")

    def add(session) -> int:  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="Kaisa", language="fi")
        client = people.add_person(
            session, role=Role.CLIENT, name="Uuno", language="fi", coach_id=coach.id
        )
        session.add(
            ServicePeriod(
                client_id=client.id,
                program_key="job-search",
                start_date=date(2026, 10, 1),
                planned_end=date(2027, 3, 31),
            )
        )
        add_meeting(session, coach.id, client.id, local(1, 0, 12), 1.0, Outcome.ATTENDED)
        return client.id

    db = Database(database_url)
    try:
        client_id = db.call(add)
        in_utc = db.call(monthly_report, client_id=client_id, month=NOVEMBER, today=TODAY, tz=utc)
        in_helsinki = db.call(
            monthly_report, client_id=client_id, month=NOVEMBER, today=TODAY, tz=HELSINKI
        )
    finally:
        db.dispose()
    assert [m.hours for m in in_utc.meetings] == [1.0]
    assert (in_utc.figures.held, in_utc.figures.hours_held) == (1, Decimal("1.0"))
    assert (in_helsinki.figures.held, len(in_helsinki.meetings)) == (0, 0)


def test_a_client_without_a_period_in_the_month(database_url: str) -> None:
    client_id = a_month(database_url)
    with pytest.raises(NoReport):
        report_of(database_url, client_id, date(2026, 9, 1))
    with pytest.raises(NoReport):
        report_of(database_url, 999_999)


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_pdf(database_url: str) -> None:
    client_id = a_month(database_url)
    report = report_of(database_url, client_id)
    report.assessment = "Äijä on edistynyt hyvin: työ alkoi. Öljy-kahvila on hyvä paikka."
    pages, text = pdf_text(render_pdf(report, "fi"))
    words = flat(text)
    assert data_in(words)
    assert "Äijä on edistynyt hyvin" in words
    assert "marraskuu 2026" in words.lower()
    assert "myöhässä" in words and "ajoissa" in words  # the notices, in Finnish
    assert "Ryhmätapaaminen" in words and "Yhteydenotto työnantajaan" in words
    assert "🚀" not in text  # the font cannot draw it: dropped, not a box
    assert pages >= 2
    for n in range(1, pages + 1):
        assert f"{n}/{pages}" in text
    # Numbers in the reader's language.
    _, english = pdf_text(render_pdf(report, "en"))
    assert "5.5" in flat(english) and "Group meeting" in english
    assert "Monthly report" in english


def data_in(words: str) -> bool:
    """The month's figures and facts as the Finnish PDF writes them."""
    for expected in (
        "Äijä Öhman",
        "Kaisa Kärki",
        "Ville Vä",
        "CV päivitetty ja työpaikkoja etsitty",
        "Kahvila Öljy",
        "Puhelu: työn aloitus sujui",
        "Hyvä CV",
        "4/5",
        "2/5",
        "5,5",  # billable hours
        "7,5",  # used by the month's end
        "27,5",  # left of 35
        "ke 4.11. klo 10.00",  # the on-time notice's deadline
        "ma 9.11. klo 10.00",  # the late notice's deadline
        "to 12.11.2026",  # the no-show
    ):
        assert expected in words, expected
    return True


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(report_app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def written(out: str, suffix: str) -> list[Path]:
    return [Path(line) for line in out.splitlines() if line.endswith(suffix)]


def test_cli_pdf_for_every_client(env: str, tmp_path: Path) -> None:
    ids = november(env)
    mine = a_month(env)
    code, out = cli("monthly", "--month", "2026-11", "--out", str(tmp_path / "pdf"))
    assert code == 0, out
    paths = written(out, ".pdf")
    # Anna, Bo, Cecilia, Dan (his bonus falls in November), Eeva, and Äijä: not Fredrik.
    assert len(paths) == 6 and all(p.exists() for p in paths)
    assert "6 monthly report(s)" in out
    texts = {p.name: flat(pdf_text(p.read_bytes())[1]) for p in paths}
    (mine_pdf,) = [name for name in texts if f"-{mine}-" in name]
    assert data_in(texts[mine_pdf])
    (eeva,) = [text for name, text in texts.items() if f"-{ids['eeva']}-" in name]
    assert "140,00" in eeva  # työraha

    code, out = cli(
        "monthly",
        "--month",
        "2026-11",
        "--client",
        str(mine),
        "--format",
        "pdf",
        "--language",
        "sv",
        "--out",
        str(tmp_path / "one"),
    )
    assert code == 0, out
    (one,) = written(out, ".pdf")
    assert "Äijä Öhman" in flat(pdf_text(one.read_bytes())[1])
    assert "5,5" in flat(pdf_text(one.read_bytes())[1])


def rows_of(path: Path) -> list[dict[str, object]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as source:
            return list(csv.DictReader(source))  # type: ignore[arg-type]
    sheet = load_workbook(path).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cli_table_reconciles_with_billing(env: str, tmp_path: Path, fmt: str) -> None:
    november(env)
    mine = a_month(env)
    code, out = cli("monthly", "--month", "2026-11", "--format", fmt, "--out", str(tmp_path))
    assert code == 0, out
    (path,) = written(out, f".{fmt}")
    monthly = rows_of(path)
    code, out = cli("billing", "--month", "2026-11", "--format", fmt, "--out", str(tmp_path))
    assert code == 0, out
    (billed,) = written(out, f".{fmt}")
    billing = [r for r in rows_of(billed) if r["client"] != "total"]

    def key(row: dict[str, object]) -> tuple[str, str]:
        return (str(row["client_id"]), str(row["period_id"]))

    assert sorted(map(key, monthly)) == sorted(map(key, billing))
    by_key = {key(r): r for r in billing}
    for row in monthly:
        other = by_key[key(row)]
        for column, value in other.items():
            assert str(row[column]) == str(value), column
    # Each program's billing total is the sum of the monthly reports' rows.
    totals = [r for r in rows_of(billed) if r["client"] == "total"]
    assert len(totals) == 3
    for total in totals:
        mine_rows = [r for r in monthly if r["program"] == total["program"]]
        for column in ("billable_hours", "invoiced_eur", "tyoraha_eur", "no_shows"):
            summed = sum((Decimal(str(r[column])) for r in mine_rows), Decimal(0))
            assert summed == Decimal(str(total[column])), column
    (me,) = [r for r in monthly if str(r["client_id"]) == str(mine)]
    assert Decimal(str(me["billable_hours"])) == Decimal("5.5")
    assert Decimal(str(me["hours_left"])) == Decimal("27.5")
    assert (int(me["employer_contacts"]), int(me["job_starts"])) == (1, 1)  # type: ignore[call-overload]


def test_cli_refusals(env: str, tmp_path: Path) -> None:
    code, out = cli("monthly", "--month", "2026-13", "--out", str(tmp_path))
    assert code == 1 and "YYYY-MM" in out
    code, out = cli("monthly", "--month", "2026-11", "--client", "424242", "--out", str(tmp_path))
    assert code == 1 and "no period of client 424242" in out
    code, out = cli("monthly", "--month", "2026-11", "--language", "de", "--out", str(tmp_path))
    assert code == 1 and "--language" in out
