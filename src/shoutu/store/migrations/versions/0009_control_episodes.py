"""control episodes: a measure's site, its chained stages (kind, start, planned end, dated
test days) and the planned end before its latest extension; a contact's identification
time; the status ``ended`` becomes ``released``

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("stages", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("previous_planned_end_time", UTCDateTime(), nullable=True))
    op.execute("UPDATE control_measures SET status = 'released' WHERE status = 'ended'")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("identified_time", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("identified_time")
    op.execute(
        "UPDATE control_measures SET status = 'ended' WHERE status NOT IN "
        "('active', 'planned', 'held', 'cancelled')"
    )
    op.execute("UPDATE control_measures SET status = 'active' WHERE status IN ('planned', 'held')")
    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.drop_column("previous_planned_end_time")
        batch_op.drop_column("stages")
        batch_op.drop_column("site")
