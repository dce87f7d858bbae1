"""Attendance: every meeting ends in exactly one outcome, recorded in seconds.

When a meeting has ended, the coach gets one prompt (attended / no-show / cancelled by the
provider) and, if it stays unanswered, one reminder at 08:00 on the next working day. A
meeting the client gave notice for is filled in without asking anybody. A no-show asks the
client what happened; if nobody can say, the caseworker is alerted at once [002 §3.4.3],
and so is a client who keeps missing meetings [002 §2.3].

This module is the feature's only write path. Everything here is a function of a Session
and `now`: it runs inside the caller's transaction (so the record and its messages commit
together) and never reads the clock. Only the meeting's own coach may record its outcome;
only its client may explain. A refusal is audited and returned as None.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import outbox
from bot.alerts.actions import raise_alert
from bot.attendance import buttons, texts
from bot.periods.procedure import after_attendance, ended_the_period
from bot.rules.attendance import Outcome
from bot.rules.billing import billable_hours, planned_hours
from bot.rules.calendar import next_working_day
from messages.render import at
from storage import absence, audit, people
from storage import attendance as rows
from storage.meetings import MeetingView, view
from storage.models import (
    AlertKind,
    Attendance,
    Meeting,
    MeetingStatus,
    Person,
    Priority,
    Program,
)

# How long a client has to explain a no-show before the caseworker is alerted.
EXPLAIN_WITHIN = timedelta(hours=24)
# An unanswered prompt is reminded at this local time on the next working day.
REMIND_AT = time(8, 0)
# The job looks this far back for ended meetings: enough for any restart, and it keeps the
# query on the (coach_id, starts_at) index instead of every meeting ever held.
PROMPT_LOOKBACK = timedelta(days=14)
# No-shows are usually recorded within days; this bounds the 24-hour check the same way.
EXPLAIN_LOOKBACK = timedelta(days=45)
# At most this many meetings per job run, so one run stays a short transaction.
SWEEP_LIMIT = 200
DIARY_MAX = 1000
REASON_MAX = 300
# Hours offered besides the planned length; the planned length always comes first.
HOUR_CHOICES_MINUTES = (30, 60, 90, 120, 180, 240, 360)


class ReasonState(enum.StrEnum):
    """Why did the client not come? Asked → explained, or unknown (the caseworker alerted)."""

    ASKED = "asked"
    EXPLAINED = "explained"
    UNKNOWN = "unknown"


OPEN_REASONS = (ReasonState.ASKED.value, ReasonState.UNKNOWN.value)


def ref(meeting_id: int) -> str:
    """Rows of a meeting share its object_ref, so cancelling the meeting withdraws them."""
    return f"meeting:{meeting_id}"


PROMPT_KEY = ("attendance:", ":prompt")


def prompt_key(meeting_id: int) -> str:
    return f"{PROMPT_KEY[0]}{meeting_id}{PROMPT_KEY[1]}"


def remind_key(meeting_id: int) -> str:
    return f"attendance:{meeting_id}:remind"


def hour_choices(meeting: Meeting) -> list[int]:
    """Minutes the coach may pick: the planned length first, then a few usual lengths."""
    planned = planned_minutes(meeting)
    others = [m for m in HOUR_CHOICES_MINUTES if m != planned]
    return ([planned] if planned > 0 else []) + others


def remind_due(now: datetime, tz: ZoneInfo) -> datetime:
    """08:00 local on the next working day after today: a prompt left overnight comes back."""
    day = next_working_day(now.astimezone(tz).date())
    return datetime.combine(day, REMIND_AT, tzinfo=tz)


def _planned(meeting: Meeting) -> float:
    return planned_hours(meeting.starts_at, meeting.ends_at)


def planned_minutes(meeting: Meeting) -> int:
    return round(_planned(meeting) * 60)


def _denied(session: Session, person: Person, meeting_id: int, now: datetime) -> None:
    audit.record(session, "attendance.denied", actor_id=person.id, subject_id=meeting_id, at=now)


# --- the job: prompts, notices, and no-shows nobody explained ----------------------------
def unrecorded(session: Session, now: datetime, limit: int = SWEEP_LIMIT) -> list[Meeting]:
    """Ended meetings with no outcome and no prompt yet: each is seen by one run only."""
    return rows.unrecorded(
        session, since=now - PROMPT_LOOKBACK, now=now, prompt_key=PROMPT_KEY, limit=limit
    )


def unexplained(session: Session, now: datetime, limit: int = SWEEP_LIMIT) -> list[Meeting]:
    """No-shows the client was asked about and did not explain within EXPLAIN_WITHIN."""
    return rows.waiting_for_reason(
        session, outcome=Outcome.NO_SHOW.value, reason_state=ReasonState.ASKED.value,
        since=now - EXPLAIN_LOOKBACK, now=now, recorded_by=now - EXPLAIN_WITHIN, limit=limit,
    )  # fmt: skip


def _fill_from_notice(session: Session, meeting: Meeting, timing: str, now: datetime) -> bool:
    """A notice decided the outcome already: on time bills nothing, late the planned hours."""
    outcome = Outcome.ABSENT_ON_TIME if timing == "on_time" else Outcome.ABSENT_LATE
    row = Attendance(
        meeting_id=meeting.id,  # type: ignore[arg-type]
        outcome=outcome.value,
        billable_hours=billable_hours(outcome, planned=_planned(meeting)),
        recorded_at=now,
    )
    if rows.add(session, row):
        audit.record(session, "attendance.notice", subject_id=meeting.id, detail=outcome, at=now)
        return True
    return False


def _prompt(session: Session, meeting: Meeting, now: datetime, tz: ZoneInfo) -> None:
    """One prompt now and one reminder next working morning, both with the answer buttons."""
    assert meeting.id is not None
    common: dict[str, Any] = {
        "recipient_id": meeting.coach_id,
        "params": texts.params(view(session, meeting)),
        "buttons": buttons.prompt(meeting.id),
        "object_ref": ref(meeting.id),
    }
    outbox.schedule(
        session, kind="attendance", message=texts.PROMPT, key=prompt_key(meeting.id),
        due_at=now, priority=Priority.NOTICE, **common,
    )  # fmt: skip
    outbox.schedule(
        session, kind="attendance-remind", message=texts.REMIND, key=remind_key(meeting.id),
        due_at=remind_due(now, tz), priority=Priority.REMINDER, **common,
    )  # fmt: skip


def sweep(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """The job's one transaction: returns how many things it did (so the outbox is woken)."""
    done = 0
    for meeting in unrecorded(session, now):
        notice = absence.active_notice(session, meeting.id)  # type: ignore[arg-type]
        if notice is not None:
            done += _fill_from_notice(session, meeting, notice.timing, now)
        else:
            _prompt(session, meeting, now, tz)
            done += 1
    for meeting in unexplained(session, now):
        done += escalate(session, view(session, meeting), now)
    return done


