"""What the diary says, as catalog ids: the kinds of work logged outside meetings and the
month's lines [002 §3.4.2; 003 forms B–D]."""

from __future__ import annotations

from messages.i18n import N_

KIND_NAMES = {
    "employer_contact": N_("Employer contact"),
    "employer_meeting": N_("Employer meeting"),
    "call": N_("Call"),
    "network_meeting": N_("Network meeting"),
    "job_start": N_("Job starts"),
    "job_end": N_("Job ends"),
    "benefits_counselling": N_("Benefits counselling"),
    "other": N_("Other"),
}

ERRORS = {
    "not_yours": N_("That client is not yours any more."),
    "corrected": N_("That entry was corrected already."),
    "invalid": N_("That cannot be saved. Please start again with /log."),
}

TITLE = N_("Diary: {client}, {month}")
MEETINGS = N_("Meetings held:")
NO_MEETINGS = N_("No meetings held this month.")
ENTRIES = N_("Other work:")
NO_ENTRIES = N_("Nothing else logged this month.")
MEETING_LINE = N_("{day}: meeting, {hours} h")
MINUTES = N_("{minutes} min")
EMPLOYER = N_("employer: {employer}")
HOURS_WEEK = N_("{hours} h a week")
WAGE_SUPPORT = N_("with wage support")
NO_WAGE_SUPPORT = N_("no wage support")
END_REASON = N_("why it ended: {reason}")
CORRECTED = N_("(corrected)")
