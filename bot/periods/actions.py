"""The service period's lifecycle, its only write path: start, extend (the coach asks, the
caseworker decides; the admin's command line applies directly), suspend and resume, end
(interruption, goal reached, time limit), and the employment a period led to.

Each function runs inside the caller's one transaction with `now` passed in: the program's
rule (bot.rules.periods, read from the preset row by bot.periods.terms), the rows, the
outbox rows that tell the people concerned and the audit line commit together. A rule
that refuses raises `PeriodRefused` (its `problem` names the rule); a request that cannot
be taken at all (no such period, not yours, already ended) raises `PeriodError` (its
`code` keys bot.periods.texts.ERRORS). Either way nothing is written.

Sources: [002 §3.4.1–3.4.3] start, suspension, interruption, end; [002 §3.2] the cap and
the 6 (+2) month window; [001] job coaching's start and end notices and its limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import outbox
from bot.meetings.notices import cancelled as meeting_cancelled
from bot.periods import buttons, texts
from bot.periods.hours import hours_of
from bot.periods.programs import PROGRAM_NAMES
from bot.periods.terms import terms_of
from bot.rules.periods import (
    Contract,
    Employment,
    EndReason,
    Hours,
    PastPeriod,
    Problem,
    bonus_may_apply,
    default_end,
    end_after_suspension,
    extension_problem,
    hour_cap,
    latest_end,
    more_hours_possible,
    new_period_problem,
    suspension_days,
    suspension_problem,
)
from messages.formatting import HELSINKI
from messages.render import msg, on
from storage import audit, meetings
from storage import periods as rows
from storage.models import (
    PeriodRequest,
    PeriodStatus,
    Person,
    Priority,
    Role,
    ServicePeriod,
)

on_ = on  # `end_period`'s and `resume`'s parameter `on` hides the render helper

# [001] job coaching needs a start notice to the employment authority: the programs of
# that source tell the caseworker when a period starts (every end is told to everyone).
START_NOTICE_SOURCES = frozenset({"001"})
NOTE_MAX = 300


class PeriodRefused(Exception):
    """A program rule refuses: `problem` says which (texts.PROBLEMS has the words)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class PeriodError(Exception):
    """The request cannot be taken (texts.ERRORS[code] has the words)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- small pieces ---------------------------------------------------------------------------


def program_param(key: str) -> str | dict[str, str]:
    """The program's name, translated for each reader; a program without one shows its key."""
    name = PROGRAM_NAMES.get(key)
    return msg(name) if name else key


def hours_text(hours: float | None) -> str:
    return "-" if hours is None else f"{hours:g}"


def _ref(period: ServicePeriod) -> str:
    return f"period:{period.id}"


def _end_param(end: date | None) -> dict[str, str]:
    return on(end) if end is not None else msg(texts.NO_END)


def _tell(
    session: Session,
    recipient: Person | None,
    message: str,
    params: dict[str, Any],
    key: str,
    now: datetime,
    *,
    ref: str,
    buttons: list[Any] | None = None,
    kind: str = "period",
    priority: Priority = Priority.NOTICE,
) -> bool:
    """One message to an active person; nobody (or an inactive person) is told nothing."""
    if recipient is None or recipient.id is None or not recipient.active:
        return False
    outbox.schedule(
        session,
        recipient_id=recipient.id,
        kind=kind,
        message=message,
        params=params,
        buttons=buttons,
        key=key,
        due_at=now,
        priority=priority,
        object_ref=ref,
    )
    return True


def _client(session: Session, client_id: int) -> Person:
    client = session.get(Person, client_id)
    if client is None or client.role != Role.CLIENT.value or not client.active:
        raise PeriodError("not_client")
    return client


def _contacts(session: Session, client: Person) -> tuple[Person | None, Person | None]:
    coach = session.get(Person, client.coach_id) if client.coach_id else None
    caseworker = session.get(Person, client.caseworker_id) if client.caseworker_id else None
    return coach, caseworker


