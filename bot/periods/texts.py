"""What the period lifecycle says, as catalog ids: rendered in each reader's language when
sent (outbox rows) or shown (the /period view, the command line in English)."""

from __future__ import annotations

from bot.rules.periods import EndReason, Problem
from messages.i18n import N_

# --- start [002 §3.4.2: the provider makes its role clear at the very start; 001] ----------
WELCOME = N_(
    "Welcome to {program}! Your coach is {coach}. The coaching starts on {start}.\n"
    "Your coach helps you toward your goals and tells your caseworker how it goes. "
    "Your caseworker decides about the service.\n"
    "{coach} will contact you soon. You can write to me here at any time."
)
WELCOME_FROM = N_(
    "Welcome to {program}! Your coach is {coach} from {provider}. "
    "The coaching starts on {start}.\n"
    "Your coach helps you toward your goals and tells your caseworker how it goes. "
    "Your caseworker decides about the service.\n"
    "{coach} will contact you soon. You can write to me here at any time."
)
WELCOME_NO_COACH = N_(
    "Welcome to {program}! The coaching starts on {start}. Your coach will contact you soon."
)
START_NOTICE = N_(
    "Start notice: {client} starts {program} on {start}. Planned end: {end}. Coach: {coach}."
)
STARTED_COACH = N_("A period of {program} was started for {client}: {start} – {end}.")
NO_END = N_("open-ended")

# --- end [002 §3.4.3] -------------------------------------------------------------------
REASONS = {
    EndReason.GOAL_REACHED: N_("the goal was reached"),
    EndReason.TIME_LIMIT: N_("the time limit was reached"),
    EndReason.CLIENT: N_("interrupted by the client"),
    EndReason.PROVIDER: N_("interrupted on the provider's initiative"),
    EndReason.PURCHASER: N_("interrupted by the purchaser"),
    EndReason.NO_SHOW: N_("the client did not come to the three-party meeting"),
}
# The client reads why in their own terms, not the report's [002 §3.3: plain language].
CLIENT_REASONS = {
    EndReason.GOAL_REACHED: N_("The goal was reached."),
    EndReason.TIME_LIMIT: N_("The time for the coaching is over."),
    EndReason.CLIENT: N_("You wanted to stop."),
    EndReason.PROVIDER: N_("The coaching provider decided to end it."),
    EndReason.PURCHASER: N_("Your caseworker decided to end it."),
    EndReason.NO_SHOW: N_("You did not come to the meeting with your coach and caseworker."),
}
ENDED_CLIENT = N_(
    "Your coaching ({program}) ended on {end}. {reason}\n"
    "Your caseworker will tell you what happens next."
)
ENDED_COACH = N_(
    "{client}'s period ({program}) ended on {end}. Reason: {reason}. "
    "Meetings cancelled: {cancelled}."
)
ENDED_CASEWORKER = N_(
    "Period ended: {client}, {program}, {start} – {end}. Reason: {reason}. Note: {note}\n"
    "The final report follows."
)
NO_NOTE = N_("none")

# --- extension and more hours: the coach asks, the caseworker decides --------------------
ASK_EXTENSION = N_(
    "{coach} asks to extend {client}'s period ({program}) from {end} until {until}. "
    "The latest possible end is {latest}. Note: {note}"
)
ASK_HOURS = N_(
    "{coach} asks for {hours} more hours for {client} ({program}). "
    "The cap now: {cap} h. Note: {note}"
)
APPROVE = N_("Approve")
DECLINE = N_("Decline")
EXTENSION_APPROVED = N_(
    "{caseworker} approved the extension: {client}'s period now ends on {until}."
)
EXTENSION_DECLINED = N_("{caseworker} declined the extension of {client}'s period.")
HOURS_APPROVED = N_(
    "{caseworker} approved {hours} more hours for {client}. The cap is now {cap} h."
)
HOURS_DECLINED = N_("{caseworker} declined more hours for {client}.")
EXTENDED_CLIENT = N_("Your coaching period was extended. It now ends on {until}.")
EXTENDED_COACH = N_("{client}'s period ({program}) was extended until {until}.")

# --- suspension [002 §3.4.3] ---------------------------------------------------------------
SUSPENDED_CLIENT = N_(
    "Your coaching is paused from {first} to {last}. I will not ask about your goals "
    "during the pause. The coaching continues on {resume}."
)
SUSPENDED_CASEWORKER = N_(
    "{client}'s period ({program}) is suspended from {first} to {last}. New planned end: {end}."
)
SUSPENDED_COACH = N_(
    "{client}'s period is suspended from {first} to {last}. New planned end: {end}. "
    "Meetings booked in the suspension: {count}. Cancel them?"
)
CANCEL_MEETINGS = N_("Cancel these meetings")
RESUMED_CLIENT = N_("Your coaching continues now. Welcome back!")
RESUMED_COACH = N_("{client}'s suspension is over: the period runs again. Planned end: {end}.")

# --- reminders of the period's deadlines (the job) ------------------------------------------
END_NOTICE_CAN_EXTEND = N_(
    "Reminder: {client}'s period ({program}) ends on {end}. It can still be extended "
    "until {latest}: ask the caseworker with /period."
)
END_NOTICE_LAST = N_(
    "Reminder: {client}'s period ({program}) ends on {end}. It cannot be extended further."
)
EVALUATION_DUE = N_(
    "{client}: the yearly evaluation of work activity is due on {day}. "
    "Please agree on it with the client and the caseworker."
)

# --- why something is refused ------------------------------------------------------------
PROBLEMS = {
    Problem.TOO_SHORT: N_("The period is shorter than the program allows."),
    Problem.TOO_LONG: N_("The period is longer than the program allows."),
    Problem.END_BEFORE_START: N_("The end is before the start."),
    Problem.NOT_LATER: N_("The new end must be later than the current end."),
    Problem.NO_EXTENSION: N_("This program's period cannot be extended."),
    Problem.BEYOND_EXTENSION: N_("That is later than the latest possible end."),
    Problem.CONSECUTIVE: N_("The program allows at most two consecutive periods."),
    Problem.MONTHS_IN_12: N_("The program allows at most 8 months of periods in any 12 months."),
    Problem.NEEDS_EMPLOYMENT: N_(
        "Job-retention coaching needs an earlier job-search coaching period that led to a job."
    ),
    Problem.OVERLAPS: N_("The client already has a period at that time."),
    Problem.NO_SUSPENSION: N_("This program's period cannot be suspended."),
    Problem.SUSPENSION_TOO_LONG: N_("Suspensions can last at most one month in all."),
    Problem.OVER_CAP: N_("The hours cannot be more than the program's cap."),
    Problem.PROCEDURE: N_("A three-party meeting about ending the service must be held first."),
}
PROBLEM = N_("That is against the program's rules.")

ERRORS = {
    "not_found": N_("There is no such period."),
    "not_client": N_("That person is not an active client."),
    "not_yours": N_("This is not available to you."),
    "ended": N_("The period has already ended."),
    "not_active": N_("Only a running period can be suspended."),
    "not_suspended": N_("The period is not suspended."),
    "unknown_program": N_("There is no such program."),
    "no_caseworker": N_("The client has no caseworker to decide."),
    "pending": N_("A request like this is already waiting for the caseworker."),
    "decided": N_("This request was already decided."),
    "no_cap": N_("This period has no hour cap."),
    "bad_hours": N_("The hours must be more than zero."),
    "future": N_("The end cannot be a day still to come."),
    "bad_job_dates": N_("The job's dates are not possible."),
}


def problem_text(problem: Problem) -> str:
    return PROBLEMS.get(problem, PROBLEM)
