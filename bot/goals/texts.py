"""How goals, answers and check-in plans read in chat, in the reader's language, and what
the client is told when their coach changes their goals or check-in time."""

from __future__ import annotations

from datetime import date, datetime, time

from babel.dates import format_date, get_day_names

from bot.rules.goals import GoalStatus
from messages.formatting import locale_of, show_clock, show_date
from messages.i18n import N_, Translator
from storage.goals import HistoryPoint, plan_time
from storage.models import CheckInPlan, Goal

# The names of the goal areas (bot.rules.goals.AREAS), in the order the coach sees them.
AREA_NAMES: dict[str, str] = {
    "employment": N_("Employment or starting education"),
    "documents": N_("Job search: CV and applications"),
    "channels": N_("Job search: channels"),
    "digital": N_("Job search: digital skills"),
    "interview": N_("Job search: interviews"),
    "skills": N_("Job search: naming my skills"),
    "networks": N_("Job search: networks"),
    "ai": N_("Job search: using AI"),
    "opportunities": N_("Mapping job opportunities"),
    "working_life": N_("Working-life skills"),
    "keep_job": N_("Starting and keeping a job"),
    "plan": N_("A plan for education or work"),
}
STATUS_NAMES = {
    GoalStatus.OPEN: N_("Open"),
    GoalStatus.REACHED: N_("Reached"),
    GoalStatus.PARTLY: N_("Partly reached"),
    GoalStatus.NOT_REACHED: N_("Not reached"),
}
ICONS = {
    GoalStatus.OPEN: "🎯",
    GoalStatus.REACHED: "✅",
    GoalStatus.PARTLY: "◐",
    GoalStatus.NOT_REACHED: "✖",
}
EVERY_WEEK = N_("every {weekday} at {time}")
EVERY_OTHER_WEEK = N_("every other {weekday} at {time}")

# What the client is told (outbox rows of bot.goals.actions).
TOLD_CLIENT_ADDED = N_(
    "Your coach added a goal for you:\n🎯 {goal}\nReached when: {criterion}\n\n"
    "I will ask you how it is going, next on {next}. /goals shows your goals."
)
TOLD_CLIENT_ADDED_LATER = N_(
    "Your coach added a goal for you:\n🎯 {goal}\nReached when: {criterion}\n\n"
    "/goals shows your goals."
)
TOLD_CLIENT_CLOSED = N_("Your goal “{goal}”: {status}.")
TOLD_CLIENT_PLAN = N_(
    "Your coach changed your check-in time. I will ask you next on {next}. /goals shows it."
)


def weekday_name(weekday: int, language: str) -> str:
    return str(get_day_names("wide", context="stand-alone", locale=locale_of(language))[weekday])


def clock_text(at: time, language: str) -> str:
    return show_clock(datetime.combine(date(2026, 1, 5), at), language)


def plan_text(plan: CheckInPlan, t: Translator) -> str:
    template = EVERY_WEEK if plan.every_weeks == 1 else EVERY_OTHER_WEEK
    return t(
        template,
        weekday=weekday_name(plan.weekday, t.language),
        time=clock_text(plan_time(plan.at_time), t.language),
    )


def answer_text(point: HistoryPoint | None, t: Translator) -> str:
    if point is None:
        return t("no answers yet")
    when = show_day(point.due_at.date(), t.language)
    if point.done:
        return t("✓ done ({day})", day=when)
    return t("{score}/5 ({day})", score=point.score, day=when)


def show_day(day: date, language: str) -> str:
    """'23.11.' — near dates in lists, where the year only adds noise."""
    pattern = "d MMM" if language == "en" else "d.M."
    return format_date(day, pattern, locale=locale_of(language))


def status_text(goal: Goal, t: Translator) -> str:
    return t(STATUS_NAMES[GoalStatus(goal.status)])


def icon(goal: Goal) -> str:
    return ICONS[GoalStatus(goal.status)]


def area_text(area: str, t: Translator) -> str:
    name = AREA_NAMES.get(area)
    return t(name) if name else area


def target_text(day: date | None, t: Translator) -> str:
    return show_date(day, t.language) if day else t("no date")
