"""Foundation: people, programs (with the six presets), service periods, invites, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The six programs of DOMAIN.md, as the seeds state them. Kept literally here so this
# migration always means what it meant; later changes to a program are new migrations.
PROGRAM_PRESETS = [
    {
        "key": "on-the-job",
        "source": "000",
        "min_length": "P2M",
        "max_length": "P8M",
        "max_extension": None,
        "hour_cap": None,
        "interim_evaluation_hours": None,
        "no_show_alert_threshold": 2,
        "rules": {
            "billing": "monthly",
            "monthly_fee_eur": 500,
            "partial_work_ability_extra_eur": 200,
            "employment_bonus_eur": 1500,
            "min_weekly_work_hours": 18,
        },
    },
    {
        "key": "job-coaching",
        "source": "001",
        "min_length": "P2W",
        "max_length": "P4M",
        "max_extension": None,
        "hour_cap": None,
        "interim_evaluation_hours": None,
        "no_show_alert_threshold": 2,
        "rules": {
            "billing": "contract",
            "max_consecutive_periods": 2,
            "max_months_in_12": 8,
            "meetings_per_week": [1, 2],
            "face_to_face": True,
            "min_goals_reached": 2,
        },
    },
    {
        "key": "job-search",
        "source": "002 3.1a",
        "min_length": None,
        "max_length": "P6M",
        "max_extension": "P2M",
        "hour_cap": 35.0,
        "interim_evaluation_hours": 21.0,
        "no_show_alert_threshold": 2,
        "rules": {"billing": "hourly"},
    },
    {
        "key": "job-retention",
        "source": "002 3.1b",
        "min_length": None,
        "max_length": "P6M",
        "max_extension": "P2M",
        "hour_cap": 21.0,
        "interim_evaluation_hours": None,
        "no_show_alert_threshold": 2,
        "rules": {"billing": "hourly", "requires_program": "job-search"},
    },
    {
        "key": "work-activity",
        "source": "002 2",
        "min_length": "P1M",
        "max_length": "P12M",
        "max_extension": None,
        "hour_cap": None,
        "interim_evaluation_hours": None,
        "no_show_alert_threshold": 2,
        "rules": {
            "billing": "work_allowance",
            "day_hours": [4, 6],
            "day_window": ["08:00", "17:00"],
            "days_per_week": [2, 5],
            "work_allowance_eur": {"4": 8, "6": 12},
            "leave_days_per_month": 2,
            "leave_min_attendance_days": 14,
            "evaluation_interval": "P1Y",
        },
    },
    {
        "key": "ips",
        "source": "003",
        "min_length": None,
        "max_length": None,
        "max_extension": None,
        "hour_cap": None,
        "interim_evaluation_hours": None,
        "no_show_alert_threshold": 2,
        "rules": {"billing": "contract", "log_employer_contacts": True},
    },
]


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("coach_id", sa.Integer(), nullable=True),
        sa.Column("caseworker_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["caseworker_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["coach_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("telegram_user_id"),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_caseworker_id"), ["caseworker_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_person_coach_id"), ["coach_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_role"), ["role"], unique=False)

    op.create_table(
        "program",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("min_length", sa.String(length=16), nullable=True),
        sa.Column("max_length", sa.String(length=16), nullable=True),
        sa.Column("max_extension", sa.String(length=16), nullable=True),
        sa.Column("hour_cap", sa.Float(), nullable=True),
        sa.Column("interim_evaluation_hours", sa.Float(), nullable=True),
        sa.Column("no_show_alert_threshold", sa.Integer(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "start_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("who", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("start_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_start_attempt_who_at", ["who", "at"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_subject_id"), ["subject_id"], unique=False)

    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invite_person_id"), ["person_id"], unique=False)

    op.create_table(
        "service_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("program_key", sa.String(length=32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["program_key"],
            ["program.key"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_period", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_period_client_id"), ["client_id"], unique=False
        )

    program = sa.table(
        "program",
        sa.column("key", sa.String),
        sa.column("source", sa.String),
        sa.column("min_length", sa.String),
        sa.column("max_length", sa.String),
        sa.column("max_extension", sa.String),
        sa.column("hour_cap", sa.Float),
        sa.column("interim_evaluation_hours", sa.Float),
        sa.column("no_show_alert_threshold", sa.Integer),
        sa.column("rules", sa.JSON),
    )
    op.bulk_insert(program, PROGRAM_PRESETS)


def downgrade() -> None:
    with op.batch_alter_table("service_period", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_period_client_id"))

    op.drop_table("service_period")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invite_person_id"))

    op.drop_table("invite")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_subject_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_actor_id"))

    op.drop_table("audit_log")
    with op.batch_alter_table("start_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_start_attempt_who_at")

    op.drop_table("start_attempt")
    op.drop_table("program")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_role"))
        batch_op.drop_index(batch_op.f("ix_person_coach_id"))
        batch_op.drop_index(batch_op.f("ix_person_caseworker_id"))

    op.drop_table("person")
