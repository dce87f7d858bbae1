"""The outbox's expiry, lease renewal, reopened rows and the claim's index, on SQLite and
PostgreSQL; and the actions whose keys come from the update, never from the clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import select

from bot.absence import actions as absence_actions
from bot.goals import actions as goal_actions
from bot.meetings import actions as meeting_actions
from bot.meetings.notices import DEFAULT_QUIET
from storage import outbox, people
from storage.db import Database
from storage.models import (
    AbsenceReason,
    ClientResponse,
    MeetingKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    Priority,
    Role,
)
from tests.storage.test_outbox import _schedule  # one way to add a test row

HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def _person(db: Database, role: Role = Role.COACH, coach: int | None = None) -> int:
    def add(session):  # type: ignore[no-untyped-def]
        person = people.add_person(session, role=role, name="K", language="fi", coach_id=coach)
        return person.id

    return db.call(add)


def _row(db: Database, row_id: int) -> OutboxMessage:
    with db.session() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        return row


def _rows(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


# --- expiry ---------------------------------------------------------------------------------
def test_the_claim_cancels_expired_rows_and_still_fills_its_limit(db: Database) -> None:
    pid = _person(db)
    past = NOW - timedelta(minutes=1)
    expired = [
        _schedule(db, pid, f"old{i}", NOW - timedelta(hours=2), expires_at=past) for i in range(3)
    ]
    at_start = _schedule(db, pid, "now", NOW - timedelta(hours=1), expires_at=NOW)  # <= now
    live = _schedule(db, pid, "live", NOW - timedelta(minutes=30), expires_at=NOW + LEASE)
    alert = _schedule(db, pid, "alert", NOW, priority=Priority.ALERT)  # never expires
    later = _schedule(db, pid, "later", NOW - timedelta(minutes=5))

    claimed = db.call(outbox.claim, worker="w1", now=NOW, limit=2, lease=LEASE)
    assert [r.id for r in claimed] == [alert, live]  # the expired ones did not use the limit
    for row_id in [*expired, at_start]:
        row = _row(db, row_id)
        assert (row.status, row.last_error, row.claimed_by) == ("cancelled", "expired", None)
    assert [r.id for r in db.call(outbox.claim, worker="w1", now=NOW, limit=5, lease=LEASE)] == [
        later
    ]
    # An operator cannot send an expired reminder again; an unexpired cancelled row, yes.
    assert not db.call(outbox.retry, expired[0], NOW)
    gone = _schedule(db, pid, "gone", NOW, expires_at=NOW + timedelta(hours=1))
    db.call(outbox.cancel, key="gone")
    assert db.call(outbox.retry, gone, NOW)


def test_a_row_that_expires_after_its_claim_is_dropped_at_the_last_check(db: Database) -> None:
    pid = _person(db)
    starts = NOW + timedelta(minutes=1)
    soon = _schedule(db, pid, "soon", NOW, expires_at=starts)
    other = _schedule(db, pid, "other", NOW)
    single = _schedule(db, pid, "single", NOW, expires_at=starts)
    assert len(db.call(outbox.claim, worker="w1", now=NOW, limit=10, lease=LEASE)) == 3
    # Held (a chat's turn, a 429 pause) until the meeting has started.
    late = starts + timedelta(seconds=1)
    started = db.call(outbox.start_sending_many, [soon, other], "w1", now=late)
    assert started == [False, True]
    assert (_row(db, soon).status, _row(db, soon).last_error) == ("cancelled", "expired")
    assert not db.call(outbox.start_sending, single, "w1", now=late)
    assert _row(db, single).status == OutboxStatus.CANCELLED
    # Another worker's claimed row is not touched by this worker's check.
    mine = _schedule(db, pid, "mine", NOW, expires_at=starts)
    db.call(outbox.claim, worker="w2", now=NOW, limit=10, lease=LEASE)
    assert db.call(outbox.expire_claimed, [mine], "w1", late) == set()
    assert _row(db, mine).status == OutboxStatus.CLAIMED


# --- leases -----------------------------------------------------------------------------------
def test_a_renewed_lease_keeps_the_rows_from_another_process(db: Database) -> None:
    pid = _person(db)
    ids = [_schedule(db, pid, f"k{i}", NOW) for i in range(3)]
    db.call(outbox.claim, worker="w1", now=NOW, limit=2, lease=LEASE)
    held = ids[:2]
    assert db.call(outbox.start_sending, held[0], "w1")  # one on the wire, one claimed
    # w1 waits behind a 429 pause longer than the lease, renewing before it runs out.
    renewed_at = NOW + LEASE * 2 / 3
    assert db.call(outbox.renew_leases, held, "w1", renewed_at + LEASE) == 2
    assert db.call(outbox.renew_leases, held, "w2", renewed_at + LEASE) == 0  # not w2's
    later = NOW + LEASE + timedelta(seconds=1)  # the first lease would have run out here
    assert db.call(outbox.reclaim_expired, later) == 0
    assert [r.id for r in db.call(outbox.claim, worker="w2", now=later, limit=10, lease=LEASE)] == [
        ids[2]
    ]
    assert {_row(db, i).claimed_by for i in held} == {"w1"}
    assert _row(db, held[1]).lease_until == renewed_at + LEASE
    # Once w1 stops renewing (it died), its rows come back.
    assert db.call(outbox.reclaim_expired, renewed_at + LEASE + timedelta(seconds=1)) == 2


# --- reopened rows, cancelling by kind ----------------------------------------------------------
def test_reopen_brings_back_a_cancelled_row_only(db: Database) -> None:
    pid = _person(db)
    row = _schedule(db, pid, "r", NOW, object_ref="meeting:1", expires_at=NOW + LEASE)
    note = _schedule(db, pid, "n", NOW, object_ref="meeting:1")

    def cancel_reminders(session):  # type: ignore[no-untyped-def]
        db_result = outbox.cancel(session, object_ref="meeting:1", kind="test")
        return db_result.changed

    assert db.call(cancel_reminders) == 2
    later = NOW + timedelta(hours=1)
    assert _schedule(db, pid, "r", later, object_ref="meeting:1") == row  # not reopened
    assert _row(db, row).status == OutboxStatus.CANCELLED
    assert _schedule(db, pid, "r", later, object_ref="meeting:1", reopen=True) == row
    reopened = _row(db, row)
    assert (reopened.status, reopened.due_at, reopened.expires_at) == ("pending", later, None)
    # A row that went out is never sent again by a reopen.
    db.call(outbox.claim, worker="w", now=later, limit=1, lease=LEASE)
    db.call(outbox.start_sending, row, "w")
    db.call(outbox.mark_sent, row, "w", telegram_message_id=1, now=later)
    assert _schedule(db, pid, "r", later, reopen=True) == row
    assert _row(db, row).status == OutboxStatus.SENT
    assert _row(db, note).status == OutboxStatus.CANCELLED


# --- the claim's index ----------------------------------------------------------------------------
def test_the_claims_order_is_served_by_an_index(db: Database) -> None:
    """No sort step: the claim reads the index in (status, priority, due_at, id) order."""
    indexes = {i["name"]: i["column_names"] for i in sa.inspect(db.engine).get_indexes("outbox")}
    assert indexes["ix_outbox_claim"] == ["status", "priority", "due_at", "id"]
    pid = _person(db)

    def fill(session):  # type: ignore[no-untyped-def]
        for i in range(300):
            outbox.schedule(
                session, recipient_id=pid, kind="t", message="m", key=f"k{i}",
                due_at=NOW + timedelta(minutes=i - 150), priority=list(Priority)[i % 4],
                expires_at=NOW + timedelta(days=1) if i % 2 else None,
            )  # fmt: skip

    db.call(fill)
    query = outbox.claim_query(NOW, 50)
    with db.engine.connect() as connection:
        if db.dialect == "postgresql":
            connection.exec_driver_sql("ANALYZE outbox")
            connection.exec_driver_sql("SET enable_seqscan = off")
            prefix = "EXPLAIN "
        else:
            connection.exec_driver_sql("ANALYZE")
            prefix = "EXPLAIN QUERY PLAN "
        compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
        plan = "\n".join(str(r[-1]) for r in connection.exec_driver_sql(prefix + str(compiled)))
    assert "ix_outbox_claim" in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE" not in plan.upper(), plan


# --- keys from the update, not from the clock -------------------------------------------------
def _team(db: Database) -> tuple[int, int]:
    coach = _person(db)
    client = _person(db, Role.CLIENT, coach=coach)
    return coach, client


def _book(db: Database, coach: int, client: int, start: datetime, now: datetime) -> int:
    def book(session):  # type: ignore[no-untyped-def]
        meeting_actions.book(
            session, session.get(Person, coach), client_id=client, kind=MeetingKind.INDIVIDUAL,
            starts=[start], duration=timedelta(hours=1), place=None, now=now, tz=HKI,
            quiet=DEFAULT_QUIET,
        )  # fmt: skip
        from storage.models import Meeting

        return session.exec(select(Meeting.id).order_by(Meeting.id.desc())).first()  # type: ignore[union-attr]

    return db.call(book)


def test_the_same_answer_update_handled_twice_tells_the_coach_once(db: Database) -> None:
    coach, client = _team(db)
    meeting = _book(db, coach, client, NOW + timedelta(days=2), NOW)

    def answer(session, response, update_id, now):  # type: ignore[no-untyped-def]
        person = session.get(Person, client)
        return meeting_actions.answer(
            session, person, meeting, response, None, now=now, update_id=update_id
        )

    db.call(answer, ClientResponse.CONFIRMED, 501, NOW)
    db.call(answer, ClientResponse.CONFIRMED, 501, NOW + timedelta(minutes=3))  # a replay
    told = [r for r in _rows(db) if r.kind == "meeting-answer"]
    assert len(told) == 1 and told[0].recipient_id == coach
    # A new press (a change of mind) is a new update, so a new message.
    db.call(answer, ClientResponse.OTHER_TIME, 502, NOW + timedelta(minutes=4))
    db.call(answer, ClientResponse.CONFIRMED, 503, NOW + timedelta(minutes=5))
    assert len([r for r in _rows(db) if r.kind == "meeting-answer"]) == 3


def test_the_same_plan_update_handled_twice_tells_the_client_once(db: Database) -> None:
    coach, client = _team(db)

    def plan(session, update_id, now):  # type: ignore[no-untyped-def]
        return goal_actions.set_plan(
            session, session.get(Person, coach), client, weekday=2, at=time(10, 0),
            every_weeks=1, now=now, tz=HKI, update_id=update_id,
        )  # fmt: skip

    assert db.call(plan, 900, NOW) is not None
    db.call(plan, 900, NOW + timedelta(seconds=40))  # the same update, tried again
    assert len([r for r in _rows(db) if r.kind == "checkin_plan"]) == 1
    db.call(plan, 901, NOW + timedelta(minutes=1))
    assert len([r for r in _rows(db) if r.kind == "checkin_plan"]) == 2


# --- an absence notice and the meeting's reminders ---------------------------------------------
def test_a_notice_withdraws_the_reminders_and_withdrawing_it_brings_them_back(
    db: Database,
) -> None:
    coach, client = _team(db)
    start = datetime(2026, 11, 25, 10, 0, tzinfo=HKI)  # Wednesday; now is Monday
    meeting = _book(db, coach, client, start, NOW)
    other = _book(db, coach, client, start + timedelta(days=1), NOW)

    def reminders(meeting_id: int) -> list[tuple[str, str | None]]:
        return [
            (r.status, r.expires_at and r.expires_at.isoformat())
            for r in _rows(db)
            if r.kind == "reminder" and r.object_ref == f"meeting:{meeting_id}"
        ]

    utc_start = start.astimezone(UTC).isoformat()
    assert reminders(meeting) == [("pending", utc_start)] * 2  # day before and 2 h before

    def file(session):  # type: ignore[no-untyped-def]
        person = session.get(Person, client)
        [filed] = absence_actions.file_notices(
            session, person, [meeting], AbsenceReason.ILL, None, now=NOW, tz=HKI
        )
        return filed.notice.id

    notice = db.call(file)
    assert reminders(meeting) == [("cancelled", utc_start)] * 2
    assert [s for s, _ in reminders(other)] == ["pending"] * 2  # another meeting keeps its own
    card = [r for r in _rows(db) if r.kind == "meeting" and r.object_ref == f"meeting:{meeting}"]
    assert [r.status for r in card] == ["pending"]  # the card is not a reminder

    # A change of reminder settings meanwhile brings none back for that meeting.
    def settings(session):  # type: ignore[no-untyped-def]
        meeting_actions.set_reminder(
            session, client, "hours_before", 1, now=NOW, tz=HKI, quiet=DEFAULT_QUIET
        )

    db.call(settings)
    assert [s for s, _ in reminders(meeting)] == ["cancelled"] * 2
    assert sorted(s for s, _ in reminders(other)) == ["cancelled", "pending", "pending"]

    # Withdrawn on Tuesday at 17.00: the day-before reminder (16.00) is past; the one an
    # hour before (the new setting) comes.
    tuesday_5pm = datetime(2026, 11, 24, 17, 0, tzinfo=HKI).astimezone(UTC)

    def withdraw(session):  # type: ignore[no-untyped-def]
        person = session.get(Person, client)
        return absence_actions.withdraw(session, person, notice, tuesday_5pm, tz=HKI)

    assert db.call(withdraw) is not None
    back = [
        r
        for r in _rows(db)
        if r.kind == "reminder" and r.object_ref == f"meeting:{meeting}" and r.status == "pending"
    ]
    assert [(r.due_at, r.expires_at) for r in back] == [
        (start.astimezone(UTC) - timedelta(hours=1), start.astimezone(UTC))
    ]
