"""The command menu of each role: one table, used for set_my_commands, /help and refusals."""

from __future__ import annotations

from dataclasses import dataclass

from messages.i18n import N_, Translator
from storage.models import Role

EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class CommandSpec:
    name: str
    description: str  # a catalog id
    roles: frozenset[Role]


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("help", N_("What I can do for you"), EVERYONE),
    CommandSpec("meetings", N_("Upcoming meetings"), EVERYONE - {Role.ADMIN}),
    CommandSpec("absent", N_("I can't come: report an absence"), frozenset({Role.CLIENT})),
    CommandSpec("alerts", N_("Open alerts"), frozenset({Role.CASEWORKER, Role.ADMIN})),
    CommandSpec("change", N_("Report a significant change"), frozenset({Role.COACH})),
    CommandSpec("schedule", N_("Book a meeting"), frozenset({Role.COACH})),
    CommandSpec(
        "period", N_("Service period: extend, suspend, end"), frozenset({Role.COACH, Role.ADMIN})
    ),
    CommandSpec("interim", N_("Interim evaluation"), frozenset({Role.COACH})),
    CommandSpec("log", N_("Log work done outside meetings"), frozenset({Role.COACH})),
    CommandSpec("diary", N_("A client's diary by month"), frozenset({Role.COACH, Role.CASEWORKER})),
    CommandSpec("goals", N_("Goals and check-ins"), frozenset({Role.CLIENT, Role.COACH})),
    CommandSpec("progress", N_("Progress chart"), frozenset({Role.CLIENT, Role.COACH})),
    CommandSpec("me", N_("My details and contacts"), EVERYONE),
    CommandSpec("clients", N_("My clients"), frozenset({Role.COACH, Role.CASEWORKER})),
    CommandSpec("people", N_("People and pending invites"), frozenset({Role.ADMIN})),
    CommandSpec("settings", N_("Reminder times"), frozenset({Role.CLIENT, Role.COACH})),
    CommandSpec("language", N_("Change language"), EVERYONE),
    CommandSpec("stop", N_("I want to stop the service"), frozenset({Role.CLIENT})),
)

BY_NAME = {spec.name: spec for spec in COMMANDS}

# Shown to people who have not joined yet.
STRANGER_COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("start", N_("Join with your invite link"), EVERYONE),
    CommandSpec("help", N_("What I can do for you"), EVERYONE),
)

ROLE_NAMES = {
    Role.ADMIN: N_("provider admin"),
    Role.COACH: N_("coach"),
    Role.CASEWORKER: N_("caseworker"),
    Role.CLIENT: N_("client"),
}

# Plural role names, for "this command is for coaches and caseworkers".
ROLE_GROUPS = {
    Role.ADMIN: N_("provider admins"),
    Role.COACH: N_("coaches"),
    Role.CASEWORKER: N_("caseworkers"),
    Role.CLIENT: N_("clients"),
}


def commands_for(role: Role) -> list[CommandSpec]:
    return [spec for spec in COMMANDS if role in spec.roles]


def who_may(spec: CommandSpec, t: Translator) -> str:
    """'coaches and caseworkers' in the reader's language."""
    names = [t(ROLE_GROUPS[role]) for role in Role if role in spec.roles]
    if len(names) == 1:
        return names[0]
    return t("{first} and {last}", first=", ".join(names[:-1]), last=names[-1])
