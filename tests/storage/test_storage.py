"""Storage on SQLite and PostgreSQL: migrations, people, periods, invites, audit."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.onboarding import actions as onboarding
from bot.onboarding.actions import RedeemOutcome
from storage import audit, goals, meetings, outbox, people
from storage.db import Database
from storage.migrate import current_revision, downgrade, head_revision, upgrade
from storage.models import (
    AuditEntry,
    ConversationState,
    DiaryEntry,
    InboxUpdate,
    InterimEvaluation,
    Invite,
    MeetingKind,
    PeriodRequest,
    Person,
    Program,
    Role,
    ServicePeriod,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PRESETS = {"on-the-job", "job-coaching", "job-search", "job-retention", "work-activity", "ips"}


def _tables(url: str) -> set[str]:
    engine = Database(url).engine
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_upgrade_an_empty_database_and_step_back(empty_database_url: str) -> None:
    upgrade(empty_database_url)
    assert {"person", "program", "service_period", "invite", "audit_log", "outbox"} <= _tables(
        empty_database_url
    )
    database = Database(empty_database_url)
    assert current_revision(database.engine) == head_revision(empty_database_url)
    with database.session() as session:
        assert {p.key for p in session.exec(select(Program))} == PRESETS
        job_search = session.get(Program, "job-search")
        assert job_search is not None
        assert job_search.hour_cap == 35 and job_search.interim_evaluation_hours == 21
        assert job_search.max_length == "P6M" and job_search.max_extension == "P2M"
        work = session.get(Program, "work-activity")
        assert work is not None and work.rules["work_allowance_eur"] == {"4": 8, "6": 12}
    database.dispose()

    # With data in the tables, each revision steps back on its own (newest first).
    def fill(session):  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="K", language="fi")
        client = people.add_person(
            session, role=Role.CLIENT, name="M", language="fi", coach_id=coach.id
        )
        meetings.book(
            session,
            coach_id=coach.id,
            client_id=client.id,
            kind=MeetingKind.INDIVIDUAL,
            starts=[NOW],
            duration=timedelta(hours=1),
            place=None,
        )
        outbox.schedule(
            session, recipient_id=client.id, kind="t", message="m", key="k", due_at=NOW,
            expires_at=NOW + timedelta(hours=1),
        )  # fmt: skip
        period = people.add_period(
            session, client_id=client.id, program_key="job-coaching", start=NOW.date()
        )
        goal = goals.add_goal(
            session, coach, client.id, area="documents", text="CV", criterion="CV valmis",
            target_date=None, now=NOW, tz=UTC,
        )  # fmt: skip
        checkin, _ = goals.open_round(session, client.id, NOW)
        goals.record_answer(session, client, checkin.id, goal.id, score=3, done=False, now=NOW)
        goals.review_of(session, period.id).feedback_score = 4
        session.add(InboxUpdate(update_id=1, lane=5, payload={"update_id": 1}))
        session.add(ConversationState(user_id=5, states={"absence": 1}, data=b"x"))
        return period.id

    def _contract_rows(session, period_id):  # type: ignore[no-untyped-def]
        period = session.get(ServicePeriod, period_id)
        period.hour_cap, period.procedure, period.job_start = 30.0, "three_party", NOW.date()
        coach_id = session.exec(select(Person.id).where(Person.role == "coach")).one()
        session.add(
            PeriodRequest(period_id=period_id, kind="hours", hours=5, requested_by=coach_id)
        )
        session.add(
            InterimEvaluation(
                period_id=period_id, hours_at=20, progress="p", proposal="continue", reason="r",
                written_by=coach_id,
            )
        )  # fmt: skip
        job_search = session.get(Program, "job-search")
        assert job_search.rules["suspension_max"] == "P1M"

    def _diary_rows(session, period_id):  # type: ignore[no-untyped-def]
        coach_id = session.exec(select(Person.id).where(Person.role == "coach")).one()
        client_id = session.exec(select(Person.id).where(Person.role == "client")).one()
        values = {"client_id": client_id, "coach_id": coach_id, "period_id": period_id,
                  "kind": "job_start", "happened_on": NOW.date(), "employer": "Oy Ab",
                  "hours_week": 20.0, "wage_support": True, "created_by": coach_id}  # fmt: skip
        newer = DiaryEntry(text="corrected", **values)
        session.add(newer)
        session.flush()
        session.add(DiaryEntry(text="first", replaced_by=newer.id, **values))

    database = Database(empty_database_url)
    period_id = database.call(fill)
    database.call(_contract_rows, period_id)
    database.call(_diary_rows, period_id)

    def _job_verified(session, period_id):  # type: ignore[no-untyped-def]
        period = session.get(ServicePeriod, period_id)
        period.job_end, period.job_verified_on = NOW.date(), NOW.date()

    database.call(_job_verified, period_id)
    database.dispose()
    downgrade(empty_database_url, "-1")  # 0010: the job's end and its verification
    engine = Database(empty_database_url).engine
    try:
        columns = {c["name"] for c in sa.inspect(engine).get_columns("service_period")}
        assert "job_start" in columns
        assert not {"job_end", "job_verified_on"} & columns
    finally:
        engine.dispose()
    downgrade(empty_database_url, "-1")  # 0009: the diary
    assert "diary_entry" not in _tables(empty_database_url)
    downgrade(empty_database_url, "-1")  # 0008: the period's contract columns and two tables
    tables = _tables(empty_database_url)
    assert not {"period_request", "interim_evaluation"} & tables
    engine = Database(empty_database_url).engine
    try:
        columns = {c["name"] for c in sa.inspect(engine).get_columns("service_period")}
        assert "hour_cap" not in columns and "procedure" not in columns
        with engine.connect() as connection:
            rules = connection.execute(
                sa.text("SELECT rules FROM program WHERE key = 'job-search'")
            ).scalar_one()
        rules = json.loads(rules) if isinstance(rules, str) else rules
        assert "suspension_max" not in rules and rules["billing"] == "hourly"
    finally:
        engine.dispose()
    downgrade(empty_database_url, "-1")  # 0007: the outbox's expiry column, not a table
    engine = Database(empty_database_url).engine
    try:
        assert "expires_at" not in {c["name"] for c in sa.inspect(engine).get_columns("outbox")}
    finally:
        engine.dispose()
    for gone in ("inbox", "goal", "alert", "meeting", "outbox"):
        downgrade(empty_database_url, "-1")
        tables = _tables(empty_database_url)
        assert gone not in tables and "person" in tables
    downgrade(empty_database_url, "base")
    assert not _tables(empty_database_url) - {"alembic_version"}
    upgrade(empty_database_url)
    assert {"person", "outbox", "meeting"} <= _tables(empty_database_url)


def _team(db: Database) -> tuple[int, int, int]:
    def add(session):  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="Kaisa Koutsi", language="fi")
        worker = people.add_person(session, role=Role.CASEWORKER, name="Ville V", language="sv")
        client = people.add_person(
            session,
            role=Role.CLIENT,
            name="  Maija   Meikäläinen ",
            language="fi",
            coach_id=coach.id,
            caseworker_id=worker.id,
        )
        people.add_period(
            session, client_id=client.id, program_key="job-search", start=date(2026, 11, 2)
        )
        return coach.id, worker.id, client.id

    return db.call(add)


def test_people_links_and_periods(db: Database) -> None:
    coach_id, worker_id, client_id = _team(db)
    with db.session() as session:
        client = session.get(Person, client_id)
        assert client is not None
        assert client.display_name == "Maija Meikäläinen"  # spaces folded
        assert client.coach_id == coach_id and client.caseworker_id == worker_id
        assert [p.id for p in people.list_people(session, Role.CLIENT)] == [client_id]
        coach = session.get(Person, coach_id)
        assert coach is not None
        summaries = people.clients_of(session, coach)
        assert [(s.display_name, s.program_key, s.linked) for s in summaries] == [
            ("Maija Meikäläinen", "job-search", False)
        ]
        # A client sees nobody through clients_of.
        assert people.clients_of(session, client) == []
    with db.session() as session:
        assert audit.entries(session, action="clients.view")[0].actor_id == coach_id


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"role": Role.CLIENT, "name": "X", "coach_id": 999}, "not an active coach"),
        ({"role": Role.COACH, "name": "X", "coach_id": 1}, "only a client"),
        ({"role": Role.CLIENT, "name": "   "}, "a name is needed"),
        ({"role": Role.CLIENT, "name": "x" * 121}, "longer than"),
    ],
)
def test_people_rules_refuse_bad_links(db: Database, kwargs: dict, message: str) -> None:
    _team(db)
    with pytest.raises(people.PeopleError, match=message), db.session() as session:
        people.add_person(session, language="fi", **kwargs)


def test_period_needs_a_known_program(db: Database) -> None:
    _, _, client_id = _team(db)
    with pytest.raises(people.PeopleError, match="unknown program"), db.session() as session:
        people.add_period(session, client_id=client_id, program_key="nope", start=date(2026, 1, 1))


def test_invite_redeems_once_and_stores_only_a_hash(db: Database) -> None:
    _, _, client_id = _team(db)
    code = db.call(onboarding.create_invite, client_id, now=NOW, days=7)
    assert len(code) >= 22  # at least 128 bits in URL-safe base64
    with db.session() as session:
        stored = session.exec(select(Invite)).one()
        assert code not in stored.code_hash and len(stored.code_hash) == 64

    first = db.call(onboarding.redeem, code, 5001, now=NOW + timedelta(minutes=1))
    assert first.outcome is RedeemOutcome.LINKED and first.person is not None
    assert first.person.telegram_user_id == 5001
    again = db.call(onboarding.redeem, code, 5002, now=NOW + timedelta(minutes=2))
    assert again.outcome is RedeemOutcome.USED
    with db.session() as session:
        assert people.by_telegram_id(session, 5001) is not None
        assert people.by_telegram_id(session, 5002) is None


def test_invite_expiry_unknown_and_taken_accounts(db: Database) -> None:
    coach_id, _, client_id = _team(db)
    old = db.call(onboarding.create_invite, client_id, now=NOW, days=7)
    late = db.call(onboarding.redeem, old, 6001, now=NOW + timedelta(days=7))
    assert late.outcome is RedeemOutcome.EXPIRED
    unknown = db.call(onboarding.redeem, "A" * 32, 6001, now=NOW)
    assert unknown.outcome is RedeemOutcome.UNKNOWN

    coach_code = db.call(onboarding.create_invite, coach_id, now=NOW, days=7)
    assert db.call(onboarding.redeem, coach_code, 6001, now=NOW).outcome is RedeemOutcome.LINKED
    # The same Telegram account cannot become the client too.
    client_code = db.call(onboarding.create_invite, client_id, now=NOW, days=7)
    taken = db.call(onboarding.redeem, client_code, 6001, now=NOW)
    assert taken.outcome is RedeemOutcome.ACCOUNT_TAKEN
    # The code was not spent: the client can still use it from their own account.
    mine = db.call(onboarding.redeem, client_code, 6002, now=NOW)
    assert mine.outcome is RedeemOutcome.LINKED


def test_relinking_needs_a_new_invite(db: Database) -> None:
    _, _, client_id = _team(db)
    first = db.call(onboarding.create_invite, client_id, now=NOW, days=7)
    db.call(onboarding.redeem, first, 7001, now=NOW)
    # A new phone: a new invite moves the person to the new account.
    second = db.call(onboarding.create_invite, client_id, now=NOW, days=7)
    moved = db.call(onboarding.redeem, second, 7002, now=NOW)
    assert moved.outcome is RedeemOutcome.LINKED
    with db.session() as session:
        assert people.by_telegram_id(session, 7001) is None
        person = people.by_telegram_id(session, 7002)
        assert person is not None and person.id == client_id


def test_wrong_codes_are_slowed_down(db: Database) -> None:
    _, _, client_id = _team(db)
    good = db.call(onboarding.create_invite, client_id, now=NOW, days=7)
    for i in range(5):
        result = db.call(
            onboarding.redeem, f"wrong-code-{i:06d}", 8001, now=NOW + timedelta(seconds=i)
        )
        assert result.outcome is RedeemOutcome.UNKNOWN
    # After five wrong codes, even a good code is not checked until the wait is over.
    slowed = db.call(onboarding.redeem, good, 8001, now=NOW + timedelta(seconds=11))
    assert slowed.outcome is RedeemOutcome.SLOWED
    assert timedelta(seconds=50) < slowed.wait <= timedelta(minutes=1)
    # Another account is not affected.
    other = db.call(onboarding.redeem, "wrong-code-other", 8002, now=NOW + timedelta(seconds=12))
    assert other.outcome is RedeemOutcome.UNKNOWN
    # After the wait the good code works.
    later = db.call(onboarding.redeem, good, 8001, now=NOW + timedelta(minutes=2))
    assert later.outcome is RedeemOutcome.LINKED


def test_simultaneous_redeems_link_exactly_one_account(db: Database) -> None:
    _, _, client_id = _team(db)
    code = db.call(onboarding.create_invite, client_id, now=NOW, days=7)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda uid: db.call(onboarding.redeem, code, uid, now=NOW), range(9001, 9009))
        )
    outcomes = [r.outcome for r in results]
    assert outcomes.count(RedeemOutcome.LINKED) == 1
    assert set(outcomes) <= {RedeemOutcome.LINKED, RedeemOutcome.USED}


def test_audit_keeps_no_codes_or_names(db: Database) -> None:
    _, _, client_id = _team(db)
    code = db.call(onboarding.create_invite, client_id, now=NOW, days=7)
    db.call(onboarding.redeem, code, 9100, now=NOW)
    with db.session() as session:
        rows = session.exec(select(AuditEntry)).all()
    text = " ".join(f"{r.action} {r.detail}" for r in rows)
    assert {"person.add", "invite.create", "person.link"} <= {r.action for r in rows}
    assert code not in text and "Maija" not in text and "9100" not in text


def test_the_migrations_build_exactly_the_tables_the_models_describe(
    empty_database_url: str,
) -> None:
    """A column added to a model without a migration (or the other way) fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    upgrade(empty_database_url)
    engine = sa.create_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()
