"""Goals and check-ins as plain rules: when a check-in is due, what counts as a drop, what
the end of a period asks for. No clock is read here; the caller passes `now`.

Sources: DOMAIN.md "Goals and check-ins" and seed 001 (goals followed so that it can be
stated beyond dispute whether each was reached; at the end of a job-coaching period at
least two goals or results reached and/or concrete next steps set; the client's feedback).
"""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.rules.calendar import is_working_day, previous_working_day

# Goal areas of seed 001, job-search skills split into its named parts: the area says
# what kind of result a goal is when the period's results are counted. The keys are
# stored and put in buttons; their names are texts (bot.goals.texts.AREA_NAMES).
AREAS: tuple[str, ...] = (
    "employment",
    "documents",
    "channels",
    "digital",
    "interview",
    "skills",
    "networks",
    "ai",
    "opportunities",
    "working_life",
    "keep_job",
    "plan",
)

TEXT_MAX = 300  # the goal, the criterion: a line or two on a phone
EVIDENCE_MAX = 500
COMMENT_MAX = 500
FEEDBACK_MAX = 1000
DROP = 2  # a fall of this many steps on the 1–5 scale is marked in the coach's digest
REMIND_AFTER = timedelta(hours=24)  # an unanswered check-in is reminded once, a day later
EVALUATION_TIME = time(9, 0)
DIGEST_TIME = time(8, 0)
EARLIEST, LATEST = time(8, 0), time(20, 0)  # check-in times a person can choose
DEFAULT_WEEKDAY, DEFAULT_TIME = 0, time(10, 0)  # Monday 10.00 until someone chooses


class GoalStatus(enum.StrEnum):
    OPEN = "open"
    REACHED = "reached"
    PARTLY = "partly"
    NOT_REACHED = "not_reached"


@dataclass(frozen=True)
class Plan:
    """When the client is asked: a weekday (0 = Monday), a local time, every 1 or 2 weeks.

    `anchor` is a date in a week the check-in happens, so "every two weeks" knows which.
    """

    weekday: int
    at: time
    every_weeks: int
    anchor: date

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday is 0..6")
        if self.every_weeks not in (1, 2):
            raise ValueError("check-ins are weekly or every two weeks")


def one_line(text: str | None, limit: int) -> str:
    """What a person typed as it is kept: one line, spaces collapsed, at most `limit`
    characters (a goal, a criterion, evidence: a line or two on a phone)."""
    return " ".join((text or "").split())[:limit]


