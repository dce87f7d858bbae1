"""The period lifecycle's actions and daily job on SQLite and PostgreSQL: each step applies
the program's rule, writes its rows, audits, and queues its messages in one transaction.
Time is passed in; the job's core (`sweep`) runs without Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.periods import actions, jobs, texts
from bot.periods.actions import PeriodError, PeriodRefused
from bot.rules.periods import EndReason, Problem
from storage import audit, meetings, people
from storage import periods as rows
from storage.db import Database
from storage.models import (
    CheckInPlan,
    Meeting,
    MeetingKind,
    MeetingStatus,
    OutboxMessage,
    PeriodStatus,
    Role,
    ServicePeriod,
)

HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=HKI).astimezone(UTC)  # Monday 2 November 2026
TODAY = date(2026, 11, 2)


@dataclass(frozen=True)
class Team:
    coach: int
    worker: int
    client: int
    other_coach: int


def team(db: Database) -> Team:
    def add(session):  # type: ignore[no-untyped-def]
        coach = people.add_person(session, role=Role.COACH, name="Kaisa", language="fi")
        other = people.add_person(session, role=Role.COACH, name="Olli", language="fi")
        worker = people.add_person(session, role=Role.CASEWORKER, name="Ville", language="fi")
        client = people.add_person(
            session, role=Role.CLIENT, name="Matti", language="fi", coach_id=coach.id,
            caseworker_id=worker.id,
        )  # fmt: skip
        return Team(coach.id, worker.id, client.id, other.id)

    return db.call(add)


def start(db: Database, t: Team, program: str = "job-search", **kw: Any) -> ServicePeriod:
    values: dict[str, Any] = {"start": TODAY, "end": None, "hour_cap": None, "now": NOW}
    values.update(kw)
    return db.call(
        actions.start_period, actor_id=t.coach, client_id=t.client, program_key=program, **values
    )


def outbox_rows(db: Database, recipient: int | None = None) -> list[OutboxMessage]:
    with db.session() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)  # type: ignore[arg-type]
        found = list(session.exec(query))
    return [r for r in found if recipient is None or r.recipient_id == recipient]


def book(db: Database, t: Team, *starts: datetime) -> list[int]:
    def go(session):  # type: ignore[no-untyped-def]
        made = meetings.book(
            session, coach_id=t.coach, client_id=t.client, kind=MeetingKind.INDIVIDUAL,
            starts=list(starts), duration=timedelta(hours=1), place=None,
        )  # fmt: skip
        return [m.id for m in made]

    return db.call(go)


def period_row(db: Database, period_id: int) -> ServicePeriod:
    with db.session() as session:
        found = session.get(ServicePeriod, period_id)
        assert found is not None
        return found


# --- start ---------------------------------------------------------------------------------


def test_a_started_period_ends_at_the_programs_length_and_welcomes_the_client(
    db: Database,
) -> None:
    t = team(db)
    period = start(db, t, hour_cap=30.0)
    assert (period.planned_end, period.hour_cap) == (date(2027, 5, 1), 30.0)
    [welcome] = outbox_rows(db, t.client)
    assert welcome.message == texts.WELCOME
    assert welcome.params["coach"] == "Kaisa"
    assert welcome.params["program"] == {"$msg": "Job-search coaching"}
    # job-search is not [001]: no start notice to the caseworker
    assert outbox_rows(db, t.worker) == []
    with db.session() as session:
        assert audit.entries(session, action="period.start")[0].subject_id == t.client


def test_job_coaching_tells_the_caseworker_of_the_start(db: Database) -> None:
    t = team(db)
    start(db, t, "job-coaching", end=TODAY + timedelta(days=30))
    [notice] = outbox_rows(db, t.worker)
    assert notice.message == texts.START_NOTICE
    assert notice.params["end"] == {"$date": "2026-12-02"}


def test_the_agreed_cap_may_not_pass_the_programs(db: Database) -> None:
    t = team(db)
    with pytest.raises(PeriodRefused) as refused:
        start(db, t, hour_cap=40.0)
    assert refused.value.problem is Problem.OVER_CAP
    with db.session() as session:
        assert rows.current_period(session, t.client) is None


def test_job_retention_needs_a_job_search_that_led_to_a_job(db: Database) -> None:
    t = team(db)
    search = start(db, t, start=date(2026, 1, 5))
    with pytest.raises(PeriodRefused) as refused:
        start(db, t, "job-retention", start=date(2026, 11, 2))
    assert refused.value.problem is Problem.NEEDS_EMPLOYMENT
    db.call(
        actions.record_employment, actor_id=t.coach, period_id=search.id, job_start=TODAY,
        hours_week=30.0, open_market=True, now=NOW,
    )  # fmt: skip
    db.call(
        actions.end_period, actor_id=t.coach, period_id=search.id,
        reason=EndReason.GOAL_REACHED, note=None, on=date(2026, 10, 30), now=NOW,
    )  # fmt: skip
    retention = start(db, t, "job-retention")
    assert retention.program_key == "job-retention"


def test_a_period_may_not_overlap_another_running_one(db: Database) -> None:
    t = team(db)
    start(db, t)
    with pytest.raises(PeriodRefused) as refused:
        start(db, t, "ips")
    assert refused.value.problem is Problem.OVERLAPS


def test_job_coaching_allows_two_consecutive_periods_not_three(db: Database) -> None:
    t = team(db)
    first = start(db, t, "job-coaching", start=date(2026, 1, 5), end=date(2026, 2, 15))
    start(db, t, "job-coaching", start=date(2026, 2, 16), end=date(2026, 3, 31))
    db.call(
        actions.end_period, actor_id=None, period_id=first.id, reason=EndReason.TIME_LIMIT,
        note=None, on=date(2026, 2, 15), now=NOW,
    )  # fmt: skip
    with pytest.raises(PeriodRefused) as refused:
        start(db, t, "job-coaching", start=date(2026, 4, 1), end=date(2026, 4, 30))
    assert refused.value.problem is Problem.CONSECUTIVE


def test_another_coach_may_not_start_a_period(db: Database) -> None:
    t = team(db)
    with pytest.raises(PeriodError) as error:
        db.call(
            actions.start_period, actor_id=t.other_coach, client_id=t.client,
            program_key="job-search", start=TODAY, end=None, hour_cap=None, now=NOW,
        )  # fmt: skip
    assert error.value.code == "not_yours"


# --- end -------------------------------------------------------------------------------------


def test_ending_cancels_what_is_booked_and_tells_everyone(db: Database) -> None:
    t = team(db)
    period = start(db, t)
    past, future = book(db, t, NOW - timedelta(days=1), NOW + timedelta(days=2))
    ended = db.call(
        actions.end_period, actor_id=None, period_id=period.id,
        reason=EndReason.PROVIDER, note="ei sitoutunut", on=TODAY, now=NOW,
    )  # fmt: skip
    assert (ended.status, ended.end_reason, ended.ended_on) == ("ended", "provider", TODAY)
    with db.session() as session:
        assert session.get(Meeting, past).status == MeetingStatus.SCHEDULED.value  # history
        assert session.get(Meeting, future).status == MeetingStatus.CANCELLED.value
    told = {r.recipient_id: r for r in outbox_rows(db) if r.kind == "period"}
    assert told[t.client].message == texts.ENDED_CLIENT
    # The client reads why in their own terms, the caseworker in the report's.
    assert told[t.client].params["reason"] == {"$msg": texts.CLIENT_REASONS[EndReason.PROVIDER]}
    assert told[t.coach].params["cancelled"] == 1
    assert told[t.worker].params["note"] == "ei sitoutunut"
    assert told[t.worker].params["reason"] == {"$msg": texts.REASONS[EndReason.PROVIDER]}
    with pytest.raises(PeriodError):
        db.call(
            actions.end_period, actor_id=None, period_id=period.id,
            reason=EndReason.PROVIDER, note=None, on=TODAY, now=NOW,
        )  # fmt: skip


# --- extension and hours -----------------------------------------------------------------


def test_an_approved_extension_moves_the_end_and_the_coach_is_told(db: Database) -> None:
    t = team(db)
    period = start(db, t)
    made = db.call(
        actions.request, coach_id=t.coach, period_id=period.id, kind="extension",
        until=date(2027, 6, 30), hours=None, note=None, now=NOW,
    )  # fmt: skip
    [ask] = outbox_rows(db, t.worker)
    assert ask.buttons[0][0]["data"] == f"pr:{made.id}:yes"
    with pytest.raises(PeriodError) as error:  # only the client's caseworker
        db.call(actions.decide_request, caseworker_id=t.coach, request_id=made.id,
                approve=True, now=NOW)  # fmt: skip
    assert error.value.code == "not_yours"
    decided = db.call(
        actions.decide_request, caseworker_id=t.worker, request_id=made.id, approve=True, now=NOW
    )
    assert decided.until == date(2027, 6, 30)
    after = period_row(db, period.id)
    assert (after.planned_end, after.extensions) == (date(2027, 6, 30), 1)
    assert outbox_rows(db, t.coach)[-1].message == texts.EXTENSION_APPROVED
    with pytest.raises(PeriodError) as error:  # pressed again
        db.call(actions.decide_request, caseworker_id=t.worker, request_id=made.id,
                approve=False, now=NOW)  # fmt: skip
    assert error.value.code == "decided"


def test_an_extension_beyond_the_programs_limit_is_refused_before_asking(db: Database) -> None:
    t = team(db)
    period = start(db, t)
    with pytest.raises(PeriodRefused) as refused:
        db.call(
            actions.request, coach_id=t.coach, period_id=period.id, kind="extension",
            until=date(2027, 7, 2), hours=None, note=None, now=NOW,
        )  # fmt: skip
    assert refused.value.problem is Problem.BEYOND_EXTENSION
    assert outbox_rows(db, t.worker) == []


def test_approved_hours_raise_the_cap(db: Database) -> None:
    t = team(db)
    period = start(db, t, hour_cap=20.0)
    made = db.call(
        actions.request, coach_id=t.coach, period_id=period.id, kind="hours", until=None,
        hours=5.0, note="lisää", now=NOW,
    )  # fmt: skip
    decided = db.call(
        actions.decide_request, caseworker_id=t.worker, request_id=made.id, approve=True, now=NOW
    )
    assert decided.cap == 25.0
    assert period_row(db, period.id).extra_hours == 5.0


def test_the_command_line_extends_directly(db: Database) -> None:
    t = team(db)
    period = start(db, t, "job-coaching", end=TODAY + timedelta(days=20))
    extended = db.call(
        actions.extend_period, actor_id=None, period_id=period.id, until=date(2027, 3, 1),
        now=NOW,
    )  # fmt: skip
    assert extended.planned_end == date(2027, 3, 1)
    with pytest.raises(PeriodRefused) as refused:  # job coaching: at most 4 months
        db.call(actions.extend_period, actor_id=None, period_id=period.id,
                until=date(2027, 3, 2), now=NOW)  # fmt: skip
    assert refused.value.problem is Problem.BEYOND_EXTENSION


# --- suspension ----------------------------------------------------------------------------


def test_a_suspension_moves_the_end_pauses_check_ins_and_offers_to_cancel(db: Database) -> None:
    t = team(db)
    period = start(db, t)
    inside, outside = book(
        db, t, datetime(2026, 11, 10, 10, tzinfo=HKI), datetime(2026, 12, 10, 10, tzinfo=HKI)
    )
    suspended = db.call(
        actions.suspend, actor_id=t.coach, period_id=period.id, first=TODAY,
        last=date(2026, 11, 30), now=NOW,
    )  # fmt: skip
    assert suspended.status == PeriodStatus.SUSPENDED.value
    assert suspended.planned_end == date(2027, 5, 1) + timedelta(days=29)
    assert suspended.suspended_days == 29
    with db.session() as session:
        from storage import goals

        assert goals.checked_in(session, t.client, TODAY + timedelta(days=3)) is False
    [offer] = [r for r in outbox_rows(db, t.coach) if r.message == texts.SUSPENDED_COACH]
    assert offer.params["count"] == 1
    assert offer.buttons[0][0]["data"] == f"ps:{period.id}:cx"
    count = db.call(
        actions.cancel_suspended_meetings, coach_id=t.coach, period_id=period.id, now=NOW
    )
    assert count == 1
    with db.session() as session:
        assert session.get(Meeting, inside).status == MeetingStatus.CANCELLED.value
        assert session.get(Meeting, outside).status == MeetingStatus.SCHEDULED.value
    with pytest.raises(PeriodError):  # another coach's press
        db.call(actions.cancel_suspended_meetings, coach_id=t.other_coach,
                period_id=period.id, now=NOW)  # fmt: skip


def test_a_suspension_longer_than_a_month_is_refused(db: Database) -> None:
    t = team(db)
    period = start(db, t)
    with pytest.raises(PeriodRefused) as refused:
        db.call(
            actions.suspend, actor_id=t.coach, period_id=period.id, first=TODAY,
            last=date(2026, 12, 2), now=NOW,
        )  # fmt: skip
    assert refused.value.problem is Problem.SUSPENSION_TOO_LONG
    job_coaching_client = team(db)
    other = start(db, job_coaching_client, "job-coaching", end=TODAY + timedelta(days=60))
    with pytest.raises(PeriodRefused) as refused:
        db.call(
            actions.suspend, actor_id=None, period_id=other.id, first=TODAY,
            last=TODAY + timedelta(days=5), now=NOW,
        )  # fmt: skip
    assert refused.value.problem is Problem.NO_SUSPENSION


def test_resuming_early_gives_back_the_unused_days(db: Database) -> None:
    t = team(db)
    period = start(db, t)
    db.call(actions.suspend, actor_id=t.coach, period_id=period.id, first=TODAY,
            last=date(2026, 11, 30), now=NOW)  # fmt: skip
    resumed = db.call(
        actions.resume, actor_id=t.coach, period_id=period.id, on=date(2026, 11, 12), now=NOW
    )
    assert resumed.status == PeriodStatus.ACTIVE.value
    assert resumed.suspended_days == 10
    assert resumed.planned_end == date(2027, 5, 1) + timedelta(days=10)
    assert resumed.suspended_until == date(2026, 11, 11)


# --- the job -------------------------------------------------------------------------------


def sweep(db: Database, when: datetime) -> int:
    return db.call(jobs.sweep, when, HKI)


def test_the_job_reminds_of_the_end_once_per_notice_day(db: Database) -> None:
    t = team(db)
    period = start(db, t, "job-coaching", start=date(2026, 9, 1), end=date(2026, 12, 31))
    # two weeks before: Thursday 17 December
    assert sweep(db, datetime(2026, 12, 16, 12, tzinfo=HKI)) == 0
    assert sweep(db, datetime(2026, 12, 17, 12, tzinfo=HKI)) == 1
    assert sweep(db, datetime(2026, 12, 17, 13, tzinfo=HKI)) == 0  # once
    reminders = [r for r in outbox_rows(db, t.coach) if r.kind == "period-reminder"]
    assert [r.message for r in reminders] == [texts.END_NOTICE_LAST]  # 4 months: the limit
    # two working days before 31 Dec (Thu): Tuesday 29 December
    assert sweep(db, datetime(2026, 12, 29, 7, tzinfo=HKI)) == 1
    late = [r for r in outbox_rows(db, t.coach) if r.kind == "period-reminder"][-1]
    assert late.due_at == datetime(2026, 12, 29, 8, tzinfo=HKI)  # a night run waits
    assert period_row(db, period.id).status == PeriodStatus.ACTIVE.value


def test_an_end_reminder_says_until_when_it_can_be_extended(db: Database) -> None:
    t = team(db)
    start(db, t)  # ends 1 May 2027, 6 + 2 months reach 1 July 2027
    sweep(db, datetime(2027, 4, 16, 12, tzinfo=HKI))
    [reminder] = [r for r in outbox_rows(db, t.coach) if r.kind == "period-reminder"]
    assert reminder.message == texts.END_NOTICE_CAN_EXTEND
    assert reminder.params["latest"] == {"$date": "2027-07-01"}


def test_the_period_ends_the_day_after_its_planned_end(db: Database) -> None:
    t = team(db)
    period = start(db, t, "job-coaching", end=date(2026, 12, 31))
    [booked] = book(db, t, datetime(2027, 1, 5, 10, tzinfo=HKI))
    sweep(db, datetime(2026, 12, 31, 20, tzinfo=HKI))
    assert period_row(db, period.id).status == PeriodStatus.ACTIVE.value
    # Not at night: nobody is told at half past midnight that their service ended.
    sweep(db, datetime(2027, 1, 1, 0, 30, tzinfo=HKI))
    assert period_row(db, period.id).status == PeriodStatus.ACTIVE.value
    sweep(db, datetime(2027, 1, 1, 8, 0, tzinfo=HKI))
    ended = period_row(db, period.id)
    assert (ended.status, ended.end_reason, ended.ended_on) == (
        "ended", EndReason.TIME_LIMIT.value, date(2026, 12, 31),
    )  # fmt: skip
    with db.session() as session:
        assert session.get(Meeting, booked).status == MeetingStatus.CANCELLED.value
    assert any(r.message == texts.ENDED_CASEWORKER for r in outbox_rows(db, t.worker))


def test_a_suspension_agreed_ahead_starts_and_ends_by_the_job(db: Database) -> None:
    t = team(db)
    period = start(db, t)
    db.call(actions.suspend, actor_id=t.coach, period_id=period.id, first=date(2026, 11, 9),
            last=date(2026, 11, 15), now=NOW)  # fmt: skip
    assert period_row(db, period.id).status == PeriodStatus.ACTIVE.value
    sweep(db, datetime(2026, 11, 9, 1, tzinfo=HKI))
    assert period_row(db, period.id).status == PeriodStatus.SUSPENDED.value
    sweep(db, datetime(2026, 11, 16, 1, tzinfo=HKI))
    assert period_row(db, period.id).status == PeriodStatus.ACTIVE.value
    assert outbox_rows(db, t.client)[-1].message == texts.RESUMED_CLIENT


def test_work_activity_evaluation_is_reminded_two_weeks_ahead(db: Database) -> None:
    t = team(db)
    start(db, t, "work-activity", start=date(2026, 1, 5), end=date(2026, 12, 31))
    assert sweep(db, datetime(2026, 12, 21, 12, tzinfo=HKI)) >= 0
    assert not any(r.message == texts.EVALUATION_DUE for r in outbox_rows(db, t.coach))
    sweep(db, datetime(2026, 12, 22, 12, tzinfo=HKI))
    [due] = [r for r in outbox_rows(db, t.coach) if r.message == texts.EVALUATION_DUE]
    assert due.params["day"] == {"$date": "2027-01-05"}


def test_check_in_plans_do_not_matter_to_suspension(db: Database) -> None:
    """running_period reads only ACTIVE periods: a suspended one has no check-ins."""
    t = team(db)
    period = start(db, t)
    with db.session() as session:
        session.add(CheckInPlan(client_id=t.client, anchor=TODAY))
    with db.session() as session:
        from storage import goals

        assert goals.checked_in(session, t.client, TODAY) is True
    db.call(actions.suspend, actor_id=t.coach, period_id=period.id, first=TODAY,
            last=TODAY + timedelta(days=6), now=NOW)  # fmt: skip
    with db.session() as session:
        from storage import goals

        assert goals.checked_in(session, t.client, TODAY) is False
