"""SQLModel tables: the durable state of Coachbot.

Times are stored as timezone-aware UTC (SQLModel's UTCDateTime), dates
as plain dates. Personal data is kept to the minimum the service needs: a display
name, a language and the Telegram user id once linked. No identity codes, no phone numbers.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Aware UTC: the storage convention for every timestamp column."""
    return datetime.now(UTC)


class Role(enum.StrEnum):
    ADMIN = "admin"
    COACH = "coach"
    CASEWORKER = "caseworker"
    CLIENT = "client"


class PeriodStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class Person(SQLModel, table=True):
    """Anybody who talks to the bot; a client has one coach and one caseworker."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    role: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    display_name: str = Field(max_length=120)
    language: str = Field(default="fi", max_length=5)
    telegram_user_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True)
    )
    coach_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    caseworker_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    linked_at: datetime | None = Field(default=None)
    # Set when Telegram refuses delivery (blocked bot, deleted account); cleared when they write.
    unreachable_since: datetime | None = Field(default=None)
    # Own reminder choices, e.g. {"day_before": "16:00", "hours_before": 2, "agenda": "08:00"};
    # a missing key means the default, None means switched off.
    preferences: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )


class Program(SQLModel, table=True):
    """A service program: its rules are data so a new contract needs no code change."""

    __tablename__ = "program"

    key: str = Field(primary_key=True, max_length=32)
    source: str = Field(max_length=16)
    # Lengths as ISO 8601 durations ("P2W", "P4M"), as the contracts state them.
    min_length: str | None = Field(default=None, max_length=16)
    max_length: str | None = Field(default=None, max_length=16)
    max_extension: str | None = Field(default=None, max_length=16)
    hour_cap: float | None = None
    interim_evaluation_hours: float | None = None
    no_show_alert_threshold: int = Field(default=2)
    rules: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ServicePeriod(SQLModel, table=True):
    """One client's period in one program."""

    __tablename__ = "service_period"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", index=True)
    program_key: str = Field(foreign_key="program.key", max_length=32)
    start_date: date
    planned_end: date | None = None
    status: str = Field(default=PeriodStatus.ACTIVE.value, max_length=16)
    ended_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    # The coaching agreement's own cap, at most the program's [002 §3.2]; None: the program's.
    hour_cap: float | None = None
    # Hours the caseworker granted on top of the cap, at the coach's request.
    extra_hours: float = Field(default=0.0)
    # The suspension in force or last agreed [002 §3.4.3], and the days all suspensions
    # moved the end by (the window limits move with them when the program says so).
    suspended_from: date | None = None
    suspended_until: date | None = None
    suspended_days: int = Field(default=0)
    extensions: int = Field(default=0)
    # How it ended (bot.rules.periods.EndReason), who ended it and why, for the final report.
    end_reason: str | None = Field(default=None, max_length=24)
    end_note: str | None = Field(default=None, max_length=300)
    ended_by: int | None = Field(default=None, foreign_key="person.id")
    # The no-show procedure [002 §3.4.3]: more time given until a date, or a three-party
    # meeting called to decide on ending; nothing else is booked until it is held.
    procedure: str | None = Field(default=None, max_length=16)
    procedure_until: date | None = None
    procedure_meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    # The employment the period led to: job-retention follows only a job-search that did
    # [002 §3.1 b]; the on-the-job bonus needs ≥ 3 months, ≥ 18 h/week, open market [000].
    job_start: date | None = None
    job_hours_week: float | None = None
    job_open_market: bool | None = None
    # The job's last day when it ended, and the day the pay certificate showed the bonus is
    # due [000: "todentamalla oikeuden bonukseen"]: no bonus is billed before it is seen.
    job_end: date | None = None
    job_verified_on: date | None = None


