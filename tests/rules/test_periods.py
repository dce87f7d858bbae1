"""The service period's rules for every program preset, read from a migrated database as
the bot reads them (bot.periods.terms.terms_of): lengths and windows across month ends,
leap days and the daylight-saving days, extension and suspension, job coaching's three
duration rules at their edge dates, hours against the cap (group hours included), the
interim evaluation, the end reminders over weekends and holidays, and work-activity days.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from sqlmodel import select

from bot.periods.terms import terms_of
from bot.rules.periods import (
    Contract,
    Employment,
    Hours,
    Interim,
    PastPeriod,
    Problem,
    bonus_may_apply,
    booking_problem,
    contract,
    day_lengths,
    days_per_week_problem,
    default_end,
    duration,
    end_after_suspension,
    end_notice_days,
    evaluation_days,
    extension_problem,
    hour_cap,
    interim_state,
    latest_end,
    length_problem,
    monthly_fee,
    months_between,
    more_hours_possible,
    new_period_problem,
    span_end,
    suspension_problem,
    work_day_problem,
)
from storage.db import Database
from storage.models import Program
from tests.databases import SqliteDatabases

HELSINKI = ZoneInfo("Europe/Helsinki")
PRESETS = ("on-the-job", "job-coaching", "job-search", "job-retention", "work-activity", "ips")
D = date


def migrated_rows(databases: SqliteDatabases) -> dict[str, dict]:
    """Every program row of a freshly migrated database, as `Program.model_dump()`."""
    url = databases.create(migrated=True)
    database = Database(url)
    try:
        with database.session() as session:
            return {p.key: p.model_dump() for p in session.exec(select(Program))}
    finally:
        database.dispose()
        databases.drop(url)


@pytest.fixture(scope="module")
def presets(_sqlite_databases: SqliteDatabases) -> Iterator[dict[str, Contract]]:
    """Each preset's contract through terms_of, on a migrated database (0001's presets
    with 0008's suspension), and the same rows parsed strictly agree with it."""
    url = _sqlite_databases.create(migrated=True)
    database = Database(url)
    with database.session() as session:
        found = {key: terms_of(session, key) for key in PRESETS}
        rows = {p.key: p.model_dump() for p in session.exec(select(Program))}
    database.dispose()
    _sqlite_databases.drop(url)
    assert {key: contract(row) for key, row in rows.items()} == found
    yield found


@pytest.fixture
def js(presets: dict[str, Contract]) -> Contract:
    return presets["job-search"]


@pytest.fixture
def jc(presets: dict[str, Contract]) -> Contract:
    return presets["job-coaching"]


@pytest.fixture
def wa(presets: dict[str, Contract]) -> Contract:
    return presets["work-activity"]


def test_the_migrated_presets_hold_the_seeds_rules(presets: dict[str, Contract]) -> None:
    assert set(presets) == set(PRESETS)
    js, jr, jc = presets["job-search"], presets["job-retention"], presets["job-coaching"]
    assert (js.hour_cap, js.interim_evaluation_hours, jr.hour_cap) == (35.0, 21.0, 21.0)
    assert js.max_length == relativedelta(months=6) and js.max_extension == relativedelta(months=2)
    # 0008: a month's suspension that moves the end, for 002 §3's two programs only.
    for key in PRESETS:
        moves = key in ("job-search", "job-retention")
        assert presets[key].suspension_moves_end is moves, key
        assert (presets[key].suspension_max == relativedelta(months=1)) is moves, key
    assert (jc.min_length, jc.max_length) == (relativedelta(weeks=2), relativedelta(months=4))
    assert (jc.max_consecutive_periods, jc.max_months_in_12, jc.min_goals_reached) == (2, 8, 2)
    assert presets["ips"].open_ended and not js.open_ended


# --- durations and spans ------------------------------------------------------------------


