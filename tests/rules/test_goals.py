"""The goal and check-in rules, time passed in: schedules across weeks and DST, drops,
the job-coaching end rule, when the evaluation and the digest are due, typed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.rules.goals import (
    Plan,
    checkable,
    criterion_problem,
    digest_due,
    evaluation_due,
    fell,
    first_day,
    latest_occurrence,
    needs_next_steps,
    next_occurrence,
    one_line,
    parse_day,
    parse_time,
    target_day,
    typed_target,
)

HKI = ZoneInfo("Europe/Helsinki")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=HKI).astimezone(UTC)


WEEKLY_MONDAY_10 = Plan(0, time(10, 0), 1, date(2026, 11, 23))


def test_weekly_latest_occurrence_is_the_last_monday_10_at_or_before_now() -> None:
    assert latest_occurrence(WEEKLY_MONDAY_10, at(2026, 11, 23, 9, 59, 59), HKI) is None
    assert latest_occurrence(WEEKLY_MONDAY_10, at(2026, 11, 23, 10), HKI) == at(2026, 11, 23, 10)
    assert latest_occurrence(WEEKLY_MONDAY_10, at(2026, 11, 29, 23), HKI) == at(2026, 11, 23, 10)
    assert latest_occurrence(WEEKLY_MONDAY_10, at(2026, 11, 30, 10), HKI) == at(2026, 11, 30, 10)


def test_every_two_weeks_skips_the_week_between() -> None:
    plan = Plan(2, time(14, 0), 2, date(2026, 11, 23))  # Wednesdays, from the week of 23.11.
    assert latest_occurrence(plan, at(2026, 11, 25, 14), HKI) == at(2026, 11, 25, 14)
    assert latest_occurrence(plan, at(2026, 12, 2, 15), HKI) == at(2026, 11, 25, 14)
    assert latest_occurrence(plan, at(2026, 12, 9, 14), HKI) == at(2026, 12, 9, 14)
    assert next_occurrence(plan, at(2026, 11, 25, 14), HKI) == at(2026, 12, 9, 14)


def test_a_plan_chosen_midweek_starts_on_its_next_day_not_in_the_past() -> None:
    plan = Plan(0, time(10, 0), 1, date(2026, 11, 25))  # chosen on a Wednesday
    assert latest_occurrence(plan, at(2026, 11, 27, 12), HKI) is None
    assert next_occurrence(plan, at(2026, 11, 25, 12), HKI) == at(2026, 11, 30, 10)


def test_the_wall_clock_time_holds_across_daylight_saving_time() -> None:
    plan = Plan(0, time(10, 0), 1, date(2027, 3, 22))
    before, after = at(2027, 3, 22, 10), at(2027, 3, 29, 10)  # DST began on 28.3.2027
    assert latest_occurrence(plan, after, HKI) == after
    assert before.hour == 8 and after.hour == 7  # UTC moves, Helsinki stays at 10.00
    assert next_occurrence(plan, before, HKI) == after


def test_plan_validates_its_values() -> None:
    with pytest.raises(ValueError):
        Plan(7, time(10), 1, date(2026, 11, 23))
    with pytest.raises(ValueError):
        Plan(0, time(10), 3, date(2026, 11, 23))
    with pytest.raises(ValueError):
        latest_occurrence(WEEKLY_MONDAY_10, datetime(2026, 11, 23, 10), HKI)


@pytest.mark.parametrize(
    ("previous", "latest", "marked"),
    [(4, 2, True), (5, 1, True), (4, 3, False), (2, 4, False), (None, 1, False), (3, None, False)],
)
def test_a_fall_of_two_steps_is_marked(previous: int | None, latest: int | None, marked: bool):
    assert fell(previous, latest) is marked


def test_job_coaching_needs_two_reached_or_next_steps() -> None:
    # job-coaching's preset has min_goals_reached 2 [001]; other programs have none.
    assert needs_next_steps(2, 1, None)
    assert needs_next_steps(2, 0, "   ")
    assert not needs_next_steps(2, 2, None)
    assert not needs_next_steps(2, 1, "Applies to the logistics course in January")
    assert not needs_next_steps(None, 0, None)  # a program without the rule


def test_evaluation_is_due_on_the_last_working_day_at_nine() -> None:
    assert evaluation_due(date(2026, 12, 18), HKI) == datetime(2026, 12, 18, 9, tzinfo=HKI)
    # Sunday → Friday; Independence Day (Sunday 6.12.2026) → Friday 4.12.
    assert evaluation_due(date(2026, 12, 20), HKI) == datetime(2026, 12, 18, 9, tzinfo=HKI)
    assert evaluation_due(date(2026, 12, 6), HKI) == datetime(2026, 12, 4, 9, tzinfo=HKI)
    # Christmas Eve, Christmas, Boxing Day 2026 (Thu–Sat) → Wednesday 23.12.
    assert evaluation_due(date(2026, 12, 26), HKI) == datetime(2026, 12, 23, 9, tzinfo=HKI)


def test_digest_goes_on_the_first_working_day_of_the_week() -> None:
    due, covered = digest_due(at(2026, 11, 30, 7), HKI) or (None, None)
    assert due == datetime(2026, 11, 30, 8, tzinfo=HKI) and covered == date(2026, 11, 23)
    assert digest_due(at(2026, 12, 1, 9), HKI) is None  # Tuesday: not a digest day
    # Independence Day on Monday 6.12.2027: the digest comes on Tuesday.
    assert digest_due(at(2027, 12, 6, 9), HKI) is None
    due, covered = digest_due(at(2027, 12, 7, 9), HKI) or (None, None)
    assert due == datetime(2027, 12, 7, 8, tzinfo=HKI) and covered == date(2027, 11, 29)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15.12.2026", date(2026, 12, 15)),
        ("15.12.26", date(2026, 12, 15)),
        ("15.12.", date(2026, 12, 15)),
        ("15/12", date(2026, 12, 15)),
        (" 1.2. ", date(2027, 2, 1)),  # no year: the next such date
        ("31.2.2027", None),
        ("29.2.", None),  # neither 2026 nor 2027 has one
        ("huomenna", None),
        ("", None),
    ],
)
def test_typed_dates(text: str, expected: date | None) -> None:
    assert parse_day(text, date(2026, 11, 23)) == expected


def test_typed_times_within_the_check_in_hours() -> None:
    assert parse_time("10") == time(10)
    assert parse_time("10.30") == time(10, 30)
    assert parse_time("7.30") is None and parse_time("21") is None and parse_time("x") is None


def test_typed_target_dates_are_from_today_and_within_three_years() -> None:
    today = date(2026, 11, 23)
    assert typed_target("15.12.2026", today) == date(2026, 12, 15)
    assert typed_target("23.11.2026", today) == today
    assert typed_target("22.11.2026", today) is None  # yesterday
    assert typed_target("1.1.2031", today) is None  # too far ahead
    assert typed_target("eilen", today) is None


def test_target_choices() -> None:
    today, end = date(2026, 11, 23), date(2027, 1, 29)
    assert target_day("14", today, end) == date(2026, 12, 7)
    assert target_day("30", today, end) == date(2026, 12, 23)
    assert target_day("end", today, end) == end
    assert target_day("end", today, None) is None and target_day("none", today, end) is None


def test_a_criterion_is_not_the_goal_again() -> None:
    assert checkable("Haen töitä", "5 hakemusta 15.12. mennessä")
    assert not checkable("Haen töitä", "haen TÖITÄ")
    assert not checkable("Haen töitä", "ok")


GOAL = "Löydän työn logistiikasta"


@pytest.mark.parametrize(
    "criterion",
    [
        "Löydän työn logistiikasta.",  # punctuation
        "löydän työn LOGISTIIKASTA",  # case
        "  Löydän   työn\tlogistiikasta !!",  # spacing
        "Löydän työn, logistiikasta?",
        "Löydän työn",  # only some of its words
        "logistiikasta löydän työn",  # the same words in another order
        "Löydän työt logistiikasta",  # nearly the same letters, nothing to count
        "Löydän työn logistiikka-alalta",
    ],
)
def test_a_near_copy_of_the_goal_is_refused(criterion: str) -> None:
    assert criterion_problem(GOAL, criterion) == "same"
    assert not checkable(GOAL, criterion)


@pytest.mark.parametrize(
    "criterion",
    ["kyllä", "Kyllä!", "joo", "ok", "OK.", "ja", "yes", "done", "Ok, valmis", "klart", "Työ"],
)
def test_a_yes_or_a_bare_word_is_not_a_criterion(criterion: str) -> None:
    assert criterion_problem(GOAL, criterion) == "vague"


@pytest.mark.parametrize(
    "criterion",
    [
        "Löydän työn logistiikasta 31.12. mennessä",  # the goal with a date: it can be checked
        "Työsopimus allekirjoitettu",  # something another person can see
        "5 hakemusta logistiikkayrityksiin",
        "3 työhaastattelua",
        "Trukkikortti suoritettu",
    ],
)
def test_a_criterion_that_measures_is_taken(criterion: str) -> None:
    assert criterion_problem(GOAL, criterion) is None


def test_a_number_of_the_goal_alone_does_not_make_a_copy_measurable() -> None:
    assert criterion_problem("Lähetän 5 hakemusta", "lähetän 5 hakemusta.") == "same"
    assert criterion_problem("Lähetän hakemuksia", "Lähetän 5 hakemusta") is None


def test_typed_text_is_kept_on_one_line_and_within_its_limit() -> None:
    assert one_line("  Haen\n töitä  logistiikasta ", 300) == "Haen töitä logistiikasta"
    assert one_line("x" * 400, 300) == "x" * 300
    assert one_line(None, 10) == ""


def test_a_new_check_in_rhythm_starts_on_the_next_chosen_day_still_ahead() -> None:
    monday_9 = at(2026, 11, 23, 9)
    assert first_day(0, time(10), monday_9, HKI) == date(2026, 11, 23)  # today, still ahead
    assert first_day(0, time(8), monday_9, HKI) == date(2026, 11, 30)  # passed: next week
    assert first_day(2, time(14), monday_9, HKI) == date(2026, 11, 25)
