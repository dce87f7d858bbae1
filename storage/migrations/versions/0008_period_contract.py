"""The service period as the contract: the agreed cap and extra hours, suspensions,
extensions, how it ended, the no-show procedure, the employment it led to; the coach's
requests to the caseworker and the interim evaluation. The job-search and job-retention
presets gain their one-month suspension [002 §3.4.3].

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A passing obstacle suspends the service for a month, agreed in a three-party meeting, and
# the 6 (+2) month window moves with it [002 §3.4.3, §3.2].
SUSPENSION = {"suspension_max": "P1M", "suspension_moves_end": True}
SUSPENDED_PROGRAMS = ("job-search", "job-retention")

program = sa.table("program", sa.column("key", sa.String), sa.column("rules", sa.JSON))


def _rules(update) -> None:  # type: ignore[no-untyped-def]
    connection = op.get_bind()
    for key in SUSPENDED_PROGRAMS:
        rules = connection.execute(
            sa.select(program.c.rules).where(program.c.key == key)
        ).scalar_one_or_none()
        if rules is None:
            continue
        connection.execute(
            program.update().where(program.c.key == key).values(rules=update(dict(rules)))
        )


def upgrade() -> None:
    with op.batch_alter_table("service_period", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hour_cap", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("extra_hours", sa.Float(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("suspended_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("suspended_until", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("suspended_days", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("extensions", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("end_reason", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("end_note", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("ended_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("procedure", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("procedure_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("procedure_meeting_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("job_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("job_hours_week", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("job_open_market", sa.Boolean(), nullable=True))
        batch_op.create_foreign_key("fk_period_ended_by", "person", ["ended_by"], ["id"])
        batch_op.create_foreign_key(
            "fk_period_procedure_meeting", "meeting", ["procedure_meeting_id"], ["id"]
        )

    op.create_table(
        "period_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_id", sa.Integer(), sa.ForeignKey("service_period.id"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("hours", sa.Float(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("requested_by", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_period_request_period_id", "period_request", ["period_id"])

    op.create_table(
        "interim_evaluation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "period_id",
            sa.Integer(),
            sa.ForeignKey("service_period.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("hours_at", sa.Float(), nullable=False),
        sa.Column("progress", sa.String(length=1000), nullable=False),
        sa.Column("proposal", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=False),
        sa.Column("written_by", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decided_by", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    )
    _rules(lambda rules: {**rules, **SUSPENSION})


def downgrade() -> None:
    _rules(lambda rules: {k: v for k, v in rules.items() if k not in SUSPENSION})
    op.drop_table("interim_evaluation")
    op.drop_index("ix_period_request_period_id", table_name="period_request")
    op.drop_table("period_request")
    with op.batch_alter_table("service_period", schema=None) as batch_op:
        batch_op.drop_constraint("fk_period_procedure_meeting", type_="foreignkey")
        batch_op.drop_constraint("fk_period_ended_by", type_="foreignkey")
        for column in (
            "job_open_market",
            "job_hours_week",
            "job_start",
            "procedure_meeting_id",
            "procedure_until",
            "procedure",
            "ended_by",
            "end_note",
            "end_reason",
            "extensions",
            "suspended_days",
            "suspended_until",
            "suspended_from",
            "extra_hours",
            "hour_cap",
        ):
            batch_op.drop_column(column)