def may_act(session: Session, actor_id: int | None, client: Person) -> bool:
    """Who may change a client's period: the system and the command line (no actor), an
    admin, the client's own coach, and for what the purchaser decides their caseworker."""
    if actor_id is None:
        return True
    actor = session.get(Person, actor_id)
    if actor is None or not actor.active:
        return False
    if actor.role == Role.ADMIN.value:
        return True
    return actor.id in (client.coach_id, client.caseworker_id) and actor.role in (
        Role.COACH.value,
        Role.CASEWORKER.value,
    )


def _period(
    session: Session, actor_id: int | None, period_id: int, *, running: bool = True
) -> tuple[ServicePeriod, Person]:
    """The period and its client, if the actor may act on it (and it has not ended);
    the row stays locked for the rest of the action, so the time-limit sweep, a decision
    and the coach's change are made one after another."""
    period = rows.period(session, period_id, lock=True)
    if period is None:
        raise PeriodError("not_found")
    client = session.get(Person, period.client_id)
    if client is None or not may_act(session, actor_id, client):
        audit.record(session, "period.denied", actor_id=actor_id, subject_id=period_id)
        raise PeriodError("not_yours")
    if running and period.status == PeriodStatus.ENDED.value:
        raise PeriodError("ended")
    return period, client


def past_periods(session: Session, client_id: int, *, but: int | None = None) -> list[PastPeriod]:
    """The client's other periods as the rules across periods read them."""
    return [
        PastPeriod(
            program_key=p.program_key,
            start=p.start_date,
            end=p.ended_on or p.planned_end,
            led_to_job=p.job_start is not None,
        )
        for p in rows.history(session, client_id)
        if p.id != but
    ]


def _overlaps_any(session: Session, client_id: int, start: date, end: date | None) -> bool:
    """A client is in one service at a time: a period of another program that has not
    ended may not overlap the new one (the same program's overlap is the rule's)."""
    for other in rows.history(session, client_id):
        if other.status == PeriodStatus.ENDED.value:
            continue
        other_end = other.planned_end or date.max
        if start <= other_end and other.start_date <= (end or date.max):
            return True
    return False


# --- start ----------------------------------------------------------------------------------


def start_period(
    session: Session,
    *,
    actor_id: int | None,
    client_id: int,
    program_key: str,
    start: date,
    end: date | None,
    hour_cap: float | None,
    now: datetime,
    provider: str | None = None,
) -> ServicePeriod:
    """A new period of `program_key` from `start`, ending by default at the program's
    maximum length; `hour_cap` is the agreement's (at most the program's [002 §3.2]).
    `provider`: the coaching provider's name (the setting COACHBOT_PROVIDER_NAME).
    The client is welcomed: who the provider is and what the service is [002 §3.4.2];
    for job coaching the caseworker gets the start notice [001]."""
    client = _client(session, client_id)
    if not may_act(session, actor_id, client):
        audit.record(session, "period.denied", actor_id=actor_id, subject_id=client_id)
        raise PeriodError("not_yours")
    try:
        terms = terms_of(session, program_key)
    except KeyError:
        raise PeriodError("unknown_program") from None
    if hour_cap is not None:
        if hour_cap <= 0:
            raise PeriodError("bad_hours")
        if terms.hour_cap is not None and hour_cap > terms.hour_cap:
            raise PeriodRefused(Problem.OVER_CAP)
    if end is None:
        end = default_end(terms, start)
    problem = new_period_problem(terms, start, end, past_periods(session, client_id))
    if problem is None and _overlaps_any(session, client_id, start, end):
        problem = Problem.OVERLAPS
    if problem is not None:
        raise PeriodRefused(problem)
    period = ServicePeriod(
        client_id=client_id,
        program_key=program_key,
        start_date=start,
        planned_end=end,
        status=PeriodStatus.ACTIVE.value,
        hour_cap=hour_cap,
        created_at=now,
    )
    session.add(period)
    session.flush()
    audit.record(
        session, "period.start", actor_id=actor_id, subject_id=client_id,
        detail=f"{period.id}:{program_key}", at=now,
    )  # fmt: skip
    coach, caseworker = _contacts(session, client)
    program, ref = program_param(program_key), _ref(period)
    if coach is not None:
        params = {"program": program, "coach": coach.display_name, "start": on(start)}
        welcome = texts.WELCOME
        if provider:
            params["provider"], welcome = provider, texts.WELCOME_FROM
    else:
        params, welcome = {"program": program, "start": on(start)}, texts.WELCOME_NO_COACH
    _tell(session, client, welcome, params, f"{ref}:welcome", now, ref=ref)
    facts = {
        "client": client.display_name,
        "program": program,
        "start": on(start),
        "end": _end_param(end),
        "coach": coach.display_name if coach else "-",
    }
    if terms.source in START_NOTICE_SOURCES:
        _tell(session, caseworker, texts.START_NOTICE, facts, f"{ref}:start-notice", now, ref=ref)
    if coach is not None and actor_id != coach.id:
        _tell(session, coach, texts.STARTED_COACH, facts, f"{ref}:started-coach", now, ref=ref)
    return period