def test_duration_reads_iso_periods_and_refuses_others() -> None:
    assert duration("P1Y2M") == relativedelta(years=1, months=2)
    assert duration("P2W") == relativedelta(days=14)
    assert duration(None) is None
    for bad in ("6M", "P", "PT5H", "P1.5M"):
        with pytest.raises(ValueError):
            duration(bad)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2026, 1, 1), D(2026, 6, 30)),
        (D(2026, 1, 31), D(2026, 7, 30)),
        (D(2028, 2, 29), D(2028, 8, 28)),  # a leap day start
        (D(2026, 8, 28), D(2027, 2, 27)),
        (D(2026, 8, 29), D(2027, 2, 28)),  # no 29 Feb 2027: the span fills February
        (D(2026, 8, 31), D(2027, 2, 28)),
        (D(2026, 9, 1), D(2027, 2, 28)),
        (D(2027, 8, 31), D(2028, 2, 29)),  # into a leap February
        (D(2027, 8, 29), D(2028, 2, 28)),  # 29 Feb 2028 exists: the day before it
        (D(2026, 3, 29), D(2026, 9, 28)),  # the spring daylight-saving change (Sunday)
        (D(2026, 10, 25), D(2027, 4, 24)),  # the autumn change
        (D(2026, 12, 31), D(2027, 6, 30)),
    ],
)
def test_six_month_window_ends_the_day_before_the_same_date(
    js: Contract, start: date, end: date
) -> None:
    """[002 §3.2] "kuuden kuukauden kuluessa sen aloittamisesta"."""
    assert default_end(js, start) == end
    assert length_problem(js, start, end) is None
    assert length_problem(js, start, end + timedelta(days=1)) == Problem.TOO_LONG


@pytest.mark.parametrize("key", PRESETS)
def test_every_start_of_three_years_gets_a_window_that_never_shrinks(
    presets: dict[str, Contract], key: str
) -> None:
    terms = presets[key]
    day, last_end = D(2026, 1, 1), None
    while day < D(2029, 1, 1):
        end = default_end(terms, day)
        if terms.max_length is None:
            assert end is None and length_problem(terms, day, None) is None
        else:
            assert end is not None and end >= day
            assert last_end is None or end >= last_end, (key, day)
            assert length_problem(terms, day, end) is None
            assert length_problem(terms, day, end + timedelta(days=1)) == Problem.TOO_LONG
            assert length_problem(terms, day, None) == Problem.TOO_LONG
            # The whole window is the program's length in months, exactly.
            months = terms.max_length.years * 12 + terms.max_length.months
            if months and not terms.max_length.days:
                assert months_between(day, end) == pytest.approx(months)
            last_end = end
        if terms.min_length is not None:
            shortest = span_end(day, terms.min_length)
            assert length_problem(terms, day, shortest) is None
            assert length_problem(terms, day, shortest - timedelta(days=1)) == Problem.TOO_SHORT
        day += timedelta(days=1)


def test_end_before_start_is_refused(presets: dict[str, Contract]) -> None:
    for terms in presets.values():
        assert length_problem(terms, D(2026, 5, 2), D(2026, 5, 1)) == Problem.END_BEFORE_START


@pytest.mark.parametrize(
    ("key", "start", "shortest", "longest"),
    [
        ("job-coaching", D(2026, 6, 1), D(2026, 6, 14), D(2026, 9, 30)),  # [001] 2 wk – 4 mo
        ("job-coaching", D(2026, 10, 31), D(2026, 11, 13), D(2027, 2, 28)),
        ("on-the-job", D(2026, 12, 31), D(2027, 2, 28), D(2027, 8, 30)),  # [000] 2–8 mo
        ("work-activity", D(2026, 3, 1), D(2026, 3, 31), D(2027, 2, 28)),  # [002 §2] 1–12 mo
        ("job-search", D(2026, 3, 1), D(2026, 3, 1), D(2026, 8, 31)),
        ("job-retention", D(2026, 3, 1), D(2026, 3, 1), D(2026, 8, 31)),
    ],
)
def test_length_limits_of_each_preset(
    presets: dict[str, Contract], key: str, start: date, shortest: date, longest: date
) -> None:
    terms = presets[key]
    assert length_problem(terms, start, shortest) is None
    assert length_problem(terms, start, longest) is None
    assert length_problem(terms, start, longest + timedelta(days=1)) == Problem.TOO_LONG
    if terms.min_length is not None:
        assert length_problem(terms, start, shortest - timedelta(days=1)) == Problem.TOO_SHORT


