"""The absence notice's words: the reasons a client can give, the answer about the noon
rule [002 §3.4.3], and what the coach is told."""

from __future__ import annotations

from bot.rules.absence import NoticeTiming
from messages.i18n import N_
from storage.models import AbsenceReason

# The client's buttons, in the client's own words.
REASONS = {
    AbsenceReason.ILL: N_("I am ill"),
    AbsenceReason.CHILD_ILL: N_("My child is ill"),
    AbsenceReason.APPOINTMENT: N_("Another appointment"),
    AbsenceReason.OTHER: N_("Something else"),
}
# The same reasons as the coach reads them, about the client ("Reason: illness").
COACH_REASONS = {
    AbsenceReason.ILL: N_("illness"),
    AbsenceReason.CHILD_ILL: N_("a child's illness"),
    AbsenceReason.APPOINTMENT: N_("another appointment"),
    AbsenceReason.OTHER: N_("other reason"),
}
TIMING_WORDS = {
    NoticeTiming.ON_TIME: N_("on time"),
    NoticeTiming.LATE: N_("late"),
    NoticeTiming.AFTER_START: N_("after the start"),
}
# The client's answer, one line per meeting: on time or not, naming the deadline.
ANSWERS = {
    NoticeTiming.ON_TIME: N_("{when}: You told in time. The deadline was {deadline}."),
    NoticeTiming.LATE: N_(
        "{when}: The deadline was {deadline}, so this notice is late. "
        "Next time, please tell by noon on the working day before."
    ),
    NoticeTiming.AFTER_START: N_("{when}: The meeting had already started."),
}
TOLD_COACH = N_(
    "{client} cannot come: {when}. Reason: {reason}.\n"
    "The notice came {timing} (deadline {deadline})."
)
# "Something else" with the client's own words: the words are the reason.
TOLD_COACH_NOTE = N_(
    "{client} cannot come: {when}. Reason, in their words: {note}\n"
    "The notice came {timing} (deadline {deadline})."
)
WITHDRAWN_COACH = N_("{client} withdrew the absence notice: {when}. They will come.")

# Withdrawing a notice is "I can come after all" everywhere the client sees it, never a
# word like "cancel", which the flow's ✖ button already means (stop, nothing sent).
BUTTON_COME_AFTER_ALL = N_("I can come after all")
ASK_WHICH_AFTER_ALL = N_("Which meeting can you come to after all?")
BUTTON_AFTER_ALL_ON = N_("I will come after all: {when}")
WITHDRAWN = N_("Good. Your coach knows you will come after all.")
NOTHING_TO_WITHDRAW = N_("You have no absence notices for coming meetings.")
