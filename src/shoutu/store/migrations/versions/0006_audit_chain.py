"""audit chain: each write unit's events chained by hash, units linked in order

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import BigId, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("unit", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("pos", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_audit_events_unit"), ["unit"], unique=False)
    op.create_table(
        "audit_links",
        sa.Column("seq", BigId, autoincrement=True, nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_links")),
        sa.UniqueConstraint("unit", name=op.f("uq_audit_links_unit")),
    )


def downgrade() -> None:
    op.drop_table("audit_links")
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_unit"))
        batch_op.drop_column("hash")
        batch_op.drop_column("pos")
        batch_op.drop_column("unit")