def test_ips_is_open_ended(presets: dict[str, Contract]) -> None:
    ips = presets["ips"]
    assert default_end(ips, D(2026, 1, 1)) is None and latest_end(ips, D(2026, 1, 1)) is None
    assert length_problem(ips, D(2026, 1, 1), None) is None
    assert length_problem(ips, D(2026, 1, 1), D(2036, 1, 1)) is None
    assert extension_problem(ips, D(2026, 1, 1), None, D(2027, 1, 1)) == Problem.NO_EXTENSION


# --- extension and suspension -------------------------------------------------------------


@pytest.mark.parametrize("key", ["job-search", "job-retention"])
@pytest.mark.parametrize(
    ("start", "latest"),
    [
        (D(2026, 1, 1), D(2026, 8, 31)),
        (D(2026, 6, 30), D(2027, 2, 28)),
        (D(2026, 8, 31), D(2027, 4, 30)),
        (D(2027, 6, 30), D(2028, 2, 29)),
        (D(2026, 3, 29), D(2026, 11, 28)),  # daylight-saving day
    ],
)
def test_the_caseworker_may_extend_by_at_most_two_months(
    presets: dict[str, Contract], key: str, start: date, latest: date
) -> None:
    terms = presets[key]
    end = default_end(terms, start)
    assert end is not None
    assert latest_end(terms, start) == latest
    assert extension_problem(terms, start, end, latest) is None
    assert extension_problem(terms, start, end, latest + timedelta(days=1)) == (
        Problem.BEYOND_EXTENSION
    )
    assert extension_problem(terms, start, end, end) == Problem.NOT_LATER
    # Suspended days move the limit with them [002 §3.4.3].
    assert latest_end(terms, start, suspended_days=31) == latest + timedelta(days=31)
    assert extension_problem(terms, start, end, latest + timedelta(days=31), 31) is None
    assert extension_problem(terms, start, end, latest + timedelta(days=32), 31) == (
        Problem.BEYOND_EXTENSION
    )


def test_without_an_extension_a_period_may_grow_to_its_maximum(jc: Contract) -> None:
    start = D(2026, 1, 1)
    assert latest_end(jc, start, suspended_days=20) == D(2026, 4, 30)  # no suspension rule
    assert extension_problem(jc, start, D(2026, 1, 14), D(2026, 4, 30)) is None
    assert extension_problem(jc, start, D(2026, 1, 14), D(2026, 5, 1)) == Problem.BEYOND_EXTENSION


@pytest.mark.parametrize(
    ("first", "last", "problem"),
    [
        (D(2026, 3, 1), D(2026, 3, 31), None),
        (D(2026, 3, 1), D(2026, 4, 1), Problem.SUSPENSION_TOO_LONG),
        (D(2026, 1, 31), D(2026, 2, 28), None),  # a month from 31 Jan fills February
        (D(2026, 1, 31), D(2026, 3, 1), Problem.SUSPENSION_TOO_LONG),
        (D(2026, 3, 29), D(2026, 4, 28), None),  # across the daylight-saving change
        (D(2026, 3, 10), D(2026, 3, 9), Problem.END_BEFORE_START),
    ],
)
def test_a_suspension_lasts_a_month_at_most(
    presets: dict[str, Contract], first: date, last: date, problem: Problem | None
) -> None:
    for key in PRESETS:
        terms = presets[key]
        if terms.suspension_max is None:
            assert suspension_problem(terms, first, last) == Problem.NO_SUSPENSION, key
        else:
            assert suspension_problem(terms, first, last) == problem, key


def test_suspensions_one_after_another_stay_within_the_month(
    presets: dict[str, Contract],
) -> None:
    """Chained suspensions cannot stretch the window: together at most the month."""
    js = presets["job-search"]
    assert suspension_problem(js, D(2026, 5, 1), D(2026, 5, 10), already_days=21) is None
    assert (
        suspension_problem(js, D(2026, 5, 1), D(2026, 5, 11), already_days=21)
        == Problem.SUSPENSION_TOO_LONG
    )
    assert suspension_problem(js, D(2026, 6, 1), D(2026, 6, 1), already_days=31) == (
        Problem.SUSPENSION_TOO_LONG
    )


