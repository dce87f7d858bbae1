"""The diary of work outside meetings: employer contacts and meetings, calls, network
meetings, a job's start and end, benefits counselling [002 §3.4.2; 003 forms B–D]. A
correction is a new row the old one points to.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "diary_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("coach_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("period_id", sa.Integer(), sa.ForeignKey("service_period.id"), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=1000), nullable=False),
        sa.Column("employer", sa.String(length=200), nullable=True),
        sa.Column("hours_week", sa.Float(), nullable=True),
        sa.Column("wage_support", sa.Boolean(), nullable=True),
        sa.Column("end_reason", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.Column("replaced_by", sa.Integer(), sa.ForeignKey("diary_entry.id"), nullable=True),
    )
    op.create_index("ix_diary_entry_client_day", "diary_entry", ["client_id", "happened_on"])


def downgrade() -> None:
    op.drop_index("ix_diary_entry_client_day", table_name="diary_entry")
    op.drop_table("diary_entry")