# --- end ------------------------------------------------------------------------------------


def end_period(
    session: Session,
    *,
    actor_id: int | None,
    period_id: int,
    reason: EndReason,
    note: str | None,
    on: date,
    now: datetime,
) -> ServicePeriod:
    """The period ends [002 §3.4.3]: what is still booked is cancelled (everyone who had
    seen a meeting is told it is off), and the client, the coach and the caseworker are
    told that it ended and why; the caseworker's notice stands for the final report until
    the reports issue writes it. Unused hours lapse with it."""
    period, client = _period(session, actor_id, period_id)
    # The end is recorded as it happened: not ahead of today (a day later than UTC's date
    # allows for the time zone), and not before a start that has already come.
    if on > now.date() + timedelta(days=1):
        raise PeriodError("future")
    if on < period.start_date <= now.date():
        raise PeriodRefused(Problem.END_BEFORE_START)
    ended_on = on
    period.status = PeriodStatus.ENDED.value
    period.ended_on = ended_on
    period.end_reason = reason.value
    period.end_note = note[:NOTE_MAX] if note else None
    period.ended_by = actor_id
    session.add(period)
    cancelled = 0
    for meeting in rows.scheduled_meetings(session, client.id or 0, now):
        for item in meetings.cancel(session, [meeting]):
            meeting_cancelled(session, meetings.view(session, item), now)
            cancelled += 1
    ref = _ref(period)
    outbox.cancel(session, object_ref=ref, kind="period-reminder")
    for pending in rows.pending_requests(session, period.id or 0):
        outbox.cancel(session, object_ref=f"period-request:{pending.id}")
    audit.record(
        session, "period.end", actor_id=actor_id, subject_id=client.id,
        detail=f"{period.id}:{reason.value}:{cancelled}", at=now,
    )  # fmt: skip
    coach, caseworker = _contacts(session, client)
    program = program_param(period.program_key)
    why = msg(texts.REASONS[reason])
    _tell(
        session, client, texts.ENDED_CLIENT,
        {"program": program, "end": on_(ended_on),
         "reason": msg(texts.CLIENT_REASONS[reason])},
        f"{ref}:ended:client", now, ref=ref,
    )  # fmt: skip
    if coach is not None and actor_id != coach.id:
        _tell(
            session, coach, texts.ENDED_COACH,
            {"client": client.display_name, "program": program, "end": on_(ended_on),
             "reason": why, "cancelled": cancelled},
            f"{ref}:ended:coach", now, ref=ref,
        )  # fmt: skip
    _tell(
        session, caseworker, texts.ENDED_CASEWORKER,
        {"client": client.display_name, "program": program, "start": on_(period.start_date),
         "end": on_(ended_on), "reason": why, "note": period.end_note or msg(texts.NO_NOTE)},
        f"{ref}:ended:caseworker", now, ref=ref,
    )  # fmt: skip
    return period


# --- extension and more hours ------------------------------------------------------------