class Invite(SQLModel, table=True):
    """A one-time invite: only the SHA-256 of the code is kept, so a leaked table links nobody."""

    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    code_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class StartAttempt(SQLModel, table=True):
    """A failed /start code, keyed by a hash of the Telegram id, for slowing down guessing."""

    __tablename__ = "start_attempt"
    __table_args__ = (Index("ix_start_attempt_who_at", "who", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    who: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow)


class AuditEntry(SQLModel, table=True):
    """Who did or looked at what: actions and ids only, never message texts or names."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    action: str = Field(max_length=64)
    subject_id: int | None = Field(default=None, index=True)
    detail: str | None = Field(default=None, max_length=200)


class MeetingKind(enum.StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    THREE_PARTY = "three_party"  # client, caseworker and provider
    WORKPLACE_VISIT = "workplace_visit"
    WORK_DAY = "work_day"  # a work-activity day of 4 or 6 hours


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class ClientResponse(enum.StrEnum):
    NONE = "none"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    OTHER_TIME = "other_time"


class Meeting(SQLModel, table=True):
    """One meeting; a weekly series is its meetings sharing a series id."""

    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_coach_start", "coach_id", "starts_at"),
        Index("ix_meeting_client_start", "client_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    coach_id: int = Field(foreign_key="person.id")
    client_id: int = Field(foreign_key="person.id")
    kind: str = Field(max_length=20)
    starts_at: datetime
    ends_at: datetime
    place: str | None = Field(default=None, max_length=300)
    series_id: int | None = Field(default=None, index=True)
    status: str = Field(default=MeetingStatus.SCHEDULED.value, max_length=16)
    sequence: int = Field(default=0)  # the calendar file's SEQUENCE: up on every change
    client_response: str = Field(default=ClientResponse.NONE.value, max_length=16)
    response_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AbsenceReason(enum.StrEnum):
    ILL = "ill"
    CHILD_ILL = "child_ill"
    APPOINTMENT = "appointment"
    OTHER = "other"


class AbsenceNotice(SQLModel, table=True):
    """A client's notice that they cannot come; its timing decides the billing."""

    __tablename__ = "absence_notice"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", index=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    reason: str = Field(max_length=16)
    note: str | None = Field(default=None, max_length=300)
    notified_at: datetime  # when the update reached the bot
    deadline: datetime
    timing: str = Field(max_length=16)  # on_time, late, after_start
    withdrawn_at: datetime | None = None


class Attendance(SQLModel, table=True):
    """The recorded outcome of a meeting: the hour and content diary [002 §3.4.2]."""

    __tablename__ = "attendance"

    meeting_id: int = Field(foreign_key="meeting.id", primary_key=True)
    outcome: str = Field(max_length=24)
    hours_used: float | None = None
    billable_hours: float = 0.0
    content: str | None = Field(default=None, max_length=1000)
    recorded_by: int | None = Field(default=None, foreign_key="person.id")
    recorded_at: datetime = Field(default_factory=utcnow)
    # For a no-show: asked → explained, or unknown (which alerts the caseworker).
    reason_state: str | None = Field(default=None, max_length=16)
    reason_text: str | None = Field(default=None, max_length=300)


class AlertKind(enum.StrEnum):
    NO_SHOW_UNKNOWN = "no_show_unknown"
    REPEATED_NO_SHOWS = "repeated_no_shows"
    CLIENT_STOPS = "client_stops"
    SIGNIFICANT_CHANGE = "significant_change"


class Alert(SQLModel, table=True):
    """A message the caseworker must act on; it is sent again until acknowledged."""

    __tablename__ = "alert"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    client_id: int = Field(foreign_key="person.id", index=True)
    caseworker_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    coach_id: int | None = Field(default=None, foreign_key="person.id")
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = Field(default=None, foreign_key="person.id")
    resent_at: datetime | None = None


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"  # taken by a dispatcher, not yet on the wire
    SENDING = "sending"  # on the wire: a crash here is the only way to send twice
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Priority(enum.IntEnum):
    """Lower goes first: an alert to a caseworker never waits behind reminders."""

    ALERT = 0
    NOTICE = 10
    REMINDER = 20
    DIGEST = 30


class OutboxMessage(SQLModel, table=True):
    """A message that must reach a person: a row first, a Telegram message second.

    The text is a catalog id plus parameters, rendered in the recipient's language when
    sent, so a language change before delivery is honoured.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        # The claim's order: pending rows by priority, then due time, then id.
        Index("ix_outbox_claim", "status", "priority", "due_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="person.id", index=True)
    kind: str = Field(max_length=32)
    message: str = Field(sa_column=Column(Text, nullable=False))
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    buttons: list[Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    due_at: datetime
    # Past this instant the row is worthless (a meeting's card or reminder once the meeting
    # has started): it is cancelled instead of sent. None: it never expires (alerts).
    expires_at: datetime | None = None
    priority: int = Field(default=Priority.NOTICE.value)
    quiet: bool = Field(default=False)  # held back during the recipient's quiet hours
    status: str = Field(default=OutboxStatus.PENDING.value, max_length=16)
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=200)
    telegram_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    idempotency_key: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    object_ref: str | None = Field(default=None, max_length=64, index=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class InboxStatus(enum.StrEnum):
    PENDING = "pending"
    WORKING = "working"
    DONE = "done"
    FAILED = "failed"


class InboxUpdate(SQLModel, table=True):
    """An update from Telegram, stored before Telegram is told it arrived.

    Keyed by Telegram's update_id, so an update delivered twice is one row. `lane` is the
    person (Telegram user id) whose updates must be handled one at a time, in order. Once
    handled, the payload is emptied: only the id stays, for the duplicate check.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        Index("ix_inbox_status_due", "status", "due_at", "update_id"),
        Index("ix_inbox_lane", "lane", "update_id"),
    )

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    lane: int = Field(sa_column=Column(BigInteger, nullable=False))
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    sent_at: datetime | None = None  # the message's own date; None for a button press
    received_at: datetime = Field(default_factory=utcnow)
    due_at: datetime = Field(default_factory=utcnow)  # a retry waits until then
    status: str = Field(default=InboxStatus.PENDING.value, max_length=16)
    attempts: int = Field(default=0)
    claimed_by: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    last_error: str | None = Field(default=None, max_length=200)
    done_at: datetime | None = None


