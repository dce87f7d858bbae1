"""People storage on SQLite and PostgreSQL, as people management uses it: a deactivated
person is a stranger to the bot, a coach's or caseworker's active clients are the work to
hand over, only a client's coming meetings move, open alerts follow the clients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import meetings, people
from storage.db import Database
from storage.models import Alert, AlertKind, Meeting, MeetingKind, Person, Role

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _team(db: Database) -> dict[str, int]:
    """Two coaches and a caseworker; the first coach has two clients (one left), and the
    first client a past meeting and a coming one."""

    def add(session):  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="Kaisa", language="fi")
        other = people.add_person(session, role=Role.COACH, name="Olli", language="fi")
        worker = people.add_person(session, role=Role.CASEWORKER, name="Ville", language="fi")
        client, left = (
            people.add_person(
                session, role=Role.CLIENT, name=name, language="fi",
                coach_id=coach.id, caseworker_id=worker.id,
            )
            for name in ("Matti", "Liisa")
        )  # fmt: skip
        left.active = False
        made = [
            meetings.book(
                session, coach_id=coach.id, client_id=client.id, kind=MeetingKind.INDIVIDUAL,
                starts=[start], duration=timedelta(hours=1), place=None,
            )[0]
            for start in (NOW - timedelta(days=1), NOW + timedelta(days=1))
        ]  # fmt: skip
        return {
            "coach": coach.id, "other": other.id, "worker": worker.id, "client": client.id,
            "left": left.id, "past": made[0].id, "coming": made[1].id,
        }  # fmt: skip

    return db.call(add)


def test_a_deactivated_person_is_a_stranger_and_back_once_reactivated(db: Database) -> None:
    ids = _team(db)

    def link(session):  # type: ignore[no-untyped-def]
        session.get(Person, ids["client"]).telegram_user_id = 777

    db.call(link)
    assert db.call(people.by_telegram_id, 777).id == ids["client"]
    db.call(lambda s: people.set_active(s, people.person(s, ids["client"]), False))
    assert db.call(people.by_telegram_id, 777) is None
    db.call(lambda s: people.set_active(s, people.person(s, ids["client"]), True))
    assert db.call(people.by_telegram_id, 777).id == ids["client"]


def test_the_work_to_hand_over_is_the_active_clients(db: Database) -> None:
    ids = _team(db)
    with db.session() as session:
        coach, worker = people.person(session, ids["coach"]), people.person(session, ids["worker"])
        assert [c.id for c in people.active_clients(session, coach)] == [ids["client"]]
        assert [c.id for c in people.active_clients(session, worker)] == [ids["client"]]
        client = people.person(session, ids["client"])
        assert people.active_clients(session, client) == []


def test_only_the_coming_meetings_move_and_the_past_stays(db: Database) -> None:
    ids = _team(db)

    def move(session):  # type: ignore[no-untyped-def]
        coming = people.future_meetings(session, ids["client"], NOW, coach_id=ids["coach"])
        people.move_meetings(session, coming, ids["other"])
        return [m.id for m in coming]

    assert db.call(move) == [ids["coming"]]
    with db.session() as session:
        assert session.get(Meeting, ids["coming"]).coach_id == ids["other"]
        assert session.get(Meeting, ids["past"]).coach_id == ids["coach"]
        assert people.future_meetings(session, ids["client"], NOW, coach_id=ids["coach"]) == []


def test_open_alerts_follow_the_clients_and_acknowledged_ones_stay(db: Database) -> None:
    ids = _team(db)

    def alerts(session):  # type: ignore[no-untyped-def]
        made = [
            Alert(
                kind=AlertKind.NO_SHOW_UNKNOWN.value, client_id=ids["client"],
                caseworker_id=ids["worker"], coach_id=ids["coach"],
                acknowledged_at=acknowledged,
            )
            for acknowledged in (None, NOW)
        ]  # fmt: skip
        session.add_all(made)
        session.flush()
        return [a.id for a in made]

    open_id, done_id = db.call(alerts)
    moved = db.call(people.hand_over_alerts, [ids["client"]], coach_id=ids["other"])
    assert moved == 1
    with db.session() as session:
        assert session.get(Alert, open_id).coach_id == ids["other"]
        assert session.get(Alert, open_id).caseworker_id == ids["worker"]
        assert session.get(Alert, done_id).coach_id == ids["coach"]


def test_a_new_coach_must_be_an_active_coach(db: Database) -> None:
    ids = _team(db)
    with db.session() as session:
        assert people.active_of_role(session, ids["other"], Role.COACH, "coach").id == ids["other"]
        for wrong in (ids["worker"], ids["left"], 999):
            with pytest.raises(people.PeopleError, match="not an active coach"):
                people.active_of_role(session, wrong, Role.COACH, "coach")
