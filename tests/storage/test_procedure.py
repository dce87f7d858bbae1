"""The no-show procedure's write path on SQLite and PostgreSQL [002 §3.4.3]: who may
choose, which days, what the period keeps, which meeting decides, and the reminder when
the more time is over. Each call runs in one transaction with `now` passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.alerts.actions import raise_alert
from bot.periods import procedure
from bot.rules.attendance import Outcome
from bot.rules.periods import EndReason
from messages.i18n import translator
from storage import audit, meetings, people
from storage.db import Database
from storage.models import (
    Alert,
    AlertKind,
    Meeting,
    MeetingKind,
    MeetingStatus,
    OutboxMessage,
    PeriodStatus,
    Person,
    Role,
    ServicePeriod,
)

HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=HKI).astimezone(UTC)  # Tuesday
TODAY = date(2026, 11, 24)


def _team(db: Database, kind: AlertKind = AlertKind.NO_SHOW_UNKNOWN) -> dict[str, int]:
    """A coach, a job-search client with a caseworker, another caseworker, an admin, and
    an open alert of `kind` about the client."""

    def add(session: Session) -> dict[str, int]:
        def person(role: Role, name: str, **links: int | None) -> Person:
            return people.add_person(session, role=role, name=name, language="fi", **links)

        coach = person(Role.COACH, "K")
        worker = person(Role.CASEWORKER, "V")
        other = person(Role.CASEWORKER, "O")
        admin = person(Role.ADMIN, "A")
        client = person(Role.CLIENT, "M", coach_id=coach.id, caseworker_id=worker.id)
        period = people.add_period(
            session, client_id=client.id, program_key="job-search", start=date(2026, 11, 2)
        )
        alert = raise_alert(session, kind=kind, client=client, facts={"when": "x"}, now=NOW)
        return {"coach": coach.id, "worker": worker.id, "other": other.id, "admin": admin.id,
                "client": client.id, "period": period.id, "alert": alert.id}  # type: ignore[dict-item]  # fmt: skip

    return db.call(add)


def _meeting(db: Database, ids: dict[str, int], start: datetime, kind: MeetingKind) -> int:
    def add(session: Session) -> int:
        [made] = meetings.book(
            session, coach_id=ids["coach"], client_id=ids["client"], kind=kind, starts=[start],
            duration=timedelta(hours=1), place=None,
        )  # fmt: skip
        assert made.id is not None
        return made.id

    return db.call(add)


def _period(db: Database, ids: dict[str, int]) -> ServicePeriod:
    with db.session() as session:
        found = session.get(ServicePeriod, ids["period"])
        assert found is not None
        return found


def _more_time(db: Database, ids: dict[str, int], who: str, until: date) -> object:
    def go(session: Session) -> object:
        person = session.get(Person, ids[who])
        assert person is not None
        return procedure.give_more_time(
            session, alert_id=ids["alert"], caseworker=person, until=until, now=NOW, tz=HKI
        )

    return db.call(go)


def _three_party(db: Database, ids: dict[str, int], who: str = "worker") -> object:
    def go(session: Session) -> object:
        person = session.get(Person, ids[who])
        assert person is not None
        return procedure.call_three_party(
            session, alert_id=ids["alert"], caseworker=person, now=NOW
        )

    return db.call(go)


def _attended(db: Database, meeting_id: int, outcome: Outcome, now: datetime) -> None:
    def go(session: Session) -> None:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        procedure.after_attendance(session, meeting, outcome, now)

    db.call(go)


def _keys(db: Database, prefix: str) -> list[str]:
    with db.session() as session:
        found = session.exec(select(OutboxMessage.idempotency_key)).all()
    return sorted(k for k in found if k.startswith(prefix))


def test_more_time_is_the_own_caseworkers_choice_within_two_months(db: Database) -> None:
    ids = _team(db)
    # Not today, not past the calendar's last day, nobody but the client's caseworker.
    assert _more_time(db, ids, "worker", TODAY) is None
    assert _more_time(db, ids, "worker", date(2027, 1, 25)) is None
    for who in ("other", "admin", "coach", "client"):
        assert _more_time(db, ids, who, date(2026, 12, 15)) is None, who
    assert _period(db, ids).procedure is None
    with db.session() as session:
        assert len(audit.entries(session, action="procedure.denied")) == 6

    decided = _more_time(db, ids, "worker", date(2027, 1, 24))  # two months ahead: the last
    assert isinstance(decided, procedure.Decided) and decided.coach_told
    found = _period(db, ids)
    assert (found.procedure, found.procedure_until) == ("more_time", date(2027, 1, 24))
    with db.session() as session:
        alert = session.get(Alert, ids["alert"])
        assert alert is not None and alert.acknowledged_by == ids["worker"]
    key = f"procedure:{ids['alert']}:more_time"
    assert _keys(db, key) == [f"{key}:client", f"{key}:coach"]
    assert _keys(db, f"alert:{ids['alert']}:ack") == []  # the choice told the coach instead
    # Decided once: the alert is acknowledged, a second choice is refused.
    assert _three_party(db, ids) is None
    assert _period(db, ids).procedure == "more_time"


@pytest.mark.parametrize("kind", [AlertKind.CLIENT_STOPS, AlertKind.SIGNIFICANT_CHANGE])
def test_only_a_no_show_alert_offers_the_procedure(db: Database, kind: AlertKind) -> None:
    ids = _team(db, kind)
    assert _three_party(db, ids) is None
    assert _more_time(db, ids, "worker", date(2026, 12, 1)) is None
    assert _period(db, ids).procedure is None
    ack = [{"text": "Acknowledge", "data": f"al:{ids['alert']}:ack"}]
    # A stopping client's alert offers the interruption instead [issue 12 §1].
    interrupt = [{"text": "Interrupt the service", "data": f"al:{ids['alert']}:end"}]
    with db.session() as session:
        [pushed] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "alert")).all()
        assert pushed.buttons == ([ack, interrupt] if kind == AlertKind.CLIENT_STOPS else [ack])


def _interrupt(db: Database, ids: dict[str, int], who: str = "worker") -> object:
    def go(session: Session) -> object:
        person = session.get(Person, ids[who])
        assert person is not None
        return procedure.interrupt(
            session, alert_id=ids["alert"], caseworker=person, now=NOW, tz=HKI
        )

    return db.call(go)


@pytest.mark.parametrize("kind", [AlertKind.NO_SHOW_UNKNOWN, AlertKind.SIGNIFICANT_CHANGE])
def test_only_a_stopping_clients_alert_interrupts_the_service(
    db: Database, kind: AlertKind
) -> None:
    ids = _team(db, kind)
    assert _interrupt(db, ids) is None
    assert _period(db, ids).status == PeriodStatus.ACTIVE


def test_the_clients_own_caseworker_interrupts_once(db: Database) -> None:
    ids = _team(db, AlertKind.CLIENT_STOPS)
    for who in ("other", "admin", "coach", "client"):
        assert _interrupt(db, ids, who) is None, who
    assert _period(db, ids).status == PeriodStatus.ACTIVE
    assert _interrupt(db, ids) is not None
    ended = _period(db, ids)
    assert (ended.status, ended.end_reason, ended.ended_on, ended.ended_by) == (
        PeriodStatus.ENDED, EndReason.CLIENT, TODAY, ids["worker"],
    )  # fmt: skip
    # The note is written in the caseworker's language (Finnish here), for the report.
    finnish = translator("fi")
    assert ended.end_note == finnish(procedure.STOPPED_IN_CHAT)
    assert ended.end_note != procedure.STOPPED_IN_CHAT
    with db.session() as session:
        alert = session.get(Alert, ids["alert"])
        assert alert is not None and alert.acknowledged_by == ids["worker"]
    assert _interrupt(db, ids) is None  # once


def test_cancelling_what_is_booked_is_the_coachs_while_the_procedure_lasts(
    db: Database,
) -> None:
    ids = _team(db)
    later = _meeting(db, ids, NOW + timedelta(days=3), MeetingKind.INDIVIDUAL)
    three = _meeting(db, ids, NOW + timedelta(days=2), MeetingKind.THREE_PARTY)

    def cancel(who: str) -> int | None:
        return db.call(
            lambda s: procedure.cancel_booked(
                s, coach_id=ids[who], period_id=ids["period"], now=NOW
            )
        )

    assert cancel("coach") is None  # no three-party meeting called yet
    assert _three_party(db, ids) is not None
    assert cancel("other") is None and cancel("worker") is None
    assert cancel("coach") == 1
    with db.session() as session:
        statuses = {m: session.get(Meeting, m).status for m in (later, three)}  # type: ignore[union-attr]
    assert statuses == {later: MeetingStatus.CANCELLED, three: MeetingStatus.SCHEDULED}


def test_a_no_show_alert_without_a_period_offers_no_choices(db: Database) -> None:
    def add(session: Session) -> int:
        worker = people.add_person(session, role=Role.CASEWORKER, name="V", language="fi")
        client = people.add_person(
            session, role=Role.CLIENT, name="M", language="fi", caseworker_id=worker.id
        )
        alert = raise_alert(
            session, kind=AlertKind.REPEATED_NO_SHOWS, client=client, facts={"dates": "x"},
            now=NOW,
        )  # fmt: skip
        assert alert.id is not None
        return alert.id

    alert_id = db.call(add)
    with db.session() as session:
        [pushed] = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "alert")).all()
        assert pushed.buttons == [[{"text": "Acknowledge", "data": f"al:{alert_id}:ack"}]]


def test_only_the_three_party_meeting_decides_and_attended_clears_it(db: Database) -> None:
    ids = _team(db)
    assert isinstance(_three_party(db, ids), procedure.Decided)
    assert _period(db, ids).procedure == "three_party"
    individual = _meeting(db, ids, NOW + timedelta(days=1), MeetingKind.INDIVIDUAL)
    three = _meeting(db, ids, NOW + timedelta(days=2), MeetingKind.THREE_PARTY)
    # Another meeting, however it went, decides nothing.
    _attended(db, individual, Outcome.NO_SHOW, NOW + timedelta(days=1, hours=2))
    _attended(db, individual, Outcome.ATTENDED, NOW + timedelta(days=1, hours=2))
    assert (_period(db, ids).procedure, _period(db, ids).status) == ("three_party", "active")
    # Cancelled by the provider or given notice for: still to be held.
    _attended(db, three, Outcome.CANCELLED_BY_PROVIDER, NOW + timedelta(days=2, hours=2))
    _attended(db, three, Outcome.ABSENT_ON_TIME, NOW + timedelta(days=2, hours=2))
    assert _period(db, ids).procedure == "three_party"
    _attended(db, three, Outcome.ATTENDED, NOW + timedelta(days=2, hours=2))
    held = _period(db, ids)
    assert (held.procedure, held.procedure_meeting_id, held.status) == (None, three, "active")
    assert _keys(db, f"procedure:{ids['period']}:held:") == [
        f"procedure:{ids['period']}:held:{three}"
    ]


def test_a_missed_three_party_meeting_ends_the_period(db: Database) -> None:
    ids = _team(db)
    _three_party(db, ids)
    three = _meeting(db, ids, NOW + timedelta(days=2), MeetingKind.THREE_PARTY)
    after = _meeting(db, ids, NOW + timedelta(days=9), MeetingKind.INDIVIDUAL)
    _attended(db, three, Outcome.NO_SHOW, NOW + timedelta(days=2, hours=2))
    ended = _period(db, ids)
    assert (ended.status, ended.end_reason) == (PeriodStatus.ENDED, EndReason.NO_SHOW)
    assert (ended.ended_on, ended.procedure_meeting_id) == (date(2026, 11, 26), three)
    with db.session() as session:
        assert session.get(Meeting, after).status == MeetingStatus.CANCELLED  # type: ignore[union-attr]


def test_a_three_party_meeting_no_procedure_called_ends_nothing(db: Database) -> None:
    ids = _team(db)
    three = _meeting(db, ids, NOW + timedelta(days=2), MeetingKind.THREE_PARTY)
    _attended(db, three, Outcome.NO_SHOW, NOW + timedelta(days=2, hours=2))
    found = _period(db, ids)
    assert (found.status, found.procedure, found.end_reason) == ("active", None, None)


def test_the_more_time_reminder_waits_for_the_day_and_a_running_period(db: Database) -> None:
    ids = _team(db)
    _more_time(db, ids, "worker", date(2026, 12, 1))

    def run(now: datetime) -> int:
        return db.call(lambda s: procedure.more_time_over(s, now.astimezone(UTC), HKI))

    def status(value: str) -> None:
        def go(session: Session) -> None:
            found = session.get(ServicePeriod, ids["period"])
            assert found is not None
            found.status = value
            session.add(found)

        db.call(go)

    # Suspended: it waits; running again, it comes (even a day late, once).
    status(PeriodStatus.SUSPENDED.value)
    assert run(datetime(2026, 12, 1, 9, 0, tzinfo=HKI)) == 0
    status(PeriodStatus.ACTIVE.value)
    assert run(datetime(2026, 12, 2, 7, 0, tzinfo=HKI)) == 1
    assert run(datetime(2026, 12, 2, 9, 0, tzinfo=HKI)) == 0
    key = f"procedure:{ids['period']}:over:2026-12-01"
    assert _keys(db, key) == [f"{key}:caseworker", f"{key}:coach"]
    # An ended period is reminded of nothing.
    status(PeriodStatus.ENDED.value)
    assert run(datetime(2026, 12, 3, 9, 0, tzinfo=HKI)) == 0