class ConversationState(SQLModel, table=True):
    """Where a person is in the bot's conversations, and their drafts.

    Saved after each of their updates and loaded before the next one, so a restart or
    another bot process continues at the same step. `data` is the pickled user_data
    (drafts are our own dataclasses; the database is trusted storage).
    """

    __tablename__ = "conversation_state"

    user_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    states: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    data: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow)


class Goal(SQLModel, table=True):
    """A client's goal with the criterion that shows beyond dispute whether it was reached."""

    __tablename__ = "goal"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", index=True)
    period_id: int | None = Field(default=None, foreign_key="service_period.id", index=True)
    area: str = Field(max_length=24)
    text: str = Field(max_length=300)  # in the client's own words
    criterion: str = Field(max_length=300)
    target_date: date | None = None
    status: str = Field(default="open", max_length=16)
    evidence: str | None = Field(default=None, max_length=500)
    closed_at: datetime | None = None
    closed_by: int | None = Field(default=None, foreign_key="person.id")
    created_by: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CheckInPlan(SQLModel, table=True):
    """When a client is asked about their goals: weekday, local time, every 1 or 2 weeks."""

    __tablename__ = "checkin_plan"

    client_id: int = Field(foreign_key="person.id", primary_key=True)
    weekday: int = Field(default=0)
    at_time: str = Field(default="10:00", max_length=5)  # local wall-clock "HH:MM"
    every_weeks: int = Field(default=1)
    anchor: date  # a day in a week that has a check-in (for every two weeks)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="person.id")


class CheckIn(SQLModel, table=True):
    """One scheduled round of questions; its answers are accepted however late they come."""

    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("client_id", "due_at", name="uq_checkin_client_due"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", index=True)
    due_at: datetime = Field(index=True)  # reminders and digests look by time
    reminded_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)


