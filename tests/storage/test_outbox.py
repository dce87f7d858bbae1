"""The outbox table's protocol on SQLite and PostgreSQL: idempotency, claims, cancel, move."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from storage import outbox, people
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus, Priority, Role

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def _person(db: Database) -> int:
    def add(session):  # type: ignore[no-untyped-def]
        return people.add_person(session, role=Role.COACH, name="Kaisa", language="fi").id

    return db.call(add)


def _schedule(db: Database, pid: int, key: str, due: datetime, **kw: object) -> int:
    def add(session):  # type: ignore[no-untyped-def]
        return outbox.schedule(
            session, recipient_id=pid, kind="test", message="Hello", key=key, due_at=due, **kw
        ).id

    return db.call(add)


def _status(db: Database, row_id: int) -> str:
    with db.session() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        return row.status


def test_same_key_twice_makes_one_row(db: Database) -> None:
    pid = _person(db)
    first = _schedule(db, pid, "meeting:1:reminder", NOW)
    second = _schedule(db, pid, "meeting:1:reminder", NOW + timedelta(hours=1))
    assert first == second
    with db.session() as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert len(rows) == 1 and rows[0].due_at == NOW


def test_claim_takes_due_rows_alerts_first_and_only_once(db: Database) -> None:
    pid = _person(db)
    reminder = _schedule(db, pid, "r", NOW - timedelta(minutes=5), priority=Priority.REMINDER)
    alert = _schedule(db, pid, "a", NOW - timedelta(minutes=1), priority=Priority.ALERT)
    _schedule(db, pid, "future", NOW + timedelta(minutes=1))
    claimed = db.call(outbox.claim, worker="w1", now=NOW, limit=10, lease=LEASE)
    assert [r.id for r in claimed] == [alert, reminder]
    assert db.call(outbox.claim, worker="w2", now=NOW, limit=10, lease=LEASE) == []
    # A dead worker's lease runs out: the rows come back.
    assert db.call(outbox.reclaim_expired, NOW + LEASE + timedelta(seconds=1)) == 2
    again = db.call(outbox.claim, worker="w2", now=NOW + LEASE, limit=10, lease=LEASE)
    assert {r.id for r in again} == {alert, reminder}


def test_cancel_and_move_reach_a_claimed_row(db: Database) -> None:
    pid = _person(db)
    gone = _schedule(db, pid, "meeting:7:a", NOW, object_ref="meeting:7")
    moved = _schedule(db, pid, "meeting:8:a", NOW, object_ref="meeting:8")
    db.call(outbox.claim, worker="w1", now=NOW, limit=10, lease=LEASE)

    result = db.call(outbox.cancel, key="meeting:7:a")
    assert (result.changed, result.in_flight) == (1, 0)
    later = NOW + timedelta(days=1)
    assert db.call(outbox.move, later, object_ref="meeting:8").changed == 1
    # The dispatcher's last check before the wire fails for both.
    assert not db.call(outbox.start_sending, gone, "w1")
    assert not db.call(outbox.start_sending, moved, "w1")
    assert _status(db, gone) == OutboxStatus.CANCELLED
    with db.session() as session:
        row = session.get(OutboxMessage, moved)
        assert row is not None and row.status == OutboxStatus.PENDING and row.due_at == later


def test_a_row_on_the_wire_reports_in_flight(db: Database) -> None:
    pid = _person(db)
    row = _schedule(db, pid, "k", NOW)
    db.call(outbox.claim, worker="w1", now=NOW, limit=10, lease=LEASE)
    assert db.call(outbox.start_sending, row, "w1")
    result = db.call(outbox.cancel, key="k")
    assert (result.changed, result.in_flight) == (0, 1)
    db.call(outbox.mark_sent, row, "w1", telegram_message_id=55, now=NOW)
    assert _status(db, row) == OutboxStatus.SENT


def test_failed_rows_are_listed_and_retried(db: Database) -> None:
    pid = _person(db)
    row = _schedule(db, pid, "k", NOW)
    db.call(outbox.claim, worker="w1", now=NOW, limit=10, lease=LEASE)
    db.call(outbox.mark_failed, row, "w1", error="Forbidden: bot was blocked by the user")
    failed = db.call(outbox.list_messages, status=OutboxStatus.FAILED)
    assert [r.id for r in failed] == [row] and failed[0].last_error.startswith("Forbidden")
    assert db.call(outbox.retry, row, NOW + timedelta(hours=1))
    assert _status(db, row) == OutboxStatus.PENDING
    assert not db.call(outbox.retry, row, NOW)  # only failed or cancelled rows


def test_parallel_claims_never_share_a_row(db: Database) -> None:
    pid = _person(db)

    def add(session):  # type: ignore[no-untyped-def]
        for i in range(300):
            outbox.schedule(
                session, recipient_id=pid, kind="t", message="m", key=f"k{i}", due_at=NOW
            )

    db.call(add)

    def worker(name: str) -> list[int]:
        got: list[int] = []
        while rows := db.call(outbox.claim, worker=name, now=NOW, limit=7, lease=LEASE):
            got += [r.id for r in rows]
        return got

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(worker, ["a", "b", "c"]))
    every = [i for r in results for i in r]
    assert len(every) == 300 and len(set(every)) == 300
