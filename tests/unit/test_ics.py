"""Meeting .ics files: parsed back with icalendar and checked against hand-written times.

Expected UTC instants are written out by hand (Finland: +02:00 in winter, +03:00 from the
last Sunday of March to the last Sunday of October), not computed with zoneinfo, so a
wrong conversion cannot agree with itself.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar, Event, Timezone

from bot.meetings.ics import PRODID, ics_filename, meeting_ics
from messages.formatting import HELSINKI

NOW = datetime(2026, 11, 20, 9, 15, tzinfo=UTC)


def make(
    start: datetime,
    *,
    minutes: int = 60,
    uid: str = "meeting-42@coachbot",
    sequence: int = 0,
    summary: str = "Valmennustapaaminen",
    location: str | None = "Hämeenkatu 1, Tampere",
    description: str | None = "Ota CV mukaan.",
    cancelled: bool = False,
) -> bytes:
    return meeting_ics(
        uid=uid,
        sequence=sequence,
        start=start,
        end=start + timedelta(minutes=minutes),
        summary=summary,
        location=location,
        description=description,
        now=NOW,
        cancelled=cancelled,
    )


def parse(data: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def raw_line(data: bytes, name: str) -> str:
    """The event's unfolded content line as written, e.g. 'DTSTART;TZID=...:2026...'."""
    unfolded = data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
    vevent = unfolded.split("BEGIN:VEVENT\r\n", 1)[1].split("END:VEVENT\r\n", 1)[0]
    matches = [line for line in vevent.split("\r\n") if re.match(rf"{name}[;:]", line)]
    assert len(matches) == 1, matches
    return matches[0]


def test_request_has_the_required_properties() -> None:
    data = make(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    calendar, event = parse(data)
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == "meeting-42@coachbot"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Valmennustapaaminen"
    assert str(event["LOCATION"]) == "Hämeenkatu 1, Tampere"
    assert str(event["DESCRIPTION"]) == "Ota CV mukaan."
    assert "URL" not in event
    assert raw_line(data, "DTSTAMP") == "DTSTAMP:20261120T091500Z"


def test_start_is_helsinki_wall_clock_and_the_right_instant() -> None:
    data = make(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), minutes=90)
    assert raw_line(data, "DTSTART") == "DTSTART;TZID=Europe/Helsinki:20261124T100000"
    assert raw_line(data, "DTEND") == "DTEND;TZID=Europe/Helsinki:20261124T113000"
    _, event = parse(data)
    start = event["DTSTART"].dt
    assert (start.hour, start.minute) == (10, 0)
    assert start.utcoffset() == timedelta(hours=2)
    assert start == datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def test_dtstamp_is_utc_even_when_now_is_given_in_local_time() -> None:
    local_now = NOW.astimezone(HELSINKI)  # 11.15 in Helsinki
    data = meeting_ics(
        uid="u",
        sequence=1,
        start=NOW,
        end=NOW + timedelta(hours=1),
        summary="s",
        location=None,
        description=None,
        now=local_now,
    )
    assert raw_line(data, "DTSTAMP") == "DTSTAMP:20261120T091500Z"


# (local meeting time in Helsinki, the same instant in UTC written by hand, offset in hours)
DST_CASES = [
    ("20260328T100000", datetime(2026, 3, 28, 8, 0, tzinfo=UTC), 2),  # Saturday before
    ("20260329T100000", datetime(2026, 3, 29, 7, 0, tzinfo=UTC), 3),  # clocks went forward
    ("20260330T100000", datetime(2026, 3, 30, 7, 0, tzinfo=UTC), 3),
    ("20261024T100000", datetime(2026, 10, 24, 7, 0, tzinfo=UTC), 3),  # Saturday before
    ("20261025T100000", datetime(2026, 10, 25, 8, 0, tzinfo=UTC), 2),  # clocks went back
    ("20261026T100000", datetime(2026, 10, 26, 8, 0, tzinfo=UTC), 2),
]


@pytest.mark.parametrize(("local", "instant", "hours"), DST_CASES)
def test_dst_change_days(local: str, instant: datetime, hours: int) -> None:
    data = make(instant)
    assert raw_line(data, "DTSTART") == f"DTSTART;TZID=Europe/Helsinki:{local}"
    calendar, event = parse(data)
    start = event["DTSTART"].dt
    assert start == instant
    assert start.utcoffset() == timedelta(hours=hours)

    # A calendar app that does not know the TZID uses the embedded VTIMEZONE instead:
    # resolve the written wall-clock time with that definition alone.
    (vtimezone,) = calendar.walk("VTIMEZONE")
    embedded = vtimezone.to_tz()
    wall = datetime.strptime(local, "%Y%m%dT%H%M%S").replace(tzinfo=embedded)
    assert wall.utcoffset() == timedelta(hours=hours)
    assert wall == instant