# --- the coach's answers ---------------------------------------------------------------
def _own_ended(session: Session, meeting_id: int, coach: Person, now: datetime) -> Meeting | None:
    """The coach's own meeting, held and over; anything else is a forged or stale button."""
    meeting = rows.meeting(session, meeting_id)
    if (
        meeting is None
        or meeting.coach_id != coach.id
        or meeting.status != MeetingStatus.SCHEDULED.value
        or meeting.ends_at > now
    ):
        _denied(session, coach, meeting_id, now)
        return None
    return meeting


def open_for_coach(
    session: Session, meeting_id: int, coach: Person, now: datetime
) -> MeetingView | None:
    """The meeting if this coach may still record its outcome (nobody has yet)."""
    meeting = _own_ended(session, meeting_id, coach, now)
    if meeting is None or rows.outcome_of(session, meeting_id) is not None:
        return None
    return view(session, meeting)


def _answered(session: Session, meeting_id: int) -> None:
    """The prompt is answered: its reminder (and the prompt, if still waiting) is withdrawn."""
    outbox.cancel(session, key=remind_key(meeting_id))
    outbox.cancel(session, key=prompt_key(meeting_id))


def _record(
    session: Session,
    found: MeetingView,
    coach: Person,
    outcome: Outcome,
    now: datetime,
    **extra: Any,
) -> Attendance | None:
    meeting = found.meeting
    assert meeting.id is not None
    row = Attendance(
        meeting_id=meeting.id,
        outcome=outcome.value,
        billable_hours=billable_hours(
            outcome, planned=_planned(meeting), used=extra.get("hours_used")
        ),
        recorded_by=coach.id,
        recorded_at=now,
        **extra,
    )
    if not rows.add(session, row):
        return None
    _answered(session, meeting.id)
    audit.record(
        session, "attendance.record", actor_id=coach.id, subject_id=meeting.id, detail=outcome,
        at=now,
    )  # fmt: skip
    # The no-show procedure [002 §3.4.3]: a three-party meeting called by it decides it.
    after_attendance(session, meeting, outcome, now)
    return row