def _extension_refusal(
    session: Session, period: ServicePeriod, terms: Contract, until: date
) -> Problem | None:
    """The program's extension limit, and [001]'s limits across periods checked again
    for the longer period (consecutive periods, 8 months in 12)."""
    problem = extension_problem(
        terms, period.start_date, period.planned_end, until, period.suspended_days
    )
    if problem is not None:
        return problem
    others = past_periods(session, period.client_id, but=period.id)
    return new_period_problem(
        terms,
        period.start_date,
        until,
        others,
        extending=True,
        suspended_days=period.suspended_days,
    )


def _apply_extension(
    session: Session, period: ServicePeriod, client: Person, until: date, actor_id: int | None,
    now: datetime,
) -> None:  # fmt: skip
    terms = terms_of(session, period.program_key)
    problem = _extension_refusal(session, period, terms, until)
    if problem is not None:
        raise PeriodRefused(problem)
    period.planned_end = until
    period.extensions += 1
    session.add(period)
    audit.record(
        session, "period.extend", actor_id=actor_id, subject_id=client.id,
        detail=f"{period.id}:{until.isoformat()}", at=now,
    )  # fmt: skip
    ref = _ref(period)
    _tell(
        session, client, texts.EXTENDED_CLIENT, {"until": on(until)},
        f"{ref}:extended:{period.extensions}:client", now, ref=ref,
    )  # fmt: skip


def extend_period(
    session: Session, *, actor_id: int | None, period_id: int, until: date, now: datetime
) -> ServicePeriod:
    """The admin's extension from the command line: the caseworker's decision is already
    made outside the bot, so it applies at once (checked, audited, everyone told)."""
    period, client = _period(session, actor_id, period_id)
    _apply_extension(session, period, client, until, actor_id, now)
    coach, caseworker = _contacts(session, client)
    params = {
        "client": client.display_name,
        "program": program_param(period.program_key),
        "until": on(until),
    }
    ref, n = _ref(period), period.extensions
    for who, person in (("coach", coach), ("caseworker", caseworker)):
        _tell(
            session, person, texts.EXTENDED_COACH, params, f"{ref}:extended:{n}:{who}", now,
            ref=ref,
        )  # fmt: skip
    return period


def current_cap(session: Session, period: ServicePeriod) -> float | None:
    """The period's cap: the agreement's (at most the program's), plus granted hours."""
    return hour_cap(terms_of(session, period.program_key), period.hour_cap, period.extra_hours)


def request(
    session: Session,
    *,
    coach_id: int,
    period_id: int,
    kind: str,
    until: date | None,
    hours: float | None,
    note: str | None,
    now: datetime,
) -> PeriodRequest:
    """The coach asks the client's caseworker for a longer period or more hours; the
    caseworker gets it with Approve / Decline. An extension the rules refuse is refused
    here already, so the caseworker is never asked for the impossible."""
    period = rows.period_of_coach(session, coach_id, period_id)
    if period is None:
        audit.record(session, "period.denied", actor_id=coach_id, subject_id=period_id, at=now)
        raise PeriodError("not_yours")
    if period.status == PeriodStatus.ENDED.value:
        raise PeriodError("ended")
    client = _client(session, period.client_id)
    coach, caseworker = _contacts(session, client)
    if caseworker is None or not caseworker.active:
        raise PeriodError("no_caseworker")
    terms = terms_of(session, period.program_key)
    cap = hour_cap(terms, period.hour_cap, period.extra_hours)
    if kind == "extension":
        if until is None:
            raise PeriodRefused(Problem.NOT_LATER)
        problem = _extension_refusal(session, period, terms, until)
        if problem is not None:
            raise PeriodRefused(problem)
        hours = None
    elif kind == "hours":
        if hours is None or hours <= 0:
            raise PeriodError("bad_hours")
        if cap is None:
            raise PeriodError("no_cap")
        # Never past the program's cap ("enintään 35 tuntia" [002 §3.1 a, §3.2]).
        if hours > more_hours_possible(terms, period.hour_cap, period.extra_hours) + 1e-9:
            raise PeriodRefused(Problem.OVER_CAP)
        until = None
    else:
        raise ValueError(f"unknown request kind {kind!r}")
    if rows.pending_request(session, period.id or 0, kind) is not None:
        raise PeriodError("pending")
    made = rows.add_request(
        session, period_id=period.id or 0, kind=kind, until=until, hours=hours, note=note,
        requested_by=coach_id, at=now,
    )  # fmt: skip
    audit.record(
        session, f"period.request.{kind}", actor_id=coach_id, subject_id=client.id,
        detail=f"{period.id}:{made.id}", at=now,
    )  # fmt: skip
    params: dict[str, Any] = {
        "coach": coach.display_name if coach else "-",
        "client": client.display_name,
        "program": program_param(period.program_key),
        "note": made.note or msg(texts.NO_NOTE),
    }
    if kind == "extension":
        assert until is not None
        latest = latest_end(terms, period.start_date, period.suspended_days)
        params |= {"end": _end_param(period.planned_end), "until": on(until),
                   "latest": _end_param(latest)}  # fmt: skip
        message = texts.ASK_EXTENSION
    else:
        params |= {"hours": hours_text(hours), "cap": hours_text(cap)}
        message = texts.ASK_HOURS
    ref = f"period-request:{made.id}"
    _tell(
        session, caseworker, message, params, f"{ref}:ask", now, ref=ref,
        buttons=buttons.decision(made.id or 0),
    )  # fmt: skip
    return made


