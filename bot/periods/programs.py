"""Display names of the program presets (the rules themselves are rows in the database)."""

from __future__ import annotations

from messages.i18n import N_, Translator

PROGRAM_NAMES = {
    "on-the-job": N_("Work coaching on the job"),
    "job-coaching": N_("Job coaching"),
    "job-search": N_("Job-search coaching"),
    "job-retention": N_("Job-retention coaching"),
    "work-activity": N_("Work activity"),
    "ips": N_("Supported employment (IPS)"),
}


def program_name(key: str, t: Translator) -> str:
    """A program added later by migration without a catalog entry shows its key."""
    name = PROGRAM_NAMES.get(key)
    return t(name) if name else key
