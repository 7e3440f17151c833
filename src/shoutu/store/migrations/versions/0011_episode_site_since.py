"""an episode's site since when: the moment the person moved into the site (a late assignment
leaves the days before it waiting, not at the site)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_since", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("control_measures", schema=None) as batch_op:
        batch_op.drop_column("site_since")