class CheckInAnswer(SQLModel, table=True):
    """The client's answer about one goal in one round: 1–5 or done, and a few words."""

    __tablename__ = "checkin_answer"
    __table_args__ = (
        UniqueConstraint("checkin_id", "goal_id", name="uq_checkin_answer_goal"),
        Index("ix_checkin_answer_goal_at", "goal_id", "answered_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkin.id")
    goal_id: int = Field(foreign_key="goal.id")
    score: int | None = None
    done: bool = Field(default=False)
    comment: str | None = Field(default=None, max_length=500)
    answered_at: datetime = Field(default_factory=utcnow)


class PeriodReview(SQLModel, table=True):
    """The end of a period: how many goals were reached, next steps, the client's feedback."""

    __tablename__ = "period_review"

    period_id: int = Field(foreign_key="service_period.id", primary_key=True)
    goals_total: int | None = None
    goals_reached: int | None = None
    next_steps: str | None = Field(default=None, max_length=1000)
    evaluated_at: datetime | None = None
    evaluated_by: int | None = Field(default=None, foreign_key="person.id")
    feedback_score: int | None = None
    feedback_text: str | None = Field(default=None, max_length=1000)
    feedback_at: datetime | None = None
    # The end date the coach's evaluation prompt and the client's feedback question were
    # queued for: a period extended afterwards is prompted again at its new end.
    prompted_end: date | None = None


class PeriodRequest(SQLModel, table=True):
    """The coach asks, the caseworker decides [002 §3.4]: a longer period or more hours."""

    __tablename__ = "period_request"

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="service_period.id", index=True)
    kind: str = Field(max_length=16)  # extension | hours
    until: date | None = None  # extension: the new end asked for
    hours: float | None = None  # hours: how many more
    note: str | None = Field(default=None, max_length=300)
    requested_by: int = Field(foreign_key="person.id")
    requested_at: datetime = Field(default_factory=utcnow)
    status: str = Field(default="pending", max_length=16)  # pending | approved | declined
    decided_by: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = None


class InterimEvaluation(SQLModel, table=True):
    """The interim evaluation, at the latest after 21 coaching hours [002 §3.1 a]: the
    coach's view and proposal, and the caseworker's decision."""

    __tablename__ = "interim_evaluation"

    id: int | None = Field(default=None, primary_key=True)
    period_id: int = Field(foreign_key="service_period.id", unique=True)
    hours_at: float
    progress: str = Field(max_length=1000)
    proposal: str = Field(max_length=16)  # continue | end
    reason: str = Field(max_length=1000)
    written_by: int = Field(foreign_key="person.id")
    written_at: datetime = Field(default_factory=utcnow)
    decision: str | None = Field(default=None, max_length=16)  # continue | end
    decided_by: int | None = Field(default=None, foreign_key="person.id")
    decided_at: datetime | None = None


class DiaryEntry(SQLModel, table=True):
    """Work for a client outside meetings, logged by the coach [002 §3.4.2; 003 forms B–D:
    employer contacts and meetings, calls, network meetings, a job's start and end].

    A correction is a new row; the old one keeps its text and points to it (`replaced_by`),
    so what was written first is never lost."""

    __tablename__ = "diary_entry"
    __table_args__ = (Index("ix_diary_entry_client_day", "client_id", "happened_on"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id")
    coach_id: int = Field(foreign_key="person.id")
    period_id: int | None = Field(default=None, foreign_key="service_period.id")
    kind: str = Field(max_length=24)  # bot.diary.actions.Kind
    happened_on: date  # a job_start: the job's first day; a job_end: its last
    minutes: int | None = None
    text: str = Field(max_length=1000)
    employer: str | None = Field(default=None, max_length=200)
    hours_week: float | None = None
    wage_support: bool | None = None
    end_reason: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int = Field(foreign_key="person.id")
    replaced_by: int | None = Field(default=None, foreign_key="diary_entry.id")


__all__ = [
    "AbsenceNotice",
    "AbsenceReason",
    "Alert",
    "AlertKind",
    "Attendance",
    "AuditEntry",
    "CheckIn",
    "CheckInAnswer",
    "CheckInPlan",
    "ClientResponse",
    "ConversationState",
    "DiaryEntry",
    "Goal",
    "InboxStatus",
    "InboxUpdate",
    "InterimEvaluation",
    "Invite",
    "Meeting",
    "MeetingKind",
    "MeetingStatus",
    "OutboxMessage",
    "OutboxStatus",
    "PeriodRequest",
    "PeriodReview",
    "PeriodStatus",
    "Person",
    "Priority",
    "Program",
    "Role",
    "ServicePeriod",
    "StartAttempt",
    "utcnow",
]
