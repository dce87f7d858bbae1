"""The employment bonus verified: the day the job ended, if it did, and the day the pay
certificate was seen [000: the bonus is billed "todentamalla oikeuden bonukseen", paid "...
palkkatodistuksen perusteella"].

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-19
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_period", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_end", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("job_verified_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_period", schema=None) as batch_op:
        batch_op.drop_column("job_verified_on")
        batch_op.drop_column("job_end")
