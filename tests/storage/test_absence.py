"""Absence storage on SQLite and PostgreSQL: it keeps what the action worked out (the
deadline and the timing come from bot.rules.absence, not from storage), files a notice
only for the client's own open meeting, once, and withdraws only before the start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import absence, audit, meetings, people
from storage.db import Database
from storage.models import AbsenceReason, ClientResponse, Meeting, MeetingKind, Person, Role

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
START = NOW + timedelta(days=1)


def _team(db: Database) -> tuple[int, int, int, int]:
    """A coach, two of their clients, and a meeting of the first."""

    def add(session):  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="K", language="fi")
        client, other = (
            people.add_person(
                session, role=Role.CLIENT, name=name, language="fi", coach_id=coach.id
            )
            for name in ("M", "L")
        )
        [meeting] = meetings.book(
            session, coach_id=coach.id, client_id=client.id, kind=MeetingKind.INDIVIDUAL,
            starts=[START], duration=timedelta(hours=1), place=None,
        )  # fmt: skip
        return coach.id, client.id, other.id, meeting.id

    return db.call(add)


def test_a_notice_keeps_the_deadline_and_timing_it_was_given(db: Database) -> None:
    _, client_id, _, meeting_id = _team(db)
    deadline = NOW - timedelta(hours=1)  # whatever the rule said: storage does not judge

    def file(session):  # type: ignore[no-untyped-def]
        client = session.get(Person, client_id)
        meeting = absence.noticeable(session, client, meeting_id, NOW)
        assert meeting is not None
        filed = absence.add_notice(
            session, client, meeting, AbsenceReason.OTHER, "x" * 400,
            now=NOW, deadline=deadline, timing="late",
        )  # fmt: skip
        return filed.notice.id

    notice_id = db.call(file)
    with db.session() as session:
        client = session.get(Person, client_id)
        [filed] = absence.withdrawable(session, client, NOW)
        assert filed.notice.id == notice_id
        assert (filed.notice.timing, filed.notice.deadline) == ("late", deadline)
        assert filed.notice.note == "x" * absence.NOTE_MAX
        assert filed.meeting.meeting.client_response == ClientResponse.DECLINED
        # One notice per meeting: the first stands.
        assert absence.noticeable(session, client, meeting_id, NOW) is None


def test_another_clients_meeting_is_denied_and_audited(db: Database) -> None:
    _, _, other_id, meeting_id = _team(db)
    with db.session() as session:
        other = session.get(Person, other_id)
        assert absence.noticeable(session, other, meeting_id, NOW) is None
        assert absence.withdraw(session, other, 12345, NOW) is None
    with db.session() as session:
        denied = audit.entries(session, action="absence.denied")
        assert {(e.actor_id, e.subject_id) for e in denied} == {
            (other_id, meeting_id),
            (other_id, 12345),
        }


def test_a_notice_is_withdrawn_only_before_the_meeting_starts(db: Database) -> None:
    _, client_id, _, meeting_id = _team(db)

    def file(session):  # type: ignore[no-untyped-def]
        client = session.get(Person, client_id)
        meeting = session.get(Meeting, meeting_id)
        return absence.add_notice(
            session, client, meeting, AbsenceReason.ILL, None,
            now=NOW, deadline=NOW, timing="on_time",
        ).notice.id  # fmt: skip

    notice_id = db.call(file)
    with db.session() as session:
        client = session.get(Person, client_id)
        assert absence.withdraw(session, client, notice_id, START) is None  # started
        assert absence.noticeable(session, client, meeting_id, START + timedelta(hours=1)) is None
    with db.session() as session:
        client = session.get(Person, client_id)
        withdrawn = absence.withdraw(session, client, notice_id, NOW)
        assert withdrawn is not None and withdrawn.notice.withdrawn_at == NOW
        assert withdrawn.meeting.meeting.client_response == ClientResponse.NONE
    with db.session() as session:
        client = session.get(Person, client_id)
        assert absence.withdraw(session, client, notice_id, NOW) is None  # already
        assert absence.noticeable(session, client, meeting_id, NOW) is not None