def first_day(weekday: int, at: time, now: datetime, tz: ZoneInfo) -> date:
    """The next local date with this weekday whose time `at` is still ahead: a new
    check-in rhythm starts there, every one or two weeks from it."""
    local = now.astimezone(tz)
    ahead = (weekday - local.weekday()) % 7
    if ahead == 0 and local.time() >= at:
        ahead = 7
    return local.date() + timedelta(days=ahead)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def latest_occurrence(plan: Plan, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The most recent scheduled check-in at or before `now` (aware UTC), or None if the
    plan's first one is still ahead. Wall-clock time in `tz`, so DST does not shift it."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(tz)
    first_week = _monday(plan.anchor)
    week = _monday(local.date())
    for _ in range(3):
        weeks_from_anchor = (week - first_week).days // 7
        if weeks_from_anchor < 0:
            return None
        if weeks_from_anchor % plan.every_weeks == 0:
            day = week + timedelta(days=plan.weekday)
            at = datetime.combine(day, plan.at, tzinfo=tz)
            if day >= plan.anchor and at <= local:
                return at.astimezone(now.tzinfo)
        week -= timedelta(weeks=1)
    return None


def next_occurrence(plan: Plan, now: datetime, tz: ZoneInfo) -> datetime:
    """The first scheduled check-in after `now` (for telling people when they are asked)."""
    local = now.astimezone(tz)
    day = max(local.date(), plan.anchor)
    for _ in range(15):
        weeks_from_anchor = (_monday(day) - _monday(plan.anchor)).days // 7
        if day.weekday() == plan.weekday and weeks_from_anchor % plan.every_weeks == 0:
            at = datetime.combine(day, plan.at, tzinfo=tz)
            if at > local:
                return at.astimezone(now.tzinfo)
        day += timedelta(days=1)
    raise AssertionError("a plan repeats within two weeks")  # pragma: no cover


# Words that answer a question instead of saying what shows the goal is reached: a
# criterion made of these alone ("kyllä", "ok, valmis", "yes done") measures nothing.
_FI = (
    "kyllä joo juu jep jees joopa okei ok oki selvä ja on onnistuu onnistui valmis tehty "
    "hoidettu hoituu kunnossa saavutettu toteutuu toteutui totta hyvä tavoite tavoitteen "
    "saavutan teen kaikki ei"
)
_SV = "jo javisst visst okej klart klar gjort fixat fixar uppnått uppnår bra sant mål målet nej"
_EN = (
    "yes yeah yep yup okay sure done finished complete completed reached achieved fine "
    "true goal the it is no"
)
NOT_CRITERIA = frozenset(f"{_FI} {_SV} {_EN}".split())
NEAR_COPY = 0.8  # as alike as this (0..1, by characters) and no new number: the goal again


def _words(text: str) -> list[str]:
    """The words of a text as compared here: case, punctuation and spacing left out."""
    return re.findall(r"\w+", text.casefold())


def criterion_problem(goal: str, criterion: str) -> str | None:
    """Why the criterion shows nothing beyond the goal, or None when it can be checked.

    A criterion says what shows the goal is reached [seed 001: "kiistattomasti"]: a
    number, a date, something another person can see. Refused: "same", the goal again
    (another case, punctuation or spacing, only some of its words, or nearly the same
    letters with no number of its own); "vague", a word or two that answer a question
    ("kyllä", "ok, done") or a single word with no number."""
    said, aim = _words(criterion), _words(goal)
    if not said or all(word in NOT_CRITERIA for word in said):
        return "vague"
    if said == aim or set(said) <= set(aim):
        return "same"
    numbers = {word for word in said if any(char.isdigit() for char in word)}
    new_numbers = numbers - set(aim)
    if not new_numbers:
        alike = difflib.SequenceMatcher(None, " ".join(said), " ".join(aim)).ratio()
        if alike >= NEAR_COPY:
            return "same"
    if len(said) == 1 and not numbers:
        return "vague"
    return None


def checkable(goal: str, criterion: str) -> bool:
    """Whether the criterion can show the goal is reached (see `criterion_problem`)."""
    return criterion_problem(goal, criterion) is None


TARGET_CHOICES = ("14", "30", "end", "none")  # in two weeks, a month, the period's end, none
TARGET_HORIZON = timedelta(days=3 * 366)  # a typed target date is at most three years ahead


def target_day(choice: str, today: date, period_end: date | None) -> date | None:
    """The target date a button chose (None: no date, or the period has no end)."""
    if choice == "end":
        return period_end
    if choice == "none":
        return None
    return today + timedelta(days=int(choice))


def typed_target(text: str, today: date) -> date | None:
    """A typed target date, from today on and within the horizon; None if it is not one."""
    day = parse_day(text, today)
    return day if day is not None and today <= day <= today + TARGET_HORIZON else None


def fell(previous: int | None, latest: int | None) -> bool:
    """True when the scale answer fell at least DROP steps since the answer before it."""
    if previous is None or latest is None:
        return False
    return previous - latest >= DROP


def needs_next_steps(min_reached: int | None, reached: int, next_steps: str | None) -> bool:
    """Seed 001: a job-coaching period ends with ≥ 2 goals or results reached and/or
    concrete next steps; the bot points out when neither holds. `min_reached` is the
    program's `min_goals_reached` (Contract); a program without it asks for nothing."""
    return min_reached is not None and reached < min_reached and not (next_steps or "").strip()


def counts_as_reached(status: str) -> bool:
    """Only a goal reached in full counts; 'partly' is recorded but not counted."""
    return status == GoalStatus.REACHED.value


def evaluation_due(end: date, tz: ZoneInfo) -> datetime:
    """The coach is asked to evaluate on the period's last working day, in the morning,
    so the last meeting can still be used for it."""
    day = end if is_working_day(end) else previous_working_day(end)
    return datetime.combine(day, EVALUATION_TIME, tzinfo=tz)


def digest_due(now: datetime, tz: ZoneInfo) -> tuple[datetime, date] | None:
    """The weekly digest goes on the first working day of the week at 08.00 and covers the
    week before; returns (due instant, Monday of the week covered), or None on other days."""
    local = now.astimezone(tz)
    monday = _monday(local.date())
    day = monday
    while not is_working_day(day):
        day += timedelta(days=1)
        if day - monday > timedelta(days=6):
            return None
    if local.date() != day:
        return None
    return datetime.combine(day, DIGEST_TIME, tzinfo=tz), monday - timedelta(weeks=1)


_DATE = re.compile(r"^\s*(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]?\s*(\d{2,4})?\s*$")


def parse_day(text: str, today: date) -> date | None:
    """'15.12.2026', '15.12.' or '15/12': a target date as people type it in Finland;
    a date without a year is the next such date from today."""
    match = _DATE.match(text)
    if match is None:
        return None
    day, month, year = int(match[1]), int(match[2]), match[3]
    if year is None:
        try:
            candidate = date(today.year, month, day)
        except ValueError:
            return None
        return candidate if candidate >= today else _replace_year(candidate, today.year + 1)
    full = int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full, month, day)
    except ValueError:
        return None


def _replace_year(day: date, year: int) -> date | None:
    try:
        return day.replace(year=year)
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
    """'10', '10.30', '10:30' within the hours a check-in may be asked."""
    match = re.match(r"^\s*(\d{1,2})(?:\s*[.:]\s*(\d{2}))?\s*$", text)
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:
        return None
    at = time(hour, minute)
    return at if EARLIEST <= at <= LATEST else None
