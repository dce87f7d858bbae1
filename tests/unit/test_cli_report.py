"""`coachbot report billing` as an admin meets it, on real SQLite and PostgreSQL: a month
of recorded meetings, notices, a realised on-the-job month with the supplement, a bonus
whose 3 months are full in the month (verified with the pay certificate; unverified it
waits, and it is billed in the month it is verified), and work-activity days; the CSV
opens with the csv module and the XLSX with openpyxl, and each program's total row equals
its lines' sum."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli_report import report_app
from bot.rules.attendance import Outcome
from bot.rules.billing import billable_hours, planned_hours
from storage import people
from storage.db import Database
from storage.models import (
    AbsenceNotice,
    Attendance,
    Meeting,
    MeetingStatus,
    PeriodStatus,
    Role,
    ServicePeriod,
)

runner = CliRunner()
HELSINKI = ZoneInfo("Europe/Helsinki")
D = date


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    monkeypatch.setenv("DATABASE_URL", database_url)
    return database_url


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(report_app, list(args))
    return result.exit_code, result.output


class Month:
    """People, periods and November 2026's meetings, written as the features write them."""

    def __init__(self, session) -> None:  # type: ignore[no-untyped-def]
        self.session = session
        self.coach = people.add_person(session, role=Role.COACH, name="Kaisa", language="fi")

    def client(self, name: str, program: str, start: date, end: date | None, **period) -> int:  # type: ignore[no-untyped-def]
        person = people.add_person(
            self.session, role=Role.CLIENT, name=name, language="fi", coach_id=self.coach.id
        )
        prefs = period.pop("preferences", None)
        if prefs:
            person.preferences = prefs
            self.session.add(person)
        self.session.add(
            ServicePeriod(
                client_id=person.id,
                program_key=program,
                start_date=start,
                planned_end=end,
                **period,
            )
        )
        self.session.flush()
        assert person.id is not None
        return person.id

    def meeting(
        self,
        client_id: int,
        local: datetime,
        hours: float,
        outcome: Outcome | None = Outcome.ATTENDED,
        *,
        used: float | None = None,
        kind: str = "individual",
        notice: tuple[str, str] | None = None,
        status: str = MeetingStatus.SCHEDULED.value,
    ) -> None:
        start = local.replace(tzinfo=HELSINKI).astimezone(UTC)
        end = start + timedelta(hours=hours)
        assert self.coach.id is not None
        meeting = Meeting(
            coach_id=self.coach.id,
            client_id=client_id,
            kind=kind,
            starts_at=start,
            ends_at=end,
            status=status,
        )
        self.session.add(meeting)
        self.session.flush()
        assert meeting.id is not None
        if notice is not None:
            timing, reason = notice
            self.session.add(
                AbsenceNotice(
                    client_id=client_id,
                    meeting_id=meeting.id,
                    reason=reason,
                    notified_at=start - timedelta(days=1),
                    deadline=start,
                    timing=timing,
                )
            )
        if outcome is not None:
            if outcome == Outcome.ATTENDED and used is None:
                used = hours
            self.session.add(
                Attendance(
                    meeting_id=meeting.id,
                    outcome=outcome.value,
                    hours_used=used if outcome == Outcome.ATTENDED else None,
                    billable_hours=billable_hours(
                        outcome, planned=planned_hours(start, end), used=used
                    ),
                )
            )


def weekdays(month: date, count: int) -> list[date]:
    found, day = [], month
    while len(found) < count:
        if day.weekday() < 5:
            found.append(day)
        day += timedelta(days=1)
    return found


