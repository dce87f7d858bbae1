"""A client's month in figures for every program preset, read from a migrated database as
the bot reads them: Helsinki month boundaries (the 1st's small hours, daylight saving), a
period starting and ending mid-month, on-the-job's own period months (a period of n months
bills n whatever its start day), a suspension month, on-time and late notices and
no-shows, the partial-work-ability supplement, the employment bonus window to the day and
its verification, työraha by day length (once a day) and leave accrual at 13 and 14
attendance days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta

from bot.periods.terms import terms_of
from bot.rules.attendance import Outcome
from bot.rules.billing import billable_hours, planned_hours
from bot.rules.periods import Contract, Employment, span_end
from bot.rules.reports import (
    MeetingRow,
    bonus_month,
    month_figures,
    month_span,
    partial_work_ability_in,
    period_months,
    realised_months,
    relevant,
    service_days,
)
from storage.db import Database
from tests.databases import SqliteDatabases

HELSINKI = ZoneInfo("Europe/Helsinki")
PRESETS = ("on-the-job", "job-coaching", "job-search", "job-retention", "work-activity", "ips")
D = date
NOV, DEC = D(2026, 11, 1), D(2026, 12, 1)
LATER = D(2027, 12, 31)  # a `today` after every month here


@pytest.fixture(scope="module")
def presets(_sqlite_databases: SqliteDatabases) -> Iterator[dict[str, Contract]]:
    url = _sqlite_databases.create(migrated=True)
    database = Database(url)
    with database.session() as session:
        found = {key: terms_of(session, key) for key in PRESETS}
    database.dispose()
    _sqlite_databases.drop(url)
    yield found


def kind_of(terms: Contract) -> str:
    return "work_day" if terms.day_hours is not None else "individual"


def row(
    terms: Contract,
    local: datetime,
    hours: float = 2.0,
    outcome: Outcome | None = Outcome.ATTENDED,
    *,
    used: float | None = None,
    reason: str | None = None,
    kind: str | None = None,
) -> MeetingRow:
    """A meeting at Helsinki wall-clock `local`, stored as UTC, with the outcome's billable
    hours as bot.rules.billing records them."""
    start = local.replace(tzinfo=HELSINKI).astimezone(UTC)
    end = start + timedelta(hours=hours)
    if outcome == Outcome.ATTENDED and used is None:
        used = hours
    billable = (
        0.0
        if outcome is None
        else billable_hours(outcome, planned=planned_hours(start, end), used=used)
    )
    return MeetingRow(
        start=start,
        end=end,
        kind=kind or kind_of(terms),
        outcome=outcome,
        hours_used=used if outcome == Outcome.ATTENDED else None,
        billable_hours=billable,
        notice_timing={Outcome.ABSENT_ON_TIME: "on_time", Outcome.ABSENT_LATE: "late"}.get(
            outcome  # type: ignore[arg-type]
        ),
        absence_reason=reason,
    )


def figures(terms: Contract, month: date, rows: list[MeetingRow], **kw):  # type: ignore[no-untyped-def]
    args = {
        "period_start": D(2026, 9, 1),
        "period_end": D(2027, 3, 31),
        "suspended": None,
        "partial_work_ability": False,
        "employment": None,
        "today": LATER,
    }
    args.update(kw)
    return month_figures(terms, month, meetings=rows, **args)


# --- month boundaries ---------------------------------------------------------------------


@pytest.mark.parametrize("key", PRESETS)
def test_the_month_is_helsinki_time(presets: dict[str, Contract], key: str) -> None:
    terms = presets[key]
    first_of_december = row(terms, datetime(2026, 12, 1, 0, 30), 1.0)  # UTC: 30 Nov 22:30
    last_of_november = row(terms, datetime(2026, 11, 30, 23, 30), 1.5)  # UTC: 30 Nov 21:30
    assert first_of_december.start.date() == D(2026, 11, 30)
    rows = [first_of_december, last_of_november]
    nov, dec = figures(terms, NOV, rows), figures(terms, DEC, rows)
    assert (nov.held, nov.hours_held) == (1, Decimal("1.5"))
    assert (dec.held, dec.hours_held) == (1, Decimal("1.0"))


@pytest.mark.parametrize("key", PRESETS)
def test_summer_time_month_boundary(presets: dict[str, Contract], key: str) -> None:
    terms = presets[key]
    april_first = row(terms, datetime(2027, 4, 1, 0, 30), 1.0)  # EEST: UTC 31 Mar 21:30
    assert april_first.start.date() == D(2027, 3, 31)
    kw = {"period_end": D(2027, 6, 30)}
    assert figures(terms, D(2027, 3, 1), [april_first], **kw).held == 0
    assert figures(terms, D(2027, 4, 1), [april_first], **kw).held == 1


def test_month_span_is_local_midnight_to_local_midnight() -> None:
    start, end = month_span(D(2027, 3, 15))
    assert start.astimezone(UTC) == datetime(2027, 2, 28, 22, 0, tzinfo=UTC)  # EET
    assert end.astimezone(UTC) == datetime(2027, 3, 31, 21, 0, tzinfo=UTC)  # EEST


# --- a period starting and ending mid-month -----------------------------------------------


@pytest.mark.parametrize("key", PRESETS)
def test_period_starting_and_ending_mid_month(presets: dict[str, Contract], key: str) -> None:
    terms = presets[key]
    rows = [
        row(terms, datetime(2026, 11, 13, 10)),  # before the start: another period's
        row(terms, datetime(2026, 11, 16, 10)),  # the first day
        row(terms, datetime(2026, 12, 10, 10)),  # the last day
        row(terms, datetime(2026, 12, 11, 10)),  # after the end
    ]
    kw = {"period_start": D(2026, 11, 16), "period_end": D(2026, 12, 10)}
    nov, dec = figures(terms, NOV, rows, **kw), figures(terms, DEC, rows, **kw)
    assert (nov.held, dec.held) == (1, 1)
    assert (nov.service_days, dec.service_days) == (15, 10)
    monthly = terms.monthly_fee_eur is not None
    # The period's one month, 16 Nov – 15 Dec, began in November: billed there only.
    assert (nov.realised_months, dec.realised_months) == (int(monthly), 0)
    assert nov.realised_month is monthly and dec.realised_month is False
    fee = Decimal(500) if monthly else Decimal(0)
    assert (nov.month_fee, dec.month_fee) == (fee, 0)
    assert relevant(dec)  # the period still ran in December: its hours are on the line
    january = figures(terms, D(2027, 1, 1), rows, **kw)
    assert (january.realised_month, january.month_fee, relevant(january)) == (False, 0, False)


def test_a_month_not_yet_lived_is_not_realised(presets: dict[str, Contract]) -> None:
    terms = presets["on-the-job"]
    assert figures(terms, DEC, [], today=D(2026, 11, 30)).realised_month is False
    early = figures(terms, DEC, [], today=D(2026, 12, 1))
    assert (early.realised_month, early.service_days) == (True, 1)
    assert service_days(DEC, D(2026, 12, 5), None, None, LATER) == 27


# --- on-the-job: the period's own months -------------------------------------------------


def billed(terms: Contract, start: date, end: date, **kw) -> list[int]:  # type: ignore[no-untyped-def]
    """The realised months billed in each calendar month from the start's to the end's."""
    found, month = [], start.replace(day=1)
    while month <= end:
        found.append(
            figures(terms, month, [], period_start=start, period_end=end, **kw).realised_months
        )
        month += relativedelta(months=1)
    return found


def test_two_months_from_the_15th_bill_exactly_two(presets: dict[str, Contract]) -> None:
    terms = presets["on-the-job"]
    start = D(2027, 1, 15)
    end = span_end(start, relativedelta(months=2))
    assert end == D(2027, 3, 14)  # the period ran on days of three calendar months
    assert billed(terms, start, end) == [1, 1, 0]  # January and February, March nothing
    march = figures(terms, D(2027, 3, 1), [], period_start=start, period_end=end)
    assert (march.service_days, march.month_fee, relevant(march)) == (14, 0, True)


def test_two_months_from_the_1st_bill_two(presets: dict[str, Contract]) -> None:
    terms = presets["on-the-job"]
    start = D(2027, 2, 1)
    assert billed(terms, start, span_end(start, relativedelta(months=2))) == [1, 1]


def test_a_period_ended_early_bills_the_months_begun(presets: dict[str, Contract]) -> None:
    """Our reading: a period month is realised once it has begun. Ended after 5 weeks
    (15 Jan – 18 Feb) the period began its second month on 15 Feb: 2 months."""
    terms = presets["on-the-job"]
    start = D(2027, 1, 15)
    ended = start + timedelta(weeks=5) - timedelta(days=1)
    assert ended == D(2027, 2, 18)
    assert billed(terms, start, ended) == [1, 1]
    # Ended on the last day of its first month: the second never began.
    assert billed(terms, start, D(2027, 2, 14)) == [1, 0]


@pytest.mark.parametrize("length", range(2, 9))
def test_n_months_bill_n_whatever_the_start_day(presets: dict[str, Contract], length: int) -> None:
    terms = presets["on-the-job"]
    day = D(2027, 1, 1)
    while day.year == 2027:
        end = span_end(day, relativedelta(months=length))
        assert sum(billed(terms, day, end, today=D(2030, 1, 1))) == length, day
        day += timedelta(days=1)


def test_a_start_on_the_31st_may_begin_two_months_in_one(presets: dict[str, Contract]) -> None:
    terms = presets["on-the-job"]
    start = D(2026, 8, 31)
    end = span_end(start, relativedelta(months=6))
    assert end == D(2027, 2, 28)
    months = list(period_months(start, end))
    assert [first for first, _ in months] == [
        D(2026, 8, 31), D(2026, 10, 1), D(2026, 10, 31), D(2026, 12, 1), D(2026, 12, 31),
        D(2027, 1, 31),
    ]  # fmt: skip
    assert months[-1][1] == end
    assert billed(terms, start, end) == [1, 0, 2, 0, 2, 1, 0]
    october = figures(terms, D(2026, 10, 1), [], period_start=start, period_end=end)
    assert (october.realised_months, october.month_fee) == (2, Decimal(1000))


def test_a_month_not_begun_by_today_is_not_realised(presets: dict[str, Contract]) -> None:
    start, end = D(2027, 1, 15), D(2027, 3, 14)
    assert realised_months(D(2027, 2, 1), start, end, None, D(2027, 2, 14)) == []
    assert realised_months(D(2027, 2, 1), start, end, None, D(2027, 2, 15)) == [
        (D(2027, 2, 15), D(2027, 3, 14))
    ]


def test_the_supplement_follows_the_period_months(presets: dict[str, Contract]) -> None:
    terms = presets["on-the-job"]
    start, end = D(2027, 1, 15), D(2027, 3, 14)
    kw = {"period_start": start, "period_end": end}
    # The profile's span 1–10 Feb touches the first period month (15 Jan – 14 Feb) only:
    # its supplement is billed with January, none with February's month.
    early = (D(2027, 2, 1), D(2027, 2, 10))
    jan = figures(terms, D(2027, 1, 1), [], partial_work_ability=early, **kw)
    feb = figures(terms, D(2027, 2, 1), [], partial_work_ability=early, **kw)
    assert (jan.supplement, feb.supplement) == (Decimal(200), 0)
    assert (jan.invoiced, feb.invoiced) == (Decimal(700), Decimal(500))
    # From 20 Feb: the second month only.
    late = (D(2027, 2, 20), None)
    jan = figures(terms, D(2027, 1, 1), [], partial_work_ability=late, **kw)
    feb = figures(terms, D(2027, 2, 1), [], partial_work_ability=late, **kw)
    assert (jan.supplement, feb.supplement) == (0, Decimal(200))


def test_a_period_month_suspended_whole_is_not_realised(presets: dict[str, Contract]) -> None:
    terms = presets["on-the-job"]
    start, end = D(2027, 1, 15), D(2027, 5, 14)
    off = (D(2027, 2, 15), D(2027, 3, 14))  # the whole second month
    assert billed(terms, start, end, suspended=off) == [1, 0, 1, 1, 0]
    # Running one of its days is enough: suspended 15 Feb – 13 Mar, it ran on 14 Mar.
    assert billed(terms, start, end, suspended=(off[0], D(2027, 3, 13))) == [1, 1, 1, 1, 0]
    # A month beginning on a suspended day in a calendar month otherwise all suspended
    # still has its line: the month is billed with it.
    on_31st = figures(
        terms, D(2027, 1, 1), [], period_start=D(2027, 1, 31), period_end=D(2027, 3, 30),
        suspended=(D(2027, 1, 31), D(2027, 2, 10)),
    )  # fmt: skip
    assert (on_31st.service_days, on_31st.realised_months, relevant(on_31st)) == (0, 1, True)


# --- suspension -------------------------------------------------------------------------


@pytest.mark.parametrize("key", PRESETS)
def test_a_month_suspended_whole_is_not_realised(presets: dict[str, Contract], key: str) -> None:
    terms = presets[key]
    rows = [row(terms, datetime(2026, 11, 30, 10)), row(terms, datetime(2027, 1, 4, 10))]
    whole = figures(terms, DEC, rows, suspended=(D(2026, 12, 1), D(2026, 12, 31)))
    assert (whole.service_days, whole.realised_month, whole.month_fee, whole.held) == (
        0,
        False,
        0,
        0,
    )
    assert not relevant(whole)
    part = (D(2026, 12, 10), D(2027, 1, 9))
    dec, jan = (
        figures(terms, DEC, rows, suspended=part),
        figures(terms, D(2027, 1, 1), rows, suspended=part),
    )
    assert (dec.service_days, jan.service_days) == (9, 22)
    monthly = terms.monthly_fee_eur is not None
    assert dec.realised_month is jan.realised_month is monthly
    assert jan.held == 1


# --- notices and no-shows -----------------------------------------------------------------


@pytest.mark.parametrize("key", PRESETS)
def test_late_notices_and_no_shows_bill_the_planned_hours(
    presets: dict[str, Contract], key: str
) -> None:
    terms = presets[key]
    rows = [
        row(terms, datetime(2026, 11, 2, 10), 2.0, used=1.75),
        row(terms, datetime(2026, 11, 4, 10), 1.5, Outcome.ABSENT_ON_TIME, reason="ill"),
        row(terms, datetime(2026, 11, 9, 10), 1.0, Outcome.ABSENT_LATE),
        row(terms, datetime(2026, 11, 11, 10), 2.5, Outcome.NO_SHOW),
        row(terms, datetime(2026, 11, 16, 10), 1.0, Outcome.CANCELLED_BY_PROVIDER),
        row(terms, datetime(2026, 11, 30, 10), 1.0, None),
    ]
    nov = figures(terms, NOV, rows)
    assert (nov.held, nov.absent_on_time, nov.absent_late, nov.no_shows) == (1, 1, 1, 1)
    assert (nov.cancelled, nov.unrecorded) == (1, 1)
    assert (nov.hours_held, nov.on_time_hours, nov.late_hours, nov.no_show_hours) == (
        Decimal("1.75"),
        Decimal("1.5"),
        Decimal("1.0"),
        Decimal("2.5"),
    )
    assert nov.hours_used == Decimal("5.25")
    by_hours = terms.billing in ("hourly", "contract")
    assert nov.billable_hours == (Decimal("5.25") if by_hours else 0)
    assert nov.billable_hours == (
        nov.hours_held + nov.late_hours + nov.no_show_hours if by_hours else 0
    )


def test_hourly_presets_are_the_hourly_ones(presets: dict[str, Contract]) -> None:
    assert {k for k, t in presets.items() if t.billing == "hourly"} == {
        "job-search",
        "job-retention",
    }


def test_meetings_of_the_other_program_kind_do_not_count(presets: dict[str, Contract]) -> None:
    day = datetime(2026, 11, 2, 9)
    coaching = row(presets["job-search"], day, 2.0, kind="individual")
    work_day = row(presets["work-activity"], day + timedelta(days=1), 6.0, kind="work_day")
    assert figures(presets["job-search"], NOV, [coaching, work_day]).held == 1
    work = figures(presets["work-activity"], NOV, [coaching, work_day])
    assert (work.held, work.attendance_days) == (1, 1)


# --- on-the-job: supplement and bonus -----------------------------------------------------


@pytest.mark.parametrize("key", PRESETS)
def test_partial_work_ability_supplement(presets: dict[str, Contract], key: str) -> None:
    terms = presets[key]
    with_extra = figures(terms, NOV, [], partial_work_ability=True)
    suspended = figures(
        terms, NOV, [], partial_work_ability=True, suspended=(D(2026, 11, 1), D(2026, 11, 30))
    )
    assert suspended.supplement == 0
    if key == "on-the-job":
        assert (with_extra.month_fee, with_extra.supplement, with_extra.invoiced) == (
            Decimal(500),
            Decimal(200),
            Decimal(700),
        )
        assert figures(terms, NOV, []).supplement == 0
    else:
        assert (with_extra.month_fee, with_extra.supplement, with_extra.invoiced) == (0, 0, 0)


def test_the_supplement_span_from_the_profile() -> None:
    span = (D(2026, 11, 20), D(2027, 1, 5))
    assert not partial_work_ability_in(D(2026, 10, 1), span)
    assert partial_work_ability_in(NOV, span)
    assert partial_work_ability_in(D(2027, 1, 1), span)
    assert not partial_work_ability_in(D(2027, 2, 1), span)
    assert partial_work_ability_in(D(2030, 2, 1), (D(2026, 11, 20), None))
    assert not partial_work_ability_in(NOV, None)


END = D(2027, 3, 31)  # the period's last day; the job may start until 30 Jun 2027


def bonus(terms: Contract, month: date, job: Employment, today: date, **kw):  # type: ignore[no-untyped-def]
    return figures(
        terms,
        month,
        [],
        period_start=D(2026, 10, 1),
        period_end=END,
        employment=job,
        today=today,
        **kw,
    )


def test_bonus_window_day_before_and_after(presets: dict[str, Contract]) -> None:
    terms = presets["on-the-job"]
    last_start = Employment(start=D(2027, 6, 30), hours_week=18, open_market=True)
    too_late = Employment(start=D(2027, 7, 1), hours_week=18, open_market=True)
    seen = D(2027, 9, 10)  # the pay certificate seen before the 3 months were full
    # The job started on the last day of the window is full on 29 Sep: billed in September
    # once that day is past, not in August or October.
    assert bonus_month(terms, last_start, D(2026, 10, 1), END, verified_on=seen) == D(2027, 9, 1)
    assert bonus_month(terms, too_late, D(2026, 10, 1), END, verified_on=seen) is None
    sep = D(2027, 9, 1)
    on_the_day = bonus(terms, sep, last_start, D(2027, 9, 29), verified_on=seen)
    assert (on_the_day.bonus, on_the_day.bonus_pending, relevant(on_the_day)) == (0, True, True)
    day_after = bonus(terms, sep, last_start, D(2027, 9, 30), verified_on=seen)
    assert (day_after.bonus, day_after.bonus_pending) == (Decimal(1500), False)
    assert day_after.invoiced == Decimal(1500)  # the period ended: no month fee with it
    assert bonus(terms, D(2027, 8, 1), last_start, LATER, verified_on=seen).bonus == 0
    october = bonus(terms, D(2027, 10, 1), last_start, LATER, verified_on=seen)
    assert (october.bonus, october.bonus_pending, relevant(october)) == (0, False, False)
    assert bonus(terms, sep, too_late, LATER, verified_on=seen).bonus == 0


def test_an_unverified_bonus_is_pending(presets: dict[str, Contract]) -> None:
    """[000 "todentamalla oikeuden bonukseen"]: not billed until the pay certificate is
    seen; from the month its 3 months are full it waits, month after month."""
    terms = presets["on-the-job"]
    job = Employment(start=D(2027, 2, 15), hours_week=18, open_market=True)  # full on 14 May
    assert bonus_month(terms, job, D(2026, 10, 1), END) is None
    april = bonus(terms, D(2027, 4, 1), job, LATER)
    assert (april.bonus, april.bonus_pending, relevant(april)) == (0, False, False)
    for month in (D(2027, 5, 1), D(2027, 6, 1), D(2027, 11, 1)):
        waiting = bonus(terms, month, job, LATER)
        assert (waiting.bonus, waiting.bonus_pending, relevant(waiting)) == (0, True, True)


def test_a_bonus_verified_after_the_three_months_is_billed_then(
    presets: dict[str, Contract],
) -> None:
    terms = presets["on-the-job"]
    job = Employment(start=D(2027, 2, 15), hours_week=18, open_market=True)  # full on 14 May
    seen = D(2027, 7, 3)
    assert bonus_month(terms, job, D(2026, 10, 1), END, verified_on=seen) == D(2027, 7, 1)
    kw = {"verified_on": seen}
    may, june = (
        bonus(terms, D(2027, 5, 1), job, LATER, **kw),
        bonus(terms, D(2027, 6, 1), job, LATER, **kw),
    )
    assert (may.bonus, may.bonus_pending, june.bonus, june.bonus_pending) == (0, True, 0, True)
    july = bonus(terms, D(2027, 7, 1), job, LATER, **kw)
    assert (july.bonus, july.bonus_pending, july.invoiced) == (Decimal(1500), False, 1500)
    august = bonus(terms, D(2027, 8, 1), job, LATER, **kw)
    assert (august.bonus, august.bonus_pending) == (0, False)  # billed once
    # The same month's figures, made again later, are the same.
    assert bonus(terms, D(2027, 7, 1), job, D(2030, 1, 1), **kw) == july
    # A job that ended after its 3 months were full still earns it.
    ended_later = bonus(terms, D(2027, 7, 1), job, LATER, job_ended=D(2027, 6, 1), **kw)
    assert ended_later.bonus == Decimal(1500)


def test_bonus_needs_the_hours_the_open_market_and_three_months(
    presets: dict[str, Contract],
) -> None:
    terms = presets["on-the-job"]
    job = Employment(start=D(2027, 2, 15), hours_week=18, open_market=True)  # full on 14 May
    may = D(2027, 5, 1)
    seen = {"verified_on": D(2027, 5, 2)}
    assert bonus(terms, may, job, LATER, **seen).bonus == Decimal(1500)
    assert bonus(terms, may, job, LATER, job_ended=D(2027, 5, 14), **seen).bonus == Decimal(1500)
    # Ended before its 3 months were full: never, verified or not, not even pending.
    for month in (may, D(2027, 6, 1)):
        for kw in (seen, {}):
            short_job = bonus(terms, month, job, LATER, job_ended=D(2027, 5, 13), **kw)
            assert (short_job.bonus, short_job.bonus_pending) == (0, False)
    assert bonus_month(terms, job, D(2026, 10, 1), END, D(2027, 5, 13), D(2027, 5, 2)) is None
    short = Employment(start=job.start, hours_week=17.5, open_market=True)
    assert bonus(terms, may, short, LATER, **seen).bonus == 0
    sheltered = Employment(start=job.start, hours_week=30, open_market=False)
    assert bonus(terms, may, sheltered, LATER, **seen).bonus == 0
    before = Employment(start=D(2026, 9, 30), hours_week=30, open_market=True)
    assert bonus(terms, D(2026, 12, 1), before, LATER, verified_on=D(2026, 12, 31)).bonus == 0
    after = bonus(terms, may, job, LATER, partial_work_ability=True, **seen)
    assert (after.month_fee, after.supplement, after.invoiced) == (0, 0, Decimal(1500))
    # Full while the period still runs: the month's fee and the bonus together.
    running = figures(
        terms,
        may,
        [],
        period_start=D(2026, 10, 1),
        period_end=D(2027, 5, 31),
        employment=job,
        today=LATER,
        verified_on=D(2027, 5, 2),
    )
    assert (running.month_fee, running.bonus, running.invoiced) == (
        Decimal(500),
        Decimal(1500),
        Decimal(2000),
    )


@pytest.mark.parametrize("key", [k for k in PRESETS if k != "on-the-job"])
def test_no_bonus_in_other_programs(presets: dict[str, Contract], key: str) -> None:
    job = Employment(start=D(2027, 2, 15), hours_week=37.5, open_market=True)
    found = bonus(presets[key], D(2027, 5, 1), job, LATER, verified_on=D(2027, 5, 2))
    assert (found.bonus, found.bonus_pending) == (0, False)


# --- work activity: työraha and leave ---------------------------------------------------


def weekdays(month: date, count: int) -> list[date]:
    found, day = [], month
    while len(found) < count:
        if day.weekday() < 5:
            found.append(day)
        day += timedelta(days=1)
    assert found[-1].month == month.month
    return found


@pytest.mark.parametrize(("attended", "leave"), [(13, 0), (14, 2)])
def test_tyoraha_and_leave_accrual(presets: dict[str, Contract], attended: int, leave: int) -> None:
    terms = presets["work-activity"]
    feb = D(2027, 2, 1)
    days = weekdays(feb, attended + 2)
    rows = [
        row(
            terms, datetime.combine(day, datetime.min.time()).replace(hour=8), 6.0 if i % 2 else 4.0
        )
        for i, day in enumerate(days[:attended])
    ]
    rows.append(
        row(terms, datetime(2027, 2, days[-2].day, 8), 6.0, Outcome.ABSENT_ON_TIME, reason="ill")
    )
    rows.append(row(terms, datetime(2027, 2, days[-1].day, 8), 4.0, Outcome.NO_SHOW))
    month = figures(terms, feb, rows)
    sixes, fours = attended // 2, attended - attended // 2
    assert month.attendance_days == attended
    assert month.work_days == {4: fours, 6: sixes}
    assert month.work_allowance == Decimal(8 * fours + 12 * sixes)
    assert (month.sick_days, month.absence_days) == (1, 2)
    assert month.leave_days == leave
    assert month.invoiced == 0 and month.billable_hours == 0


def test_a_short_day_is_attended_but_earns_no_tyoraha(presets: dict[str, Contract]) -> None:
    terms = presets["work-activity"]
    short = row(terms, datetime(2027, 2, 1, 8), 4.0, used=3.5)
    month = figures(terms, D(2027, 2, 1), [short])
    assert (month.attendance_days, month.work_days, month.work_allowance) == (1, {}, 0)


def test_two_rows_on_one_day_earn_one_tyoraha(presets: dict[str, Contract]) -> None:
    """One työraha per attendance day, at the longest length reached that day."""
    terms = presets["work-activity"]
    rows = [
        row(terms, datetime(2027, 2, 1, 8), 4.0),
        row(terms, datetime(2027, 2, 1, 8), 6.0),  # the same day recorded twice
        row(terms, datetime(2027, 2, 2, 8), 4.0),
        row(terms, datetime(2027, 2, 2, 13), 3.0, used=2.5),  # afternoon, shorter
    ]
    month = figures(terms, D(2027, 2, 1), rows)
    assert (month.held, month.attendance_days) == (4, 2)
    assert month.work_days == {4: 1, 6: 1}
    assert month.work_allowance == Decimal(12 + 8)


@pytest.mark.parametrize("key", [k for k in PRESETS if k != "work-activity"])
def test_no_tyoraha_or_leave_elsewhere(presets: dict[str, Contract], key: str) -> None:
    terms = presets[key]
    rows = [
        row(terms, datetime.combine(d, datetime.min.time()).replace(hour=9), 6.0)
        for d in weekdays(D(2027, 2, 1), 15)
    ]
    month = figures(terms, D(2027, 2, 1), rows)
    assert month.held == 15
    assert (month.attendance_days, month.work_allowance, month.leave_days) == (0, 0, 0)
