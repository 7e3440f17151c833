"""task open time: the moment of the event a task was opened for (its deadline counts from
it), so that "open as of a day" can be answered when replaying history; earlier tasks take
their creation time

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("open_time", UTCDateTime(), nullable=True))
    op.execute("UPDATE tasks SET open_time = created_at")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.alter_column("open_time", existing_type=UTCDateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("open_time")
