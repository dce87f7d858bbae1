"""What people are told when the admin changes who works with whom (outbox rows of
bot.people.actions), rendered in each reader's own language when sent."""

from __future__ import annotations

from messages.i18n import N_

# To a client whose coach changed: short and plain, the history stays [002 §3.3].
CLIENT_NEW_COACH = N_(
    "You have a new coach: {coach}.\nYour meetings and goals stay as they are. "
    "From now on {coach} meets you."
)
# To the coach who no longer has the client (only when that coach is still working).
OLD_COACH_CLIENT_MOVED = N_(
    "{client} has a new coach: {coach}. Their coming meetings moved to {coach}."
)
# To the coach who got the clients: a leaving coach's clients, or one client.
NEW_COACH_CLIENTS = N_(
    "You are now the coach of these clients (their coach was {old}):\n{clients}\n"
    "Their coming meetings are yours now. /clients shows them."
)
# To the caseworker who got the clients.
NEW_CASEWORKER_CLIENTS = N_(
    "You are now the caseworker of these clients (their caseworker was {old}):\n{clients}\n"
    "/clients shows them."
)
# To the coach of a client who is no longer in the service.
COACH_CLIENT_LEFT = N_(
    "{client} is no longer in the service. Their coming meetings were cancelled: {count}."
)
# In place of a name nobody had ("their coach was nobody").
NOBODY = N_("nobody")
