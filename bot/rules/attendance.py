"""How a meeting ended: exactly one outcome per meeting (DOMAIN.md, "Attendance outcomes",
from [002 §3.4.2–3.4.3]). Stored as its string value; the billing rules read it."""

from __future__ import annotations

import enum


class Outcome(enum.StrEnum):
    """How a meeting ended (DOMAIN.md, attendance outcomes); exactly one per meeting."""

    ATTENDED = "attended"
    ABSENT_ON_TIME = "absent_on_time"
    ABSENT_LATE = "absent_late"
    NO_SHOW = "no_show"
    CANCELLED_BY_PROVIDER = "cancelled_by_provider"