@dataclass(frozen=True)
class Recorded:
    found: MeetingView
    attendance: Attendance
    alerted: bool = False  # a repeated-no-show alert went to the caseworker


def record_attended(
    session: Session, meeting_id: int, coach: Person, minutes: int, now: datetime
) -> Recorded | None:
    """Attended, with the hours used (one of the offered choices); the diary line follows."""
    found = open_for_coach(session, meeting_id, coach, now)
    if found is None:
        return None
    if minutes not in hour_choices(found.meeting):
        _denied(session, coach, meeting_id, now)
        return None
    row = _record(session, found, coach, Outcome.ATTENDED, now, hours_used=round(minutes / 60, 4))
    return Recorded(found, row) if row is not None else None


def record_diary(
    session: Session, meeting_id: int, coach: Person, text: str, now: datetime
) -> Attendance | None:
    """The hour and content diary [002 §3.4.2]: one line of what was done."""
    row = rows.outcome_of(session, meeting_id)
    if (
        row is None
        or row.outcome != Outcome.ATTENDED.value
        or _own_ended(session, meeting_id, coach, now) is None
    ):
        return None
    row.content = text.strip()[:DIARY_MAX]
    session.add(row)
    audit.record(session, "attendance.diary", actor_id=coach.id, subject_id=meeting_id, at=now)
    return row


def record_cancelled(
    session: Session, meeting_id: int, coach: Person, now: datetime
) -> Recorded | None:
    """Cancelled by the provider: nothing billable, and the client hears it is not on them."""
    found = open_for_coach(session, meeting_id, coach, now)
    if found is None:
        return None
    row = _record(session, found, coach, Outcome.CANCELLED_BY_PROVIDER, now)
    if row is None:
        return None
    outbox.schedule(
        session, recipient_id=found.client.id, kind="attendance-told",  # type: ignore[arg-type]
        message=texts.TOLD_CLIENT_CANCELLED, params=texts.params(found),
        key=f"attendance:{meeting_id}:cancelled", due_at=now, priority=Priority.NOTICE,
        quiet=True, object_ref=ref(meeting_id),
    )  # fmt: skip
    return Recorded(found, row)


def record_no_show(
    session: Session, meeting_id: int, coach: Person, now: datetime, tz: ZoneInfo
) -> Recorded | None:
    """A no-show bills the planned hours; the client is asked why, at once."""
    found = open_for_coach(session, meeting_id, coach, now)
    if found is None:
        return None
    row = _record(session, found, coach, Outcome.NO_SHOW, now, reason_state=ReasonState.ASKED.value)
    if row is None:
        return None
    if ended_the_period(session, meeting_id):
        return Recorded(found, row, alerted=False)
    outbox.schedule(
        session, recipient_id=found.client.id, kind="attendance-ask",  # type: ignore[arg-type]
        message=texts.ASK_CLIENT, params=texts.params(found),
        buttons=buttons.client_reasons(meeting_id), key=f"attendance:{meeting_id}:ask",
        due_at=now, priority=Priority.NOTICE, object_ref=ref(meeting_id),
    )  # fmt: skip
    alerted = repeated_no_shows(session, found, now, tz)
    return Recorded(found, row, alerted=alerted)


def repeated_no_shows(session: Session, found: MeetingView, now: datetime, tz: ZoneInfo) -> bool:
    """The N-th no-show of the current service period (N a program setting) alerts once.

    [002 §2.3] "useamman kerran ilmoittamattomia poissaoloja": the caseworker hears of
    repeated unannounced absences at once, with their dates.
    """
    client = found.client
    assert client.id is not None
    period = people.current_period(session, client.id)
    threshold = Program.model_fields["no_show_alert_threshold"].default
    since = None
    if period is not None:
        program = session.get(Program, period.program_key)
        threshold = program.no_show_alert_threshold if program is not None else threshold
        since = datetime.combine(period.start_date, time(0), tzinfo=tz)
        if found.meeting.starts_at < since:
            return False  # an old meeting recorded late belongs to an earlier period
    starts = rows.starts_with_outcome(session, client.id, Outcome.NO_SHOW.value, since)
    if len(starts) != threshold:
        return False
    days = [start.astimezone(tz).date() for start in starts]
    raise_alert(
        session, kind=AlertKind.REPEATED_NO_SHOWS, client=client,
        facts={"dates": texts.date_list(days)}, now=now,
    )  # fmt: skip
    return True