def november(url: str) -> dict[str, int]:
    def add(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
        m = Month(session)
        ids = {}
        ids["anna"] = a = m.client("Anna Ä", "job-search", D(2026, 10, 1), D(2027, 3, 31))
        m.meeting(a, datetime(2026, 11, 1, 0, 30), 1.0)  # UTC: 31 Oct 22:30
        m.meeting(a, datetime(2026, 11, 3, 10), 2.0, used=1.5)
        m.meeting(
            a, datetime(2026, 11, 5, 10), 1.0, Outcome.ABSENT_ON_TIME, notice=("on_time", "ill")
        )
        m.meeting(a, datetime(2026, 11, 10, 10), 1.0, Outcome.ABSENT_LATE, notice=("late", "other"))
        m.meeting(a, datetime(2026, 11, 12, 10), 2.0, Outcome.NO_SHOW)
        m.meeting(a, datetime(2026, 11, 17, 10), 2.0, None, status=MeetingStatus.CANCELLED.value)
        m.meeting(a, datetime(2026, 12, 1, 0, 30), 3.0)  # UTC: 30 Nov 22:30, December's
        ids["bo"] = b = m.client("Bo Å", "job-search", D(2026, 11, 16), D(2027, 5, 15))
        m.meeting(b, datetime(2026, 11, 18, 9), 1.0)
        m.meeting(b, datetime(2026, 11, 30, 9), 1.0, None)  # not recorded yet
        ids["cecilia"] = m.client(
            "Cecilia",
            "on-the-job",
            D(2026, 9, 1),
            D(2027, 1, 31),
            preferences={"partial_work_ability": {"from": "2026-09-01", "until": None}},
        )
        ids["dan"] = m.client(
            "Dan",
            "on-the-job",
            D(2026, 2, 1),
            D(2026, 6, 30),
            status=PeriodStatus.ENDED.value,
            ended_on=D(2026, 6, 30),
            job_start=D(2026, 8, 15),
            job_hours_week=20.0,
            job_open_market=True,
            job_verified_on=D(2026, 11, 20),
        )  # full on 14 Nov 2026, the pay certificate seen on 20 Nov
        ids["eeva"] = e = m.client("Eeva", "work-activity", D(2026, 6, 1), D(2027, 5, 31))
        days = weekdays(D(2026, 11, 2), 15)
        for i, day in enumerate(days[:14]):
            m.meeting(
                e,
                datetime.combine(day, datetime.min.time()).replace(hour=8),
                6.0 if i % 2 else 4.0,
                kind="work_day",
            )
        m.meeting(
            e,
            datetime.combine(days[14], datetime.min.time()).replace(hour=8),
            6.0,
            Outcome.ABSENT_ON_TIME,
            kind="work_day",
            notice=("on_time", "ill"),
        )
        m.client("Fredrik", "job-search", D(2026, 12, 1), D(2027, 5, 31))  # not in November
        return ids

    db = Database(url)
    try:
        return db.call(add)
    finally:
        db.dispose()


def number(value: object) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def by_client(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(r["client"]): r for r in rows}


def check_november(rows: list[dict[str, object]]) -> None:
    """The figures, then every program's total row against the sum of its lines."""
    lines = by_client(rows)
    assert "Fredrik" not in lines
    anna = lines["Anna Ä"]
    assert (number(anna["meetings_held"]), number(anna["hours_held"])) == (2, Decimal("2.5"))
    assert (number(anna["absences_on_time"]), number(anna["absences_late"])) == (1, 1)
    assert (number(anna["no_shows"]), number(anna["no_show_hours"])) == (1, 2)
    assert number(anna["billable_hours"]) == Decimal("5.5")  # 2.5 held + 1 late + 2 no-show
    assert number(anna["billable_hours"]) == (
        number(anna["hours_held"]) + number(anna["late_hours"]) + number(anna["no_show_hours"])
    )
    bo = lines["Bo Å"]
    assert (number(bo["billable_hours"]), number(bo["unrecorded"]), number(bo["service_days"])) == (
        1,
        1,
        15,
    )
    cecilia = lines["Cecilia"]
    assert (
        number(cecilia["realised_months"]),
        number(cecilia["month_fee_eur"]),
        number(cecilia["supplement_eur"]),
        number(cecilia["invoiced_eur"]),
    ) == (
        1,
        500,
        200,
        700,
    )
    dan = lines["Dan"]
    assert (number(dan["realised_months"]), number(dan["bonus_eur"])) == (0, 1500)
    eeva = lines["Eeva"]
    assert (number(eeva["attendance_days"]), number(eeva["days_4h"]), number(eeva["days_6h"])) == (
        14,
        7,
        7,
    )
    assert (number(eeva["tyoraha_eur"]), number(eeva["sick_days"]), number(eeva["leave_days"])) == (
        140,
        1,
        2,
    )

    totals = [r for r in rows if r["client"] == "total"]
    assert sorted(str(t["program"]) for t in totals) == [
        "job-search",
        "on-the-job",
        "work-activity",
    ]
    summed = [
        k for k in rows[0] if k not in ("program", "client_id", "client", "period_id", "billing")
    ]
    for total in totals:
        mine = [r for r in rows if r["program"] == total["program"] and r["client"] != "total"]
        for key in summed:
            assert number(total[key]) == sum((number(r[key]) for r in mine), Decimal(0)), key
    by_program = {t["program"]: t for t in totals}
    assert number(by_program["job-search"]["billable_hours"]) == Decimal("6.5")
    assert number(by_program["on-the-job"]["invoiced_eur"]) == 2200
    assert number(by_program["work-activity"]["tyoraha_eur"]) == 140


def test_billing_csv(env: str, tmp_path: Path) -> None:
    november(env)
    code, out = cli(
        "billing", "--month", "2026-11", "--format", "csv", "--out", str(tmp_path / "out")
    )
    assert code == 0, out
    path = Path(out.strip().splitlines()[-1])
    assert path.name == "billing-2026-11.csv"
    with path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    check_november(rows)  # type: ignore[arg-type]


def test_billing_xlsx(env: str, tmp_path: Path) -> None:
    november(env)
    code, out = cli("billing", "--month", "2026-11", "--format", "xlsx", "--out", str(tmp_path))
    assert code == 0, out
    path = Path(out.strip().splitlines()[-1])
    sheet = load_workbook(path).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    rows = [dict(zip(header, row, strict=True)) for row in values[1:]]
    check_november(rows)
    assert isinstance(by_client(rows)["Cecilia"]["invoiced_eur"], int | float)  # a number


def test_billing_of_one_program(env: str, tmp_path: Path) -> None:
    ids = november(env)
    code, out = cli(
        "billing", "--month", "2026-11", "--program", "on-the-job", "--out", str(tmp_path)
    )
    assert code == 0, out
    path = Path(out.strip().splitlines()[-1])
    assert path.name == "billing-2026-11-on-the-job.csv"
    with path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    assert {r["program"] for r in rows} == {"on-the-job"}
    assert {r["client_id"] for r in rows if r["client"] != "total"} == {
        str(ids["cecilia"]),
        str(ids["dan"]),
    }
    # October: Cecilia's month alone (Dan's job's 3 months are full only on 14 November).
    code, out = cli(
        "billing", "--month", "2026-10", "--program", "on-the-job", "--out", str(tmp_path)
    )
    with Path(out.strip().splitlines()[-1]).open(encoding="utf-8") as source:
        october = by_client(list(csv.DictReader(source)))  # type: ignore[arg-type]
    assert number(october["total"]["invoiced_eur"]) == 700
    assert "Dan" not in october  # no line: his period did not run and no bonus falls


def on_the_job(path: Path) -> dict[str, dict[str, object]]:
    with path.open(encoding="utf-8") as source:
        return by_client(list(csv.DictReader(source)))  # type: ignore[arg-type]


def billing_of(month: str, tmp_path: Path) -> dict[str, dict[str, object]]:
    code, out = cli("billing", "--month", month, "--program", "on-the-job", "--out", str(tmp_path))
    assert code == 0, out
    return on_the_job(Path(out.strip().splitlines()[-1]))


@time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=UTC), tick=False)
def test_the_bonus_waits_for_the_pay_certificate(env: str, tmp_path: Path) -> None:
    """Unverified, Dan's bonus is pending from November on; the certificate recorded
    through the period's write path on 5 January bills it in January, once (the billing
    run on 1 March)."""
    from bot.periods import actions

    ids = november(env)
    db = Database(env)
    try:
        period_id = db.call(
            lambda s: s.exec(
                select(ServicePeriod.id).where(ServicePeriod.client_id == ids["dan"])
            ).one()
        )

        def unverify(session) -> None:  # type: ignore[no-untyped-def]
            period = session.get(ServicePeriod, period_id)
            period.job_verified_on = None
            session.add(period)

        db.call(unverify)
        for month in ("2026-11", "2026-12"):
            dan = billing_of(month, tmp_path)["Dan"]
            assert (number(dan["bonus_eur"]), number(dan["bonus_pending"])) == (0, 1), month
        db.call(
            actions.record_employment, actor_id=None, period_id=period_id,
            job_start=D(2026, 8, 15), hours_week=20.0, open_market=True,
            verified_on=D(2027, 1, 5), now=datetime(2027, 1, 5, 12, tzinfo=UTC),
        )  # fmt: skip
    finally:
        db.dispose()
    december = billing_of("2026-12", tmp_path)["Dan"]
    assert (number(december["bonus_eur"]), number(december["bonus_pending"])) == (0, 1)
    january = billing_of("2027-01", tmp_path)
    assert (number(january["Dan"]["bonus_eur"]), number(january["Dan"]["invoiced_eur"])) == (
        1500,
        1500,
    )
    assert "Dan" not in billing_of("2027-02", tmp_path)  # billed once


def test_refusals(env: str, tmp_path: Path) -> None:
    code, out = cli("billing", "--month", "2026-13", "--out", str(tmp_path))
    assert code == 1 and "YYYY-MM" in out
    code, out = cli("billing", "--month", "2026-11", "--program", "nope", "--out", str(tmp_path))
    assert code == 1 and "no program 'nope'" in out
    code, out = cli("billing", "--help")
    assert code == 0 and "--format" in out


def test_an_empty_month_has_a_header(env: str, tmp_path: Path) -> None:
    code, out = cli("billing", "--month", "2026-11", "--out", str(tmp_path))
    assert code == 0, out
    with Path(out.strip().splitlines()[-1]).open(encoding="utf-8") as source:
        rows = list(csv.reader(source))
    assert rows[0][:3] == ["program", "client_id", "client"] and len(rows) == 1