@dataclass(frozen=True)
class Decided:
    """What the caseworker's press did, for the answer on their copy."""

    request_id: int
    kind: str
    approved: bool
    client: str
    until: date | None
    cap: float | None


def decide_request(
    session: Session, *, caseworker_id: int, request_id: int, approve: bool, now: datetime
) -> Decided:
    """Only the client's own caseworker decides, once; an approved extension moves the
    planned end (and its reminders follow it), approved hours raise the cap. The coach
    is told the decision. An extension the rules no longer allow is refused."""
    found = rows.request(session, request_id)
    # The period's lock orders two presses (two devices) and the time-limit sweep; the
    # request is read again under it, so it is decided once.
    period = rows.period(session, found.period_id, lock=True) if found is not None else None
    if found is not None:
        session.refresh(found)
    client = session.get(Person, period.client_id) if period is not None else None
    if (
        found is None
        or period is None
        or client is None
        or client.caseworker_id != caseworker_id
        or not client.active
    ):
        audit.record(session, "period.denied", actor_id=caseworker_id, subject_id=request_id)
        raise PeriodError("not_yours")
    if found.status != rows.PENDING:
        raise PeriodError("decided")
    if period.status == PeriodStatus.ENDED.value:
        raise PeriodError("ended")
    caseworker = session.get(Person, caseworker_id)
    assert caseworker is not None
    if approve and found.kind == "extension":
        assert found.until is not None
        _apply_extension(session, period, client, found.until, caseworker_id, now)
    elif approve:
        period.extra_hours = (period.extra_hours or 0.0) + (found.hours or 0.0)
        session.add(period)
    found.status = rows.APPROVED if approve else rows.DECLINED
    found.decided_by = caseworker_id
    found.decided_at = now
    session.add(found)
    audit.record(
        session, f"period.request.{found.status}", actor_id=caseworker_id,
        subject_id=client.id, detail=f"{period.id}:{found.id}", at=now,
    )  # fmt: skip
    cap = current_cap(session, period)
    coach = session.get(Person, client.coach_id) if client.coach_id else None
    params: dict[str, Any] = {"caseworker": caseworker.display_name, "client": client.display_name}
    if found.kind == "extension":
        message = texts.EXTENSION_APPROVED if approve else texts.EXTENSION_DECLINED
        params["until"] = on(period.planned_end) if period.planned_end else "-"
    else:
        message = texts.HOURS_APPROVED if approve else texts.HOURS_DECLINED
        params |= {"hours": hours_text(found.hours), "cap": hours_text(cap)}
    ref = f"period-request:{found.id}"
    _tell(session, coach, message, params, f"{ref}:decided", now, ref=ref)
    return Decided(
        request_id=request_id,
        kind=found.kind,
        approved=approve,
        client=client.display_name,
        until=period.planned_end,
        cap=cap,
    )