def test_a_suspension_moves_the_end_when_the_program_says_so(
    presets: dict[str, Contract],
) -> None:
    end = D(2026, 6, 30)
    for key in ("job-search", "job-retention"):
        assert end_after_suspension(presets[key], end, D(2026, 3, 1), D(2026, 3, 31)) == D(
            2026, 7, 31
        )
    for key in ("job-coaching", "on-the-job", "work-activity"):
        assert end_after_suspension(presets[key], end, D(2026, 3, 1), D(2026, 3, 31)) == end
    assert end_after_suspension(presets["ips"], None, D(2026, 3, 1), D(2026, 3, 31)) is None


# --- rules across periods -------------------------------------------------------------------


def jc_period(start: date, end: date) -> PastPeriod:
    return PastPeriod("job-coaching", start, end)


def test_two_consecutive_job_coaching_periods_and_no_third(jc: Contract) -> None:
    """[001] "Peräkkäisiä jaksoja voi olla enintään kaksi"; a gap starts a new chain."""
    first = jc_period(D(2026, 1, 1), D(2026, 1, 14))
    second = jc_period(D(2026, 1, 15), D(2026, 1, 28))
    assert new_period_problem(jc, second.start, second.end, [first]) is None
    # The third, back to back, is refused; a day's gap resets the chain.
    assert new_period_problem(jc, D(2026, 1, 29), D(2026, 2, 11), [first, second]) == (
        Problem.CONSECUTIVE
    )
    assert new_period_problem(jc, D(2026, 1, 30), D(2026, 2, 12), [first, second]) is None
    # A period filling the gap between two others makes three in a row.
    third = jc_period(D(2026, 1, 29), D(2026, 2, 11))
    assert new_period_problem(jc, second.start, second.end, [first, third]) == (Problem.CONSECUTIVE)
    # Periods of another program do not count.
    other = PastPeriod("job-search", D(2026, 1, 15), D(2026, 1, 28))
    assert new_period_problem(jc, D(2026, 1, 29), D(2026, 2, 11), [first, other]) is None


def test_two_full_periods_back_to_back_are_eight_months(jc: Contract) -> None:
    first = jc_period(D(2026, 10, 31), D(2027, 2, 28))
    assert months_between(first.start, first.end) == pytest.approx(4.0)  # type: ignore[arg-type]
    assert new_period_problem(jc, D(2027, 3, 1), D(2027, 6, 30), [first]) is None


@pytest.mark.parametrize(
    ("start", "problem"),
    [
        (D(2026, 12, 31), Problem.MONTHS_IN_12),  # 1 Jan – 31 Dec 2026 would hold 8 months + 1 day
        (D(2027, 1, 1), None),
    ],
)
def test_at_most_eight_months_in_any_twelve(
    jc: Contract, start: date, problem: Problem | None
) -> None:
    history = [
        jc_period(D(2026, 1, 1), D(2026, 4, 30)),
        jc_period(D(2026, 6, 1), D(2026, 9, 30)),
    ]
    assert new_period_problem(jc, start, start + timedelta(days=13), history) == problem


@pytest.mark.parametrize(
    ("start", "problem"),
    [(D(2027, 2, 28), Problem.MONTHS_IN_12), (D(2027, 3, 1), None)],
)
def test_the_twelve_months_slide(jc: Contract, start: date, problem: Problem | None) -> None:
    """The window is any 12 months, not the calendar year: here 1 Mar 2026 – 28 Feb 2027
    holds 8 months, and a window ending with the new period holds just under 8."""
    history = [
        jc_period(D(2026, 3, 1), D(2026, 6, 30)),
        jc_period(D(2026, 8, 15), D(2026, 12, 14)),
    ]
    assert new_period_problem(jc, start, start + timedelta(days=13), history) == problem


