"""Callback data of the alert buttons and of the /stop confirmation: ids and actions only.

`al:<alert id>:ack` is on every pushed alert, `al:<alert id>:list` on each line of
/alerts; `sp:yes` / `sp:no` answer the latest /stop question. Each pattern matches one
action exactly; anything else with these prefixes is a stale or forged press.
"""

from __future__ import annotations

from bot.alerts import texts

ALERT_PREFIX = "al:"
STOP_PREFIX = "sp:"

ACK = r"^al:(\d{1,12}):ack$"
ACK_FROM_LIST = r"^al:(\d{1,12}):list$"
STOP_YES = "sp:yes"
STOP_NO = "sp:no"
CONFIRM_STOP = f"^{STOP_YES}$"
DECLINE_STOP = f"^{STOP_NO}$"


def ack(alert_id: int) -> str:
    return f"al:{alert_id}:ack"


def ack_from_list(alert_id: int) -> str:
    return f"al:{alert_id}:list"


def pushed(alert_id: int) -> list[list[dict[str, str]]]:
    """The Acknowledge button of a pushed alert, as the outbox stores it."""
    return [[{"text": texts.ACKNOWLEDGE, "data": ack(alert_id)}]]