# --- suspension ---------------------------------------------------------------------------


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def meetings_in_suspension(
    session: Session, period: ServicePeriod, now: datetime, tz: ZoneInfo
) -> list[Any]:
    if period.suspended_from is None or period.suspended_until is None:
        return []
    after = max(now, _day_start(period.suspended_from, tz))
    before = _day_start(period.suspended_until + timedelta(days=1), tz)
    return rows.scheduled_meetings(session, period.client_id, after, before)


def suspend(
    session: Session,
    *,
    actor_id: int | None,
    period_id: int,
    first: date,
    last: date,
    now: datetime,
    tz: ZoneInfo = HELSINKI,
) -> ServicePeriod:
    """A temporary suspension for a passing obstacle, at most a month, agreed in a
    three-party meeting [002 §3.4.3]: the period is suspended from `first` (at once when
    that day has come, else by the job), check-ins pause (they run only in active
    periods), the end moves when the program says so, and the coach is offered to cancel
    the meetings booked in it."""
    period, client = _period(session, actor_id, period_id)
    if period.status != PeriodStatus.ACTIVE.value or (
        period.suspended_until is not None and period.suspended_until >= now.astimezone(tz).date()
    ):
        raise PeriodError("not_active")
    terms = terms_of(session, period.program_key)
    problem = suspension_problem(terms, first, last, period.suspended_days)
    if problem is None and first < period.start_date:
        problem = Problem.END_BEFORE_START
    if problem is not None:
        raise PeriodRefused(problem)
    today = now.astimezone(tz).date()
    period.suspended_from, period.suspended_until = first, last
    # Counted whether or not the end moves: together they stay within the month.
    period.suspended_days += suspension_days(first, last)
    period.planned_end = end_after_suspension(terms, period.planned_end, first, last)
    if first <= today:
        period.status = PeriodStatus.SUSPENDED.value
    session.add(period)
    audit.record(
        session, "period.suspend", actor_id=actor_id, subject_id=client.id,
        detail=f"{period.id}:{first.isoformat()}:{last.isoformat()}", at=now,
    )  # fmt: skip
    coach, caseworker = _contacts(session, client)
    ref, key = _ref(period), f"{_ref(period)}:suspended:{first.isoformat()}"
    dates = {"first": on(first), "last": on(last), "end": _end_param(period.planned_end)}
    _tell(
        session, client, texts.SUSPENDED_CLIENT,
        {**dates, "resume": on(last + timedelta(days=1))}, f"{key}:client", now, ref=ref,
    )  # fmt: skip
    facts = {**dates, "client": client.display_name, "program": program_param(period.program_key)}
    if caseworker is not None and actor_id != caseworker.id:
        _tell(session, caseworker, texts.SUSPENDED_CASEWORKER, facts, f"{key}:cw", now, ref=ref)
    booked = meetings_in_suspension(session, period, now, tz)
    if booked and coach is not None:
        _tell(
            session, coach, texts.SUSPENDED_COACH, {**facts, "count": len(booked)},
            f"{key}:coach", now, ref=ref, buttons=buttons.cancel_suspended(period.id or 0),
        )  # fmt: skip
    return period