def escalate(session: Session, found: MeetingView, now: datetime) -> bool:
    """The reason of a no-show cannot be established: alert the caseworker, exactly once.

    The state changes from asked to unknown in one conditional UPDATE, so the coach's
    button and the 24-hour job cannot both raise the alert.
    """
    assert found.meeting.id is not None
    if not rows.change_reason_state(
        session, found.meeting.id, outcome=Outcome.NO_SHOW.value,
        old=ReasonState.ASKED.value, new=ReasonState.UNKNOWN.value,
    ):  # fmt: skip
        return False
    raise_alert(
        session, kind=AlertKind.NO_SHOW_UNKNOWN, client=found.client,
        facts={"when": at(found.meeting.starts_at)}, now=now,
    )  # fmt: skip
    return True


@dataclass(frozen=True)
class ReasonAnswer:
    found: MeetingView
    state: ReasonState  # what it is now
    alerted: bool  # this press raised the alert
    reason: str | None = None


def reason_known(
    session: Session, meeting_id: int, coach: Person, now: datetime, *, unknown: bool
) -> ReasonAnswer | None:
    """Is the reason of the coach's no-show known? `unknown`: the caseworker is alerted at
    once (if not already); else the coach waits for the client, and the 24-hour check stays."""
    meeting = _own_ended(session, meeting_id, coach, now)
    row = rows.outcome_of(session, meeting_id) if meeting is not None else None
    if meeting is None or row is None or row.outcome != Outcome.NO_SHOW.value:
        return None
    found = view(session, meeting)
    alerted = unknown and escalate(session, found, now)
    if alerted:
        session.refresh(row)
    return ReasonAnswer(found, ReasonState(row.reason_state), alerted, row.reason_text)


# --- the client's answer ---------------------------------------------------------------
def _own_no_show(
    session: Session, meeting_id: int, client: Person, now: datetime
) -> tuple[Meeting, Attendance] | None:
    """The client's own no-show whose reason is still open; else a forged or stale button."""
    meeting = rows.meeting(session, meeting_id)
    row = rows.outcome_of(session, meeting_id) if meeting is not None else None
    if (
        meeting is None
        or meeting.client_id != client.id
        or row is None
        or row.outcome != Outcome.NO_SHOW.value
        or row.reason_state not in OPEN_REASONS
    ):
        _denied(session, client, meeting_id, now)
        return None
    return meeting, row


def may_explain(session: Session, meeting_id: int, client: Person, now: datetime) -> bool:
    return _own_no_show(session, meeting_id, client, now) is not None


def explain(
    session: Session, meeting_id: int, client: Person, reason: str, now: datetime
) -> MeetingView | None:
    """The client's reason (a REASONS id or their own words); the coach is told at once."""
    if not reason.strip():
        return None
    owned = _own_no_show(session, meeting_id, client, now)
    if owned is None:
        return None
    meeting, row = owned
    row.reason_state = ReasonState.EXPLAINED.value
    row.reason_text = reason.strip()[:REASON_MAX]
    session.add(row)
    found = view(session, meeting)
    params = {**texts.params(found), "reason": texts.reason_param(row.reason_text)}
    outbox.schedule(
        session, recipient_id=meeting.coach_id, kind="attendance-told",
        message=texts.TOLD_COACH_REASON, params=params,
        key=f"attendance:{meeting_id}:explained", due_at=now, priority=Priority.NOTICE,
        object_ref=ref(meeting_id),
    )  # fmt: skip
    audit.record(session, "attendance.explain", actor_id=client.id, subject_id=meeting_id, at=now)
    return found


def explain_latest(
    session: Session, client: Person, text: str, now: datetime
) -> MeetingView | None:
    """For a free-text handler: the client's words explain their newest open no-show, if any."""
    assert client.id is not None
    meeting_id = rows.newest_with_reason_state(
        session, client.id, outcome=Outcome.NO_SHOW.value, states=OPEN_REASONS,
        since=now - EXPLAIN_LOOKBACK,
    )  # fmt: skip
    if meeting_id is None:
        return None
    return explain(session, meeting_id, client, text, now)
