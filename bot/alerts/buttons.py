"""Callback data of the alert buttons and of the /stop confirmation: ids and actions only.

`al:<alert id>:ack` is on every pushed alert, `al:<alert id>:list` on each line of
/alerts; `sp:yes` / `sp:no` answer the latest /stop question. A no-show alert's copy to
the client's caseworker also carries the two choices of the no-show procedure
[002 §3.4.3]: `al:<id>:more` (give more time: a month calendar follows, its data
`np<id>:d:2026-12-01`, `np<id>:m:2026-12`, `np<id>:n`, and `np<id>:back`) and
`al:<id>:meet` (call a three-party meeting). A "wants to stop" alert's copy to the
caseworker carries `al:<id>:end` (interrupt the service [issue 12 §1]), which asks once:
`al:<id>:end:yes` or `al:<id>:end:back`. Each pattern matches one action exactly;
anything else with these prefixes is a stale or forged press.
"""

from __future__ import annotations

from bot.alerts import texts
from messages.i18n import N_
from storage.models import AlertKind

ALERT_PREFIX = "al:"
STOP_PREFIX = "sp:"

ACK = r"^al:(\d{1,12}):ack$"
ACK_FROM_LIST = r"^al:(\d{1,12}):list$"
STOP_YES = "sp:yes"
STOP_NO = "sp:no"
CONFIRM_STOP = f"^{STOP_YES}$"
DECLINE_STOP = f"^{STOP_NO}$"

# The no-show procedure's choices, on the alerts that are about no-shows.
PROCEDURE_KINDS = frozenset({AlertKind.NO_SHOW_UNKNOWN, AlertKind.REPEATED_NO_SHOWS})
GIVE_MORE_TIME = N_("Give more time")
CALL_THREE_PARTY = N_("Call a three-party meeting")
MORE_TIME = r"^al:(\d{1,12}):more$"
THREE_PARTY = r"^al:(\d{1,12}):meet$"
# The client's /stop confirmed: the caseworker may interrupt the service [issue 12 §1].
STOP_KINDS = frozenset({AlertKind.CLIENT_STOPS})
INTERRUPT_SERVICE = N_("Interrupt the service")
INTERRUPT = r"^al:(\d{1,12}):end$"
INTERRUPT_YES = r"^al:(\d{1,12}):end:yes$"
INTERRUPT_BACK = r"^al:(\d{1,12}):end:back$"
# The calendar of "Give more time": bot.meetings.keyboards' data under `np<alert id>`.
CALENDAR_PREFIX = r"np\d"
CALENDAR = r"^np(\d{1,12}):(?:d:\d{4}-\d{2}-\d{2}|m:\d{4}-\d{2}|n)$"
CALENDAR_BACK = r"^np(\d{1,12}):back$"


def ack(alert_id: int) -> str:
    return f"al:{alert_id}:ack"


def ack_from_list(alert_id: int) -> str:
    return f"al:{alert_id}:list"


def more_time(alert_id: int) -> str:
    return f"al:{alert_id}:more"


def three_party(alert_id: int) -> str:
    return f"al:{alert_id}:meet"


def interrupt(alert_id: int) -> str:
    return f"al:{alert_id}:end"


def interrupt_yes(alert_id: int) -> str:
    return f"al:{alert_id}:end:yes"


def interrupt_back(alert_id: int) -> str:
    return f"al:{alert_id}:end:back"


def calendar_prefix(alert_id: int) -> str:
    """The month calendar's prefix (bot.meetings.keyboards wants no ':' in it)."""
    return f"np{alert_id}"


def calendar_back(alert_id: int) -> str:
    return f"{calendar_prefix(alert_id)}:back"


def pushed(alert_id: int, kind: AlertKind | None = None) -> list[list[dict[str, str]]]:
    """The buttons of a pushed alert, as the outbox stores it: Acknowledge, and the choices
    of an alert of `kind` (None: none; each on its row: long words on a phone): the no-show
    procedure's two, or a stopping client's "Interrupt the service"."""
    rows = [[{"text": texts.ACKNOWLEDGE, "data": ack(alert_id)}]]
    if kind in PROCEDURE_KINDS:
        rows.append([{"text": GIVE_MORE_TIME, "data": more_time(alert_id)}])
        rows.append([{"text": CALL_THREE_PARTY, "data": three_party(alert_id)}])
    elif kind in STOP_KINDS:
        rows.append([{"text": INTERRUPT_SERVICE, "data": interrupt(alert_id)}])
    return rows