def cancel_suspended_meetings(
    session: Session, *, coach_id: int, period_id: int, now: datetime, tz: ZoneInfo = HELSINKI
) -> int:
    """The coach's "cancel these meetings": the client's meetings booked inside the
    suspension are cancelled, and whoever had seen them told. Only the client's coach;
    once the suspension is over (or was never), nothing to cancel: PeriodError."""
    period = rows.period_of_coach(session, coach_id, period_id)
    if period is None:
        audit.record(session, "period.denied", actor_id=coach_id, subject_id=period_id, at=now)
        raise PeriodError("not_yours")
    if (
        period.status == PeriodStatus.ENDED.value
        or period.suspended_until is None
        or period.suspended_until < now.astimezone(tz).date()
    ):
        raise PeriodError("not_suspended")
    count = 0
    for meeting in meetings_in_suspension(session, period, now, tz):
        for item in meetings.cancel(session, [meeting]):
            meeting_cancelled(session, meetings.view(session, item), now)
            count += 1
    audit.record(
        session, "period.suspension.cancel", actor_id=coach_id, subject_id=period.client_id,
        detail=f"{period.id}:{count}", at=now,
    )  # fmt: skip
    return count


def resume(
    session: Session,
    *,
    actor_id: int | None,
    period_id: int,
    on: date,
    now: datetime,
) -> ServicePeriod:
    """The suspension ends early (or is called off before it began): the days not used
    are given back, so the end moves only by the days the period really stood still."""
    period, client = _period(session, actor_id, period_id)
    if (
        period.suspended_from is None
        or period.suspended_until is None
        or (period.status != PeriodStatus.SUSPENDED.value and period.suspended_until < on)
    ):
        raise PeriodError("not_suspended")
    terms = terms_of(session, period.program_key)
    first, last = period.suspended_from, period.suspended_until
    resumed = max(on, first)
    unused = (last - resumed).days + 1 if resumed <= last else 0
    if unused:
        period.suspended_days = max(0, period.suspended_days - unused)
    if unused and terms.suspension_moves_end and period.planned_end is not None:
        period.planned_end -= timedelta(days=unused)
    if resumed <= first:
        period.suspended_from = period.suspended_until = None
    else:
        period.suspended_until = resumed - timedelta(days=1)
    period.status = PeriodStatus.ACTIVE.value
    session.add(period)
    audit.record(
        session, "period.resume", actor_id=actor_id, subject_id=client.id,
        detail=f"{period.id}:{on.isoformat()}", at=now,
    )  # fmt: skip
    _tell_resumed(session, period, client, now, f"{_ref(period)}:resumed:{on.isoformat()}")
    return period


def _tell_resumed(
    session: Session, period: ServicePeriod, client: Person, now: datetime, key: str
) -> None:
    coach, _ = _contacts(session, client)
    ref = _ref(period)
    _tell(session, client, texts.RESUMED_CLIENT, {}, f"{key}:client", now, ref=ref)
    _tell(
        session, coach, texts.RESUMED_COACH,
        {"client": client.display_name, "end": _end_param(period.planned_end)},
        f"{key}:coach", now, ref=ref,
    )  # fmt: skip


# --- employment ---------------------------------------------------------------------------


def record_employment(
    session: Session,
    *,
    actor_id: int | None,
    period_id: int,
    job_start: date,
    hours_week: float,
    open_market: bool,
    now: datetime,
    job_end: date | None = None,
    verified_on: date | None = None,
) -> ServicePeriod:
    """The job the period led to [002 §3.1 b: job-retention follows a job-search that led
    to a job; 000: the employment bonus]. Recorded also after the period has ended.

    `job_end`: the job's last day, when it ended; `verified_on`: the day the coach saw the
    pay certificate that shows the bonus is due [000 "todentamalla oikeuden bonukseen"].
    None keeps what was recorded for the same job; a different start is another job, so
    its end and verification are cleared first. Neither may be a day still to come nor
    before the job's start (PeriodError "future", "bad_job_dates")."""
    period, client = _period(session, actor_id, period_id, running=False)
    if hours_week <= 0:
        raise PeriodError("bad_hours")
    latest = now.date() + timedelta(days=1)  # a day ahead of UTC's date: the time zone
    for day in (job_end, verified_on):
        if day is not None and day > latest:
            raise PeriodError("future")
        if day is not None and day < job_start:
            raise PeriodError("bad_job_dates")
    if period.job_start != job_start:
        period.job_end = period.job_verified_on = None
    period.job_start = job_start
    period.job_hours_week = hours_week
    period.job_open_market = open_market
    if job_end is not None:
        period.job_end = job_end
    if verified_on is not None:
        period.job_verified_on = verified_on
    session.add(period)
    detail = f"{period.id}:{job_start.isoformat()}"
    if period.job_end is not None or period.job_verified_on is not None:
        ended = period.job_end.isoformat() if period.job_end else "-"
        seen = period.job_verified_on.isoformat() if period.job_verified_on else "-"
        detail += f":ended={ended}:verified={seen}"
    audit.record(
        session, "period.employment", actor_id=actor_id, subject_id=client.id,
        detail=detail, at=now,
    )  # fmt: skip
    return period


