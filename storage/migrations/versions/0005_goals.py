"""Goals, check-in plans, rounds and answers, and the end-of-period review.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "due_at", name="uq_checkin_client_due"),
    )
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkin_due_at"), ["due_at"], unique=False)

    op.create_table(
        "checkin_plan",
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.Date(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("client_id"),
    )
    op.create_table(
        "goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=True),
        sa.Column("area", sa.String(length=24), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("criterion", sa.String(length=300), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("evidence", sa.String(length=500), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["service_period.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_goal_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_goal_period_id"), ["period_id"], unique=False)

    op.create_table(
        "period_review",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("goals_total", sa.Integer(), nullable=True),
        sa.Column("goals_reached", sa.Integer(), nullable=True),
        sa.Column("next_steps", sa.String(length=1000), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evaluated_by", sa.Integer(), nullable=True),
        sa.Column("feedback_score", sa.Integer(), nullable=True),
        sa.Column("feedback_text", sa.String(length=1000), nullable=True),
        sa.Column("feedback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("prompted_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluated_by"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["service_period.id"],
        ),
        sa.PrimaryKeyConstraint("period_id"),
    )
    op.create_table(
        "checkin_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checkin_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkin_id"],
            ["checkin.id"],
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"],
            ["goal.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("checkin_id", "goal_id", name="uq_checkin_answer_goal"),
    )
    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.create_index("ix_checkin_answer_goal_at", ["goal_id", "answered_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_answer_goal_at")

    op.drop_table("checkin_answer")
    op.drop_table("period_review")
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_goal_period_id"))
        batch_op.drop_index(batch_op.f("ix_goal_client_id"))

    op.drop_table("goal")
    op.drop_table("checkin_plan")
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_due_at"))
        batch_op.drop_index(batch_op.f("ix_checkin_client_id"))

    op.drop_table("checkin")
