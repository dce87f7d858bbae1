"""What alerts say, as catalog ids: rendered in each reader's language when sent or shown."""

from __future__ import annotations

from messages.i18n import N_
from storage.models import AlertKind

TEXTS = {
    AlertKind.NO_SHOW_UNKNOWN: N_(
        "Alert: {client} did not come to the meeting on {when}, and the reason is not known."
    ),
    AlertKind.REPEATED_NO_SHOWS: N_(
        "Alert: {client} has missed meetings without notice more than once: {dates}."
    ),
    AlertKind.CLIENT_STOPS: N_("Alert: {client} says they want to stop the service."),
    AlertKind.SIGNIFICANT_CHANGE: N_(
        "Alert from the coach {coach}: a significant change for {client}: {category}. {note}"
    ),
}
# One line of /alerts: what the alert is about, in a few words.
KIND_NAMES = {
    AlertKind.NO_SHOW_UNKNOWN: N_("did not come, reason not known"),
    AlertKind.REPEATED_NO_SHOWS: N_("missed meetings without notice more than once"),
    AlertKind.CLIENT_STOPS: N_("wants to stop the service"),
    AlertKind.SIGNIFICANT_CHANGE: N_("a significant change reported by the coach"),
}
AGAIN = N_("Not acknowledged yet. {text}")
ACKNOWLEDGE = N_("Acknowledge")
TOLD_COACH = N_("{caseworker} acknowledged the alert about {client}.")
TOLD_COACH_STOPS = N_(
    "{client} says they want to stop the service. The caseworker is alerted too. "
    "Please contact {client}."
)