def test_extending_into_a_crowded_year_is_refused(jc: Contract) -> None:
    history = [jc_period(D(2026, 1, 1), D(2026, 4, 30))]
    start = D(2026, 6, 1)
    assert new_period_problem(jc, start, D(2026, 9, 30), history, extending=True) is None
    assert new_period_problem(jc, start, D(2026, 10, 1), history, extending=True) == (
        Problem.BEYOND_EXTENSION
    )


def test_an_extension_of_job_search_is_checked_against_its_latest_end(js: Contract) -> None:
    start = D(2026, 1, 1)
    assert new_period_problem(js, start, D(2026, 8, 31), [], extending=True) is None
    assert new_period_problem(js, start, D(2026, 8, 31), []) == Problem.TOO_LONG
    assert new_period_problem(js, start, D(2026, 9, 1), [], extending=True) == (
        Problem.BEYOND_EXTENSION
    )
    assert (
        new_period_problem(js, start, D(2026, 9, 10), [], extending=True, suspended_days=10) is None
    )


def test_job_retention_only_after_job_search_led_to_a_job(presets: dict[str, Contract]) -> None:
    """[002 §3.1 b] "Palvelun käyttäjiksi tullaan ... työvalmennuspalvelun kautta"."""
    jr = presets["job-retention"]
    start, end = D(2026, 9, 1), D(2027, 2, 28)
    assert new_period_problem(jr, start, end, []) == Problem.NEEDS_EMPLOYMENT
    no_job = PastPeriod("job-search", D(2026, 1, 1), D(2026, 6, 30))
    assert new_period_problem(jr, start, end, [no_job]) == Problem.NEEDS_EMPLOYMENT
    job = PastPeriod("job-search", D(2026, 1, 1), D(2026, 6, 30), led_to_job=True)
    assert new_period_problem(jr, start, end, [job]) is None
    for key in ("job-search", "job-coaching", "on-the-job", "work-activity", "ips"):
        terms = presets[key]
        assert new_period_problem(terms, start, default_end(terms, start), []) is None, key


def test_periods_of_one_program_do_not_overlap(presets: dict[str, Contract]) -> None:
    js = presets["job-search"]
    running = PastPeriod("job-search", D(2026, 1, 1), D(2026, 6, 30))
    assert new_period_problem(js, D(2026, 6, 30), D(2026, 12, 29), [running]) == Problem.OVERLAPS
    assert new_period_problem(js, D(2026, 7, 1), D(2026, 12, 31), [running]) is None
    ips = presets["ips"]
    open_ended = PastPeriod("ips", D(2025, 1, 1), None)
    assert new_period_problem(ips, D(2026, 1, 1), None, [open_ended]) == Problem.OVERLAPS


# --- hours against the cap --------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "agreed", "extra", "cap"),
    [
        ("job-search", None, 0.0, 35.0),
        ("job-search", 20.0, 0.0, 20.0),  # the agreement may set less [002 §3.2]
        ("job-search", 50.0, 0.0, 35.0),  # never more than the program's
        ("job-search", 20.0, 5.0, 25.0),  # plus the hours the caseworker granted
        ("job-retention", None, 0.0, 21.0),
        ("job-retention", 30.0, 2.0, 21.0),  # granted hours never pass the program's
        ("job-retention", 15.0, 4.0, 19.0),
        ("job-search", 30.0, 10.0, 35.0),
        ("job-coaching", None, 3.0, None),
        ("job-coaching", 12.0, 3.0, 15.0),
        ("on-the-job", None, 0.0, None),
        ("work-activity", None, 0.0, None),
        ("ips", 40.0, 0.0, 40.0),
    ],
)
def test_the_period_cap(
    presets: dict[str, Contract], key: str, agreed: float | None, extra: float, cap: float | None
) -> None:
    assert hour_cap(presets[key], agreed, extra) == cap


def test_more_hours_only_up_to_the_programs_cap(presets: dict[str, Contract]) -> None:
    js = presets["job-search"]
    assert more_hours_possible(js, 30.0) == 5.0
    assert more_hours_possible(js, 30.0, 5.0) == 0.0
    assert more_hours_possible(js, None) == 0.0  # the program's 35 h is the agreement
    assert more_hours_possible(presets["job-coaching"], 12.0) == float("inf")


