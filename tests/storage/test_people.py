"""People storage on SQLite and PostgreSQL, as people management uses it: a deactivated
person is a stranger to the bot, a coach's or caseworker's active clients are the work to
hand over, only a client's coming meetings move, open alerts follow the clients, and what
waits for a caseworker's decision goes to the new caseworker (bot.people.actions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.people import actions
from bot.periods import actions as period_actions
from bot.periods import buttons as period_buttons
from bot.periods import interim
from bot.periods import texts as period_texts
from bot.periods.actions import PeriodError
from storage import meetings, people
from storage.db import Database
from storage.models import (
    Alert,
    AlertKind,
    InterimEvaluation,
    Meeting,
    MeetingKind,
    OutboxMessage,
    OutboxStatus,
    PeriodRequest,
    Person,
    Role,
    ServicePeriod,
)

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


# --- a caseworker change hands over what waits for the caseworker's decision ------------
HKI = ZoneInfo("Europe/Helsinki")


def _waiting(db: Database) -> dict[str, int]:
    """A job-search client whose coach asked caseworker A for more hours (A's copy sent,
    message 555) and whose interim evaluation A has not decided (A's copy sent, 556);
    caseworker B is to take over."""

    def add(session: Session) -> dict[str, int]:
        coach = people.add_person(session, role=Role.COACH, name="Kaisa", language="fi")
        old = people.add_person(session, role=Role.CASEWORKER, name="Ville", language="fi")
        new = people.add_person(session, role=Role.CASEWORKER, name="Outi", language="sv")
        client = people.add_person(
            session, role=Role.CLIENT, name="Matti", language="fi",
            coach_id=coach.id, caseworker_id=old.id,
        )  # fmt: skip
        period = people.add_period(
            session, client_id=client.id, program_key="job-search", start=date(2026, 11, 2)
        )
        period.hour_cap = 20.0  # the agreement's, below the program's 35
        session.add(period)
        asked = period_actions.request(
            session, coach_id=coach.id, period_id=period.id, kind="hours", until=None,
            hours=5.0, note=None, now=NOW,
        )  # fmt: skip
        evaluation = InterimEvaluation(
            period_id=period.id, hours_at=18.0, progress="Hyvin", proposal="continue",
            reason="Motivoitunut", written_by=coach.id, written_at=NOW,
        )  # fmt: skip
        session.add(evaluation)
        session.flush()
        session.add(
            OutboxMessage(
                recipient_id=old.id, kind="interim", message=interim.TO_CASEWORKER,
                buttons=interim.caseworker_buttons(evaluation.id), due_at=NOW,
                idempotency_key=f"interim:{evaluation.id}:caseworker",
                object_ref=f"interim-evaluation:{evaluation.id}",
            )
        )  # fmt: skip
        session.flush()
        for row, message_id in (
            (_row(session, f"period-request:{asked.id}:ask"), 555),
            (_row(session, f"interim:{evaluation.id}:caseworker"), 556),
        ):
            row.status, row.telegram_message_id = OutboxStatus.SENT.value, message_id
            session.add(row)
        return {"coach": coach.id, "old": old.id, "new": new.id, "client": client.id,
                "period": period.id, "request": asked.id, "evaluation": evaluation.id}  # type: ignore[dict-item]  # fmt: skip

    return db.call(add)


def _row(session: Session, key: str) -> OutboxMessage:
    return session.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def _rows_to(db: Database, person_id: int, kind: str) -> list[OutboxMessage]:
    with db.session() as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.recipient_id == person_id, OutboxMessage.kind == kind)
                .order_by(OutboxMessage.id)  # type: ignore[arg-type]
            )
        )


def _handed_over(db: Database, ids: dict[str, int]) -> None:
    """B has the request and the evaluation with their buttons; A's copies lose theirs."""
    request, evaluation = ids["request"], ids["evaluation"]
    [asked] = _rows_to(db, ids["new"], "period")
    assert asked.idempotency_key == f"period-request:{request}:ask:to:{ids['new']}:0"
    assert (asked.message, asked.buttons) == (
        period_texts.ASK_HOURS,
        period_buttons.decision(request),
    )
    assert (asked.params["client"], asked.params["hours"], asked.params["cap"]) == (
        "Matti",
        "5",
        "20",
    )
    [evaluated] = _rows_to(db, ids["new"], "interim")
    assert evaluated.message == interim.TO_CASEWORKER
    assert evaluated.buttons == interim.caseworker_buttons(evaluation)
    assert evaluated.params["progress"] == "Hyvin"
    unbuttoned = _rows_to(db, ids["old"], "unbutton")
    assert sorted((r.params["message_id"], r.object_ref) for r in unbuttoned) == [
        (555, f"period-request:{request}"),
        (556, f"interim-evaluation:{evaluation}"),
    ]


def test_a_new_caseworker_gets_the_pending_request_and_evaluation_and_may_decide(
    db: Database,
) -> None:
    ids = _waiting(db)
    outcome = db.call(lambda s: actions.edit(s, ids["client"], now=NOW, caseworker_id=ids["new"]))
    assert outcome.changed == ("caseworker",)
    assert outcome.told == 3  # the notice of the new client, the request, the evaluation
    _handed_over(db, ids)

    def decide(who: str) -> object:
        return db.call(
            lambda s: period_actions.decide_request(
                s, caseworker_id=ids[who], request_id=ids["request"], approve=True, now=NOW
            )
        )

    # The old caseworker may no longer decide; the new one may, once.
    with pytest.raises(PeriodError, match="not_yours"):
        decide("old")
    assert decide("new").approved  # type: ignore[attr-defined]
    with db.session() as session:
        period = session.get(ServicePeriod, ids["period"])
        assert period is not None and period.extra_hours == 5.0
        request = session.get(PeriodRequest, ids["request"])
        assert request is not None and request.decided_by == ids["new"]
    for who, allowed in (("old", False), ("new", True)):
        decided = db.call(
            lambda s, who=who: interim.decide(
                s, s.get(Person, ids[who]), ids["evaluation"], interim.Proposal.CONTINUE,
                now=NOW, tz=HKI,
            )
        )  # fmt: skip
        assert (decided is not None) is allowed, who
    # The same change again is no change: nothing is sent twice.
    db.call(lambda s: actions.edit(s, ids["client"], now=NOW, caseworker_id=ids["new"]))
    assert len(_rows_to(db, ids["new"], "period")) == 1


def test_a_leaving_caseworkers_pending_decisions_go_to_the_successor(db: Database) -> None:
    ids = _waiting(db)
    db.call(lambda s: actions.deactivate(s, ids["old"], now=NOW, successor_id=ids["new"]))
    _handed_over(db, ids)
    decided = db.call(
        lambda s: period_actions.decide_request(
            s, caseworker_id=ids["new"], request_id=ids["request"], approve=False, now=NOW
        )
    )
    assert decided.approved is False


def test_a_decided_request_and_evaluation_are_not_sent_again(db: Database) -> None:
    ids = _waiting(db)
    db.call(
        lambda s: period_actions.decide_request(
            s, caseworker_id=ids["old"], request_id=ids["request"], approve=True, now=NOW
        )
    )
    db.call(
        lambda s: interim.decide(
            s, s.get(Person, ids["old"]), ids["evaluation"], interim.Proposal.CONTINUE,
            now=NOW, tz=HKI,
        )
    )  # fmt: skip
    db.call(lambda s: actions.edit(s, ids["client"], now=NOW, caseworker_id=ids["new"]))
    assert _rows_to(db, ids["new"], "period") == []
    assert _rows_to(db, ids["new"], "interim") == []
