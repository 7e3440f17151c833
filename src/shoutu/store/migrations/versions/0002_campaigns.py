"""mass-screening campaigns

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 09:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import BigId, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", BigId, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.Column("risk_level", sa.String(length=32), nullable=False),
        sa.Column("start_time", UTCDateTime(), nullable=False),
        sa.Column("rounds", sa.Integer(), nullable=False),
        sa.Column("round_hours", sa.Float(), nullable=False),
        sa.Column("interval_hours", sa.Float(), nullable=False),
        sa.Column("pool_ratio", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("resp_region", sa.String(length=16), nullable=True),
        sa.Column("resp_department", sa.String(length=128), nullable=True),
        sa.Column("resp_unit", sa.String(length=128), nullable=True),
        sa.Column("resp_person", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_campaigns_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["resp_region"], ["regions.code"], name=op.f("fk_campaigns_resp_region_regions")
        ),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("name", name=op.f("uq_campaigns_name")),
    )


def downgrade() -> None:
    op.drop_table("campaigns")