# --- what the coach's /period shows (a read, audited like every look at a client) ---------


@dataclass(frozen=True)
class Overview:
    """One client's current period as the coach sees it; `period_id` None: none runs."""

    client_id: int
    client: str
    period_id: int | None = None
    program_key: str | None = None
    start: date | None = None
    end: date | None = None
    status: str | None = None
    suspended_from: date | None = None
    suspended_until: date | None = None
    latest: date | None = None
    cap: float | None = None
    hours: Hours | None = None
    may_extend: bool = False
    may_suspend: bool = False
    pending: tuple[str, ...] = ()
    terms: Contract | None = None
    job: Employment | None = None
    # [000]: the employment recorded may earn the bonus once it has lasted 3 months.
    bonus_may_apply: bool = False
    # The viewer is the provider's admin: an extension is made, not asked for.
    direct: bool = False


def overview(session: Session, coach_id: int, client_id: int, now: datetime) -> Overview | None:
    """An active client's current period, for their own coach or an admin (`coach_id` is
    the viewer); None for anyone else."""
    client = session.get(Person, client_id)
    viewer = session.get(Person, coach_id)
    admin = viewer is not None and viewer.active and viewer.role == Role.ADMIN.value
    if (
        client is None
        or client.role != Role.CLIENT.value
        or (client.coach_id != coach_id and not admin)
        or not client.active
    ):
        audit.record(session, "period.denied", actor_id=coach_id, subject_id=client_id, at=now)
        return None
    audit.record(session, "period.view", actor_id=coach_id, subject_id=client_id, at=now)
    period = rows.current_period(session, client_id)
    if period is None:
        return Overview(client_id=client_id, client=client.display_name, direct=admin)
    terms = terms_of(session, period.program_key)
    latest = latest_end(terms, period.start_date, period.suspended_days)
    job = None
    if period.job_start is not None and period.job_hours_week is not None:
        job = Employment(
            start=period.job_start,
            hours_week=period.job_hours_week,
            open_market=bool(period.job_open_market),
        )
    bonus = job is not None and bonus_may_apply(
        terms, job, period.ended_on or period.planned_end or job.start
    )
    return Overview(
        client_id=client_id,
        client=client.display_name,
        period_id=period.id,
        program_key=period.program_key,
        start=period.start_date,
        end=period.planned_end,
        status=period.status,
        suspended_from=period.suspended_from,
        suspended_until=period.suspended_until,
        latest=latest,
        cap=hour_cap(terms, period.hour_cap, period.extra_hours),
        hours=hours_of(session, period, now),
        may_extend=(
            period.planned_end is not None and latest is not None and latest > period.planned_end
        ),
        may_suspend=terms.suspension_max is not None,
        pending=tuple(r.kind for r in rows.pending_requests(session, period.id or 0)),
        terms=terms,
        job=job,
        bonus_may_apply=bonus,
        direct=admin,
    )


def program_choices(session: Session) -> list[tuple[str, float | None]]:
    """The programs a new period may be of, with each one's hour cap."""
    return [(p.key, terms_of(session, p.key).hour_cap) for p in rows.programs(session)]


def last_suspension_day(session: Session, program_key: str, first: date) -> date | None:
    """The last day a suspension from `first` may reach (the calendar offers no further)."""
    longest = terms_of(session, program_key).suspension_max
    return None if longest is None else first + longest - timedelta(days=1)
