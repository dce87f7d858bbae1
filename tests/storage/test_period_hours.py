"""A period's hours against its cap, on SQLite and PostgreSQL [002 §3.2]: every recorded
outcome counts as its rule says, what is still booked counts as planned, group hours
count, other periods and other clients do not; and what a booking may do (the cap, the
no-show procedure, the work-activity day rules read from the program)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlmodel import Session

from bot.periods.hours import check_booking, hours_of
from bot.rules.periods import Hours, Problem
from storage import meetings, people
from storage.db import Database
from storage.models import (
    AbsenceNotice,
    Attendance,
    Meeting,
    MeetingKind,
    Person,
    Role,
    ServicePeriod,
)

HKI = ZoneInfo("Europe/Helsinki")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=HKI)  # Monday
START = date(2026, 11, 2)


def local(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=HKI)


def _client(session: Session, program: str = "job-search", *, start: date = START) -> tuple:  # type: ignore[type-arg]
    coach = people.add_person(session, role=Role.COACH, name="K", language="fi")
    client = people.add_person(
        session, role=Role.CLIENT, name="M", language="fi", coach_id=coach.id
    )
    period = people.add_period(session, client_id=client.id, program_key=program, start=start)
    return coach.id, client.id, period


def _meeting(
    session: Session,
    coach_id: int,
    client_id: int,
    start: datetime,
    hours: float,
    kind: MeetingKind = MeetingKind.INDIVIDUAL,
) -> int:
    [made] = meetings.book(
        session, coach_id=coach_id, client_id=client_id, kind=kind, starts=[start],
        duration=timedelta(hours=hours), place=None,
    )  # fmt: skip
    assert made.id is not None
    return made.id


def _outcome(
    session: Session, meeting_id: int, outcome: str, used: float | None, bill: float
) -> None:
    session.add(
        Attendance(meeting_id=meeting_id, outcome=outcome, hours_used=used, billable_hours=bill)
    )


def _notice(session: Session, client_id: int, meeting_id: int, timing: str) -> None:
    session.add(
        AbsenceNotice(
            client_id=client_id, meeting_id=meeting_id, reason="ill", notified_at=NOW,
            deadline=NOW, timing=timing,
        )
    )  # fmt: skip


def test_hours_count_every_outcome_and_what_is_still_booked(db: Database) -> None:
    def setup(session: Session) -> int:
        coach, client, period = _client(session)
        held = [
            (local(3, 10), 2, "attended", 1.5, 1.5),  # the hours actually used
            (local(4, 10), 2, "no_show", None, 2.0),  # the planned hours
            (local(5, 10), 1, "absent_late", None, 1.0),
            (local(6, 10), 2, "absent_on_time", None, 0.0),  # nothing
            (local(9, 10), 2, "cancelled_by_provider", None, 0.0),
        ]
        for start, hours, outcome, used, bill in held:
            _outcome(session, _meeting(session, coach, client, start, hours), outcome, used, bill)
        group = _meeting(session, coach, client, local(10, 10), 3, MeetingKind.GROUP)
        _outcome(session, group, "attended", 3.0, 3.0)  # group hours count [002 §3.2]
        # Ahead: booked as planned, but not with an on-time notice nor when cancelled.
        _meeting(session, coach, client, local(24, 10), 1)
        excused = _meeting(session, coach, client, local(25, 10), 2)
        _notice(session, client, excused, "on_time")
        late = _meeting(session, coach, client, local(26, 10), 1)
        _notice(session, client, late, "late")
        withdrawn = _meeting(session, coach, client, local(27, 10), 1.5)
        session.add(
            AbsenceNotice(
                client_id=client, meeting_id=withdrawn, reason="ill", notified_at=NOW,
                deadline=NOW, timing="on_time", withdrawn_at=NOW,
            )
        )  # fmt: skip
        off = _meeting(session, coach, client, local(30, 10), 4)
        meetings.cancel(session, [session.get(Meeting, off)])
        _meeting(session, coach, client, local(1, 10, month=12), 2, MeetingKind.GROUP)
        # A meeting before the period (an earlier one) and another client's: not counted.
        old = _meeting(session, coach, client, local(30, 10, month=10), 5)
        _outcome(session, old, "attended", 5.0, 5.0)
        other_coach, other, _ = _client(session)
        _meeting(session, other_coach, other, local(24, 12), 2)
        return period.id

    period_id = db.call(setup)
    with db.session() as session:
        period = session.get(ServicePeriod, period_id)
        assert period is not None
        hours = hours_of(session, period, NOW, tz=HKI)
        assert hours == Hours(cap=35.0, used=7.5, booked=5.5)
        # Coaching hours given (the interim evaluation's count): held only, 1.5 + 3 group.
        assert hours.coached == 4.5
        assert hours.left == 22.0 and not hours.warn
        # The agreement's cap (never above the program's) plus hours the caseworker granted.
        period.hour_cap, period.extra_hours = 30.0, 4.0
        assert hours_of(session, period, NOW, tz=HKI).cap == 34.0
        period.hour_cap = 50.0  # an agreement over the program's, and more granted: 35 h
        assert hours_of(session, period, NOW, tz=HKI).cap == 35.0


def test_hours_are_two_queries_however_many_meetings(db: Database) -> None:
    def setup(session: Session) -> int:
        coach, client, period = _client(session)
        for day in range(3, 28):
            meeting = _meeting(session, coach, client, local(day, 8), 1)
            if day < 20:
                _outcome(session, meeting, "attended", 1.0, 1.0)
        return period.id

    period_id = db.call(setup)
    statements: list[str] = []
    with db.session() as session:
        period = session.get(ServicePeriod, period_id)
        assert period is not None
        session.get(Person, period.client_id)  # warm the identity map
        engine = session.get_bind()

        def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            if "meeting" in statement:
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            hours = hours_of(session, period, NOW, tz=HKI)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert (hours.used, hours.booked) == (17.0, 8.0)
    assert len(statements) == 2


def _check(
    session: Session, client: int, kind: MeetingKind, starts: list[datetime], hours: float, **kw
):  # type: ignore[no-untyped-def]
    spans = [(s, s + timedelta(hours=hours)) for s in starts]
    return check_booking(session, client_id=client, kind=kind, spans=spans, now=NOW, tz=HKI, **kw)


def test_a_booking_is_warned_at_80_percent_and_refused_past_the_cap(db: Database) -> None:
    def setup(session: Session) -> tuple[int, int]:
        coach, client, period = _client(session)
        for day in (3, 4, 5, 6, 9, 10, 11, 12, 13, 16):  # 10 × 2 h held: 20 h
            meeting = _meeting(session, coach, client, local(day, 10), 2)
            _outcome(session, meeting, "attended", 2.0, 2.0)
        _meeting(session, coach, client, local(24, 10), 4)  # 4 h booked: 24 of 35
        return client, period.id

    client, period_id = db.call(setup)
    with db.session() as session:
        fits = _check(session, client, MeetingKind.INDIVIDUAL, [local(25, 10)], 2)
        assert fits.problem is None and not fits.warn and fits.period_id == period_id
        assert fits.before == Hours(35.0, 20.0, 4.0) and fits.after == Hours(35.0, 20.0, 6.0)
        weekly = [local(25, 10) + timedelta(days=7 * n) for n in range(2)]  # 28 of 35 = 80 %
        warned = _check(session, client, MeetingKind.GROUP, weekly, 2)
        assert warned.problem is None and warned.warn
        exactly = _check(session, client, MeetingKind.INDIVIDUAL, [local(25, 10)], 11)
        assert exactly.problem is None and exactly.after is not None
        assert exactly.after.left == 0
        over = _check(session, client, MeetingKind.INDIVIDUAL, [local(25, 10)], 11.5)
        assert over.problem is Problem.OVER_CAP and not over.warn
        # Moving meetings already counted adds nothing, even when the hours are tight.
        moved = _check(session, client, MeetingKind.INDIVIDUAL, [local(25, 10)], 30, moving=True)
        assert moved.problem is None
        # The no-show procedure: only the three-party meeting may be booked.
        period = session.get(ServicePeriod, period_id)
        assert period is not None
        period.procedure = "three_party"
        session.add(period)
        session.flush()
        refused = _check(session, client, MeetingKind.INDIVIDUAL, [local(25, 10)], 1)
        assert refused.problem is Problem.PROCEDURE
        meeting = _check(session, client, MeetingKind.THREE_PARTY, [local(25, 10)], 1)
        assert meeting.problem is None


def test_no_period_means_nothing_to_count(db: Database) -> None:
    def setup(session: Session) -> int:
        coach = people.add_person(session, role=Role.COACH, name="K", language="fi")
        client = people.add_person(
            session, role=Role.CLIENT, name="M", language="fi", coach_id=coach.id
        )
        return client.id

    client = db.call(setup)
    with db.session() as session:
        check = _check(session, client, MeetingKind.INDIVIDUAL, [local(25, 10)], 100)
        assert (check.problem, check.before, check.after) == (None, None, None)


def test_work_activity_days_follow_the_program(db: Database) -> None:
    def setup(session: Session) -> tuple[int, int]:
        _, work, _ = _client(session, "work-activity")
        _, search, _ = _client(session, "job-search")
        return work, search

    work, search = db.call(setup)
    day = MeetingKind.WORK_DAY
    with db.session() as session:
        assert _check(session, work, day, [local(24, 8)], 4).problem is None
        assert _check(session, work, day, [local(24, 11)], 6).problem is None  # ends 17.00
        assert _check(session, work, day, [local(24, 8)], 5).problem is Problem.DAY_LENGTH
        assert _check(session, work, day, [local(24, 12)], 6).problem is Problem.DAY_WINDOW
        assert _check(session, work, day, [local(24, 7)], 4).problem is Problem.DAY_WINDOW
        assert _check(session, work, day, [local(28, 9)], 4).problem is Problem.NOT_WEEKDAY
        # A weekly series is the client's week: 2–5 days.
        one_day = [local(24, 8), local(24, 8) + timedelta(days=7)]
        assert _check(session, work, day, one_day, 4).problem is Problem.DAYS_PER_WEEK
        two_days = [local(24, 8), local(26, 8), local(24, 8) + timedelta(days=7)]
        assert _check(session, work, day, two_days, 4).problem is None
        # Moving keeps the week's days; only the day rules apply.
        assert _check(session, work, day, one_day, 4, moving=True).problem is None
        # The work-activity program has no hour cap, and other meetings have no day rules.
        check = _check(session, work, MeetingKind.INDIVIDUAL, [local(24, 18)], 1.5)
        assert check.problem is None and check.before is not None
        assert check.before.cap is None
        # A program without day rules: a "work day" of any length at any hour.
        assert _check(session, search, day, [local(28, 19)], 5).problem is None


def test_status_and_window_bound_the_period(db: Database) -> None:
    """An ended period counts nothing for a new booking; a period with an end counts only
    its own days."""

    def setup(session: Session) -> tuple[int, int]:
        coach, client, period = _client(session)
        period.planned_end = date(2026, 11, 24)
        session.add(period)
        _meeting(session, coach, client, local(24, 22), 1)  # the last day, late evening
        _meeting(session, coach, client, local(25, 0) + timedelta(minutes=30), 1)  # after
        return client, period.id

    client, period_id = db.call(setup)
    with db.session() as session:
        period = session.get(ServicePeriod, period_id)
        assert period is not None
        assert hours_of(session, period, NOW, tz=HKI).booked == 1.0
        period.status = "ended"
        session.add(period)
        session.flush()
        check = _check(session, client, MeetingKind.INDIVIDUAL, [local(26, 10)], 100)
        assert check.before is None and check.problem is None