def test_warning_at_exactly_eighty_percent_and_refusal_only_beyond_the_cap(js: Contract) -> None:
    cap = hour_cap(js, None)
    assert cap == 35.0
    assert not Hours(cap, used=27.75, booked=0).warn
    assert Hours(cap, used=20.0, booked=8.0).warn  # 28 h = 80 %
    at_cap = Hours(cap, used=25.0, booked=10.0)
    assert at_cap.left == 0 and not at_cap.over and at_cap.warn
    assert Hours(cap, used=25.0, booked=10.25).over
    # 21 h: 80 % is 16.8, reached by sums of floats.
    assert Hours(21.0, used=0.1 * 3 + 10.0, booked=6.5).warn
    assert not Hours(None, used=500, booked=500).warn
    assert not Hours(None, used=500, booked=500).over
    assert Hours(None, used=1, booked=1).left is None


def test_group_hours_count_like_any_other(js: Contract) -> None:
    """[002 §3.1 a]: the group part and the individual part add up to at most 35 h."""
    individual, group = 20.0, 10.0
    hours = Hours(hour_cap(js, None), used=individual + group, booked=3.0)
    assert hours.left == 2.0
    assert booking_problem(hours, 2.0) is None
    assert booking_problem(hours, 2.25) == Problem.OVER_CAP
    assert booking_problem(Hours(None, used=100, booked=0), 50) is None


@pytest.mark.parametrize(
    ("used", "state"),
    [
        (0.0, None),
        (17.9, None),
        (18.0, Interim.APPROACHING),
        (20.9, Interim.APPROACHING),
        (21.0, Interim.DUE),
        (34.0, Interim.DUE),
        (17.0 + 0.1 * 10, Interim.APPROACHING),  # 18 as a float sum
    ],
)
def test_the_interim_evaluation_after_at_most_21_hours(
    presets: dict[str, Contract], used: float, state: Interim | None
) -> None:
    assert interim_state(presets["job-search"], used) == state
    for key in PRESETS:
        if key != "job-search":
            assert interim_state(presets[key], used) is None, key


# --- reminders of the time limits ---------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "days"),
    [
        # Thu 7 Jan 2027: two weeks before is Christmas Eve → 23 Dec; Epiphany (6 Jan) is off.
        (D(2027, 1, 7), [D(2026, 12, 23), D(2027, 1, 4)]),
        (D(2026, 11, 30), [D(2026, 11, 16), D(2026, 11, 26)]),  # a Monday end
        (D(2026, 6, 14), [D(2026, 5, 29), D(2026, 6, 11)]),  # a Sunday end
        (D(2026, 4, 7), [D(2026, 3, 24), D(2026, 4, 1)]),  # Easter: Good Friday, Easter Monday
    ],
)
def test_end_reminders_two_weeks_and_two_working_days_before(end: date, days: list[date]) -> None:
    assert end_notice_days(end) == days


def test_work_activity_is_evaluated_every_year(presets: dict[str, Contract]) -> None:
    wa = presets["work-activity"]
    assert evaluation_days(wa, D(2026, 3, 1), D(2028, 3, 1)) == [D(2027, 3, 1), D(2028, 3, 1)]
    assert evaluation_days(wa, D(2028, 2, 29), D(2030, 1, 1)) == [D(2029, 2, 28)]
    assert evaluation_days(wa, D(2026, 3, 1), D(2027, 2, 28)) == []
    for key in PRESETS:
        if key != "work-activity":
            assert evaluation_days(presets[key], D(2026, 1, 1), D(2030, 1, 1)) == [], key


# --- work activity ------------------------------------------------------------------------------


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=HELSINKI)


MON = D(2026, 12, 7)


