"""tasks' priority, reply and summary items; responsibility rules (四方责任);
cases' reclassifications (转归)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 20:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from shoutu.store.types import BigId, UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "responsibilities",
        sa.Column("rule_id", BigId, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=16), nullable=False),
        sa.Column("department", sa.String(length=128), nullable=True),
        sa.Column("unit", sa.String(length=128), nullable=True),
        sa.Column("person", sa.String(length=128), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_responsibilities_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("rule_id", name=op.f("pk_responsibilities")),
        sa.UniqueConstraint("kind", "region_code", name=op.f("uq_responsibilities_kind")),
    )
    op.create_table(
        "case_reclassifications",
        sa.Column("reclassification_id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("from_class", sa.String(length=32), nullable=False),
        sa.Column("to_class", sa.String(length=32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_reclassifications_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("reclassification_id", name=op.f("pk_case_reclassifications")),
        sa.UniqueConstraint("case_id", "at", name=op.f("uq_case_reclassifications_case_id")),
    )
    with op.batch_alter_table("case_reclassifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_reclassifications_case_id"), ["case_id"], unique=False
        )

    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reply", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("items", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("items")
        batch_op.drop_column("reply")
        batch_op.drop_column("priority")

    with op.batch_alter_table("case_reclassifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_reclassifications_case_id"))

    op.drop_table("case_reclassifications")
    op.drop_table("responsibilities")
