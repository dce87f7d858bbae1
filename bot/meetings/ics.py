""".ics files for meetings, so a client can put the meeting in their own calendar app.

Times are stored as UTC but written as Europe/Helsinki wall-clock times with a VTIMEZONE
component: a calendar app then shows "10.00" on the day of the meeting even when it sits
across a daylight-saving change from the day the file was made. One meeting keeps one UID
for its whole life; every change raises SEQUENCE, so an app replaces the old copy instead
of adding a second one, and a cancellation (METHOD:CANCEL) removes it.

Pure: everything, including the DTSTAMP clock reading, comes in as arguments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from messages.formatting import HELSINKI

PRODID = "-//Coachbot//coachbot//FI"


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _looks_like_url(text: str) -> bool:
    """An online meeting link: the location then doubles as the event's URL."""
    if any(ch.isspace() for ch in text):
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def meeting_ics(
    *,
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    summary: str,
    location: str | None,
    description: str | None,
    now: datetime,
    cancelled: bool = False,
    organizer: str | None = None,
    tz: ZoneInfo = HELSINKI,
) -> bytes:
    """The iCalendar bytes (CRLF, folded) for one meeting, or for its cancellation."""
    for name, value in (("start", start), ("end", end), ("now", now)):
        _require_aware(name, value)
    if end <= start:
        raise ValueError("a meeting must end after it starts")
    if not uid:
        raise ValueError("uid must not be empty")
    if sequence < 0:
        raise ValueError("sequence must not be negative")

    local_start = start.astimezone(tz)
    local_end = end.astimezone(tz)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", local_start)
    event.add("dtend", local_end)
    event.add("summary", summary)
    if organizer:
        # iTIP (REQUEST/CANCEL) wants an ORGANIZER; nobody has an e-mail address here, so
        # the coach's name goes with an address that cannot receive mail (.invalid).
        address = vCalAddress("mailto:no-reply@coachbot.invalid")
        address.params["cn"] = vText(organizer)
        event.add("organizer", address)
    if location:
        event.add("location", location)
        if _looks_like_url(location.strip()):
            event.add("url", location.strip())
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)

    # Only the transitions around the meeting: the whole 1970–2038 default range would
    # make every file several kilobytes longer for nothing.
    calendar.add_missing_timezones(
        first_date=date(local_start.year, 1, 1),
        last_date=date(local_end.year + 1, 1, 1),
    )
    return calendar.to_ical()


def ics_filename(start: datetime, tz: ZoneInfo = HELSINKI) -> str:
    """ASCII-only attachment name from the local start, e.g. 'tapaaminen-2026-11-24-1000.ics'."""
    _require_aware("start", start)
    return f"tapaaminen-{start.astimezone(tz):%Y-%m-%d-%H%M}.ics"