def test_vtimezone_for_helsinki_is_present_and_before_the_event() -> None:
    data = make(datetime(2026, 3, 29, 7, 0, tzinfo=UTC))
    calendar, _ = parse(data)
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Helsinki"]
    assert isinstance(timezones[0], Timezone)
    text = data.decode("utf-8")
    assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")
    offsets = {
        (sub.name, sub["TZOFFSETTO"].td)
        for sub in timezones[0].subcomponents
        if sub.name in ("STANDARD", "DAYLIGHT")
    }
    assert ("STANDARD", timedelta(hours=2)) in offsets
    assert ("DAYLIGHT", timedelta(hours=3)) in offsets


def test_cancellation_keeps_uid_and_raises_sequence() -> None:
    start = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    original = make(start, sequence=3)
    cancel = make(start, sequence=4, cancelled=True)
    cal_a, event_a = parse(original)
    cal_b, event_b = parse(cancel)
    assert str(cal_a["METHOD"]) == "REQUEST"
    assert str(cal_b["METHOD"]) == "CANCEL"
    assert str(event_b["STATUS"]) == "CANCELLED"
    assert str(event_a["UID"]) == str(event_b["UID"])
    assert int(event_b["SEQUENCE"]) > int(event_a["SEQUENCE"])
    assert event_b["DTSTART"].dt == event_a["DTSTART"].dt


def test_non_ascii_text_round_trips() -> None:
    summary = "Tapaaminen: Äänekoski–Åbo 😀"
    location = "Yrjönkatu 3 A, Helsingfors (Ödegård) 🏢"
    description = "Rivi 1: työnhaku, CV; ja kirjeet\nRivi 2: ålänningar, 👍 ✅"
    data = make(
        datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        summary=summary,
        location=location,
        description=description,
    )
    _, event = parse(data)
    assert str(event["SUMMARY"]) == summary
    assert str(event["LOCATION"]) == location
    assert str(event["DESCRIPTION"]) == description


def test_url_location_is_also_the_event_url() -> None:
    link = "https://teams.example.com/l/meetup-join/19%3ameeting_abc?context=%7b%7d"
    _, event = parse(make(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), location=link))
    assert str(event["LOCATION"]) == link
    assert str(event["URL"]) == link


def test_optional_fields_left_out() -> None:
    _, event = parse(
        make(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), location=None, description=None)
    )
    assert "LOCATION" not in event
    assert "DESCRIPTION" not in event
    assert "URL" not in event


def test_crlf_line_endings_and_folding() -> None:
    description = "Pitkä kuvaus ääkkösillä ja emojeilla 😀🎉 " * 10
    data = make(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), description=description)
    assert data.endswith(b"\r\n")
    assert re.search(rb"(?<!\r)\n", data) is None, "bare LF line ending"
    assert b"\r\n " in data, "the long description should have been folded"
    for line in data.split(b"\r\n"):
        assert len(line) <= 75, line  # octets, not characters [RFC 5545 §3.1]
        line.decode("utf-8")  # never split inside a multi-byte character
    _, event = parse(data)
    assert str(event["DESCRIPTION"]) == description


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("start", datetime(2026, 11, 24, 10, 0)),
        ("now", datetime(2026, 11, 20, 9, 15)),
    ],
)
def test_naive_times_are_refused(name: str, value: datetime) -> None:
    kwargs = {
        "uid": "u",
        "sequence": 0,
        "start": datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        "end": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "summary": "s",
        "location": None,
        "description": None,
        "now": NOW,
    }
    kwargs[name] = value
    if name == "start":
        kwargs["end"] = value + timedelta(hours=1)
    with pytest.raises(ValueError):
        meeting_ics(**kwargs)  # type: ignore[arg-type]


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValueError):
        make(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), minutes=0)


def test_filename_is_local_time_and_ascii() -> None:
    assert ics_filename(datetime(2026, 11, 24, 8, 0, tzinfo=UTC)) == (
        "tapaaminen-2026-11-24-1000.ics"
    )
    # Summer time: 07:05 UTC is 10.05 in Helsinki.
    name = ics_filename(datetime(2026, 7, 1, 7, 5, tzinfo=UTC))
    assert name == "tapaaminen-2026-07-01-1005.ics"
    assert name.isascii()
