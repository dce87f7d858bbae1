"""The diary's actions and queries on SQLite and PostgreSQL: each kind takes its own fields,
only the client's coach writes, a correction is a new row the old one points to (audited),
and the month view holds the Helsinki calendar month of one client, for whom may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.diary import actions
from bot.diary.actions import Details, DiaryError, Kind
from storage import audit, meetings, people
from storage import diary as rows
from storage.db import Database
from storage.models import (
    Attendance,
    DiaryEntry,
    MeetingKind,
    PeriodStatus,
    Person,
    Role,
    ServicePeriod,
)

HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=HKI).astimezone(UTC)
TODAY = date(2026, 11, 30)


@dataclass(frozen=True)
class Team:
    coach: int
    worker: int
    client: int
    other_coach: int


def _team(db: Database) -> Team:
    def add(session):  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="K", language="fi")
        other = people.add_person(session, role=Role.COACH, name="O", language="fi")
        worker = people.add_person(session, role=Role.CASEWORKER, name="V", language="fi")
        client = people.add_person(
            session, role=Role.CLIENT, name="M", language="fi", coach_id=coach.id,
            caseworker_id=worker.id,
        )  # fmt: skip
        people.add_period(session, client_id=client.id, program_key="ips", start=date(2026, 9, 1))
        return Team(coach.id, worker.id, client.id, other.id)

    return db.call(add)


def _add(db: Database, team: Team, kind: Kind, day: date, details: Details, **kw: int) -> int:
    coach = kw.get("coach", team.coach)
    entry = db.call(actions.add_entry, coach, team.client, kind, day, details, now=NOW, tz=HKI)
    return entry.id  # type: ignore[no-any-return]


def _viewer(db: Database, person_id: int) -> Person:
    return db.call(people.person, person_id)


def _count(db: Database) -> int:
    return len(db.call(lambda s: s.exec(select(DiaryEntry.id)).all()))


@pytest.mark.parametrize(
    ("kind", "details"),
    [
        (Kind.EMPLOYER_CONTACT, Details(text="x")),  # no employer
        (Kind.CALL, Details(text="x", employer="Oy")),  # an employer a call does not take
        (Kind.JOB_START, Details(text="x", employer="Oy", hours_week=20)),  # no wage support
        (Kind.JOB_END, Details(text="x", employer="Oy")),  # no end reason
        (Kind.OTHER, Details(text="x", minutes=30)),  # minutes only for calls and meetings
        (Kind.CALL, Details(text="   ")),
        (Kind.CALL, Details(text="x" * (actions.TEXT_MAX + 1))),
        (Kind.EMPLOYER_MEETING, Details(text="x", employer="E" * 201)),
    ],
)
def test_each_kind_takes_its_own_fields_only(db: Database, kind: Kind, details: Details) -> None:
    team = _team(db)
    with pytest.raises(DiaryError) as raised:
        _add(db, team, kind, TODAY, details)
    assert raised.value.code == "invalid"
    assert _count(db) == 0


def test_only_a_job_start_may_lie_ahead(db: Database) -> None:
    team = _team(db)
    with pytest.raises(DiaryError):
        _add(db, team, Kind.CALL, TODAY + timedelta(days=1), Details(text="x", minutes=15))
    entry_id = _add(
        db, team, Kind.JOB_START, date(2027, 1, 4),
        Details(text="x", employer="Oy", hours_week=25.0, wage_support=False),
    )  # fmt: skip
    entry = db.call(rows.entry, entry_id)
    assert (entry.happened_on, entry.hours_week, entry.wage_support) == (
        date(2027, 1, 4),
        25,
        False,
    )
    assert entry.period_id is not None


def test_only_the_clients_coach_writes(db: Database) -> None:
    team = _team(db)
    with pytest.raises(DiaryError) as raised:
        _add(db, team, Kind.OTHER, TODAY, Details(text="x"), coach=team.other_coach)
    assert raised.value.code == "not_yours"
    entry_id = _add(db, team, Kind.OTHER, TODAY, Details(text="x"))
    with pytest.raises(DiaryError):
        db.call(actions.correct_entry, team.other_coach, entry_id, "y", now=NOW)
    assert _count(db) == 1


def test_a_correction_keeps_the_chain_and_only_the_latest_is_corrected(db: Database) -> None:
    team = _team(db)
    first = _add(db, team, Kind.CALL, TODAY, Details(text="eka", minutes=30))
    second = db.call(actions.correct_entry, team.coach, first, "toka", now=NOW).id
    with pytest.raises(DiaryError) as raised:
        db.call(actions.correct_entry, team.coach, first, "kolmas", now=NOW)
    assert raised.value.code == "corrected"
    third = db.call(actions.correct_entry, team.coach, second, "kolmas", now=NOW).id
    chain = db.call(rows.versions, first)
    assert [(e.id, e.text, e.replaced_by) for e in chain] == [
        (first, "eka", second), (second, "toka", third), (third, "kolmas", None)
    ]  # fmt: skip
    assert all(e.minutes == 30 and e.kind == "call" for e in chain)
    details = db.call(lambda s: [e.detail for e in audit.entries(s, action="diary.correct")])
    assert details == [f"entry:{second}->{third}", f"entry:{first}->{second}"]

    month = db.call(actions.month_view, _viewer(db, team.coach), team.client, TODAY, tz=HKI)
    assert [(line.id, line.text, line.corrected) for line in month.entries] == [
        (third, "kolmas", True)
    ]


def test_the_month_is_the_helsinki_calendar_month_of_one_client(db: Database) -> None:
    team = _team(db)

    def meeting(session, start, content, outcome="attended"):  # type: ignore[no-untyped-def]
        [made] = meetings.book(
            session, coach_id=team.coach, client_id=team.client, kind=MeetingKind.INDIVIDUAL,
            starts=[start], duration=timedelta(hours=1), place=None,
        )  # fmt: skip
        session.add(Attendance(meeting_id=made.id, outcome=outcome, content=content))

    # 00.30 on 1 December in Helsinki is still 30 November in UTC: December's.
    db.call(meeting, datetime(2026, 12, 1, 0, 30, tzinfo=HKI), "joulukuu")
    db.call(meeting, datetime(2026, 11, 30, 23, 0, tzinfo=HKI), "marraskuu")
    db.call(meeting, datetime(2026, 11, 10, 9, 0, tzinfo=HKI), "ei tullut", "no_show")
    _add(db, team, Kind.OTHER, date(2026, 11, 1), Details(text="alku"))
    _add(db, team, Kind.OTHER, date(2026, 10, 31), Details(text="lokakuu"))

    month = db.call(actions.month_view, _viewer(db, team.coach), team.client, TODAY, tz=HKI)
    assert month.first == date(2026, 11, 1) and month.may_correct
    assert [(m.day, m.content, m.hours) for m in month.meetings] == [
        (date(2026, 11, 30), "marraskuu", 1.0)
    ]
    assert [line.text for line in month.entries] == ["alku"]
    december = db.call(
        actions.month_view, _viewer(db, team.worker), team.client, date(2026, 12, 5), tz=HKI
    )
    assert [m.content for m in december.meetings] == ["joulukuu"] and not december.may_correct


def test_only_the_clients_coach_and_caseworker_see_the_month(db: Database) -> None:
    team = _team(db)
    for person_id in (team.other_coach, team.client):
        assert (
            db.call(actions.month_view, _viewer(db, person_id), team.client, TODAY, tz=HKI) is None
        )
    before = db.call(lambda s: len(audit.entries(s, action="diary.view")))
    assert db.call(actions.month_view, _viewer(db, team.worker), team.client, TODAY, tz=HKI)
    views = db.call(lambda s: [(e.actor_id, e.subject_id, e.detail)
                               for e in audit.entries(s, action="diary.view")])  # fmt: skip
    assert len(views) == before + 1 and views[0] == (team.worker, team.client, "2026-11")


def test_an_entry_belongs_to_the_period_running_on_its_day(db: Database) -> None:
    """Work logged after the fact lands in the period it was done in, not the one running
    when it was logged; a day no period covers takes the current one [002 §3.4.2]."""

    def periods(session):  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="K", language="fi")
        client = people.add_person(
            session, role=Role.CLIENT, name="M", language="fi", coach_id=coach.id
        )
        ended = ServicePeriod(
            client_id=client.id, program_key="job-search", start_date=date(2026, 6, 1),
            planned_end=date(2026, 11, 30), status=PeriodStatus.ENDED.value,
            ended_on=date(2026, 10, 15),
        )  # fmt: skip
        running = ServicePeriod(client_id=client.id, program_key="ips",
                                start_date=date(2026, 10, 16))  # fmt: skip
        # Agreed during the running one: it waits behind it (storage.periods.current_period).
        waiting = ServicePeriod(client_id=client.id, program_key="job-retention",
                                start_date=date(2026, 11, 25))  # fmt: skip
        session.add_all([ended, running, waiting])
        session.flush()
        return Team(coach.id, 0, client.id, 0), ended.id, running.id

    team, ended, running = db.call(periods)
    note = Details(text="Työtä")
    cases = {
        date(2026, 6, 1): ended,
        date(2026, 10, 10): ended,
        date(2026, 10, 15): ended,  # its last day
        date(2026, 10, 16): running,
        date(2026, 11, 26): running,  # the waiting one has not begun
        date(2026, 5, 31): running,  # before any period: the current one
    }
    for day, period_id in cases.items():
        entry = _add(db, team, Kind.OTHER, day, note)
        found = db.call(rows.entry, entry)
        assert found is not None and found.period_id == period_id, day
    job = db.call(actions.add_entry, team.coach, team.client, Kind.JOB_START,
                  date(2027, 1, 10), Details(text="Aloittaa", employer="Oy", hours_week=20,
                  wage_support=False), now=NOW, tz=HKI)  # fmt: skip
    assert job.period_id == running  # ahead of today: the period running then, as now