@pytest.mark.parametrize(
    ("starts", "hours", "problem"),
    [
        (local(MON, 8), 4, None),
        (local(MON, 8), 6, None),
        (local(MON, 8), 5, Problem.DAY_LENGTH),
        (local(MON, 7, 30), 4, Problem.DAY_WINDOW),
        (local(MON, 11), 6, None),  # 11:00–17:00
        (local(MON, 11, 30), 6, Problem.DAY_WINDOW),  # 11:30–17:30
        (local(MON, 13), 4, None),
        (local(D(2026, 12, 12), 8), 4, Problem.NOT_WEEKDAY),  # Saturday
        (local(D(2026, 12, 13), 8), 4, Problem.NOT_WEEKDAY),  # Sunday
        (local(D(2026, 12, 24), 8), 4, Problem.NOT_WEEKDAY),  # Christmas Eve, a Thursday
        (local(D(2026, 3, 30), 8), 6, None),  # the Monday after the spring change
        (local(D(2026, 10, 26), 11), 6, None),  # the Monday after the autumn change
    ],
)
def test_work_activity_days(
    presets: dict[str, Contract], starts: datetime, hours: int, problem: Problem | None
) -> None:
    """[002 §2] "neljä tai kuusi tuntia päivässä ... arkisin aikavälillä klo 8–17"."""
    wa = presets["work-activity"]
    assert work_day_problem(wa, starts, hours * 60) == problem
    # The same instant as stored (UTC) gives the same answer once turned into local time.
    assert work_day_problem(wa, starts.astimezone(UTC), hours * 60, tz=HELSINKI) == problem
    for key in PRESETS:
        if key != "work-activity":
            assert work_day_problem(presets[key], starts, hours * 60) is None, key


@pytest.mark.parametrize(
    ("at", "lengths"),
    [
        (time(8), [240, 360]),
        (time(11), [240, 360]),
        (time(11, 1), [240]),
        (time(13), [240]),
        (time(13, 1), []),
        (time(7, 59), []),
    ],
)
def test_day_lengths_that_fit_the_window(wa: Contract, at: time, lengths: list[int]) -> None:
    assert day_lengths(wa, at) == lengths


def test_day_lengths_of_programs_without_work_days(presets: dict[str, Contract]) -> None:
    for key in PRESETS:
        if key != "work-activity":
            assert day_lengths(presets[key], time(11)) == [], key


@pytest.mark.parametrize(("days", "ok"), [(0, False), (1, False), (2, True), (5, True), (6, False)])
def test_two_to_five_days_a_week(presets: dict[str, Contract], days: int, ok: bool) -> None:
    assert (days_per_week_problem(presets["work-activity"], days) is None) is ok
    assert days_per_week_problem(presets["job-search"], days) is None


def test_job_coaching_meets_face_to_face_at_least_once_a_week(
    presets: dict[str, Contract],
) -> None:
    jc = presets["job-coaching"]
    assert jc.face_to_face and jc.meetings_per_week == (1, 2)


# --- on-the-job billing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("job", "applies"),
    [
        (Employment(D(2026, 9, 30), 18, True), True),  # 3 months after the end, to the day
        (Employment(D(2026, 10, 1), 18, True), False),
        (Employment(D(2026, 6, 1), 37.5, True), True),  # found during the period
        (Employment(D(2026, 8, 1), 17.5, True), False),
        (Employment(D(2026, 8, 1), 30, False), False),  # not the open labour market
    ],
)
def test_the_employment_bonus(presets: dict[str, Contract], job: Employment, applies: bool) -> None:
    """[000]: a job within 3 months of the end, ≥ 18 h a week, open labour market."""
    end = D(2026, 6, 30)
    assert bonus_may_apply(presets["on-the-job"], job, end) is applies
    for key in PRESETS:
        if key != "on-the-job":
            assert not bonus_may_apply(presets[key], job, end), key


def test_the_monthly_fee(presets: dict[str, Contract]) -> None:
    otj = presets["on-the-job"]
    assert monthly_fee(otj, partial_work_ability=False) == 500
    assert monthly_fee(otj, partial_work_ability=True) == 700
    for key in PRESETS:
        if key != "on-the-job":
            assert monthly_fee(presets[key], partial_work_ability=True) is None, key
